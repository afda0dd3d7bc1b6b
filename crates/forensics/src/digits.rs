//! Digit tests on counts (second-digit Benford, last digit, 0/5 endings) and
//! the turnout tests (round percentages, skewness, kurtosis), with seeded
//! bootstrap intervals.

use serde::Serialize;

use crate::stats::{binomial, chi2_sf, multinomial, percentile_interval, skew_kurtosis};

/// Benford's second-digit probabilities q_d = Σ_{k=1..9} log10(1 + 1/(10k + d)).
pub fn benford_second() -> [f64; 10] {
    let mut q = [0.0; 10];
    for (d, qd) in q.iter_mut().enumerate() {
        *qd = (1..=9).map(|k| (1.0 + 1.0 / (10 * k + d) as f64).log10()).sum();
    }
    q
}

/// The second digit of a count ≥ 10.
fn second_digit(mut x: u64) -> usize {
    while x >= 100 {
        x /= 10;
    }
    (x % 10) as usize
}

/// Pearson χ² of observed digit counts against expected probabilities.
fn pearson(counts: &[u64; 10], probs: &[f64; 10]) -> f64 {
    let n: u64 = counts.iter().sum();
    let n = n as f64;
    counts.iter().zip(probs).map(|(&c, &p)| (c as f64 - n * p).powi(2) / (n * p)).sum()
}

fn digit_mean(counts: &[u64]) -> f64 {
    let n: u64 = counts.iter().sum();
    counts.iter().enumerate().map(|(d, &c)| d as f64 * c as f64).sum::<f64>() / n as f64
}

/// A mean or share with its bootstrap interval.
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    /// The value on the data.
    pub value: f64,
    /// The bootstrap percentile interval (`[lo, hi]`), at [`crate::Options::level`].
    pub ci: [f64; 2],
}

/// A χ² test of digit counts against a reference distribution.
#[derive(Clone, Debug, Serialize)]
pub struct DigitTest {
    /// Counts tested.
    pub n: u64,
    /// Which counts were tested.
    pub rule: &'static str,
    /// Mean digit, with its interval.
    pub mean: Estimate,
    /// The mean under the reference distribution.
    pub expected_mean: f64,
    /// Pearson χ² statistic.
    pub chi2: f64,
    /// Degrees of freedom.
    pub df: u32,
    /// P(χ²_df ≥ chi2).
    pub p: f64,
    /// How many counts had each digit 0–9.
    pub counts: [u64; 10],
    /// The reference probabilities of digits 0–9.
    pub expected: [f64; 10],
}

/// The digit tests of one series of counts.
#[derive(Clone, Debug, Serialize)]
pub struct DigitReport {
    /// Second-digit Benford (2BL).
    pub second_digit: DigitTest,
    /// Last-digit uniformity.
    pub last_digit: DigitTest,
    /// Share of counts ending in 0 or 5 (C05s; 0.2 if last digits are uniform).
    pub c05s: Estimate,
    /// Counts the C05s share is over.
    pub c05s_n: u64,
    /// Which counts the C05s share is over.
    pub c05s_rule: &'static str,
}

/// Bootstrap settings.
#[derive(Clone, Copy, Debug)]
pub struct Boot {
    /// Resamples.
    pub resamples: usize,
    /// Interval level.
    pub level: f64,
    /// Seed.
    pub seed: u64,
}

fn mean_ci(counts: &[u64; 10], boot: Boot, salt: u64) -> [f64; 2] {
    let n: u64 = counts.iter().sum();
    if n == 0 || boot.resamples == 0 {
        return [f64::NAN, f64::NAN];
    }
    // Resampling n values with replacement from a 10-valued sample is a
    // multinomial draw of its digit frequencies: the same bootstrap at 10 draws per resample.
    let freq: Vec<f64> = counts.iter().map(|&c| c as f64 / n as f64).collect();
    let mut rng = testigo_rng::seeded(boot.seed ^ salt);
    let means = (0..boot.resamples).map(|_| digit_mean(&multinomial(&mut rng, n, &freq))).collect();
    let (lo, hi) = percentile_interval(means, boot.level);
    [lo, hi]
}

fn share_ci(hits: u64, n: u64, boot: Boot, salt: u64) -> [f64; 2] {
    if n == 0 || boot.resamples == 0 {
        return [f64::NAN, f64::NAN];
    }
    // Likewise a resampled share is a binomial draw.
    let mut rng = testigo_rng::seeded(boot.seed ^ salt);
    let p = hits as f64 / n as f64;
    let shares = (0..boot.resamples).map(|_| binomial(&mut rng, n, p) as f64 / n as f64).collect();
    let (lo, hi) = percentile_interval(shares, boot.level);
    [lo, hi]
}

