//! Risk-limiting audits of a reported election outcome: the mathematics only.
//!
//! A risk-limiting audit hand-counts a random sample of paper (here: of
//! tables' tally sheets or ballots) and stops as soon as the sample gives
//! strong evidence that a full hand count would find the same winner; if it
//! never does, the audit ends in a full hand count. The *risk limit* α is the
//! largest chance that a wrong reported outcome escapes correction.
//!
//! - [`bravo`]: ballot polling (Lindeman, Stark & Yates 2012): expected sample
//!   size and the sequential p-value, two candidates or winner against every loser.
//! - [`comparison`]: ballot-level comparison (Kaplan–Markov with error
//!   inflation γ): sample sizes and p-values.
//! - [`batch`]: batch-level comparison (Kaplan–Markov / MACRO with sampling
//!   proportional to error bounds, Stark 2009, Lindeman 2010): error bounds,
//!   taints, the running p-value, escalation and the verdict.
//! - [`seed`] and [`sample`]: the reproducible sampler (SHA-256 counter mode,
//!   specified in `SAMPLING.md` so anyone can recompute a sample).
//! - [`progress`]: where a logged audit stands: the draws its seed makes, the
//!   hand counts used, the running P and the verdict.
//! - [`simulate`]: seeded simulations of batch audits with injected errors.
//! - [`contest`]: a testigo contest as the audit sees it: each counted table a
//!   batch, and the plan (U, expected tables, expected ballots) `testigo audit plan` prints.
//!
//! The crate does no I/O: callers pass the seed bytes, the reported counts and
//! the hand counts, and record them wherever they must (the log, later).

pub mod batch;
pub mod bravo;
pub mod comparison;
pub mod contest;
pub mod progress;
pub mod sample;
pub mod seed;
pub mod simulate;

pub use batch::{expected_draws, Batch, BatchAudit, Escalation, Verdict};
pub use seed::{seed_from_dice, Generator};

/// Why an audit computation was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuditError {
    /// The risk limit is not strictly between 0 and 1.
    #[error("risk limit {0} is not strictly between 0 and 1: give one like 0.05 (5%)")]
    RiskLimit(f64),
    /// The margin is not strictly between 0 and 1.
    #[error("margin {0} is not strictly between 0 and 1: an audit needs a reported winner ahead of the loser")]
    Margin(f64),
    /// The reported winner does not have more votes than some other candidate.
    #[error(
        "candidate {winner} is not ahead of candidate {loser} in the reported totals \
         ({winner_votes} against {loser_votes}): audit the reported winner, or hand-count everything on a tie"
    )]
    NotAhead {
        /// The winner's index.
        winner: usize,
        /// The loser's index.
        loser: usize,
        /// The winner's reported votes.
        winner_votes: u64,
        /// The loser's reported votes.
        loser_votes: u64,
    },
    /// Counts given for a different number of candidates than the contest has.
    #[error(
        "{what} has {got} candidate counts, the contest has {expected}: give one count per candidate, in contest order"
    )]
    Candidates {
        /// Which input.
        what: String,
        /// The count given.
        got: usize,
        /// The count expected.
        expected: usize,
    },
    /// An index outside the list it points into.
    #[error("{what} {index} is out of range (there are {len}): pass an index from the list given to the audit")]
    Index {
        /// Which index.
        what: &'static str,
        /// The index given.
        index: usize,
        /// The list's length.
        len: usize,
    },
    /// A parameter outside its range.
    #[error("{what} is {value}, but must be {expected}")]
    Parameter {
        /// Which parameter.
        what: &'static str,
        /// The value given.
        value: f64,
        /// The range it must be in, in words.
        expected: &'static str,
    },
    /// Nothing to sample from.
    #[error("nothing to sample: {0}")]
    Empty(&'static str),
}

/// Checks a risk limit α ∈ (0, 1).
pub(crate) fn check_risk_limit(alpha: f64) -> Result<(), AuditError> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(AuditError::RiskLimit(alpha))
    }
}

/// Checks a margin m ∈ (0, 1).
pub(crate) fn check_margin(m: f64) -> Result<(), AuditError> {
    if m > 0.0 && m < 1.0 {
        Ok(())
    } else {
        Err(AuditError::Margin(m))
    }
}
