//! Byte-exact test vectors for the `testigo/v1` entry encoding specified in
//! `ENTRIES.md` at the repository root.
//!
//! The vectors live in `testdata/entries/` (see its README.md): one signed
//! note per file, `index.txt` saying what each file is and what a conforming
//! decoder must do with it, and `keys.txt` the fixed keys that signed them.
//! This test builds every vector from Rust values and insists the files hold
//! exactly those bytes, decodes every valid vector back to the same values,
//! and checks every invalid vector is refused for the reason `index.txt`
//! gives. A second test runs the independent Go checker
//! (`tests/go/entrycheck`) over the same files.
//!
//! To regenerate the files after a deliberate change of the encoding (which
//! is a new format version, not a patch: see ENTRIES.md):
//!
//! ```text
//! TESTIGO_WRITE_VECTORS=1 cargo test -p testigo-election --test suite entry_vectors
//! ```
//!
//! then review the diff of `testdata/entries/` like any other change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use testigo_election::*;
use testigo_note::{NoteError, Signature, Signer, ALG_ED25519};

/// The vectors' directory, `testdata/entries` at the repository root.
fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/entries")
}

/// The fixed keys: (alias used in index.txt, key name, seed byte). The
/// Ed25519 seed is the byte repeated 32 times, so any implementation can
/// rebuild the key without reading a key file.
const KEYS: &[(&str, &str, u8)] = &[
    ("operator", "operator.testigo.example", 0x11),
    ("witness", "witness.testigo.example", 0x22),
    ("importer", "importer.testigo.example", 0x33),
    ("publisher", "publisher.testigo.example", 0x44),
];

fn signer(alias: &str) -> Signer {
    let &(_, name, seed) = KEYS.iter().find(|k| k.0 == alias).unwrap_or_else(|| panic!("no key {alias:?}"));
    Signer::from_seed(name, ALG_ED25519, [seed; 32]).unwrap()
}

/// What a conforming decoder must make of a vector, as written in index.txt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Decodes, and the signature verifies under the named key.
    Valid,
    /// Refused at the signed-note layer (UTF-8, control characters, lines,
    /// signature block, number of signatures).
    Note,
    /// Refused at the entry text layer (`testigo/v1 <kind>` line, two lines).
    Header,
    /// Refused because the JSON line is not the canonical encoding of a value
    /// of the kind's schema.
    Json,
    /// Refused because it exceeds 65,535 bytes.
    Size,
    /// Well-formed, but the signature does not verify under the named key.
    Unverified,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Note => "refuse-note",
            Outcome::Header => "refuse-header",
            Outcome::Json => "refuse-json",
            Outcome::Size => "refuse-size",
            Outcome::Unverified => "refuse-signature",
        }
    }
}

/// One vector file.
struct Vector {
    /// File name under `valid/` or `invalid/`.
    name: &'static str,
    outcome: Outcome,
    /// Alias of the key that signed it (and must verify it).
    signer: &'static str,
    /// One line for index.txt: what the vector shows.
    what: &'static str,
    bytes: Vec<u8>,
    /// For valid vectors, the value the file must decode to.
    entry: Option<Entry>,
    /// For documents that are not log entries (ENTRIES.md §6), kept under
    /// `requests/`: the request the file must decode to as one.
    request: Option<EnrolRequest>,
}

impl Vector {
    fn path(&self) -> String {
        let sub = match (&self.request, self.outcome) {
            (Some(_), _) => "requests",
            (None, Outcome::Valid) => "valid",
            (None, _) => "invalid",
        };
        format!("{sub}/{}", self.name)
    }
}

/// The subdirectories of `testdata/entries` holding vectors.
const SUBDIRS: [&str; 3] = ["valid", "invalid", "requests"];

/// Builds a signed note from the spec, independently of `SignedNote`: the
/// text, a blank line, and one signature line `— <name> base64(key ID ||
/// Ed25519 signature of the text)`. Also signs texts `SignedNote` would
/// refuse, for the invalid vectors.
fn note(text: &[u8], by: &Signer) -> Vec<u8> {
    with_signature(text, &Signature { name: by.name().into(), key_id: by.key_id(), bytes: by.sign_raw(text).to_vec() })
}

/// `text`, the blank line, and the one signature line.
fn with_signature(text: &[u8], sig: &Signature) -> Vec<u8> {
    [text, b"\n", sig.to_line().as_bytes(), b"\n"].concat()
}

const T0: u64 = 1_722_170_000; // 2024-07-28T12:33:20Z, election day

fn election_full() -> ElectionDef {
    let card = |id: &str, name: &str| BallotCard { id: id.into(), name: name.into() };
    ElectionDef {
        id: "example-2024".into(),
        name: "Example presidential election 2024".into(),
        date: "2024-07-28".into(),
        levels: vec!["state".into(), "municipality".into(), "table".into()],
        contests: vec![Contest {
            id: "president".into(),
            name: "President".into(),
            candidates: vec![
                Candidate {
                    id: "a".into(),
                    name: "Ana Álvarez".into(),
                    cards: vec![card("a-p1", "Party One"), card("a-p2", "Party Two")],
                },
                Candidate { id: "b".into(), name: "Bruno Bravo".into(), cards: vec![card("b-p3", "Party Three")] },
                Candidate { id: "c".into(), name: "Carla Castro".into(), cards: vec![] },
            ],
        }],
        total_tables: Some(30_000),
        registry: Some(21_000_000),
        max_table_voters: DEFAULT_MAX_TABLE_VOTERS,
        operator: signer("operator").verifier().to_vkey(),
    }
}

