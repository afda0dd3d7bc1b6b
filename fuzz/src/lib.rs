//! Fixtures shared by the fuzz targets and by `examples/seeds.rs`, which
//! writes the generated seeds in `seeds/`: fixed keys, a small election
//! (after `crates/election/tests/common`), and signed entries of every kind.

use std::collections::BTreeMap;
use testigo_election::*;
use testigo_note::{Signer, ALG_COSIGNATURE_V1, ALG_ED25519};

/// The origin (and key name) of the fuzz targets' log.
pub const LOG_ORIGIN: &str = "log.fuzz.example";
/// "Now" for the registry target, unix seconds; enrolments are valid a day either side.
pub const NOW: u64 = 1_722_000_000;
const DAY: u64 = 86_400;

/// The log's Ed25519 key.
pub fn log_key() -> Signer {
    Signer::from_seed(LOG_ORIGIN, ALG_ED25519, [1; 32]).unwrap()
}

/// A witness's cosignature (type 0x04) key.
pub fn witness_key() -> Signer {
    Signer::from_seed("witness.fuzz.example", ALG_COSIGNATURE_V1, [2; 32]).unwrap()
}

/// The election's keys: the operator first, then the enrolled keys in
/// [`enrolments`] order, then a key enrolled nowhere.
pub fn election_keys() -> Vec<Signer> {
    [
        "operator.testigo.example",
        "w1.example",
        "w2.example",
        "agent.example",
        "importer.example",
        "publisher.example",
        "observer.example",
        "w21.example",
        "auditor.example",
        "stranger.example",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| Signer::from_seed(name, ALG_ED25519, [i as u8 + 10; 32]).unwrap())
    .collect()
}

