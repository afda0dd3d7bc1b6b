//! Albania 2013 against the Election Forensics Toolkit's published numbers (tests/data/README.md).

use testigo_forensics::{analyze, read_csv, CsvColumns, Options, Report};

/// The Albanian 2013 data set analysed with few resamples (the point estimates do not depend on them).
pub fn albania() -> Report {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/Albania2013.csv")).unwrap();
    let cols = CsvColumns {
        unit: Some("#1".into()),
        group: Some("Prefectures".into()),
        registered: Some("Registered".into()),
        voters: "Ballots".into(),
        candidates: vec![("C041".into(), None), ("C050".into(), None)],
        ..Default::default()
    };
    let d = read_csv(&bytes, &cols).unwrap();
    assert_eq!(d.units.len(), 5508);
    analyze(&d, &Options { replicates: 50, bootstrap: 200, ..Options::default() })
}

fn rounds_to(x: f64, printed: f64, decimals: i32) -> bool {
    let scale = 10f64.powi(decimals);
    (x * scale).round() == (printed * scale).round()
}

#[test]
fn whole_country_second_digit_of_ballots_cast() {
    let r = albania();
    let b = &r.overall.digits.voters.second_digit;
    assert_eq!(b.n, 5506);
    assert!(rounds_to(b.mean.value, 4.4339, 4), "2BL mean {}", b.mean.value);
    assert!(rounds_to(b.chi2, 44.952, 3), "chi2 {}", b.chi2);
    assert!(b.p < 1e-5, "p {}", b.p);
    assert!(b.mean.ci[0] < b.mean.value && b.mean.value < b.mean.ci[1]);
}

#[test]
fn per_prefecture_table() {
    let r = albania();
    // prefecture, 2BL mean, P05s, C05s, skewness, kurtosis, stations
    let table = [
        ("BERAT", 4.244, 0.197, 0.217, 0.261, 3.474, 300),
        ("DIBER", 4.167, 0.221, 0.225, 1.685, 4.954, 258),
        ("DURRES", 4.572, 0.173, 0.194, 1.354, 3.211, 444),
        ("ELBASAN", 4.345, 0.217, 0.196, 1.500, 4.086, 516),
        ("FIER", 4.373, 0.208, 0.181, 1.582, 4.572, 558),
        ("GJIROKASTER", 4.549, 0.287, 0.228, 0.720, 2.166, 237),
    ];
    for (name, bl2, p05s, c05s, skew, kurt, stations) in table {
        let g = r.groups.iter().find(|g| g.group.as_deref() == Some(name)).unwrap();
        let got = [
            g.digits.voters.second_digit.mean.value,
            g.turnout.p05s.value,
            g.digits.voters.c05s.value,
            g.turnout.skewness,
            g.turnout.kurtosis,
        ];
        for (what, x, want) in [
            ("2BL", got[0], bl2),
            ("P05s", got[1], p05s),
            ("C05s", got[2], c05s),
            ("skew", got[3], skew),
            ("kurt", got[4], kurt),
        ] {
            assert!(rounds_to(x, want, 3), "{name} {what}: {x} printed as {want}");
        }
        assert_eq!(g.units, stations, "{name}");
    }
}
