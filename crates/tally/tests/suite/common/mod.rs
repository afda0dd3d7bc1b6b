//! Small elections for the tally tests: one built through a real signed log
//! (keys, enrolments, sheets, a correction, an official sheet) and helpers to
//! build evidence directly.
#![allow(dead_code)]
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use testigo_election::*;
use testigo_note::{Signer, ALG_ED25519};
use testigo_tally::*;

/// "Now" for every test, unix seconds.
pub const NOW: u64 = 1_722_000_000;
const DAY: u64 = 86_400;

pub fn key(name: &str, seed: u8) -> Signer {
    Signer::from_seed(name, ALG_ED25519, [seed; 32]).unwrap()
}

pub fn election(operator: &Signer) -> ElectionDef {
    let cand = |id: &str| Candidate { id: id.into(), name: format!("Candidate {id}"), cards: vec![] };
    ElectionDef {
        id: "tally-2024".into(),
        name: "Tally test".into(),
        date: "2024-07-28".into(),
        levels: vec!["state".into(), "municipality".into(), "table".into()],
        contests: vec![Contest {
            id: "president".into(),
            name: "President".into(),
            candidates: vec![cand("a"), cand("b"), cand("c")],
        }],
        total_tables: Some(9),
        registry: Some(2_000),
        max_table_voters: DEFAULT_MAX_TABLE_VOTERS,
        operator: operator.verifier().to_vkey(),
    }
}

/// S1 {M11: T1 300, T2 ?, T3 200; M12: T4 400, T7 50}, S2 {M21: T5 250, T6 100}.
pub fn geography() -> GeographyChunk {
    let unit = |id: &str, parent: Option<&str>, level| Unit {
        id: id.into(),
        parent: parent.map(Into::into),
        level,
        name: format!("Unit {id}"),
    };
    let table = |id: &str, unit: &str, registered| Table { id: id.into(), unit: unit.into(), registered };
    GeographyChunk {
        declared: Vec::new(),
        units: vec![
            unit("S1", None, 0),
            unit("S2", None, 0),
            unit("M11", Some("S1"), 1),
            unit("M12", Some("S1"), 1),
            unit("M21", Some("S2"), 1),
        ],
        tables: vec![
            table("T1", "M11", Some(300)),
            table("T2", "M11", None),
            table("T3", "M11", Some(200)),
            table("T4", "M12", Some(400)),
            table("T5", "M21", Some(250)),
            table("T6", "M21", Some(100)),
            table("T7", "M12", Some(50)),
        ],
    }
}

pub struct Fixture {
    pub reg: Registry,
    pub entries: Vec<(u64, Vec<u8>)>,
}

impl Fixture {
    pub fn submit(&mut self, entry: &Entry, signer: &Signer) -> Applied {
        let bytes = encode_signed(entry, signer).unwrap();
        let index = self.reg.next_index();
        let applied = self.reg.apply(index, &bytes).unwrap_or_else(|e| panic!("entry {index} rejected: {e}"));
        self.entries.push((index, bytes));
        applied
    }

    /// Replays the same entries into a fresh registry (what a verifier does).
    pub fn replay(&self) -> Registry {
        let mut r = Registry::new();
        for (i, b) in &self.entries {
            r.apply(*i, b).unwrap();
        }
        r
    }
}

fn enrol(key: &Signer, role: Role, org: &str) -> Entry {
    Entry::Enrol(Enrol {
        key: key.verifier().to_vkey(),
        role,
        holder: format!("Holder of {}", key.name()),
        organisation: org.into(),
        scope: None,
        valid_from: NOW - DAY,
        valid_until: NOW + DAY,
    })
}

pub fn sheet(table: &str, source: Source, a: u64, b: u64, c: u64, null: u64) -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: "tally-2024".into(),
        table: table.into(),
        contest: "president".into(),
        source,
        votes: BTreeMap::from([("a".into(), a), ("b".into(), b), ("c".into(), c)]),
        valid: Some(a + b + c),
        null: Some(null),
        blank: None,
        voters: Some(a + b + c + null),
        registered: None,
        photo_sha256: None,
        qr: None,
        dataset: None,
        supersedes: None,
        signed_at: NOW,
    }
}