fn election_minimal() -> ElectionDef {
    ElectionDef {
        id: "example-2024".into(),
        name: "Example referendum".into(),
        date: "2024-07-28".into(),
        levels: vec!["region".into(), "table".into()],
        contests: vec![Contest {
            id: "question-1".into(),
            name: "Question 1".into(),
            candidates: vec![
                Candidate { id: "yes".into(), name: "Yes".into(), cards: vec![] },
                Candidate { id: "no".into(), name: "No".into(), cards: vec![] },
            ],
        }],
        total_tables: None,
        registry: None,
        max_table_voters: 800,
        operator: signer("operator").verifier().to_vkey(),
    }
}

fn geography() -> GeographyChunk {
    GeographyChunk {
        declared: Vec::new(),
        units: vec![
            Unit { id: "01".into(), parent: None, level: 0, name: "Estado Capital".into() },
            Unit { id: "0101".into(), parent: Some("01".into()), level: 1, name: "Municipio \"Libertador\"".into() },
        ],
        tables: vec![
            Table { id: "0101001.01".into(), unit: "0101".into(), registered: Some(512) },
            Table { id: "0101001.02".into(), unit: "0101".into(), registered: None },
        ],
    }
}

fn geography_tables_only() -> GeographyChunk {
    GeographyChunk {
        declared: Vec::new(),
        units: vec![],
        tables: vec![Table { id: "0101002.01".into(), unit: "0101".into(), registered: Some(0) }],
    }
}

fn enrol(alias: &str, role: Role, scope: Option<&str>) -> Enrol {
    Enrol {
        key: signer(alias).verifier().to_vkey(),
        role,
        holder: format!("Holder of {alias}"),
        organisation: "Observadores Unidos".into(),
        scope: scope.map(Into::into),
        valid_from: T0 - 86_400,
        valid_until: T0 + 7 * 86_400,
    }
}

fn revoke() -> Revoke {
    Revoke { key: signer("witness").verifier().to_vkey(), reason: "device lost".into() }
}

fn sheet() -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: "example-2024".into(),
        table: "0101001.01".into(),
        contest: "president".into(),
        source: Source::Witness,
        votes: BTreeMap::from([("a".into(), 230), ("b".into(), 190), ("c".into(), 0)]),
        valid: Some(420),
        null: Some(7),
        blank: None,
        voters: Some(427),
        registered: Some(512),
        photo_sha256: Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into()),
        qr: None,
        dataset: None,
        supersedes: None,
        signed_at: T0 + 3_600,
    }
}

fn sheet_bulk() -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: "example-2024".into(),
        table: "0101001.02".into(),
        contest: "president".into(),
        source: Source::BulkImport,
        votes: BTreeMap::from([("a".into(), 101), ("b".into(), 99)]),
        valid: Some(200),
        null: Some(3),
        blank: Some(2),
        voters: Some(205),
        registered: Some(18_446_744_073_709_551_615),
        photo_sha256: None,
        qr: Some("TBL=0101001.02;A=101;B=99".into()),
        dataset: Some(Dataset {
            reference: None,
            name: "results-2024-07-29.csv".into(),
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            row: 2,
        }),
        supersedes: Some(0),
        signed_at: T0 + 86_400,
    }
}

fn sheet_not_reported() -> Sheet {
    Sheet {
        not_reported: vec!["c".into()],
        null: None,
        blank: None,
        valid: None,
        voters: None,
        registered: None,
        qr: None,
        supersedes: None,
        dataset: Some(Dataset {
            name: "qr-decodes.csv".into(),
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            row: 7,
            reference: Some("https://archive.example/actas/0101001.02.jpg".into()),
        }),
        ..sheet_bulk()
    }
}

fn import_manifest() -> ImportManifest {
    ImportManifest {
        election: "example-2024".into(),
        name: "qr-decodes.csv".into(),
        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
        format: "testigo-csv".into(),
        rows: 2,
        sheets: 1,
        signed_at: T0 + 90_000,
    }
}

fn geography_declared() -> GeographyChunk {
    GeographyChunk {
        units: Vec::new(),
        tables: vec![Table { id: "0101002.02".into(), unit: "0101".into(), registered: None }],
        declared: vec![
            Declared {
                unit: "01".into(),
                tables: Some(2),
                registered: Some(1_030),
                source: "Official gazette 42 (2024-07-01)".into(),
            },
            Declared { unit: "0101".into(), tables: None, registered: Some(1_030), source: "gazette 42".into() },
        ],
    }
}

/// Every character class the string encoding treats specially: `"` and `\`
/// (escaped), `/` (not escaped), the five short escapes, other C0 controls
/// (`\u00XX`, lowercase hex), and non-ASCII (raw UTF-8, including U+2028 and
/// a character outside the BMP, never `\u` escaped).
const AWKWARD: &str = "say \"hi\" \\ a/b\n\r\t\u{8}\u{c}\u{1}\u{1f} é€🗳\u{2028}\u{a0}~";

