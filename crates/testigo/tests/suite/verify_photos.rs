//! `testigo verify --photos`: every photo the log names is fetched (from the
//! server over HTTP, or from the data directory's photo store next to the
//! log), its hash checked and its QR codes read again and compared with the
//! operator's logged reading. Tampered and missing photos and a dishonest
//! operator's reading must fail the run, naming the hash or the log index.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::*;
use sha2::{Digest, Sha256};
use testigo_election::{encode_signed, Entry, PhotoReading, Sheet};
use testigo_scan::corpus::{self, Degradation, SheetKind};
use testigo_server::Node;
use testigo_store::DataDir;

fn post_photo(url: &str, entry: &str, photo: &[u8]) -> u16 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let form = reqwest::multipart::Form::new()
            .part("entry", reqwest::multipart::Part::text(entry.to_string()))
            .part("photo", reqwest::multipart::Part::bytes(photo.to_vec()).file_name("p"));
        let r = reqwest::Client::new().post(format!("{url}/v1/submissions")).multipart(form).send().await.unwrap();
        r.status().as_u16()
    })
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn with_photo(mut s: Sheet, photo: &[u8]) -> Sheet {
    s.photo_sha256 = Some(sha(photo));
    s
}

/// The test election's acta code for `table` (cards a1, a2 → a; b1 → b).
fn acta(table: &str, a1: u32, a2: u32, b1: u32, null: u32) -> String {
    format!("{table}.1.0001!{a1},{a2},{b1}!{null}!0")
}

/// Runs `testigo verify SOURCE --photos` with `extra` arguments, remembering nothing.
fn verify(dir: &Path, source: &str, extra: &[&str]) -> Output {
    let vkey = dir.join("log.vkey");
    bin()
        .args(["verify", source, "--key", vkey.to_str().unwrap(), "--no-state", "--quiet", "--photos"])
        .args(extra)
        .output()
        .expect("run testigo verify")
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn assert_ok(o: &Output) -> String {
    let t = text(o);
    assert!(o.status.success(), "verify --photos failed:\n{t}");
    t
}

fn assert_fails(o: &Output) -> String {
    let t = text(o);
    assert!(!o.status.success(), "verify --photos passed but must fail:\n{t}");
    t
}

#[test]
fn photos_are_reread_and_tampering_and_a_dishonest_reading_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, 2);
    let w1 = key("w1.test.example", 2);
    let w2 = key("w2.test.example", 3);
    enroll(&dir, &w1, "witness", None, &[]);
    enroll(&dir, &w2, "witness", None, &[]);
    let server = Server::start(&dir, &[]);

    let (t1, t2, t3) = (table_id(1, 1, 1), table_id(1, 1, 2), table_id(1, 2, 1));
    let p1 = corpus::photo_of(31, SheetKind::VenezuelaActa, &[acta(&t1, 60, 40, 50, 5)], Degradation::Clean);
    let p2 = corpus::photo_of(32, SheetKind::VenezuelaActa, &[acta(&t2, 60, 40, 50, 5)], Degradation::Clean);
    let blank = corpus::photo_of(33, SheetKind::VenezuelaActa, &[], Degradation::Clean);
    for (t, p) in [(&t1, &p1), (&t2, &p2), (&t3, &blank)] {
        assert_eq!(post_photo(&server.url, &signed(&with_photo(sheet(t), p), &w1), p), 201);
    }
    // A second witness's sheet naming an already stored photo: still one photo to check.
    assert_eq!(post_photo(&server.url, &signed(&with_photo(sheet(&t1), &p1), &w2), &p1), 201);
    let summary = "photos: 3 checked of 3 named";
    let counts = "3 agree, 0 disagree, 0 missing";

    // Over HTTP, from the running server's /blob/sha256/{hex}.
    let out = assert_ok(&verify(&dir, &server.url, &[]));
    assert!(out.contains(summary) && out.contains(counts), "{out}");
    assert!(out.contains(&format!("{}/blob/", server.url)), "photos fetched from the server: {out}");
    server.stop();

    // From the data directory (SOURCE given as its log/): photos next to the log.
    let log = dir.join("log");
    let out = assert_ok(&verify(&dir, log.to_str().unwrap(), &[]));
    assert!(out.contains(summary) && out.contains(counts), "{out}");

    // A copy of the log alone (a mirror without photos): every photo missing, unless allowed or
    // fetched from elsewhere with --photos-from.
    let mirror = tmp.path().join("mirror");
    run_ok(&[
        "mirror",
        log.to_str().unwrap(),
        mirror.to_str().unwrap(),
        "--key",
        dir.join("log.vkey").to_str().unwrap(),
    ]);
    let out = assert_fails(&verify(&dir, mirror.to_str().unwrap(), &[]));
    assert!(out.contains("0 checked of 3 named") && out.contains("3 missing"), "{out}");
    assert!(out.contains("--allow-missing-photos"), "the error says how to proceed: {out}");
    let out = assert_ok(&verify(&dir, mirror.to_str().unwrap(), &["--allow-missing-photos"]));
    assert!(out.contains("3 missing"), "{out}");
    let out = assert_ok(&verify(&dir, mirror.to_str().unwrap(), &["--photos-from", dir.to_str().unwrap()]));
    assert!(out.contains(summary) && out.contains(counts), "{out}");

    // Tampering: a stored photo replaced by other bytes fails, naming its hash and where the log names it.
    let blobs = DataDir::new(&dir).blobs();
    let (h1, h2, hb) = (sha(&p1), sha(&p2), sha(&blank));
    std::fs::write(blobs.join(&h1), &p2).unwrap();
    let out = assert_fails(&verify(&dir, log.to_str().unwrap(), &[]));
    assert!(out.contains("TAMPERED") && out.contains(&h1), "{out}");
    let first_sheet_with_p1 = log_entries(&dir)
        .iter()
        .position(|e| matches!(testigo_election::decode(e), Ok((Entry::Sheet(s), _)) if s.photo_sha256.as_deref() == Some(h1.as_str())))
        .unwrap();
    assert!(out.contains(&format!("photo {h1} (log index {first_sheet_with_p1})")), "{out}");
    assert!(!out.contains("--allow-missing-photos"), "{out}");
    std::fs::write(blobs.join(&h1), &p1).unwrap();

    // A deleted photo: missing; fails unless missing photos are allowed.
    std::fs::remove_file(blobs.join(&h2)).unwrap();
    let out = assert_fails(&verify(&dir, log.to_str().unwrap(), &[]));
    assert!(out.contains("MISSING") && out.contains(&h2) && out.contains("1 missing"), "{out}");
    let out = assert_ok(&verify(&dir, log.to_str().unwrap(), &["--allow-missing-photos"]));
    assert!(out.contains("photos: 2 checked of 3 named") && out.contains("2 agree, 0 disagree, 1 missing"), "{out}");
    std::fs::write(blobs.join(&h2), &p2).unwrap();
    assert_ok(&verify(&dir, log.to_str().unwrap(), &[]));

    // A dishonest operator logs a newer reading of the blank photo, attesting a code it does not show.
    let forged = acta(&t3, 90, 10, 50, 5);
    let node = Node::open(DataDir::new(&dir), std::sync::Arc::new(|| None)).unwrap();
    let operator = DataDir::new(&dir).operator().unwrap();
    let reading = Entry::Reading(PhotoReading {
        photo_sha256: hb.clone(),
        codes: vec![forged.clone()],
        reader: "testigo (forged)".into(),
        signed_at: now(),
    });
    let outcomes = node.submit_many(vec![encode_signed(&reading, &operator).unwrap()], now()).unwrap();
    let (index, _) = outcomes[0].clone().expect("the operator's reading is logged");
    node.shutdown();
    let out = assert_fails(&verify(&dir, log.to_str().unwrap(), &[]));
    assert!(out.contains(&format!("reading at log index {index}")), "the forged reading is named: {out}");
    assert!(out.contains(&forged) && out.contains("[]"), "both code lists are shown: {out}");
    assert!(out.contains("2 agree, 1 disagree, 0 missing"), "{out}");
    // Without --photos the log itself still verifies: the reading is validly signed.
    let vkey = dir.join("log.vkey");
    run_ok(&["verify", log.to_str().unwrap(), "--key", vkey.to_str().unwrap(), "--no-state", "--quiet"]);
}

