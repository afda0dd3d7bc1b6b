//! The [`DocumentFormat`] trait, the extension point for tally-sheet formats,
//! and [`Formats`], the registry that every reader of sheet QR codes goes
//! through: the election rules ([`crate::SheetQr`]), `testigo qr inspect`
//! and intake ([`crate::inspect()`]), and photo reading
//! ([`crate::photo_codes`]).

use std::any::Any;
use std::fmt;

use testigo_election::{Contest, ElectionDef, QrReading, TrustedKey};

use crate::inspect::Inspection;

/// The names a format goes by, fixed for the life of the software: they are
/// recorded in logs and published output. One `static` per format.
#[derive(Debug, PartialEq, Eq)]
pub struct FormatInfo {
    /// The stable name in the log and in the rules: [`QrReading::format`]
    /// and the `format` of `trust` entries (`venezuela_acta`, `brazil_bu`).
    /// Never change it: replays of old logs compare it.
    pub name: &'static str,
    /// The name in `testigo qr inspect`'s JSON `format` field
    /// (`venezuela-acta`, `brazil-bu`). Published: never change it either.
    pub report_name: &'static str,
    /// The document with an article, for messages: `a Venezuelan acta`.
    pub title: &'static str,
    /// What one code looks like, for the message when no code is of any
    /// format: `a Venezuelan acta QR (CENTRE.MM.1.0001!…)`.
    pub looks_like: &'static str,
    /// Its codes in the plural, for the message when codes of several
    /// formats are mixed: `Venezuelan acta codes`.
    pub codes: &'static str,
}

/// [`FormatInfo`] serialises as its [`FormatInfo::report_name`], so an
/// [`crate::InspectReport`]'s `format` prints as it always has.
impl serde::Serialize for FormatInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.report_name)
    }
}

/// A tally-sheet document format: everything testigo knows about one kind of
/// sheet QR, in one place. **This is the extension point**: a new format is
/// one implementation of this trait plus one line in [`formats()`] (see the
/// crate documentation, "How to add a document format").
///
/// Bytes are parsed by `testigo-formats`; an implementation adapts a parsed
/// document to what the rules and the tools need:
///
/// - **naming** ([`DocumentFormat::info`]): stable names for logs and
///   reports, words for messages;
/// - **detection** ([`DocumentFormat::detects`]): whether one scanned code
///   is of this format — the only sniffer in testigo;
/// - **grouping** ([`DocumentFormat::payloads_from_codes`]): for a document
///   printed as several codes, joining them into one payload;
/// - **reading** ([`DocumentFormat::read`]): the counts a payload gives a
///   contest, and its signature state, from which the registry derives the
///   `qr_mismatch`/`qr_unreadable` flags;
/// - **trust** ([`DocumentFormat::accepts_keys`],
///   [`DocumentFormat::trust`]): the signing keys `trust` entries add;
/// - **inspection** ([`DocumentFormat::inspect`]): what `testigo qr
///   inspect` reports of the format's codes (table, counts as a
///   serialisable value, chain and signature status).
///
/// Flags are derived state that every replay of the log must compute alike,
/// so [`DocumentFormat::read`] may depend only on its arguments and on what
/// the log told the format (its trusted keys): no clock, no files, no
/// network, no randomness.
///
/// Implementations are `Clone + Debug + Send + Sync + 'static`; cloning and
/// downcasting a boxed format come for free through [`FormatObject`].
pub trait DocumentFormat: FormatObject + fmt::Debug + Send + Sync {
    /// The format's names (one `static` [`FormatInfo`]).
    fn info(&self) -> &'static FormatInfo;

