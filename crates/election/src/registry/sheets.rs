//! Tally sheets: who may submit one for which table, corrections
//! (`supersedes`), one current sheet per key, table and contest, and when
//! two sheets for one table conflict ([`SheetCounts::agrees_with`]).

use super::auth::{label, Signed};
use super::evidence::{parse_sha256, set_photo_qr_flag, set_qr_flags, QrSubject, SheetEvidence};
use super::{Applied, At, Plan, Registry, NONE};
use crate::codes::{Flag, FlagSet, Rejection};
use crate::enrolment::Enrolment;
use crate::entry::{Kind, Sheet, Source};
use crate::geography::TableIx;
use crate::model::ElectionDef;
use crate::qr::QrSignature;
use crate::validate::{check_bounds, check_fields, consistency_flags, resolve_votes};

/// The counts one sheet records for its table and contest: the figures a
/// tally adds up.
///
/// Printed totals (valid votes, voters, registered voters) are not among
/// them: they are checked against these counts when the sheet is applied
/// (and flagged when they do not add up), but no tally counts them.
#[derive(Clone, Copy, Debug)]
pub struct SheetCounts<'a> {
    /// Votes per candidate, in the contest's candidate order (0 where not
    /// reported).
    pub votes: &'a [u64],
    /// Positions of the candidates whose votes the sheet does not report,
    /// ascending (usually none).
    pub not_reported: &'a [u16],
    /// Null (spoilt) votes, if reported.
    pub null: Option<u64>,
    /// Blank votes, if reported (printed separately).
    pub blank: Option<u64>,
}

impl SheetCounts<'_> {
    /// Whether two sheets for the same table and contest record the same
    /// result: every figure *both* report is equal — each candidate's votes,
    /// the null votes and the blank votes. A figure one of them does not
    /// report is not compared: "not reported" never makes a conflict.
    ///
    /// This is the one definition of "agree": the registry flags a sheet
    /// `conflicts_with_earlier` when it does not agree with a current sheet
    /// of another key, and the tally groups sheets into variants with it.
    ///
    /// Why blank and null votes are compared: a tally counts them (they are
    /// part of the ballots cast and of turnout), so two sheets that differ
    /// only there lead to different totals depending on which is counted.
    ///
    /// Why not-reported figures are skipped: a source that never transcribed
    /// null votes (a decode of candidate totals, say) says nothing about
    /// them; treating its silence as 0 would invent a disagreement with
    /// every sheet that did. The price is that agreement is no longer
    /// transitive (A and C may disagree while B, silent on the figure,
    /// agrees with both), so the tally merges a variant's figures as it
    /// grows and compares each sheet with the merge
    /// (`testigo_tally::tally`): a table has two variants exactly when two
    /// of its sheets disagree, as this flag says.
    pub fn agrees_with(&self, other: &SheetCounts<'_>) -> bool {
        let both = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        if !both(self.null, other.null) || !both(self.blank, other.blank) {
            return false;
        }
        if self.not_reported.is_empty() && other.not_reported.is_empty() {
            return self.votes == other.votes;
        }
        self.votes.len() == other.votes.len()
            && (0..self.votes.len()).all(|k| !self.reports(k) || !other.reports(k) || self.votes[k] == other.votes[k])
    }

    /// Whether the sheet reports the votes of the candidate at position `k`.
    pub fn reports(&self, k: usize) -> bool {
        u16::try_from(k).map_or(true, |k| self.not_reported.binary_search(&k).is_err())
    }

    /// Whether every figure is reported.
    pub fn is_complete(&self) -> bool {
        self.not_reported.is_empty() && self.null.is_some()
    }
}

/// One accepted sheet, stored compactly: votes in candidate order, the
/// signer as an enrolment position, per-table chaining by position.
#[derive(Clone, Debug)]
pub(super) struct SheetRec {
    pub(super) index: u64,
    pub(super) signed_at: u64,
    pub(super) votes: Box<[u64]>,
    /// Candidate positions not reported (empty for almost every sheet).
    pub(super) not_reported: Box<[u16]>,
    pub(super) null: Option<u64>,
    pub(super) blank: Option<u64>,
    pub(super) supersedes: Option<u64>,
    pub(super) superseded_by: Option<u64>,
    pub(super) table: u32,
    pub(super) signer: u32,
    /// Previous sheet of the same table (newest-first chain).
    pub(super) next_in_table: u32,
    pub(super) contest: u16,
    pub(super) source: Source,
    pub(super) flags: FlagSet,
    /// Photo and QR evidence; boxed because most bulk-imported sheets have none.
    pub(super) evidence: Option<Box<SheetEvidence>>,
}