/// A server that does not read photos (`serve --no-read-photos`) logs no readings: the photos'
/// hashes are still checked and reported as not read by the operator, which is not a failure.
#[test]
fn photos_without_a_reading_are_hash_checked_only() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, 1);
    let w1 = key("w1.test.example", 2);
    enroll(&dir, &w1, "witness", None, &[]);
    let server = Server::start(&dir, &["--no-read-photos"]);
    let t1 = table_id(1, 1, 1);
    let p1 = corpus::photo_of(41, SheetKind::VenezuelaActa, &[acta(&t1, 60, 40, 50, 5)], Degradation::Clean);
    assert_eq!(post_photo(&server.url, &signed(&with_photo(sheet(&t1), &p1), &w1), &p1), 201);
    server.stop();
    let log = dir.join("log");
    let out = assert_ok(&verify(&dir, log.to_str().unwrap(), &[]));
    assert!(
        out.contains("photos: 1 checked of 1 named")
            && out.contains("0 agree, 0 disagree, 0 missing, 1 not read by the operator"),
        "{out}"
    );
    assert!(out.contains(&acta(&t1, 60, 40, 50, 5)), "what this reader sees is shown: {out}");
    // Tampering is still caught without a reading.
    std::fs::write(DataDir::new(&dir).blobs().join(sha(&p1)), b"not the photo").unwrap();
    let out = assert_fails(&verify(&dir, log.to_str().unwrap(), &[]));
    assert!(out.contains("TAMPERED") && out.contains(&sha(&p1)), "{out}");
}