/// Mixes a salt into bootstrap seeds so each statistic and group draws its own stream.
pub fn salt(parts: &[u64]) -> u64 {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for &p in parts {
        x = (x ^ p).wrapping_mul(0xBF58_476D_1CE4_E5B9).rotate_left(31);
    }
    x
}

/// The inclusion rule of the second- and last-digit tests.
pub const RULE_GE10: &str = "counts >= 10";
/// The inclusion rule of C05s.
pub const RULE_ALL: &str = "all counts, zeros included";

/// Runs the digit tests on one series of counts.
pub fn digit_report(values: impl Iterator<Item = u64>, boot: Boot, salt_base: u64) -> DigitReport {
    let (mut second, mut last) = ([0u64; 10], [0u64; 10]);
    let (mut c05, mut all) = (0u64, 0u64);
    for v in values {
        all += 1;
        if v % 5 == 0 {
            c05 += 1;
        }
        if v >= 10 {
            second[second_digit(v)] += 1;
            last[(v % 10) as usize] += 1;
        }
    }
    let q = benford_second();
    let uniform = [0.1; 10];
    let test = |counts: [u64; 10], probs: [f64; 10], s: u64| {
        let n: u64 = counts.iter().sum();
        let chi2 = if n > 0 { pearson(&counts, &probs) } else { f64::NAN };
        DigitTest {
            n,
            rule: RULE_GE10,
            mean: Estimate { value: if n > 0 { digit_mean(&counts) } else { f64::NAN }, ci: mean_ci(&counts, boot, s) },
            expected_mean: probs.iter().enumerate().map(|(d, p)| d as f64 * p).sum(),
            chi2,
            df: 9,
            p: if n > 0 { chi2_sf(chi2, 9.0) } else { f64::NAN },
            counts,
            expected: probs,
        }
    };
    DigitReport {
        second_digit: test(second, q, salt(&[salt_base, 1])),
        last_digit: test(last, uniform, salt(&[salt_base, 2])),
        c05s: Estimate {
            value: if all > 0 { c05 as f64 / all as f64 } else { f64::NAN },
            ci: share_ci(c05, all, boot, salt(&[salt_base, 3])),
        },
        c05s_n: all,
        c05s_rule: RULE_ALL,
    }
}

/// The turnout tests of a set of units.
#[derive(Clone, Debug, Serialize)]
pub struct TurnoutReport {
    /// Units with a turnout (registered > 0).
    pub n: u64,
    /// Which units count.
    pub rule: &'static str,
    /// Mean turnout.
    pub mean: f64,
    /// Share of units whose round(100·turnout) ends in 0 or 5 (P05s; 0.2 if uniform).
    pub p05s: Estimate,
    /// Skewness of turnout (0 for a symmetric distribution).
    pub skewness: f64,
    /// Kurtosis of turnout, not excess (3 for a normal distribution).
    pub kurtosis: f64,
}

/// The inclusion rule of the turnout tests.
pub const RULE_TURNOUT: &str = "units with registered > 0; turnout = voters / registered";

/// Runs the turnout tests on (voters, registered) pairs.
pub fn turnout_report(pairs: impl Iterator<Item = (u64, u64)>, boot: Boot, salt_base: u64) -> TurnoutReport {
    let mut t = Vec::new();
    let mut p05 = 0u64;
    for (v, r) in pairs {
        if r == 0 {
            continue;
        }
        let x = v as f64 / r as f64;
        // Half away from zero, as R's round does not (R rounds half to even); the
        // published Albania table is reproduced either way, since no station's
        // 100·turnout falls on a half.
        if ((100.0 * x).round() as u64).is_multiple_of(5) {
            p05 += 1;
        }
        t.push(x);
    }
    let n = t.len() as u64;
    let (skewness, kurtosis) = skew_kurtosis(&t);
    TurnoutReport {
        n,
        rule: RULE_TURNOUT,
        mean: if n > 0 { t.iter().sum::<f64>() / n as f64 } else { f64::NAN },
        p05s: Estimate {
            value: if n > 0 { p05 as f64 / n as f64 } else { f64::NAN },
            ci: share_ci(p05, n, boot, salt(&[salt_base, 4])),
        },
        skewness,
        kurtosis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benford_second_digit_probabilities() {
        let q = benford_second();
        assert!((q[0] - 0.11968).abs() < 5e-6 && (q[9] - 0.08500).abs() < 5e-6);
        assert!((q.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(second_digit(10), 0);
        assert_eq!(second_digit(4_71), 7);
    }
}
