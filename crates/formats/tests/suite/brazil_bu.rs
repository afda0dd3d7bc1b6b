//! Brazil BU QR: the manual's worked example, mutations, multi-part
//! assembly and generated round trips.

use ed25519_dalek::{SigningKey, VerifyingKey};
use proptest::prelude::*;
use testigo_formats::brazil_bu::{
    build_payload, parse_part, parse_payload, AssembleError, BuContent, BuError, BuHeader, BuRecord, BuildOptions,
    ChainStatus, Entry, KeySet, Office, PartyVotes, Phase, SignatureStatus, QR_ALPHABET,
};

/// TSE's 2024 manual example (see testdata/README.md).
const EXAMPLE: &str = include_str!("../../testdata/bu_ac_2024_example.txt");
const EXAMPLE_KEY: &str = include_str!("../../testdata/bu_ac_2024_key.hex");

fn example() -> &'static str {
    EXAMPLE.trim_end()
}

fn example_keys() -> KeySet {
    let raw = hex::decode(EXAMPLE_KEY.trim()).unwrap();
    let mut keys = KeySet::new();
    keys.add_key_file("AC", Phase::Simulated, "20240507", &raw, None).unwrap();
    keys
}

#[test]
fn manual_example_verifies_and_maps() {
    let payload = parse_payload([example()]).unwrap();
    assert_eq!(payload.version, "1.5");
    assert_eq!(payload.key_version.as_deref(), Some("20240507"));
    let v = payload.verify(&example_keys());
    assert_eq!(v.chain, ChainStatus::Valid);
    assert_eq!(v.signature, SignatureStatus::Verified);
    assert!(v.is_authentic());

    let r = payload.record().unwrap();
    assert_eq!(r.header.state.as_deref(), Some("AC"));
    assert_eq!(r.header.phase.as_deref(), Some("S"));
    assert_eq!((r.header.municipality, r.header.zone, r.header.section), (Some(1120), Some(8), Some(2)));
    assert_eq!((r.header.eligible, r.header.present, r.header.absent), (Some(144), Some(2), Some(142)));
    assert_eq!(r.offices.len(), 2);
    let councillor = &r.offices[0];
    assert_eq!((councillor.office, councillor.kind), (13, Some(1)));
    assert_eq!(councillor.parties.len(), 1);
    assert_eq!(councillor.parties[0].party, 93);
    assert_eq!(councillor.all_candidate_votes().into_iter().collect::<Vec<_>>(), [(93001, 1)]);
    assert_eq!((councillor.blank, councillor.null, councillor.total), (Some(1), Some(0), Some(2)));
    let mayor = &r.offices[1];
    assert_eq!((mayor.office, mayor.kind), (11, Some(0)));
    assert_eq!(mayor.candidate_votes.clone().into_iter().collect::<Vec<_>>(), [(92, 1)]);
    assert_eq!((mayor.blank, mayor.null, mayor.total, mayor.eligible), (Some(0), Some(1), Some(2), Some(144)));
}

#[test]
fn example_statuses_without_the_right_key() {
    let payload = parse_payload([example()]).unwrap();
    assert_eq!(payload.verify(&KeySet::new()).signature, SignatureStatus::UnknownKey);
    // The right state and version but the official phase: no key.
    let raw = hex::decode(EXAMPLE_KEY.trim()).unwrap();
    let mut official = KeySet::new();
    official.add_key_file("AC", Phase::Official, "20240507", &raw, None).unwrap();
    assert_eq!(payload.verify(&official).signature, SignatureStatus::UnknownKey);
    // Someone else's key in the right slot: invalid, never verified.
    let mut wrong = KeySet::new();
    wrong.add_key("AC", Phase::Simulated, "20240507", SigningKey::from_bytes(&[9; 32]).verifying_key()).unwrap();
    assert_eq!(payload.verify(&wrong).signature, SignatureStatus::Invalid);
    // Stripping the signature.
    let unsigned = example().split(" ASSI:").next().unwrap();
    assert_eq!(parse_payload([unsigned]).unwrap().verify(&example_keys()).signature, SignatureStatus::Missing);
}

