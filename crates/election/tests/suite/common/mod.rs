//! A small election built in code, its keys, and helpers to submit entries
//! through both `check` and `apply` and insist they agree.
#![allow(dead_code)]
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use testigo_election::*;
use testigo_note::{Signer, ALG_ED25519};

/// "Now" for every test, unix seconds.
pub const NOW: u64 = 1_722_000_000;
/// Keys are valid a day either side of NOW.
pub const DAY: u64 = 86_400;

/// Deterministic keys, so failures reproduce.
pub fn key(name: &str, seed: u8) -> Signer {
    Signer::from_seed(name, ALG_ED25519, [seed; 32]).unwrap()
}

pub struct Keys {
    pub operator: Signer,
    /// Witness scoped to state S1.
    pub w1: Signer,
    /// Witness for the whole election.
    pub w2: Signer,
    pub agent: Signer,
    pub importer: Signer,
    pub publisher: Signer,
    pub observer: Signer,
    /// Witness scoped to municipality M21.
    pub w21: Signer,
    /// Enrolled nowhere.
    pub stranger: Signer,
}

pub fn keys() -> Keys {
    Keys {
        operator: key("operator.testigo.example", 1),
        w1: key("w1.example", 2),
        w2: key("w2.example", 3),
        agent: key("agent.example", 4),
        importer: key("importer.example", 5),
        publisher: key("publisher.example", 6),
        observer: key("observer.example", 7),
        w21: key("w21.example", 8),
        stranger: key("stranger.example", 9),
    }
}

pub fn election(operator: &Signer) -> ElectionDef {
    let cand = |id: &str, cards: &[&str]| Candidate {
        id: id.into(),
        name: format!("Candidate {id}"),
        cards: cards.iter().map(|c| BallotCard { id: (*c).into(), name: format!("Card {c}") }).collect(),
    };
    ElectionDef {
        id: "test-2024".into(),
        name: "Test election".into(),
        date: "2024-07-28".into(),
        levels: vec!["state".into(), "municipality".into(), "table".into()],
        contests: vec![
            Contest {
                id: "president".into(),
                name: "President".into(),
                candidates: vec![cand("a", &["a1", "a2"]), cand("b", &["b1"]), cand("c", &[])],
            },
            Contest {
                id: "governor".into(),
                name: "Governor".into(),
                candidates: vec![cand("x", &[]), cand("y", &[])],
            },
        ],
        total_tables: Some(5),
        registry: Some(1_000),
        max_table_voters: DEFAULT_MAX_TABLE_VOTERS,
        operator: operator.verifier().to_vkey(),
    }
}

pub fn geography_chunk() -> GeographyChunk {
    let unit = |id: &str, parent: Option<&str>, level| Unit {
        id: id.into(),
        parent: parent.map(Into::into),
        level,
        name: format!("Unit {id}"),
    };
    let table = |id: &str, unit: &str, registered| Table { id: id.into(), unit: unit.into(), registered };
    GeographyChunk {
        declared: Vec::new(),
        units: vec![unit("S1", None, 0), unit("S2", None, 0), unit("M11", Some("S1"), 1), unit("M21", Some("S2"), 1)],
        tables: vec![table("T1", "M11", Some(300)), table("T2", "M11", None), table("T3", "M21", Some(200))],
    }
}

pub fn enrol(key: &Signer, role: Role, scope: Option<&str>) -> Entry {
    Entry::Enrol(Enrol {
        key: key.verifier().to_vkey(),
        role,
        holder: format!("Holder of {}", key.name()),
        organisation: "Observers Org".into(),
        scope: scope.map(Into::into),
        valid_from: NOW - DAY,
        valid_until: NOW + DAY,
    })
}

/// A plain, consistent witness sheet for T1/president.
pub fn sheet(table: &str) -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: "test-2024".into(),
        table: table.into(),
        contest: "president".into(),
        source: Source::Witness,
        votes: BTreeMap::from([("a".into(), 100), ("b".into(), 50), ("c".into(), 10)]),
        valid: Some(160),
        null: Some(5),
        blank: None,
        voters: Some(165),
        registered: Some(300),
        photo_sha256: None,
        qr: None,
        dataset: None,
        supersedes: None,
        signed_at: NOW,
    }
}

pub fn enc(entry: &Entry, signer: &Signer) -> Vec<u8> {
    encode_signed(entry, signer).unwrap()
}

/// A registry with the fixture applied, and every accepted entry's bytes so
/// tests can replay the log.
pub struct Log {
    pub reg: Registry,
    pub k: Keys,
    pub entries: Vec<(u64, Vec<u8>)>,
}

impl Log {
    /// Submits like a server: `check` at NOW, then `apply` at the next index.
    /// Asserts both give the same verdict (same rejection, or same flags).
    pub fn submit(&mut self, bytes: &[u8]) -> Result<Applied, Rejection> {
        let checked = self.reg.check(bytes, NOW);
        let index = self.reg.next_index();
        let applied = self.reg.apply(index, bytes);
        match (&checked, &applied) {
            (Ok(flags), Ok(a)) => assert_eq!(flags, &a.flags, "check and apply flag differently"),
            (Err(c), Err(a)) => assert_eq!(c, a, "check and apply reject differently"),
            _ => panic!("check {checked:?} but apply {applied:?}"),
        }
        if applied.is_ok() {
            self.entries.push((index, bytes.to_vec()));
        }
        applied
    }

    pub fn submit_entry(&mut self, entry: &Entry, signer: &Signer) -> Result<Applied, Rejection> {
        let bytes = enc(entry, signer);
        self.submit(&bytes)
    }

    pub fn sheet(&mut self, sheet: &Sheet, signer: &Signer) -> Result<Applied, Rejection> {
        self.submit_entry(&Entry::Sheet(sheet.clone()), signer)
    }

    pub fn code(&mut self, entry: &Entry, signer: &Signer) -> &'static str {
        match self.submit_entry(entry, signer) {
            Ok(a) => panic!("expected a rejection, got {a:?}"),
            Err(r) => r.code(),
        }
    }

    /// Replays the accepted entries into a fresh registry.
    pub fn replay(&self) -> Registry {
        let mut fresh = Registry::new();
        for (i, b) in &self.entries {
            fresh.apply(*i, b).unwrap();
        }
        fresh
    }
}

pub fn setup() -> Log {
    let k = keys();
    let mut log = Log { reg: Registry::new(), k: keys(), entries: Vec::new() };
    log.submit_entry(&Entry::Election(election(&k.operator)), &k.operator).unwrap();
    log.submit_entry(&Entry::Geography(geography_chunk()), &k.operator).unwrap();
    for (key, role, scope) in [
        (&k.w1, Role::Witness, Some("S1")),
        (&k.w2, Role::Witness, None),
        (&k.agent, Role::PartyAgent, None),
        (&k.importer, Role::Importer, None),
        (&k.publisher, Role::Publisher, None),
        (&k.observer, Role::Observer, None),
        (&k.w21, Role::Witness, Some("M21")),
    ] {
        log.submit_entry(&enrol(key, role, scope), &k.operator).unwrap();
    }
    log
}
