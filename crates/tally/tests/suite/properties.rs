//! Properties on synthetic elections: every node is the sum of its
//! children, table states match what the generator planted, and output is
//! deterministic.

use proptest::prelude::*;
use testigo_election::{FlagSet, Source};
use testigo_synth::{generate, SynthConfig, SynthElection, ORGANISATIONS, SIGNERS};
use testigo_tally::*;

/// Feeds a synthetic election's sheets into [`Evidence`].
fn evidence(e: &SynthElection) -> Evidence {
    let mut ev = Evidence::new(&e.def);
    let orgs: Vec<u32> = ORGANISATIONS.iter().map(|o| ev.intern_organisation(o)).collect();
    let keys: Vec<u32> = SIGNERS.iter().map(|k| ev.intern_signer(k)).collect();
    ev.reserve(e.sheet_count(), e.candidates());
    e.for_each_sheet(|s| {
        ev.push(NewSheet {
            not_reported: &[],
            index: s.index,
            table: s.table,
            contest: 0,
            source: Source::Witness,
            flags: FlagSet::default(),
            current: true,
            signer: keys[s.organisation],
            organisation: orgs[s.organisation],
            votes: s.votes,
            null: Some(s.null),
            blank: s.blank,
        })
        .unwrap();
    });
    ev
}

fn config(seed: u64, tables: usize, depth: usize, missing: u32, corroborated: u32, conflicting: u32) -> SynthConfig {
    let mut c = SynthConfig::new(seed, tables);
    c.levels = ["l0", "l1", "l2", "l3", "table"][5 - depth - 1..].iter().map(|s| s.to_string()).collect();
    c.fanout = [3, 2, 2][..depth - 1].to_vec();
    c.candidates = 1 + (seed % 5) as usize;
    c.missing_ppm = missing;
    c.corroborated_ppm = corroborated;
    c.conflicting_ppm = conflicting;
    c.registry_known = !seed.is_multiple_of(3);
    c.blank = seed.is_multiple_of(2);
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_node_is_the_sum_of_its_children(
        seed in 0u64..1_000,
        tables in 1usize..400,
        depth in 1usize..=4,
        missing in 0u32..500_000,
        corroborated in 0u32..500_000,
        conflicting in 0u32..300_000,
    ) {
        let e = generate(&config(seed, tables, depth, missing, corroborated, conflicting)).unwrap();
        let ev = evidence(&e);
        let tally = tabulate(&e.def, &e.geo, &ev, &TallyOptions::default());
        let ct = &tally.contests[0];
        let geo = &e.geo;
        let nodes: Vec<Node> = std::iter::once(Node::National).chain(geo.units().map(Node::Unit)).collect();
        for node in nodes {
            let children: Vec<Node> = match node {
                Node::National => geo.units().filter(|&u| geo.unit_parent(u).is_none()).map(Node::Unit).collect(),
                Node::Unit(u) => geo.unit_children(u).map(Node::Unit).collect(),
            };
            if children.is_empty() {
                // A leaf unit: the sum over its tables, from the generator's truth.
                let Node::Unit(u) = node else { unreachable!() };
                let tabs: Vec<_> = geo.unit_tables(u).collect();
                prop_assert_eq!(ct.counts(node).tables, tabs.len() as u64);
                let reporting = tabs.iter().filter(|t| e.sheet_mask[t.get()] != 0).count() as u64;
                prop_assert_eq!(ct.counts(node).reporting(), reporting);
                continue;
            }
            let mut sum = NodeCounts::default();
            let nc = ct.candidates();
            let (mut v, mut lo, mut hi) = (vec![0u64; nc], vec![0u64; nc], vec![0u64; nc]);
            for &ch in &children {
                let c = ct.counts(ch);
                sum.tables += c.tables;
                sum.missing += c.missing;
                sum.single += c.single;
                sum.corroborated += c.corroborated;
                sum.conflicting += c.conflicting;
                sum.valid += c.valid;
                sum.null += c.null;
                sum.blank += c.blank;
                sum.voters += c.voters;
                sum.registered += c.registered;
                sum.registered_reporting += c.registered_reporting;
                sum.registered_missing += c.registered_missing;
                for k in 0..nc {
                    v[k] += ct.votes(ch)[k];
                    lo[k] += ct.votes_min(ch)[k];
                    hi[k] += ct.votes_max(ch)[k];
                }
            }
            let p = ct.counts(node);
            prop_assert_eq!(
                (sum.tables, sum.missing, sum.single, sum.corroborated, sum.conflicting),
                (p.tables, p.missing, p.single, p.corroborated, p.conflicting)
            );
            prop_assert_eq!((sum.valid, sum.null, sum.blank, sum.voters), (p.valid, p.null, p.blank, p.voters));
            prop_assert_eq!(
                (sum.registered, sum.registered_reporting, sum.registered_missing),
                (p.registered, p.registered_reporting, p.registered_missing)
            );
            prop_assert_eq!(&v[..], ct.votes(node));
            prop_assert_eq!(&lo[..], ct.votes_min(node));
            prop_assert_eq!(&hi[..], ct.votes_max(node));
            prop_assert_eq!(p.valid, v.iter().sum::<u64>());
            for k in 0..nc {
                prop_assert!(lo[k] <= v[k] && v[k] <= hi[k]);
            }
        }
        // States match the generator: missing, corroborated, conflicting.
        let n = ct.counts(Node::National);
        let masks = &e.sheet_mask;
        prop_assert_eq!(n.missing, masks.iter().filter(|&&m| m == 0).count() as u64);
        prop_assert_eq!(n.corroborated, masks.iter().filter(|&&m| m == 3).count() as u64);
        prop_assert_eq!(n.conflicting, masks.iter().filter(|&&m| m & 4 != 0).count() as u64);
        // Every counted table with no conflict counts the true figures.
        let truth: u64 = (0..e.table_count()).filter(|&t| masks[t] != 0).map(|t| e.table_votes(t).iter().sum::<u64>()).sum();
        if n.conflicting == 0 {
            prop_assert_eq!(n.valid, truth);
        }
    }
}

