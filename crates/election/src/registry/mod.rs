//! The registry: the state derived by replaying a log, and the rules that
//! decide which entries count.
//!
//! [`Registry::apply`] applies entries in log order; [`Registry::check`] runs
//! the very same rules without changing anything (plus a clock check), so a
//! server can refuse an entry before logging it. Every entry point goes
//! through one path: the order guard and an `evaluate` step that returns a
//! plan (this module), which the applying entry points then commit. Checking
//! and applying therefore cannot disagree.
//!
//! Entries the registry rejects during replay change nothing; replay may skip
//! them and go on with later indexes. Flags are computed when a sheet is
//! applied, against the sheets before it (and depend on the configured
//! [`QrDecoder`], so replays meant to agree must configure the same one).
//!
//! The keys that check signed QR formats come from the log only: a `trust`
//! entry (operator-signed) hands them to the decoder, and from then on every
//! sheet and photo reading is checked with them. A trust entry also re-checks
//! the earlier sheets whose QR check (typed or from the photo) found no key
//! for its signature (`unknown_key`), raising or clearing their
//! `qr_mismatch`, `qr_unreadable` and `photo_qr_mismatch` flags, so a key
//! published after the sheets arrived still counts; any other signature
//! state stands, since trusted keys are only ever added. To make that
//! possible the registry keeps a sheet's typed QR payload for as long as its
//! signature waits for a key (only then: log the keys before the sheets and
//! nothing is kept).
//!
//! The rules live with the state they read, one module per concern:
//! `auth.rs` (the election and its operator key, enrolment,
//! revocation, who may sign what), `sheets.rs` (tally sheets, corrections,
//! conflicts), `evidence.rs` (a sheet's photo and QR checks), `bulletins.rs`,
//! `readings.rs` (QR codes read from photos), `trust.rs` (keys that sign QR
//! formats), `prepare.rs` (decoding and signature checks ahead of applying)
//! and `view.rs` (read-only views of accepted sheets).

mod audits;
mod auth;
mod bulletins;
mod evidence;
mod imports;
mod prepare;
mod readings;
mod sheets;
mod trust;
mod view;

#[cfg(test)]
mod tests;

pub use audits::{LoggedAudit, LoggedAuditCount, AUDIT_METHODS};
pub use bulletins::LoggedBulletin;
pub use imports::LoggedImport;
pub use prepare::{KeysAhead, Prepared};
pub use readings::MAX_READING_CODES;
pub use sheets::SheetCounts;
pub use trust::{LoggedTrust, MAX_TRUST_KEYS};
pub use view::SheetView;

use crate::chunk::GeographyChunk;
use crate::codes::{Flag, FlagSet, Rejection};
use crate::enrolment::Enrolment;
use crate::entry::{Entry, Kind};
use crate::geography::Geography;
use crate::model::ElectionDef;
use crate::qr::QrDecoder;
use auth::{verify_operator, Signed};
use prepare::decode_entry;
use readings::ReadingRec;
use sheets::{SheetPlan, SheetRec};
use std::collections::HashMap;
use testigo_note::{SignedNote, Verifier};
use trust::Recheck;

/// End of a per-table sheet list; also one past the largest sheet or
/// enrolment position a `u32` can hold.
const NONE: u32 = u32::MAX;

/// What [`Registry::apply`] did with an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The entry's log index.
    pub index: u64,
    /// Its kind.
    pub kind: Kind,
    /// For sheets: the table id.
    pub table: Option<String>,
    /// For sheets: the contest id.
    pub contest: Option<String>,
    /// For sheets: the flags raised.
    pub flags: Vec<Flag>,
    /// For sheets: the log index of the sheet it corrects.
    pub supersedes: Option<u64>,
}

impl Applied {
    /// An entry of this kind applied at `index`, with nothing else to report yet.
    fn new(index: u64, kind: Kind) -> Self {
        Applied { index, kind, table: None, contest: None, flags: Vec::new(), supersedes: None }
    }
}