fn sheet_escapes() -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: "example-2024".into(),
        table: "0101001.01".into(),
        contest: "president".into(),
        source: Source::PartyAgent,
        // Map keys sort by their UTF-8 bytes: upper case before lower case,
        // a prefix before its extensions, non-ASCII last.
        votes: BTreeMap::from([
            ("é".into(), 1),
            ("b".into(), 2),
            ("ab".into(), 3),
            ("a".into(), 4),
            ("Z".into(), 5),
            ("B".into(), 6),
        ]),
        valid: None,
        null: Some(0),
        blank: None,
        voters: None,
        registered: None,
        photo_sha256: None,
        qr: Some(AWKWARD.into()),
        dataset: None,
        supersedes: None,
        signed_at: T0 + 7_200,
    }
}

fn bulletin() -> Bulletin {
    Bulletin {
        contest: "president".into(),
        label: "Bulletin 1 (2024-07-29)".into(),
        source: "https://authority.example/bulletins/1".into(),
        date: Some("2024-07-29".into()),
        unit: Some("01".into()),
        counts: vec![
            BulletinCount { candidates: vec!["a".into()], votes: 5_150_092, percent: Some("51.20".into()) },
            BulletinCount { candidates: vec!["b".into(), "c".into()], votes: 4_445_978, percent: None },
        ],
        valid: Some(9_596_070),
        null: Some(12_345),
        voters: Some(9_608_415),
        registry: Some(21_000_000),
        tables_counted_percent: Some("96.87".into()),
        signed_at: T0 + 43_200,
    }
}

fn bulletin_minimal() -> Bulletin {
    Bulletin {
        contest: "president".into(),
        label: "Bulletin 2".into(),
        source: "national broadcast".into(),
        date: None,
        unit: None,
        counts: vec![BulletinCount { candidates: vec!["a".into()], votes: 1, percent: None }],
        valid: None,
        null: None,
        voters: None,
        registry: None,
        tables_counted_percent: None,
        signed_at: T0 + 50_000,
    }
}

fn reading() -> PhotoReading {
    PhotoReading {
        photo_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        codes: vec!["TBL=0101001.01;A=230".into(), "TBL=0101001.01;B=190".into()],
        reader: "testigo-scan 0.1.0".into(),
        signed_at: T0 + 3_610,
    }
}

fn reading_empty() -> PhotoReading {
    PhotoReading { codes: vec![], ..reading() }
}

fn trust() -> Trust {
    Trust {
        format: "brazil_bu".into(),
        keys: vec![
            TrustedKey {
                region: "SP".into(),
                phase: "official".into(),
                version: "20240507".into(),
                ed25519: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into(),
                pin: Some("ab".repeat(64)),
            },
            TrustedKey {
                region: "ZZ".into(),
                phase: "simulated".into(),
                version: "20240507".into(),
                ed25519: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c".into(),
                pin: None,
            },
        ],
        note: "TSE key list published 2024-05-07".into(),
        signed_at: T0 - 3_600,
    }
}

/// A sheet whose QR payload pads the signed note to exactly `size` bytes.
fn sheet_of_size(size: usize) -> Sheet {
    let mut s = sheet();
    s.qr = Some(String::new());
    let base = encode_signed(&Entry::Sheet(s.clone()), &signer("witness")).unwrap().len();
    s.qr = Some("x".repeat(size - base));
    s
}

/// Replaces exactly one occurrence of `from`, so a vector cannot silently
/// stop exercising what it claims when the base value changes.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur exactly once in {text:?}");
    text.replacen(from, to, 1)
}

