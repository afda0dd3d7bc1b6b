//! `testigo qr inspect`: the shared example payloads (copied into
//! `crates/formats/testdata/`, see its README), tampered payloads that must
//! fail, and a generated sheet photo read end to end.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use common::{enroll, init_election, key, table_id, write_key, Server};

use testigo_scan::corpus::{self, Degradation, SheetKind, CORPUS_KEY_VERSION, CORPUS_STATES};

const BU_EXAMPLE: &str = include_str!("../../../formats/testdata/bu_ac_2024_example.txt");
const BU_KEY: &str = include_str!("../../../formats/testdata/bu_ac_2024_key.hex");
const VE_EXAMPLE: &str = include_str!("../../../formats/testdata/venezuela_acta_example.txt");

fn inspect(args: &[&str], file: &Path) -> (Output, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_testigo"))
        .args(["qr", "inspect"])
        .args(args)
        .arg(file)
        .output()
        .expect("run testigo");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn venezuelan_acta_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "acta.txt", VE_EXAMPLE.as_bytes());
    let (out, json) = inspect(&[], &file);
    assert!(out.status.success(), "{json}");
    assert_eq!(json["format"], "venezuela-acta");
    assert_eq!(json["table"], "201301006.01");
    assert_eq!(json["counts"]["valid"], 368);
    assert_eq!(json["signature"], "not_applicable");

    // One card count too many: reported, exit status 1.
    let bad = write(dir.path(), "bad.txt", VE_EXAMPLE.trim().replacen("!140,", "!140,0,", 1).as_bytes());
    let (out, json) = inspect(&[], &bad);
    assert_eq!(out.status.code(), Some(1), "{json}");
    assert!(json["errors"][0].as_str().unwrap().contains("39 card counts"), "{json}");
}

#[test]
fn brazilian_bu_text_with_and_without_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bu.txt", BU_EXAMPLE.as_bytes());
    let key = format!("sac@20240507={}", BU_KEY.trim());
    let (out, json) = inspect(&["--key", &key], &file);
    assert!(out.status.success(), "{json}");
    assert_eq!(json["format"], "brazil-bu");
    assert_eq!(json["table"], "AC/1120/8/2");
    assert_eq!(json["chain"]["status"], "valid");
    assert_eq!(json["signature"], "verified");

    // The key as a TSE key file pinned by its SHA-512.
    let raw = hex::decode(BU_KEY.trim()).unwrap();
    let keyfile = write(dir.path(), "sacqrcode.pub", &raw);
    use sha2::Digest;
    let pin = hex::encode(sha2::Sha512::digest(&raw));
    let (out, json) = inspect(&["--key", &format!("20240507={}#{pin}", keyfile.display())], &file);
    assert!(out.status.success(), "{json}");
    assert_eq!(json["signature"], "verified");

    // No key: counts reported, but the signature is not verified, so exit 1.
    let (out, json) = inspect(&[], &file);
    assert_eq!(out.status.code(), Some(1), "{json}");
    assert_eq!(json["signature"], "unknown_key");
    assert_eq!(json["counts"]["present"], 2);

    // A key for another slot does not verify it either.
    let (out, json) = inspect(&["--key", &format!("ssp@20240507={}", BU_KEY.trim())], &file);
    assert_eq!((out.status.code(), &json["signature"]), (Some(1), &serde_json::json!("unknown_key")));

    // One vote changed: chain broken and signature invalid.
    let tampered = write(dir.path(), "tampered.txt", BU_EXAMPLE.replace(" 92:1 ", " 92:2 ").as_bytes());
    let (out, json) = inspect(&["--key", &key], &tampered);
    assert_eq!(out.status.code(), Some(1), "{json}");
    assert_eq!(json["chain"]["status"], "broken");
    assert_eq!(json["signature"], "invalid");
}