/// The state change an accepted entry makes; computed without mutation.
enum Plan {
    Election {
        def: Box<ElectionDef>,
        operator: Verifier,
    },
    Geography(GeographyChunk),
    Enrol(Box<Enrolment>),
    Revoke {
        enrolment: usize,
        reason: String,
    },
    Sheet(SheetPlan),
    Bulletin(Box<LoggedBulletin>),
    Import(Box<LoggedImport>),
    AuditSeed(Box<LoggedAudit>),
    AuditCount(Box<LoggedAuditCount>),
    /// A photo reading and, per sheet showing that photo, its new photo check and flags.
    Reading {
        photo: [u8; 32],
        rec: ReadingRec,
        updates: Vec<readings::PhotoUpdate>,
    },
    /// Trusted keys: the decoder that trusts them (none if the registry has
    /// no decoder) and the earlier sheets' checks redone with them.
    Trust {
        rec: Box<LoggedTrust>,
        decoder: Option<Box<dyn QrDecoder + Send + Sync>>,
        rechecks: Vec<Recheck>,
    },
}

/// An entry as the entry points receive it: raw bytes, or already decoded
/// (and perhaps authenticated) by [`Registry::prepare`].
// One short-lived value per entry, moved once into `plan`: boxing the entry
// would cost an allocation per entry to save stack space nobody keeps.
#[allow(clippy::large_enum_variant)]
enum Input<'a> {
    Bytes(&'a [u8]),
    Decoded {
        entry: Entry,
        note: &'a SignedNote,
        /// The key whose signature on `note` already verified.
        pre: Option<&'a Verifier>,
    },
}

/// Where and when an entry is evaluated: its log index and, at intake, the
/// server's clock (replay has none, so it skips the clock check).
#[derive(Clone, Copy, Debug)]
struct At {
    index: u64,
    now: Option<u64>,
}

/// The derived state of a log: the election, its geography, enrolled keys and
/// accepted sheets per table.
#[derive(Default)]
pub struct Registry {
    // auth.rs
    election: Option<Box<ElectionDef>>,
    operator: Option<Verifier>,
    enrolments: Vec<Enrolment>,
    /// Enrolment positions by key ID (names compared on lookup, so lookups
    /// need no allocation).
    keys_by_id: HashMap<u32, Vec<u32>>,
    // this module (geography chunks need no rules of their own)
    geography: Geography,
    next_index: u64,
    // sheets.rs
    sheets: Vec<SheetRec>,
    /// Newest sheet per table position, chained through `next_in_table`.
    table_head: Vec<u32>,
    /// Sheet positions per photo hash (a photo may back several sheets).
    sheets_by_photo: HashMap<[u8; 32], Vec<u32>>,
    // bulletins.rs
    bulletins: Vec<LoggedBulletin>,
    // imports.rs
    imports: Vec<LoggedImport>,
    // audits.rs
    audits: Vec<LoggedAudit>,
    audit_counts: Vec<LoggedAuditCount>,
    // readings.rs
    /// Latest reading per photo hash.
    readings: HashMap<[u8; 32], ReadingRec>,
    // trust.rs
    qr: Option<Box<dyn QrDecoder + Send + Sync>>,
    /// Accepted trust entries, in log order.
    trusts: Vec<LoggedTrust>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("election", &self.election.as_ref().map(|e| &e.id))
            .field("units", &self.geography.unit_count())
            .field("tables", &self.geography.table_count())
            .field("enrolments", &self.enrolments.len())
            .field("sheets", &self.sheets.len())
            .field("bulletins", &self.bulletins.len())
            .field("imports", &self.imports.len())
            .field("next_index", &self.next_index)
            .field("qr_decoder", &self.qr.is_some())
            .field("trusts", &self.trusts.len())
            .finish()
    }
}

impl Registry {
    /// An empty registry, expecting entry 0 (the election).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or removes) the QR decoder used to flag `qr_mismatch` and
    /// `qr_unreadable`. Without one, QR payloads are not checked (and trust
    /// entries are checked for form only). Set it before applying entries:
    /// the keys of trust entries applied so far go to the decoder they found.
    pub fn set_qr_decoder(&mut self, decoder: Option<Box<dyn QrDecoder + Send + Sync>>) {
        self.qr = decoder;
    }

    /// Whether a QR decoder is configured.
    pub fn has_qr_decoder(&self) -> bool {
        self.qr.is_some()
    }

    /// The election, once entry 0 is applied.
    pub fn election(&self) -> Option<&ElectionDef> {
        self.election.as_deref()
    }

