//! The hook for checking a sheet's QR payload against its typed counts, and
//! what the checks found.
//!
//! QR formats are country-specific and live in another crate; this crate only
//! defines the interface so the registry can flag disagreements and record,
//! per sheet, what its printed code proves.

use crate::entry::TrustedKey;
use crate::model::{Contest, ElectionDef};
use crate::registry::SheetCounts;
use std::collections::BTreeMap;

/// The counts a QR payload carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QrCounts {
    /// The table id the QR names, when the format carries one.
    pub table: Option<String>,
    /// Votes per candidate id (ballot cards already summed into their candidate).
    pub votes: BTreeMap<String, u64>,
    /// Null votes, when the format carries them.
    pub null: Option<u64>,
}

/// The state of a signed format's signature (a Brazilian BU's, for one). A
/// payload is never reported `Verified` unless a key trusted by the log (a
/// `trust` entry before it) verified it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QrSignature {
    /// A trusted key verified the signature over the payload's content.
    Verified,
    /// The signature does not verify under the trusted key: altered or forged.
    Invalid,
    /// No key is trusted (yet) for the payload's signing slot.
    UnknownKey,
    /// The format version's signatures cannot be checked by this software.
    UnsupportedFormat,
    /// The payload carries no signature.
    Missing,
}

impl QrSignature {
    /// The stable snake_case code shown in the API and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            QrSignature::Verified => "verified",
            QrSignature::Invalid => "invalid",
            QrSignature::UnknownKey => "unknown_key",
            QrSignature::UnsupportedFormat => "unsupported_format",
            QrSignature::Missing => "missing",
        }
    }
}

/// What a decoder made of one payload for one contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrReading {
    /// The format detected (a stable name such as `venezuela_acta`).
    pub format: &'static str,
    /// The signature state, for formats that carry signatures.
    pub signature: Option<QrSignature>,
    /// The counts, or why they cannot be used (malformed, broken hash chain,
    /// invalid signature, no office for the contest).
    pub counts: Result<QrCounts, String>,
}

/// Decodes QR payloads of tally sheets. Object-safe, so a registry can hold
/// any implementation as `Box<dyn QrDecoder + Send + Sync>`.
pub trait QrDecoder {
    /// Reads `payload` for `contest` of `election`. Unusable counts make the
    /// sheet's typed QR `qr_unreadable`. The result may depend only on the
    /// arguments and the decoder's state, which only the log changes (see
    /// [`QrDecoder::trusting`]), so replays agree.
    fn read(&self, election: &ElectionDef, contest: &Contest, payload: &str) -> QrReading;

    /// The decoder to use from a `trust` entry on: this one, also trusting
    /// `keys` to sign documents of `format`. Or why the keys cannot be used
    /// (an unknown format, a slot this format does not have, a different key
    /// already trusted for the same slot); the registry then rejects the
    /// entry as `invalid_definition`. Keys are only ever added, never
    /// replaced, so a signature state other than
    /// [`QrSignature::UnknownKey`] never changes under a later trust entry.
    ///
    /// It returns a new decoder rather than changing this one, so that the
    /// registry can check an entry without applying it. The default trusts
    /// no keys for any format.
    fn trusting(&self, format: &str, keys: &[TrustedKey]) -> Result<Box<dyn QrDecoder + Send + Sync>, String> {
        let _ = keys;
        Err(format!("this QR decoder checks no signatures, so it cannot trust keys for format {format:?}"))
    }

    /// Splits the codes read from one photo into the payloads to read: by
    /// default each code on its own. A format printed as several codes (the
    /// BU's parts) joins its parts into one payload, one part per line.
    fn payloads_from_codes(&self, codes: &[String]) -> Vec<String> {
        codes.to_vec()
    }
}

/// How a sheet's QR evidence compares with its typed counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QrOutcome {
    /// A code's counts (and table, when it names one) equal the typed ones.
    Matches,
    /// A code was read but its counts or table differ from the typed ones.
    Mismatch,
    /// Codes were present but none could be used (see the signature and format).
    Unreadable,
    /// The photo was read and no QR code was found in it.
    NoCode,
}

