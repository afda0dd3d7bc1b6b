//! The official-results checks, on the CNE's 2024 bulletins.
//!
//! Figures copied from the project's shared `data/venezuela-2024/README.md`
//! (also in `crates/formats/src/venezuela_cne.rs`): the CNE's two national
//! bulletins, and the totals of the opposition's V2 CSV (25,073 tables:
//! González 7,303,480, Maduro 3,316,142, others 267,640, valid 10,887,262,
//! null 1,213). The CSV's per-candidate split of the 267,640 "others" is not
//! in the README; the split below is made up and only those eight small
//! figures are — the checks below do not depend on them.

use crate::common;

use common::*;
use testigo_election::*;
use testigo_tally::*;
// Both crates have a `Bulletin`: the tally's is the one checked here.
use testigo_tally::{Bulletin, BulletinCount};

const IDS: [&str; 10] = ["NM", "EG", "LM", "AE", "BERA", "JOBR", "JABE", "CF", "EM", "DC"];
const V2: [u64; 10] = [3_316_142, 7_303_480, 100_000, 50_000, 40_000, 30_000, 20_000, 12_000, 10_000, 5_640];
const V2_TABLES: usize = 25_073;
const V2_NULL: u64 = 1_213;

/// A Venezuela-shaped election: 30,026 declared tables, registry
/// 21,392,464, no per-table registry, and V2's totals spread evenly over
/// 25,073 tables.
fn venezuela_v2() -> (ElectionDef, Geography, Evidence) {
    let (mut def, _) = flat(10, &[]);
    def.contests[0].candidates =
        IDS.iter().map(|id| Candidate { id: id.to_string(), name: id.to_string(), cards: vec![] }).collect();
    def.total_tables = Some(30_026);
    def.registry = Some(21_392_464);
    let (_, geo) = flat(10, &vec![None; V2_TABLES]);
    let mut ev = Evidence::new(&def);
    let n = V2_TABLES as u64;
    let share = |total: u64, t: u64| total / n + u64::from(t < total % n);
    for t in 0..n {
        let votes: Vec<u64> = V2.iter().map(|&total| share(total, t)).collect();
        push(&mut ev, &geo, t + 1, &format!("T{}", t + 1), "Comando", "importer", &votes, share(V2_NULL, t));
    }
    (def, geo, ev)
}

fn count(ids: &[&str], votes: u64, percent: Option<&str>) -> BulletinCount {
    BulletinCount { candidates: ids.iter().map(|s| s.to_string()).collect(), votes, percent: percent.map(Into::into) }
}

fn bulletin_1() -> Bulletin {
    Bulletin {
        label: "CNE bulletin 1 (2024-07-29)".into(),
        source: "CNE national broadcast, 29 July 2024".into(),
        contest: "president".into(),
        unit: None,
        counts: vec![
            count(&["NM"], 5_150_092, Some("51.20")),
            count(&["EG"], 4_445_978, Some("44.2")),
            count(&["LM", "AE", "BERA", "JOBR", "JABE", "CF", "EM", "DC"], 462_704, Some("4.6")),
        ],
        valid: Some(10_058_774),
        null: None,
        voters: None,
        registry: None,
        tables_counted_percent: Some("80".into()),
    }
}

fn bulletin_2() -> Bulletin {
    let figures = [6_408_844, 5_326_104, 152_360, 116_421, 92_903, 84_231, 64_452, 40_902, 29_611, 20_056];
    Bulletin {
        label: "CNE bulletin 2 (2024-08-02)".into(),
        source: "CNE, 2 August 2024".into(),
        contest: "president".into(),
        unit: None,
        counts: IDS.iter().zip(figures).map(|(id, v)| count(&[id], v, None)).collect(),
        valid: Some(12_335_884),
        null: Some(50_785),
        voters: Some(12_386_669),
        registry: Some(21_321_805),
        tables_counted_percent: Some("96.87".into()),
    }
}

#[test]
fn the_evidence_is_v2() {
    let (def, geo, ev) = venezuela_v2();
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let ct = &tally.contests[0];
    assert_eq!(ct.votes(Node::National), V2);
    let n = ct.counts(Node::National);
    assert_eq!((n.valid, n.null, n.reporting()), (10_887_262, 1_213, 25_073));
    let c = ct.certainty(Node::National);
    // 4,953 undeclared tables; registry remainder 21,392,464 − 10,888,475 ballots.
    assert_eq!((c.unknown_tables, c.r_miss, c.unknown_bound), (4_953, 10_503_989, UnknownBound::RegistryRemainder));
    // González leads by 3,987,338 < 10,503,989: not decided by the sheets
    // alone; decided if the missing tables' turnout stays under 37.96%.
    assert_eq!(c.leader, Some(1));
    assert_eq!(c.lead_worst, 3_987_338);
    assert!(!c.decided);
    assert_eq!(c.tipping_turnout_ppm, Some(379_602));
}