#[test]
fn two_runs_give_byte_identical_json_csv_and_text() {
    let mut c = SynthConfig::new(42, 3_000);
    c.missing_ppm = 150_000;
    c.corroborated_ppm = 300_000;
    c.conflicting_ppm = 20_000;
    let run = |c: &SynthConfig| {
        let e = generate(c).unwrap();
        let ev = evidence(&e);
        let tally = tabulate(&e.def, &e.geo, &ev, &TallyOptions::default());
        let r = build_report(&e.def, &e.geo, &ev, &tally, &ReportOptions::default());
        (r.to_json(), r.to_csv(), r.to_text())
    };
    let (a, b) = (run(&c), run(&c));
    assert_eq!(a, b);
    assert!(a.0.contains("\"conflicting_tables\": ["));
    // A different seed gives a different report.
    c.seed = 43;
    assert_ne!(run(&c).0, a.0);
}

#[test]
fn synthetic_csv_round_trips_through_the_loader_and_tallies_the_same() {
    let mut c = SynthConfig::new(5, 800);
    c.missing_ppm = 100_000;
    let e = generate(&c).unwrap();
    let def = testigo_election::load_election(&e.election_toml(), "synth.toml").unwrap();
    let geo = testigo_election::load_tables_csv(&def.levels, &e.tables_csv(), "tables.csv").unwrap();
    // Rebuild evidence from the sheets CSV, by table id.
    let mut ev = Evidence::new(&def);
    let csv = e.sheets_csv();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..6], ["index", "table", "contest", "source", "organisation", "signer"]);
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let org = ev.intern_organisation(f[4]);
        let key = ev.intern_signer(f[5]);
        let votes: Vec<u64> = f[6..f.len() - 2].iter().map(|x| x.parse().unwrap()).collect();
        ev.push(NewSheet {
            not_reported: &[],
            index: f[0].parse().unwrap(),
            table: geo.find_table(f[1]).unwrap(),
            contest: 0,
            source: Source::Witness,
            flags: FlagSet::default(),
            current: true,
            signer: key,
            organisation: org,
            votes: &votes,
            null: Some(f[f.len() - 2].parse().unwrap()),
            blank: f[f.len() - 1].parse().ok(),
        })
        .unwrap();
    }
    let direct = evidence(&e);
    let a = tabulate(&e.def, &e.geo, &direct, &TallyOptions::default());
    let b = tabulate(&def, &geo, &ev, &TallyOptions::default());
    let ra = build_report(&e.def, &e.geo, &direct, &a, &ReportOptions::default());
    let rb = build_report(&def, &geo, &ev, &b, &ReportOptions::default());
    assert_eq!(ra.to_json(), rb.to_json());
}