impl SheetRec {
    /// The counts the sheet records.
    pub(super) fn counts(&self) -> SheetCounts<'_> {
        SheetCounts { votes: &self.votes, not_reported: &self.not_reported, null: self.null, blank: self.blank }
    }
}

/// An accepted sheet ready to be recorded.
pub(super) struct SheetPlan {
    pub(super) rec: SheetRec,
    /// The position of the sheet it corrects.
    pub(super) superseded: Option<usize>,
    pub(super) table: String,
    pub(super) contest: String,
}

/// One key's place for a sheet: a table and a contest, as positions, and the
/// signer's enrolment position.
#[derive(Clone, Copy)]
struct Slot {
    table: TableIx,
    contest: usize,
    signer: usize,
}

impl Registry {
    /// Checks a tally sheet at `at`: its signer (see `authenticate`), then
    /// the election, table (within the key's scope), contest and figures, a
    /// correction's target, one current sheet per key; computes its flags.
    pub(super) fn plan_sheet(
        &self,
        election: &ElectionDef,
        at: At,
        signed: &Signed<'_>,
        sheet: Sheet,
    ) -> Result<Plan, Rejection> {
        // Authenticate first: nothing about the content matters if the signer does not count.
        let ei = self.authenticate(at, signed, sheet.signed_at, sheet.source)?;
        let enr = &self.enrolments[ei];
        if sheet.election != election.id {
            return Err(Rejection::UnknownElection { got: sheet.election, expected: election.id.clone() });
        }
        check_fields(&sheet)?;
        let geo = &self.geography;
        let t = self.table_in_scope(enr, signed, &sheet.table)?;
        let (ci, contest) =
            election.contest(&sheet.contest).ok_or_else(|| Rejection::UnknownContest(sheet.contest.clone()))?;
        let (votes, not_reported) = resolve_votes(contest, &sheet)?;
        let registered = geo.table_registered(t);
        check_bounds(election, contest, registered, &sheet, &votes)?;
        let counts = SheetCounts { votes: &votes, not_reported: &not_reported, null: sheet.null, blank: sheet.blank };
        let slot = Slot { table: t, contest: ci, signer: ei };
        let superseded = match sheet.supersedes {
            Some(si) => Some(self.check_supersedes(si, at.index, slot)?),
            None => None,
        };
        let same_slot = |r: &&SheetRec| r.contest as usize == ci && r.superseded_by.is_none();
        let current: Vec<(usize, &SheetRec)> =
            self.table_chain(t).filter(|(pos, r)| same_slot(r) && Some(*pos) != superseded).collect();
        if let Some((_, r)) = current.iter().find(|(_, r)| r.signer as usize == ei) {
            return Err(Rejection::DuplicateSheet { earlier: r.index });
        }
        let mut flags = consistency_flags(&sheet, &counts, registered);
        // check_fields refused any photo hash that is not 64 lowercase hex digits.
        let photo = sheet.photo_sha256.as_deref().and_then(parse_sha256);
        let mut evidence = SheetEvidence { photo, ..SheetEvidence::default() };
        if let Some(decoder) = self.qr.as_deref() {
            let subject = QrSubject { election, contest, table: &sheet.table, counts };
            if let Some(payload) = &sheet.qr {
                let check = subject.check(decoder, std::slice::from_ref(payload));
                set_qr_flags(&mut flags, check.outcome);
                if check.signature == Some(QrSignature::UnknownKey) {
                    evidence.qr_awaiting_key = Some(payload.clone());
                }
                evidence.qr = Some(check);
            }
            if let Some(reading) = photo.as_ref().and_then(|p| self.readings.get(p)) {
                let check = subject.check_photo(decoder, reading);
                set_photo_qr_flag(&mut flags, check.outcome);
                evidence.photo_qr = Some(check);
            }
        }
        let has_evidence = evidence.photo.is_some() || evidence.qr.is_some();
        if current.iter().any(|(_, r)| !r.counts().agrees_with(&counts)) {
            flags.insert(Flag::ConflictsWithEarlier);
        }
        if self.sheets.len() >= NONE as usize {
            return Err(Rejection::InvalidDefinition("the registry cannot hold more sheets".into()));
        }
        let rec = SheetRec {
            index: at.index,
            signed_at: sheet.signed_at,
            votes,
            not_reported,
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
        Ok(Plan::Sheet(SheetPlan { rec, superseded, table: sheet.table, contest: sheet.contest }))
    }

    /// The table `id`, if it exists and lies within the unit the signer's
    /// enrolment is scoped to.
    pub(super) fn table_in_scope(&self, enr: &Enrolment, signed: &Signed<'_>, id: &str) -> Result<TableIx, Rejection> {
        let t = self.geography.find_table(id).ok_or_else(|| Rejection::UnknownTable(id.to_string()))?;
        if let (Some(scope), Some(scope_id)) = (enr.scope_unit, &enr.scope) {
            if !self.geography.is_under(t, scope) {
                return Err(Rejection::OutOfScope {
                    key: label(signed.sig),
                    table: id.to_string(),
                    scope: scope_id.clone(),
                });
            }
        }
        Ok(t)
    }

    /// The sheets of a table with their positions, newest first.
    pub(super) fn table_chain(&self, t: TableIx) -> impl Iterator<Item = (usize, &SheetRec)> + '_ {
        let mut cur = self.table_head.get(t.get()).copied().unwrap_or(NONE);
        std::iter::from_fn(move || {
            let pos = cur as usize;
            let rec = self.sheets.get(pos)?;
            cur = rec.next_in_table;
            Some((pos, rec))
        })
    }

