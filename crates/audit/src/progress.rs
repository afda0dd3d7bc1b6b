//! Where a logged batch-comparison audit stands: the tables its seed draws,
//! which of them the audit board has counted by hand, the running risk
//! measure and the verdict. A pure function of what the log holds (the
//! reported batches at the checkpoint the seed commits to, the seed, the
//! risk limit, the hand counts), so the CLI, `verify` and the website can
//! all recompute the same answer.

use std::collections::HashMap;

use crate::batch::{Escalation, Verdict};
use crate::contest::ContestBatches;
use crate::seed::Generator;
use crate::{AuditError, BatchAudit};

/// One draw of the sample, in draw order.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    /// The table drawn.
    pub table: String,
    /// The hand count used for it: its log index and the draw's taint.
    pub counted: Option<(u64, f64)>,
}

/// The state of one audit.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// The reported winner and runner-up (candidate positions).
    pub winner: usize,
    /// The runner-up.
    pub runner_up: usize,
    /// U, the sum of the tables' error bounds.
    pub total_bound: f64,
    /// Draws in the first round (no error found: enough to meet the risk limit).
    pub initial_draws: u64,
    /// Every draw made so far, in order (the rounds of escalation included).
    pub draws: Vec<Draw>,
    /// The risk measure (the Kaplan–Markov P) over the counted draws, in order.
    pub p_value: f64,
    /// The verdict: risk limit met, draw more (the draws listed without a
    /// hand count are the ones the board must count next), or full hand count.
    pub verdict: Verdict,
    /// Whether the verdict waits for hand counts of tables already drawn.
    pub waiting: bool,
}

/// Recomputes an audit: draws from `seed` in rounds as [`Escalation`] asks
/// (at most one round per call beyond what is counted), uses `counts` (per
/// table id: the log index of the hand count and the votes found, in contest
/// order) for every draw of a counted table, and stops at the first drawn
/// table not counted yet: the board counts the round's remaining tables next.
pub fn progress(
    batches: &ContestBatches,
    seed: &[u8],
    risk_limit: f64,
    counts: &HashMap<String, (u64, Vec<u64>)>,
) -> Result<Progress, AuditError> {
    let (winner, runner_up) =
        batches.leaders().ok_or(AuditError::Empty("the contest has fewer than two candidates with counted votes"))?;
    let audit = BatchAudit::new(&batches.totals, winner, batches.batches.clone())?;
    let policy = Escalation { risk_limit, max_draws: audit.batches().len() as u64 };
    let mut g = Generator::new(seed);
    let mut m = audit.measure();
    let mut draws = Vec::new();
    let initial_draws = audit.expected_draws(risk_limit)?;
    loop {
        let verdict = policy.verdict(&m)?;
        let Verdict::DrawMore(n) = verdict else {
            return Ok(Progress {
                winner,
                runner_up,
                total_bound: audit.total_bound(),
                initial_draws,
                draws,
                p_value: m.p_value(),
                verdict,
                waiting: false,
            });
        };
        let round = audit.sampler().draws(&mut g, n);
        let mut waiting = false;
        for i in round {
            let table = audit.batches()[i].id.clone();
            let counted = match (waiting, counts.get(&table)) {
                (false, Some((index, votes))) => {
                    let taint = audit.taint(i, votes)?;
                    m.record(taint);
                    Some((*index, taint))
                }
                _ => {
                    waiting = true;
                    None
                }
            };
            draws.push(Draw { table, counted });
        }
        if waiting {
            return Ok(Progress {
                winner,
                runner_up,
                total_bound: audit.total_bound(),
                initial_draws,
                draws,
                p_value: m.p_value(),
                verdict,
                waiting: true,
            });
        }
    }
}
