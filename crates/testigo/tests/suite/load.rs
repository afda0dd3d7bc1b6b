//! End to end under load, against the real server on loopback: hundreds of
//! concurrent submitters lose nothing and get distinct indices with receipts
//! that verify; a server killed with SIGKILL under load loses no
//! acknowledged submission; the CLI imports the real Venezuelan files.

use crate::common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{json, Value};
use testigo_election::{Enrol, Entry, Role};
use testigo_note::{Signer, Verifier};

const SUBMITTERS: usize = 300;

fn witnesses() -> Vec<Signer> {
    (0..SUBMITTERS)
        .map(|i| {
            Signer::from_seed(
                &format!("w{i}.load.example"),
                1,
                [
                    (i % 250) as u8 + 1,
                    (i / 250) as u8,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                ],
            )
            .unwrap()
        })
        .collect()
}

async fn post(client: &reqwest::Client, url: &str, entry: &str) -> (u16, Value) {
    let r = client.post(format!("{url}/v1/submissions")).json(&json!({ "entry": entry })).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn enrol_all(url: &str, op: &Signer, keys: &[Signer]) {
    let client = reqwest::Client::new();
    for k in keys {
        let e = Entry::Enrol(Enrol {
            key: k.verifier().to_vkey(),
            role: Role::Witness,
            holder: k.name().into(),
            organisation: "Load Observers".into(),
            scope: None,
            valid_from: now() - 3_600,
            valid_until: now() + 86_400,
        });
        let (st, body) = post(&client, url, &signed_entry(&e, op)).await;
        assert_eq!(st, 201, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundreds_of_concurrent_submitters_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.load.example", 1);
    let dir = init_election(tmp.path(), &op, 30); // 2 states × 5 centres × 30 = 300 tables
                                                  // All 300 submitters share 127.0.0.1, as phones behind one carrier NAT would.
    let server = Server::start(
        &dir,
        &["--per-key-rate", "1000", "--per-key-burst", "1000", "--max-connections-per-client", "1024"],
    );
    let keys = witnesses();
    enrol_all(&server.url, &op, &keys).await;

    // Every submitter sends one sheet for each of two tables, all at once.
    let mut tasks = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let k = k.clone();
        let url = server.url.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut out = Vec::new();
            for t in [i, (i + 1) % SUBMITTERS] {
                let table = table_id(1 + (t / 150) as u32, 1 + ((t % 150) / 30) as u32, 1 + (t % 30) as u32);
                let entry = signed(&sheet(&table), &k);
                let (st, body) = post(&client, &url, &entry).await;
                assert_eq!(st, 201, "{body}");
                out.push((body["index"].as_u64().unwrap(), entry, body["receipt"].as_str().unwrap().to_string()));
            }
            out
        }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    assert_eq!(acked.len(), 2 * SUBMITTERS);
    let indices: BTreeSet<u64> = acked.iter().map(|a| a.0).collect();
    assert_eq!(indices.len(), acked.len(), "indices must be distinct");
    let vkey = Verifier::parse(std::fs::read_to_string(dir.join("log.vkey")).unwrap().trim()).unwrap();
    for (index, entry, receipt) in &acked {
        let r = testigo_tlog::Receipt::parse(receipt.as_bytes()).unwrap();
        assert_eq!(r.index, *index);
        r.verify(entry.as_bytes(), &vkey, &[]).unwrap_or_else(|e| panic!("receipt of {index}: {e}"));
    }
    // Duplicates (each table got sheets from two keys, same counts) are corroboration, not conflict.
    let view: Value =
        reqwest::get(format!("{}/v1/tables/{}", server.url, table_id(1, 1, 1))).await.unwrap().json().await.unwrap();
    assert_eq!(view["submissions"].as_array().unwrap().len(), 2);
    server.stop();
    let entries = log_entries(&dir);
    for (index, entry, _) in &acked {
        assert_eq!(entries[*index as usize], entry.as_bytes());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_load_loses_no_acknowledged_submission() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.kill.example", 1);
    let dir = init_election(tmp.path(), &op, 30);
    let keys = witnesses();
    for round in 0..3 {
        let server = Server::start(
            &dir,
            &["--per-key-rate", "100000", "--per-key-burst", "100000", "--max-connections-per-client", "1024"],
        );
        if round == 0 {
            enrol_all(&server.url, &op, &keys).await;
        }
        let acked: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
        let mut tasks = Vec::new();
        // 100 submitters per round, each walking its own tables (one sheet per key and table).
        for (i, k) in keys.iter().enumerate().skip(round * 100).take(100) {
            let (k, url, acked) = (k.clone(), server.url.clone(), acked.clone());
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                for step in 0..300 {
                    let t = (i + step) % SUBMITTERS;
                    let table = table_id(1 + (t / 150) as u32, 1 + ((t % 150) / 30) as u32, 1 + (t % 30) as u32);
                    let entry = signed(&sheet(&table), &k);
                    let Ok(r) =
                        client.post(format!("{url}/v1/submissions")).json(&json!({ "entry": entry })).send().await
                    else {
                        return; // the server died
                    };
                    if r.status().as_u16() != 201 {
                        return;
                    }
                    let Ok(body) = r.json::<Value>().await else { return };
                    acked.lock().unwrap().push((body["index"].as_u64().unwrap(), entry));
                }
            }));
        }
        // Let load build up, then kill without warning.
        tokio::time::sleep(std::time::Duration::from_millis(700 + 300 * round as u64)).await;
        server.kill();
        for t in tasks {
            let _ = t.await;
        }
        let acked = acked.lock().unwrap().clone();
        assert!(!acked.is_empty(), "round {round}: nothing was acknowledged before the kill");
        let entries = log_entries(&dir);
        for (index, entry) in &acked {
            assert!((*index as usize) < entries.len(), "round {round}: acknowledged index {index} is missing");
            assert_eq!(entries[*index as usize], entry.as_bytes(), "round {round}: entry {index} differs");
        }
        eprintln!("round {round}: {} acknowledged before SIGKILL, log size {}", acked.len(), entries.len());
    }
    // The node restarts cleanly on what survived and keeps accepting.
    let server = Server::start(&dir, &[]);
    let extra = key("late.kill.example", 99);
    enrol_all(&server.url, &op, std::slice::from_ref(&extra)).await;
    server.stop();
}

