//! Table states, the counting rule, aggregates and certainty on hand-built
//! elections whose every number is worked out by hand in the comments.

use crate::common;

use common::*;
use testigo_election::*;
use testigo_tally::*;

fn unit(reg: &Registry, id: &str) -> Node {
    Node::Unit(reg.geography().find_unit(id).unwrap())
}

fn table(reg: &Registry, id: &str) -> TableIx {
    reg.geography().find_table(id).unwrap()
}

#[test]
fn every_table_state_and_the_counting_rule() {
    let f = fixture();
    let (ev, tally) = tally_of(&f.reg, &TallyOptions::default());
    let ct = &tally.contests[0];
    let st = |id| ct.state(table(&f.reg, id));
    assert_eq!(st("T1"), TableState::Corroborated);
    assert_eq!(st("T2"), TableState::Single, "two keys of one organisation are one source");
    assert_eq!(st("T3"), TableState::Conflicting);
    assert_eq!(st("T4"), TableState::Corroborated, "the superseded sheet no longer disagrees");
    assert_eq!(st("T5"), TableState::Missing);
    assert_eq!(st("T6"), TableState::Missing);
    assert_eq!(st("T7"), TableState::Single);
    // The official sheet is not evidence.
    assert_eq!(ct.sheets(table(&f.reg, "T1")).len(), 2);

    // T3: three variants, one source each: the earliest (org A's 80/60) counts.
    let variants = ct.variants(&ev, table(&f.reg, "T3"), Independence::Organisations);
    assert_eq!(variants.len(), 3);
    assert_eq!(variants.iter().map(|v| v.votes.to_vec()).collect::<Vec<_>>(), [[80, 60, 0], [70, 70, 0], [60, 80, 0]]);
    assert_eq!(variants.iter().map(|v| v.chosen).collect::<Vec<_>>(), [true, false, false]);
    assert_eq!(ct.table_votes(&ev, table(&f.reg, "T3")).unwrap(), [80, 60, 0]);
    assert_eq!(ct.table_votes(&ev, table(&f.reg, "T4")).unwrap(), [20, 10, 0]);
    assert_eq!(ct.table_votes(&ev, table(&f.reg, "T5")), None);

    let n = ct.counts(Node::National);
    assert_eq!((n.tables, n.missing, n.single, n.corroborated, n.conflicting), (7, 2, 2, 2, 1));
    assert_eq!(n.reporting(), 5);
    assert_eq!(ct.undeclared_tables, 2);
    // a = 100+30+80+20+0, b = 50+40+60+10+0, c never gets a vote.
    assert_eq!(ct.votes(Node::National), [230, 160, 0]);
    assert_eq!(ct.votes_min(Node::National), [210, 160, 0]);
    assert_eq!(ct.votes_max(Node::National), [230, 180, 0]);
    assert_eq!((n.valid, n.null, n.null_min, n.null_max, n.blank, n.voters), (390, 8, 8, 8, 0, 398));
    assert_eq!(n.registered, 1_300);
    assert_eq!(n.registry_unknown, 1);
    assert_eq!(n.registered_reporting, 950);
    assert_eq!(n.voters_registry_known, 155 + 141 + 30);
    assert_eq!(n.voters_registry_unknown, 72);
    assert_eq!((n.registered_missing, n.missing_registry_unknown), (350, 0));
    // Evidence sheets: T1 2, T2 2, T3 3, T4 2 current, T7 1.
    assert_eq!(n.sheets, 10);
    let conflicts = n.flags[Flag::ConflictsWithEarlier as usize];
    assert_eq!(conflicts, 2, "org B's and org C's T3 sheets");

    // The region with no sheets.
    let s2 = ct.counts(unit(&f.reg, "S2"));
    assert_eq!((s2.tables, s2.missing, s2.valid), (2, 2, 0));
    assert_eq!(ct.certainty(unit(&f.reg, "S2")).leader, None);
}