    /// The stable name ([`FormatInfo::name`]).
    fn name(&self) -> &'static str {
        self.info().name
    }

    /// True if `code`, one scanned code exactly as read (the caller trims
    /// nothing), is of this format. Cheap and strict: a code two formats
    /// detect goes to the first in the registry, and a code no format
    /// detects is ignored by inspection. For a whole sheet payload the
    /// registry asks about the payload without its leading whitespace
    /// ([`Formats::detect_payload`]).
    fn detects(&self, code: &str) -> bool;

    /// Joins this format's codes from one photo (every one of them detected
    /// by this format, in the order read) into payloads for
    /// [`DocumentFormat::read`]. `None`, the default, means each code is a
    /// payload on its own; a format printed as several codes (the BU's
    /// parts) returns them joined, one code per line. See
    /// [`Formats::payloads_from_codes`] for the order of the result.
    fn payloads_from_codes(&self, codes: &[&str]) -> Option<Vec<String>> {
        let _ = codes;
        None
    }

    /// Reads a sheet payload (as submitted: one code, or a multi-code
    /// document's codes one per line) for `contest` of `election`: the
    /// counts, or why they cannot be used, and the signature state for a
    /// signed format. [`QrReading::format`] is [`DocumentFormat::name`].
    /// Also called for payloads no format detects when this format is the
    /// registry's first (its error then says why the payload is unreadable).
    fn read(&self, election: &ElectionDef, contest: &Contest, payload: &str) -> QrReading;

    /// True if the format is signed and takes keys from `trust` entries
    /// naming it. The default: not signed.
    fn accepts_keys(&self) -> bool {
        false
    }

    /// Trusts `keys` from now on (a `trust` entry with this format's name).
    /// Called only when [`DocumentFormat::accepts_keys`]. May fail having
    /// added some keys: the registry calls it on a copy. Keys are only ever
    /// added, so a signature checked with one stays so.
    fn trust(&mut self, keys: &[TrustedKey]) -> Result<(), String> {
        let _ = keys;
        Err(format!("format {:?} has no signature keys to trust", self.name()))
    }

    /// What `testigo qr inspect` reports of this format's codes (every one
    /// of them detected by this format, in the order read, one document
    /// expected): the payloads considered, the table, the counts as a
    /// serialisable value, parts, chain, signature, errors, and the typed
    /// parsed document for callers ([`crate::InspectReport::details`]).
    fn inspect(&self, codes: &[&str]) -> Inspection;
}

/// Cloning and downcasting of boxed formats, implemented for every
/// `DocumentFormat + Clone` (implementations need not write it).
pub trait FormatObject {
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn DocumentFormat>;
    /// For downcasting to the implementation.
    fn as_any(&self) -> &dyn Any;
    /// For downcasting to the implementation.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: DocumentFormat + Clone + 'static> FormatObject for T {
    fn clone_box(&self) -> Box<dyn DocumentFormat> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl Clone for Box<dyn DocumentFormat> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// The document formats this software reads, in order: the list to extend
/// when adding a format. The first is also the reader of payloads that no
/// format detects (see [`Formats::for_payload`]).
pub fn formats() -> Formats {
    Formats::new(vec![
        Box::new(crate::VenezuelaActaQr::default()),
        Box::new(crate::BrazilBuQr::default()),
        // A new format: one line here.
    ])
}

/// A registry of document formats, in order of precedence. The default is
/// [`formats()`], trusting no keys.
#[derive(Clone, Debug)]
pub struct Formats {
    list: Vec<Box<dyn DocumentFormat>>,
}

impl Default for Formats {
    fn default() -> Self {
        formats()
    }
}

impl Formats {
    /// A registry of exactly `list` (tests, tools with their own formats).
    pub fn new(list: Vec<Box<dyn DocumentFormat>>) -> Self {
        Formats { list }
    }

    /// This registry with `format` in place of the format of the same name,
    /// or added last if there is none (for example the BU format with the
    /// keys given on the command line).
    pub fn with(mut self, format: impl DocumentFormat + 'static) -> Self {
        match self.list.iter_mut().find(|f| f.name() == format.name()) {
            Some(slot) => *slot = Box::new(format),
            None => self.list.push(Box::new(format)),
        }
        self
    }

