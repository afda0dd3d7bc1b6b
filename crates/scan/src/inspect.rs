//! `inspect`: from a photo or from payload text to a report of what the
//! sheet's QR codes say and whether their hashes and signature hold.
//!
//! This is the whole of `testigo qr inspect` except argument parsing and
//! printing: the CLI passes the file's bytes and the configured keys, prints
//! [`InspectReport`] as JSON, and exits 0 only if [`InspectReport::exit_ok`].
//! Intake uses the same function on an uploaded photo or payload and reads
//! the typed results ([`InspectReport::venezuela`], [`InspectReport::brazil`]).

use std::collections::BTreeMap;

use serde::Serialize;
use testigo_formats::brazil_bu::{
    self, AssembleError, BuError, BuRecord, ChainStatus, KeySet, Payload, SignatureStatus, Verification,
};
use testigo_formats::venezuela_qr::{self, ActaQr};
use testigo_formats::{venezuela_2024_candidates, venezuela_2024_cards, VENEZUELA_2024_CARD_COUNT};

use crate::photo::{self, Effort, PhotoFormat};

/// What [`inspect`] needs besides the input.
#[derive(Clone, Debug)]
pub struct InspectOptions {
    /// The BU signing keys to trust (empty: every BU signature is
    /// `unknown_key`).
    pub keys: KeySet,
    /// Cards on the Venezuelan ballot, hence counts in an acta QR (38 in
    /// 2024). Card and candidate names in the report are the 2024 ones when
    /// this is 38, and omitted otherwise.
    pub venezuela_cards: usize,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions { keys: KeySet::new(), venezuela_cards: VENEZUELA_2024_CARD_COUNT }
    }
}

/// The QR formats [`inspect`] recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum QrFormat {
    /// A Venezuelan acta de escrutinio (`CCCCCCCCC.MM.1.0001!votes!NULOS!X`).
    #[serde(rename = "venezuela-acta")]
    VenezuelaActa,
    /// A Brazilian boletim de urna, one or more `QRBU:i:n` parts.
    #[serde(rename = "brazil-bu")]
    BrazilBu,
}

/// Where the payloads came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A photo; its codes were read by [`photo::decode_photo`].
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

/// Whether the BU's hash chain holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainReport {
    /// Every part's printed HASH matches the recomputed chain.
    Valid,
    /// Part `part` is the first whose HASH does not match.
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
    /// Ed25519 verification with a configured key succeeded.
    Verified,
    /// The signature does not verify, or signs other content.
    Invalid,
    /// No configured key for the BU's state, phase and key version.
    UnknownKey,
    /// Format 6.0 (per-machine certificates) or another version whose
    /// signatures cannot be checked yet.
    UnsupportedFormat,
    /// The last part carries no signature.
    Missing,
    /// The format is not signed (Venezuelan actas).
    NotApplicable,
}

impl From<SignatureStatus> for SignatureReport {
    fn from(s: SignatureStatus) -> Self {
        match s {
            SignatureStatus::Verified => SignatureReport::Verified,
            SignatureStatus::Invalid => SignatureReport::Invalid,
            SignatureStatus::UnknownKey => SignatureReport::UnknownKey,
            SignatureStatus::UnsupportedFormat => SignatureReport::UnsupportedFormat,
            SignatureStatus::Missing => SignatureReport::Missing,
        }
    }
}

/// Which parts of a BU were given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartsReport {
    /// Parts the BU has (`n` of `QRBU:i:n`).
    pub total: u32,
    /// Part numbers read, ascending, without repeats.
    pub read: Vec<u32>,
    /// Part numbers not read (at most the first 10).
    pub missing: Vec<u32>,
}

/// One card's votes on a Venezuelan acta.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CardVotes {
    /// Position on the ballot, 1-based.
    pub card: usize,
    /// Party on the card (2024 ballot only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<&'static str>,
    /// Votes.
    pub votes: u32,
}

/// One candidate's votes on a Venezuelan acta (2024 ballot only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidateVotes {
    /// CSV column code (`EG`, `NM`, …).
    pub code: &'static str,
    /// Full name.
    pub name: &'static str,
    /// Sum of the candidate's cards.
    pub votes: u64,
}