#[test]
fn independence_by_keys_corroborates_same_organisation() {
    let f = fixture();
    let options = TallyOptions { independence: Independence::Keys, ..TallyOptions::default() };
    let (_, tally) = tally_of(&f.reg, &options);
    assert_eq!(tally.contests[0].state(table(&f.reg, "T2")), TableState::Corroborated);
}

#[test]
fn official_sheets_count_only_when_asked() {
    let f = fixture();
    let options = TallyOptions { include_official: true, ..TallyOptions::default() };
    let (_, tally) = tally_of(&f.reg, &options);
    // T1 now has (100,50) from A and B and (90,60) from the authority: A/B's variant has more sources.
    let ct = &tally.contests[0];
    assert_eq!(ct.state(table(&f.reg, "T1")), TableState::Conflicting);
    assert_eq!(ct.votes(Node::National), [230, 160, 0]);
    assert_eq!(ct.votes_min(Node::National), [200, 160, 0]);
}

#[test]
fn certainty_nationally_and_per_unit() {
    let f = fixture();
    let (_, tally) = tally_of(&f.reg, &TallyOptions::default());
    let ct = &tally.contests[0];
    let c = ct.certainty(Node::National);
    assert_eq!(c.leader, Some(0));
    assert!(!c.tie);
    assert_eq!(c.lead, 70);
    // Worst case: a at 210 (T3 at 60) against b at 180 (T3 at 80).
    assert_eq!((c.rival, c.lead_worst), (Some(1), 30));
    // Missing: T5+T6 declare 350; the 2 undeclared tables are bounded by the
    // registry: 2000 − (950 reporting + 72 ballots at T2 + 350) = 628 < 2×5000.
    assert_eq!((c.r_miss_known, c.unknown_tables, c.r_miss_unknown), (350, 2, 628));
    assert_eq!(c.unknown_bound, UnknownBound::RegistryRemainder);
    assert_eq!(c.r_miss, 978);
    assert!(!c.decided && !c.decided_at_cap);
    assert_eq!(c.tipping_turnout_ppm, Some(30 * 1_000_000 / 978));
    let r = rivals(ct, Node::National, 900_000);
    assert_eq!(r.iter().map(|r| (r.rival, r.lead, r.lead_worst)).collect::<Vec<_>>(), [(1, 70, 30), (2, 230, 210)]);
    assert!(!r[1].decided, "210 < 978");

    // The election declares 9 tables, the geography lists 7: the 2 others
    // could lie in any state, and no state declares its own count, so no
    // state's missing votes are bounded and none gets a verdict — not even
    // S1, every listed table of which reports.
    let s1 = ct.certainty(unit(&f.reg, "S1"));
    assert_eq!((s1.leader, s1.lead_worst, s1.r_miss, s1.decided), (Some(0), 30, 0, false));
    assert_eq!((s1.unknown_bound, s1.tipping_turnout_ppm), (UnknownBound::Unbounded, None));
    assert_eq!(ct.undeclared(unit(&f.reg, "S1")), None);
    assert!(rivals(ct, unit(&f.reg, "S1"), 900_000).iter().all(|r| !r.decided));

    // Declared totals give S1 its denominator: 5 tables, all listed, so S1
    // and everything under it is complete, and decided whatever happens
    // elsewhere.
    let mut geo = f.reg.geography().clone();
    geo.set_declared(&[Declared { unit: "S1".into(), tables: Some(5), registered: None, source: "gazette".into() }]);
    let ev = Evidence::from_registry(&f.reg);
    let tally = tabulate(f.reg.election().unwrap(), &geo, &ev, &TallyOptions::default());
    let ct = &tally.contests[0];
    let s1 = ct.certainty(unit(&f.reg, "S1"));
    assert_eq!((s1.leader, s1.lead_worst, s1.r_miss, s1.decided), (Some(0), 30, 0, true));
    assert_eq!(s1.tipping_turnout_ppm, None);
    // M11: a 210 (190 worst) vs b 150 (170 worst).
    let m11 = ct.certainty(unit(&f.reg, "M11"));
    assert_eq!((m11.lead, m11.lead_worst, m11.decided), (60, 20, true));
    assert_eq!(ct.undeclared(unit(&f.reg, "M11")), Some(0));
    // S2 still has no count.
    assert_eq!(ct.undeclared(unit(&f.reg, "S2")), None);
    // A unit that declares more tables than it lists counts the rest as
    // missing, bounded by max_table_voters each (or its declared registry).
    geo.set_declared(&[Declared { unit: "S2".into(), tables: Some(4), registered: Some(500), source: "g".into() }]);
    let tally = tabulate(f.reg.election().unwrap(), &geo, &ev, &TallyOptions::default());
    let s2 = tally.contests[0].certainty(unit(&f.reg, "S2"));
    assert_eq!((tally.contests[0].undeclared(unit(&f.reg, "S2")), s2.unknown_tables), (Some(2), 2));
    assert_eq!(s2.unknown_bound, UnknownBound::RegistryRemainder);
}

