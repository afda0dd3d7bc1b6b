//! The registry: the state derived by replaying a log, and the rules that
//! decide which entries count.
//!
//! [`Registry::apply`] applies entries in log order; [`Registry::check`] runs
//! the very same rules without changing anything (plus a clock check), so a
//! server can refuse an entry before logging it. Both go through one
//! `evaluate` step that returns a plan, which `apply` then commits: the two
//! cannot disagree.
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

use crate::chunk::GeographyChunk;
use crate::codes::{Flag, FlagSet, Rejection};
use crate::enrolment::{Enrolment, Revocation};
use crate::entry::{
    decode, Bulletin, Enrol, Entry, EntryError, Kind, PhotoReading, Revoke, Sheet, Source, Trust, TrustedKey,
};
use crate::geography::{Geography, TableIx};
use crate::ids::{id_problem, name_problem};
use crate::model::{Contest, ElectionDef};
use crate::qr::{check_payloads, QrCheck, QrDecoder, QrOutcome, QrSignature};
use crate::validate::{
    check_bounds, check_fields, consistency_flags, is_sha256_hex, resolve_votes, MAX_CLOCK_SKEW_SECS,
};
use std::collections::HashMap;
use testigo_note::{Signature, SignedNote, Verifier, ALG_ED25519};

/// End of a per-table sheet list.
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

/// One accepted sheet, stored compactly: votes in candidate order, the
/// signer as an enrolment position, per-table chaining by position.
#[derive(Clone, Debug)]
struct SheetRec {
    index: u64,
    signed_at: u64,
    votes: Box<[u64]>,
    null: u64,
    blank: Option<u64>,
    supersedes: Option<u64>,
    superseded_by: Option<u64>,
    table: u32,
    signer: u32,
    /// Previous sheet of the same table (newest-first chain).
    next_in_table: u32,
    contest: u16,
    source: Source,
    flags: FlagSet,
    /// Photo and QR evidence; boxed because most bulk-imported sheets have none.
    evidence: Option<Box<SheetEvidence>>,
}

/// A sheet's photo and what its QR codes showed.
#[derive(Clone, Debug, Default)]
struct SheetEvidence {
    photo: Option<[u8; 32]>,
    /// The typed `qr` payload checked against the typed counts.
    qr: Option<QrCheck>,
    /// The photo's codes (latest reading) checked against the typed counts.
    photo_qr: Option<QrCheck>,
    /// The typed `qr` payload, kept only while its signature waits for a
    /// key (`unknown_key`), so a later trust entry can check it again.
    qr_awaiting_key: Option<String>,
}

/// The latest reading of one photo.
#[derive(Clone, Debug)]
struct ReadingRec {
    index: u64,
    codes: Vec<String>,
}

/// One accepted official bulletin, with who put it in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedBulletin {
    /// Its log index.
    pub index: u64,
    /// The signer's position in [`Registry::enrolments`].
    pub signer: usize,
    /// The bulletin as logged.
    pub bulletin: Bulletin,
}

/// One accepted trust entry: keys the log trusts to sign a QR format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedTrust {
    /// Its log index.
    pub index: u64,
    /// The entry as logged.
    pub trust: Trust,
}

/// A sheet's QR checks redone under newly trusted keys.
struct Recheck {
    /// The sheet's position.
    pos: usize,
    /// The new check of its typed payload, if that was redone.
    qr: Option<QrCheck>,
    /// The new check of its photo's codes, if that was redone.
    photo_qr: Option<QrCheck>,
    /// Its flags with the QR flags recomputed.
    flags: FlagSet,
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
    Sheet {
        rec: SheetRec,
        superseded: Option<usize>,
        table: String,
        contest: String,
    },
    Bulletin(Box<LoggedBulletin>),
    /// A photo reading and, per sheet showing that photo, its new photo check and flags.
    Reading {
        photo: [u8; 32],
        rec: ReadingRec,
        updates: Vec<(usize, QrCheck, FlagSet)>,
    },
    /// Trusted keys: the decoder that trusts them (none if the registry has
    /// no decoder) and the earlier sheets' checks redone with them.
    Trust {
        rec: Box<LoggedTrust>,
        decoder: Option<Box<dyn QrDecoder + Send + Sync>>,
        rechecks: Vec<Recheck>,
    },
}

/// The derived state of a log: the election, its geography, enrolled keys and
/// accepted sheets per table.
#[derive(Default)]
pub struct Registry {
    election: Option<Box<ElectionDef>>,
    operator: Option<Verifier>,
    geography: Geography,
    enrolments: Vec<Enrolment>,
    /// Enrolment positions by key ID (names compared on lookup, so lookups
    /// need no allocation).
    keys_by_id: HashMap<u32, Vec<u32>>,
    sheets: Vec<SheetRec>,
    bulletins: Vec<LoggedBulletin>,
    /// Newest sheet per table position, chained through `next_in_table`.
    table_head: Vec<u32>,
    next_index: u64,
    qr: Option<Box<dyn QrDecoder + Send + Sync>>,
    /// Latest reading per photo hash.
    readings: HashMap<[u8; 32], ReadingRec>,
    /// Sheet positions per photo hash (a photo may back several sheets).
    sheets_by_photo: HashMap<[u8; 32], Vec<u32>>,
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
            .field("next_index", &self.next_index)
            .field("qr_decoder", &self.qr.is_some())
            .field("trusts", &self.trusts.len())
            .finish()
    }
}

fn label(sig: &Signature) -> String {
    format!("{}+{:08x}", sig.name, sig.key_id)
}

fn vlabel(v: &Verifier) -> String {
    format!("{}+{:08x}", v.name(), v.key_id())
}

fn verify_operator(
    operator: &Verifier,
    kind: Kind,
    sig: &Signature,
    text: &[u8],
    pre: Option<&Verifier>,
) -> Result<(), Rejection> {
    if sig.name != operator.name() || sig.key_id != operator.key_id() {
        return Err(Rejection::NotOperator { kind: kind.as_str(), signer: label(sig), operator: vlabel(operator) });
    }
    if pre != Some(operator) && !operator.verify_raw(text, &sig.bytes) {
        return Err(Rejection::BadSignature { signer: label(sig) });
    }
    Ok(())
}

