//! `inspect`: from a photo or from payload text to a report of what the
//! sheet's QR codes say and whether their hashes and signature hold.
//!
//! This is the whole of `testigo qr inspect` except argument parsing and
//! printing: the CLI passes the file's bytes and the formats (with the
//! configured keys), prints [`InspectReport`] as JSON, and exits 0 only if
//! [`InspectReport::exit_ok`]. The orchestration here is format-agnostic:
//! file → photo codes (`testigo-scan`) or text lines → detection by the
//! [`Formats`] registry → the detected format's [`DocumentFormat::inspect`].

use std::any::Any;
use std::fmt;

use serde::Serialize;
use testigo_scan::photo::{self, PhotoFormat, PhotoScan};

use crate::format::{DocumentFormat, FormatInfo, Formats};

/// Where the payloads came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A photo; its codes were read by `testigo-scan`.
    Image {
        /// JPEG or PNG.
        format: PhotoFormat,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// QR codes read.
        codes_read: usize,
        /// QR grids located but not readable (retake the photo if > 0).
        unread_grids: usize,
    },
    /// Text, one payload per line.
    Text {
        /// Non-empty lines.
        lines: usize,
    },
}

/// Whether a document's hash chain holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainReport {
    /// Every part's printed hash matches the recomputed chain.
    Valid,
    /// Part `part` is the first whose hash does not match.
    Broken {
        /// 1-based part number.
        part: u32,
    },
    /// The format has no hash chain (Venezuelan actas).
    NotApplicable,
}

/// Whether the payload's signature authenticates it. Only `verified` means
/// it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureReport {
    /// Verification with a configured key succeeded.
    Verified,
    /// The signature does not verify, or signs other content.
    Invalid,
    /// No configured key for the document's signing slot.
    UnknownKey,
    /// A version of the format whose signatures cannot be checked yet.
    UnsupportedFormat,
    /// The document carries no signature.
    Missing,
    /// The format is not signed (Venezuelan actas).
    NotApplicable,
}

/// Which parts of a multi-code document were given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartsReport {
    /// Parts the document has (`n` of the BU's `QRBU:i:n`).
    pub total: u32,
    /// Part numbers read, ascending, without repeats.
    pub read: Vec<u32>,
    /// Part numbers not read (at most the first 10).
    pub missing: Vec<u32>,
}

/// A format's counts as inspection reports them: any serialisable value
/// (each format has its own struct), downcast with
/// [`InspectReport::counts_as`].
pub trait InspectCounts: erased_serde::Serialize + fmt::Debug + Send + Sync {
    /// For downcasting to the format's struct.
    fn as_any(&self) -> &dyn Any;
}

impl<T: Serialize + fmt::Debug + Send + Sync + 'static> InspectCounts for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

erased_serde::serialize_trait_object!(InspectCounts);

/// What a format's [`DocumentFormat::inspect`] found in its codes.
#[derive(Debug)]
pub struct Inspection {
    /// The payloads considered, as read.
    pub payloads: Vec<String>,
    /// The table, in the format's own terms.
    pub table: Option<String>,
    /// The counts, if the payload parsed (serialised as the report's
    /// `counts`).
    pub counts: Option<Box<dyn InspectCounts>>,
    /// Parts given and missing, for a multi-code document.
    pub parts: Option<PartsReport>,
    /// Hash-chain status.
    pub chain: ChainReport,
    /// Signature status.
    pub signature: SignatureReport,
    /// Which key the signature needs, in words.
    pub key_slot: Option<String>,
    /// Everything that went wrong, in words that say what to do.
    pub errors: Vec<String>,
    /// The typed parsed document, for callers (not serialised).
    pub details: Option<Box<dyn Any + Send + Sync>>,
    /// True if codes of the document are known to be missing, so a photo is
    /// worth reading again harder.
    pub incomplete: bool,
}

impl Inspection {
    /// Nothing found yet in `payloads`: no table, counts or parts; chain and
    /// signature not applicable.
    pub fn new(payloads: Vec<String>) -> Self {
        Inspection {
            payloads,
            table: None,
            counts: None,
            parts: None,
            chain: ChainReport::NotApplicable,
            signature: SignatureReport::NotApplicable,
            key_slot: None,
            errors: Vec::new(),
            details: None,
            incomplete: false,
        }
    }
}