#[test]
fn ties_zero_votes_and_caps() {
    // T1: 10/10 tie; T2 zero votes; T3 missing with 30 registered.
    let (def, geo) = flat(2, &[Some(100), Some(100), Some(30)]);
    let mut ev = Evidence::new(&def);
    push(&mut ev, &geo, 1, "T1", "A", "ka", &[10, 10], 0);
    push(&mut ev, &geo, 2, "T2", "A", "ka", &[0, 0], 0);
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let c = tally.contests[0].certainty(Node::National);
    assert_eq!((c.leader, c.tie, c.lead, c.lead_worst), (Some(0), true, 0, 0));
    assert!(!c.decided, "a tie is never decided");
    assert_eq!(c.tipping_turnout_ppm, Some(0));
    // Only zero votes: no leader at that table's level is possible; check the table state anyway.
    assert_eq!(tally.contests[0].state(geo.find_table("T2").unwrap()), TableState::Single);

    // A lead of 25 with 30 missing: not decided, but decided if turnout ≤ 80%.
    let mut ev = Evidence::new(&def);
    push(&mut ev, &geo, 1, "T1", "A", "ka", &[40, 15], 0);
    let options = TallyOptions { turnout_cap_ppm: 800_000, ..TallyOptions::default() };
    let tally = tabulate(&def, &geo, &ev, &options);
    let c = tally.contests[0].certainty(Node::National);
    assert_eq!((c.lead_worst, c.r_miss), (25, 130));
    assert!(!c.decided && !c.decided_at_cap);
    let mut ev2 = Evidence::new(&def);
    push(&mut ev2, &geo, 1, "T1", "A", "ka", &[40, 15], 0);
    push(&mut ev2, &geo, 2, "T2", "A", "ka", &[50, 20], 0);
    let tally = tabulate(&def, &geo, &ev2, &options);
    let c = tally.contests[0].certainty(Node::National);
    // D = 55, R_miss = 30: decided outright; tipping 55/30.
    assert_eq!((c.lead_worst, c.r_miss, c.decided), (55, 30, true));
    assert_eq!(c.tipping_turnout_ppm, Some(1_833_333));
    let mut ev3 = Evidence::new(&def);
    push(&mut ev3, &geo, 1, "T1", "A", "ka", &[40, 15], 0);
    push(&mut ev3, &geo, 2, "T2", "A", "ka", &[20, 20], 0);
    let tally = tabulate(&def, &geo, &ev3, &options);
    let c = tally.contests[0].certainty(Node::National);
    // D = 25 ≤ 30 but 25 > 0.8 × 30 = 24.
    assert_eq!((c.lead_worst, c.decided, c.decided_at_cap), (25, false, true));
}

