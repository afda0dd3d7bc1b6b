//! The sheets a tally works from, in a flat form that can be built from a
//! replayed [`Registry`] or directly (synthetic elections, benchmarks).
//!
//! One [`SheetRow`] per accepted sheet (superseded ones included, marked not
//! current) and one flat vector of votes: no per-sheet allocation, so a
//! million sheets cost about 60 bytes each plus 8 bytes per candidate.

use testigo_election::{ElectionDef, Enrolment, FlagSet, Registry, SheetCounts, Source, TableIx};

/// One accepted sheet, as the tally sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SheetRow {
    /// The sheet's log index: orders sheets and breaks ties.
    pub index: u64,
    /// The table's position in the geography ([`TableIx::get`]).
    pub table: u32,
    /// The contest's position in the election.
    pub contest: u16,
    /// Where the figures come from.
    pub source: Source,
    /// Flags raised when the sheet was applied.
    pub flags: FlagSet,
    /// Whether the sheet is its signer's current figure (not superseded).
    pub current: bool,
    /// The signing key, as a position in [`Evidence::signers`].
    pub signer: u32,
    /// The signer's organisation, as a position in [`Evidence::organisations`].
    pub organisation: u32,
    /// Null votes, if reported.
    pub null: Option<u64>,
    /// Blank votes, if reported (printed separately).
    pub blank: Option<u64>,
    /// Whether some candidate's votes are not reported
    /// ([`Evidence::not_reported`] says whose).
    pub partial: bool,
    /// Start of this sheet's votes in the flat vote vector.
    votes_at: usize,
}

/// A sheet to add with [`Evidence::push`].
#[derive(Clone, Copy, Debug)]
pub struct NewSheet<'a> {
    /// Log index (must increase from one push to the next).
    pub index: u64,
    /// The table.
    pub table: TableIx,
    /// The contest's position in the election.
    pub contest: usize,
    /// Where the figures come from.
    pub source: Source,
    /// Flags raised when applied.
    pub flags: FlagSet,
    /// Whether it is current (not superseded).
    pub current: bool,
    /// Signer position from [`Evidence::intern_signer`].
    pub signer: u32,
    /// Organisation position from [`Evidence::intern_organisation`].
    pub organisation: u32,
    /// Votes per candidate in the contest's candidate order (0 where not reported).
    pub votes: &'a [u64],
    /// Positions of the candidates whose votes are not reported, ascending.
    pub not_reported: &'a [u16],
    /// Null votes, if reported.
    pub null: Option<u64>,
    /// Blank votes, if reported.
    pub blank: Option<u64>,
}

/// What is wrong with a sheet pushed into [`Evidence`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// The contest position is not in the election.
    #[error("contest position {0} is not in the election")]
    UnknownContest(usize),
    /// The vote vector does not have one count per candidate.
    #[error("contest {contest:?} has {expected} candidates but the sheet has {got} vote counts")]
    WrongVoteCount {
        /// The contest id.
        contest: String,
        /// Candidates in the contest.
        expected: usize,
        /// Counts given.
        got: usize,
    },
    /// Log indexes must increase.
    #[error("sheet log index {index} is not after the previous one ({previous}): push sheets in log order")]
    OutOfOrder {
        /// The index pushed.
        index: u64,
        /// The previous index.
        previous: u64,
    },
    /// The signer or organisation was not interned first.
    #[error("signer {0} or its organisation is not interned: call intern_signer / intern_organisation first")]
    UnknownSigner(u32),
}

/// The sheets of one election in log order, with interned signers and
/// organisations.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    candidates: Vec<usize>,
    rows: Vec<SheetRow>,
    votes: Vec<u64>,
    /// Candidates not reported, by log index, for the few sheets that have
    /// any (in log order, so looked up by binary search).
    not_reported: Vec<(u64, Box<[u16]>)>,
    signers: Vec<String>,
    organisations: Vec<String>,
}

impl Evidence {
    /// Empty evidence for an election (its contests fix the vote widths).
    pub fn new(election: &ElectionDef) -> Self {
        Evidence { candidates: election.contests.iter().map(|c| c.candidates.len()).collect(), ..Default::default() }
    }

    /// Every accepted sheet of a replayed registry, in log order.
    pub fn from_registry(registry: &Registry) -> Self {
        Self::from_registry_signed_by(registry, |_| true)
    }

    /// The accepted sheets whose signer's enrolment `keep` accepts (e.g. one
    /// importer's key, i.e. one publication), in log order.
    pub fn from_registry_signed_by(registry: &Registry, keep: impl Fn(&Enrolment) -> bool) -> Self {
        Self::build(registry, keep, u64::MAX)
    }

    /// The sheets as they stood when the log had `size` entries: those
    /// logged before it, current unless a correction before it superseded
    /// them. What an audit whose seed commits to that checkpoint audits.
    pub fn from_registry_before(registry: &Registry, size: u64) -> Self {
        Self::build(registry, |_| true, size)
    }

