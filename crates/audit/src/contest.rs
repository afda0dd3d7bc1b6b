//! A testigo contest as an audit sees it: every counted table is a batch.
//!
//! The reported counts of a table are the figures the tabulation counts for it
//! ([`ContestTally::counted`]: the chosen variant of its sheets). Missing
//! tables are not batches: the audit checks the outcome the counted sheets
//! report, while the tabulation's certainty verdict answers whether the
//! missing ones could change it.
//!
//! b_p, the bound on a table's ballots in its error bound u_p, is the table's
//! registered voters when the geography gives them (a bound that holds
//! whatever the sheet says), else the ballots its counted sheet reports (votes,
//! null and blank). When a sheet reports more ballots than the table has
//! registered voters, the larger number is used, so u_p is never too small.

use testigo_election::{ElectionDef, Geography};
use testigo_tally::{ContestTally, Evidence};

use crate::batch::{Batch, BatchAudit};
use crate::{bravo, AuditError};

/// The batches of one contest and where their bounds came from.
#[derive(Clone, Debug)]
pub struct ContestBatches {
    /// The counted tables as batches, in geography order.
    pub batches: Vec<Batch>,
    /// Reported votes per candidate, summed over the counted tables.
    pub totals: Vec<u64>,
    /// Ballots the counted sheets report (votes, null, blank), summed.
    pub ballots: u64,
    /// Tables whose b_p is their registered voters.
    pub registered_bounds: u64,
    /// Tables whose b_p is their counted ballots (registry unknown, or smaller than the sheet's ballots).
    pub counted_bounds: u64,
    /// Tables in the geography.
    pub tables: u64,
}

impl ContestBatches {
    /// The batches of one contest's tabulation (`contest`, from [`testigo_tally::tabulate`]
    /// over `evidence`), in the order of `geo`'s tables.
    pub fn from_tally(geo: &Geography, evidence: &Evidence, contest: &ContestTally) -> Self {
        let mut out = ContestBatches {
            batches: Vec::new(),
            totals: Vec::new(),
            ballots: 0,
            registered_bounds: 0,
            counted_bounds: 0,
            tables: geo.table_count() as u64,
        };
        for table in geo.tables() {
            let Some(v) = contest.counted(evidence, table) else { continue };
            let counted = v.votes.iter().sum::<u64>() + v.null.unwrap_or(0) + v.blank;
            let ballots = match geo.table_registered(table) {
                Some(r) if r >= counted => {
                    out.registered_bounds += 1;
                    r
                }
                _ => {
                    out.counted_bounds += 1;
                    counted
                }
            };
            if out.totals.len() < v.votes.len() {
                out.totals.resize(v.votes.len(), 0);
            }
            for (t, x) in out.totals.iter_mut().zip(&v.votes) {
                *t += x;
            }
            out.ballots += counted;
            out.batches.push(Batch { id: geo.table_id(table).to_string(), ballots, votes: v.votes });
        }
        out
    }

    /// The reported winner and runner-up (indices), by reported totals; ties
    /// go to the earlier candidate, and the audit then refuses the tie.
    pub fn leaders(&self) -> Option<(usize, usize)> {
        let mut order: Vec<usize> = (0..self.totals.len()).collect();
        order.sort_by(|&a, &b| self.totals[b].cmp(&self.totals[a]).then(a.cmp(&b)));
        Some((*order.first()?, *order.get(1)?))
    }
}

/// What an audit of a contest would take if no error is found.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Reported winner (candidate index).
    pub winner: usize,
    /// Runner-up (candidate index).
    pub runner_up: usize,
    /// U = Σ u_p over the counted tables.
    pub total_bound: f64,
    /// Batch-comparison draws at the risk limit if no error is found.
    pub draws: u64,
    /// Expected distinct tables among those draws: Σ_p 1 − (1 − u_p/U)^draws.
    pub expected_tables: f64,
    /// BRAVO: expected ballots for the winner or the runner-up (the two-candidate ASN).
    pub bravo_pair_ballots: u64,
    /// BRAVO: expected ballots of any kind, the ASN divided by the two's share of ballots.
    pub bravo_ballots: u64,
    /// The audit itself, for simulations.
    pub audit: BatchAudit,
}

impl Plan {
    /// Plans the audit of `batches` at `risk_limit`.
    pub fn new(batches: &ContestBatches, risk_limit: f64) -> Result<Self, AuditError> {
        let (winner, runner_up) = batches
            .leaders()
            .ok_or(AuditError::Empty("the contest has fewer than two candidates with counted votes"))?;
        let audit = BatchAudit::new(&batches.totals, winner, batches.batches.clone())?;
        let draws = audit.expected_draws(risk_limit)?;
        let u = audit.total_bound();
        let expected_tables = audit.bounds().iter().map(|&b| 1.0 - (1.0 - b / u).powf(draws as f64)).sum();
        let (vw, vr) = (batches.totals[winner], batches.totals[runner_up]);
        let margin = (vw - vr) as f64 / (vw + vr) as f64;
        let pair_share = (vw + vr) as f64 / batches.ballots.max(1) as f64;
        Ok(Plan {
            winner,
            runner_up,
            total_bound: u,
            draws,
            expected_tables,
            bravo_pair_ballots: bravo::asn(margin, risk_limit)?,
            bravo_ballots: bravo::asn_all_ballots(margin, risk_limit, pair_share.min(1.0))?,
            audit,
        })
    }
}

/// The index of the contest with id `id` (the first contest when `None`).
pub fn contest_index(election: &ElectionDef, id: Option<&str>) -> Result<usize, String> {
    match id {
        None if !election.contests.is_empty() => Ok(0),
        None => Err("the election has no contest".into()),
        Some(id) => election.contests.iter().position(|c| c.id == id).ok_or_else(|| {
            let ids: Vec<&str> = election.contests.iter().map(|c| c.id.as_str()).collect();
            format!("no contest {id:?} in this election; use one of: {}", ids.join(", "))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batches(rows: &[(u64, [u64; 3])]) -> ContestBatches {
        let mut totals = vec![0; 3];
        let mut ballots = 0;
        let batches = rows
            .iter()
            .enumerate()
            .map(|(i, (b, v))| {
                for (t, x) in totals.iter_mut().zip(v) {
                    *t += x;
                }
                ballots += v.iter().sum::<u64>();
                Batch { id: format!("t{i}"), ballots: *b, votes: v.to_vec() }
            })
            .collect();
        ContestBatches { batches, totals, ballots, registered_bounds: 0, counted_bounds: 0, tables: rows.len() as u64 }
    }

    #[test]
    fn plan_picks_the_leaders_and_follows_the_formulas() {
        // Candidate 2 leads, candidate 0 is runner-up.
        let b = batches(&[(100, [30, 10, 60]), (100, [40, 5, 50]), (120, [35, 20, 60])]);
        assert_eq!(b.leaders(), Some((2, 0)));
        let p = Plan::new(&b, 0.05).unwrap();
        assert_eq!((p.winner, p.runner_up), (2, 0));
        assert_eq!(p.draws, crate::expected_draws(p.total_bound, 0.05).unwrap());
        assert_eq!(p.bravo_pair_ballots, bravo::asn(65.0 / 275.0, 0.05).unwrap());
        assert!(p.expected_tables <= 3.0 && p.expected_tables > 0.0);
    }

    #[test]
    fn ties_and_empty_contests_are_refused() {
        assert!(Plan::new(&batches(&[(100, [40, 40, 10])]), 0.05).is_err());
        assert!(Plan::new(&batches(&[]), 0.05).is_err());
    }
}