/// An entry decoded and, where possible, authenticated ahead of applying it
/// ([`Registry::prepare`]).
#[derive(Debug)]
pub struct Prepared {
    entry: Entry,
    note: SignedNote,
    /// The key whose signature on this exact note verified.
    verified_by: Option<Verifier>,
}

impl Prepared {
    /// The decoded entry.
    pub fn entry(&self) -> &Entry {
        &self.entry
    }

    /// The key whose signature on this note verified when it was prepared,
    /// if any: a server may charge rate limits to it, since nobody else can
    /// produce that signature. `None` for unauthenticated notes (rejected
    /// when applied) and for the election definition (checked when applied).
    pub fn verified_by(&self) -> Option<&Verifier> {
        self.verified_by.as_ref()
    }
}

fn decode_entry(bytes: &[u8]) -> Result<(Entry, SignedNote), Rejection> {
    decode(bytes).map_err(|e| match e {
        EntryError::TooLarge { size, max, .. } => Rejection::TooLarge { size, max },
        other => Rejection::Malformed(other.to_string()),
    })
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

    /// The operator key, once entry 0 is applied.
    pub fn operator(&self) -> Option<&Verifier> {
        self.operator.as_ref()
    }

    /// The geography applied so far.
    pub fn geography(&self) -> &Geography {
        &self.geography
    }

    /// All enrolments, in log order (revoked ones included).
    pub fn enrolments(&self) -> &[Enrolment] {
        &self.enrolments
    }

    /// The enrolment of the key with this name and key ID.
    pub fn enrolment_for(&self, name: &str, key_id: u32) -> Option<&Enrolment> {
        self.find_enrolment(name, key_id).map(|i| &self.enrolments[i])
    }

    /// The log index the next entry is expected at (one past the last applied).
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// Number of accepted sheets (superseded ones included).
    pub fn sheet_count(&self) -> usize {
        self.sheets.len()
    }

    /// All accepted official bulletins, in log order.
    pub fn bulletins(&self) -> &[LoggedBulletin] {
        &self.bulletins
    }

    /// All accepted trust entries, in log order.
    pub fn trusts(&self) -> &[LoggedTrust] {
        &self.trusts
    }

    fn view<'a>(&'a self, election: &'a ElectionDef, rec: &'a SheetRec) -> SheetView<'a> {
        SheetView { reg: self, election, rec }
    }

    /// All accepted sheets, in log order.
    pub fn sheets(&self) -> impl Iterator<Item = SheetView<'_>> + '_ {
        self.election.iter().flat_map(move |e| self.sheets.iter().map(move |rec| self.view(e, rec)))
    }

    /// The latest reading of a photo (SHA-256 as hex): its log index and the
    /// codes it lists.
    pub fn photo_reading(&self, photo_sha256: &str) -> Option<(u64, &[String])> {
        let r = self.readings.get(&parse_sha256(photo_sha256)?)?;
        Some((r.index, r.codes.as_slice()))
    }

    /// Every photo read so far (SHA-256 as hex) with its latest reading's log
    /// index and codes, in no particular order.
    pub fn photo_readings(&self) -> impl Iterator<Item = (String, u64, &[String])> + '_ {
        self.readings.iter().map(|(h, r)| (hex::encode(h), r.index, r.codes.as_slice()))
    }

    /// The accepted sheets of one table, newest first.
    pub fn sheets_for_table(&self, table: TableIx) -> impl Iterator<Item = SheetView<'_>> + '_ {
        let mut cur = self.table_head.get(table.get()).copied().unwrap_or(NONE);
        let election = self.election.as_deref();
        std::iter::from_fn(move || {
            let e = election?;
            let rec = self.sheets.get(cur as usize)?;
            cur = rec.next_in_table;
            Some(self.view(e, rec))
        })
    }

    /// The accepted sheet at this log index.
    pub fn sheet_at(&self, index: u64) -> Option<SheetView<'_>> {
        let e = self.election.as_deref()?;
        let pos = self.sheets.binary_search_by_key(&index, |r| r.index).ok()?;
        Some(self.view(e, &self.sheets[pos]))
    }

    /// Applies the entry at log `index` (indexes must increase; gaps are
    /// entries the caller skipped). On rejection nothing changes.
    pub fn apply(&mut self, index: u64, entry_bytes: &[u8]) -> Result<Applied, Rejection> {
        if index < self.next_index {
            return Err(Rejection::OutOfOrder(format!(
                "index {index} was already passed (next is {}): apply each entry once, in log order",
                self.next_index
            )));
        }
        let plan = self.evaluate(index, entry_bytes, None)?;
        Ok(self.commit(index, plan))
    }

    /// [`Self::check`] and [`Self::apply`] in one pass (one decode, one
    /// signature verification): applies the entry at log `index` if it passes
    /// every rule at time `now`. For intake, where both are needed.
    pub fn check_and_apply(&mut self, index: u64, entry_bytes: &[u8], now: u64) -> Result<Applied, Rejection> {
        if index < self.next_index {
            return Err(Rejection::OutOfOrder(format!(
                "index {index} was already passed (next is {}): apply each entry once, in log order",
                self.next_index
            )));
        }
        let plan = self.evaluate(index, entry_bytes, Some(now))?;
        Ok(self.commit(index, plan))
    }

    /// Runs every rule [`Self::apply`] would, for an entry about to be logged
    /// at the next index, without changing anything; also refuses sheets whose
    /// `signed_at` is more than 15 minutes from `now` (unix seconds). Returns
    /// the flags the entry would get.
    pub fn check(&self, entry_bytes: &[u8], now: u64) -> Result<Vec<Flag>, Rejection> {
        match self.evaluate(self.next_index, entry_bytes, Some(now))? {
            Plan::Sheet { rec, .. } => Ok(rec.flags.to_vec()),
            Plan::Reading { updates, .. } => Ok(self.raised_flags(updates.iter().map(|u| (u.0, u.2))).to_vec()),
            Plan::Trust { rechecks, .. } => Ok(self.raised_flags(rechecks.iter().map(|r| (r.pos, r.flags))).to_vec()),
            _ => Ok(Vec::new()),
        }
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

    fn find_enrolment(&self, name: &str, key_id: u32) -> Option<usize> {
        let candidates = self.keys_by_id.get(&key_id)?;
        candidates.iter().map(|&i| i as usize).find(|&i| self.enrolments[i].verifier.name() == name)
    }

    fn evaluate(&self, index: u64, bytes: &[u8], now: Option<u64>) -> Result<Plan, Rejection> {
        let (entry, note) = decode_entry(bytes)?;
        self.evaluate_decoded(index, entry, &note, now, None)
    }

    /// Decodes an entry and verifies its signature against the key that
    /// would authenticate it now (the operator's or an enrolled key), without
    /// changing anything: the expensive, stateless part of intake, which
    /// callers may run on many threads before [`Self::apply_prepared`].
    /// A signature that does not verify here is checked again (and rejected)
    /// when applied, so preparing never changes a verdict.
    pub fn prepare(&self, bytes: &[u8]) -> Result<Prepared, Rejection> {
        let (entry, note) = decode_entry(bytes)?;
        let key = self.expected_key(&entry, &note).filter(|key| {
            let sig = &note.signatures()[0];
            key.verify_raw(note.text().as_bytes(), &sig.bytes)
        });
        let verified_by = key.cloned();
        Ok(Prepared { entry, note, verified_by })
    }

    /// The key that would authenticate `note` now (the operator's, or the
    /// enrolled key named by its first signature), if that key is known and
    /// its name and ID match the signature. Entry 0 (the election) returns
    /// `None`: it is verified when applied, once per log.
    fn expected_key(&self, entry: &Entry, note: &SignedNote) -> Option<&Verifier> {
        let sig = note.signatures().first()?;
        let key = match entry {
            Entry::Election(_) => return None,
            Entry::Sheet(_) | Entry::Bulletin(_) => {
                self.find_enrolment(&sig.name, sig.key_id).map(|i| &self.enrolments[i].verifier)?
            }
            _ => self.operator.as_ref()?,
        };
        (key.name() == sig.name && key.key_id() == sig.key_id).then_some(key)
    }

    /// [`Self::prepare`] for many entries at once, checking their signatures
    /// with one Ed25519 batch verification (several times faster than one by
    /// one). Each entry is checked against the key that would authenticate it
    /// now, exactly as `prepare` does; entries whose key is not known yet (it
    /// is enrolled later in the same batch) or is weak are left unverified and
    /// get the usual single check when applied. If the batch fails, every
    /// entry is checked singly, so the verdicts are those of `prepare`.
    ///
    /// Batch verification does not reject small-order signature points the
    /// way the single strict check does; such a signature can only be made by
    /// the key's holder, and weak keys are excluded, so it cannot forge.
    pub fn prepare_batch(&self, entries: &[&[u8]]) -> Vec<Result<Prepared, Rejection>> {
        let mut out: Vec<Result<Prepared, Rejection>> = Vec::with_capacity(entries.len());
        // (position in `out`, key, signature) for entries that go into the batch.
        let mut batch: Vec<(usize, &Verifier, ed25519_dalek::Signature)> = Vec::new();
        for bytes in entries {
            let prepared = decode_entry(bytes).map(|(entry, note)| Prepared { entry, note, verified_by: None });
            if let Ok(p) = &prepared {
                if let Some(key) = self.expected_key(&p.entry, &p.note).filter(|k| !k.public_key().is_weak()) {
                    if let Ok(sig) = ed25519_dalek::Signature::from_slice(&p.note.signatures()[0].bytes) {
                        batch.push((out.len(), key, sig));
                    }
                }
            }
            out.push(prepared);
        }
        let passed = {
            let msgs: Vec<&[u8]> =
                batch.iter().filter_map(|&(i, _, _)| out[i].as_ref().ok().map(|p| p.note.text().as_bytes())).collect();
            let sigs: Vec<ed25519_dalek::Signature> = batch.iter().map(|b| b.2).collect();
            let keys: Vec<ed25519_dalek::VerifyingKey> = batch.iter().map(|b| *b.1.public_key()).collect();
            msgs.len() == sigs.len() && ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok()
        };
        for (i, key, _) in batch {
            if let Ok(p) = &mut out[i] {
                // On a failed batch, fall back to the single strict check of `prepare`.
                if passed || key.verify_raw(p.note.text().as_bytes(), &p.note.signatures()[0].bytes) {
                    p.verified_by = Some(key.clone());
                }
            }
        }
        out
    }

    /// Applies a [`Prepared`] entry at log `index` when replaying a log, with
    /// no clock: [`Self::apply`] without re-verifying the signature.
    pub fn apply_prepared_replay(&mut self, index: u64, prepared: Prepared) -> Result<Applied, Rejection> {
        if index < self.next_index {
            return Err(Rejection::OutOfOrder(format!(
                "index {index} was already passed (next is {}): apply each entry once, in log order",
                self.next_index
            )));
        }
        let Prepared { entry, note, verified_by } = prepared;
        let plan = self.evaluate_decoded(index, entry, &note, None, verified_by.as_ref())?;
        Ok(self.commit(index, plan))
    }

    /// Checks a [`Prepared`] entry as [`Self::apply_prepared`] would at log
    /// `index` and time `now`, changing nothing: lets a server refuse a
    /// submission before it stores anything that comes with it (a photo).
    /// The verdict can still change if other entries are applied first.
    pub fn check_prepared(&self, index: u64, prepared: &Prepared, now: u64) -> Result<(), Rejection> {
        if index < self.next_index {
            return Err(Rejection::OutOfOrder(format!(
                "index {index} was already passed (next is {}): apply each entry once, in log order",
                self.next_index
            )));
        }
        let entry = prepared.entry.clone();
        self.evaluate_decoded(index, entry, &prepared.note, Some(now), prepared.verified_by.as_ref()).map(|_| ())
    }

    /// Applies a [`Prepared`] entry at log `index`, checking every rule at time
    /// `now` ([`Self::check_and_apply`] without re-verifying the signature).
    pub fn apply_prepared(&mut self, index: u64, prepared: Prepared, now: u64) -> Result<Applied, Rejection> {
        if index < self.next_index {
            return Err(Rejection::OutOfOrder(format!(
                "index {index} was already passed (next is {}): apply each entry once, in log order",
                self.next_index
            )));
        }
        let Prepared { entry, note, verified_by } = prepared;
        let plan = self.evaluate_decoded(index, entry, &note, Some(now), verified_by.as_ref())?;
        Ok(self.commit(index, plan))
    }

    fn evaluate_decoded(
        &self,
        index: u64,
        entry: Entry,
        note: &SignedNote,
        now: Option<u64>,
        pre: Option<&Verifier>,
    ) -> Result<Plan, Rejection> {
        let sig = note.signatures().first().ok_or_else(|| Rejection::Malformed("entry is not signed".into()))?;
        let text = note.text().as_bytes();
        let kind = entry.kind();
        let (Some(election), Some(operator)) = (self.election.as_deref(), self.operator.as_ref()) else {
            return Self::plan_election(index, entry, sig, text);
        };
        match entry {
            Entry::Election(_) => Err(Rejection::OutOfOrder(
                "this log already has its election definition at index 0; an election is never redefined".into(),
            )),
            Entry::Geography(chunk) => {
                verify_operator(operator, kind, sig, text, pre)?;
                self.geography
                    .check_chunk(&chunk.units, &chunk.tables)
                    .map_err(|e| Rejection::InvalidDefinition(e.to_string()))?;
                Ok(Plan::Geography(chunk))
            }
            Entry::Enrol(e) => {
                verify_operator(operator, kind, sig, text, pre)?;
                self.plan_enrol(index, e)
            }
            Entry::Revoke(r) => {
                verify_operator(operator, kind, sig, text, pre)?;
                self.plan_revoke(r)
            }
            Entry::Sheet(s) => self.plan_sheet(election, index, s, sig, text, now, pre),
            Entry::Bulletin(b) => self.plan_bulletin(election, index, b, sig, text, now, pre),
            Entry::Reading(r) => {
                verify_operator(operator, kind, sig, text, pre)?;
                self.plan_reading(election, index, r)
            }
            Entry::Trust(t) => {
                verify_operator(operator, kind, sig, text, pre)?;
                self.plan_trust(election, index, t)
            }
        }
    }

    fn plan_election(index: u64, entry: Entry, sig: &Signature, text: &[u8]) -> Result<Plan, Rejection> {
        let Entry::Election(def) = entry else {
            return Err(Rejection::OutOfOrder(format!(
                "the log has no election definition yet: entry 0 must be an election entry, not {}",
                entry.kind()
            )));
        };
        if index != 0 {
            return Err(Rejection::OutOfOrder(format!("the election definition must be entry 0, not entry {index}")));
        }
        def.validate().map_err(|e| Rejection::InvalidDefinition(e.to_string()))?;
        let operator = def.operator_verifier().map_err(|e| Rejection::InvalidDefinition(e.to_string()))?;
        if operator.public_key().is_weak() {
            // A small-order key lets anyone forge the operator's signatures.
            return Err(Rejection::InvalidDefinition(
                "the operator key is a weak (small-order) Ed25519 key that anyone could forge signatures for; \
                 generate a fresh one with `testigo keygen`"
                    .into(),
            ));
        }
        verify_operator(&operator, Kind::Election, sig, text, None)?;
        Ok(Plan::Election { def: Box::new(def), operator })
    }

    fn plan_enrol(&self, index: u64, e: Enrol) -> Result<Plan, Rejection> {
        let invalid = |m: String| Rejection::InvalidDefinition(m);
        let verifier = Verifier::parse(&e.key)
            .map_err(|err| invalid(format!("enrolled key is not a valid verifier key line: {err}")))?;
        if verifier.algorithm() != ALG_ED25519 {
            return Err(invalid("enrolled keys must be Ed25519 (type 0x01) note keys".into()));
        }
        // A small-order public key lets anyone forge signatures that verify under it (the
        // signature equation no longer binds the message), so such a key must never be enrolled.
        if verifier.public_key().is_weak() {
            return Err(invalid(
                "enrolled key is a weak (small-order) Ed25519 point that anyone could forge signatures for: \
                 generate a fresh key with `testigo keygen`"
                    .into(),
            ));
        }
        for (what, v) in [("holder", &e.holder), ("organisation", &e.organisation)] {
            if let Some(why) = name_problem(v) {
                return Err(invalid(format!("{what} {v:?}: {why}")));
            }
        }
        if e.valid_from > e.valid_until {
            return Err(invalid(format!(
                "valid_from {} is after valid_until {}: swap them or fix the dates",
                e.valid_from, e.valid_until
            )));
        }
        let scope_unit = match &e.scope {
            None => None,
            Some(id) => Some(self.geography.find_unit(id).ok_or_else(|| Rejection::UnknownUnit(id.clone()))?),
        };
        if let Some(i) = self.find_enrolment(verifier.name(), verifier.key_id()) {
            return Err(Rejection::DuplicateKey { key: vlabel(&verifier), enrolled_at: self.enrolments[i].index });
        }
        if self.enrolments.len() >= NONE as usize {
            return Err(invalid("too many enrolments".into()));
        }
        Ok(Plan::Enrol(Box::new(Enrolment {
            index,
            verifier,
            role: e.role,
            holder: e.holder,
            organisation: e.organisation,
            scope: e.scope,
            valid_from: e.valid_from,
            valid_until: e.valid_until,
            revoked: None,
            scope_unit,
        })))
    }

    fn plan_revoke(&self, r: Revoke) -> Result<Plan, Rejection> {
        let verifier = Verifier::parse(&r.key).map_err(|err| {
            Rejection::InvalidDefinition(format!("revoked key is not a valid verifier key line: {err}"))
        })?;
        let i = self
            .find_enrolment(verifier.name(), verifier.key_id())
            .filter(|&i| self.enrolments[i].verifier == verifier)
            .ok_or_else(|| Rejection::UnknownKey { signer: vlabel(&verifier) })?;
        if let Some(rev) = &self.enrolments[i].revoked {
            return Err(Rejection::RevokedKey {
                key: vlabel(&verifier),
                revoked_at: rev.index,
                reason: rev.reason.clone(),
            });
        }
        if let Some(why) = name_problem(&r.reason) {
            return Err(Rejection::InvalidDefinition(format!("revocation reason: {why}")));
        }
        Ok(Plan::Revoke { enrolment: i, reason: r.reason })
    }

    /// The enrolment that authenticates a signed sheet or bulletin at log
    /// `index`: enrolled, signature valid (unless `pre` already verified it
    /// with that very key), not revoked before `index`, valid at `signed_at`,
    /// allowed to vouch for `source`, and (at intake, `now`) signed recently.
    #[allow(clippy::too_many_arguments)]
    fn authenticate(
        &self,
        index: u64,
        signed_at: u64,
        source: Source,
        sig: &Signature,
        text: &[u8],
        now: Option<u64>,
        pre: Option<&Verifier>,
    ) -> Result<usize, Rejection> {
        let ei =
            self.find_enrolment(&sig.name, sig.key_id).ok_or_else(|| Rejection::UnknownKey { signer: label(sig) })?;
        let enr = &self.enrolments[ei];
        if pre != Some(&enr.verifier) && !enr.verifier.verify_raw(text, &sig.bytes) {
            return Err(Rejection::BadSignature { signer: label(sig) });
        }
        if let Some(rev) = enr.revoked_before(index) {
            return Err(Rejection::RevokedKey { key: label(sig), revoked_at: rev.index, reason: rev.reason.clone() });
        }
        if !enr.valid_at(signed_at) {
            return Err(Rejection::ExpiredKey {
                key: label(sig),
                signed_at,
                valid_from: enr.valid_from,
                valid_until: enr.valid_until,
            });
        }
        if !enr.role.may_submit(source) {
            return Err(Rejection::WrongRole { key: label(sig), role: enr.role, sheet_source: source });
        }
        if let Some(now) = now {
            if now.abs_diff(signed_at) > MAX_CLOCK_SKEW_SECS {
                return Err(Rejection::ClockSkew { signed_at, now, max_secs: MAX_CLOCK_SKEW_SECS });
            }
        }
        Ok(ei)
    }

    // The signature parts travel separately so `evaluate` can borrow them from the note.
    #[allow(clippy::too_many_arguments)]
    fn plan_sheet(
        &self,
        election: &ElectionDef,
        index: u64,
        sheet: Sheet,
        sig: &Signature,
        text: &[u8],
        now: Option<u64>,
        pre: Option<&Verifier>,
    ) -> Result<Plan, Rejection> {
        // Authenticate first: nothing about the content matters if the signer does not count.
        let ei = self.authenticate(index, sheet.signed_at, sheet.source, sig, text, now, pre)?;
        let enr = &self.enrolments[ei];
        if sheet.election != election.id {
            return Err(Rejection::UnknownElection { got: sheet.election, expected: election.id.clone() });
        }
        check_fields(&sheet)?;
        let geo = &self.geography;
        let t = geo.find_table(&sheet.table).ok_or_else(|| Rejection::UnknownTable(sheet.table.clone()))?;
        if let (Some(scope), Some(scope_id)) = (enr.scope_unit, &enr.scope) {
            if !geo.is_under(t, scope) {
                return Err(Rejection::OutOfScope { key: label(sig), table: sheet.table, scope: scope_id.clone() });
            }
        }
        let (ci, contest) =
            election.contest(&sheet.contest).ok_or_else(|| Rejection::UnknownContest(sheet.contest.clone()))?;
        let votes = resolve_votes(contest, &sheet)?;
        let registered = geo.table_registered(t);
        check_bounds(election, contest, registered, &sheet, &votes)?;
        let superseded = match sheet.supersedes {
            Some(si) => Some(self.check_supersedes(si, index, t, ci, ei)?),
            None => None,
        };
        let same_slot = |r: &&SheetRec| r.contest as usize == ci && r.superseded_by.is_none();
        let current: Vec<(usize, &SheetRec)> =
            self.table_chain(t).filter(|(pos, r)| same_slot(r) && Some(*pos) != superseded).collect();
        if let Some((_, r)) = current.iter().find(|(_, r)| r.signer as usize == ei) {
            return Err(Rejection::DuplicateSheet { earlier: r.index });
        }
        let mut flags = consistency_flags(&sheet, &votes, registered);
        // check_fields refused any photo hash that is not 64 lowercase hex digits.
        let photo = sheet.photo_sha256.as_deref().and_then(parse_sha256);
        let mut evidence = SheetEvidence { photo, ..SheetEvidence::default() };
        if let Some(decoder) = self.qr.as_deref() {
            if let Some(payload) = &sheet.qr {
                let check = check_payloads(
                    decoder,
                    election,
                    contest,
                    &sheet.table,
                    &votes,
                    sheet.null,
                    std::slice::from_ref(payload),
                );
                set_qr_flags(&mut flags, check.outcome);
                if check.signature == Some(QrSignature::UnknownKey) {
                    evidence.qr_awaiting_key = Some(payload.clone());
                }
                evidence.qr = Some(check);
            }
            if let Some(reading) = photo.as_ref().and_then(|p| self.readings.get(p)) {
                let check = photo_check(decoder, election, contest, &sheet.table, &votes, sheet.null, reading);
                if check.outcome == QrOutcome::Mismatch {
                    flags.insert(Flag::PhotoQrMismatch);
                }
                evidence.photo_qr = Some(check);
            }
        }
        let has_evidence = evidence.photo.is_some() || evidence.qr.is_some();
        if current.iter().any(|(_, r)| r.votes != votes || r.null != sheet.null) {
            flags.insert(Flag::ConflictsWithEarlier);
        }
        if self.sheets.len() >= NONE as usize {
            return Err(Rejection::InvalidDefinition("the registry cannot hold more sheets".into()));
        }
        let rec = SheetRec {
            index,
            signed_at: sheet.signed_at,
            votes,
            null: sheet.null,
            blank: sheet.blank,
            supersedes: sheet.supersedes,
            superseded_by: None,
            table: t.0,
            signer: ei as u32,
            next_in_table: NONE,
            // MAX_CONTESTS keeps contest positions within u16.
            contest: ci as u16,
            source: sheet.source,
            flags,
            evidence: has_evidence.then(|| Box::new(evidence)),
        };
        Ok(Plan::Sheet { rec, superseded, table: sheet.table, contest: sheet.contest })
    }

    /// Checks an official bulletin: the signer must be an enrolled key that
    /// may relay official figures (the rules of `official` sheets), the
    /// contest, candidates and unit must exist.
    // The signature parts travel separately so `evaluate` can borrow them from the note.
    #[allow(clippy::too_many_arguments)]
    fn plan_bulletin(
        &self,
        election: &ElectionDef,
        index: u64,
        b: Bulletin,
        sig: &Signature,
        text: &[u8],
        now: Option<u64>,
        pre: Option<&Verifier>,
    ) -> Result<Plan, Rejection> {
        // A bulletin relays the authority's figures: the same keys that may
        // relay `official` sheets may log it.
        let ei = self.authenticate(index, b.signed_at, Source::Official, sig, text, now, pre)?;
        let enr = &self.enrolments[ei];
        let invalid = |m: String| Rejection::InvalidDefinition(m);
        for (what, v) in [("label", &b.label), ("source", &b.source)] {
            if let Some(why) = name_problem(v) {
                return Err(invalid(format!("bulletin {what} {v:?}: {why}")));
            }
        }
        let (_, contest) = election.contest(&b.contest).ok_or_else(|| Rejection::UnknownContest(b.contest.clone()))?;
        if b.counts.is_empty() {
            return Err(invalid(format!("bulletin {:?} announces no figures: list at least one count", b.label)));
        }
        let mut seen = vec![false; contest.candidates.len()];
        for c in &b.counts {
            if c.candidates.is_empty() {
                return Err(invalid(format!("bulletin {:?} has a count with no candidates", b.label)));
            }
            for id in &c.candidates {
                let p = contest
                    .candidate_position(id)
                    .ok_or_else(|| Rejection::UnknownCandidate { contest: b.contest.clone(), candidate: id.clone() })?;
                if std::mem::replace(&mut seen[p], true) {
                    return Err(invalid(format!(
                        "bulletin {:?} counts candidate {id:?} twice: each candidate belongs to one figure",
                        b.label
                    )));
                }
            }
        }
        if let Some(unit) = &b.unit {
            let u = self.geography.find_unit(unit).ok_or_else(|| Rejection::UnknownUnit(unit.clone()))?;
            if let (Some(scope), Some(scope_id)) = (enr.scope_unit, &enr.scope) {
                let under = std::iter::successors(Some(u), |&x| self.geography.unit_parent(x)).any(|x| x == scope);
                if !under {
                    return Err(Rejection::OutOfScope {
                        key: label(sig),
                        table: unit.clone(),
                        scope: scope_id.clone(),
                    });
                }
            }
        } else if let Some(scope_id) = &enr.scope {
            return Err(Rejection::OutOfScope {
                key: label(sig),
                table: "(whole election)".into(),
                scope: scope_id.clone(),
            });
        }
        Ok(Plan::Bulletin(Box::new(LoggedBulletin { index, signer: ei, bulletin: b })))
    }

    /// Checks a photo reading (operator-signed, already authenticated) and
    /// computes the new photo check of every sheet showing that photo.
    fn plan_reading(&self, election: &ElectionDef, index: u64, r: PhotoReading) -> Result<Plan, Rejection> {
        let malformed = |m: String| Rejection::Malformed(m);
        let photo = parse_sha256(&r.photo_sha256).ok_or_else(|| {
            malformed(format!("photo_sha256 {:?} must be 64 lowercase hex digits (SHA-256)", r.photo_sha256))
        })?;
        if r.codes.len() > MAX_READING_CODES {
            return Err(malformed(format!(
                "a reading lists {} codes; at most {MAX_READING_CODES} are kept per photo",
                r.codes.len()
            )));
        }
        if r.codes.windows(2).any(|w| w[0] >= w[1]) || r.codes.iter().any(|c| c.is_empty()) {
            return Err(malformed("a reading's codes must be non-empty, sorted and without repeats".into()));
        }
        if let Some(why) = name_problem(&r.reader) {
            return Err(malformed(format!("reader {:?}: {why}", r.reader)));
        }
        let rec = ReadingRec { index, codes: r.codes };
        let mut updates = Vec::new();
        if let Some(decoder) = self.qr.as_deref() {
            for &pos in self.sheets_by_photo.get(&photo).map(Vec::as_slice).unwrap_or(&[]) {
                let sheet = &self.sheets[pos as usize];
                let contest = &election.contests[sheet.contest as usize];
                let table = self.geography.table_id(TableIx(sheet.table));
                let check = photo_check(decoder, election, contest, table, &sheet.votes, sheet.null, &rec);
                let mut flags = sheet.flags;
                flags.remove(Flag::PhotoQrMismatch);
                if check.outcome == QrOutcome::Mismatch {
                    flags.insert(Flag::PhotoQrMismatch);
                }
                updates.push((pos as usize, check, flags));
            }
        }
        Ok(Plan::Reading { photo, rec, updates })
    }

    /// Checks a trust entry (operator-signed, already authenticated): its
    /// form here, its keys by the decoder, which returns the decoder that
    /// trusts them; then redoes, with that decoder, the QR checks of earlier
    /// sheets whose signature had no key.
    fn plan_trust(&self, election: &ElectionDef, index: u64, t: Trust) -> Result<Plan, Rejection> {
        let invalid = |m: String| Rejection::InvalidDefinition(m);
        if let Some(why) = id_problem(&t.format) {
            return Err(invalid(format!("trust format {:?}: {why}", t.format)));
        }
        if let Some(why) = name_problem(&t.note) {
            return Err(invalid(format!("trust note {:?}: {why}", t.note)));
        }
        if t.keys.is_empty() {
            return Err(invalid("a trust entry must list at least one key".into()));
        }
        if t.keys.len() > MAX_TRUST_KEYS {
            return Err(invalid(format!(
                "a trust entry lists {} keys; at most {MAX_TRUST_KEYS} fit in one (log the rest in another)",
                t.keys.len()
            )));
        }
        let slot = |k: &TrustedKey| (k.region.clone(), k.phase.clone(), k.version.clone());
        if t.keys.windows(2).any(|w| slot(&w[0]) >= slot(&w[1])) {
            return Err(invalid(
                "a trust entry's keys must be sorted by region, phase and version, each slot once".into(),
            ));
        }
        for k in &t.keys {
            check_trusted_key(k)
                .map_err(|why| invalid(format!("trusted key for {} {} {}: {why}", k.region, k.phase, k.version)))?;
        }
        let decoder = match self.qr.as_deref() {
            Some(d) => Some(d.trusting(&t.format, &t.keys).map_err(|e| invalid(format!("trust entry: {e}")))?),
            None => None,
        };
        let mut rechecks = Vec::new();
        if let Some(d) = decoder.as_deref() {
            for (pos, sheet) in self.sheets.iter().enumerate() {
                if let Some(r) = self.recheck(d, election, pos, sheet) {
                    rechecks.push(r);
                }
            }
        }
        Ok(Plan::Trust { rec: Box::new(LoggedTrust { index, trust: t }), decoder, rechecks })
    }

    /// Redoes a sheet's QR checks that found no key for their signature,
    /// with `decoder`; `None` if it has none.
    fn recheck(
        &self,
        decoder: &dyn QrDecoder,
        election: &ElectionDef,
        pos: usize,
        sheet: &SheetRec,
    ) -> Option<Recheck> {
        let evidence = sheet.evidence.as_deref()?;
        let photo_waiting = evidence.photo_qr.is_some_and(|c| c.signature == Some(QrSignature::UnknownKey));
        if evidence.qr_awaiting_key.is_none() && !photo_waiting {
            return None;
        }
        let contest = &election.contests[sheet.contest as usize];
        let table = self.geography.table_id(TableIx(sheet.table));
        let mut flags = sheet.flags;
        let qr = evidence.qr_awaiting_key.as_ref().map(|payload| {
            let payloads = std::slice::from_ref(payload);
            let check = check_payloads(decoder, election, contest, table, &sheet.votes, sheet.null, payloads);
            flags.remove(Flag::QrMismatch);
            flags.remove(Flag::QrUnreadable);
            set_qr_flags(&mut flags, check.outcome);
            check
        });
        let reading = evidence.photo.as_ref().and_then(|p| self.readings.get(p)).filter(|_| photo_waiting);
        let photo_qr = reading.map(|reading| {
            let check = photo_check(decoder, election, contest, table, &sheet.votes, sheet.null, reading);
            flags.remove(Flag::PhotoQrMismatch);
            if check.outcome == QrOutcome::Mismatch {
                flags.insert(Flag::PhotoQrMismatch);
            }
            check
        });
        Some(Recheck { pos, qr, photo_qr, flags })
    }

    /// The sheets of a table with their positions, newest first.
    fn table_chain(&self, t: TableIx) -> impl Iterator<Item = (usize, &SheetRec)> + '_ {
        let mut cur = self.table_head.get(t.get()).copied().unwrap_or(NONE);
        std::iter::from_fn(move || {
            let pos = cur as usize;
            let rec = self.sheets.get(pos)?;
            cur = rec.next_in_table;
            Some((pos, rec))
        })
    }

    fn check_supersedes(&self, si: u64, index: u64, t: TableIx, ci: usize, ei: usize) -> Result<usize, Rejection> {
        let bad = |why: String| Rejection::BadSupersedes { index: si, why };
        if si >= index {
            return Err(bad(format!("a correction must name an earlier log index than its own ({index})")));
        }
        let pos = self
            .sheets
            .binary_search_by_key(&si, |r| r.index)
            .map_err(|_| bad("there is no accepted sheet at that log index".into()))?;
        let rec = &self.sheets[pos];
        if rec.table != t.0 || rec.contest as usize != ci {
            return Err(bad("that sheet is for another table or contest".into()));
        }
        if rec.signer as usize != ei {
            return Err(bad("that sheet was signed by another key: only its signer can correct it".into()));
        }
        if let Some(by) = rec.superseded_by {
            return Err(bad(format!("that sheet was already corrected by {by}: supersede {by} instead")));
        }
        Ok(pos)
    }

    fn commit(&mut self, index: u64, plan: Plan) -> Applied {
        let mut applied =
            Applied { index, kind: Kind::Election, table: None, contest: None, flags: Vec::new(), supersedes: None };
        match plan {
            Plan::Election { def, operator } => {
                self.geography = Geography::new(def.levels.clone());
                self.election = Some(def);
                self.operator = Some(operator);
            }
            Plan::Geography(chunk) => {
                applied.kind = Kind::Geography;
                // Checked in evaluate; add_chunk re-checks and is all-or-nothing.
                let _ = self.geography.add_chunk(&chunk.units, &chunk.tables);
                self.table_head.resize(self.geography.table_count(), NONE);
            }
            Plan::Enrol(enr) => {
                applied.kind = Kind::Enrol;
                let pos = self.enrolments.len() as u32;
                self.keys_by_id.entry(enr.verifier.key_id()).or_default().push(pos);
                self.enrolments.push(*enr);
            }
            Plan::Revoke { enrolment, reason } => {
                applied.kind = Kind::Revoke;
                self.enrolments[enrolment].revoked = Some(Revocation { index, reason });
            }
            Plan::Sheet { mut rec, superseded, table, contest } => {
                applied.kind = Kind::Sheet;
                applied.flags = rec.flags.to_vec();
                applied.supersedes = rec.supersedes;
                applied.table = Some(table);
                applied.contest = Some(contest);
                if let Some(p) = superseded {
                    self.sheets[p].superseded_by = Some(index);
                }
                let t = rec.table as usize;
                let pos = self.sheets.len() as u32;
                if let Some(photo) = rec.evidence.as_ref().and_then(|e| e.photo) {
                    self.sheets_by_photo.entry(photo).or_default().push(pos);
                }
                rec.next_in_table = self.table_head[t];
                self.table_head[t] = pos;
                self.sheets.push(rec);
            }
            Plan::Bulletin(b) => {
                applied.kind = Kind::Bulletin;
                applied.contest = Some(b.bulletin.contest.clone());
                self.bulletins.push(*b);
            }
            Plan::Reading { photo, rec, updates } => {
                applied.kind = Kind::Reading;
                applied.flags = self.raised_flags(updates.iter().map(|u| (u.0, u.2))).to_vec();
                for (pos, check, flags) in updates {
                    let sheet = &mut self.sheets[pos];
                    sheet.flags = flags;
                    sheet.evidence.get_or_insert_with(Box::default).photo_qr =
                        Some(QrCheck { reading: Some(index), ..check });
                }
                self.readings.insert(photo, rec);
            }
            Plan::Trust { rec, decoder, rechecks } => {
                applied.kind = Kind::Trust;
                applied.flags = self.raised_flags(rechecks.iter().map(|r| (r.pos, r.flags))).to_vec();
                if decoder.is_some() {
                    self.qr = decoder;
                }
                for r in rechecks {
                    let sheet = &mut self.sheets[r.pos];
                    sheet.flags = r.flags;
                    let evidence = sheet.evidence.get_or_insert_with(Box::default);
                    if let Some(check) = r.qr {
                        evidence.qr = Some(check);
                        if check.signature != Some(QrSignature::UnknownKey) {
                            evidence.qr_awaiting_key = None;
                        }
                    }
                    if r.photo_qr.is_some() {
                        evidence.photo_qr = r.photo_qr;
                    }
                }
                self.trusts.push(*rec);
            }
        }
        self.next_index = index + 1;
        applied
    }
}