#[test]
fn demo_and_import_of_the_real_venezuelan_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ve");
    let out = run_ok(&["demo", "--dir", dir.to_str().unwrap(), "--no-serve", "--quiet"]);
    assert!(out.contains("RESULTADOS_2024_CSV_V1.csv: 24532 sheets logged, 0 rejected"), "{out}");
    assert!(out.contains("RESULTADOS_2024_CSV_V2.csv: 25073 sheets logged, 0 rejected"), "{out}");
    assert!(out.contains("49605 sheets from 2 publications"), "{out}");
    // Running the demo again reuses the directory.
    let again = run_ok(&["demo", "--dir", dir.to_str().unwrap(), "--no-serve", "--quiet"]);
    assert!(again.contains("reused the existing data directory"), "{again}");

    // A third party imports V2 as it is published (latin-1, gzip) with its own key.
    let k = key("third.importer.example", 42);
    let kfile = write_key(tmp.path(), &k);
    enroll(&dir, &k, "importer", None, &[]);
    let v2 = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/venezuela-2024/RESULTADOS_2024_CSV_V2.csv.gz");
    let out = run_ok(&["import", "--dir", dir.to_str().unwrap(), "--key", kfile.to_str().unwrap(), "--quiet", v2]);
    assert!(out.contains("RESULTADOS_2024_CSV_V2.csv: 25073 sheets logged, 0 rejected"), "{out}");
    // Importing it again with the same key is refused row by row (duplicate_sheet), and nothing is logged.
    let before = tree_digest(&dir.join("log"));
    let again = bin()
        .args(["import", "--dir", dir.to_str().unwrap(), "--key", kfile.to_str().unwrap(), "--quiet", v2])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stdout).contains("rejected duplicate_sheet: 25073"));
    assert_eq!(tree_digest(&dir.join("log")), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn graceful_shutdown_under_load_answers_or_refuses_but_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.term.example", 1);
    let dir = init_election(tmp.path(), &op, 30);
    let keys = witnesses();
    let mut server = Server::start(
        &dir,
        &["--per-key-rate", "100000", "--per-key-burst", "100000", "--max-connections-per-client", "1024"],
    );
    enrol_all(&server.url, &op, &keys[..100]).await;
    let acked: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    let mut tasks = Vec::new();
    for (i, k) in keys.iter().enumerate().take(100) {
        let (k, url, acked) = (k.clone(), server.url.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for step in 0..300 {
                let t = (i + step) % SUBMITTERS;
                let table = table_id(1 + (t / 150) as u32, 1 + ((t % 150) / 30) as u32, 1 + (t % 30) as u32);
                let entry = signed(&sheet(&table), &k);
                let Ok(r) = client.post(format!("{url}/v1/submissions")).json(&json!({ "entry": entry })).send().await
                else {
                    return;
                };
                if r.status().as_u16() != 201 {
                    return;
                }
                let Ok(body) = r.json::<Value>().await else { return };
                acked.lock().unwrap().push((body["index"].as_u64().unwrap(), entry));
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    std::process::Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    let status = server.child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty());
    let entries = log_entries(&dir);
    for (index, entry) in &acked {
        assert_eq!(entries[*index as usize], entry.as_bytes(), "entry {index}");
    }
    // Nothing was logged that was not answered, except what was in flight when the signal came:
    // the log holds exactly the setup, the enrolments and the acknowledged sheets.
    let sheets = entries.iter().filter(|e| e.starts_with(b"testigo/v1 sheet")).count();
    assert_eq!(sheets, acked.len(), "every logged sheet was acknowledged to its submitter");
}
