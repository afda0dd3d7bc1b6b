//! Shared by the end-to-end tests: a small election, the `testigo` binary
//! run as a real server on loopback, and log snapshots.
#![allow(dead_code)]
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use sha2::{Digest, Sha256};
use testigo_election::{encode_signed, Entry, Sheet, Source};
use testigo_note::{Signer, ALG_ED25519};

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_testigo"))
}

/// Runs the binary; panics with its output unless it exits 0. Returns stdout.
pub fn run_ok(args: &[&str]) -> String {
    let out = bin().args(args).output().expect("run testigo");
    assert!(
        out.status.success(),
        "testigo {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Deterministic key.
pub fn key(name: &str, seed: u8) -> Signer {
    Signer::from_seed(name, ALG_ED25519, [seed; 32]).expect("key")
}

/// Writes a private key file.
pub fn write_key(dir: &Path, signer: &Signer) -> PathBuf {
    let p = dir.join(format!("{}.key", signer.name()));
    std::fs::write(&p, format!("{}\n", signer.to_skey())).expect("write key");
    p
}

/// Election id of the test election.
pub const ELECTION: &str = "test-2026";

/// Table ids: `0S0M0P001.TT` for state S (1..=2), 5 centres × `per_centre` tables.
pub fn table_id(state: u32, centre: u32, table: u32) -> String {
    format!("0{state}01010{centre:02}.{table:02}")
}

/// Creates a data directory for a two-state election with `tables_per_centre`
/// × 5 centres × 2 states tables (registered 300 each; state 2 unknown).
pub fn init_election(root: &Path, operator: &Signer, tables_per_centre: u32) -> PathBuf {
    let toml = format!(
        r#"id = "{ELECTION}"
name = "Test election"
date = 2026-01-01
levels = ["state", "municipality", "parish", "centre", "table"]
registry = 1000000
max_table_voters = 5000
operator = "{}"

[[contests]]
id = "president"
name = "President"

[[contests.candidates]]
id = "a"
name = "Candidate A"
cards = [{{ id = "a1", name = "A1" }}, {{ id = "a2", name = "A2" }}]

[[contests.candidates]]
id = "b"
name = "Candidate B"
cards = [{{ id = "b1", name = "B1" }}]
"#,
        operator.verifier().to_vkey()
    );
    let mut csv = String::from("state,municipality,parish,centre,table,registered\n");
    for s in 1..=2 {
        for c in 1..=5 {
            for t in 1..=tables_per_centre {
                let reg = if s == 1 { "300" } else { "" };
                csv.push_str(&format!("0{s},0{s}.01,0{s}.01.01,0{s}01010{c:02},{},{reg}\n", table_id(s, c, t)));
            }
        }
    }
    std::fs::write(root.join("election.toml"), toml).unwrap();
    std::fs::write(root.join("tables.csv"), csv).unwrap();
    let okey = write_key(root, operator);
    let dir = root.join("data");
    run_ok(&[
        "init",
        "--dir",
        dir.to_str().unwrap(),
        "--election",
        root.join("election.toml").to_str().unwrap(),
        "--tables",
        root.join("tables.csv").to_str().unwrap(),
        "--operator-key",
        okey.to_str().unwrap(),
    ]);
    dir
}

/// Enrols `key` through the CLI into a stopped data directory.
pub fn enroll(dir: &Path, key: &Signer, role: &str, scope: Option<&str>, extra: &[&str]) {
    let vkey = key.verifier().to_vkey();
    let mut args = vec![
        "enroll",
        "--dir",
        dir.to_str().unwrap(),
        "--key",
        &vkey,
        "--role",
        role,
        "--holder",
        key.name(),
        "--organisation",
        "Test Observers",
    ];
    if let Some(s) = scope {
        args.extend(["--scope", s]);
    }
    let from = (now() - 86_400).to_string();
    if !extra.contains(&"--valid-from") {
        args.extend(["--valid-from", &from]);
    }
    args.extend(extra);
    run_ok(&args);
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A consistent witness sheet: a=100, b=50, null 5, voters 155.
pub fn sheet(table: &str) -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: ELECTION.into(),
        table: table.into(),
        contest: "president".into(),
        source: Source::Witness,
        votes: [("a".to_string(), 100), ("b".to_string(), 50)].into_iter().collect(),
        valid: Some(150),
        null: Some(5),
        blank: None,
        voters: Some(155),
        registered: None,
        photo_sha256: None,
        qr: None,
        dataset: None,
        supersedes: None,
        signed_at: now(),
    }
}

/// Signs a sheet.
pub fn signed(sheet: &Sheet, k: &Signer) -> String {
    String::from_utf8(encode_signed(&Entry::Sheet(sheet.clone()), k).unwrap()).unwrap()
}

/// Signs any entry.
pub fn signed_entry(e: &Entry, k: &Signer) -> String {
    String::from_utf8(encode_signed(e, k).unwrap()).unwrap()
}

/// A running `testigo serve`.
pub struct Server {
    /// The child process.
    pub child: Child,
    /// Base URL.
    pub url: String,
}

impl Server {
    /// Starts `testigo serve` on an ephemeral loopback port and waits until it listens.
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        Self::start_with_env(dir, extra, &[])
    }

    /// [`Server::start`] with extra environment variables (object-storage settings, say).
    pub fn start_with_env(dir: &Path, extra: &[&str], env: &[(&str, String)]) -> Server {
        let mut child = bin()
            .args(["serve", "--dir", dir.to_str().unwrap(), "--addr", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn testigo serve");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines.next().expect("server exited before listening").unwrap();
            if let Some(rest) = line.strip_prefix("serving on ") {
                break rest.trim().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }

    /// Stops with SIGTERM (graceful) and waits.
    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }

    /// Kills with SIGKILL and waits.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// SHA-256 over every file under `dir` (paths and contents, sorted): equal
/// digests mean byte-for-byte equal trees.
pub fn tree_digest(dir: &Path) -> String {
    let files = files_under(dir);
    let mut h = Sha256::new();
    for f in files {
        h.update(f.strip_prefix(dir).unwrap().to_string_lossy().as_bytes());
        h.update([0]);
        h.update(std::fs::read(&f).unwrap());
    }
    hex::encode(h.finalize())
}

/// The log's entries [0, size) read from the data directory's tiles.
pub fn log_entries(dir: &Path) -> Vec<Vec<u8>> {
    use testigo_tlog::reader::LogReader;
    use testigo_tlog::storage::{DirStorage, Storage};
    let storage: std::sync::Arc<dyn Storage> = std::sync::Arc::new(DirStorage::new(dir.join("log")).unwrap());
    let vkey = testigo_note::Verifier::parse(std::fs::read_to_string(dir.join("log.vkey")).unwrap().trim()).unwrap();
    let cp = storage.read("checkpoint").unwrap().unwrap();
    let size = testigo_tlog::checkpoint::open(&cp, &vkey, &[]).expect("checkpoint verifies").checkpoint.size;
    let reader = LogReader::new(storage, 64);
    let mut out = Vec::new();
    for b in 0..size.div_ceil(256) {
        out.extend(reader.bundle(b, size).unwrap());
    }
    out
}

/// A PNG whose header claims `width`×`height` pixels, with one tiny IDAT:
/// a few hundred bytes that would cost seconds to decode.
pub fn huge_png(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 64 * 1024]).unwrap();
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}

/// Posts JSON `{"entry": …}` to a server's intake; returns (status, body, `Null` if not JSON).
pub async fn post_entry(url: &str, entry: &str) -> (u16, serde_json::Value) {
    post_body(url, serde_json::json!({ "entry": entry }).to_string(), "application/json").await
}

/// Posts `body` with content type `ctype` to a server's intake; returns (status, body).
pub async fn post_body(url: &str, body: String, ctype: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{url}/v1/submissions"))
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// Posts an entry with its photo as multipart; returns (status, body).
pub async fn post_photo(url: &str, entry: &str, photo: &[u8]) -> (u16, serde_json::Value) {
    let form = reqwest::multipart::Form::new()
        .part("entry", reqwest::multipart::Part::text(entry.to_string()))
        .part("photo", reqwest::multipart::Part::bytes(photo.to_vec()).file_name("p"));
    let r = reqwest::Client::new().post(format!("{url}/v1/submissions")).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// Runs `testigo synth --log` into `root` (10% missing, 30% corroborated,
/// `conflicting`% conflicting tables) and returns the data directory.
pub fn synth_logged(root: &Path, tables: &str, seed: &str, conflicting: &str) -> PathBuf {
    run_ok(&[
        "synth",
        "--tables",
        tables,
        "--seed",
        seed,
        "--out",
        root.to_str().unwrap(),
        "--missing",
        "10",
        "--corroborated",
        "30",
        "--conflicting",
        conflicting,
        "--log",
    ]);
    root.join("data")
}