/// A read-only view of one accepted sheet.
#[derive(Clone, Copy)]
pub struct SheetView<'a> {
    reg: &'a Registry,
    election: &'a ElectionDef,
    rec: &'a SheetRec,
}

impl std::fmt::Debug for SheetView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SheetView")
            .field("index", &self.index())
            .field("table", &self.table_id())
            .field("contest", &self.contest().id)
            .field("votes", &self.votes())
            .field("null", &self.null())
            .field("flags", &self.flags().to_vec())
            .field("superseded_by", &self.superseded_by())
            .finish()
    }
}

impl<'a> SheetView<'a> {
    /// The sheet's log index.
    pub fn index(&self) -> u64 {
        self.rec.index
    }
    /// The table.
    pub fn table(&self) -> TableIx {
        TableIx(self.rec.table)
    }
    /// The table id.
    pub fn table_id(&self) -> &'a str {
        self.reg.geography.table_id(self.table())
    }
    /// The contest.
    pub fn contest(&self) -> &'a Contest {
        &self.election.contests[self.rec.contest as usize]
    }
    /// The contest's position in the election.
    pub fn contest_position(&self) -> usize {
        self.rec.contest as usize
    }
    /// Votes per candidate, in the contest's candidate order.
    pub fn votes(&self) -> &'a [u64] {
        &self.rec.votes
    }
    /// Votes for one candidate id (None if the contest has no such candidate).
    pub fn votes_for(&self, candidate: &str) -> Option<u64> {
        self.contest().candidate_position(candidate).and_then(|p| self.rec.votes.get(p).copied())
    }
    /// Null votes.
    pub fn null(&self) -> u64 {
        self.rec.null
    }
    /// Blank votes, where printed.
    pub fn blank(&self) -> Option<u64> {
        self.rec.blank
    }
    /// The flags raised when it was applied.
    pub fn flags(&self) -> FlagSet {
        self.rec.flags
    }
    /// Where the figures come from.
    pub fn source(&self) -> Source {
        self.rec.source
    }
    /// The signer's enrolment (key, role, holder, organisation).
    pub fn signer(&self) -> &'a Enrolment {
        &self.reg.enrolments[self.rec.signer as usize]
    }
    /// When it was signed, unix seconds.
    pub fn signed_at(&self) -> u64 {
        self.rec.signed_at
    }
    /// The sheet this one corrects.
    pub fn supersedes(&self) -> Option<u64> {
        self.rec.supersedes
    }
    /// The later sheet that corrects this one.
    pub fn superseded_by(&self) -> Option<u64> {
        self.rec.superseded_by
    }
    /// Whether it is the signer's current figure (not corrected since).
    pub fn is_current(&self) -> bool {
        self.rec.superseded_by.is_none()
    }
    /// SHA-256 of the sheet's photo, as 64 lowercase hex digits.
    pub fn photo_sha256(&self) -> Option<String> {
        self.rec.evidence.as_ref()?.photo.map(hex::encode)
    }
    /// The sheet's own QR payload checked against its typed counts (None
    /// without a payload or without a QR decoder).
    pub fn qr_check(&self) -> Option<QrCheck> {
        self.rec.evidence.as_ref()?.qr
    }
    /// The QR codes read from the sheet's photo (the latest `reading` entry)
    /// checked against its typed counts; None until the photo was read.
    pub fn photo_qr_check(&self) -> Option<QrCheck> {
        self.rec.evidence.as_ref()?.photo_qr
    }
}