/// Role and scope of `election_keys()[1..=8]`.
pub fn enrolments() -> [(Role, Option<&'static str>); 8] {
    [
        (Role::Witness, Some("S1")),
        (Role::Witness, None),
        (Role::PartyAgent, None),
        (Role::Importer, None),
        (Role::Publisher, None),
        (Role::Observer, None),
        (Role::Witness, Some("M21")),
        (Role::Auditor, None),
    ]
}

/// The election definition.
pub fn election(operator: &Signer) -> ElectionDef {
    let cand = |id: &str, cards: &[&str]| Candidate {
        id: id.into(),
        name: format!("Candidate {id}"),
        cards: cards.iter().map(|c| BallotCard { id: (*c).into(), name: format!("Card {c}") }).collect(),
    };
    ElectionDef {
        id: "fuzz-2024".into(),
        name: "Fuzz election".into(),
        date: "2024-07-28".into(),
        levels: vec!["state".into(), "municipality".into(), "table".into()],
        contests: vec![
            Contest {
                id: "president".into(),
                name: "President".into(),
                candidates: vec![cand("a", &["a1", "a2"]), cand("b", &["b1"]), cand("c", &[])],
            },
            Contest { id: "governor".into(), name: "Governor".into(), candidates: vec![cand("x", &[]), cand("y", &[])] },
        ],
        total_tables: Some(5),
        registry: Some(1_000),
        max_table_voters: DEFAULT_MAX_TABLE_VOTERS,
        operator: operator.verifier().to_vkey(),
    }
}

/// Two states, two municipalities, three tables.
pub fn geography_chunk() -> GeographyChunk {
    let unit = |id: &str, parent: Option<&str>, level| Unit {
        id: id.into(),
        parent: parent.map(Into::into),
        level,
        name: format!("Unit {id}"),
    };
    let table = |id: &str, unit: &str, registered| Table { id: id.into(), unit: unit.into(), registered };
    GeographyChunk {
        units: vec![unit("S1", None, 0), unit("S2", None, 0), unit("M11", Some("S1"), 1), unit("M21", Some("S2"), 1)],
        tables: vec![table("T1", "M11", Some(300)), table("T2", "M11", None), table("T3", "M21", Some(200))],
        declared: vec![Declared { unit: "S2".into(), tables: Some(2), registered: None, source: "gazette".into() }],
    }
}

/// The signed entries that set the election up (indexes 0..), in log order.
pub fn setup_entries() -> Vec<Vec<u8>> {
    let keys = election_keys();
    let op = &keys[0];
    let mut out = vec![
        encode_signed(&Entry::Election(election(op)), op).unwrap(),
        encode_signed(&Entry::Geography(geography_chunk()), op).unwrap(),
    ];
    for (key, (role, scope)) in keys[1..].iter().zip(enrolments()) {
        let e = Entry::Enrol(Enrol {
            key: key.verifier().to_vkey(),
            role,
            holder: format!("Holder of {}", key.name()),
            organisation: "Observers Org".into(),
            scope: scope.map(Into::into),
            valid_from: NOW - DAY,
            valid_until: NOW + DAY,
        });
        out.push(encode_signed(&e, op).unwrap());
    }
    out
}

/// A registry with [`setup_entries`] applied.
pub fn registry() -> Registry {
    let mut reg = Registry::new();
    for (i, e) in setup_entries().iter().enumerate() {
        reg.apply(i as u64, e).expect("the fixture applies");
    }
    reg
}

/// A consistent witness sheet for `table`/president.
pub fn sheet(table: &str) -> Sheet {
    Sheet {
        election: "fuzz-2024".into(),
        table: table.into(),
        contest: "president".into(),
        source: Source::Witness,
        votes: BTreeMap::from([("a".into(), 100), ("b".into(), 50), ("c".into(), 10)]),
        valid: Some(160),
        null: Some(5),
        blank: None,
        not_reported: Vec::new(),
        voters: Some(165),
        registered: Some(300),
        photo_sha256: None,
        qr: None,
        dataset: None,
        supersedes: None,
        signed_at: NOW,
    }
}

/// Entries that the fixture registry would take next, each with the index
/// (into [`election_keys`]) of the key that signs it.
pub fn sample_entries() -> Vec<(usize, Entry)> {
    let keys = election_keys();
    let photo = "ab".repeat(32);
    let mut full = sheet("T3");
    full.photo_sha256 = Some(photo.clone());
    full.qr = Some("qr payload".into());
    full.supersedes = Some(9);
    full.blank = Some(0);
    full.dataset = Some(Dataset { name: "cne.csv".into(), sha256: "cd".repeat(32), row: 7, reference: Some("https://example.org/7".into()) });
    let mut partial = sheet("T2");
    partial.null = None;
    partial.votes.remove("c");
    partial.not_reported = vec!["c".into()];
    vec![
        (1, Entry::Sheet(sheet("T1"))),
        (7, Entry::Sheet(full)),
        (
            5,
            Entry::Bulletin(Bulletin {
                contest: "president".into(),
                label: "bulletin 1".into(),
                source: "tv".into(),
                date: Some("2024-07-29".into()),
                unit: None,
                counts: vec![
                    BulletinCount { candidates: vec!["a".into()], votes: 100, percent: Some("51.20".into()) },
                    BulletinCount { candidates: vec!["b".into(), "c".into()], votes: 60, percent: None },
                ],
                valid: Some(160),
                null: Some(5),
                voters: Some(165),
                registry: Some(1000),
                tables_counted_percent: Some("80.00".into()),
                signed_at: NOW,
            }),
        ),
        (
            0,
            Entry::Reading(PhotoReading {
                photo_sha256: photo,
                codes: vec!["qr payload".into()],
                reader: "fuzz 1".into(),
                signed_at: NOW,
            }),
        ),
        (0, Entry::Revoke(Revoke { key: keys[3].verifier().to_vkey(), reason: "lost".into() })),
        (2, Entry::Sheet(partial)),
        (
            4,
            Entry::Import(ImportManifest {
                election: "fuzz-2024".into(),
                name: "cne.csv".into(),
                sha256: "cd".repeat(32),
                format: "testigo-csv".into(),
                rows: 9,
                sheets: 1,
                signed_at: NOW,
            }),
        ),
        (
            0,
            Entry::AuditSeed(AuditSeed {
                contest: "president".into(),
                method: "batch_comparison".into(),
                risk_limit_ppm: 50_000,
                dice: "0123456789".into(),
                checkpoint_size: 12,
                checkpoint_root: "ef".repeat(32),
                signed_at: NOW,
            }),
        ),
        (
            8,
            Entry::AuditCount(AuditCount {
                audit: 9,
                table: "T1".into(),
                votes: BTreeMap::from([("a".into(), 100), ("b".into(), 50)]),
                signed_at: NOW,
            }),
        ),
        (0, Entry::Geography(GeographyChunk { units: vec![], tables: vec![], declared: vec![] })),
        (0, Entry::Election(election(&keys[0]))),
    ]
}

/// Leaf hashes of a log of `n` entries `entry 0`, `entry 1`, ...
pub fn log_leaves(n: u64) -> Vec<testigo_tlog::Hash> {
    (0..n).map(|i| testigo_tlog::leaf_hash(format!("entry {i}").as_bytes())).collect()
}

/// The checkpoint of the [`log_leaves`] log at `size`, signed by [`log_key`].
pub fn signed_checkpoint(size: u64) -> Vec<u8> {
    let leaves = log_leaves(size);
    let cp = testigo_tlog::Checkpoint {
        origin: LOG_ORIGIN.into(),
        size,
        root: testigo_tlog::hash::tree_hash(&leaves),
        extensions: vec![],
    };
    cp.sign(&log_key()).unwrap().to_bytes()
}

/// An add-checkpoint request body from `old` to `new` on the [`log_leaves`] log.
pub fn add_request(old: u64, new: u64) -> Vec<u8> {
    let leaves = log_leaves(new);
    let proof = if old == 0 || old == new {
        vec![]
    } else {
        testigo_tlog::proof::consistency_proof(&leaves[..], old, new).unwrap()
    };
    testigo_witness::AddCheckpointRequest { old_size: old, proof, checkpoint: signed_checkpoint(new) }.to_bytes()
}

/// The size of the checkpoint the witness target's witness holds before each input.
pub const WITNESS_START_SIZE: u64 = 5;
