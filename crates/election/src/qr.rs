//! The hook for checking a sheet's QR payload against its typed counts.
//!
//! QR formats are country-specific and live in another crate; this crate only
//! defines the interface so the registry can flag disagreements.

use crate::model::{Contest, ElectionDef};
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

/// Decodes QR payloads of tally sheets. Object-safe, so a registry can hold
/// any implementation as `Box<dyn QrDecoder + Send + Sync>`.
pub trait QrDecoder {
    /// Decodes `payload` for `contest` of `election`; `Err` says why it is
    /// unreadable (the sheet is then flagged `qr_unreadable`).
    fn decode(&self, election: &ElectionDef, contest: &Contest, payload: &str) -> Result<QrCounts, String>;
}
