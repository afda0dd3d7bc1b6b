//! A sheet's evidence: its photo, and its QR codes (typed, or read from the
//! photo) checked against its typed counts. Shared by sheets (checked when
//! applied), readings (a photo's codes arrive) and trust entries (a key
//! arrives for a signature that had none).

use super::readings::ReadingRec;
use super::sheets::SheetCounts;
use crate::codes::{Flag, FlagSet};
use crate::model::{Contest, ElectionDef};
use crate::qr::{check_payloads, QrCheck, QrDecoder, QrOutcome};
use crate::validate::is_sha256_hex;

/// A sheet's photo and what its QR codes showed.
#[derive(Clone, Debug, Default)]
pub(super) struct SheetEvidence {
    pub(super) photo: Option<[u8; 32]>,
    /// The typed `qr` payload checked against the typed counts.
    pub(super) qr: Option<QrCheck>,
    /// The photo's codes (latest reading) checked against the typed counts.
    pub(super) photo_qr: Option<QrCheck>,
    /// The typed `qr` payload, kept only while its signature waits for a
    /// key (`unknown_key`), so a later trust entry can check it again.
    pub(super) qr_awaiting_key: Option<String>,
}

/// What a sheet's QR codes are checked against: its election, contest,
/// table and typed counts.
#[derive(Clone, Copy)]
pub(super) struct QrSubject<'a> {
    pub(super) election: &'a ElectionDef,
    pub(super) contest: &'a Contest,
    pub(super) table: &'a str,
    pub(super) counts: SheetCounts<'a>,
}

impl QrSubject<'_> {
    /// Checks QR payloads against the sheet.
    pub(super) fn check(&self, decoder: &dyn QrDecoder, payloads: &[String]) -> QrCheck {
        check_payloads(decoder, self.election, self.contest, self.table, &self.counts, payloads)
    }

    /// Checks a photo's codes (joined by the decoder into payloads) against
    /// the sheet, noting which reading they came from.
    pub(super) fn check_photo(&self, decoder: &dyn QrDecoder, reading: &ReadingRec) -> QrCheck {
        let payloads = decoder.payloads_from_codes(&reading.codes);
        QrCheck { reading: Some(reading.index), ..self.check(decoder, &payloads) }
    }
}

/// Raises the flag a typed QR check's outcome calls for.
pub(super) fn set_qr_flags(flags: &mut FlagSet, outcome: QrOutcome) {
    match outcome {
        QrOutcome::Mismatch => flags.insert(Flag::QrMismatch),
        QrOutcome::Unreadable => flags.insert(Flag::QrUnreadable),
        _ => {}
    }
}

/// Sets `photo_qr_mismatch` as a photo check's outcome calls for (clearing
/// it otherwise: the latest reading decides).
pub(super) fn set_photo_qr_flag(flags: &mut FlagSet, outcome: QrOutcome) {
    flags.remove(Flag::PhotoQrMismatch);
    if outcome == QrOutcome::Mismatch {
        flags.insert(Flag::PhotoQrMismatch);
    }
}

/// A SHA-256 given as 64 lowercase hex digits, as bytes.
pub(super) fn parse_sha256(h: &str) -> Option<[u8; 32]> {
    if !is_sha256_hex(h) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(h, &mut out).ok()?;
    Some(out)
}