    /// The formats, in order.
    pub fn iter(&self) -> impl Iterator<Item = &dyn DocumentFormat> {
        self.list.iter().map(|f| &**f)
    }

    /// The format named `name` ([`FormatInfo::name`]).
    pub fn get(&self, name: &str) -> Option<&dyn DocumentFormat> {
        self.iter().find(|f| f.name() == name)
    }

    /// The format of implementation `T`, if the registry has it.
    pub fn find<T: DocumentFormat + 'static>(&self) -> Option<&T> {
        self.list.iter().find_map(|f| (**f).as_any().downcast_ref::<T>())
    }

    /// The format of implementation `T`, to change it in place.
    pub fn find_mut<T: DocumentFormat + 'static>(&mut self) -> Option<&mut T> {
        self.list.iter_mut().find_map(|f| (**f).as_any_mut().downcast_mut::<T>())
    }

    /// The position of the first format that detects `code` (as read).
    pub(crate) fn detect_index(&self, code: &str) -> Option<usize> {
        self.list.iter().position(|f| f.detects(code))
    }

    /// The first format that detects `code`, exactly as read.
    pub fn detect(&self, code: &str) -> Option<&dyn DocumentFormat> {
        self.detect_index(code).map(|i| &*self.list[i])
    }

    /// The format of a sheet payload: the first that detects it without its
    /// leading whitespace (so a multi-code payload by its first non-blank
    /// line).
    pub fn detect_payload(&self, payload: &str) -> Option<&dyn DocumentFormat> {
        self.detect(payload.trim_start())
    }

    /// The format that reads `payload`: the one detecting it, otherwise
    /// the first of the registry, whose reading says why the payload is not
    /// of its format. `None` only for an empty registry.
    pub fn for_payload(&self, payload: &str) -> Option<&dyn DocumentFormat> {
        self.detect_payload(payload).or_else(|| self.list.first().map(|f| &**f))
    }

    /// The payloads in one photo's codes: first the documents that
    /// multi-code formats join from their codes (formats in registry order;
    /// a code's format is [`Formats::detect_payload`]'s), then every other
    /// code on its own, in the order read.
    pub fn payloads_from_codes(&self, codes: &[String]) -> Vec<String> {
        let owner: Vec<Option<usize>> =
            codes.iter().map(|c| self.list.iter().position(|f| f.detects(c.trim_start()))).collect();
        let mut joined = Vec::new();
        let mut joined_by = vec![false; self.list.len()];
        for (i, f) in self.list.iter().enumerate() {
            let mine: Vec<&str> =
                codes.iter().zip(&owner).filter(|(_, o)| **o == Some(i)).map(|(c, _)| c.as_str()).collect();
            if mine.is_empty() {
                continue;
            }
            if let Some(payloads) = f.payloads_from_codes(&mine) {
                joined.extend(payloads);
                joined_by[i] = true;
            }
        }
        let single = codes.iter().zip(&owner).filter(|(_, o)| !o.is_some_and(|i| joined_by[i])).map(|(c, _)| c.clone());
        joined.into_iter().chain(single).collect()
    }

    /// Adds `keys` to the format named `format` (a `trust` entry). Fails
    /// for a format that is unknown or not signed, or keys it refuses;
    /// may then have added some keys, so callers change a copy.
    pub fn trust(&mut self, format: &str, keys: &[TrustedKey]) -> Result<(), String> {
        match self.list.iter_mut().find(|f| f.name() == format && f.accepts_keys()) {
            Some(f) => f.trust(keys),
            None => {
                let signed: Vec<&str> = self.iter().filter(|f| f.accepts_keys()).map(|f| f.name()).collect();
                let signed = if signed.is_empty() { "no signed format".to_string() } else { signed.join(", ") };
                Err(format!("format {format:?} has no signature keys to trust (this software checks {signed})"))
            }
        }
    }

    /// Number of formats.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True for a registry without formats.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}