fn valid_vectors() -> Vec<Vector> {
    let v = |name, signer, what, entry: Entry| {
        let bytes = encode_signed(&entry, &self::signer(signer)).unwrap();
        Vector { name, outcome: Outcome::Valid, signer, what, bytes, entry: Some(entry), request: None }
    };
    vec![
        v(
            "election.note",
            "operator",
            "entry 0, all optional fields present, ballot cards",
            Entry::Election(election_full()),
        ),
        v(
            "election-minimal.note",
            "operator",
            "entry 0, optional fields absent (omitted), empty `cards` omitted",
            Entry::Election(election_minimal()),
        ),
        v(
            "geography.note",
            "operator",
            "units with and without `parent`, tables with and without `registered`",
            Entry::Geography(geography()),
        ),
        v("geography-tables-only.note", "operator", "empty `units` omitted", Entry::Geography(geography_tables_only())),
        v(
            "enrol-witness.note",
            "operator",
            "witness key scoped to unit 01",
            Entry::Enrol(enrol("witness", Role::Witness, Some("01"))),
        ),
        v(
            "enrol-importer.note",
            "operator",
            "importer key, no `scope`",
            Entry::Enrol(enrol("importer", Role::Importer, None)),
        ),
        v(
            "enrol-publisher.note",
            "operator",
            "publisher key, no `scope`",
            Entry::Enrol(enrol("publisher", Role::Publisher, None)),
        ),
        v("revoke.note", "operator", "revokes the witness key", Entry::Revoke(revoke())),
        v("sheet.note", "witness", "a witness's sheet", Entry::Sheet(sheet())),
        v(
            "sheet-bulk.note",
            "importer",
            "every optional field present, nested `dataset`, largest u64",
            Entry::Sheet(sheet_bulk()),
        ),
        v(
            "sheet-escapes.note",
            "witness",
            "string escapes and raw UTF-8 in `qr`; `votes` keys in byte order",
            Entry::Sheet(sheet_escapes()),
        ),
        v(
            "sheet-max-size.note",
            "witness",
            "exactly 65,535 bytes, the largest entry accepted",
            Entry::Sheet(sheet_of_size(MAX_ENTRY_BYTES)),
        ),
        v(
            "bulletin.note",
            "publisher",
            "every optional field present, combined candidates",
            Entry::Bulletin(bulletin()),
        ),
        v("bulletin-minimal.note", "publisher", "optional fields absent", Entry::Bulletin(bulletin_minimal())),
        v("reading.note", "operator", "two QR codes read from a photo", Entry::Reading(reading())),
        v(
            "reading-empty.note",
            "operator",
            "no QR code found: empty `codes` is written",
            Entry::Reading(reading_empty()),
        ),
        v("trust.note", "operator", "two keys, with and without `pin`", Entry::Trust(trust())),
        v(
            "sheet-not-reported.note",
            "importer",
            "null votes and one candidate not reported; `dataset` with `reference`",
            Entry::Sheet(sheet_not_reported()),
        ),
        v("import.note", "importer", "the manifest of a bulk import", Entry::Import(import_manifest())),
        v(
            "audit-seed.note",
            "operator",
            "a risk-limiting audit opened with its public seed",
            Entry::AuditSeed(AuditSeed {
                contest: "president".into(),
                method: "batch_comparison".into(),
                risk_limit_ppm: 50_000,
                dice: "4 1 6 6 2 3 5 1 2 4 6 3 1 5 5 2 4 6 1 3".into(),
                checkpoint_size: 12,
                checkpoint_root: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                signed_at: T0 + 100_000,
            }),
        ),
        v(
            "audit.note",
            "witness",
            "a hand count (signed by whatever key holds the auditor role; here the witness key)",
            Entry::AuditCount(AuditCount {
                audit: 13,
                table: "0101001.01".into(),
                votes: BTreeMap::from([("a".into(), 229), ("b".into(), 190)]),
                signed_at: T0 + 110_000,
            }),
        ),
        v(
            "geography-declared.note",
            "operator",
            "a table added after init and declared totals, with and without `tables`",
            Entry::Geography(geography_declared()),
        ),
    ]
}

