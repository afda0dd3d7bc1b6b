//! Risk-limiting audits as log entries: an operator-signed `audit_seed`
//! opens an audit of one contest and fixes its public seed; auditors' signed
//! `audit` entries record the hand counts of the tables drawn. The
//! mathematics (which tables the seed draws, the risk measure, escalation,
//! the verdict) is `testigo_audit`'s, computed from these records by every
//! replay alike.

use super::auth::Signed;
use super::{Applied, At, Plan, Registry};
use crate::codes::Rejection;
use crate::entry::{AuditCount, AuditSeed, Kind, Role};
use crate::geography::TableIx;
use crate::ids::name_problem;
use crate::model::ElectionDef;
use crate::validate::{count_bound, is_sha256_hex};

/// The audit methods an `audit_seed` may name.
pub const AUDIT_METHODS: [&str; 1] = ["batch_comparison"];

/// One accepted audit opening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedAudit {
    /// Its log index (hand counts name it).
    pub index: u64,
    /// The contest's position in the election.
    pub contest: usize,
    /// The entry as logged.
    pub seed: AuditSeed,
}

/// One accepted hand count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedAuditCount {
    /// Its log index.
    pub index: u64,
    /// The signer's position in [`Registry::enrolments`].
    pub signer: usize,
    /// The table counted.
    pub table: TableIx,
    /// Votes found, in the contest's candidate order.
    pub votes: Box<[u64]>,
    /// The entry as logged.
    pub count: AuditCount,
}

impl Registry {
    /// Every audit opened, in log order.
    pub fn audits(&self) -> &[LoggedAudit] {
        &self.audits
    }

    /// Every hand count, in log order (a later count of the same table for
    /// the same audit by the same key replaces the earlier for the
    /// mathematics; both stay in the log).
    pub fn audit_counts(&self) -> &[LoggedAuditCount] {
        &self.audit_counts
    }

    /// Checks an audit opening: operator-signed (checked by the caller), a
    /// known contest and method, a risk limit strictly between 0 and 1, the
    /// public input named, and a checkpoint of this log before the entry.
    pub(super) fn plan_audit_seed(&self, election: &ElectionDef, at: At, s: AuditSeed) -> Result<Plan, Rejection> {
        let (contest, _) = election.contest(&s.contest).ok_or_else(|| Rejection::UnknownContest(s.contest.clone()))?;
        let bad = |m: String| Rejection::InvalidDefinition(m);
        if !AUDIT_METHODS.contains(&s.method.as_str()) {
            return Err(bad(format!("audit method {:?}: use one of {}", s.method, AUDIT_METHODS.join(", "))));
        }
        if s.risk_limit_ppm == 0 || s.risk_limit_ppm >= 1_000_000 {
            return Err(bad(format!(
                "risk limit {} ppm: it must be above 0 and below 1,000,000 (e.g. 50000 for 5%)",
                s.risk_limit_ppm
            )));
        }
        if let Some(why) = name_problem(&s.dice) {
            return Err(bad(format!("the audit's public random input {:?}: {why}", s.dice)));
        }
        if s.checkpoint_size == 0 || s.checkpoint_size > at.index {
            return Err(bad(format!(
                "the seed must commit to a checkpoint of this log before the entry (size 1..={}), not {}",
                at.index, s.checkpoint_size
            )));
        }
        if !is_sha256_hex(&s.checkpoint_root) {
            return Err(Rejection::Malformed(format!(
                "checkpoint_root {:?} must be 64 lowercase hex digits",
                s.checkpoint_root
            )));
        }
        Ok(Plan::AuditSeed(Box::new(LoggedAudit { index: at.index, contest, seed: s })))
    }

    /// Checks a hand count: signed by an enrolled auditor, for an audit
    /// opened earlier, a table of the geography (within the key's scope), the
    /// audited contest's candidates, counts within the table's bound.
    pub(super) fn plan_audit_count(
        &self,
        election: &ElectionDef,
        at: At,
        signed: &Signed<'_>,
        c: AuditCount,
    ) -> Result<Plan, Rejection> {
        let signer =
            self.authenticate_as(at, signed, c.signed_at, |r| r == Role::Auditor, || "audit hand counts".into())?;
        let audit = self
            .audits
            .iter()
            .find(|a| a.index == c.audit)
            .ok_or_else(|| Rejection::InvalidDefinition(format!("no audit was opened at log index {}", c.audit)))?;
        let geo = &self.geography;
        let table = self.table_in_scope(&self.enrolments[signer], signed, &c.table)?;
        let contest = &election.contests[audit.contest];
        let mut votes = vec![0u64; contest.candidates.len()];
        let bound = count_bound(election.max_table_voters, geo.table_registered(table));
        for (id, &n) in &c.votes {
            let p = contest
                .candidate_position(id)
                .ok_or_else(|| Rejection::UnknownCandidate { contest: contest.id.clone(), candidate: id.clone() })?;
            if n > bound {
                return Err(Rejection::CountOutOfBounds {
                    field: format!("votes for {id:?}"),
                    count: n,
                    bound,
                    why: "the most one table may hold".into(),
                });
            }
            votes[p] = n;
        }
        Ok(Plan::AuditCount(Box::new(LoggedAuditCount {
            index: at.index,
            signer,
            table,
            votes: votes.into_boxed_slice(),
            count: c,
        })))
    }

