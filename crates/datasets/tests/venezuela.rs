//! The real Venezuelan publications, replayed through the election registry
//! in memory: the counts of the shared README come out exactly.
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use testigo_datasets::venezuela::{self, Publication};
use testigo_election::{encode_signed, Enrol, Entry, Registry, Role};
use testigo_note::{Signer, ALG_ED25519};

fn publication(file: &str) -> Publication {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/venezuela-2024").join(file);
    let raw = testigo_formats::decompress_gz(&std::fs::read(&path).unwrap()).unwrap();
    Publication::parse(file.trim_end_matches(".gz"), &raw).unwrap()
}

#[test]
fn v1_and_v2_replay_with_the_published_counts() {
    let v1 = publication("RESULTADOS_2024_CSV_V1.csv.gz");
    let v2 = publication("RESULTADOS_2024_CSV_V2.csv.gz");
    assert_eq!((v1.rows.len(), v2.rows.len()), (24_532, 25_073));

    let op = Signer::from_seed("operator.example", ALG_ED25519, [1; 32]).unwrap();
    let imp = [
        Signer::from_seed("v1.importer.example", ALG_ED25519, [2; 32]).unwrap(),
        Signer::from_seed("v2.importer.example", ALG_ED25519, [3; 32]).unwrap(),
    ];
    let now = 1_722_000_000;
    let mut entries =
        vec![encode_signed(&Entry::Election(venezuela::election(&op.verifier().to_vkey())), &op).unwrap()];
    let geo = venezuela::geography(&[&v1, &v2]);
    let (units, tables) = (geo.units.len(), geo.tables.len());
    let registered: u64 = geo.tables.iter().filter_map(|t| t.registered).sum();
    assert_eq!(registered, 17_745_239, "V1's RE column total");
    for chunk in venezuela::split_chunk(geo, 400) {
        entries.push(encode_signed(&Entry::Geography(chunk), &op).unwrap());
    }
    for k in &imp {
        let e = Enrol {
            key: k.verifier().to_vkey(),
            role: Role::Importer,
            holder: k.name().into(),
            organisation: "test".into(),
            scope: None,
            valid_from: now - 10,
            valid_until: now + 10,
        };
        entries.push(encode_signed(&Entry::Enrol(e), &op).unwrap());
    }
    for (p, k) in [(&v1, &imp[0]), (&v2, &imp[1])] {
        for r in &p.rows {
            entries.push(encode_signed(&Entry::Sheet(venezuela::sheet(p, r, now)), k).unwrap());
        }
    }
    let mut reg = Registry::new();
    for (i, e) in entries.iter().enumerate() {
        reg.apply(i as u64, e).unwrap_or_else(|r| panic!("entry {i} refused: {r}"));
    }
    assert_eq!(reg.geography().table_count(), tables);
    assert_eq!(reg.geography().unit_count(), units);
    assert_eq!(reg.sheet_count(), 24_532 + 25_073);
    assert!(tables <= venezuela::TOTAL_TABLES as usize && tables >= 25_073);
    assert_eq!(venezuela::states(&[&v1, &v2]).len(), 24);
}