#[test]
fn bulletin_2_contradicts_the_sheets() {
    let (def, geo, ev) = venezuela_v2();
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let check = check_bulletin(&def, &geo, &ev, &tally.contests[0], &bulletin_2(), &ChanceModel::default()).unwrap();
    let b = |what: &str| check.bounds.iter().find(|b| b.what == what).unwrap().clone();
    // 96.87% of 30,026 tables leaves out at most 940: the 940 tables best for
    // González hold 940 × 292 of his votes. He still needs ≥ 7,029,000.
    let eg = b("EG");
    assert_eq!(eg.exclusion_allowance, 940 * 292);
    assert_eq!(eg.lower_bound, 7_303_480 - 940 * 292);
    assert_eq!(eg.verdict, "below_counted");
    assert_eq!(eg.excess, 7_303_480 - 940 * 292 - 5_326_104);
    // Maduro: the bulletin's own valid votes leave too little outside the counted tables.
    let nm = b("NM");
    assert_eq!(nm.verdict, "above_possible");
    assert_eq!(nm.upper_basis, "announced_valid");
    let valid_allow = b("valid").exclusion_allowance;
    assert_eq!(nm.upper_bound, 3_316_142 + 12_335_884 - (10_887_262 - valid_allow));
    assert_eq!(b("valid").verdict, "consistent");
    assert_eq!(b("null").verdict, "consistent");
    assert_eq!(check.contradictions, 2);
    assert!(check.summary().contains("IMPOSSIBLE"));
}

/// Each finding names its basis and gives both ranges: on the registry bound
/// alone (every registered voter at tables without a sheet) Maduro's
/// 6,408,844 is possible; it is impossible only if the bulletin's own valid
/// total is true. González below the counted sheets is impossible on either.
#[test]
fn bulletin_2_names_the_basis_of_each_impossibility() {
    let (def, geo, ev) = venezuela_v2();
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let check = check_bulletin(&def, &geo, &ev, &tally.contests[0], &bulletin_2(), &ChanceModel::default()).unwrap();
    let b = |what: &str| check.bounds.iter().find(|b| b.what == what).unwrap().clone();
    let nm = b("NM");
    let r_miss = 10_503_989;
    assert_eq!(nm.range_registry, [nm.lower_bound, 3_316_142 + r_miss]);
    assert_eq!(nm.range_announced, Some([nm.lower_bound, nm.upper_bound]));
    assert_eq!(nm.violates, ["announced"]);
    assert!(!nm.violates_registry());
    let text = nm.explain("Nicolás Maduro");
    assert!(text.contains("impossible only if the bulletin's own totals are true"), "{text}");
    assert!(text.contains(&format!("allows {}..={}", nm.lower_bound, 3_316_142 + r_miss)), "{text}");
    assert!(text.contains(&format!("allows {}..={}", nm.lower_bound, nm.upper_bound)), "{text}");
    let eg = b("EG");
    assert_eq!(eg.violates, ["registry", "announced"]);
    assert!(eg.explain("EG").contains("IMPOSSIBLE: "), "{}", eg.explain("EG"));
    // The bulletin's own totals have no announced range of their own.
    assert_eq!((b("valid").range_announced, b("null").range_announced), (None, None));
    assert!(b("valid").violates.is_empty());
    let s = check.summary();
    assert!(s.contains("(1 IMPOSSIBLE whatever the missing sheets say, 1 only if the bulletin's own"), "{s}");
    // JSON: the old fields as they were, the new ones beside them.
    let j = serde_json::to_value(&nm).unwrap();
    assert_eq!(j["upper_basis"], "announced_valid");
    assert_eq!(j["verdict"], "above_possible");
    assert_eq!(j["range_registry"][1], 3_316_142 + r_miss);
    assert_eq!(j["violates"], serde_json::json!(["announced"]));
}

#[test]
fn bulletin_1_round_percentages_and_impossibility() {
    let (def, geo, ev) = venezuela_v2();
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let check = check_bulletin(&def, &geo, &ev, &tally.contests[0], &bulletin_1(), &ChanceModel::default()).unwrap();
    let one = &check.round_percentages[0];
    assert_eq!(one.decimals, 1);
    assert_eq!((one.tested, one.exact), (3, 3));
    assert_eq!(one.tests.iter().map(|t| t.percent.as_str()).collect::<Vec<_>>(), ["51.2", "44.2", "4.6"]);
    assert_eq!(one.tests[0].share, "51.199997");
    assert_eq!(one.tests[1].share, "44.199999");
    assert_eq!(one.tests[2].share, "4.600004");
    for t in &one.tests {
        // One or two round values in a window of 10,059 counts.
        assert!(t.probability > 9.9e-5 && t.probability < 2.0e-4, "{t:?}");
    }
    let joint = one.joint_probability.unwrap();
    assert!(joint < 4.0e-8 && joint > 9.0e-9, "{joint}");
    assert!(one.note.contains("add up"));
    // At two decimals they are still exact (51.20, 44.20, 4.60).
    assert_eq!(check.round_percentages[1].exact, 3);
    // 80% of actas: up to 6,006 tables left out; González still has too many.
    let eg = check.bounds.iter().find(|b| b.what == "EG").unwrap();
    assert_eq!(eg.exclusion_allowance, 6_006 * 292);
    assert_eq!(eg.verdict, "below_counted");
}