#[test]
fn most_corroborated_variant_wins_and_ties_go_to_the_earliest() {
    let (def, geo) = flat(2, &[Some(500), Some(500)]);
    let mut ev = Evidence::new(&def);
    // T1: X by A first; Y by B and C later → Y has two sources and counts.
    push(&mut ev, &geo, 1, "T1", "A", "ka", &[100, 50], 1);
    push(&mut ev, &geo, 2, "T1", "B", "kb", &[90, 60], 1);
    push(&mut ev, &geo, 3, "T1", "C", "kc", &[90, 60], 1);
    // T2: two variants with one source each, and a second key of A agreeing with A:
    // still one source each → the earliest counts.
    push(&mut ev, &geo, 4, "T2", "B", "kb", &[5, 7], 0);
    push(&mut ev, &geo, 5, "T2", "A", "ka", &[7, 5], 0);
    push(&mut ev, &geo, 6, "T2", "A", "ka2", &[7, 5], 0);
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let ct = &tally.contests[0];
    let t1 = geo.find_table("T1").unwrap();
    let t2 = geo.find_table("T2").unwrap();
    assert_eq!(ct.state(t1), TableState::Conflicting);
    assert_eq!(ct.table_votes(&ev, t1).unwrap(), [90, 60]);
    assert_eq!(ct.table_votes(&ev, t2).unwrap(), [5, 7]);
    // With keys as sources, T2's second variant has two and wins.
    let by_keys = TallyOptions { independence: Independence::Keys, ..TallyOptions::default() };
    let tally = tabulate(&def, &geo, &ev, &by_keys);
    assert_eq!(tally.contests[0].table_votes(&ev, t2).unwrap(), [7, 5]);
}

#[test]
fn missing_registry_uses_the_table_bound_or_the_registry() {
    // Venezuela-like: no table declares registered voters.
    let (mut def, geo) = flat(2, &[None, None, None]);
    def.max_table_voters = 1_000;
    let mut ev = Evidence::new(&def);
    push(&mut ev, &geo, 1, "T1", "A", "ka", &[600, 100], 10);
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let c = tally.contests[0].certainty(Node::National);
    assert_eq!((c.unknown_tables, c.r_miss, c.unknown_bound), (2, 2_000, UnknownBound::TableBound));
    assert!(!c.decided);
    // With a declared registry of 1,500: 1500 − 710 ballots covered = 790 < 2000.
    def.registry = Some(1_500);
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let c = tally.contests[0].certainty(Node::National);
    assert_eq!((c.r_miss, c.unknown_bound), (790, UnknownBound::RegistryRemainder));
    assert!(!c.decided, "500 < 790");
    // Per unit there is no registry: the table bound applies.
    let m = Node::Unit(geo.find_unit("M").unwrap());
    assert_eq!(tally.contests[0].certainty(m).r_miss, 2_000);
    let report = build_report(&def, &geo, &ev, &tally, &ReportOptions::default());
    let n = &report.contests[0].national;
    assert_eq!(n.coverage_registered_percent, None, "reporting tables declare no registry");
    assert_eq!(n.turnout_percent, None);
    assert_eq!(n.coverage_tables_percent, Some(33.3333));
}