/// The counts of one office of a BU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OfficeCounts {
    /// `CARG` code.
    pub code: u32,
    /// Its English name when known (1 president … 13 councillor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// `TIPO`: 0 majoritarian, 1 proportional, 2 referendum.
    pub kind: Option<u32>,
    /// Votes per candidate number (in or out of party blocks).
    pub candidates: BTreeMap<u32, u32>,
    /// Party-list (`LEGP`) votes per party number.
    pub party_list: BTreeMap<u32, u32>,
    /// `APTA`: eligible voters for the office.
    pub eligible: Option<u32>,
    /// `BRAN`: blank votes.
    pub blank: Option<u32>,
    /// `NULO`: null votes.
    pub null: Option<u32>,
    /// `TOTC`: total votes.
    pub total: Option<u32>,
}

/// The counts a payload carries, by format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Counts {
    /// A Venezuelan acta.
    Venezuela {
        /// Votes per card, in ballot order.
        cards: Vec<CardVotes>,
        /// Votes per candidate (2024 ballot only; empty otherwise).
        candidates: Vec<CandidateVotes>,
        /// Sum of the cards.
        valid: u64,
        /// Null votes.
        null: u32,
        /// The unexplained last field (always 0 so far).
        last: u32,
    },
    /// A Brazilian BU.
    Brazil {
        /// `APTO`: eligible voters of the section.
        eligible: Option<u32>,
        /// `COMP`: voters present.
        present: Option<u32>,
        /// `FALT`: voters absent.
        absent: Option<u32>,
        /// Per office, in printed order.
        offices: Vec<OfficeCounts>,
    },
}

/// What [`inspect`] found. Serialises to the JSON `testigo qr inspect`
/// prints; the typed payloads ride along unserialised for intake.
#[derive(Clone, Debug, Serialize)]
pub struct InspectReport {
    /// Where the payloads came from.
    pub source: Source,
    /// The detected format, if any payload was recognised.
    pub format: Option<QrFormat>,
    /// The table: `CENTRE.MM` for an acta; `UF/municipality/zone/section`
    /// for a BU.
    pub table: Option<String>,
    /// The counts, if the payload parsed.
    pub counts: Option<Counts>,
    /// BU parts given and missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<PartsReport>,
    /// Hash-chain status.
    pub chain: ChainReport,
    /// Signature status.
    pub signature: SignatureReport,
    /// The BU's key version (`VRCH`) and phase, to say which key was needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_slot: Option<String>,
    /// The payloads considered, as read.
    pub payloads: Vec<String>,
    /// Codes or lines ignored because they are in no known format.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// Everything that went wrong, in words that say what to do.
    pub errors: Vec<String>,
    /// The parsed acta, for intake.
    #[serde(skip)]
    pub venezuela: Option<ActaQr>,
    /// The assembled BU, its verification and typed record, for intake.
    #[serde(skip)]
    pub brazil: Option<BrazilResult>,
}

/// A BU as [`inspect`] read it.
#[derive(Clone, Debug)]
pub struct BrazilResult {
    /// All parts, assembled.
    pub payload: Payload,
    /// Chain and signature status.
    pub verification: Verification,
    /// The typed content (`None` if the content does not map; see the
    /// report's errors).
    pub record: Option<BuRecord>,
}

impl InspectReport {
    /// True when the payload parsed and every hash and signature holds: for
    /// an acta, it parsed; for a BU, it assembled completely, its content
    /// mapped, its chain is valid and its signature **verified**. An
    /// unverifiable signature (unknown key, unsupported format) or a
    /// missing one (format 1.5 always signs the last part) is not "holds".
    pub fn exit_ok(&self) -> bool {
        if !self.errors.is_empty() || self.counts.is_none() {
            return false;
        }
        match self.format {
            Some(QrFormat::VenezuelaActa) => self.venezuela.is_some(),
            Some(QrFormat::BrazilBu) => self.chain == ChainReport::Valid && self.signature == SignatureReport::Verified,
            None => false,
        }
    }

    /// The report as pretty JSON (what `testigo qr inspect` prints).
    pub fn to_json(&self) -> String {
        // Every field serialises (strings, numbers, maps with integer keys),
        // so this cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
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
            venezuela: None,
            brazil: None,
        }
    }
}

/// How a payload text looks.
fn classify(text: &str) -> Option<QrFormat> {
    if text.starts_with("QRBU:") {
        Some(QrFormat::BrazilBu)
    } else if text.contains('!') && text.starts_with(|c: char| c.is_ascii_digit()) {
        Some(QrFormat::VenezuelaActa)
    } else {
        None
    }
}