    /// Records a checked audit opening.
    pub(super) fn commit_audit_seed(&mut self, index: u64, rec: LoggedAudit) -> Applied {
        self.audits.push(rec);
        Applied::new(index, Kind::AuditSeed)
    }

    /// Records a checked hand count.
    pub(super) fn commit_audit_count(&mut self, index: u64, rec: LoggedAuditCount) -> Applied {
        let mut applied = Applied::new(index, Kind::AuditCount);
        applied.table = Some(rec.count.table.clone());
        self.audit_counts.push(rec);
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{code, key, setup, submit, NOW};
    use crate::entry::{AuditCount, AuditSeed, Entry, Role};
    use std::collections::BTreeMap;

    fn seed(size: u64) -> AuditSeed {
        AuditSeed {
            contest: "p".into(),
            method: "batch_comparison".into(),
            risk_limit_ppm: 50_000,
            dice: "3 1 4 1 5 9 2 6".into(),
            checkpoint_size: size,
            checkpoint_root: "ab".repeat(32),
            signed_at: NOW,
        }
    }

    fn count(audit: u64, table: &str, a: u64) -> AuditCount {
        AuditCount {
            audit,
            table: table.into(),
            votes: BTreeMap::from([("a".into(), a), ("b".into(), 50)]),
            signed_at: NOW,
        }
    }

    #[test]
    fn audits_open_with_a_seed_and_take_auditors_hand_counts_only() {
        let (mut reg, k) = setup();
        let auditor = key("auditor.example", 9);
        submit(&mut reg, &super::super::tests::enrol(&auditor, Role::Auditor, None), &k.operator).unwrap();
        let at = reg.next_index();
        // Only the operator opens an audit, on a checkpoint of this log before it.
        assert_eq!(code(&mut reg, &Entry::AuditSeed(seed(at)), &k.w), "not_operator");
        assert_eq!(code(&mut reg, &Entry::AuditSeed(seed(at + 1)), &k.operator), "invalid_definition");
        let mut bad = seed(at);
        bad.risk_limit_ppm = 1_000_000;
        assert_eq!(code(&mut reg, &Entry::AuditSeed(bad), &k.operator), "invalid_definition");
        let mut bad = seed(at);
        bad.method = "eyeballing".into();
        assert_eq!(code(&mut reg, &Entry::AuditSeed(bad), &k.operator), "invalid_definition");
        let opened = submit(&mut reg, &Entry::AuditSeed(seed(at)), &k.operator).unwrap().index;
        assert_eq!(reg.audits().len(), 1);

        // Hand counts: auditors only, for an opened audit, known tables and candidates.
        assert_eq!(code(&mut reg, &Entry::AuditCount(count(opened, "T1", 100)), &k.w), "wrong_role");
        assert_eq!(code(&mut reg, &Entry::AuditCount(count(opened + 99, "T1", 100)), &auditor), "invalid_definition");
        assert_eq!(code(&mut reg, &Entry::AuditCount(count(opened, "T9", 100)), &auditor), "unknown_table");
        let mut unknown = count(opened, "T1", 100);
        unknown.votes.insert("zz".into(), 1);
        assert_eq!(code(&mut reg, &Entry::AuditCount(unknown), &auditor), "unknown_candidate");
        // T1 has 300 registered voters: 601 votes is more than a table may hold.
        assert_eq!(code(&mut reg, &Entry::AuditCount(count(opened, "T1", 601)), &auditor), "count_out_of_bounds");
        submit(&mut reg, &Entry::AuditCount(count(opened, "T1", 99)), &auditor).unwrap();
        let c = &reg.audit_counts()[0];
        assert_eq!((c.votes.as_ref(), reg.geography().table_id(c.table)), (&[99, 50][..], "T1"));
    }
}