fn invalid_vectors() -> Vec<Vector> {
    let text = |e: Entry| e.to_text().unwrap();
    let sheet_text = text(Entry::Sheet(sheet()));
    let escapes_text = text(Entry::Sheet(sheet_escapes()));
    let witness = signer("witness");
    let signed = |t: &str| note(t.as_bytes(), &witness);
    let mut out = Vec::new();
    let mut add = |name, outcome, signer, what, bytes: Vec<u8>| {
        out.push(Vector { name, outcome, signer, what, bytes, entry: None, request: None });
    };
    use Outcome::*;
    // JSON that parses to a valid sheet but is not its canonical encoding.
    for (name, what, from, to) in [
        ("space-after-colon.note", "whitespace between tokens", "\"null\":7", "\"null\": 7"),
        ("space-after-comma.note", "whitespace between members", ",\"table\"", ", \"table\""),
        (
            "reordered-fields.note",
            "`table` before `election`",
            "\"election\":\"example-2024\",\"table\":\"0101001.01\"",
            "\"table\":\"0101001.01\",\"election\":\"example-2024\"",
        ),
        ("null-optional.note", "an absent optional field written as null", "\"null\":7,", "\"null\":7,\"blank\":null,"),
        ("null-required.note", "a required field written as null", "\"table\":\"0101001.01\"", "\"table\":null"),
        ("unknown-field.note", "a field the schema does not have", "\"null\":7", "\"null\":7,\"spoilt\":7"),
        ("missing-field.note", "required `source` left out", "\"source\":\"witness\",", ""),
        ("duplicate-field.note", "`null` twice", "\"null\":7", "\"null\":7,\"null\":7"),
        ("votes-unsorted.note", "map keys not in byte order", "{\"a\":230,\"b\":190", "{\"b\":190,\"a\":230"),
        ("votes-duplicate-key.note", "the same map key twice", "\"b\":190,", "\"b\":190,\"b\":190,"),
        ("integer-float.note", "integer written with a fraction", "\"null\":7", "\"null\":7.0"),
        ("integer-exponent.note", "integer written with an exponent", "\"valid\":420", "\"valid\":4.2e2"),
        ("integer-negative.note", "negative integer", "\"null\":7", "\"null\":-7"),
        ("integer-negative-zero.note", "minus zero", "\"c\":0", "\"c\":-0"),
        ("integer-leading-zero.note", "leading zero", "\"null\":7", "\"null\":07"),
        ("integer-overflow.note", "2^64 does not fit u64", "\"registered\":512", "\"registered\":18446744073709551616"),
        ("integer-as-string.note", "integer written as a string", "\"null\":7", "\"null\":\"7\""),
        ("enum-unknown.note", "`source` value not in the enumeration", "\"witness\"", "\"Witness\""),
        ("escape-needless.note", "`\\u` escape of a printable character", "\"president\"", "\"\\u0070resident\""),
        ("escape-slash.note", "`/` escaped", "\"example-2024\"", "\"example\\/2024\""),
        ("trailing-space.note", "space after the JSON", "}\n", "} \n"),
    ] {
        add(name, Json, "witness", what, signed(&edit(&sheet_text, from, to)));
    }
    for (name, what, from, to) in [
        ("escape-uppercase-hex.note", "`\\u001F` instead of `\\u001f`", "\\u001f", "\\u001F"),
        ("escape-long-newline.note", "`\\u000a` instead of `\\n`", "\\n", "\\u000a"),
        ("escape-non-ascii.note", "`\\u00e9` instead of raw UTF-8 `é`", " é€", " \\u00e9€"),
        ("escape-surrogate-pair.note", "`\\ud83d\\uddf3` instead of raw UTF-8", "🗳", "\\ud83d\\uddf3"),
    ] {
        add(name, Json, "witness", what, signed(&edit(&escapes_text, from, to)));
    }
    let op = signer("operator");
    let by_op = |t: String| note(t.as_bytes(), &op);
    add(
        "empty-array-written.note",
        Json,
        "operator",
        "empty `units` written instead of omitted",
        by_op(edit(&text(Entry::Geography(geography_tables_only())), "{\"tables\"", "{\"units\":[],\"tables\"")),
    );
    add(
        "empty-cards-written.note",
        Json,
        "operator",
        "empty `cards` written instead of omitted",
        by_op(edit(&text(Entry::Election(election_minimal())), "\"name\":\"No\"", "\"name\":\"No\",\"cards\":[]")),
    );
    add(
        "required-array-absent.note",
        Json,
        "operator",
        "empty `codes` omitted: it is required",
        by_op(edit(&text(Entry::Reading(reading_empty())), "\"codes\":[],", "")),
    );
    add(
        "level-overflow.note",
        Json,
        "operator",
        "`level` is a u32: 2^32 does not fit",
        by_op(edit(&text(Entry::Geography(geography())), "\"level\":0", "\"level\":4294967296")),
    );
    add(
        "kind-mismatch.note",
        Json,
        "witness",
        "a sheet under `testigo/v1 revoke`",
        signed(&edit(&sheet_text, "v1 sheet", "v1 revoke")),
    );
    // The text around the JSON.
    for (name, what, from, to) in [
        ("header-version.note", "format `testigo/v2`", "testigo/v1", "testigo/v2"),
        ("header-unknown-kind.note", "kind `sheets`", "v1 sheet\n", "v1 sheets\n"),
        ("header-uppercase-kind.note", "kind `Sheet`", "v1 sheet", "v1 Sheet"),
        ("header-double-space.note", "two spaces in the first line", "v1 sheet", "v1  sheet"),
        ("header-trailing-space.note", "space at the end of the first line", "v1 sheet\n", "v1 sheet \n"),
        ("one-line.note", "header and JSON on one line", "sheet\n{", "sheet {"),
        ("pretty-json.note", "JSON over two lines", ",\"table\"", ",\n\"table\""),
    ] {
        add(name, Header, "witness", what, signed(&edit(&sheet_text, from, to)));
    }
    add("extra-line.note", Header, "witness", "a third text line", signed(&format!("{sheet_text}more\n")));
    // The signed-note layer.
    let good = signed(&sheet_text);
    let mut two = good.clone();
    two.extend_from_slice(
        Signature { name: op.name().into(), key_id: op.key_id(), bytes: op.sign_raw(sheet_text.as_bytes()).to_vec() }
            .to_line()
            .as_bytes(),
    );
    two.push(b'\n');
    add("two-signatures.note", Note, "witness", "a second (valid) signature line", two);
    add(
        "no-final-newline.note",
        Note,
        "witness",
        "the note does not end in a newline",
        good[..good.len() - 1].to_vec(),
    );
    add("extra-blank-line.note", Note, "witness", "a blank line after the signature", [&good[..], b"\n"].concat());
    add(
        "crlf.note",
        Note,
        "witness",
        "CR LF line endings",
        String::from_utf8(good.clone()).unwrap().replace('\n', "\r\n").into_bytes(),
    );
    add(
        "bom.note",
        Header,
        "witness",
        "a UTF-8 byte order mark before `testigo/v1`",
        signed(&format!("\u{feff}{sheet_text}")),
    );
    add(
        "raw-tab.note",
        Note,
        "witness",
        "a raw tab inside a JSON string (control character)",
        signed(&edit(&sheet_text, "\"example-2024\"", "\"example\t2024\"")),
    );
    add(
        "raw-del.note",
        Note,
        "witness",
        "a raw U+007F inside a JSON string (JSON does not escape it, notes forbid it)",
        signed(&edit(&sheet_text, "\"example-2024\"", "\"example\u{7f}2024\"")),
    );
    add("invalid-utf8.note", Note, "witness", "a byte 0xff inside a JSON string", {
        let t = edit(&sheet_text, "\"example-2024\"", "\"example#2024\"");
        let mut b = t.into_bytes();
        let at = b.iter().position(|&c| c == b'#').unwrap();
        b[at] = 0xff;
        note(&b, &witness)
    });
    add("signature-base64-noncanonical.note", Note, "witness", "nonzero padding bits in the signature's base64", {
        // 68 signature bytes are 92 base64 characters ending in one `=`; the
        // character before it carries 2 unused bits, which must be zero.
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut b = good.clone();
        let at = b.len() - 3;
        assert_eq!(&b[at + 1..], b"=\n");
        let v = B64.iter().position(|&c| c == b[at]).unwrap();
        b[at] = B64[v ^ 1];
        b
    });
    add(
        "no-signature.note",
        Note,
        "witness",
        "the text alone, no blank line or signature",
        sheet_text.clone().into_bytes(),
    );
    // Size.
    add("too-large.note", Size, "witness", "65,536 bytes, one more than the limit", {
        // Signed properly, so only the size is wrong.
        let s = sheet_of_size(MAX_ENTRY_BYTES);
        let t = edit(&text(Entry::Sheet(s)), "\"qr\":\"x", "\"qr\":\"xx");
        signed(&t)
    });
    // Signatures: well-formed entries that a verifier must refuse.
    add("bad-signature.note", Unverified, "witness", "one bit of the signature flipped", {
        let mut sig = testigo_note::SignedNote::parse(&good).unwrap().signatures()[0].clone();
        sig.bytes[10] ^= 1;
        with_signature(sheet_text.as_bytes(), &sig)
    });
    add("altered-text.note", Unverified, "witness", "`null` changed from 7 to 8 after signing", {
        let s = String::from_utf8(good.clone()).unwrap();
        edit(&s, "\"null\":7", "\"null\":8").into_bytes()
    });
    add(
        "wrong-key.note",
        Unverified,
        "witness",
        "signed by the operator key instead of the witness key",
        note(sheet_text.as_bytes(), &op),
    );
    out
}