/// Inspects a file: a JPEG or PNG photo (recognised by its magic bytes),
/// otherwise text with one QR payload per line (UTF-8 or latin-1; blank
/// lines and surrounding whitespace ignored).
pub fn inspect(input: &[u8], options: &InspectOptions) -> InspectReport {
    if photo::sniff_image(input).is_some() {
        return inspect_photo(input, options);
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
    inspect_payloads(&lines, options)
}

/// Inspects payload texts (one per scanned code), as typed or decoded.
pub fn inspect_payloads(payloads: &[String], options: &InspectOptions) -> InspectReport {
    let mut report = InspectReport::empty(Source::Text { lines: payloads.len() });
    analyse(&mut report, payloads, options);
    report
}

/// Inspects a photo: reads its codes, and if a BU's parts are missing,
/// looks again harder.
pub fn inspect_photo(bytes: &[u8], options: &InspectOptions) -> InspectReport {
    let format = photo::sniff_image(bytes).unwrap_or(PhotoFormat::Jpeg);
    let image_source =
        |width, height, codes_read, unread_grids| Source::Image { format, width, height, codes_read, unread_grids };
    let scanned = match photo::load_photo(bytes) {
        Ok(image) => scan_sheet(&image),
        Err(e) => {
            let mut report = InspectReport::empty(image_source(0, 0, 0, 0));
            report.errors.push(e.to_string());
            return report;
        }
    };
    let mut report =
        InspectReport::empty(image_source(scanned.size.0, scanned.size.1, scanned.codes.len(), scanned.unread_grids));
    analyse(&mut report, &scanned.texts(), options);
    if report.payloads.is_empty() && report.errors.is_empty() {
        report.errors.push(
            "no QR code of a known format was read from the photo; retake it closer, flat and in focus".to_string(),
        );
    }
    report
}

/// Every QR code text read from a photo, sorted and without repeats (what
/// a server logs as the photo's reading), read as [`inspect_photo`] reads.
pub fn photo_codes(bytes: &[u8]) -> Result<Vec<String>, photo::PhotoError> {
    let mut texts = scan_sheet(&photo::load_photo(bytes)?).texts();
    texts.retain(|t| !t.is_empty());
    texts.sort();
    texts.dedup();
    Ok(texts)
}

/// Reads a sheet's codes: a quick pass, then every pass if no code of a
/// known format was read or a BU's parts are missing.
fn scan_sheet(image: &image::GrayImage) -> photo::PhotoScan {
    let quick = photo::scan_gray(image, Effort::Quick);
    let mut probe = InspectReport::empty(Source::Image {
        format: PhotoFormat::Png,
        width: 0,
        height: 0,
        codes_read: 0,
        unread_grids: 0,
    });
    analyse(&mut probe, &quick.texts(), &InspectOptions::default());
    if probe.format.is_none() || probe.parts.as_ref().is_some_and(|p| !p.missing.is_empty()) {
        photo::scan_gray(image, Effort::Exhaustive)
    } else {
        quick
    }
}

/// Fills `report` from the payload texts.
fn analyse(report: &mut InspectReport, texts: &[String], options: &InspectOptions) {
    let mut acta: Vec<&String> = Vec::new();
    let mut bu: Vec<&String> = Vec::new();
    for t in texts {
        match classify(t) {
            Some(QrFormat::VenezuelaActa) => acta.push(t),
            Some(QrFormat::BrazilBu) => bu.push(t),
            None => report.ignored.push(t.clone()),
        }
    }
    if !acta.is_empty() && !bu.is_empty() {
        report.errors.push(format!(
            "found both Venezuelan acta codes ({}) and Brazilian BU parts ({}); inspect one sheet at a time",
            acta.len(),
            bu.len()
        ));
        return;
    }
    if !acta.is_empty() {
        report.format = Some(QrFormat::VenezuelaActa);
        acta.dedup();
        report.payloads = acta.iter().map(|s| s.to_string()).collect();
        venezuela(report, &acta, options);
    } else if !bu.is_empty() {
        report.format = Some(QrFormat::BrazilBu);
        report.payloads = bu.iter().map(|s| s.to_string()).collect();
        brazil(report, &bu, options);
    } else if !texts.is_empty() {
        report.errors.push(
            "no payload is a Venezuelan acta QR (CENTRE.MM.1.0001!…) or a Brazilian BU part (QRBU:i:n …)".to_string(),
        );
    }
}

fn venezuela(report: &mut InspectReport, payloads: &[&String], options: &InspectOptions) {
    let mut distinct: Vec<&String> = payloads.to_vec();
    distinct.sort();
    distinct.dedup();
    if distinct.len() > 1 {
        report.errors.push(format!(
            "{} different acta QR payloads were given; an acta has one code, inspect one sheet at a time",
            distinct.len()
        ));
        return;
    }
    let qr = match venezuela_qr::parse(distinct[0], options.venezuela_cards) {
        Ok(qr) => qr,
        Err(e) => {
            report.errors.push(e.to_string());
            return;
        }
    };
    let ballot_2024 = qr.card_votes.len() == VENEZUELA_2024_CARD_COUNT;
    let cards = qr
        .card_votes
        .iter()
        .enumerate()
        .map(|(i, &votes)| CardVotes {
            card: i + 1,
            party: ballot_2024.then(|| venezuela_2024_cards()[i].party),
            votes,
        })
        .collect();
    let candidates = if ballot_2024 {
        let map: Vec<usize> = venezuela_2024_cards().iter().map(|c| c.candidate).collect();
        let totals = qr.candidate_totals(&map);
        venezuela_2024_candidates()
            .iter()
            .zip(totals)
            .map(|(c, votes)| CandidateVotes { code: c.code, name: c.name, votes })
            .collect()
    } else {
        Vec::new()
    };
    report.table = Some(qr.table_id());
    report.counts =
        Some(Counts::Venezuela { cards, candidates, valid: qr.valid_votes(), null: qr.null_votes, last: qr.last });
    report.venezuela = Some(qr);
}

/// English names of the `CARG` office codes.
fn office_name(code: u32) -> Option<&'static str> {
    Some(match code {
        1 => "president",
        3 => "governor",
        5 => "senator",
        6 => "federal deputy",
        7 => "state deputy",
        8 => "district deputy",
        11 => "mayor",
        13 => "councillor",
        _ => return None,
    })
}