/// The fixture log. Table by table:
/// - T1: org A and org B agree (100, 50, 0; null 5) → corroborated; an
///   official sheet says (90, 60, 0; 5).
/// - T2: two keys of org A agree (30, 40, 0; 2) → single (corroborated by keys).
/// - T3: three organisations disagree: A (80, 60), B (70, 70), C (60, 80), null 1 → conflicting, A's counted.
/// - T4: B says (10, 20) then corrects to (20, 10); C says (20, 10) → corroborated (20, 10).
/// - T7: A says all zero → single, zero votes.
/// - T5, T6 (the whole of S2): missing. Two more tables are declared but not in the geography.
pub fn fixture() -> Fixture {
    let operator = key("operator.tally.example", 1);
    let a1 = key("a1.example", 2);
    let a2 = key("a2.example", 3);
    let b = key("b.example", 4);
    let c = key("c.example", 5);
    let publisher = key("cne.example", 6);
    let mut f = Fixture { reg: Registry::new(), entries: Vec::new() };
    f.submit(&Entry::Election(election(&operator)), &operator);
    f.submit(&Entry::Geography(geography()), &operator);
    for (k, role, org) in [
        (&a1, Role::Witness, "Org A"),
        (&a2, Role::Witness, "Org A"),
        (&b, Role::Witness, "Org B"),
        (&c, Role::Witness, "Org C"),
        (&publisher, Role::Publisher, "Authority"),
    ] {
        f.submit(&enrol(k, role, org), &operator);
    }
    let w = Source::Witness;
    let s = |e: Sheet| Entry::Sheet(e);
    f.submit(&s(sheet("T1", w, 100, 50, 0, 5)), &a1);
    f.submit(&s(sheet("T1", w, 100, 50, 0, 5)), &b);
    f.submit(&s(sheet("T1", Source::Official, 90, 60, 0, 5)), &publisher);
    f.submit(&s(sheet("T2", w, 30, 40, 0, 2)), &a1);
    f.submit(&s(sheet("T2", w, 30, 40, 0, 2)), &a2);
    f.submit(&s(sheet("T3", w, 80, 60, 0, 1)), &a1);
    f.submit(&s(sheet("T3", w, 70, 70, 0, 1)), &b);
    f.submit(&s(sheet("T3", w, 60, 80, 0, 1)), &c);
    let first = f.submit(&s(sheet("T4", w, 10, 20, 0, 0)), &b);
    let mut fix = sheet("T4", w, 20, 10, 0, 0);
    fix.supersedes = Some(first.index);
    f.submit(&s(fix), &b);
    f.submit(&s(sheet("T4", w, 20, 10, 0, 0)), &c);
    f.submit(&s(sheet("T7", w, 0, 0, 0, 0)), &a1);
    f
}

/// Tallies a registry with the given options.
pub fn tally_of(reg: &Registry, options: &TallyOptions) -> (Evidence, Tally) {
    let ev = Evidence::from_registry(reg);
    let t = tabulate(reg.election().unwrap(), reg.geography(), &ev, options);
    (ev, t)
}

/// A flat geography: one state `S`, one municipality `M`, tables `T1..=Tn`
/// with the given registries; one contest with `candidates` candidates.
pub fn flat(candidates: usize, registries: &[Option<u64>]) -> (ElectionDef, Geography) {
    let operator = key("operator.tally.example", 1);
    let mut def = election(&operator);
    def.contests[0].candidates = (0..candidates)
        .map(|k| Candidate { id: format!("k{k}"), name: format!("Candidate {k}"), cards: vec![] })
        .collect();
    def.total_tables = None;
    def.registry = None;
    let mut geo = Geography::new(def.levels.clone());
    let s = geo.add_unit(&Unit { id: "S".into(), parent: None, level: 0, name: "S".into() }).unwrap();
    let _ = s;
    let m = geo.add_unit(&Unit { id: "M".into(), parent: Some("S".into()), level: 1, name: "M".into() }).unwrap();
    for (i, r) in registries.iter().enumerate() {
        geo.add_table(&format!("T{}", i + 1), m, *r).unwrap();
    }
    (def, geo)
}

/// Pushes a witness sheet by organisation `org` (one key per organisation unless `key` differs).
#[allow(clippy::too_many_arguments)]
pub fn push(
    ev: &mut Evidence,
    geo: &Geography,
    index: u64,
    table: &str,
    org: &str,
    key: &str,
    votes: &[u64],
    null: u64,
) {
    push_figures(
        ev,
        geo,
        index,
        (table, org, key),
        Figures { votes, not_reported: &[], null: Some(null), blank: None },
    );
}

/// What a pushed sheet reports.
pub struct Figures<'a> {
    /// Votes in candidate order (0 where not reported).
    pub votes: &'a [u64],
    /// Candidate positions not reported.
    pub not_reported: &'a [u16],
    /// Null votes, if reported.
    pub null: Option<u64>,
    /// Blank votes, if reported.
    pub blank: Option<u64>,
}

/// Pushes a witness sheet for (table, organisation, key) with any figures.
pub fn push_figures(ev: &mut Evidence, geo: &Geography, index: u64, who: (&str, &str, &str), f: Figures<'_>) {
    let (table, org, key) = who;
    let organisation = ev.intern_organisation(org);
    let signer = ev.intern_signer(key);
    ev.push(NewSheet {
        not_reported: f.not_reported,
        index,
        table: geo.find_table(table).unwrap(),
        contest: 0,
        source: Source::Witness,
        flags: FlagSet::default(),
        current: true,
        signer,
        organisation,
        votes: f.votes,
        null: f.null,
        blank: f.blank,
    })
    .unwrap();
}