#[test]
fn format_6_is_never_verified() {
    let six = example().replace("VRQR:1.5", "VRQR:6.0");
    let payload = parse_payload([six.as_str()]).unwrap();
    let v = payload.verify(&example_keys());
    assert_eq!(v.signature, SignatureStatus::UnsupportedFormat);
    assert!(!v.is_authentic());
}

/// Every substitution of one character by another from the QR alphabet
/// (and every deletion) either fails to parse or is not authentic.
#[test]
fn every_single_character_change_is_caught() {
    let keys = example_keys();
    let text = example();
    let mut tried = 0usize;
    let mut outcome = [0usize; 3]; // parse error, chain broken, signature not verified
    let mut check = |mutated: &str, what: &str| {
        tried += 1;
        match parse_payload([mutated]) {
            Err(_) => outcome[0] += 1,
            Ok(p) => {
                let v = p.verify(&keys);
                assert_ne!(v.signature, SignatureStatus::Verified, "{what} still verifies: {mutated}");
                assert!(!v.is_authentic(), "{what}");
                if v.chain != ChainStatus::Valid {
                    outcome[1] += 1;
                } else {
                    outcome[2] += 1;
                }
            }
        }
    };
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        for c in QR_ALPHABET.bytes().filter(|&c| c != bytes[i]) {
            let mut m = bytes.to_vec();
            m[i] = c;
            check(std::str::from_utf8(&m).unwrap(), &format!("substitution at {i} by {:?}", c as char));
        }
        let mut m = bytes.to_vec();
        m.remove(i);
        check(std::str::from_utf8(&m).unwrap(), &format!("deletion at {i}"));
    }
    assert_eq!(tried, bytes.len() * QR_ALPHABET.len());
    // All three defences are exercised.
    assert!(outcome.iter().all(|&n| n > 0), "{outcome:?}");
}

fn test_key(seed: u8) -> (SigningKey, VerifyingKey) {
    let sk = SigningKey::from_bytes(&[seed; 32]);
    let vk = sk.verifying_key();
    (sk, vk)
}

/// A long BU (many candidates) to force several parts.
fn long_record(candidates: u32) -> BuRecord {
    let header = BuHeader {
        origin: Some("VOTA".into()),
        round: Some(1),
        phase: Some("O".into()),
        state: Some("SP".into()),
        municipality: Some(71072),
        zone: Some(1),
        section: Some(15),
        machine_id: Some("2012345".into()),
        eligible: Some(400),
        present: Some(300),
        absent: Some(100),
        other: vec![Entry::new("VERS", "9.20.0.0")],
    };
    let party = PartyVotes {
        party: 13,
        candidate_votes: (0..candidates).map(|i| (13000 + i, i % 7 + 1)).collect(),
        list_votes: Some(3),
        total: Some(99),
    };
    let office =
        Office { office: 6, kind: Some(1), parties: vec![party], blank: Some(4), null: Some(5), ..Office::default() };
    BuRecord { header, offices: vec![office] }
}

