//! Batch-level comparison audits: Kaplan–Markov with MACRO error bounds and
//! batches drawn with probability proportional to their error bounds (PPEB).
//! Stark (2009), "Risk-limiting post-election audits: P-values from common
//! probability inequalities"; Lindeman (2010), "A Kaplan-Markov auditing
//! example using 2008 California data".
//!
//! For batch p with b_p ballots, reported votes v_·p and hand-counted votes
//! a_·p, winner w, and each reported loser ℓ with contest-wide margin
//! V_wℓ = V_w − V_ℓ:
//!
//! - error bound u_p = max_ℓ (b_p + v_wp − v_ℓp) / V_wℓ — the most a batch's
//!   reporting could have overstated any pairwise margin, as a fraction of it;
//! - overstatement e_p = max_ℓ [(v_wp − a_wp) − (v_ℓp − a_ℓp)] / V_wℓ (MACRO);
//! - taint t_p = e_p / u_p ≤ 1;
//! - U = Σ u_p over all batches; if U < 1 no error confined to the batches
//!   could change the outcome.
//!
//! Batches are drawn with replacement with probability u_p / U; after the
//! draws, P = Π over draws (1 − 1/U) / (1 − t_p), and the reported outcome is
//! confirmed at risk limit α once P ≤ α.

use crate::sample::Ppeb;
use crate::{check_risk_limit, AuditError};

/// One batch (a table, a precinct) as reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The batch's identifier, as published.
    pub id: String,
    /// b_p: an upper bound on the ballots in the batch (see the caller's documentation for its choice).
    pub ballots: u64,
    /// Reported votes per candidate, in contest order.
    pub votes: Vec<u64>,
}

/// The reported contest: totals per candidate and the reported winner, with
/// the pairwise margins V_wℓ against every loser.
#[derive(Clone, Debug)]
pub struct Margins {
    winner: usize,
    /// (loser index, V_w − V_ℓ > 0).
    losers: Vec<(usize, u64)>,
    candidates: usize,
}

impl Margins {
    /// The margins of `winner` over every other candidate of `totals`; refused
    /// if the winner is not strictly ahead of every one.
    pub fn new(totals: &[u64], winner: usize) -> Result<Self, AuditError> {
        let vw = *totals.get(winner).ok_or(AuditError::Index { what: "winner", index: winner, len: totals.len() })?;
        let mut losers = Vec::with_capacity(totals.len().saturating_sub(1));
        for (l, &vl) in totals.iter().enumerate().filter(|&(l, _)| l != winner) {
            if vl >= vw {
                return Err(AuditError::NotAhead { winner, loser: l, winner_votes: vw, loser_votes: vl });
            }
            losers.push((l, vw - vl));
        }
        if losers.is_empty() {
            return Err(AuditError::Empty("the contest has one candidate, so there is no outcome to audit"));
        }
        Ok(Margins { winner, losers, candidates: totals.len() })
    }

    /// The reported winner's index.
    pub fn winner(&self) -> usize {
        self.winner
    }

    /// The smallest pairwise margin V_wℓ in votes, and that loser (the runner-up).
    pub fn smallest(&self) -> (usize, u64) {
        self.losers.iter().copied().min_by_key(|&(l, m)| (m, l)).unwrap_or((self.winner, 0))
    }

    fn check(&self, what: &str, votes: &[u64]) -> Result<(), AuditError> {
        if votes.len() == self.candidates {
            Ok(())
        } else {
            Err(AuditError::Candidates { what: what.into(), got: votes.len(), expected: self.candidates })
        }
    }

    /// u_p = max_ℓ (b_p + v_wp − v_ℓp) / V_wℓ.
    pub fn error_bound(&self, ballots: u64, votes: &[u64]) -> Result<f64, AuditError> {
        self.check("the batch's reported votes", votes)?;
        let vw = votes[self.winner] as f64;
        Ok(self
            .losers
            .iter()
            .map(|&(l, m)| (ballots as f64 + vw - votes[l] as f64) / m as f64)
            .fold(f64::NEG_INFINITY, f64::max))
    }