#[test]
fn brazilian_bu_with_a_bare_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bu.txt", BU_EXAMPLE.as_bytes());
    // TSE's key for the example's slot, alone: tried for any state, phase and version.
    let (out, json) = inspect(&["--key", BU_KEY.trim()], &file);
    assert!(out.status.success(), "{json}");
    assert_eq!(json["format"], "brazil-bu");
    assert_eq!(json["chain"]["status"], "valid");
    assert_eq!(json["signature"], "verified");
    // Beside a wrong key, and in capitals.
    let wrong = hex::encode(corpus::corpus_signing_key().verifying_key().to_bytes());
    let (out, json) = inspect(&["--key", &wrong, "--key", &BU_KEY.trim().to_ascii_uppercase()], &file);
    assert!(out.status.success(), "{json}");
    assert_eq!(json["signature"], "verified");

    // Another key alone: the signature is not valid for it.
    let (out, json) = inspect(&["--key", &wrong], &file);
    assert_eq!((out.status.code(), &json["signature"]), (Some(1), &serde_json::json!("invalid")), "{json}");

    // Malformed hex is refused before anything is read, saying what is wrong.
    let refused = |arg: &str, why: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_testigo"))
            .args(["qr", "inspect", "--key", arg])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{arg}: {stderr}");
        assert!(out.stdout.is_empty(), "{arg}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(stderr.contains(why) && stderr.contains("64 hex digits"), "{arg}: expected {why:?}: {stderr}");
    };
    let key = BU_KEY.trim();
    refused(&key[..63], "it has 63 hex digits, not 64");
    refused(&format!("{}x", &key[..63]), "'x' at position 64 is not a hex digit");
    refused(&format!("{key}0"), "it has 65 hex digits, not 64");
}