    /// The geography applied so far.
    pub fn geography(&self) -> &Geography {
        &self.geography
    }

    /// The log index the next entry is expected at (one past the last applied).
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// Applies the entry at log `index` (indexes must increase; gaps are
    /// entries the caller skipped). On rejection nothing changes.
    pub fn apply(&mut self, index: u64, entry_bytes: &[u8]) -> Result<Applied, Rejection> {
        self.admit(At { index, now: None }, Input::Bytes(entry_bytes))
    }

    /// [`Self::check`] and [`Self::apply`] in one pass (one decode, one
    /// signature verification): applies the entry at log `index` if it passes
    /// every rule at time `now`. For intake, where both are needed.
    pub fn check_and_apply(&mut self, index: u64, entry_bytes: &[u8], now: u64) -> Result<Applied, Rejection> {
        self.admit(At { index, now: Some(now) }, Input::Bytes(entry_bytes))
    }

    /// Runs every rule [`Self::apply`] would, for an entry about to be logged
    /// at the next index, without changing anything; also refuses sheets whose
    /// `signed_at` is more than 15 minutes from `now` (unix seconds). Returns
    /// the flags the entry would get.
    pub fn check(&self, entry_bytes: &[u8], now: u64) -> Result<Vec<Flag>, Rejection> {
        let plan = self.plan(At { index: self.next_index, now: Some(now) }, Input::Bytes(entry_bytes))?;
        Ok(match plan {
            Plan::Sheet(p) => p.rec.flags.to_vec(),
            Plan::Reading { updates, .. } => self.raised_flags(updates.iter().map(|u| (u.pos, u.flags))).to_vec(),
            Plan::Trust { rechecks, .. } => self.raised_flags(rechecks.iter().map(|r| (r.pos, r.flags))).to_vec(),
            _ => Vec::new(),
        })
    }

    /// Applies a [`Prepared`] entry at log `index` when replaying a log, with
    /// no clock: [`Self::apply`] without re-verifying the signature.
    pub fn apply_prepared_replay(&mut self, index: u64, prepared: Prepared) -> Result<Applied, Rejection> {
        let (entry, note, verified_by) = prepared.into_parts();
        self.admit(At { index, now: None }, Input::Decoded { entry, note: &note, pre: verified_by.as_ref() })
    }

    /// Checks a [`Prepared`] entry as [`Self::apply_prepared`] would at log
    /// `index` and time `now`, changing nothing: lets a server refuse a
    /// submission before it stores anything that comes with it (a photo).
    /// The verdict can still change if other entries are applied first.
    pub fn check_prepared(&self, index: u64, prepared: &Prepared, now: u64) -> Result<(), Rejection> {
        let input =
            Input::Decoded { entry: prepared.entry().clone(), note: prepared.note(), pre: prepared.verified_by() };
        self.plan(At { index, now: Some(now) }, input).map(|_| ())
    }

    /// Applies a [`Prepared`] entry at log `index`, checking every rule at time
    /// `now` ([`Self::check_and_apply`] without re-verifying the signature).
    pub fn apply_prepared(&mut self, index: u64, prepared: Prepared, now: u64) -> Result<Applied, Rejection> {
        let (entry, note, verified_by) = prepared.into_parts();
        self.admit(At { index, now: Some(now) }, Input::Decoded { entry, note: &note, pre: verified_by.as_ref() })
    }

    /// The one applying path: plans the entry and commits the plan.
    fn admit(&mut self, at: At, input: Input<'_>) -> Result<Applied, Rejection> {
        let plan = self.plan(at, input)?;
        Ok(self.commit(at.index, plan))
    }