/// The witness key's request to be enrolled (ENTRIES.md §6).
fn enrol_request() -> EnrolRequest {
    EnrolRequest {
        key: signer("witness").verifier().to_vkey(),
        holder: "Ana Pérez".into(),
        organisation: "Red de Testigos".into(),
        scope: Some("01".into()),
        requested_at: T0 - 2 * 86_400,
    }
}

/// Documents that are not log entries. As log entries they are refused at
/// the header (their kind is none of the log's), which is what index.txt
/// records, so every entry decoder checks that the log refuses them; as
/// what they are, they decode and verify (`request_vectors_decode_as_requests`).
fn document_vectors() -> Vec<Vector> {
    let request = enrol_request();
    let bytes = encode_request(&request, &signer("witness")).unwrap();
    vec![Vector {
        name: "enrol-request.note",
        outcome: Outcome::Header,
        signer: "witness",
        what: "an enrolment request (ENTRIES.md §6), signed by the key it asks to enrol: never a log entry, its kind is refused",
        bytes,
        entry: None,
        request: Some(request),
    }]
}

fn all_vectors() -> Vec<Vector> {
    let mut v = valid_vectors();
    v.extend(invalid_vectors());
    v.extend(document_vectors());
    v
}

fn index_txt(vectors: &[Vector]) -> String {
    let mut s = String::from(
        "# testigo/v1 entry test vectors: see README.md and ENTRIES.md.\n\
         # Generated by crates/election/tests/suite/entry_vectors.rs; do not edit by hand.\n\
         # <file> <outcome> <signer alias (keys.txt)> <what it shows>\n",
    );
    for v in vectors {
        s.push_str(&format!("{} {} {} {}\n", v.path(), v.outcome.as_str(), v.signer, v.what));
    }
    s
}

fn keys_txt() -> String {
    let mut s = String::from(
        "# The keys that signed the vectors: <alias> <Ed25519 seed, hex> <verifier key line>.\n\
         # Generated by crates/election/tests/suite/entry_vectors.rs; do not edit by hand.\n",
    );
    for (alias, _, seed) in KEYS {
        s.push_str(&format!("{alias} {} {}\n", hex::encode([*seed; 32]), signer(alias).verifier().to_vkey()));
    }
    s
}

/// Every file the test owns under `testdata/entries/`, with its bytes.
fn expected_files() -> BTreeMap<String, Vec<u8>> {
    let vectors = all_vectors();
    let mut files: BTreeMap<String, Vec<u8>> = vectors.iter().map(|v| (v.path(), v.bytes.clone())).collect();
    assert_eq!(files.len(), vectors.len(), "two vectors share a file name");
    files.insert("index.txt".into(), index_txt(&vectors).into_bytes());
    files.insert("keys.txt".into(), keys_txt().into_bytes());
    files
}

fn list(dir: &Path, sub: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir.join(sub)) else { return Vec::new() };
    let mut names: Vec<String> = rd.map(|e| format!("{sub}/{}", e.unwrap().file_name().to_string_lossy())).collect();
    names.sort();
    names
}