#[test]
fn round_test_on_its_own() {
    let m = ChanceModel::default();
    // 5,150,092 = round(51.2% × 10,058,774); one more is not round.
    assert!(round_test("x", 5_150_092, 10_058_774, 1, &m).exact);
    assert!(!round_test("x", 5_150_093, 10_058_774, 1, &m).exact);
    // Bulletin 2's Maduro figure is not a one-decimal percentage of its valid votes.
    assert!(!round_test("NM", 6_408_844, 12_335_884, 1, &m).exact);
    // Small totals: every count is round at 2 decimals of a total of 100.
    let t = round_test("x", 37, 100, 2, &m);
    assert!(t.exact);
    assert_eq!(t.probability, 1.0);
    // Bulletin 2 at one decimal: no exact count, no joint probability.
    let counts: Vec<(String, u64)> = vec![("NM".into(), 6_408_844), ("EG".into(), 5_326_104)];
    let s = round_summaries(&counts, 12_335_884, &m);
    assert_eq!((s[0].exact, s[0].joint_probability), (0, None));
}

#[test]
fn errors_name_the_problem() {
    let (def, geo, ev) = venezuela_v2();
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let ct = &tally.contests[0];
    let m = ChanceModel::default();
    let mut b = bulletin_1();
    b.counts[0].candidates = vec!["XX".into()];
    assert!(matches!(check_bulletin(&def, &geo, &ev, ct, &b, &m), Err(OfficialError::UnknownCandidate { .. })));
    let mut b = bulletin_1();
    b.contest = "mayor".into();
    assert!(matches!(check_bulletin(&def, &geo, &ev, ct, &b, &m), Err(OfficialError::WrongContest { .. })));
    let mut b = bulletin_1();
    b.unit = Some("nowhere".into());
    assert!(matches!(check_bulletin(&def, &geo, &ev, ct, &b, &m), Err(OfficialError::UnknownUnit { .. })));
    let mut b = bulletin_1();
    b.tables_counted_percent = Some("80%".into());
    assert!(matches!(check_bulletin(&def, &geo, &ev, ct, &b, &m), Err(OfficialError::BadPercent { .. })));
}

#[test]
fn a_consistent_unit_bulletin_passes() {
    let f = fixture();
    let (ev, tally) = tally_of(&f.reg, &TallyOptions::default());
    let def = f.reg.election().unwrap();
    let b = Bulletin {
        label: "state S1".into(),
        source: "test".into(),
        contest: "president".into(),
        unit: Some("S1".into()),
        counts: vec![count(&["a"], 215, None), count(&["b"], 170, None), count(&["c"], 0, None)],
        valid: Some(385),
        null: None,
        voters: None,
        registry: None,
        tables_counted_percent: None,
    };
    let check = check_bulletin(def, f.reg.geography(), &ev, &tally.contests[0], &b, &ChanceModel::default()).unwrap();
    assert_eq!(check.contradictions, 0, "{:?}", check.bounds);
    // S1 has nothing missing: a's interval is exactly [210, 230].
    assert_eq!((check.bounds[0].lower_bound, check.bounds[0].upper_bound), (210, 230));
    let mut over = b.clone();
    over.counts[0].votes = 231;
    let check =
        check_bulletin(def, f.reg.geography(), &ev, &tally.contests[0], &over, &ChanceModel::default()).unwrap();
    assert_eq!((check.contradictions, check.bounds[0].verdict, check.bounds[0].excess), (1, "above_possible", 1));
}

#[test]
fn per_table_comparison_with_official_sheets() {
    let f = fixture();
    let (ev, tally) = tally_of(&f.reg, &TallyOptions::default());
    let geo = f.reg.geography();
    let official = official_tables_from_evidence(geo, &ev, 0);
    assert_eq!(official, [OfficialTable { table: "T1".into(), votes: vec![90, 60, 0], null: Some(5) }]);
    let mut rows = official.clone();
    // The authority also publishes T3 as org B's variant, T4 as counted, and an unknown table.
    rows.push(OfficialTable { table: "T3".into(), votes: vec![70, 70, 0], null: None });
    rows.push(OfficialTable { table: "T4".into(), votes: vec![20, 10, 0], null: Some(0) });
    rows.push(OfficialTable { table: "T5".into(), votes: vec![1, 2, 3], null: None });
    rows.push(OfficialTable { table: "T99".into(), votes: vec![1, 2, 3], null: None });
    let cmp = compare_tables(geo, &ev, &tally.contests[0], &rows, 10);
    assert_eq!(cmp.official_tables, 5);
    assert_eq!(cmp.unknown, ["T99"]);
    assert_eq!((cmp.matching, cmp.differing, cmp.official_only, cmp.evidence_only), (1, 2, 1, 2));
    assert_eq!(cmp.difference, [-10 - 10, 10 + 10, 0]);
    assert_eq!(cmp.differences.iter().map(|d| d.table.as_str()).collect::<Vec<_>>(), ["T1", "T3"]);
    assert!(!cmp.differences[0].matches_other_variant);
    assert!(cmp.differences[1].matches_other_variant);
    assert_eq!(cmp.differences[1].state, TableState::Conflicting);
}