    /// The one checking path, shared by every entry point: the order guard
    /// (indexes only increase; entry 0, and only entry 0, is the election),
    /// then the rules of the entry's kind. Changes nothing.
    fn plan(&self, at: At, input: Input<'_>) -> Result<Plan, Rejection> {
        // Before decoding: an index already passed is refused whatever it holds.
        if at.index < self.next_index {
            return Err(Rejection::OutOfOrder(format!(
                "index {} was already passed (next is {}): apply each entry once, in log order",
                at.index, self.next_index
            )));
        }
        let decoded;
        let (entry, note, pre) = match input {
            Input::Bytes(bytes) => {
                let (entry, note) = decode_entry(bytes)?;
                decoded = note;
                (entry, &decoded, None)
            }
            Input::Decoded { entry, note, pre } => (entry, note, pre),
        };
        let sig = note.signatures().first().ok_or_else(|| Rejection::Malformed("entry is not signed".into()))?;
        let signed = Signed { sig, text: note.text().as_bytes(), pre };
        let kind = entry.kind();
        let (Some(election), Some(operator)) = (self.election.as_deref(), self.operator.as_ref()) else {
            return auth::plan_election(at.index, entry, &signed);
        };
        match entry {
            Entry::Election(_) => Err(Rejection::OutOfOrder(
                "this log already has its election definition at index 0; an election is never redefined".into(),
            )),
            Entry::Geography(chunk) => {
                verify_operator(operator, kind, &signed)?;
                self.geography
                    .check_chunk(&chunk.units, &chunk.tables)
                    .and_then(|()| self.geography.check_declared(&chunk.declared, &chunk.units))
                    .map_err(|e| Rejection::InvalidDefinition(e.to_string()))?;
                Ok(Plan::Geography(chunk))
            }
            Entry::Enrol(e) => {
                verify_operator(operator, kind, &signed)?;
                self.plan_enrol(at.index, e)
            }
            Entry::Revoke(r) => {
                verify_operator(operator, kind, &signed)?;
                self.plan_revoke(r)
            }
            Entry::Sheet(s) => self.plan_sheet(election, at, &signed, s),
            Entry::Bulletin(b) => self.plan_bulletin(election, at, &signed, b),
            Entry::Import(m) => self.plan_import(election, at, &signed, m),
            Entry::AuditSeed(s) => {
                verify_operator(operator, kind, &signed)?;
                self.plan_audit_seed(election, at, s)
            }
            Entry::AuditCount(c) => self.plan_audit_count(election, at, &signed, c),
            Entry::Reading(r) => {
                verify_operator(operator, kind, &signed)?;
                self.plan_reading(election, at.index, r)
            }
            Entry::Trust(t) => {
                verify_operator(operator, kind, &signed)?;
                self.plan_trust(election, at.index, t)
            }
        }
    }

    /// Makes the state change a plan describes; cannot fail (every check was
    /// made when planning).
    fn commit(&mut self, index: u64, plan: Plan) -> Applied {
        let applied = match plan {
            Plan::Election { def, operator } => {
                self.geography = Geography::new(def.levels.clone());
                self.election = Some(def);
                self.operator = Some(operator);
                Applied::new(index, Kind::Election)
            }
            Plan::Geography(chunk) => {
                // Checked when planning; add_chunk re-checks and is all-or-nothing.
                let _ = self.geography.add_chunk(&chunk.units, &chunk.tables);
                self.geography.set_declared(&chunk.declared);
                self.table_head.resize(self.geography.table_count(), NONE);
                Applied::new(index, Kind::Geography)
            }
            Plan::Enrol(enr) => self.commit_enrol(index, *enr),
            Plan::Revoke { enrolment, reason } => self.commit_revoke(index, enrolment, reason),
            Plan::Sheet(p) => self.commit_sheet(index, p),
            Plan::Bulletin(b) => self.commit_bulletin(index, *b),
            Plan::Import(m) => self.commit_import(index, *m),
            Plan::AuditSeed(a) => self.commit_audit_seed(index, *a),
            Plan::AuditCount(c) => self.commit_audit_count(index, *c),
            Plan::Reading { photo, rec, updates } => self.commit_reading(index, photo, rec, updates),
            Plan::Trust { rec, decoder, rechecks } => self.commit_trust(index, *rec, decoder, rechecks),
        };
        self.next_index = index + 1;
        applied
    }

    /// The flags that new flag sets (by sheet position) newly raise on the
    /// sheets they are for.
    fn raised_flags(&self, updates: impl Iterator<Item = (usize, FlagSet)>) -> FlagSet {
        let mut raised = FlagSet::default();
        for (pos, flags) in updates {
            flags.iter().filter(|f| !self.sheets[pos].flags.contains(*f)).for_each(|f| raised.insert(f));
        }
        raised
    }
}
