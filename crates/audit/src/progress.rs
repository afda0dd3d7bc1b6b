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
    // Rounds of draws until a verdict, or until a drawn table waits for its hand count.
    let (verdict, waiting) = loop {
        let verdict = policy.verdict(&m)?;
        let Verdict::DrawMore(n) = verdict else { break (verdict, false) };
        let mut waiting = false;
        for i in audit.sampler().draws(&mut g, n) {
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
            break (verdict, true);
        }
    };
    Ok(Progress {
        winner,
        runner_up,
        total_bound: audit.total_bound(),
        initial_draws,
        draws,
        p_value: m.p_value(),
        verdict,
        waiting,
    })
}

/// Where the audit opened at `audit` stands, from a replayed log alone: the
/// counted tables as they stood at the checkpoint its seed commits to (the
/// batches), the seed (its dice with that checkpoint's root), its risk limit,
/// and the hand counts logged for it (a later count of a table replaces an
/// earlier one). That the root is this log's is for the caller to check
/// against the tiles (`testigo_replay::audit_roots_mismatching`).
pub fn of_logged(
    registry: &testigo_election::Registry,
    audit: &testigo_election::LoggedAudit,
) -> Result<Progress, AuditError> {
    let Some(election) = registry.election() else {
        return Err(AuditError::Empty("the log has no election"));
    };
    if audit.seed.method != "batch_comparison" {
        return Err(AuditError::Empty("only batch-comparison audits are recomputed from the log"));
    }
    let evidence = testigo_tally::Evidence::from_registry_before(registry, audit.seed.checkpoint_size);
    let tally = testigo_tally::tabulate(election, registry.geography(), &evidence, &Default::default());
    let batches =
        crate::contest::ContestBatches::from_tally(registry.geography(), &evidence, &tally.contests[audit.contest]);
    let mut counts = HashMap::new();
    for c in registry.audit_counts().iter().filter(|c| c.count.audit == audit.index) {
        counts.insert(c.count.table.clone(), (c.index, c.votes.to_vec()));
    }
    // The registry accepted only 64 lowercase hex digits.
    let root: Vec<u8> = (0..audit.seed.checkpoint_root.len() / 2)
        .filter_map(|i| u8::from_str_radix(audit.seed.checkpoint_root.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let seed = crate::seed_from_dice(&audit.seed.dice, &root);
    progress(&batches, &seed, f64::from(audit.seed.risk_limit_ppm) / 1e6, &counts)
}

impl Progress {
    /// One line for people: draws, hand counts used, the risk measure and
    /// the verdict code (what `testigo verify` and `testigo tally` print).
    pub fn summary(&self) -> String {
        format!(
            "{} draws, {} hand counts used, P = {:.6}, {}",
            self.draws.len(),
            self.draws.iter().filter(|d| d.counted.is_some()).count(),
            self.p_value,
            self.verdict_code()
        )
    }

    /// The verdict as a stable code: `risk_limit_met`, `full_hand_count`,
    /// `waiting_for_hand_counts` or `draw_more`.
    pub fn verdict_code(&self) -> &'static str {
        match self.verdict {
            Verdict::RiskLimitMet => "risk_limit_met",
            Verdict::FullHandCount => "full_hand_count",
            Verdict::DrawMore(_) if self.waiting => "waiting_for_hand_counts",
            Verdict::DrawMore(_) => "draw_more",
        }
    }
}

/// Every audit of a replayed log as JSON (the server's `/v1/audits`; the
/// same document `testigo audit status --json` prints): per audit its
/// opening, and its draws, risk measure and verdict recomputed from the log,
/// or why they cannot be.
pub fn audits_json(registry: &testigo_election::Registry) -> serde_json::Value {
    let audits: Vec<serde_json::Value> = registry
        .audits()
        .iter()
        .map(|a| {
            let mut v = serde_json::json!({
                "index": a.index,
                "seed": a.seed,
                "hand_counts": registry.audit_counts().iter().filter(|c| c.count.audit == a.index).count(),
            });
            match of_logged(registry, a) {
                Ok(p) => {
                    v["initial_draws"] = p.initial_draws.into();
                    v["total_bound"] = p.total_bound.into();
                    v["p_value"] = p.p_value.into();
                    v["verdict"] = p.verdict_code().into();
                    v["draws"] = p
                        .draws
                        .iter()
                        .map(|d| {
                            serde_json::json!({
                                "table": d.table,
                                "hand_count": d.counted.map(|c| c.0),
                                "taint": d.counted.map(|c| c.1),
                            })
                        })
                        .collect::<Vec<_>>()
                        .into();
                }
                Err(e) => v["error"] = e.to_string().into(),
            }
            v
        })
        .collect();
    serde_json::json!({ "audits": audits })
}
