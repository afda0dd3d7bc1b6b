//! BRAVO ballot-polling audits (Lindeman, Stark & Yates 2012).
//!
//! Ballots are drawn at random with replacement; each ballot for the reported
//! winner multiplies the test statistic T by 2·s_w, each for the loser by
//! 2·(1 − s_w), where s_w is the winner's reported share of the two
//! candidates' votes; other ballots leave T unchanged. T is a likelihood ratio
//! of "the reported shares" against "a tie", so by Wald's sequential test the
//! audit may stop once T ≥ 1/α. The p-value reported is min(1, 1/T), as the
//! public reference implementations report it.

use crate::{check_margin, check_risk_limit, AuditError};

/// Average sample number: the expected number of ballots (all for the winner
/// or the loser) to draw before a two-candidate BRAVO audit stops, if the
/// reported shares are right (LSY 2012 §9.2):
/// ceil([ln(1/α) + ln(2 s_w)/2] / [p_w ln(2 s_w) + p_l ln(2 − 2 s_w)]), with
/// s_w = p_w = (1 + m)/2 and p_l = 1 − p_w.
pub fn asn(margin: f64, risk_limit: f64) -> Result<u64, AuditError> {
    check_margin(margin)?;
    check_risk_limit(risk_limit)?;
    let sw = (1.0 + margin) / 2.0;
    let (pw, pl) = (sw, 1.0 - sw);
    let num = (1.0 / risk_limit).ln() + (2.0 * sw).ln() / 2.0;
    let den = pw * (2.0 * sw).ln() + pl * (2.0 - 2.0 * sw).ln();
    Ok((num / den).ceil() as u64)
}

/// Expected ballots of any kind to draw when a share `pair_share` of the
/// ballots are for the winner or the loser (the rest leave T unchanged), so
/// [`asn`] is divided by that share and rounded up.
pub fn asn_all_ballots(margin: f64, risk_limit: f64, pair_share: f64) -> Result<u64, AuditError> {
    let n = asn(margin, risk_limit)?;
    if !(pair_share > 0.0 && pair_share <= 1.0) {
        return Err(AuditError::Parameter {
            what: "the share of ballots for the two candidates",
            value: pair_share,
            expected: "in (0, 1]",
        });
    }
    Ok((n as f64 / pair_share).ceil() as u64)
}

/// The natural logarithm of BRAVO's test statistic T after `sample_winner`
/// ballots for the winner and `sample_loser` for the loser, with reported
/// votes `reported_winner` and `reported_loser`. Computed as a logarithm so
/// that large samples do not overflow.
pub fn log_statistic(
    reported_winner: u64,
    reported_loser: u64,
    sample_winner: u64,
    sample_loser: u64,
) -> Result<f64, AuditError> {
    if reported_winner <= reported_loser {
        return Err(AuditError::NotAhead {
            winner: 0,
            loser: 1,
            winner_votes: reported_winner,
            loser_votes: reported_loser,
        });
    }
    let sw = reported_winner as f64 / (reported_winner + reported_loser) as f64;
    Ok(sample_winner as f64 * (2.0 * sw).ln() + sample_loser as f64 * (2.0 - 2.0 * sw).ln())
}

/// BRAVO's p-value for two candidates: min(1, 1/T).
pub fn p_value(
    reported_winner: u64,
    reported_loser: u64,
    sample_winner: u64,
    sample_loser: u64,
) -> Result<f64, AuditError> {
    let log_t = log_statistic(reported_winner, reported_loser, sample_winner, sample_loser)?;
    Ok((-log_t).exp().min(1.0))
}

/// BRAVO with several candidates and one winner: the winner is tested against
/// every loser separately on the same sample (ballots for third candidates
/// are ignored in each pair), and the audit's p-value is the largest of the
/// pairwise p-values — the outcome is confirmed only when the winner beats
/// every loser. `reported` and `sample` hold one count per candidate.
pub fn p_value_multi(reported: &[u64], sample: &[u64], winner: usize) -> Result<f64, AuditError> {
    if reported.len() != sample.len() {
        return Err(AuditError::Candidates { what: "the sample".into(), got: sample.len(), expected: reported.len() });
    }
    if winner >= reported.len() {
        return Err(AuditError::Index { what: "winner", index: winner, len: reported.len() });
    }
    let mut worst: f64 = 0.0;
    for loser in (0..reported.len()).filter(|&l| l != winner) {
        let p = p_value(reported[winner], reported[loser], sample[winner], sample[loser]).map_err(|_| {
            AuditError::NotAhead { winner, loser, winner_votes: reported[winner], loser_votes: reported[loser] }
        })?;
        worst = worst.max(p);
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_inputs() {
        assert!(asn(0.0, 0.1).is_err());
        assert!(asn(0.1, 1.0).is_err());
        assert!(p_value(10, 10, 1, 1).is_err());
        assert!(p_value_multi(&[3, 2], &[1], 0).is_err());
        assert!(p_value_multi(&[3, 2], &[1, 1], 2).is_err());
        assert!(matches!(p_value_multi(&[3, 4], &[1, 1], 0), Err(AuditError::NotAhead { loser: 1, .. })));
    }

    #[test]
    fn an_empty_sample_proves_nothing() {
        assert_eq!(p_value(60, 40, 0, 0).ok(), Some(1.0));
        assert_eq!(p_value_multi(&[60, 30, 10], &[0, 0, 0], 0).ok(), Some(1.0));
    }
}
