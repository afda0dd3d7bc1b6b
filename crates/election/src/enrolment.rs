//! Enrolled keys as the registry knows them: who holds each key, what it may
//! do, where and when, and whether it has been revoked.

use crate::entry::Role;
use crate::geography::UnitIx;
use testigo_note::Verifier;

/// A key enrolled by the operator, with its log position and revocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    /// Log index of the enrol entry.
    pub index: u64,
    /// The enrolled key.
    pub verifier: Verifier,
    /// What it may do.
    pub role: Role,
    /// The person or system holding it.
    pub holder: String,
    /// The organisation vouching for the holder.
    pub organisation: String,
    /// The unit it may submit for (`None`: the whole election).
    pub scope: Option<String>,
    /// Start of validity, unix seconds (inclusive).
    pub valid_from: u64,
    /// End of validity, unix seconds (inclusive).
    pub valid_until: u64,
    /// The revocation, once logged.
    pub revoked: Option<Revocation>,
    pub(crate) scope_unit: Option<UnitIx>,
}

/// A logged revocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// Log index of the revoke entry.
    pub index: u64,
    /// The operator's reason.
    pub reason: String,
}

impl Enrolment {
    /// `name+hex8`, the way keys are named in messages.
    pub fn key_label(&self) -> String {
        format!("{}+{:08x}", self.verifier.name(), self.verifier.key_id())
    }

    /// The revocation in force for an entry at log index `index`: one logged
    /// strictly before it (a revocation never reaches back).
    pub fn revoked_before(&self, index: u64) -> Option<&Revocation> {
        self.revoked.as_ref().filter(|r| r.index < index)
    }

    /// Whether `t` (unix seconds) lies within the validity window.
    pub fn valid_at(&self, t: u64) -> bool {
        self.valid_from <= t && t <= self.valid_until
    }
}
