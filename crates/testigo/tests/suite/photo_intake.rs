//! Photos through the real server on loopback: the server reads every QR
//! code in each new photo, logs what it read as an operator-signed `reading`
//! entry right after the sheet, flags a photo whose code disagrees with the
//! typed counts, and shows per sheet the photo, the QR checks and the
//! signature state of signed formats (Brazilian BUs, with keys logged by a
//! `trust` entry).

use crate::common;

use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use testigo_election::{decode, Entry, Sheet};
use testigo_scan::corpus::{self, Degradation, SheetKind};

async fn get_json(url: &str) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn with_photo(mut s: Sheet, photo: &[u8]) -> Sheet {
    s.photo_sha256 = Some(hex::encode(Sha256::digest(photo)));
    s
}

/// The test election's acta code for `table` (cards a1, a2 → a; b1 → b).
fn acta(table: &str, a1: u32, a2: u32, b1: u32, null: u32) -> String {
    format!("{table}.1.0001!{a1},{a2},{b1}!{null}!0")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn venezuelan_photos_are_read_logged_and_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, 4);
    let (w1, w2) = (key("w1.test.example", 2), key("w2.test.example", 3));
    enroll(&dir, &w1, "witness", None, &[]);
    enroll(&dir, &w2, "witness", None, &[]);
    let server = Server::start(&dir, &[]);
    let size = || log_entries(&dir).len();
    let (t1, t2, t3) = (table_id(1, 1, 1), table_id(1, 1, 2), table_id(1, 1, 3));

    // A photo (rotated, JPEG) whose code matches the typed counts (a = 60 + 40, b = 50, null 5).
    let photo1 = corpus::photo_of(11, SheetKind::VenezuelaActa, &[acta(&t1, 60, 40, 50, 5)], Degradation::Rotation);
    assert!(photo1.starts_with(&[0xff, 0xd8, 0xff]), "the degraded photo is a JPEG");
    let before = size();
    let (st, body) = post_photo(&server.url, &signed(&with_photo(sheet(&t1), &photo1), &w1), &photo1).await;
    assert_eq!((st, &body["flags"]), (201, &json!([])), "{body}");
    let sheet_index = body["index"].as_u64().unwrap();
    let entries = log_entries(&dir);
    assert_eq!(entries.len(), before + 2, "the sheet and its photo reading are logged");
    let (reading, note) = decode(&entries[sheet_index as usize + 1]).unwrap();
    let Entry::Reading(reading) = reading else { panic!("entry after the sheet is not a reading: {reading:?}") };
    assert_eq!(reading.codes, vec![acta(&t1, 60, 40, 50, 5)]);
    assert_eq!(reading.photo_sha256, hex::encode(Sha256::digest(&photo1)));
    assert_eq!(note.signatures()[0].name, op.name(), "readings are signed by the operator");

    let view = get_json(&format!("{}/v1/tables/{t1}", server.url)).await;
    let sub = &view["submissions"][0];
    assert_eq!(sub["photo_qr"], json!({"outcome": "matches", "format": "venezuela_acta", "reading": sheet_index + 1}));
    assert_eq!(sub["qr"], Value::Null, "no payload was typed into the sheet");
    let url = format!("{}{}", server.url, sub["photo"]["url"].as_str().unwrap());
    assert_eq!(reqwest::get(url).await.unwrap().bytes().await.unwrap().as_ref(), photo1.as_slice());

    // The same photo from a second witness: not read again; the logged reading applies.
    let before = size();
    let (st, body) = post_photo(&server.url, &signed(&with_photo(sheet(&t1), &photo1), &w2), &photo1).await;
    assert_eq!((st, &body["flags"]), (201, &json!([])), "{body}");
    assert_eq!(size(), before + 1);
    let view = get_json(&format!("{}/v1/tables/{t1}", server.url)).await;
    assert_eq!(view["submissions"][1]["photo_qr"]["reading"], sheet_index + 1);

    // A photo showing one vote moved between candidates: flagged, logged, shown.
    let photo2 = corpus::photo_of(12, SheetKind::VenezuelaActa, &[acta(&t2, 61, 40, 49, 5)], Degradation::Perspective);
    let (st, body) = post_photo(&server.url, &signed(&with_photo(sheet(&t2), &photo2), &w1), &photo2).await;
    assert_eq!((st, &body["flags"]), (201, &json!(["photo_qr_mismatch"])), "{body}");
    let view = get_json(&format!("{}/v1/tables/{t2}", server.url)).await;
    assert_eq!(view["submissions"][0]["flags"], json!(["photo_qr_mismatch"]));
    assert_eq!(view["submissions"][0]["photo_qr"]["outcome"], "mismatch");

    // A photo of another table's sheet (same counts): flagged too.
    let photo3 = corpus::photo_of(13, SheetKind::VenezuelaActa, &[acta(&t1, 60, 40, 50, 5)], Degradation::Noise);
    let (st, body) = post_photo(&server.url, &signed(&with_photo(sheet(&t3), &photo3), &w1), &photo3).await;
    assert_eq!((st, &body["flags"]), (201, &json!(["photo_qr_mismatch"])), "{body}");

    // A typed QR and a photo: both checked, separately.
    let t4 = table_id(1, 2, 1);
    let photo4 = corpus::photo_of(14, SheetKind::VenezuelaActa, &[acta(&t4, 60, 40, 50, 5)], Degradation::Clean);
    let mut s = with_photo(sheet(&t4), &photo4);
    s.qr = Some(acta(&t4, 60, 40, 51, 5));
    let (st, body) = post_photo(&server.url, &signed(&s, &w1), &photo4).await;
    assert_eq!((st, &body["flags"]), (201, &json!(["qr_mismatch"])), "{body}");
    let view = get_json(&format!("{}/v1/tables/{t4}", server.url)).await;
    assert_eq!(view["submissions"][0]["qr"]["outcome"], "mismatch");
    assert_eq!(view["submissions"][0]["photo_qr"]["outcome"], "matches");

    // A photo without any code: logged as read, with nothing found; not flagged.
    let t5 = table_id(1, 2, 2);
    let blank = corpus::photo_of(15, SheetKind::VenezuelaActa, &[], Degradation::Clean);
    let (st, body) = post_photo(&server.url, &signed(&with_photo(sheet(&t5), &blank), &w1), &blank).await;
    assert_eq!((st, &body["flags"]), (201, &json!([])), "{body}");
    let view = get_json(&format!("{}/v1/tables/{t5}", server.url)).await;
    assert_eq!(view["submissions"][0]["photo_qr"]["outcome"], "no_code");

    // A file with JPEG magic bytes that is not a decodable image: refused, nothing logged.
    let mut fake = vec![0xff, 0xd8, 0xff, 0xe0];
    fake.extend_from_slice(&[0x42; 300]);
    let before = size();
    let (st, body) = post_photo(&server.url, &signed(&with_photo(sheet(&t5), &fake), &w2), &fake).await;
    assert_eq!((st, body["error"].as_str()), (415, Some("photo_not_image")), "{body}");
    assert_eq!(size(), before);
    server.stop();

    // The log with its readings verifies, replaying the same flags.
    let vkey = std::fs::read_to_string(dir.join("log.vkey")).unwrap();
    let out = bin()
        .args(["verify", dir.join("log").to_str().unwrap(), "--key", vkey.trim()])
        .env("HOME", tmp.path())
        .env("XDG_DATA_HOME", tmp.path().join("data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// A Brazilian BU typed into a sheet or photographed is checked against the
/// keys the log trusts (the demo logs its state keys in a `trust` entry),
/// and the API says which sheets a machine key verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn brazilian_bu_signatures_are_recorded_per_sheet() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("br");
    run_ok(&["demo", "--brazil", "--no-serve", "--dir", dir.to_str().unwrap()]);
    let payloads: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("bu-payloads.json")).unwrap()).unwrap();
    let photographer = key("photographer.br.example", 9);
    enroll(&dir, &photographer, "witness", None, &[]);
    let server = Server::start(&dir, &[]);
    let election = get_json(&format!("{}/v1/election", server.url)).await;
    let election_id = election["election"]["id"].as_str().unwrap().to_string();

    let mut statuses = std::collections::BTreeMap::new();
    for p in &payloads {
        let view = get_json(&format!("{}/v1/tables/{}", server.url, p["table"].as_str().unwrap())).await;
        let qr = &view["submissions"][0]["qr"];
        assert_eq!(qr["format"], "brazil_bu", "{view}");
        *statuses.entry((qr["signature"].as_str().unwrap().to_string(), qr["outcome"].to_string())).or_insert(0) += 1;
    }
    // 40 sheets: one altered after signing, one signed by a key the log does not trust, one with typed
    // counts that differ from the machine's; the rest verified and matching.
    let count = |sig: &str, outcome: &str| statuses.get(&(sig.to_string(), format!("\"{outcome}\""))).copied();
    assert_eq!(count("verified", "matches"), Some(37), "{statuses:?}");
    assert_eq!(count("verified", "mismatch"), Some(1), "{statuses:?}");
    assert_eq!(count("invalid", "unreadable"), Some(1), "{statuses:?}");
    assert_eq!(count("unknown_key", "matches"), Some(1), "{statuses:?}");

    // A second witness photographs two BUs: the genuine one verifies from the photo; the
    // altered one is shown as invalid (and its counts are not used).
    let mut shown = Vec::new();
    for (i, note_is_altered) in [(0usize, false), (1, true)] {
        let p = payloads.iter().find(|p| p["note"].as_str().unwrap().contains("altered") == note_is_altered).unwrap();
        let table = p["table"].as_str().unwrap();
        let parts: Vec<String> = p["qr"].as_str().unwrap().lines().map(String::from).collect();
        let photo = corpus::photo_of(20 + i as u64, SheetKind::BrazilBu, &parts, Degradation::Clean);
        let view = get_json(&format!("{}/v1/tables/{table}", server.url)).await;
        let first = &view["submissions"][0];
        let votes: std::collections::BTreeMap<String, u64> = first["votes"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .filter(|(_, v)| *v > 0)
            .collect();
        let s = Sheet {
            not_reported: Vec::new(),
            election: election_id.clone(),
            table: table.into(),
            contest: "1".into(),
            source: testigo_election::Source::Witness,
            valid: Some(votes.values().sum()),
            votes,
            null: Some(first["null"].as_u64().unwrap()),
            blank: first["blank"].as_u64(),
            voters: None,
            registered: None,
            photo_sha256: Some(hex::encode(Sha256::digest(&photo))),
            qr: None,
            dataset: None,
            supersedes: None,
            signed_at: now(),
        };
        let (st, body) = post_photo(&server.url, &signed(&s, &photographer), &photo).await;
        assert_eq!(st, 201, "{body}");
        let view = get_json(&format!("{}/v1/tables/{table}", server.url)).await;
        shown.push(view["submissions"][1]["photo_qr"].clone());
    }
    assert_eq!(shown[0]["format"], "brazil_bu");
    assert_eq!((&shown[0]["signature"], &shown[0]["outcome"]), (&json!("verified"), &json!("matches")), "{shown:?}");
    assert_eq!((&shown[1]["signature"], &shown[1]["outcome"]), (&json!("invalid"), &json!("unreadable")), "{shown:?}");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreadable_qr_says_why_in_the_table_view_and_the_tally() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, 2);
    let w1 = key("w1.test.example", 2);
    enroll(&dir, &w1, "witness", None, &[]);
    let server = Server::start(&dir, &[]);
    let t = table_id(1, 1, 1);
    // Two card counts where the ballot has three cards: from another election.
    let mut s = sheet(&t);
    s.qr = Some(format!("{t}.1.0001!60,40!5!0"));
    let (status, body) = post_entry(&server.url, &signed(&s, &w1)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["flags"], json!(["qr_unreadable"]), "{body}");
    let view = get_json(&format!("{}/v1/tables/{t}", server.url)).await;
    let qr = &view["submissions"][0]["qr"];
    assert_eq!(qr["outcome"], "unreadable", "{view}");
    let why = qr["why"].as_str().unwrap_or_else(|| panic!("no why: {view}"));
    assert!(why.contains("2 card counts") && why.contains("3 cards"), "{why}");
    // The tally groups it by reason, with the table.
    let tally = run_ok(&["tally", "--dir", dir.to_str().unwrap(), "--json"]);
    let tally: Value = serde_json::from_str(&tally).unwrap();
    let problems = &tally["contests"][0]["qr_unreadable"];
    assert_eq!(problems[0]["source"], "typed", "{problems}");
    assert_eq!(problems[0]["sheets"], 1);
    assert_eq!(problems[0]["why"], why);
    assert_eq!(problems[0]["tables"], json!([t]));
}