/// What [`inspect`] found. Serialises to the JSON `testigo qr inspect`
/// prints; the typed document rides along unserialised
/// ([`InspectReport::details`]).
#[derive(Debug, Serialize)]
pub struct InspectReport {
    /// Where the payloads came from.
    pub source: Source,
    /// The detected format, if any payload was recognised (serialised as
    /// its [`FormatInfo::report_name`]).
    pub format: Option<&'static FormatInfo>,
    /// The table: `CENTRE.MM` for an acta; `UF/municipality/zone/section`
    /// for a BU.
    pub table: Option<String>,
    /// The counts, if the payload parsed: the format's own value.
    pub counts: Option<Box<dyn InspectCounts>>,
    /// Parts given and missing (multi-code formats).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<PartsReport>,
    /// Hash-chain status.
    pub chain: ChainReport,
    /// Signature status.
    pub signature: SignatureReport,
    /// The key slot the signature needs (the BU's key version and phase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_slot: Option<String>,
    /// The payloads considered, as read.
    pub payloads: Vec<String>,
    /// Codes or lines ignored because they are in no known format.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// Everything that went wrong, in words that say what to do.
    pub errors: Vec<String>,
    /// The typed parsed document: see [`InspectReport::details`].
    #[serde(skip)]
    details: Option<Box<dyn Any + Send + Sync>>,
    /// Codes of the document are missing.
    #[serde(skip)]
    incomplete: bool,
}

impl InspectReport {
    /// True when the payload parsed and every hash and signature holds: the
    /// counts were read without error, the chain is valid or the format has
    /// none, and the signature is **verified** or the format is not signed.
    /// An unverifiable signature (unknown key, unsupported format) or a
    /// missing one is not "holds".
    pub fn exit_ok(&self) -> bool {
        self.format.is_some()
            && self.errors.is_empty()
            && self.counts.is_some()
            && matches!(self.chain, ChainReport::Valid | ChainReport::NotApplicable)
            && matches!(self.signature, SignatureReport::Verified | SignatureReport::NotApplicable)
    }

    /// The report as pretty JSON (what `testigo qr inspect` prints).
    pub fn to_json(&self) -> String {
        // Every field serialises (strings, numbers, maps with integer keys),
        // so this cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The counts as the format's own type (`ActaCounts`, `BuCounts`, …).
    pub fn counts_as<T: 'static>(&self) -> Option<&T> {
        self.counts.as_deref().and_then(|c| c.as_any().downcast_ref())
    }

    /// The typed parsed document, as the format's own type (the Venezuelan
    /// acta's `ActaQr`, the BU's [`crate::BrazilResult`]), for intake.
    pub fn details<T: 'static>(&self) -> Option<&T> {
        self.details.as_deref().and_then(|d| d.downcast_ref())
    }

    /// The stable name of the detected format ([`FormatInfo::name`]).
    pub fn format_name(&self) -> Option<&'static str> {
        self.format.map(|f| f.name)
    }

    fn empty(source: Source) -> Self {
        InspectReport {
            source,
            format: None,
            table: None,
            counts: None,
            parts: None,
            chain: ChainReport::NotApplicable,
            signature: SignatureReport::NotApplicable,
            key_slot: None,
            payloads: Vec::new(),
            ignored: Vec::new(),
            errors: Vec::new(),
            details: None,
            incomplete: false,
        }
    }

    fn absorb(&mut self, format: &dyn DocumentFormat, i: Inspection) {
        self.format = Some(format.info());
        self.payloads = i.payloads;
        self.table = i.table;
        self.counts = i.counts;
        self.parts = i.parts;
        self.chain = i.chain;
        self.signature = i.signature;
        self.key_slot = i.key_slot;
        self.errors.extend(i.errors);
        self.details = i.details;
        self.incomplete = i.incomplete;
    }
}

/// Inspects a file: a JPEG or PNG photo (recognised by its magic bytes),
/// otherwise text with one QR payload per line (UTF-8 or latin-1; blank
/// lines and surrounding whitespace ignored).
pub fn inspect(input: &[u8], formats: &Formats) -> InspectReport {
    if photo::sniff_image(input).is_some() {
        return inspect_photo(input, formats);
    }
    let text = match testigo_formats::decode_text(input) {
        Ok((text, _)) => text.into_owned(),
        Err(e) => {
            let mut report = InspectReport::empty(Source::Text { lines: 0 });
            report.errors.push(e.to_string());
            return report;
        }
    };
    let lines: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    inspect_payloads(&lines, formats)
}

