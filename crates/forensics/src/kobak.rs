//! Integer-percentage spikes (Kobak, Shpilkin & Pshenichnikov 2016, "Integer
//! percentages as electoral falsification fingerprints"): units whose turnout
//! or leader share is a whole percentage, counted against a Monte Carlo null
//! in which every unit's counts are redrawn binomially around its own rates,
//! so that small denominators (where 50 % is common by arithmetic) are
//! accounted for.

use rayon::prelude::*;
use serde::Serialize;
use testigo_rng::RngCore;

use crate::stats::{binomial, NormalTable, NORMAL_VARIANCE};

/// The units the test uses.
pub const RULE: &str = "units with registered >= 100, 0 < voters <= registered; turnout = voters/registered, \
leader share = leader votes/voters; a percentage is integer when 100*ratio is within 0.05 of an integer (inclusive)";

/// The fewest registered voters a unit needs: below, a whole percentage is
/// too likely by arithmetic alone for the null to say much (Kobak et al.
/// leave out the smallest stations for the same reason).
pub const MIN_REGISTERED: u64 = 100;

/// Whether 100·num/den is within ±0.05 of an integer, in exact integer
/// arithmetic: |100·num − k·den| ≤ 0.05·den ⇔ (2000·num mod 20·den) ≤ den or ≥ 19·den.
#[inline]
pub fn is_integer_percent(num: u64, den: u64) -> bool {
    if den == 0 {
        return false;
    }
    let r = (2000 * num) % (20 * den);
    r <= den || r >= 19 * den
}

/// One included unit: its denominators and rates, and its group.
#[derive(Clone, Copy, Debug)]
pub struct KobakUnit {
    /// Registered voters.
    pub registered: u64,
    /// Voters.
    pub voters: u64,
    /// Leader votes.
    pub leader: u64,
    /// Group index (0 if no groups).
    pub group: usize,
}

/// The observed count, the null's mean and spread, and the excess, for one kind of integer unit.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Excess {
    /// Units observed with an integer percentage.
    pub observed: u64,
    /// Mean count over the null replicates.
    pub null_mean: f64,
    /// Standard deviation of the count over the null replicates (the MC sd).
    pub null_sd: f64,
    /// observed − null_mean.
    pub excess: f64,
    /// excess / null_sd.
    pub z: f64,
    /// One-sided Monte Carlo p-value: (1 + replicates with count ≥ observed) / (1 + replicates).
    pub p: f64,
}

/// The integer-percentage test of one set of units.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Kobak {
    /// Units included.
    pub units: u64,
    /// Turnout or leader share integer.
    pub either: Excess,
    /// Leader share integer.
    pub leader: Excess,
    /// Turnout integer.
    pub turnout: Excess,
}

fn flags(u: &KobakUnit, voters: u64, leader: u64) -> (bool, bool) {
    (is_integer_percent(voters, u.registered), is_integer_percent(leader, voters))
}

/// Counts of (either, leader, turnout) per group, for one set of counts.
type Counts = Vec<[u64; 3]>;

fn tally(counts: &mut Counts, group: usize, (t, l): (bool, bool)) {
    let c = &mut counts[group];
    c[0] += u64::from(t || l);
    c[1] += u64::from(l);
    c[2] += u64::from(t);
}

/// A unit's null parameters, computed once for all replicates.
#[derive(Clone, Copy, Debug)]
struct Prepared {
    registered: u64,
    turnout: f64,
    /// n·p and √(n·p·(1−p)) of the voters' binomial.
    mean: f64,
    sd: f64,
    /// Whether the voters' binomial is drawn exactly (small variance).
    exact: bool,
    /// 100 / registered: turnout percentage by a multiplication.
    percent: f64,
    share: f64,
    /// √(share·(1−share)): the leader's standard deviation is this times √voters.
    share_sd: f64,
    group: usize,
}

fn prepare(u: &KobakUnit) -> Prepared {
    let n = u.registered as f64;
    let turnout = u.voters as f64 / n;
    let var = n * turnout * (1.0 - turnout);
    let share = u.leader as f64 / u.voters as f64;
    Prepared {
        registered: u.registered,
        turnout,
        mean: n * turnout,
        sd: var.sqrt(),
        exact: var < NORMAL_VARIANCE,
        percent: 100.0 / n,
        share,
        share_sd: (share * (1.0 - share)).sqrt(),
        group: u.group,
    }
}

/// Whether x is within 0.05 of an integer. Exact for a percentage 100·a/b
/// with b below 10⁷: such a value is 0.05 from an integer exactly or at least
/// 1/(20b) > 1e-8 away from that distance, far beyond the rounding of one
/// multiplication or division, so the 1e-9 slack only absorbs rounding.
#[inline]
fn near_integer(x: f64) -> bool {
    (x - round_nonneg(x)).abs() <= 0.05 + 1e-9
}

/// Rounds a non-negative value half up by truncation: `f64::round` is a
/// library call on baseline x86-64 (no SSE4.1), and this runs four times per
/// unit and replicate. Negative inputs round to 0, which the callers clamp to anyway.
#[inline]
fn round_nonneg(x: f64) -> f64 {
    // Through i64, not u64: one conversion instruction each way on x86-64.
    (x + 0.5).max(0.0) as i64 as f64
}