impl QrOutcome {
    /// The stable snake_case code shown in the API and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            QrOutcome::Matches => "matches",
            QrOutcome::Mismatch => "mismatch",
            QrOutcome::Unreadable => "unreadable",
            QrOutcome::NoCode => "no_code",
        }
    }
}

/// The result of checking a sheet's QR payload (as typed into the sheet, or
/// as read from its photo) against the sheet's typed counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrCheck {
    /// The outcome.
    pub outcome: QrOutcome,
    /// Why the outcome is `unreadable`: what the decoder said of the payload
    /// (malformed, another election's ballot, no ballot cards, a broken
    /// signature), for people reading the API, the CLI and the report.
    pub why: Option<std::sync::Arc<str>>,
    /// The format of the payload the outcome is about (`None` if no code).
    pub format: Option<&'static str>,
    /// Its signature state, for signed formats.
    pub signature: Option<QrSignature>,
    /// For photo checks: the log index of the photo reading used.
    pub reading: Option<u64>,
}

/// Checks `payloads` (alternatives: the first that matches wins) against a
/// sheet's typed figures (`counts`; figures it does not report are not compared).
pub fn check_payloads(
    decoder: &dyn QrDecoder,
    election: &ElectionDef,
    contest: &Contest,
    table: &str,
    counts: &SheetCounts<'_>,
    payloads: &[String],
) -> QrCheck {
    check_payloads_reading(decoder, election, contest, table, counts, payloads).0
}

/// [`check_payloads`], with the reading its outcome rests on (`None` when
/// there was no payload): what the chosen code says, to show beside the
/// typed counts.
pub fn check_payloads_reading(
    decoder: &dyn QrDecoder,
    election: &ElectionDef,
    contest: &Contest,
    table: &str,
    counts: &SheetCounts<'_>,
    payloads: &[String],
) -> (QrCheck, Option<QrReading>) {
    let mut best: Option<(QrOutcome, QrReading)> = None;
    for payload in payloads {
        let reading = decoder.read(election, contest, payload);
        let outcome = match &reading.counts {
            Err(_) => QrOutcome::Unreadable,
            Ok(c) if counts_match(contest, table, counts, c) => QrOutcome::Matches,
            Ok(_) => QrOutcome::Mismatch,
        };
        // Prefer a match, then a readable mismatch, then the first unreadable.
        let rank = |o: QrOutcome| match o {
            QrOutcome::Matches => 0,
            QrOutcome::Mismatch => 1,
            _ => 2,
        };
        if best.as_ref().is_none_or(|(b, _)| rank(outcome) < rank(*b)) {
            best = Some((outcome, reading));
        }
        if outcome == QrOutcome::Matches {
            break;
        }
    }
    match best {
        Some((outcome, r)) => {
            let check = QrCheck {
                outcome,
                why: r.counts.as_ref().err().filter(|_| outcome == QrOutcome::Unreadable).map(|w| w.as_str().into()),
                format: Some(r.format),
                signature: r.signature,
                reading: None,
            };
            (check, Some(r))
        }
        None => (QrCheck { outcome: QrOutcome::NoCode, why: None, format: None, signature: None, reading: None }, None),
    }
}

/// Whether a QR's counts match the sheet's on every figure the sheet
/// reports (a figure the sheet does not report cannot contradict the code).
fn counts_match(contest: &Contest, table: &str, typed: &SheetCounts<'_>, counts: &QrCounts) -> bool {
    let table_differs = counts.table.as_deref().is_some_and(|t| t != table);
    let null_differs = matches!((counts.null, typed.null), (Some(q), Some(t)) if q != t);
    let unknown_candidate = counts.votes.keys().any(|c| contest.candidate_position(c).is_none());
    let votes_differ = contest
        .candidates
        .iter()
        .zip(typed.votes)
        .enumerate()
        .any(|(k, (cand, &v))| typed.reports(k) && counts.votes.get(&cand.id).copied().unwrap_or(0) != v);
    !(table_differs || null_differs || unknown_candidate || votes_differ)
}
