//! The canonical entry encoding: round trips, byte stability, refusal of
//! every non-canonical variant, the size limit, and geography chunking.

use crate::common;

use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use testigo_election::*;
use testigo_note::{SignedNote, Signer};

fn sign_text(text: &str, signer: &Signer) -> Vec<u8> {
    let mut n = SignedNote::new(text).unwrap();
    n.sign(signer).unwrap();
    n.to_bytes()
}

fn malformed(bytes: &[u8]) -> bool {
    matches!(decode(bytes), Err(EntryError::Malformed(_)))
}

// Text that can travel in a note: anything but control characters JSON leaves
// unescaped (DEL); includes quotes, backslashes, newlines, tabs and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 .\"\\\\/\n\t\u{e9}\u{20ac}\u{1f5f3}_-]{0,16}").unwrap()
}

fn opt_u64() -> impl Strategy<Value = Option<u64>> {
    prop::option::of(any::<u64>())
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![Just(Source::Witness), Just(Source::PartyAgent), Just(Source::Official), Just(Source::BulkImport)]
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Witness),
        Just(Role::PartyAgent),
        Just(Role::Importer),
        Just(Role::Publisher),
        Just(Role::Observer)
    ]
}

prop_compose! {
    fn arb_sheet()(
        (election, table, contest, source) in (text(), text(), text(), source()),
        votes in prop::collection::btree_map(text(), any::<u64>(), 0..6),
        not_reported in prop::collection::vec(text(), 0..3),
        (valid, null, blank, voters, registered) in (opt_u64(), opt_u64(), opt_u64(), opt_u64(), opt_u64()),
        (photo_sha256, qr) in (prop::option::of(text()), prop::option::of(text())),
        dataset in prop::option::of((text(), text(), any::<u64>(), prop::option::of(text()))),
        (supersedes, signed_at) in (opt_u64(), any::<u64>()),
    ) -> Sheet {
        Sheet {
            election, table, contest, source, votes, not_reported, valid, null, blank, voters, registered, photo_sha256, qr,
            dataset: dataset.map(|(name, sha256, row, reference)| Dataset { name, sha256, row, reference }),
            supersedes, signed_at,
        }
    }
}

prop_compose! {
    fn arb_enrol()(key in text(), role in role(), holder in text(), organisation in text(),
                   scope in prop::option::of(text()), valid_from in any::<u64>(), valid_until in any::<u64>()) -> Enrol {
        Enrol { key, role, holder, organisation, scope, valid_from, valid_until }
    }
}

prop_compose! {
    fn arb_chunk()(units in prop::collection::vec((text(), prop::option::of(text()), any::<u32>(), text()), 0..4),
                   tables in prop::collection::vec((text(), text(), opt_u64()), 0..4)) -> GeographyChunk {
        GeographyChunk { declared: Vec::new(),
            units: units.into_iter().map(|(id, parent, level, name)| Unit { id, parent, level, name }).collect(),
            tables: tables.into_iter().map(|(id, unit, registered)| Table { id, unit, registered }).collect(),
        }
    }
}

prop_compose! {
    fn arb_election()(id in text(), name in text(), levels in prop::collection::vec(text(), 0..4),
                      contests in prop::collection::vec(
                          (text(), text(), prop::collection::vec((text(), text(), prop::collection::vec((text(), text()), 0..3)), 0..3)),
                          0..3),
                      (total_tables, registry, max_table_voters, operator) in (opt_u64(), opt_u64(), any::<u64>(), text()),
                      date in text()) -> ElectionDef {
        ElectionDef {
            id, name, date, levels, total_tables, registry, max_table_voters, operator,
            contests: contests.into_iter().map(|(id, name, cands)| Contest {
                id, name,
                candidates: cands.into_iter().map(|(id, name, cards)| Candidate {
                    id, name, cards: cards.into_iter().map(|(id, name)| BallotCard { id, name }).collect(),
                }).collect(),
            }).collect(),
        }
    }
}