/// Most QR codes a photo reading may list (a BU prints at most a few parts).
pub const MAX_READING_CODES: usize = 32;

/// Most keys one trust entry may list (TSE has one key per state and phase
/// for each key version: 28 × 2).
pub const MAX_TRUST_KEYS: usize = 256;

/// Raises the flag a typed QR check's outcome calls for.
fn set_qr_flags(flags: &mut FlagSet, outcome: QrOutcome) {
    match outcome {
        QrOutcome::Mismatch => flags.insert(Flag::QrMismatch),
        QrOutcome::Unreadable => flags.insert(Flag::QrUnreadable),
        _ => {}
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks the form of a trusted key, whatever its format: slot fields that
/// are ids, an Ed25519 public key that is not weak, a pin that matches it.
fn check_trusted_key(k: &TrustedKey) -> Result<(), String> {
    for (what, v) in [("region", &k.region), ("phase", &k.phase), ("version", &k.version)] {
        if let Some(why) = id_problem(v) {
            return Err(format!("{what} {v:?}: {why}"));
        }
    }
    if !is_lower_hex(&k.ed25519, 64) {
        return Err(format!("ed25519 {:?} is not 64 lowercase hex digits (a 32-byte public key)", k.ed25519));
    }
    let mut raw = [0u8; 32];
    hex::decode_to_slice(&k.ed25519, &mut raw).map_err(|e| e.to_string())?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| "not an Ed25519 public key".to_string())?;
    if key.is_weak() {
        return Err("a weak (small-order) Ed25519 key, for which anyone can forge signatures".into());
    }
    if let Some(pin) = &k.pin {
        if !is_lower_hex(pin, 128) {
            return Err(format!("pin {pin:?} is not a SHA-512 in 128 lowercase hex digits"));
        }
        let found = hex::encode(<sha2::Sha512 as sha2::Digest>::digest(raw));
        if found != *pin {
            return Err(format!("the key hashes to SHA-512 {found}, not to the pinned {pin}: not the listed key file"));
        }
    }
    Ok(())
}

fn parse_sha256(h: &str) -> Option<[u8; 32]> {
    if !is_sha256_hex(h) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(h, &mut out).ok()?;
    Some(out)
}

/// Checks a photo's codes (joined by the decoder into payloads) against a sheet.
fn photo_check(
    decoder: &dyn QrDecoder,
    election: &ElectionDef,
    contest: &Contest,
    table: &str,
    votes: &[u64],
    null: u64,
    reading: &ReadingRec,
) -> QrCheck {
    let payloads = decoder.payloads_from_codes(&reading.codes);
    QrCheck {
        reading: Some(reading.index),
        ..check_payloads(decoder, election, contest, table, votes, null, &payloads)
    }
}