/// One null replicate: each unit's voters ~ Binomial(registered, turnout),
/// then leader votes ~ Binomial(voters drawn, leader share). Binomials with
/// variance ≥ 25 are drawn as rounded normals from a table
/// ([`NormalTable`]), the rest exactly by inversion.
fn replicate(units: &[Prepared], table: &NormalTable, percent_of: &[f64], groups: usize, seed: u64) -> Counts {
    let mut rng = testigo_rng::seeded(seed);
    let mut counts = vec![[0u64; 3]; groups];
    for u in units {
        // One 64-bit draw feeds both normal draws; the exact small-variance
        // path takes more from the generator as it needs.
        let bits = rng.next_u64();
        let vf = if u.exact {
            binomial(&mut rng, u.registered, u.turnout) as i64 as f64
        } else {
            round_nonneg(u.mean + u.sd * table.draw((bits >> 32) as u32)).min(u.registered as i64 as f64)
        };
        let lf = if vf * u.share * (1.0 - u.share) < NORMAL_VARIANCE {
            binomial(&mut rng, vf as i64 as u64, u.share) as i64 as f64
        } else {
            round_nonneg(vf * u.share + vf.sqrt() * u.share_sd * table.draw(bits as u32)).min(vf)
        };
        let t = near_integer(vf * u.percent);
        // 100/voters from a table: a division per unit was a tenth of the time.
        let s = vf > 0.0 && near_integer(lf * percent_of.get(vf as usize).copied().unwrap_or(0.0));
        tally(&mut counts, u.group, (t, s));
    }
    counts
}

/// The seed of replicate `r`: each replicate has its own stream, so results
/// do not depend on how rayon splits the replicates between threads.
fn replicate_seed(seed: u64, r: u64) -> u64 {
    crate::digits::salt(&[seed, 0x4B6F_6261_6B00, r])
}

/// Runs the test: the overall result first, then one per group (`groups` of them).
pub fn kobak(units: &[KobakUnit], groups: usize, replicates: usize, seed: u64) -> (Kobak, Vec<Kobak>) {
    let groups = groups.max(1);
    let mut observed = vec![[0u64; 3]; groups];
    let mut sizes = vec![0u64; groups];
    for u in units {
        tally(&mut observed, u.group, flags(u, u.voters, u.leader));
        sizes[u.group] += 1;
    }
    let prepared: Vec<Prepared> = units.iter().map(prepare).collect();
    let table = NormalTable::new();
    let most = units.iter().map(|u| u.registered).max().unwrap_or(0) as usize;
    let percent_of: Vec<f64> = (0..=most).map(|v| if v == 0 { 0.0 } else { 100.0 / v as f64 }).collect();
    let reps: Vec<Counts> = (0..replicates as u64)
        .into_par_iter()
        .map(|r| replicate(&prepared, &table, &percent_of, groups, replicate_seed(seed, r)))
        .collect();
    let summarize = |obs: [u64; 3], n: u64, pick: &dyn Fn(&Counts) -> [u64; 3]| {
        let kinds: Vec<Excess> = (0..3)
            .map(|k| {
                let xs: Vec<f64> = reps.iter().map(|c| pick(c)[k] as f64).collect();
                let m = xs.len().max(1) as f64;
                let mean = xs.iter().sum::<f64>() / m;
                let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1.0).max(1.0)).sqrt();
                let excess = obs[k] as f64 - mean;
                let ge = xs.iter().filter(|&&x| x >= obs[k] as f64).count() as f64;
                Excess {
                    observed: obs[k],
                    null_mean: mean,
                    null_sd: sd,
                    excess,
                    z: if sd > 0.0 { excess / sd } else { f64::NAN },
                    p: (1.0 + ge) / (1.0 + xs.len() as f64),
                }
            })
            .collect();
        let [either, leader, turnout]: [Excess; 3] = kinds.try_into().unwrap_or_default();
        Kobak { units: n, either, leader, turnout }
    };
    let total = |c: &Counts| {
        c.iter().fold([0u64; 3], |mut a, g| {
            for k in 0..3 {
                a[k] += g[k];
            }
            a
        })
    };
    let overall = summarize(total(&observed), units.len() as u64, &total);
    let per_group = (0..groups).map(|g| summarize(observed[g], sizes[g], &move |c: &Counts| c[g])).collect();
    (overall, per_group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_percentages_exactly() {
        assert!(is_integer_percent(1, 2)); // 50 %
        assert!(!is_integer_percent(1, 3)); // 33.33 %
        assert!(is_integer_percent(2001, 4000)); // 50.025 %: within 0.05
        assert!(is_integer_percent(1001, 2000)); // 50.05 %: the bound is inclusive
        assert!(!is_integer_percent(1002, 2000)); // 50.1 %
        assert!(is_integer_percent(1999, 2000)); // 99.95 %
    }

    #[test]
    fn the_float_check_agrees_with_the_exact_one() {
        for den in [100u64, 101, 200, 333, 400, 999, 1000, 2000, 4000, 20_000, 123_457] {
            for num in 0..=den.min(5000) {
                assert_eq!(
                    near_integer(num as f64 * (100.0 / den as f64)),
                    is_integer_percent(num, den),
                    "{num}/{den} (turnout form)"
                );
                assert_eq!(near_integer(100.0 * num as f64 / den as f64), is_integer_percent(num, den), "{num}/{den}");
            }
        }
    }

    #[test]
    fn replicates_do_not_depend_on_threads() {
        let units: Vec<KobakUnit> = (0..500)
            .map(|i| KobakUnit {
                registered: 300 + i,
                voters: 150 + i / 2,
                leader: 70 + i / 5,
                group: (i % 3) as usize,
            })
            .collect();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| kobak(&units, 3, 40, 9));
        let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(|| kobak(&units, 3, 40, 9));
        assert_eq!(format!("{one:?}"), format!("{two:?}"));
    }
}