    /// The position of the sheet a correction at `index` names (`si`): an
    /// earlier accepted sheet of the same slot, not corrected yet.
    fn check_supersedes(&self, si: u64, index: u64, slot: Slot) -> Result<usize, Rejection> {
        let bad = |why: String| Rejection::BadSupersedes { index: si, why };
        if si >= index {
            return Err(bad(format!("a correction must name an earlier log index than its own ({index})")));
        }
        let pos = self
            .sheets
            .binary_search_by_key(&si, |r| r.index)
            .map_err(|_| bad("there is no accepted sheet at that log index".into()))?;
        let rec = &self.sheets[pos];
        if rec.table != slot.table.0 || rec.contest as usize != slot.contest {
            return Err(bad("that sheet is for another table or contest".into()));
        }
        if rec.signer as usize != slot.signer {
            return Err(bad("that sheet was signed by another key: only its signer can correct it".into()));
        }
        if let Some(by) = rec.superseded_by {
            return Err(bad(format!("that sheet was already corrected by {by}: supersede {by} instead")));
        }
        Ok(pos)
    }

    /// Records a checked sheet: marks the sheet it corrects, chains it into
    /// its table, indexes its photo.
    pub(super) fn commit_sheet(&mut self, index: u64, plan: SheetPlan) -> Applied {
        let SheetPlan { mut rec, superseded, table, contest } = plan;
        let mut applied = Applied::new(index, Kind::Sheet);
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
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{code, setup, sheet, submit};
    use super::SheetCounts;
    use crate::codes::Flag;
    use crate::entry::{Entry, Sheet};

    fn counts(votes: &[u64], null: u64, blank: Option<u64>) -> SheetCounts<'_> {
        SheetCounts { votes, not_reported: &[], null: Some(null), blank }
    }

    #[test]
    fn agreement_compares_votes_null_and_blank() {
        let base = counts(&[100, 50], 5, None);
        assert!(base.agrees_with(&base));
        assert!(!base.agrees_with(&counts(&[100, 51], 5, None)), "a candidate's votes");
        assert!(!base.agrees_with(&counts(&[100, 50], 6, None)), "null votes");
        assert!(!counts(&[100, 50], 5, Some(2)).agrees_with(&counts(&[100, 50], 5, Some(3))), "blank votes");
        // Blank votes reported on one sheet only are not compared.
        assert!(base.agrees_with(&counts(&[100, 50], 5, Some(3))));
        assert!(counts(&[100, 50], 5, Some(3)).agrees_with(&base), "symmetric");
    }