    fn build(registry: &Registry, keep: impl Fn(&Enrolment) -> bool, before: u64) -> Self {
        let Some(election) = registry.election() else {
            return Self::default();
        };
        let mut ev = Self::new(election);
        let mut signer_of: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        let mut org_of: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        ev.rows.reserve(registry.sheet_count());
        for s in registry.sheets() {
            let enr = s.signer();
            if s.index() >= before || !keep(enr) {
                continue;
            }
            // Enrolments are identified by their log index, which is unique.
            let signer = *signer_of.entry(enr.index).or_insert_with(|| {
                ev.signers.push(enr.key_label());
                (ev.signers.len() - 1) as u32
            });
            let organisation = match org_of.get(&enr.organisation) {
                Some(&o) => o,
                None => {
                    ev.organisations.push(enr.organisation.clone());
                    let o = (ev.organisations.len() - 1) as u32;
                    org_of.insert(enr.organisation.clone(), o);
                    o
                }
            };
            // The registry only holds sheets that match their contest, in log order.
            let _ = ev.push(NewSheet {
                index: s.index(),
                table: s.table(),
                contest: s.contest_position(),
                source: s.source(),
                flags: s.flags(),
                current: s.superseded_by().is_none_or(|by| by >= before),
                signer,
                organisation,
                votes: s.votes(),
                not_reported: s.not_reported(),
                null: s.null(),
                blank: s.blank(),
            });
        }
        ev
    }

    /// Interns a signer label (key name and ID) and returns its position.
    pub fn intern_signer(&mut self, label: &str) -> u32 {
        match self.signers.iter().position(|s| s == label) {
            Some(p) => p as u32,
            None => {
                self.signers.push(label.to_string());
                (self.signers.len() - 1) as u32
            }
        }
    }

    /// Interns an organisation name and returns its position.
    pub fn intern_organisation(&mut self, name: &str) -> u32 {
        match self.organisations.iter().position(|s| s == name) {
            Some(p) => p as u32,
            None => {
                self.organisations.push(name.to_string());
                (self.organisations.len() - 1) as u32
            }
        }
    }

    /// Makes room for `sheets` more sheets of about `candidates` counts each.
    pub fn reserve(&mut self, sheets: usize, candidates: usize) {
        self.rows.reserve(sheets);
        self.votes.reserve(sheets * candidates);
    }

    /// Adds a sheet (in log order).
    pub fn push(&mut self, s: NewSheet<'_>) -> Result<(), EvidenceError> {
        let expected = *self.candidates.get(s.contest).ok_or(EvidenceError::UnknownContest(s.contest))?;
        if s.votes.len() != expected {
            return Err(EvidenceError::WrongVoteCount {
                contest: format!("#{}", s.contest),
                expected,
                got: s.votes.len(),
            });
        }
        if let Some(last) = self.rows.last() {
            if s.index <= last.index {
                return Err(EvidenceError::OutOfOrder { index: s.index, previous: last.index });
            }
        }
        if s.signer as usize >= self.signers.len() || s.organisation as usize >= self.organisations.len() {
            return Err(EvidenceError::UnknownSigner(s.signer));
        }
        if s.not_reported.iter().any(|&k| k as usize >= expected) {
            return Err(EvidenceError::WrongVoteCount {
                contest: format!("#{}", s.contest),
                expected,
                got: s.not_reported.iter().map(|&k| k as usize + 1).max().unwrap_or(0),
            });
        }
        let votes_at = self.votes.len();
        self.votes.extend_from_slice(s.votes);
        if !s.not_reported.is_empty() {
            self.not_reported.push((s.index, s.not_reported.into()));
        }
        self.rows.push(SheetRow {
            index: s.index,
            table: s.table.get() as u32,
            contest: s.contest as u16,
            source: s.source,
            flags: s.flags,
            current: s.current,
            signer: s.signer,
            organisation: s.organisation,
            null: s.null,
            blank: s.blank,
            partial: !s.not_reported.is_empty(),
            votes_at,
        });
        Ok(())
    }

    /// All sheets, in log order.
    pub fn rows(&self) -> &[SheetRow] {
        &self.rows
    }

    /// A sheet's votes, in its contest's candidate order.
    pub fn votes(&self, row: &SheetRow) -> &[u64] {
        &self.votes[row.votes_at..row.votes_at + self.candidates[row.contest as usize]]
    }

    /// Positions of the candidates whose votes a sheet does not report
    /// (ascending; empty for almost every sheet).
    pub fn not_reported(&self, row: &SheetRow) -> &[u16] {
        if !row.partial {
            return &[];
        }
        self.not_reported.binary_search_by_key(&row.index, |(i, _)| *i).map_or(&[][..], |p| &self.not_reported[p].1[..])
    }

    /// The counts a sheet records, to compare with another's.
    pub fn counts(&self, row: &SheetRow) -> SheetCounts<'_> {
        SheetCounts { votes: self.votes(row), not_reported: self.not_reported(row), null: row.null, blank: row.blank }
    }

    /// Signer labels, by position.
    pub fn signers(&self) -> &[String] {
        &self.signers
    }

    /// Organisation names, by position.
    pub fn organisations(&self) -> &[String] {
        &self.organisations
    }

    /// Number of contests the evidence was built for.
    pub fn contest_count(&self) -> usize {
        self.candidates.len()
    }
}
