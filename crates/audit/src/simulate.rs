//! Seeded simulations of a batch audit with injected errors: how often the
//! audit needs more than its initial sample, how often it ends in a full hand
//! count, and how many draws it takes on average.
//!
//! Each trial picks `error_batches` distinct batches uniformly at random among
//! those with a positive error bound and gives each the taint `taint` (the
//! fraction of its error bound by which its reported counts overstate the
//! winner's margin; 1 is the worst a batch can err); every other batch is
//! counted exactly as reported. The audit then runs as [`Escalation`] says:
//! the initial draws, more while P > α, until the risk limit is met or a full
//! hand count is required. All randomness comes from one [`Generator`] over
//! the seed, so a seed reproduces a simulation exactly.

use crate::batch::{BatchAudit, Escalation, Verdict};
use crate::seed::Generator;
use crate::AuditError;

/// What to simulate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Simulation {
    /// When the audit stops (risk limit and the draws after which it hand-counts everything).
    pub escalation: Escalation,
    /// How many batches carry an error in each trial.
    pub error_batches: usize,
    /// The taint of each erroneous batch, in (0, 1].
    pub taint: f64,
    /// How many audits to simulate.
    pub trials: u64,
}

/// What the simulated audits did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Audits simulated.
    pub trials: u64,
    /// Draws in the initial sample (zero errors would stop there).
    pub initial_draws: u64,
    /// Audits that needed more than the initial sample.
    pub escalated: u64,
    /// Audits that ended in a full hand count.
    pub full_counts: u64,
    /// Mean draws per audit (audits ending in a full count counted at the draws made).
    pub mean_draws: f64,
    /// Mean distinct batches hand-counted per audit before any full count.
    pub mean_distinct: f64,
}

/// Runs `sim` on `audit` with randomness from `seed`.
pub fn run(audit: &BatchAudit, sim: &Simulation, seed: &[u8]) -> Result<Outcome, AuditError> {
    if !(sim.taint > 0.0 && sim.taint <= 1.0) && sim.error_batches > 0 {
        return Err(AuditError::Parameter {
            what: "the taint of an erroneous batch",
            value: sim.taint,
            expected: "in (0, 1] (1: the batch is as wrong as it can be)",
        });
    }
    let eligible: Vec<usize> = (0..audit.bounds().len()).filter(|&i| audit.bounds()[i] > 0.0).collect();
    if sim.error_batches > eligible.len() {
        return Err(AuditError::Parameter {
            what: "the number of erroneous batches",
            value: sim.error_batches as f64,
            expected: "at most the number of batches with a positive error bound",
        });
    }
    let mut g = Generator::new(seed);
    let initial_draws = audit.expected_draws(sim.escalation.risk_limit)?;
    let mut taint = vec![0.0f64; audit.bounds().len()];
    let mut pool = eligible.clone();
    let (mut escalated, mut full_counts, mut draws_sum, mut distinct_sum) = (0u64, 0u64, 0u64, 0u64);
    for _ in 0..sim.trials {
        // Partial Fisher–Yates over the eligible batches: the first K are erroneous.
        for k in 0..sim.error_batches {
            let j = k + g.next_below((pool.len() - k) as u64) as usize;
            pool.swap(k, j);
            taint[pool[k]] = sim.taint;
        }
        let mut m = audit.measure();
        let mut drawn: Vec<usize> = Vec::new();
        let mut more = false;
        loop {
            match sim.escalation.verdict(&m)? {
                Verdict::RiskLimitMet => break,
                Verdict::FullHandCount => {
                    full_counts += 1;
                    break;
                }
                Verdict::DrawMore(k) => {
                    // Asked for draws after the initial sample: this audit escalated.
                    more |= m.draws() > 0;
                    for _ in 0..k {
                        let i = audit.sampler().draw(&mut g);
                        m.record(taint[i]);
                        drawn.push(i);
                    }
                }
            }
        }
        // An audit that escalated several times counts once.
        escalated += u64::from(more);
        draws_sum += m.draws();
        drawn.sort_unstable();
        drawn.dedup();
        distinct_sum += drawn.len() as u64;
        for &i in &pool[..sim.error_batches] {
            taint[i] = 0.0;
        }
    }
    let n = sim.trials.max(1) as f64;
    Ok(Outcome {
        trials: sim.trials,
        initial_draws,
        escalated,
        full_counts,
        mean_draws: draws_sum as f64 / n,
        mean_distinct: distinct_sum as f64 / n,
    })
}