/// Inspects payload texts (one per scanned code), as typed or decoded.
pub fn inspect_payloads(payloads: &[String], formats: &Formats) -> InspectReport {
    let mut report = InspectReport::empty(Source::Text { lines: payloads.len() });
    analyse(&mut report, payloads, formats);
    report
}

/// Inspects a photo: reads its codes, and if no code of a known format was
/// read or a document's parts are missing, looks again harder.
pub fn inspect_photo(bytes: &[u8], formats: &Formats) -> InspectReport {
    let format = photo::sniff_image(bytes).unwrap_or(PhotoFormat::Jpeg);
    let image_source =
        |width, height, codes_read, unread_grids| Source::Image { format, width, height, codes_read, unread_grids };
    let scanned = match photo::load_photo(bytes) {
        Ok(image) => photo::scan_sheet(&image, |codes| wants_more(codes, formats)),
        Err(e) => {
            let mut report = InspectReport::empty(image_source(0, 0, 0, 0));
            report.errors.push(e.to_string());
            return report;
        }
    };
    let mut report =
        InspectReport::empty(image_source(scanned.size.0, scanned.size.1, scanned.codes.len(), scanned.unread_grids));
    analyse(&mut report, &scanned.texts(), formats);
    if report.payloads.is_empty() && report.errors.is_empty() {
        report.errors.push(
            "no QR code of a known format was read from the photo; retake it closer, flat and in focus".to_string(),
        );
    }
    report
}

/// Every QR code text read from a photo, sorted and without repeats (what
/// a server logs as the photo's reading), read as [`inspect_photo`] reads
/// with the standard [`crate::formats()`]: replays of the log compare it.
pub fn photo_codes(bytes: &[u8]) -> Result<Vec<String>, photo::PhotoError> {
    let formats = crate::formats();
    let scan: PhotoScan = photo::scan_sheet(&photo::load_photo(bytes)?, |codes| wants_more(codes, &formats));
    let mut texts = scan.texts();
    texts.retain(|t| !t.is_empty());
    texts.sort();
    texts.dedup();
    Ok(texts)
}

/// After a quick pass: read the photo again with every pass if no code of
/// one known format was read, or the document's parts are missing.
fn wants_more(codes: &[String], formats: &Formats) -> bool {
    let mut probe = InspectReport::empty(Source::Text { lines: 0 });
    analyse(&mut probe, codes, formats);
    probe.format.is_none() || probe.incomplete
}

/// Fills `report` from the payload texts.
fn analyse(report: &mut InspectReport, texts: &[String], formats: &Formats) {
    let mut by_format: Vec<Vec<&str>> = vec![Vec::new(); formats.len()];
    for t in texts {
        match formats.detect_index(t) {
            Some(i) => by_format[i].push(t),
            None => report.ignored.push(t.clone()),
        }
    }
    let found: Vec<(&dyn DocumentFormat, &Vec<&str>)> =
        formats.iter().zip(&by_format).filter(|(_, codes)| !codes.is_empty()).collect();
    match found.as_slice() {
        [] if texts.is_empty() => {}
        [] => {
            let kinds: Vec<&str> = formats.iter().map(|f| f.info().looks_like).collect();
            report.errors.push(format!("no payload is {}", or_list(&kinds)));
        }
        [(format, codes)] => {
            let inspection = format.inspect(codes);
            report.absorb(*format, inspection);
        }
        several => {
            let kinds: Vec<String> = several.iter().map(|(f, c)| format!("{} ({})", f.info().codes, c.len())).collect();
            let both = if kinds.len() == 2 { "both " } else { "" };
            report.errors.push(format!(
                "found {both}{}; inspect one sheet at a time",
                list(&kinds.iter().map(String::as_str).collect::<Vec<_>>(), "and")
            ));
        }
    }
}

/// `a or b`, `a, b or c`.
fn or_list(items: &[&str]) -> String {
    list(items, "or")
}

fn list(items: &[&str], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}
