//! The numerical pieces the tests need, written here rather than pulled in
//! from a statistics crate: the χ² upper tail (regularized incomplete gamma),
//! the normal quantile, binomial and multinomial draws from `testigo-rng`'s
//! generator, and sample moments.

use testigo_rng::RngCore;

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, nine coefficients;
/// relative error below 1e-13 over the range the χ² tail uses).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a):
/// the power series of P below x < a + 1, a continued fraction (modified
/// Lentz) above, where each converges fast.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// P(χ²_df ≥ x): the p-value of a Pearson χ² statistic with `df` degrees of freedom.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    gamma_q(df / 2.0, x / 2.0)
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Acklam's rational
/// approximation, relative error about 1e-9: far below what a rounded
/// binomial draw can notice).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    const LOW: f64 = 0.024_25;
    if p < LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p > 1.0 - LOW {
        -normal_quantile(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Cells of [`NormalTable`].
const NORMAL_CELLS: usize = 4096;

/// Φ⁻¹ at 4,097 evenly spaced probabilities, for normal draws at a table
/// lookup and an interpolation each (the Monte Carlo null draws two per
/// unit per replicate: a billion for a million units and a thousand
/// replicates). The outermost half-cells are clamped, so draws stop at
/// |z| ≈ 3.49: a tail of probability 5e-4 pulled in by a fraction of a
/// standard deviation, which moves no draw's integer-percentage status
/// measurably.
pub struct NormalTable(Vec<f64>);

impl NormalTable {
    /// Builds the table.
    pub fn new() -> Self {
        let cells = NORMAL_CELLS as f64;
        NormalTable((0..=NORMAL_CELLS).map(|i| normal_quantile((i as f64).clamp(0.5, cells - 0.5) / cells)).collect())
    }

    /// A standard normal draw from 32 random bits: the top 12 pick the cell,
    /// the other 20 interpolate within it.
    #[inline]
    pub fn draw(&self, bits: u32) -> f64 {
        let i = (bits >> 20) as usize;
        let f = f64::from(bits & 0xF_FFFF) / 1_048_576.0;
        match (self.0.get(i), self.0.get(i + 1)) {
            (Some(a), Some(b)) => a + (b - a) * f,
            _ => 0.0,
        }
    }
}

impl Default for NormalTable {
    fn default() -> Self {
        Self::new()
    }
}

/// A uniform in (0, 1) from 32 random bits (never 0 or 1, so quantiles stay finite).
#[inline]
pub fn unit_open(bits: u32) -> f64 {
    (f64::from(bits) + 0.5) / 4_294_967_296.0
}

/// Below this variance a binomial is drawn exactly by inversion; above, as a
/// rounded normal (the discretized normal then matches the binomial's mass
/// on every integer to well under a percent, which is what the
/// integer-percentage null looks at).
pub const NORMAL_VARIANCE: f64 = 25.0;

/// One draw of Binomial(n, p), given one standard-normal-quantile input `u`
/// (used when the variance is large) and the generator for the exact path.
#[inline]
pub fn binomial_with(rng: &mut impl RngCore, n: u64, p: f64, u: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let nf = n as f64;
    let var = nf * p * (1.0 - p);
    if var >= NORMAL_VARIANCE {
        let x = (nf * p + var.sqrt() * normal_quantile(u)).round();
        return x.clamp(0.0, nf) as u64;
    }
    // Inversion from the nearer end, so the loop runs about n·min(p, 1−p) + a few steps.
    let (q, flip) = if p > 0.5 { (1.0 - p, true) } else { (p, false) };
    let v = unit_open((rng.next_u64() >> 32) as u32);
    let ratio = q / (1.0 - q);
    let mut pmf = (1.0 - q).powf(nf);
    let mut cdf = pmf;
    let mut k = 0u64;
    while cdf < v && k < n {
        pmf *= ratio * (nf - k as f64) / (k as f64 + 1.0);
        k += 1;
        cdf += pmf;
        if pmf == 0.0 && k as f64 > nf * q {
            break;
        }
    }
    if flip {
        n - k
    } else {
        k
    }
}

/// One draw of Binomial(n, p).
pub fn binomial(rng: &mut impl RngCore, n: u64, p: f64) -> u64 {
    let u = unit_open((rng.next_u64() >> 32) as u32);
    binomial_with(rng, n, p, u)
}

/// One draw of Multinomial(n, probs), by conditional binomials.
pub fn multinomial(rng: &mut impl RngCore, n: u64, probs: &[f64]) -> Vec<u64> {
    let mut out = vec![0; probs.len()];
    let mut left = n;
    let mut mass = 1.0;
    for (i, &p) in probs.iter().enumerate() {
        if left == 0 {
            break;
        }
        if i + 1 == probs.len() || mass <= 0.0 {
            out[i] = left;
            break;
        }
        let k = binomial(rng, left, (p / mass).clamp(0.0, 1.0));
        out[i] = k;
        left -= k;
        mass -= p;
    }
    out
}

/// Sample skewness and non-excess kurtosis (population moments, m3/m2^1.5 and
/// m4/m2², the convention that reproduces the Election Forensics Toolkit's tables).
pub fn skew_kurtosis(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = xs.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &x in xs {
        let d = x - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    (m3 / m2.powf(1.5), m4 / (m2 * m2))
}

/// The (lo, hi) percentiles of sorted values, nearest rank.
pub fn percentile_interval(mut xs: Vec<f64>, level: f64) -> (f64, f64) {
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| xs[((q * (xs.len() - 1) as f64).round() as usize).min(xs.len() - 1)];
    let tail = (1.0 - level) / 2.0;
    (at(tail), at(1.0 - tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_tail_matches_published_critical_values() {
        // Critical values from standard χ² tables.
        for (x, df, p) in [(3.841, 1.0, 0.05), (16.919, 9.0, 0.05), (21.666, 9.0, 0.01), (27.877, 9.0, 0.001)] {
            let got = chi2_sf(x, df);
            assert!((got - p).abs() < p * 2e-3, "χ²({x}, {df}) tail {got}, expected {p}");
        }
        // Closed forms: df = 2 is exp(−x/2); ln Γ(5) = ln 24.
        assert!((chi2_sf(7.0, 2.0) - (-3.5f64).exp()).abs() < 1e-14);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn normal_quantile_known_values() {
        assert!(normal_quantile(0.5).abs() < 1e-9);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-7);
        assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-7);
    }

    #[test]
    fn binomial_draws_have_the_right_mean_and_variance() {
        let mut rng = testigo_rng::seeded(7);
        for (n, p) in [(20u64, 0.3), (1000, 0.6), (50, 0.97)] {
            let draws: Vec<f64> = (0..200_000).map(|_| binomial(&mut rng, n, p) as f64).collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
            let (m, v) = (n as f64 * p, n as f64 * p * (1.0 - p));
            assert!((mean - m).abs() < 0.02 * m.max(1.0), "n={n} p={p}: mean {mean} vs {m}");
            assert!((var - v).abs() < 0.05 * v, "n={n} p={p}: variance {var} vs {v}");
        }
    }

    #[test]
    fn table_normal_draws_match_the_quantile() {
        let t = NormalTable::new();
        assert!(t.draw(1 << 31).abs() < 1e-9);
        let bits = (0.975 * 4_294_967_296.0) as u32;
        assert!((t.draw(bits) - 1.959_964).abs() < 1e-3);
        let mut rng = testigo_rng::seeded(3);
        let xs: Vec<f64> = (0..200_000).map(|_| t.draw((rng.next_u64() >> 32) as u32)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.01, "mean {mean} variance {var}");
    }

    #[test]
    fn moments_of_a_known_sample() {
        let (s, k) = skew_kurtosis(&[1.0, 2.0, 3.0, 4.0]);
        assert!(s.abs() < 1e-12);
        assert!((k - 1.64).abs() < 1e-12);
    }
}
