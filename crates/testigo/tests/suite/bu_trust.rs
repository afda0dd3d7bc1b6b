//! BU signing keys come from the log (`testigo trust`), not from the
//! server's configuration: a Brazilian BU whose hash chain holds but whose
//! signature is forged gets the same signature state and flags on the
//! server, in `testigo tally` and in `testigo verify`, which replay the log.

use crate::common;

use common::*;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use testigo_election::Sheet;
use testigo_formats::brazil_bu::{build_payload, parse_payload, BuildOptions};

async fn get_json(url: &str) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// The BU of `payload` (parts one per line) signed again by `key` as key
/// version `key_version`: its hash chain holds whatever key signs it.
fn resign(payload: &str, key_version: &str, key: &SigningKey) -> String {
    let bu = parse_payload(payload.lines()).unwrap();
    build_payload(&bu.content, &BuildOptions::signed(key_version, key.clone())).unwrap().join("\n")
}

/// A witness sheet for `table` with the counts of its first submission and `qr`.
async fn sheet_like_first(url: &str, election: &str, table: &str, qr: String) -> Sheet {
    let view = get_json(&format!("{url}/v1/tables/{table}")).await;
    let first = &view["submissions"][0];
    let votes: std::collections::BTreeMap<String, u64> = first["votes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .filter(|(_, v)| *v > 0)
        .collect();
    Sheet {
        not_reported: Vec::new(),
        election: election.into(),
        table: table.into(),
        contest: "1".into(),
        source: testigo_election::Source::Witness,
        valid: Some(votes.values().sum()),
        votes,
        null: Some(first["null"].as_u64().unwrap()),
        blank: first["blank"].as_u64(),
        voters: None,
        registered: None,
        photo_sha256: None,
        qr: Some(qr),
        dataset: None,
        supersedes: None,
        signed_at: now(),
    }
}

/// The newest submission's typed QR check and flags for a table.
async fn newest(url: &str, table: &str) -> (Value, Value) {
    let view = get_json(&format!("{url}/v1/tables/{table}")).await;
    let subs = view["submissions"].as_array().unwrap();
    let last = subs.iter().max_by_key(|s| s["index"].as_u64().unwrap()).unwrap();
    (last["qr"].clone(), last["flags"].clone())
}

/// `{code: sheets}` of a tally report's national flags.
fn flag_counts(report: &Value) -> std::collections::BTreeMap<String, u64> {
    report["contests"][0]["national"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["sheets"].as_u64().unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_bu_signatures_are_flagged_alike_by_server_tally_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("br");
    run_ok(&["demo", "--brazil", "--no-serve", "--dir", dir.to_str().unwrap()]);
    let payloads: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("bu-payloads.json")).unwrap()).unwrap();
    let genuine: Vec<(String, String)> = payloads
        .iter()
        .filter(|p| p["note"] == "" && p["table"].as_str().unwrap().starts_with("SP-"))
        .map(|p| (p["table"].as_str().unwrap().to_string(), p["qr"].as_str().unwrap().to_string()))
        .take(3)
        .collect();
    assert_eq!(genuine.len(), 3);
    let witness = key("second-witness.br.example", 31);
    enroll(&dir, &witness, "witness", None, &[]);

    // The authority's new key (São Paulo, official, version 20240507), and a forger's.
    let authority = SigningKey::from_bytes(&[21; 32]);
    let forger = SigningKey::from_bytes(&[22; 32]);
    let spec = format!("osp@20240507={}", hex::encode(authority.verifying_key().to_bytes()));

    // Keys no longer configure the server.
    let dir_s = dir.to_str().unwrap();
    let out = bin().args(["serve", "--dir", dir_s, "--addr", "127.0.0.1:0", "--bu-key", &spec]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("testigo trust --dir"), "{err}");

    let server = Server::start(&dir, &[]);
    let url = server.url.clone();
    let election = get_json(&format!("{url}/v1/election")).await["election"]["id"].as_str().unwrap().to_string();

    // A forged BU (chain intact, signature by the forger) before the key is logged:
    // no key for its slot, so its counts are compared and it is not flagged.
    let (ta, qa) = &genuine[0];
    let forged_a = sheet_like_first(&url, &election, ta, resign(qa, "20240507", &forger)).await;
    let (st, body) = post_entry(&url, &signed(&forged_a, &witness)).await;
    assert_eq!((st, &body["flags"]), (201, &json!([])), "{body}");
    let (qr, flags) = newest(&url, ta).await;
    assert_eq!((&qr["signature"], &qr["outcome"], &flags), (&json!("unknown_key"), &json!("matches"), &json!([])));

    // The operator logs the key through the running server.
    let op_key = dir.join("operator.key");
    let index = run_ok(&[
        "trust",
        "--server",
        &url,
        "--operator-key",
        op_key.to_str().unwrap(),
        "--bu-key",
        &spec,
        "--note",
        "test authority key list of 2024-05-07",
    ]);
    assert!(index.trim().parse::<u64>().is_ok(), "{index}");

    // The earlier forged sheet is checked again: invalid, its counts unused, flagged.
    let (qr, flags) = newest(&url, ta).await;
    assert_eq!((&qr["signature"], &qr["outcome"]), (&json!("invalid"), &json!("unreadable")), "{qr}");
    assert_eq!(flags, json!(["qr_unreadable"]));

    // After it: a forged BU is flagged at intake, a genuine one verifies.
    let (tb, qb) = &genuine[1];
    let forged_b = sheet_like_first(&url, &election, tb, resign(qb, "20240507", &forger)).await;
    let (st, body) = post_entry(&url, &signed(&forged_b, &witness)).await;
    assert_eq!((st, &body["flags"]), (201, &json!(["qr_unreadable"])), "{body}");
    let (qr, _) = newest(&url, tb).await;
    assert_eq!((&qr["signature"], &qr["outcome"]), (&json!("invalid"), &json!("unreadable")), "{qr}");
    let (tc, qc) = &genuine[2];
    let genuine_c = sheet_like_first(&url, &election, tc, resign(qc, "20240507", &authority)).await;
    let (st, body) = post_entry(&url, &signed(&genuine_c, &witness)).await;
    assert_eq!((st, &body["flags"]), (201, &json!([])), "{body}");
    let (qr, _) = newest(&url, tc).await;
    assert_eq!((&qr["signature"], &qr["outcome"]), (&json!("verified"), &json!("matches")), "{qr}");

    // The offline tally replays the log and counts the same flags as the server's tally:
    // the demo's altered BU and the two forged ones are unreadable.
    let offline: Value = serde_json::from_str(&run_ok(&["tally", "--dir", dir_s, "--json"])).unwrap();
    // The published tally may lag a growing log by one rebuild (at most 2 s).
    let size: u64 = reqwest::get(format!("{url}/checkpoint"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut served = get_json(&format!("{url}/v1/tally")).await;
    for _ in 0..50 {
        if served["log_size"].as_u64() == Some(size) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        served = get_json(&format!("{url}/v1/tally")).await;
    }
    assert_eq!(flag_counts(&offline).get("qr_unreadable"), Some(&3), "{offline}");
    assert_eq!(flag_counts(&offline), flag_counts(&served["report"]));

    // verify recomputes /v1/tally from the verified log and compares it byte for byte.
    let vkey = dir.join("log.vkey");
    let out = bin()
        .args(["verify", &url, "--key", vkey.to_str().unwrap(), "--no-state"])
        .env("HOME", tmp.path())
        .env("XDG_DATA_HOME", tmp.path().join("data"))
        .output()
        .unwrap();
    let said = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{said}");
    assert!(said.contains("trust"), "the trust entries are counted among the entries replayed: {said}");
    server.stop();
}