#[test]
fn multi_part_any_order_with_duplicates() {
    let (sk, vk) = test_key(1);
    let mut keys = KeySet::new();
    keys.add_key("SP", Phase::Official, "20240601", vk).unwrap();
    let record = long_record(400);
    let parts = build_payload(&record.to_content(), &BuildOptions::signed("20240601", sk)).unwrap();
    assert!(parts.len() >= 4, "only {} parts", parts.len());
    assert!(parts.iter().all(|p| p.len() <= 1100));

    // Reversed, with the middle part scanned twice.
    let mut scanned: Vec<&str> = parts.iter().rev().map(String::as_str).collect();
    scanned.push(&parts[1]);
    let payload = parse_payload(scanned.iter().copied()).unwrap();
    assert!(payload.verify(&keys).is_authentic());
    assert_eq!(payload.record().unwrap(), record);

    // A missing part is named.
    let without_2: Vec<&str> = parts.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, p)| p.as_str()).collect();
    let err = parse_payload(without_2.iter().copied()).unwrap_err();
    assert!(matches!(&err, BuError::Assemble(AssembleError::Missing { missing, .. }) if missing == &[2]), "{err}");

    // Swapping the content of two parts (keeping their headers) breaks the chain at the first.
    let mut swapped: Vec<String> = parts.clone();
    let d1 = parse_part(&parts[1]).unwrap().data;
    let d2 = parse_part(&parts[2]).unwrap().data;
    swapped[1] = parts[1].replace(&d1, &d2);
    swapped[2] = parts[2].replace(&d2, &d1);
    let p = parse_payload(swapped.iter().map(String::as_str)).unwrap();
    let v = p.verify(&keys);
    assert_eq!(v.chain, ChainStatus::BrokenAt { part: 2 });
    assert_eq!(v.signature, SignatureStatus::Invalid);

    // A part of another BU with the same part count conflicts or breaks the chain.
    let mut other_record = long_record(400);
    other_record.header.section = Some(16);
    let (sk2, _) = test_key(1);
    let other = build_payload(&other_record.to_content(), &BuildOptions::signed("20240601", sk2)).unwrap();
    let mut mixed: Vec<&str> = parts.iter().map(String::as_str).collect();
    mixed[0] = &other[0];
    let v = parse_payload(mixed.iter().copied()).unwrap().verify(&keys);
    assert!(!v.is_authentic());
    assert_ne!(v.signature, SignatureStatus::Verified);
    mixed.push(&parts[0]);
    assert!(matches!(
        parse_payload(mixed.iter().copied()),
        Err(BuError::Assemble(AssembleError::ConflictingDuplicate { index: 1 }))
    ));
}

#[test]
fn every_character_change_in_a_multi_part_bu_is_caught() {
    // Cheaper than the substitution sweep above: one replacement character
    // per position, across all parts of a generated 3-part BU.
    let (sk, vk) = test_key(2);
    let mut keys = KeySet::new();
    keys.add_key("SP", Phase::Official, "20240601", vk).unwrap();
    let parts = build_payload(&long_record(250).to_content(), &BuildOptions::signed("20240601", sk)).unwrap();
    assert!(parts.len() >= 3);
    for (pi, part) in parts.iter().enumerate() {
        for i in 0..part.len() {
            let mut m = part.as_bytes().to_vec();
            m[i] = if m[i] == b'7' { b'8' } else { b'7' };
            let mut texts: Vec<&str> = parts.iter().map(String::as_str).collect();
            let mutated = String::from_utf8(m).unwrap();
            texts[pi] = &mutated;
            if let Ok(p) = parse_payload(texts.iter().copied()) {
                assert!(!p.verify(&keys).is_authentic(), "part {pi} offset {i}: {mutated}");
            }
        }
    }
}

fn arb_value() -> impl Strategy<Value = String> {
    "[0-9A-Z$%*+./:-]{0,12}"
}

fn arb_other(prefix: &'static str) -> impl Strategy<Value = Vec<Entry>> {
    // Keys that cannot collide with typed fields: a fixed prefix plus letters.
    let key = prop::string::string_regex(&format!("{prefix}[A-Z]{{1,3}}")).unwrap();
    prop::collection::vec((key, arb_value()).prop_map(|(k, v)| Entry::new(k, v)), 0..4)
}

