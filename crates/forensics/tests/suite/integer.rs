//! Integer-percentage spikes on synthetic elections: planted whole-percentage
//! turnouts are found, and a clean election shows no excess.

use testigo_forensics::kobak::is_integer_percent;
use testigo_forensics::stats::binomial;
use testigo_forensics::{analyze, Dataset, Options, Unit};
use testigo_rng::RngCore;

/// A binomial election of `n` units; the first `planted` get a turnout of
/// exactly a whole percentage (registered a multiple of 100, voters set to match).
/// Returns the data set and how many planted units were integer before planting.
fn election(n: usize, planted: usize, seed: u64) -> (Dataset, u64) {
    let mut rng = testigo_rng::seeded(seed);
    let mut uniform = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut draws = testigo_rng::seeded(seed + 1);
    let mut already = 0;
    let units = (0..n)
        .map(|i| {
            let mut registered = 100 + (uniform() * 1900.0) as u64;
            let turnout = 0.45 + 0.3 * uniform();
            let share = 0.35 + 0.3 * uniform();
            let mut voters = binomial(&mut draws, registered, turnout);
            let mut leader = binomial(&mut draws, voters, share);
            if i < planted {
                if is_integer_percent(voters, registered) || is_integer_percent(leader, voters) {
                    already += 1;
                }
                registered = registered / 100 * 100;
                let percent = (turnout * 100.0).round() as u64;
                voters = registered / 100 * percent;
                leader = binomial(&mut draws, voters, share);
            }
            Unit {
                id: i.to_string(),
                group: Some(if i % 2 == 0 { "even" } else { "odd" }.into()),
                registered: Some(registered),
                voters,
                valid: None,
                votes: vec![leader, voters - leader],
            }
        })
        .collect();
    (Dataset { candidates: vec!["A".into(), "B".into()], leader: 0, units }, already)
}

const OPTIONS: Options = Options { seed: 11, bootstrap: 50, level: 0.95, replicates: 300 };

#[test]
fn planted_integer_turnouts_are_counted() {
    let planted = 300;
    let (d, already) = election(20_000, planted, 5);
    let i = analyze(&d, &OPTIONS).overall.integer;
    assert_eq!(i.units, 20_000);
    let sd = i.integer_excess_sd;
    eprintln!("planted {planted} ({already} already integer): {i:?}");
    assert!(sd > 0.0);
    assert!(
        (i.integer_excess - planted as f64).abs() < 3.0 * sd,
        "excess {} ± {sd}, planted {planted}",
        i.integer_excess
    );
    // Sharper: planting changes only the units that were not already whole percentages.
    let effect = (planted as u64 - already) as f64;
    assert!((i.integer_excess - effect).abs() < 3.0 * sd, "excess {} ± {sd}, effect {effect}", i.integer_excess);
    assert!(i.integer_excess_turnout > 3.0 * i.integer_excess_turnout_sd, "turnout excess {i:?}");
    assert!(i.integer_excess_leader.abs() < 3.5 * i.integer_excess_leader_sd, "leader excess {i:?}");
}

#[test]
fn a_clean_election_shows_no_excess() {
    let (d, _) = election(20_000, 0, 6);
    let r = analyze(&d, &OPTIONS);
    eprintln!("clean: {:?}", r.overall.integer.detail);
    for k in [&r.overall.integer.detail.either, &r.overall.integer.detail.leader, &r.overall.integer.detail.turnout] {
        // One-sided at the 0.1 % level: z < 3.09.
        assert!(k.z < 3.09, "spurious excess {k:?}");
        assert!(k.z > -3.09, "the null overstates integer units: {k:?}");
    }
    // Groups use the same replicates.
    let sum: u64 = r.groups.iter().map(|g| g.integer.detail.either.observed).sum();
    assert_eq!(sum, r.overall.integer.detail.either.observed);
}
