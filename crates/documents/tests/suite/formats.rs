//! The seam: a format defined here, outside the crate, is detected, grouped,
//! read, trusted and inspected only by being added to the registry.

use std::collections::BTreeMap;

use serde::Serialize;
use testigo_documents::{
    formats, inspect, DocumentFormat, FormatInfo, Formats, Inspection, SheetQr, BRAZIL_BU, VENEZUELA_ACTA,
};
use testigo_election::{Candidate, Contest, ElectionDef, QrCounts, QrDecoder, QrReading, QrSignature, TrustedKey};

const BU: &str = include_str!("../../../formats/testdata/bu_ac_2024_example.txt");
const ACTA: &str = include_str!("../../../formats/testdata/venezuela_acta_example.txt");

static TOY_INFO: FormatInfo = FormatInfo {
    name: "toy",
    report_name: "toy-sheet",
    title: "a toy sheet",
    looks_like: "a toy code (TOY:table:candidate=votes,…)",
    codes: "toy codes",
};

/// `TOY:<table>:<candidate>=<votes>,…`, "signed" when a trusted key's
/// region is the table.
#[derive(Clone, Debug, Default)]
struct Toy {
    trusted_tables: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ToyCounts {
    votes: BTreeMap<String, u64>,
}

impl Toy {
    fn parse(payload: &str) -> Result<(String, BTreeMap<String, u64>), String> {
        let rest = payload.trim().strip_prefix("TOY:").ok_or("not a toy code")?;
        let (table, votes) = rest.split_once(':').ok_or("no table")?;
        let votes = votes
            .split(',')
            .map(|kv| {
                let (k, v) = kv.split_once('=').ok_or(format!("{kv:?} is not candidate=votes"))?;
                Ok((k.to_string(), v.parse::<u64>().map_err(|e| e.to_string())?))
            })
            .collect::<Result<_, String>>()?;
        Ok((table.to_string(), votes))
    }
}

impl DocumentFormat for Toy {
    fn info(&self) -> &'static FormatInfo {
        &TOY_INFO
    }

    fn detects(&self, code: &str) -> bool {
        code.starts_with("TOY:")
    }

    fn read(&self, _election: &ElectionDef, _contest: &Contest, payload: &str) -> QrReading {
        let parsed = Toy::parse(payload);
        let signature = match &parsed {
            Ok((table, _)) if self.trusted_tables.contains(table) => QrSignature::Verified,
            _ => QrSignature::UnknownKey,
        };
        QrReading {
            format: "toy",
            signature: Some(signature),
            counts: parsed.map(|(table, votes)| QrCounts { table: Some(table), votes, null: None }),
        }
    }

    fn accepts_keys(&self) -> bool {
        true
    }

    fn trust(&mut self, keys: &[TrustedKey]) -> Result<(), String> {
        self.trusted_tables.extend(keys.iter().map(|k| k.region.clone()));
        Ok(())
    }

    fn inspect(&self, codes: &[&str]) -> Inspection {
        let mut ins = Inspection::new(codes.iter().map(|c| c.to_string()).collect());
        match Toy::parse(codes[0]) {
            Ok((table, votes)) => {
                ins.table = Some(table);
                ins.counts = Some(Box::new(ToyCounts { votes }));
            }
            Err(e) => ins.errors.push(e),
        }
        ins
    }
}

fn contest() -> Contest {
    Contest {
        id: "p".into(),
        name: "p".into(),
        candidates: ["a", "b"].map(|c| Candidate { id: c.into(), name: c.into(), cards: Vec::new() }).to_vec(),
    }
}

fn election() -> ElectionDef {
    ElectionDef {
        id: "toy".into(),
        name: "toy".into(),
        date: "2024-10-06".into(),
        levels: vec!["table".into()],
        contests: vec![contest()],
        total_tables: None,
        registry: None,
        max_table_voters: 1000,
        operator: String::new(),
    }
}

fn with_toy() -> Formats {
    formats().with(Toy::default())
}

#[test]
fn a_new_format_needs_only_the_registry() {
    let toy = "TOY:t1:a=3,b=4";
    // Unknown to the standard registry: read as an (unreadable) acta, ignored by inspection.
    let standard = SheetQr::default();
    assert_eq!(standard.read(&election(), &contest(), toy).format, VENEZUELA_ACTA);
    let r = inspect(toy.as_bytes(), &formats());
    assert_eq!((r.format, r.ignored.len()), (None, 1));

    // Added to the registry: detected, read, trusted, grouped and inspected.
    let f = with_toy();
    assert_eq!(f.detect(toy).map(|f| f.name()), Some("toy"));
    assert_eq!(f.detect(BU.trim()).map(|f| f.name()), Some(BRAZIL_BU), "the others are unaffected");
    assert_eq!(f.detect(ACTA.trim()).map(|f| f.name()), Some(VENEZUELA_ACTA));

    let qr = SheetQr::new(f.clone());
    let reading = qr.read(&election(), &contest(), toy);
    assert_eq!((reading.format, reading.signature), ("toy", Some(QrSignature::UnknownKey)));
    let counts = reading.counts.unwrap();
    assert_eq!((counts.table.as_deref(), counts.votes.get("b")), (Some("t1"), Some(&4)));

    let key = TrustedKey {
        region: "t1".into(),
        phase: String::new(),
        version: String::new(),
        ed25519: String::new(),
        pin: None,
    };
    let trusting = qr.trusting("toy", std::slice::from_ref(&key)).unwrap();
    assert_eq!(trusting.read(&election(), &contest(), toy).signature, Some(QrSignature::Verified));
    let err = SheetQr::default().trusting("toy", &[key]).err().unwrap();
    assert_eq!(err, "format \"toy\" has no signature keys to trust (this software checks brazil_bu)");

    let codes: Vec<String> = ["x", toy, "QRBU:1:1 a"].map(String::from).to_vec();
    assert_eq!(qr.payloads_from_codes(&codes), ["QRBU:1:1 a", "x", toy]);

    let r = inspect(format!("{toy}\n").as_bytes(), &f);
    assert!(r.exit_ok(), "{}", r.to_json());
    assert_eq!((r.format_name(), r.table.as_deref()), (Some("toy"), Some("t1")));
    assert_eq!(r.counts_as::<ToyCounts>().unwrap().votes.get("a"), Some(&3));
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["format"], "toy-sheet");
    assert_eq!(json["counts"]["votes"]["b"], 4);

    // Mixed with an acta: the generic message names both.
    let r = inspect(format!("{toy}\n{}", ACTA.trim()).as_bytes(), &f);
    assert_eq!(r.errors, ["found both Venezuelan acta codes (1) and toy codes (1); inspect one sheet at a time"]);
    let r = inspect(b"hello\n", &f);
    assert_eq!(
        r.errors,
        ["no payload is a Venezuelan acta QR (CENTRE.MM.1.0001!…), a Brazilian BU part (QRBU:i:n …) or a toy code (TOY:table:candidate=votes,…)"]
    );
}