prop_compose! {
    fn arb_trust()(format in text(),
                   keys in prop::collection::vec((text(), text(), text(), text(), prop::option::of(text())), 0..3),
                   note in text(), signed_at in any::<u64>()) -> Trust {
        Trust {
            format, note, signed_at,
            keys: keys.into_iter().map(|(region, phase, version, ed25519, pin)| TrustedKey {
                region, phase, version, ed25519, pin,
            }).collect(),
        }
    }
}

fn arb_entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        arb_sheet().prop_map(Entry::Sheet),
        arb_trust().prop_map(Entry::Trust),
        arb_enrol().prop_map(Entry::Enrol),
        (text(), text()).prop_map(|(key, reason)| Entry::Revoke(Revoke { key, reason })),
        arb_chunk().prop_map(Entry::Geography),
        arb_election().prop_map(Entry::Election),
    ]
}

/// Byte positions of `json` that are not inside a string literal.
fn outside_strings(json: &str) -> Vec<usize> {
    let (mut out, mut in_str, mut escaped) = (Vec::new(), false, false);
    for (i, c) in json.char_indices() {
        if !in_str {
            out.push(i);
        }
        match (in_str, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_str = !in_str,
            _ => {}
        }
    }
    out.push(json.len());
    out
}

proptest! {
    #[test]
    fn round_trip_and_byte_stable(entry in arb_entry()) {
        let signer = key("w.example", 3);
        let a = encode_signed(&entry, &signer).unwrap();
        let b = encode_signed(&entry.clone(), &signer).unwrap();
        prop_assert_eq!(&a, &b);
        let (decoded, note) = decode(&a).unwrap();
        prop_assert_eq!(&decoded, &entry);
        prop_assert_eq!(note.to_bytes(), a.clone());
        prop_assert_eq!(encode_signed(&decoded, &signer).unwrap(), a);
        prop_assert_eq!(note.text(), entry.to_text().unwrap());
        let header = format!("testigo/v1 {}\n", entry.kind());
        prop_assert!(entry.to_text().unwrap().starts_with(&header));
    }

    #[test]
    fn any_json_whitespace_is_refused(entry in arb_sheet(), pos in any::<prop::sample::Index>()) {
        let signer = key("w.example", 3);
        let text = Entry::Sheet(entry).to_text().unwrap();
        let (header, json) = text.trim_end().split_once('\n').unwrap();
        // Insert a space at an arbitrary position between JSON tokens (inside a
        // string it would be a different, canonical value).
        let bounds = outside_strings(json);
        let at = bounds[pos.index(bounds.len())];
        let spaced = format!("{header}\n{} {}\n", &json[..at], &json[at..]);
        prop_assert!(decode(&sign_text(&spaced, &signer)).is_err());
    }
}

#[test]
fn canonical_form_is_as_documented() {
    let text = Entry::Sheet(sheet("T1")).to_text().unwrap();
    assert_eq!(
        text,
        "testigo/v1 sheet\n{\"election\":\"test-2024\",\"table\":\"T1\",\"contest\":\"president\",\
         \"source\":\"witness\",\"votes\":{\"a\":100,\"b\":50,\"c\":10},\"valid\":160,\"null\":5,\
         \"voters\":165,\"registered\":300,\"signed_at\":1722000000}\n"
    );
}

