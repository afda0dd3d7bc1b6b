//! What the printed outputs say: percentages rounded once from the integers,
//! and the round-percentage test's caveat everywhere it is reported.

use crate::common;

use common::*;
use testigo_tally::report::{pct2, percent, percent_text};
use testigo_tally::*;

/// La Guaira's turnout: 159,267 ballots of 248,952 registered voters is
/// 63.97498…%. Rounded to 4 decimals first (63.9750) and then to 2 it
/// printed 63.98; rounded once it is 63.97.
#[test]
fn la_guaira_turnout_is_rounded_once() {
    assert_eq!(pct2(159_267, 248_952).as_deref(), Some("63.97"));
    assert_eq!(percent_text(159_267, 248_952, 4).as_deref(), Some("63.9750"));
    assert_eq!(percent_text(159_267, 248_952, 0).as_deref(), Some("64"));
    // The double rounding this replaces, kept here to show the difference.
    assert_eq!(format!("{:.2}", percent(159_267, 248_952).unwrap()), "63.98");
    assert_eq!(pct2(1, 0), None);
    assert_eq!(pct2(1, 8).as_deref(), Some("12.50"));
    assert_eq!(pct2(1, 200_000).as_deref(), Some("0.00"));
    assert_eq!(pct2(7, 7).as_deref(), Some("100.00"));

    // And through a report: one table with La Guaira's figures.
    let (def, geo) = flat(2, &[Some(248_952)]);
    let mut ev = Evidence::new(&def);
    push(&mut ev, &geo, 1, "T1", "org", "key", &[100_000, 59_267], 0);
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let report = build_report(&def, &geo, &ev, &tally, &ReportOptions::default());
    let n = &report.contests[0].national;
    assert_eq!(n.turnout_ratio(), (159_267, 248_952));
    let text = report.to_text();
    assert!(text.contains("turnout 63.97%"), "{text}");
    assert!(!text.contains("63.98"), "{text}");
    let csv = report.to_csv();
    assert!(csv.lines().nth(1).unwrap().contains(",63.97,"), "{csv}");
}

/// Every reported chance of round percentages says it is a chance under the
/// model, of a test chosen after the figures were seen.
#[test]
fn round_percentages_carry_their_caveat() {
    let m = ChanceModel::default();
    let counts: Vec<(String, u64)> = vec![("NM".into(), 5_150_092), ("EG".into(), 4_445_978), ("rest".into(), 462_704)];
    let s = round_summaries(&counts, 10_058_774, &m);
    for r in &s {
        assert!(r.note.starts_with("under the model"), "{}", r.note);
        assert_eq!(r.caveat, ROUND_CAVEAT);
    }
    assert!(ROUND_CAVEAT.contains("under the model") && ROUND_CAVEAT.contains("post hoc"));
    assert!(ROUND_CAVEAT.contains("overstates the evidence"));
    let json = serde_json::to_value(&s[0]).unwrap();
    assert!(json["caveat"].as_str().unwrap().contains("post hoc"), "{json}");
}