    #[test]
    fn figures_not_reported_are_not_compared() {
        let full = counts(&[100, 50], 5, None);
        let no_null = SheetCounts { votes: &[100, 50], not_reported: &[], null: None, blank: None };
        assert!(full.agrees_with(&no_null) && no_null.agrees_with(&full));
        assert!(!no_null.agrees_with(&counts(&[100, 51], 5, None)), "reported votes still count");
        let no_second = SheetCounts { votes: &[100, 0], not_reported: &[1], null: Some(5), blank: None };
        assert!(no_second.agrees_with(&full) && full.agrees_with(&no_second));
        assert!(!no_second.agrees_with(&counts(&[101, 50], 5, None)));
        assert!(!no_second.reports(1) && no_second.reports(0) && !no_second.is_complete() && full.is_complete());
        // Agreement is not transitive once a figure is missing: both agree with
        // the silent sheet, not with each other.
        let (a, c) = (counts(&[100, 50], 5, None), counts(&[100, 50], 7, None));
        assert!(a.agrees_with(&no_null) && no_null.agrees_with(&c) && !a.agrees_with(&c));
    }

    fn with_blank(table: &str, blank: Option<u64>) -> Sheet {
        let mut s = sheet(table);
        s.blank = blank;
        s
    }

    #[test]
    fn sheets_differing_only_in_blank_votes_conflict() {
        // (and a sheet that does not report null votes conflicts with none)
        let (mut reg, k) = setup();
        assert!(submit(&mut reg, &Entry::Sheet(with_blank("T1", Some(2))), &k.w).unwrap().flags.is_empty());
        let a = submit(&mut reg, &Entry::Sheet(with_blank("T1", Some(3))), &k.w2).unwrap();
        assert_eq!(a.flags, vec![Flag::ConflictsWithEarlier]);

        // Blank votes reported by one sheet only are not compared.
        assert!(submit(&mut reg, &Entry::Sheet(with_blank("T2", None)), &k.w).unwrap().flags.is_empty());
        assert!(submit(&mut reg, &Entry::Sheet(with_blank("T2", Some(4))), &k.w2).unwrap().flags.is_empty());
    }

    #[test]
    fn one_current_sheet_per_key_and_corrections_by_their_signer() {
        let (mut reg, k) = setup();
        let first = submit(&mut reg, &Entry::Sheet(sheet("T1")), &k.w).unwrap();
        assert_eq!(code(&mut reg, &Entry::Sheet(sheet("T1")), &k.w), "duplicate_sheet");
        let mut fix = sheet("T1");
        fix.null = Some(6);
        fix.supersedes = Some(first.index);
        assert_eq!(code(&mut reg, &Entry::Sheet(fix.clone()), &k.w2), "bad_supersedes", "another key's sheet");
        let fixed = submit(&mut reg, &Entry::Sheet(fix.clone()), &k.w).unwrap();
        assert_eq!(fixed.supersedes, Some(first.index));
        assert_eq!(code(&mut reg, &Entry::Sheet(fix), &k.w), "bad_supersedes", "already corrected");
        let old = reg.sheet_at(first.index).unwrap();
        assert_eq!(old.superseded_by(), Some(fixed.index));
        // The superseded sheet no longer counts: agreeing with the correction is no conflict.
        let mut same = sheet("T1");
        same.null = Some(6);
        assert!(submit(&mut reg, &Entry::Sheet(same), &k.w2).unwrap().flags.is_empty());
    }

    #[test]
    fn scope_table_and_contest_rules() {
        let (mut reg, k) = setup();
        assert_eq!(code(&mut reg, &Entry::Sheet(sheet("T2")), &k.ws1), "out_of_scope");
        assert!(submit(&mut reg, &Entry::Sheet(sheet("T1")), &k.ws1).is_ok());
        assert_eq!(code(&mut reg, &Entry::Sheet(sheet("T9")), &k.w), "unknown_table");
        let mut s = sheet("T2");
        s.contest = "q".into();
        assert_eq!(code(&mut reg, &Entry::Sheet(s), &k.w), "unknown_contest");
        let mut s = sheet("T2");
        s.election = "other".into();
        assert_eq!(code(&mut reg, &Entry::Sheet(s), &k.w), "unknown_election");
    }
}