fn brazil(report: &mut InspectReport, texts: &[&String], options: &InspectOptions) {
    // Parse each part on its own first, to report which are present even
    // when the set does not assemble.
    let mut parts = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        match brazil_bu::parse_part(t) {
            Ok(p) => parts.push(p),
            Err(e) => report.errors.push(BuError::Part { position: i + 1, source: e }.to_string()),
        }
    }
    if let Some(total) = parts.first().map(|p| p.total) {
        let mut read: Vec<u32> = parts.iter().filter(|p| p.total == total).map(|p| p.index).collect();
        read.sort_unstable();
        read.dedup();
        let missing = (1..=total).filter(|i| read.binary_search(i).is_err()).take(10).collect();
        report.parts = Some(PartsReport { total, read, missing });
    }
    if !report.errors.is_empty() {
        return;
    }
    let payload = match brazil_bu::assemble(parts) {
        Ok(p) => p,
        Err(e) => {
            report.errors.push(match e {
                AssembleError::Missing { .. } => format!("{e} (the counts cannot be read from an incomplete BU)"),
                e => e.to_string(),
            });
            return;
        }
    };
    let verification = payload.verify(&options.keys);
    report.chain = match verification.chain {
        ChainStatus::Valid => ChainReport::Valid,
        ChainStatus::BrokenAt { part } => ChainReport::Broken { part },
    };
    report.signature = verification.signature.into();
    let content = &payload.content;
    report.key_slot = Some(format!(
        "state {} phase {} VRQR {} VRCH {}",
        content.get("UNFE").unwrap_or("?"),
        content.get("FASE").unwrap_or("?"),
        payload.version,
        payload.key_version.as_deref().unwrap_or("-"),
    ));
    let record = match payload.record() {
        Ok(r) => Some(r),
        Err(e) => {
            report.errors.push(format!("the BU content does not map to offices and counts: {e}"));
            None
        }
    };
    if let Some(r) = &record {
        let h = &r.header;
        let part = |v: Option<u32>| v.map_or_else(|| "?".to_string(), |n| n.to_string());
        report.table = Some(format!(
            "{}/{}/{}/{}",
            h.state.as_deref().unwrap_or("?"),
            part(h.municipality),
            part(h.zone),
            part(h.section)
        ));
        let offices = r
            .offices
            .iter()
            .map(|o| OfficeCounts {
                code: o.office,
                name: office_name(o.office),
                kind: o.kind,
                candidates: o.all_candidate_votes(),
                party_list: o.party_list_votes(),
                eligible: o.eligible,
                blank: o.blank,
                null: o.null,
                total: o.total,
            })
            .collect();
        report.counts = Some(Counts::Brazil { eligible: h.eligible, present: h.present, absent: h.absent, offices });
    }
    if verification.chain != ChainStatus::Valid {
        report
            .errors
            .push("the BU's hash chain is broken: a part was altered, misread, or belongs to another BU".to_string());
    }
    report.brazil = Some(BrazilResult { payload, verification, record });
}