#[test]
fn non_canonical_variants_are_malformed() {
    let k = keys();
    let canonical = Entry::Sheet(sheet("T1")).to_text().unwrap();
    assert!(decode(&sign_text(&canonical, &k.w2)).is_ok());
    let json = canonical.split_once('\n').unwrap().1.trim_end();
    let reordered = {
        // serde_json::Value sorts keys alphabetically, not in schema order.
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        format!("testigo/v1 sheet\n{}\n", serde_json::to_string(&v).unwrap())
    };
    let variants = [
        ("space after colon", canonical.replace("\"null\":5", "\"null\": 5")),
        ("space after brace", canonical.replace("{\"election\"", "{ \"election\"")),
        ("trailing space", canonical.replace("}\n", "} \n")),
        ("reordered fields", reordered),
        ("unknown field", canonical.replace("{\"election\"", "{\"extra\":1,\"election\"")),
        ("float", canonical.replace("\"null\":5", "\"null\":5.0")),
        ("exponent", canonical.replace("\"null\":5", "\"null\":5e0")),
        ("negative", canonical.replace("\"null\":5", "\"null\":-5")),
        ("leading zero", canonical.replace("\"null\":5", "\"null\":05")),
        ("explicit null", canonical.replace("\"null\":5", "\"null\":5,\"blank\":null")),
        ("needless escape", canonical.replace("\"T1\"", "\"\\u0054\\u0031\"")),
        ("escaped slash", canonical.replace("test-2024", "test\\/2024")),
        ("duplicate field", canonical.replace("\"null\":5", "\"null\":5,\"null\":5")),
        ("missing field", canonical.replace(",\"table\":\"T1\"", "")),
        ("votes out of order", canonical.replace("{\"a\":100,\"b\":50", "{\"b\":50,\"a\":100")),
        ("other version", canonical.replace("testigo/v1", "testigo/v2")),
        ("unknown kind", canonical.replace("v1 sheet", "v1 sheets")),
        ("double space header", canonical.replace("v1 sheet", "v1  sheet")),
        ("extra line", format!("{canonical}more\n")),
        ("one line", canonical.replace("sheet\n{", "sheet {")),
        ("wrong kind for payload", canonical.replace("v1 sheet", "v1 revoke")),
        ("pretty JSON", canonical.replace(",\"table\"", ",\n\"table\"")),
    ];
    for (what, text) in variants {
        assert_ne!(text, canonical, "{what}: variant did not change the text");
        let bytes = sign_text(&text, &k.w2);
        assert!(malformed(&bytes), "{what}: {text:?} was accepted: {:?}", decode(&bytes));
    }
    // Note-level variants: two signatures, non-canonical signature block, CRLF.
    let mut two = SignedNote::new(canonical.clone()).unwrap();
    two.sign(&k.w2).unwrap();
    two.sign(&k.w1).unwrap();
    assert!(malformed(&two.to_bytes()));
    let mut crlf = sign_text(&canonical, &k.w2);
    crlf.pop();
    crlf.extend_from_slice(b"\r\n");
    assert!(malformed(&crlf));
    let mut extra_blank = sign_text(&canonical, &k.w2);
    extra_blank.push(b'\n');
    assert!(malformed(&extra_blank));
}