#[test]
fn files_match_the_encoder() {
    let dir = dir();
    let files = expected_files();
    if std::env::var_os("TESTIGO_WRITE_VECTORS").is_some_and(|v| v == "1") {
        for sub in SUBDIRS {
            for stale in list(&dir, sub) {
                std::fs::remove_file(dir.join(stale)).unwrap();
            }
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for (path, bytes) in &files {
            std::fs::write(dir.join(path), bytes).unwrap();
        }
        eprintln!("wrote {} files to {}", files.len(), dir.display());
        return;
    }
    let regen = "if the change is intended, regenerate with \
                 `TESTIGO_WRITE_VECTORS=1 cargo test -p testigo-election --test suite entry_vectors` and review the diff";
    for (path, want) in &files {
        let got = std::fs::read(dir.join(path))
            .unwrap_or_else(|e| panic!("testdata/entries/{path} cannot be read ({e}); {regen}"));
        if &got != want {
            let at = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
            panic!(
                "testdata/entries/{path} differs from what the encoder produces, first at byte {at} \
                 (file has {} bytes, encoder {}):\n  file:    {:?}\n  encoder: {:?}\n{regen}",
                got.len(),
                want.len(),
                String::from_utf8_lossy(&got[at.saturating_sub(40)..(at + 40).min(got.len())]),
                String::from_utf8_lossy(&want[at.saturating_sub(40)..(at + 40).min(want.len())]),
            );
        }
    }
    for sub in SUBDIRS {
        for path in list(&dir, sub) {
            assert!(
                files.contains_key(&path),
                "testdata/entries/{path} is not a vector of this test: remove it; {regen}"
            );
        }
    }
}

#[test]
fn valid_vectors_decode_to_their_values() {
    for v in valid_vectors() {
        let path = v.path();
        let bytes = std::fs::read(dir().join(&path)).unwrap();
        let want = v.entry.as_ref().unwrap();
        let (entry, note) = decode(&bytes).unwrap_or_else(|e| panic!("{path} does not decode: {e}"));
        assert_eq!(&entry, want, "{path} decodes to other values");
        // The spec's construction (`note`) and the encoder agree.
        assert_eq!(bytes, note_bytes_from_spec(want, v.signer), "{path}: encode_signed differs from ENTRIES.md");
        let key = signer(v.signer).verifier();
        let verified = note.verify(&[key]).unwrap_or_else(|e| panic!("{path}: signature does not verify: {e}"));
        assert_eq!(verified.text, want.to_text().unwrap());
        assert!(bytes.len() <= MAX_ENTRY_BYTES, "{path} is over the limit");
    }
}

#[test]
fn request_vectors_decode_as_requests() {
    for v in document_vectors() {
        let path = v.path();
        let bytes = std::fs::read(dir().join(&path)).unwrap();
        let (request, key) = decode_request(&bytes).unwrap_or_else(|e| panic!("{path} is not a request: {e}"));
        assert_eq!(Some(&request), v.request.as_ref(), "{path} decodes to other values");
        assert_eq!(key, signer(v.signer).verifier(), "{path} asks for another key");
        // Built from the spec: `testigo/v1 enrol_request`, the canonical JSON, the signature block.
        let text = format!("testigo/v1 enrol_request\n{}\n", serde_json::to_string(&request).unwrap());
        assert_eq!(bytes, note(text.as_bytes(), &signer(v.signer)), "{path}: encode_request differs from ENTRIES.md");
    }
    // Spelled out, and quoted whole in ENTRIES.md §6.
    let b = String::from_utf8(std::fs::read(dir().join("requests/enrol-request.note")).unwrap()).unwrap();
    let spec = std::fs::read_to_string(dir().join("../../ENTRIES.md")).unwrap();
    assert!(spec.contains(&format!("```text\n{b}```")), "ENTRIES.md §6 does not quote requests/enrol-request.note");
    assert_eq!(
        b.lines().nth(1).unwrap(),
        r#"{"key":"witness.testigo.example+6acc62fd+AaCapfR6Z1mAL/lV+NwtKhSlyZ0jvpf4ZBJ/+Tg0VaTw","holder":"Ana Pérez","organisation":"Red de Testigos","scope":"01","requested_at":1721997200}"#
    );
}

/// The signed note as ENTRIES.md builds it: `testigo/v1 <kind>`, newline,
/// the canonical JSON, newline, then the signature block.
fn note_bytes_from_spec(entry: &Entry, signer_alias: &str) -> Vec<u8> {
    let text = format!("testigo/v1 {}\n{}\n", entry.kind().as_str(), entry.to_json().unwrap());
    note(text.as_bytes(), &signer(signer_alias))
}

#[test]
fn valid_vectors_have_the_documented_bytes() {
    // A few encodings spelled out literally, so the spec's examples and the
    // code cannot drift apart unnoticed.
    let json = |name: &str| {
        let b = std::fs::read(dir().join("valid").join(name)).unwrap();
        let s = String::from_utf8(b).unwrap();
        s.lines().nth(1).unwrap().to_string()
    };
    assert_eq!(
        json("sheet.note"),
        r#"{"election":"example-2024","table":"0101001.01","contest":"president","source":"witness","votes":{"a":230,"b":190,"c":0},"valid":420,"null":7,"voters":427,"registered":512,"photo_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","signed_at":1722173600}"#
    );
    assert_eq!(
        json("sheet-escapes.note"),
        "{\"election\":\"example-2024\",\"table\":\"0101001.01\",\"contest\":\"president\",\"source\":\"party_agent\",\
         \"votes\":{\"B\":6,\"Z\":5,\"a\":4,\"ab\":3,\"b\":2,\"é\":1},\"null\":0,\
         \"qr\":\"say \\\"hi\\\" \\\\ a/b\\n\\r\\t\\b\\f\\u0001\\u001f é€🗳\u{2028}\u{a0}~\",\"signed_at\":1722177200}"
    );
    assert_eq!(
        json("reading-empty.note"),
        r#"{"photo_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","codes":[],"reader":"testigo-scan 0.1.0","signed_at":1722173610}"#
    );
    assert_eq!(json("geography-tables-only.note"), r#"{"tables":[{"id":"0101002.01","unit":"0101","registered":0}]}"#);
}

/// What `decode` plus signature verification under the index's key makes of
/// a file, in index.txt's terms.
fn classify(bytes: &[u8], signer_alias: &str) -> (Outcome, String) {
    match decode(bytes) {
        Err(EntryError::TooLarge { .. }) => (Outcome::Size, "too large".into()),
        Err(EntryError::Malformed(m)) => {
            let class = if m.starts_with("not a signed note")
                || m.starts_with("the signature block")
                || m.starts_with("an entry carries exactly one signature")
            {
                Outcome::Note
            } else if m.contains("JSON") && !m.starts_with("the text must be") {
                Outcome::Json
            } else {
                Outcome::Header
            };
            (class, m)
        }
        Err(e) => panic!("decode gave an error it never gives for bytes: {e}"),
        Ok((_, note)) => match note.verify(&[signer(signer_alias).verifier()]) {
            Ok(_) => (Outcome::Valid, String::new()),
            Err(e @ (NoteError::BadSignature { .. } | NoteError::UnknownSigners { .. })) => {
                (Outcome::Unverified, e.to_string())
            }
            Err(e) => panic!("verification failed unexpectedly: {e}"),
        },
    }
}

#[test]
fn every_vector_gets_its_documented_outcome() {
    let index = std::fs::read_to_string(dir().join("index.txt")).unwrap();
    let mut seen = 0;
    for line in index.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let mut f = line.splitn(4, ' ');
        let (Some(path), Some(outcome), Some(alias), Some(_what)) = (f.next(), f.next(), f.next(), f.next()) else {
            panic!("index.txt line {line:?} does not have four fields");
        };
        let bytes = std::fs::read(dir().join(path)).unwrap();
        let (got, why) = classify(&bytes, alias);
        assert_eq!(got.as_str(), outcome, "{path}: expected {outcome}, the decoder says {} ({why})", got.as_str());
        seen += 1;
    }
    assert_eq!(seen, all_vectors().len(), "index.txt does not list every vector");
}

#[test]
fn keys_are_the_documented_ones() {
    // Pinned literally (and quoted in ENTRIES.md), so a change in key
    // derivation cannot hide behind regenerated vectors.
    let pinned = [
        ("operator", "operator.testigo.example+f1e08c1a+AdBKsjJ0K7SrOhNovUYV5ObQIkq3GgFrr4UgozLJd4c3"),
        ("witness", "witness.testigo.example+6acc62fd+AaCapfR6Z1mAL/lV+NwtKhSlyZ0jvpf4ZBJ/+Tg0VaTw"),
        ("importer", "importer.testigo.example+d3b457b9+ARfLefsrQSDysexl5BmNbgiyjoE/6wHkpACDm4XhgIDO"),
        ("publisher", "publisher.testigo.example+64746e1d+AddZeTu8E6KBmoJ8dq22+6ikmu4Af0ny0JktmbglrSxI"),
    ];
    assert_eq!(pinned.len(), KEYS.len());
    for (alias, vkey) in pinned {
        assert_eq!(
            signer(alias).verifier().to_vkey(),
            vkey,
            "the {alias} key no longer derives from its seed as before"
        );
    }
}

/// Runs the Go checker (`tests/go/entrycheck`, standard library only) over
/// the vectors: an implementation written from ENTRIES.md alone must make of
/// every file what index.txt says.
#[test]
fn go_checker_agrees() {
    let install = "install Go (`apt-get install -y golang-go` as root; `./scripts/test` does it)";
    match Command::new("go").arg("version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("`go version` failed ({}): {install}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!(
            "the Go toolchain is needed for the entry vector cross-check but `go` cannot be run ({e}): {install}"
        ),
    }
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("entrycheck");
    std::fs::create_dir_all(tmp.join("gocache")).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/entrycheck");
    let out = Command::new("go")
        .args(["run", "."])
        .arg(dir())
        .current_dir(&src)
        // GOPATH mode, standard library only: nothing to download.
        .env("GO111MODULE", "off")
        .env("GOPATH", tmp.join("gopath"))
        .env("GOFLAGS", "")
        .env("GOCACHE", tmp.join("gocache"))
        .env("HOME", &tmp)
        .output()
        .expect("running go run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the Go checker disagrees with the vectors:\n{stderr}\n{stdout}");
    let want = format!("ok {} vectors", all_vectors().len());
    assert!(stdout.lines().any(|l| l == want), "the Go checker did not report {want:?}:\n{stdout}");
}