    /// e_p = max_ℓ [(v_wp − a_wp) − (v_ℓp − a_ℓp)] / V_wℓ: how much the
    /// reported counts overstated the winner's margin, as a fraction of it
    /// (negative when the hand count favours the winner more).
    pub fn overstatement(&self, reported: &[u64], audited: &[u64]) -> Result<f64, AuditError> {
        self.check("the batch's reported votes", reported)?;
        self.check("the batch's hand count", audited)?;
        let w = reported[self.winner] as f64 - audited[self.winner] as f64;
        Ok(self
            .losers
            .iter()
            .map(|&(l, m)| (w - (reported[l] as f64 - audited[l] as f64)) / m as f64)
            .fold(f64::NEG_INFINITY, f64::max))
    }

    /// t_p = e_p / u_p for a batch with `ballots` and `reported` votes, hand-counted as `audited`.
    pub fn taint(&self, ballots: u64, reported: &[u64], audited: &[u64]) -> Result<f64, AuditError> {
        let u = self.error_bound(ballots, reported)?;
        let e = self.overstatement(reported, audited)?;
        // u_p > 0 whenever b_p counts the batch's own votes; a batch with no
        // room for error cannot carry a taint.
        Ok(if u > 0.0 { e / u } else { 0.0 })
    }
}

/// Draws needed, if every drawn batch is found without error, for P ≤ α:
/// n = ceil(ln α / ln(1 − 1/U)). Zero when U ≤ 1 (no error confined to the
/// batches can change the outcome; the audit has nothing to check).
pub fn expected_draws(total_bound: f64, risk_limit: f64) -> Result<u64, AuditError> {
    check_risk_limit(risk_limit)?;
    if total_bound <= 1.0 {
        return Ok(0);
    }
    Ok((risk_limit.ln() / (1.0 - 1.0 / total_bound).ln()).ceil() as u64)
}

/// The running Kaplan–Markov product over the draws so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measure {
    total_bound: f64,
    log_p: f64,
    draws: u64,
}

impl Measure {
    /// No draws yet (P = 1) for a contest with total error bound U.
    pub fn new(total_bound: f64) -> Self {
        Measure { total_bound, log_p: 0.0, draws: 0 }
    }

    /// Records one draw whose batch has taint `taint`: P ·= (1 − 1/U)/(1 − t).
    /// A taint of 1 or more (the batch erred by its whole bound) makes P infinite.
    pub fn record(&mut self, taint: f64) {
        self.draws += 1;
        self.log_p += (1.0 - 1.0 / self.total_bound).ln() - (1.0 - taint).ln();
        if taint >= 1.0 || self.log_p.is_nan() {
            self.log_p = f64::INFINITY;
        }
    }

    /// The product P itself (it may exceed 1).
    pub fn product(&self) -> f64 {
        self.log_p.exp()
    }

    /// The p-value min(1, P).
    pub fn p_value(&self) -> f64 {
        self.product().min(1.0)
    }

    /// Draws recorded.
    pub fn draws(&self) -> u64 {
        self.draws
    }
}

/// When an audit stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Escalation {
    /// The risk limit α.
    pub risk_limit: f64,
    /// Draws after which the audit gives up and counts everything by hand
    /// (the number of batches is a natural choice: by then a full count is about as much work).
    pub max_draws: u64,
}

/// What the audit says after the draws so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// P ≤ α: the reported outcome stands at this risk limit.
    RiskLimitMet,
    /// Draw this many more batches (the number that, found without error, would bring P to α).
    DrawMore(u64),
    /// Stop sampling and hand-count every batch: P cannot reach α within the
    /// allowed draws (or a batch erred by its whole bound).
    FullHandCount,
}

impl Escalation {
    /// The verdict for `m`.
    pub fn verdict(&self, m: &Measure) -> Result<Verdict, AuditError> {
        check_risk_limit(self.risk_limit)?;
        let log_alpha = self.risk_limit.ln();
        if m.log_p <= log_alpha {
            return Ok(Verdict::RiskLimitMet);
        }
        if !m.log_p.is_finite() || m.total_bound <= 1.0 {
            return Ok(Verdict::FullHandCount);
        }
        let more = ((log_alpha - m.log_p) / (1.0 - 1.0 / m.total_bound).ln()).ceil().max(1.0) as u64;
        if m.draws.saturating_add(more) > self.max_draws {
            Ok(Verdict::FullHandCount)
        } else {
            Ok(Verdict::DrawMore(more))
        }
    }
}

