//! End-to-end tests of `testigo verify`, `testigo mirror` and `testigo witness`:
//! real servers on loopback, verified by a second process; tampered copies
//! must fail naming the object; a witness cosigns what the server publishes.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use common::*;
use testigo_note::Signer;

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    dir: PathBuf,
    w1: Signer,
}

/// An election with one enrolled witness key (w1).
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, 2);
    let w1 = key("w1.test.example", 2);
    enroll(&dir, &w1, "witness", None, &[]);
    Fixture { root: tmp.path().to_path_buf(), _tmp: tmp, dir, w1 }
}

fn vkey(f: &Fixture) -> String {
    f.dir.join("log.vkey").to_str().unwrap().to_string()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run testigo")
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Posts a signed entry to the server; returns the HTTP status.
fn post(url: &str, entry: &str) -> u16 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{url}/v1/submissions"))
            .json(&serde_json::json!({ "entry": entry }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

fn get(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

fn submit_sheets(url: &str, w: &Signer, tables: &[String]) {
    for t in tables {
        assert_eq!(post(url, &signed(&sheet(t), w)), 201, "submitting a sheet for {t}");
    }
}

/// A log copy in `dest` (the files of `dir/log`).
fn copy_log(dir: &Path, dest: &Path) {
    let src = dir.join("log");
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let to = dest.join(p.strip_prefix(&src).unwrap());
            if p.is_dir() {
                std::fs::create_dir_all(&to).unwrap();
                stack.push(p);
            } else {
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(&p, &to).unwrap();
            }
        }
    }
}

#[test]
fn verify_over_http_mirror_and_tampered_copies() {
    let f = fixture();
    let server = Server::start(&f.dir, &[]);
    let tables: Vec<String> = (1..=3).map(|c| table_id(1, c, 1)).collect();
    submit_sheets(&server.url, &f.w1, &tables);
    let key = vkey(&f);
    let state = f.root.join("state");
    let state_s = state.to_str().unwrap();

    // A second process verifies the served log over HTTP.
    let out = run(&["verify", &server.url, "--key", &key, "--state", state_s, "--quiet"]);
    assert!(out.status.success(), "verify over HTTP failed: {}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("log verified"), "{stdout}");
    assert!(stdout.contains("sheets:        3"), "{stdout}");
    assert!(stdout.contains("election test-2026"), "{stdout}");

    // More entries, then an incremental run: consistency with the remembered checkpoint.
    let before: u64 = get(&format!("{}/checkpoint", server.url)).lines().nth(1).unwrap().parse().unwrap();
    submit_sheets(&server.url, &f.w1, &[table_id(1, 4, 1)]);
    let out = run(&["verify", &server.url, "--key", &key, "--state", state_s, "--quiet"]);
    assert!(out.status.success(), "incremental verify failed: {}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("consistent with the checkpoint of size {before}")), "{stdout}");
    assert!(stdout.contains("sheets:        4"), "every entry is replayed, not only the new ones: {stdout}");

    // Mirror over HTTP, then verify the mirror as a directory.
    let mirror = f.root.join("mirror");
    let out = run(&["mirror", &server.url, mirror.to_str().unwrap(), "--key", &key, "--quiet"]);
    assert!(out.status.success(), "mirror failed: {}", text(&out));
    let out = run(&["verify", mirror.to_str().unwrap(), "--key", &key, "--no-state", "--quiet"]);
    assert!(out.status.success(), "verify of the mirror failed: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sheets:        4"));
    // Mirror again after growth: only the new part, after a consistency check.
    submit_sheets(&server.url, &f.w1, &[table_id(1, 5, 1)]);
    let out = run(&["mirror", &server.url, mirror.to_str().unwrap(), "--key", &key, "--quiet"]);
    assert!(out.status.success(), "second mirror failed: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("continued from the copy's size"), "{}", text(&out));
    server.stop();

    // The data directory itself verifies too (its log/ is found).
    let out = run(&["verify", f.dir.to_str().unwrap(), "--key", &key, "--no-state", "--quiet"]);
    assert!(out.status.success(), "verify of the data dir failed: {}", text(&out));

    // One flipped byte in a tile, an entry bundle or the checkpoint: non-zero exit naming the object.
    let clean = f.root.join("clean");
    copy_log(&f.dir, &clean);
    // The objects the checkpoint covers (older partials may linger beside them, unread).
    let size = common::log_entries(&f.dir).len();
    assert!(size < 256, "the test expects one partial tile");
    let objects = [format!("tile/0/000.p/{size}"), format!("tile/entries/000.p/{size}"), "checkpoint".to_string()];
    for (i, object) in objects.iter().enumerate() {
        assert!(clean.join(object).exists(), "{object} missing from the copy");
        let copy = f.root.join(format!("tampered-{i}"));
        copy_log(&f.dir, &copy);
        let p = copy.join(object);
        let mut bytes = std::fs::read(&p).unwrap();
        // The checkpoint's root line starts after the origin and size lines.
        let at =
            if object == "checkpoint" { bytes.iter().position(|&b| b == b'\n').unwrap() + 4 } else { bytes.len() / 2 };
        bytes[at] ^= 0x01;
        std::fs::write(&p, bytes).unwrap();
        let out = run(&["verify", copy.to_str().unwrap(), "--key", &key, "--no-state", "--quiet"]);
        assert!(!out.status.success(), "tampered {object} was not detected: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(object.as_str()), "the error does not name {object}: {stderr}");
        // A deleted object is caught too.
        if object != "checkpoint" {
            std::fs::remove_file(&p).unwrap();
            let out = run(&["verify", copy.to_str().unwrap(), "--key", &key, "--no-state", "--quiet"]);
            assert!(!out.status.success(), "deleted {object} was not detected");
            assert!(String::from_utf8_lossy(&out.stderr).contains(object.as_str()), "{}", text(&out));
        }
    }
    // The wrong log key fails on the checkpoint.
    let other = common::key("other.test.example", 9).verifier().to_vkey();
    let out = run(&["verify", clean.to_str().unwrap(), "--key", &other, "--no-state", "--quiet"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("checkpoint"), "{}", text(&out));
}

#[test]
fn an_entry_the_rules_refuse_fails_replay_naming_its_index() {
    let f = fixture();
    // A sheet signed by a key nobody enrolled, written into the log behind the intake's back.
    let intruder = key("intruder.test.example", 7);
    let entry = signed(&sheet(&table_id(1, 1, 1)), &intruder);
    let seq = testigo_store::DataDir::new(&f.dir).sequencer().unwrap();
    let index = seq.append(entry.into_bytes()).unwrap();
    seq.shutdown();
    let out = run(&["verify", f.dir.to_str().unwrap(), "--key", &vkey(&f), "--no-state", "--quiet"]);
    assert!(!out.status.success(), "a refused entry passed: {}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("entry {index}")), "{stderr}");
    assert!(stderr.contains("refused on replay"), "{stderr}");
}

/// A running `testigo witness serve`.
struct WitnessProc {
    child: Child,
    url: String,
    vkey: String,
}

impl Drop for WitnessProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(state: &Path, log_vkey: &str) -> WitnessProc {
    let mut child = bin()
        .args(["witness", "serve", "--state", state.to_str().unwrap(), "--name", "witness.test.example"])
        .args(["--log", log_vkey, "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn testigo witness serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut vkey = None;
    let url = loop {
        let line = lines.next().expect("witness exited before listening").unwrap();
        if let Some(k) = line.strip_prefix("witness key: ") {
            vkey = Some(k.trim().to_string());
        }
        if let Some(u) = line.strip_prefix("witness listening on ") {
            break u.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    WitnessProc { child, url, vkey: vkey.expect("witness key printed") }
}

#[test]
fn witness_cosigns_what_the_server_publishes() {
    let f = fixture();
    let key = vkey(&f);
    let witness = start_witness(&f.root.join("witness"), &key);
    let spec = format!("{}={}", witness.url, witness.vkey);
    let server = Server::start(&f.dir, &["--witness", &spec]);
    submit_sheets(&server.url, &f.w1, &[table_id(1, 1, 1), table_id(1, 2, 1)]);
    // The cosigned checkpoint replaces the log-only one within a witness round trip.
    let want = common::log_entries(&f.dir).len() as u64;
    let mut cosigned = false;
    for _ in 0..200 {
        let cp = get(&format!("{}/checkpoint", server.url));
        let cp_size: u64 = cp.lines().nth(1).unwrap().parse().unwrap();
        if cp_size == want && cp.contains("— witness.test.example ") {
            cosigned = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(cosigned, "the server never published a checkpoint cosigned by the witness");
    let out = run(&["verify", &server.url, "--key", &key, "--witness", &witness.vkey, "--quorum", "1", "--no-state"]);
    assert!(out.status.success(), "verify with the witness failed: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 of 1 required cosigned"), "{}", text(&out));

    // A witness the log never asked: the policy is not met.
    let other = f.root.join("other.key");
    let other_vkey =
        run_ok(&["witness", "keygen", "--name", "other-witness.example", "--out", other.to_str().unwrap()]);
    let out =
        run(&["verify", &server.url, "--key", &key, "--witness", other_vkey.trim(), "--quorum", "1", "--no-state"]);
    assert!(!out.status.success(), "an absent witness satisfied the policy: {}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("checkpoint: witness policy not met"), "{stderr}");
    server.stop();
}

#[test]
fn a_sheet_by_a_revoked_key_fails_replay_naming_its_index() {
    let f = fixture();
    run_ok(&["revoke", "--dir", f.dir.to_str().unwrap(), "--key", &f.w1.verifier().to_vkey(), "--reason", "lost"]);
    // The operator's server would refuse it; a dishonest operator writes it into the log anyway.
    let entry = signed(&sheet(&table_id(1, 1, 1)), &f.w1);
    let seq = testigo_store::DataDir::new(&f.dir).sequencer().unwrap();
    let index = seq.append(entry.into_bytes()).unwrap();
    seq.shutdown();
    let out = run(&["verify", f.dir.to_str().unwrap(), "--key", &vkey(&f), "--no-state", "--quiet"]);
    assert!(!out.status.success(), "a revoked key's sheet passed: {}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("entry {index}")) && stderr.contains("revoked_key"), "{stderr}");
}

/// Posts a sheet; returns the HTTP status and the body.
fn post_with_body(url: &str, entry: &str) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{url}/v1/submissions"))
            .json(&serde_json::json!({ "entry": entry }))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    })
}

#[test]
fn a_restored_backup_is_refused_by_witnesses_and_intake_stops() {
    let f = fixture();
    let key = vkey(&f);
    let witness = start_witness(&f.root.join("witness"), &key);
    let spec = format!("{}={}", witness.url, witness.vkey);
    // A backup of the whole data directory, high-water mark included, at size N.
    let backup = f.root.join("backup");
    let status = std::process::Command::new("cp").args(["-a"]).arg(&f.dir).arg(&backup).status().unwrap();
    assert!(status.success());
    let server = Server::start(&f.dir, &["--witness", &spec]);
    submit_sheets(&server.url, &f.w1, &[table_id(1, 1, 1), table_id(1, 2, 1)]);
    let want = common::log_entries(&f.dir).len() as u64;
    let cosigned = (0..200).any(|_| {
        let cp = get(&format!("{}/checkpoint", server.url));
        let done = cp.lines().nth(1) == Some(&want.to_string()) && cp.contains("— witness.test.example ");
        if !done {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        done
    });
    assert!(cosigned, "the witness never cosigned size {want}");
    server.stop();

    // The operator restores the backup: locally consistent, so the log opens, but
    // the witness has cosigned a larger tree. Intake must stop acknowledging.
    std::fs::remove_dir_all(&f.dir).unwrap();
    std::fs::rename(&backup, &f.dir).unwrap();
    let server = Server::start(&f.dir, &["--witness", &spec]);
    let mut refused = None;
    for t in 1..=40 {
        let (status, body) = post_with_body(&server.url, &signed(&sheet(&table_id(1, 3, t)), &f.w1));
        if status == 503 {
            refused = Some(body);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let body = refused.expect("a server whose witnesses refuse its checkpoints kept acknowledging");
    assert!(body.contains("\"unavailable\"") && body.contains("witnesses refuse"), "{body}");
    server.stop();

    // Configurable: an operator may choose to keep acknowledging.
    let server = Server::start(&f.dir, &["--witness", &spec, "--ack-while-witnesses-refuse"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (status, body) = post_with_body(&server.url, &signed(&sheet(&table_id(1, 4, 1)), &f.w1));
    assert_eq!(status, 201, "{body}");
    server.stop();
}

#[test]
fn a_log_rebuilt_under_the_same_name_with_a_new_key_is_another_log() {
    // A rebuilt demo: same origin, new keys. Its verification must not trip
    // over the state remembered for the old log; the old one keeps its own.
    let tmp = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/example");
    let state = tmp.path().join("state");
    let state = state.to_str().unwrap();
    let mut dirs = Vec::new();
    for name in ["first", "rebuilt"] {
        let d = tmp.path().join(name);
        let okey = tmp.path().join(format!("{name}.key"));
        assert!(run(&["keygen", "--name", "op.example.org", "--out", okey.to_str().unwrap()]).status.success());
        let out = run(&[
            "init",
            "--dir",
            d.to_str().unwrap(),
            "--election",
            example.join("election.toml").to_str().unwrap(),
            "--tables",
            example.join("tables.csv").to_str().unwrap(),
            "--operator-key",
            okey.to_str().unwrap(),
            "--origin",
            "demo.example/log",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        dirs.push(d.to_str().unwrap().to_string());
    }
    for d in dirs.iter().chain(dirs.iter()) {
        let key = format!("{d}/log.vkey");
        let out = run(&["verify", d, "--key", &key, "--state", state, "--quiet"]);
        assert!(out.status.success(), "verify {d}: {}", text(&out));
    }
}
