//! Official bulletins: the authority's announced totals, relayed into the
//! log by keys that may relay official figures, so the tally can compare
//! them with the evidence.

use super::auth::{label, Signed};
use super::{Applied, At, Plan, Registry};
use crate::codes::Rejection;
use crate::entry::{Bulletin, Kind, Source};
use crate::ids::name_problem;
use crate::model::ElectionDef;

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

impl Registry {
    /// All accepted official bulletins, in log order.
    pub fn bulletins(&self) -> &[LoggedBulletin] {
        &self.bulletins
    }

    /// Checks an official bulletin: the signer must be an enrolled key that
    /// may relay official figures (the rules of `official` sheets), the
    /// contest, candidates and unit must exist, each candidate in at most one
    /// figure, and the unit within the key's scope.
    pub(super) fn plan_bulletin(
        &self,
        election: &ElectionDef,
        at: At,
        signed: &Signed<'_>,
        b: Bulletin,
    ) -> Result<Plan, Rejection> {
        // A bulletin relays the authority's figures: the same keys that may
        // relay `official` sheets may log it.
        let ei = self.authenticate(at, signed, b.signed_at, Source::Official)?;
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
                        key: label(signed.sig),
                        table: unit.clone(),
                        scope: scope_id.clone(),
                    });
                }
            }
        } else if let Some(scope_id) = &enr.scope {
            return Err(Rejection::OutOfScope {
                key: label(signed.sig),
                table: "(whole election)".into(),
                scope: scope_id.clone(),
            });
        }
        Ok(Plan::Bulletin(Box::new(LoggedBulletin { index: at.index, signer: ei, bulletin: b })))
    }

    /// Records a checked bulletin.
    pub(super) fn commit_bulletin(&mut self, index: u64, b: LoggedBulletin) -> Applied {
        let mut applied = Applied::new(index, Kind::Bulletin);
        applied.contest = Some(b.bulletin.contest.clone());
        self.bulletins.push(b);
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{code, setup, submit, NOW};
    use crate::entry::{Bulletin, BulletinCount, Entry};

    fn bulletin(unit: Option<&str>, counts: &[&[&str]]) -> Entry {
        Entry::Bulletin(Bulletin {
            contest: "p".into(),
            label: "Bulletin 1".into(),
            source: "the authority's site".into(),
            date: None,
            unit: unit.map(Into::into),
            counts: counts
                .iter()
                .map(|ids| BulletinCount {
                    candidates: ids.iter().map(|c| (*c).to_string()).collect(),
                    votes: 10,
                    percent: None,
                })
                .collect(),
            valid: None,
            null: None,
            voters: None,
            registry: None,
            tables_counted_percent: None,
            signed_at: NOW,
        })
    }

    #[test]
    fn bulletin_rules() {
        let (mut reg, k) = setup();
        assert_eq!(
            code(&mut reg, &bulletin(None, &[&["a"]]), &k.w),
            "wrong_role",
            "witnesses relay no official figures"
        );
        assert_eq!(code(&mut reg, &bulletin(None, &[]), &k.publisher), "invalid_definition");
        assert_eq!(code(&mut reg, &bulletin(None, &[&["a"], &["a", "b"]]), &k.publisher), "invalid_definition");
        assert_eq!(code(&mut reg, &bulletin(None, &[&["z"]]), &k.publisher), "unknown_candidate");
        assert_eq!(code(&mut reg, &bulletin(Some("S9"), &[&["a"]]), &k.publisher), "unknown_unit");
        // A scoped key may announce its unit only, never the whole election.
        assert_eq!(code(&mut reg, &bulletin(None, &[&["a"]]), &k.publisher_s1), "out_of_scope");
        assert_eq!(code(&mut reg, &bulletin(Some("S2"), &[&["a"]]), &k.publisher_s1), "out_of_scope");
        let a = submit(&mut reg, &bulletin(Some("S1"), &[&["a"], &["b"]]), &k.publisher_s1).unwrap();
        assert_eq!(a.contest.as_deref(), Some("p"));
        assert_eq!(reg.bulletins().len(), 1);
        assert_eq!(reg.bulletins()[0].index, a.index);
    }
}
