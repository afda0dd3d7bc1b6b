//! Read-only views of accepted sheets, and the registry's sheet accessors.

use super::sheets::{SheetCounts, SheetRec};
use super::{Registry, NONE};
use crate::codes::FlagSet;
use crate::enrolment::Enrolment;
use crate::entry::Source;
use crate::geography::TableIx;
use crate::model::{Contest, ElectionDef};
use crate::qr::{check_payloads_reading, QrCheck, QrReading};

impl Registry {
    /// Number of accepted sheets (superseded ones included).
    pub fn sheet_count(&self) -> usize {
        self.sheets.len()
    }

    fn view<'a>(&'a self, election: &'a ElectionDef, rec: &'a SheetRec) -> SheetView<'a> {
        SheetView { reg: self, election, rec }
    }

    /// All accepted sheets, in log order.
    pub fn sheets(&self) -> impl Iterator<Item = SheetView<'_>> + '_ {
        self.election.iter().flat_map(move |e| self.sheets.iter().map(move |rec| self.view(e, rec)))
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
    /// Votes for one candidate id (None if the contest has no such
    /// candidate or the sheet does not report its votes).
    pub fn votes_for(&self, candidate: &str) -> Option<u64> {
        let p = self.contest().candidate_position(candidate)?;
        self.counts().reports(p).then(|| self.rec.votes.get(p).copied()).flatten()
    }
    /// Positions of the candidates whose votes it does not report.
    pub fn not_reported(&self) -> &'a [u16] {
        &self.rec.not_reported
    }
    /// Null votes, if reported.
    pub fn null(&self) -> Option<u64> {
        self.rec.null
    }
    /// Blank votes, if reported.
    pub fn blank(&self) -> Option<u64> {
        self.rec.blank
    }
    /// The counts it records, to compare with another sheet's
    /// ([`SheetCounts::agrees_with`]).
    pub fn counts(&self) -> SheetCounts<'a> {
        self.rec.counts()
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
        self.rec.evidence.as_ref()?.qr.clone()
    }
    /// The QR codes read from the sheet's photo (the latest `reading` entry)
    /// checked against its typed counts; None until the photo was read.
    pub fn photo_qr_check(&self) -> Option<QrCheck> {
        self.rec.evidence.as_ref()?.photo_qr.clone()
    }
    /// What the QR codes of the sheet's photo (its latest reading) say for
    /// the sheet's contest: the reading [`Self::photo_qr_check`] rests on,
    /// with its counts, to show beside the typed ones. Read again from the
    /// logged codes (the registry keeps outcomes, not counts). `None` until
    /// the photo was read, without a QR decoder, or when it had no code.
    pub fn photo_qr_reading(&self) -> Option<QrReading> {
        let photo = self.rec.evidence.as_ref()?.photo?;
        let reading = self.reg.readings.get(&photo)?;
        let decoder = self.reg.qr.as_deref()?;
        let payloads = decoder.payloads_from_codes(&reading.codes);
        check_payloads_reading(decoder, self.election, self.contest(), self.table_id(), &self.counts(), &payloads).1
    }
}
