//! Ballot-level comparison audits: the Kaplan–Markov p-value with error
//! inflation γ (Stark 2010, "Super-simple simultaneous single-ballot
//! risk-limiting audits"), and the sample size it implies.
//!
//! Each sampled ballot's hand reading is compared with its machine record.
//! Discrepancies are counted by their effect on the diluted margin m (the
//! smallest margin in votes divided by all ballots): `o1`/`o2` one-/two-vote
//! overstatements of the winner's margin, `u1`/`u2` understatements.

use crate::{check_margin, check_risk_limit, AuditError};

/// The error inflation factor the published tables and reference tools use.
pub const GAMMA: f64 = 1.03905;

/// Discrepancies found in a comparison sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Discrepancies {
    /// One-vote overstatements.
    pub o1: u64,
    /// Two-vote overstatements.
    pub o2: u64,
    /// One-vote understatements.
    pub u1: u64,
    /// Two-vote understatements.
    pub u2: u64,
}

impl Discrepancies {
    /// The discrepancies' contribution to ln P: o1 ln(1 − 1/(2γ)) + o2 ln(1 − 1/γ)
    /// + u1 ln(1 + 1/(2γ)) + u2 ln(1 + 1/γ), with the sign such that P is divided
    ///   by each factor.
    fn log_factor(&self, gamma: f64) -> f64 {
        self.o1 as f64 * (1.0 - 1.0 / (2.0 * gamma)).ln()
            + self.o2 as f64 * (1.0 - 1.0 / gamma).ln()
            + self.u1 as f64 * (1.0 + 1.0 / (2.0 * gamma)).ln()
            + self.u2 as f64 * (1.0 + 1.0 / gamma).ln()
    }
}

fn check_gamma(gamma: f64) -> Result<(), AuditError> {
    // γ ≤ 1 makes two-vote overstatements impossible to absorb (ln(1 − 1/γ) undefined).
    if gamma > 1.0 && gamma.is_finite() {
        Ok(())
    } else {
        Err(AuditError::Parameter {
            what: "the error inflation γ",
            value: gamma,
            expected: "above 1 (1.03905 is usual)",
        })
    }
}

/// Ballots to sample so that, with the given discrepancies, the Kaplan–Markov
/// bound falls to α: n = ceil(−2γ [ln α + o1 ln(1−1/(2γ)) + o2 ln(1−1/γ) +
/// u1 ln(1+1/(2γ)) + u2 ln(1+1/γ)] / m) — the published approximation that
/// replaces ln(1 − m/(2γ)) by −m/(2γ).
pub fn sample_size(diluted_margin: f64, risk_limit: f64, gamma: f64, found: &Discrepancies) -> Result<u64, AuditError> {
    check_margin(diluted_margin)?;
    check_risk_limit(risk_limit)?;
    check_gamma(gamma)?;
    let n = -2.0 * gamma * (risk_limit.ln() + found.log_factor(gamma)) / diluted_margin;
    Ok(n.ceil().max(0.0) as u64)
}

/// The Kaplan–Markov p-value after `n` ballots with the given discrepancies:
/// min(1, (1 − m/(2γ))^n / [(1 − 1/(2γ))^o1 (1 − 1/γ)^o2 (1 + 1/(2γ))^u1 (1 + 1/γ)^u2]).
pub fn p_value(diluted_margin: f64, n: u64, gamma: f64, found: &Discrepancies) -> Result<f64, AuditError> {
    check_margin(diluted_margin)?;
    check_gamma(gamma)?;
    let log_p = n as f64 * (1.0 - diluted_margin / (2.0 * gamma)).ln() - found.log_factor(gamma);
    Ok(log_p.exp().min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_inputs() {
        let none = Discrepancies::default();
        assert!(sample_size(0.0, 0.1, GAMMA, &none).is_err());
        assert!(sample_size(0.1, 0.0, GAMMA, &none).is_err());
        assert!(sample_size(0.1, 0.1, 1.0, &none).is_err());
        assert!(p_value(1.5, 10, GAMMA, &none).is_err());
    }

    #[test]
    fn understatements_shrink_the_sample() {
        let u = Discrepancies { u1: 1, ..Default::default() };
        let n0 = sample_size(0.05, 0.1, GAMMA, &Discrepancies::default()).ok();
        let n1 = sample_size(0.05, 0.1, GAMMA, &u).ok();
        assert!(n1 < n0);
    }
}