#[test]
fn malformed_key_argument_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bu.txt", BU_EXAMPLE.as_bytes());
    let out = Command::new(env!("CARGO_BIN_EXE_testigo"))
        .args(["qr", "inspect", "--key", "nonsense"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[NAME@]VRCH=VALUE"), "{out:?}");
}

#[test]
fn generated_photo_of_a_signed_bu() {
    let seed = (0..).find(|&s| corpus::kind_for(s) == SheetKind::BrazilBu).unwrap();
    let sample = corpus::generate_with(seed, Degradation::Clean);
    let dir = tempfile::tempdir().unwrap();
    let photo = write(dir.path(), "sheet.png", &sample.photo);
    let vk = hex::encode(corpus::corpus_signing_key().verifying_key().to_bytes());
    let keys: Vec<String> =
        CORPUS_STATES.iter().map(|uf| format!("o{}@{CORPUS_KEY_VERSION}={vk}", uf.to_lowercase())).collect();
    let args: Vec<&str> = keys.iter().flat_map(|k| ["--key", k.as_str()]).collect();
    let (out, json) = inspect(&args, &photo);
    assert!(out.status.success(), "{json}");
    assert_eq!(json["source"]["kind"], "image");
    assert_eq!(json["format"], "brazil-bu");
    assert_eq!(json["signature"], "verified");
    let mut read: Vec<String> =
        json["payloads"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
    let mut expected = sample.payloads.clone();
    read.sort();
    expected.sort();
    assert_eq!(read, expected);

    // Without the keys the same photo reads, but is not "ok".
    let (out, json) = inspect(&[], &photo);
    assert_eq!((out.status.code(), &json["signature"]), (Some(1), &serde_json::json!("unknown_key")));

    // Not an image and not a payload: exit 1 with an error.
    let junk = write(dir.path(), "junk.txt", b"hello\n");
    let (out, json) = inspect(&[], &junk);
    assert_eq!(out.status.code(), Some(1));
    assert!(!json["errors"].as_array().unwrap().is_empty(), "{json}");
}

/// A PNG of a sheet carrying one QR code with `text`, 4 pixels a module.
fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width() as u32;
    let colors = code.to_colors();
    let img = image::GrayImage::from_fn((n + 8) * 4, (n + 8) * 4, |x, y| {
        let (mx, my) = ((x / 4) as i64 - 4, (y / 4) as i64 - 4);
        let dark = (0..n as i64).contains(&mx)
            && (0..n as i64).contains(&my)
            && colors[(my as u32 * n + mx as u32) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 20 } else { 245 }])
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    png
}

/// `submit --photo` without `--qr` signs the acta QR read from the photo into
/// the sheet, so the server compares it with the typed counts.
#[test]
fn submit_photo_fills_the_qr_field() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator", 1);
    let dir = init_election(tmp.path(), &op, 2);
    let witness = key("witness", 2);
    enroll(&dir, &witness, "witness", None, &[]);
    let wkey = write_key(tmp.path(), &witness);
    let server = Server::start(&dir, &[]);
    // The test election's cards: a = a1 + a2, b = b1.
    let submit = |table: &str, a: &str, photo: &Path| {
        let out = common::bin()
            .args(["submit", "--server", &server.url, "--key", wkey.to_str().unwrap(), "--table", table])
            .args(["--vote", a, "--vote", "b=50", "--null", "5", "--valid", "150", "--voters", "155"])
            .arg("--photo")
            .arg(photo)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let table = table_id(1, 1, 1);
    let photo = write(tmp.path(), "acta.png", &qr_png(&format!("{table}.1.0001!60,40,50!5!0")));
    let said = submit(&table, "a=100", &photo);
    assert!(said.contains("QR read from the photo: a Venezuelan acta") && !said.contains("flagged"), "{said}");
    // The typed count disagrees with the photo's QR: flagged.
    let table2 = table_id(1, 1, 2);
    let photo2 = write(tmp.path(), "acta2.png", &qr_png(&format!("{table2}.1.0001!60,40,50!5!0")));
    let said = submit(&table2, "a=101", &photo2);
    assert!(said.contains("flagged: ") && said.contains("qr_mismatch"), "{said}");
    server.stop();
}

/// `testigo demo --brazil`: sheets carrying BU QR codes signed with the
/// demo's keys are verified, the one whose typed counts disagree is flagged
/// `qr_mismatch`, and the altered BU is unreadable.
#[test]
fn brazilian_demo_shows_signature_statuses_and_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("br");
    let out = common::bin().args(["demo", "--brazil", "--no-serve", "--dir"]).arg(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = text.lines().collect();
    let verified_clean = lines.iter().filter(|l| l.contains(" verified ") && l.trim_end().ends_with(" -")).count();
    assert!(verified_clean >= 30, "{text}");
    let mismatch: Vec<&&str> = lines.iter().filter(|l| l.contains("qr_mismatch")).collect();
    assert_eq!(mismatch.len(), 1, "{text}");
    assert!(mismatch[0].contains(" verified "), "{text}");
    let unreadable: Vec<&&str> = lines.iter().filter(|l| l.contains("qr_unreadable")).collect();
    assert_eq!(unreadable.len(), 1, "{text}");
    assert!(unreadable[0].contains("invalid (hash chain broken)"), "{text}");
    assert!(lines.iter().any(|l| l.contains("unknown_key")), "{text}");
    assert!(text.contains("generated for this demo"), "{text}");
    // Run again: the directory is reused and reports the same.
    let again = common::bin().args(["demo", "--brazil", "--no-serve", "--dir"]).arg(&dir).output().unwrap();
    let again = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(again.contains("reused") && again.matches("qr_mismatch").count() == 1, "{again}");
}

#[test]
fn inspect_reads_an_acta_against_the_election_given() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/example");
    let photo = root.join("acta.jpg");
    // The example's five-card ballot: the 2024 ballot cannot read it, and says what to do.
    let (out, json) = inspect(&[], &photo);
    assert_eq!(out.status.code(), Some(1), "{json}");
    assert!(json["errors"].to_string().contains("--election"), "{json}");
    let election = root.join("election.toml");
    let (out, json) = inspect(&["--election", election.to_str().unwrap()], &photo);
    assert!(out.status.success(), "{json}");
    assert_eq!(json["table"], "010113042.01");
    assert_eq!(json["counts"]["candidates"][0]["votes"], 120);
    assert_eq!(json["counts"]["candidates"][1]["votes"], 232);
    assert_eq!(json["counts"]["cards"][0]["party"], "PSUV");
    // A contest the election does not have is an error naming the ones it has.
    let out = Command::new(env!("CARGO_BIN_EXE_testigo"))
        .args(["qr", "inspect", "--election", election.to_str().unwrap(), "--contest", "senate"])
        .arg(&photo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no contest \"senate\" (it has: president)"));
}