#[test]
fn report_json_csv_and_text() {
    let f = fixture();
    let (ev, tally) = tally_of(&f.reg, &TallyOptions::default());
    let def = f.reg.election().unwrap();
    let report = build_report(def, f.reg.geography(), &ev, &tally, &ReportOptions::default());
    let c = &report.contests[0];
    assert_eq!(c.units.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["S1", "S2", "M11", "M12", "M21"]);
    let n = &c.national;
    assert_eq!(n.tables.total, 9);
    assert_eq!(n.tables.missing, 4);
    assert_eq!(n.coverage_tables_percent, Some(55.5556));
    assert_eq!(n.coverage_registered_percent, None, "T2 reports without a registry");
    // 326 ballots / 950 registered at reporting tables that declare it.
    assert_eq!(n.turnout_percent, Some(34.3158));
    assert_eq!(n.candidates[0].share_percent, Some(58.9744));
    assert_eq!(n.candidates[2].votes, 0);
    assert_eq!(n.certainty.verdict, "open");
    assert_eq!(n.certainty.leader.as_deref(), Some("a"));
    let s1 = c.units.iter().find(|u| u.id == "S1").unwrap();
    // Two declared tables are listed nowhere: S1's own count is unknown.
    assert_eq!(s1.certainty.verdict, "unknown");
    assert_eq!((s1.tables.denominator, s1.coverage_tables_percent), ("unknown", None));
    assert_eq!((n.tables.denominator, n.tables.undeclared), ("declared", 2));
    assert_eq!(s1.coverage_registered_percent, None);
    let m12 = c.units.iter().find(|u| u.id == "M12").unwrap();
    // Every listed table of M12 reports, but M12 may hold unlisted tables.
    assert_eq!(m12.coverage_registered_percent, None);
    let s2 = c.units.iter().find(|u| u.id == "S2").unwrap();
    assert_eq!(s2.certainty.verdict, "no_votes");
    assert_eq!(c.conflicting_tables.len(), 1);
    let conflict = &c.conflicting_tables[0];
    assert_eq!(conflict.table, "T3");
    assert_eq!(conflict.variants[1].organisations, ["Org B"]);

    let json = report.to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema"], SCHEMA);
    assert_eq!(v["contests"][0]["national"]["candidates"][0]["votes_min"], 210);
    assert_eq!(v["contests"][0]["national"]["certainty"]["r_miss"], 978);
    assert_eq!(v["contests"][0]["national"]["flags"][4]["code"], "conflicts_with_earlier");

    let csv = report.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 6);
    assert!(lines[0].ends_with(",votes:a,votes:b,votes:c"));
    assert!(
        lines[1].starts_with(
            "president,national,,Tally test,,9,5,2,2,1,4,950,390,8,0,398,55.56,34.32,a,b,30,978,open,declared,0,0,230,160,0"
        ),
        "{}",
        lines[1]
    );

    let text = report.to_text();
    assert!(text.contains("Tables: 5 of 9 reporting (55.56%)"), "{text}");
    assert!(text.contains("NOT decided"), "{text}");

    // Only the first level.
    let only = build_report(
        def,
        f.reg.geography(),
        &ev,
        &tally,
        &ReportOptions { levels: Some(vec![0]), max_conflicts: Some(0) },
    );
    assert_eq!(only.contests[0].units.len(), 2);
    assert_eq!(only.contests[0].conflicting_tables_omitted, 1);
}

#[test]
fn replay_and_rerun_give_identical_json() {
    let f = fixture();
    let json = |reg: &Registry| {
        let (ev, tally) = tally_of(reg, &TallyOptions::default());
        build_report(reg.election().unwrap(), reg.geography(), &ev, &tally, &ReportOptions::default()).to_json()
    };
    let first = json(&f.reg);
    assert_eq!(first, json(&f.reg));
    assert_eq!(first, json(&f.replay()));
    // And a changed log changes it: drop the last sheet (T7).
    let mut shorter = Registry::new();
    for (i, b) in &f.entries[..f.entries.len() - 1] {
        shorter.apply(*i, b).unwrap();
    }
    assert_ne!(first, json(&shorter));
}

