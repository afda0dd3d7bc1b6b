//! The mathematics checked against published values (`tests/data/README.md`).

use testigo_audit::batch::{Margins, Measure};
use testigo_audit::comparison::{self, Discrepancies, GAMMA};
use testigo_audit::{bravo, expected_draws};

fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() < 1e-9, "{what}: got {got:.15}, want {want:.15}");
}

#[test]
fn bravo_asn_matches_lsy_2012_table() {
    let table = [
        (0.80, 8, 9),
        (0.60, 14, 17),
        (0.40, 31, 39),
        (0.20, 119, 154),
        (0.10, 470, 608),
        (0.04, 2_902, 3_769),
        (0.01, 46_151, 60_014),
    ];
    for (m, a10, a05) in table {
        assert_eq!(bravo::asn(m, 0.10).unwrap(), a10, "margin {m} at 10%");
        assert_eq!(bravo::asn(m, 0.05).unwrap(), a05, "margin {m} at 5%");
    }
}

#[test]
fn bravo_p_values_of_colorado_2018() {
    close(bravo::p_value(1410, 1132, 170, 135).unwrap(), 0.1342382069344729, "Custer County");
    close(bravo::p_value(2894, 1695, 45, 32).unwrap(), 0.47002027242290234, "Las Animas County");
    // With a third candidate nobody sampled, the multi-candidate test is the pairwise one.
    close(
        bravo::p_value_multi(&[1410, 1132, 10], &[170, 135, 0], 0).unwrap(),
        0.1342382069344729,
        "Custer County, winner against every loser",
    );
}

#[test]
fn kaplan_markov_sample_sizes() {
    let none = Discrepancies::default();
    for (m, n) in [(0.20, 24), (0.10, 48), (0.05, 96), (0.002, 2_393)] {
        assert_eq!(comparison::sample_size(m, 0.10, GAMMA, &none).unwrap(), n, "margin {m}");
    }
    let one = Discrepancies { o1: 1, ..Default::default() };
    assert_eq!(comparison::sample_size(0.05, 0.10, GAMMA, &one).unwrap(), 123);
}

#[test]
fn kaplan_markov_p_value_of_new_hampshire_2016() {
    let m = (354_040.0 - 337_589.0) / (354_040.0 + 337_589.0 + 33_234.0);
    let one = Discrepancies { o1: 1, ..Default::default() };
    close(comparison::p_value(m, 200, GAMMA, &one).unwrap(), 0.21438135077031842, "NH 2016");
}

/// Lungren, Durston, Tuma, Padilla: reported totals of CA-3 2008.
const CA3_TOTALS: [u64; 4] = [155_424, 137_971, 7_273, 13_378];
const CA3_U: f64 = 20.47011975018621;

#[test]
fn ca3_2008_error_bound_of_batch_060031a() {
    let margins = Margins::new(&CA3_TOTALS, 0).unwrap();
    assert_eq!(margins.smallest(), (1, 17_453));
    // b = 139, Lungren 48, Durston 83; Tuma and Padilla's counts are not in the README: with
    // zero for both, their terms (139 + 48)/148,151 and (139 + 48)/142,046 stay below Durston's.
    close(margins.error_bound(139, &[48, 83, 0, 0]).unwrap(), 0.005958860940812468, "u_p of 060031A");
}

#[test]
fn ca3_2008_final_p_value_from_the_drawn_batches() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ca-cd3-2008-lindeman-batches.csv"))
            .unwrap();
    let margins = Margins::new(&CA3_TOTALS, 0).unwrap();
    let mut m = Measure::new(CA3_U);
    let (mut batches, mut draws) = (0, 0);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let n = |i: usize| -> u64 { f[i].parse().unwrap() };
        let reported = [n(2), n(3), n(4), n(5)];
        let audited = [n(7), n(8), n(9), n(10)];
        let t = margins.taint(n(1), &reported, &audited).unwrap();
        // The file's own taint column, rounded to 6 places, agrees.
        assert!((t - f[14].parse::<f64>().unwrap()).abs() < 1e-6, "taint of {}", f[0]);
        for _ in 0..n(6) {
            m.record(t);
            draws += 1;
        }
        batches += 1;
    }
    assert_eq!((batches, draws), (42, 47));
    close(m.product(), 0.098616479938, "final P");
    assert!(m.p_value() < 0.10);
    // With no error at all, ln 0.1 / ln(1 − 1/U) = 45.97… draws would have sufficed.
    assert_eq!(expected_draws(CA3_U, 0.10).unwrap(), 46);
}