#[test]
fn the_standard_messages_are_unchanged() {
    let r = inspect(format!("{}\n{}", ACTA.trim(), BU.trim()).as_bytes(), &formats());
    assert_eq!(
        r.errors,
        ["found both Venezuelan acta codes (1) and Brazilian BU parts (1); inspect one sheet at a time"]
    );
    let r = inspect(b"hello\n", &formats());
    assert_eq!(
        r.errors,
        ["no payload is a Venezuelan acta QR (CENTRE.MM.1.0001!…) or a Brazilian BU part (QRBU:i:n …)"]
    );
    // Trust for a format that is not signed, or unknown: the same refusal as before.
    let err = SheetQr::default().trusting(VENEZUELA_ACTA, &[]).err().unwrap();
    assert_eq!(err, "format \"venezuela_acta\" has no signature keys to trust (this software checks brazil_bu)");
}

/// A contest of three candidates; with `cards`, the first two have two cards each.
fn ballot(cards: bool) -> Contest {
    let card = |id: &str| testigo_election::BallotCard { id: id.into(), name: id.to_uppercase() };
    let cand =
        |id: &str, cs: Vec<testigo_election::BallotCard>| Candidate { id: id.into(), name: id.into(), cards: cs };
    Contest {
        id: "president".into(),
        name: "President".into(),
        candidates: if cards {
            vec![
                cand("NM", vec![card("psuv"), card("pcv")]),
                cand("EG", vec![card("untc"), card("mud")]),
                cand("OT", vec![]),
            ]
        } else {
            vec![cand("NM", vec![]), cand("EG", vec![]), cand("OT", vec![])]
        },
    }
}

#[test]
fn an_acta_is_read_against_its_contest_ballot_and_unreadable_says_why() {
    let qr = SheetQr::default();
    let e = election();
    // Cards in the listed order are summed into their candidates.
    let four = "010113042.01.1.0001!100,20,200,32!3!0";
    let read = qr.read(&e, &ballot(true), four).counts.unwrap();
    assert_eq!(read.votes, BTreeMap::from([("NM".into(), 120), ("EG".into(), 232)]));
    assert_eq!((read.table.as_deref(), read.null), (Some("010113042.01"), Some(3)));
    // No cards: one total per candidate, in candidate order.
    let three = "010113042.01.1.0001!120,232,7!3!0";
    let read = qr.read(&e, &ballot(false), three).counts.unwrap();
    assert_eq!(read.votes, BTreeMap::from([("NM".into(), 120), ("EG".into(), 232), ("OT".into(), 7)]));
    // Neither fits: the reason names the contest and what to do, and the check carries it.
    let why = qr.read(&e, &ballot(false), four).counts.unwrap_err();
    assert!(why.contains("4 counts") && why.contains("3 candidates") && why.contains("lists no ballot cards"), "{why}");
    let check = testigo_election::check_payloads(
        &qr,
        &e,
        &ballot(false),
        "010113042.01",
        &testigo_election::SheetCounts { votes: &[120, 232, 0], not_reported: &[], null: Some(3), blank: None },
        &[four.into()],
    );
    assert_eq!(check.outcome, testigo_election::QrOutcome::Unreadable);
    assert_eq!(check.why.as_deref(), Some(why.as_str()));
    let matching = testigo_election::check_payloads(
        &qr,
        &e,
        &ballot(false),
        "010113042.01",
        &testigo_election::SheetCounts { votes: &[120, 232, 7], not_reported: &[], null: Some(3), blank: None },
        &[three.into()],
    );
    assert_eq!((matching.outcome, matching.why), (testigo_election::QrOutcome::Matches, None));
    // Inspection against the ballot names cards and candidates.
    let f = formats().with(testigo_documents::VenezuelaActaQr::for_contest(&ballot(true)));
    let report = inspect(four.as_bytes(), &f);
    assert!(report.exit_ok(), "{}", report.to_json());
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["counts"]["cards"][3]["party"], "MUD");
    assert_eq!(json["counts"]["candidates"][1], serde_json::json!({"code": "EG", "name": "EG", "votes": 232}));
    // The built-in 2024 ballot refuses it and says how to choose another.
    let report = inspect(four.as_bytes(), &formats());
    assert!(!report.exit_ok());
    assert!(report.errors.iter().any(|e| e.contains("--election")), "{:?}", report.errors);
}