/// Blank votes are part of agreeing (`SheetCounts::agrees_with`, the
/// registry's `conflicts_with_earlier` rule too): two sheets that differ only
/// in blank votes are two variants; an unprinted blank count agrees with 0.
#[test]
fn sheets_differing_only_in_blank_votes_are_variants() {
    let (def, geo) = flat(2, &[Some(100), Some(100), Some(100)]);
    let mut ev = Evidence::new(&def);
    let mut push_blank = |index: u64, table: &str, org: &str, blank: Option<u64>| {
        let f = Figures { votes: &[40, 30], not_reported: &[], null: Some(2), blank };
        push_figures(&mut ev, &geo, index, (table, org, org), f);
    };
    push_blank(1, "T1", "A", Some(2));
    push_blank(2, "T1", "B", Some(3));
    push_blank(3, "T2", "A", None);
    push_blank(4, "T2", "B", Some(0));
    push_blank(5, "T3", "A", None);
    push_blank(6, "T3", "B", Some(3));
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let ct = &tally.contests[0];
    let st = |id| ct.state(geo.find_table(id).unwrap());
    assert_eq!(st("T1"), TableState::Conflicting, "blank 2 against blank 3");
    assert_eq!(st("T2"), TableState::Corroborated, "unprinted blank votes agree with 0");
    assert_eq!(st("T3"), TableState::Corroborated, "blank votes reported by one sheet only are not compared");
    let variants = ct.variants(&ev, geo.find_table("T1").unwrap(), Independence::Organisations);
    assert_eq!(variants.iter().map(|v| v.blank).collect::<Vec<_>>(), [2, 3]);
    // The earliest variant counts: blank 2 (T1) + 0 (T2) + 3 (T3, merged from B).
    assert_eq!(ct.counts(Node::National).blank, 5);
}

/// A source that does not report null votes, or a candidate's votes,
/// creates no conflict; its silence is filled from the sheets it agrees
/// with, and a table nobody reports a figure for says so in the counts
/// and widens the bounds instead of claiming 0.
#[test]
fn figures_not_reported_make_no_conflict_and_widen_bounds() {
    let (def, geo) = flat(2, &[Some(100), Some(100), Some(100), Some(100)]);
    let mut ev = Evidence::new(&def);
    let mut push = |index: u64, table: &str, org: &str, votes: &[u64], not_reported: &[u16], null: Option<u64>| {
        push_figures(&mut ev, &geo, index, (table, org, org), Figures { votes, not_reported, null, blank: None });
    };
    // T1: the second source omits null votes: corroborated, null 4 counted.
    push(1, "T1", "A", &[40, 30], &[], Some(4));
    push(2, "T1", "B", &[40, 30], &[], None);
    // T2: A null 5, B silent, C null 7: B agrees with both, A and C disagree.
    push(3, "T2", "A", &[10, 10], &[], Some(5));
    push(4, "T2", "B", &[10, 10], &[], None);
    push(5, "T2", "C", &[10, 10], &[], Some(7));
    // T3: only a source without null votes, and without the second candidate.
    push(6, "T3", "A", &[20, 0], &[1], None);
    // T4: a real disagreement in a candidate's votes.
    push(7, "T4", "A", &[50, 20], &[], Some(1));
    push(8, "T4", "B", &[51, 20], &[], None);
    let tally = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let ct = &tally.contests[0];
    let st = |id| ct.state(geo.find_table(id).unwrap());
    assert_eq!(st("T1"), TableState::Corroborated);
    assert_eq!(st("T2"), TableState::Conflicting);
    assert_eq!(st("T3"), TableState::Single);
    assert_eq!(st("T4"), TableState::Conflicting);
    let v2 = ct.variants(&ev, geo.find_table("T2").unwrap(), Independence::Organisations);
    assert_eq!(v2.iter().map(|v| (v.sheets.len(), v.null)).collect::<Vec<_>>(), [(2, Some(5)), (1, Some(7))]);
    let v3 = ct.counted(&ev, geo.find_table("T3").unwrap()).unwrap();
    assert_eq!((v3.null, v3.not_reported.as_slice()), (None, &[1u16][..]));
    let n = ct.counts(Node::National);
    assert_eq!((n.null_not_reported, n.votes_not_reported), (1, 1));
    // T3's second candidate counts 0 (T1 30, T2 10, T4 20) but could be up
    // to the table's bound (twice its 100 registered voters).
    assert_eq!(ct.votes(Node::National)[1], 60);
    assert!(ct.votes_max(Node::National)[1] >= 30 + 10 + 200 + 20);
}