fn arb_record() -> impl Strategy<Value = BuRecord> {
    let header = (
        prop::option::of(prop::sample::select(vec!["VOTA", "RED", "SA"])),
        prop::option::of(1u32..3),
        prop::sample::select(vec!["O", "S"]),
        prop::sample::select(vec!["AC", "SP", "ZZ", "RJ"]),
        prop::option::of(any::<u32>()),
        prop::option::of(0u32..1000),
        prop::option::of(0u32..1000),
        prop::option::of("[0-9]{7}"),
        (prop::option::of(0u32..1000), prop::option::of(0u32..1000), prop::option::of(0u32..1000)),
        arb_other("XH"),
    )
        .prop_map(|(origin, round, phase, state, municipality, zone, section, machine_id, voters, other)| BuHeader {
            origin: origin.map(Into::into),
            round,
            phase: Some(phase.into()),
            state: Some(state.into()),
            municipality,
            zone,
            section,
            machine_id,
            eligible: voters.0,
            present: voters.1,
            absent: voters.2,
            other,
        });
    let party = (1u32..100, prop::collection::btree_map(0u32..100_000, any::<u32>(), 0..5))
        .prop_flat_map(|(party, votes)| {
            (Just(party), Just(votes), prop::option::of(any::<u32>()), prop::option::of(any::<u32>()))
        })
        .prop_map(|(party, candidate_votes, list_votes, total)| PartyVotes {
            party,
            // Candidate numbers are unique per office; prefix with the party.
            candidate_votes: candidate_votes.into_iter().map(|(c, v)| (party * 100_000 + c, v)).collect(),
            list_votes,
            total,
        });
    let office = (
        1u32..14,
        prop::option::of(0u32..3),
        prop::collection::btree_map(0u32..100, any::<u32>(), 0..6),
        prop::collection::vec(party, 0..3),
        prop::collection::vec(prop::option::of(any::<u32>()), 6),
        arb_other("XO"),
    )
        .prop_map(|(office, kind, candidate_votes, mut parties, s, other)| {
            // Party numbers are unique within an office.
            parties.sort_by_key(|p| p.party);
            parties.dedup_by_key(|p| p.party);
            Office {
                office,
                kind,
                candidate_votes,
                parties,
                eligible: s[0],
                nominal: s[1],
                list_votes: s[2],
                blank: s[3],
                null: s[4],
                total: s[5],
                other,
            }
        });
    (header, prop::collection::vec(office, 0..4)).prop_map(|(header, offices)| BuRecord { header, offices })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// record -> content -> printed parts -> (shuffled, repeated) -> parse ->
    /// record is the identity, and the signature verifies.
    #[test]
    fn bu_round_trip(record in arb_record(), max_len in 450usize..1200, seed in any::<u64>()) {
        let (sk, vk) = test_key(3);
        let state = record.header.state.clone().unwrap();
        let phase = Phase::from_fase(record.header.phase.as_deref().unwrap()).unwrap();
        let mut keys = KeySet::new();
        keys.add_key(&state, phase, "20260101", vk).unwrap();
        let content = record.to_content();
        let mut options = BuildOptions::signed("20260101", sk);
        options.max_part_len = max_len;
        let parts = build_payload(&content, &options).unwrap();
        prop_assert!(parts.iter().all(|p| p.len() <= max_len));
        // A deterministic shuffle with a repeat.
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by_key(|i| (*i as u64 + 1).wrapping_mul(seed | 1).rotate_left(17));
        order.push(order[0]);
        let payload = parse_payload(order.iter().map(|&i| parts[i].as_str())).unwrap();
        prop_assert_eq!(&payload.content, &content);
        prop_assert_eq!(payload.record().unwrap(), record);
        prop_assert!(payload.verify(&keys).is_authentic());
    }

    /// Content round trip at the raw level, for arbitrary keys.
    #[test]
    fn content_round_trip(entries in prop::collection::vec(("[A-Z][A-Z0-9]{0,5}", arb_value()), 1..60)) {
        let entries: Vec<Entry> = entries
            .into_iter()
            .filter(|(k, _)| !["QRBU", "VRQR", "VRCH", "HASH", "ASSI"].contains(&k.as_str()))
            .map(|(k, v)| Entry::new(k, v))
            .collect();
        prop_assume!(!entries.is_empty());
        let content = BuContent { entries };
        let (sk, _) = test_key(4);
        let parts = build_payload(&content, &BuildOptions::signed("20240507", sk)).unwrap();
        let payload = parse_payload(parts.iter().map(String::as_str)).unwrap();
        prop_assert_eq!(payload.content, content);
    }
}