/// A batch audit of one contest: the batches, their error bounds and U.
#[derive(Clone, Debug)]
pub struct BatchAudit {
    margins: Margins,
    batches: Vec<Batch>,
    bounds: Vec<f64>,
    ppeb: Ppeb,
}

impl BatchAudit {
    /// The audit of `winner` over the reported `totals` (of every batch,
    /// including those not listed), with `batches` the batches to draw from.
    pub fn new(totals: &[u64], winner: usize, batches: Vec<Batch>) -> Result<Self, AuditError> {
        let margins = Margins::new(totals, winner)?;
        let bounds = batches.iter().map(|b| margins.error_bound(b.ballots, &b.votes)).collect::<Result<Vec<_>, _>>()?;
        let ppeb = Ppeb::new(&bounds)?;
        Ok(BatchAudit { margins, batches, bounds, ppeb })
    }

    /// The contest's margins.
    pub fn margins(&self) -> &Margins {
        &self.margins
    }

    /// The batches, in the order given (the order draws index into).
    pub fn batches(&self) -> &[Batch] {
        &self.batches
    }

    /// u_p of each batch.
    pub fn bounds(&self) -> &[f64] {
        &self.bounds
    }

    /// U = Σ u_p.
    pub fn total_bound(&self) -> f64 {
        self.ppeb.total()
    }

    /// The PPEB sampler over the batches.
    pub fn sampler(&self) -> &Ppeb {
        &self.ppeb
    }

    /// Draws needed at risk limit α if no error is found.
    pub fn expected_draws(&self, risk_limit: f64) -> Result<u64, AuditError> {
        expected_draws(self.total_bound(), risk_limit)
    }

    /// Taint of batch `index` when hand-counted as `audited`.
    pub fn taint(&self, index: usize, audited: &[u64]) -> Result<f64, AuditError> {
        let b = self.batches.get(index).ok_or(AuditError::Index { what: "batch", index, len: self.batches.len() })?;
        self.margins.taint(b.ballots, &b.votes, audited)
    }

    /// A fresh measure for this audit (P = 1).
    pub fn measure(&self) -> Measure {
        Measure::new(self.total_bound())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit() -> BatchAudit {
        let batches = vec![
            Batch { id: "a".into(), ballots: 100, votes: vec![60, 40] },
            Batch { id: "b".into(), ballots: 100, votes: vec![55, 45] },
        ];
        BatchAudit::new(&[115, 85], 0, batches).unwrap()
    }

    #[test]
    fn bounds_and_taints_follow_the_formulas() {
        let a = audit();
        assert!((a.bounds()[0] - 120.0 / 30.0).abs() < 1e-12);
        assert!((a.total_bound() - (120.0 + 110.0) / 30.0).abs() < 1e-12);
        // Hand count moves 3 votes from winner to loser: e = 6/30.
        assert!((a.taint(0, &[57, 43]).unwrap() - (6.0 / 30.0) / 4.0).abs() < 1e-12);
        assert!(a.taint(5, &[1, 1]).is_err());
        assert!(a.taint(0, &[1]).is_err());
    }

    #[test]
    fn verdicts_escalate_then_give_up() {
        let mut m = Measure::new(20.0);
        let e = Escalation { risk_limit: 0.05, max_draws: 100 };
        let n = expected_draws(20.0, 0.05).unwrap();
        assert_eq!(e.verdict(&m).unwrap(), Verdict::DrawMore(n));
        for _ in 0..n {
            m.record(0.0);
        }
        assert_eq!(e.verdict(&m).unwrap(), Verdict::RiskLimitMet);
        let mut bad = Measure::new(20.0);
        bad.record(0.5);
        assert!(matches!(e.verdict(&bad).unwrap(), Verdict::DrawMore(k) if k > n));
        bad.record(1.0);
        assert_eq!(e.verdict(&bad).unwrap(), Verdict::FullHandCount);
        let tight = Escalation { risk_limit: 0.05, max_draws: 10 };
        assert_eq!(tight.verdict(&Measure::new(20.0)).unwrap(), Verdict::FullHandCount);
    }

    #[test]
    fn a_winner_behind_is_refused() {
        assert!(Margins::new(&[10, 10], 0).is_err());
        assert!(Margins::new(&[10], 0).is_err());
        assert!(Margins::new(&[10, 5], 3).is_err());
        assert_eq!(expected_draws(0.9, 0.05).unwrap(), 0);
    }
}