#[test]
fn oversized_entries_are_refused_at_encoding() {
    let k = keys();
    let mut s = sheet("T1");
    s.qr = Some("x".repeat(64 * 1024));
    match encode_signed(&Entry::Sheet(s.clone()), &k.w2) {
        Err(EntryError::TooLarge { size, max, .. }) => {
            assert!(size > max);
            assert_eq!(max, MAX_ENTRY_BYTES);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // Just under the limit still encodes (the signature line counts too).
    let overhead = encode_signed(&Entry::Sheet(sheet("T1")), &k.w2).unwrap().len() + r#","qr":"""#.len();
    s.qr = Some("x".repeat(MAX_ENTRY_BYTES - overhead));
    assert_eq!(encode_signed(&Entry::Sheet(s.clone()), &k.w2).unwrap().len(), MAX_ENTRY_BYTES);
    s.qr = Some("x".repeat(MAX_ENTRY_BYTES - overhead + 1));
    assert!(matches!(encode_signed(&Entry::Sheet(s), &k.w2), Err(EntryError::TooLarge { .. })));
    // A DEL character cannot travel in a note: an error, not a panic.
    let mut del = sheet("T1");
    del.qr = Some("a\u{7f}".into());
    assert!(matches!(encode_signed(&Entry::Sheet(del), &k.w2), Err(EntryError::Note(_))));
}

#[test]
fn geography_chunks_fit_and_rebuild() {
    let k = keys();
    let levels: Vec<String> = vec!["state".into(), "centre".into(), "table".into()];
    let mut geo = Geography::new(levels.clone());
    for s in 0..5 {
        let state = Unit { id: format!("{s:02}"), parent: None, level: 0, name: format!("Estado número {s}") };
        geo.add_unit(&state).unwrap();
        for c in 0..100 {
            let centre = Unit {
                id: format!("{s:02}{c:07}"),
                parent: Some(state.id.clone()),
                level: 1,
                name: format!("Escuela \"Bolívar\" {c}"),
            };
            let u = geo.add_unit(&centre).unwrap();
            for t in 0..40 {
                geo.add_table(&format!("{}.{t:02}", centre.id), u, (t % 3 != 0).then_some(300 + t)).unwrap();
            }
        }
    }
    let chunks = geography_chunks(&geo);
    assert!(chunks.len() > 3, "20,000 tables must need several chunks");
    let mut rebuilt = Geography::new(levels);
    for chunk in &chunks {
        let bytes = encode_signed(&Entry::Geography(chunk.clone()), &k.operator).unwrap();
        assert!(bytes.len() <= MAX_ENTRY_BYTES);
        assert!(*chunk != GeographyChunk::default());
        let (Entry::Geography(back), _) = decode(&bytes).unwrap() else { panic!("kind changed") };
        rebuilt.add_chunk(&back.units, &back.tables).unwrap();
    }
    assert_eq!(rebuilt.unit_count(), geo.unit_count());
    assert_eq!(rebuilt.table_count(), geo.table_count());
    for u in geo.units() {
        assert_eq!(rebuilt.unit(u), geo.unit(u));
    }
    for t in geo.tables() {
        assert_eq!(rebuilt.table(t), geo.table(t));
    }
    // The chunks also feed a registry.
    let mut reg = Registry::new();
    let mut def = election(&k.operator);
    def.levels = rebuilt.levels().to_vec();
    reg.apply(0, &enc(&Entry::Election(def), &k.operator)).unwrap();
    for (i, chunk) in chunks.iter().enumerate() {
        reg.apply(i as u64 + 1, &enc(&Entry::Geography(chunk.clone()), &k.operator)).unwrap();
    }
    assert_eq!(reg.geography().table_count(), 20_000);
    let t = reg.geography().find_table("040000099.39").unwrap();
    let path: Vec<&str> = reg.geography().ancestors(t).map(|u| reg.geography().unit_id(u)).collect();
    assert_eq!(path, ["040000099", "04"]);
}

#[test]
fn kinds_and_roles_have_stable_names() {
    for (k, s) in [
        (Kind::Election, "election"),
        (Kind::Geography, "geography"),
        (Kind::Enrol, "enrol"),
        (Kind::Revoke, "revoke"),
        (Kind::Sheet, "sheet"),
        (Kind::Bulletin, "bulletin"),
        (Kind::Reading, "reading"),
        (Kind::Trust, "trust"),
    ] {
        assert_eq!(k.as_str(), s);
        assert_eq!(Kind::parse(s), Some(k));
    }
    let e = Entry::Enrol(Enrol {
        key: "k".into(),
        role: Role::PartyAgent,
        holder: "h".into(),
        organisation: "o".into(),
        scope: None,
        valid_from: 1,
        valid_until: 2,
    });
    assert!(e.to_json().unwrap().contains("\"role\":\"party_agent\""));
    let mut s = sheet("T1");
    s.source = Source::BulkImport;
    s.votes = BTreeMap::new();
    assert!(Entry::Sheet(s).to_json().unwrap().contains("\"source\":\"bulk_import\",\"votes\":{}"));
}
