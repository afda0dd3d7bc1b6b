//! Fixtures shared by the router tests: a data directory with a small
//! election, signed sheets, requests with a client address, and answers read
//! back as JSON.
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)] // each test binary uses a different part

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use testigo_election::{encode_signed, geography_chunks, load_election, load_tables_csv, Enrol, Entry, Role, Sheet};
use testigo_note::{Signer, ALG_ED25519};
use testigo_server::conn::ClientAddr;
use testigo_server::{Limits, Node};
use testigo_store::DataDir;
use tower::ServiceExt;

pub const ELECTION: &str = "router-2026";

pub fn key(name: &str, seed: u8) -> Signer {
    Signer::from_seed(name, ALG_ED25519, [seed; 32]).unwrap()
}

pub fn now() -> u64 {
    testigo_server::node::unix_now()
}

pub fn enrol(k: &Signer) -> Entry {
    Entry::Enrol(Enrol {
        key: k.verifier().to_vkey(),
        role: Role::Witness,
        holder: "W".into(),
        organisation: "O".into(),
        scope: None,
        valid_from: now() - 3600,
        valid_until: now() + 86_400,
    })
}

/// A data directory with a two-table election and one enrolled witness,
/// plus `extra` more enrolments (to fill tiles).
fn node(tmp: &std::path::Path, op: &Signer, witness: &Signer, extra: usize, configure: fn(Node) -> Node) -> Node {
    let toml = format!(
        r#"id = "{ELECTION}"
name = "Router test"
date = 2026-01-01
levels = ["state", "table"]
registry = 1000
max_table_voters = 500
operator = "{}"

[[contests]]
id = "president"
name = "President"

[[contests.candidates]]
id = "a"
name = "A"

[[contests.candidates]]
id = "b"
name = "B"
"#,
        op.verifier().to_vkey()
    );
    let def = load_election(&toml, "election.toml").unwrap();
    let geo = load_tables_csv(&def.levels, "state,table,registered\n01,01.1,300\n01,01.2,300\n", "t.csv").unwrap();
    let dir = DataDir::new(tmp.join("d"));
    dir.init("router.test.example/log").unwrap();
    let node = configure(Node::open(dir, Arc::new(|| None)).unwrap());
    let mut entries = vec![encode_signed(&Entry::Election(def), op).unwrap()];
    for chunk in geography_chunks(&geo) {
        entries.push(encode_signed(&Entry::Geography(chunk), op).unwrap());
    }
    entries.push(encode_signed(&enrol(witness), op).unwrap());
    for i in 0..extra {
        let k = Signer::from_seed(&format!("k{i}.router.example"), ALG_ED25519, {
            let mut seed = [9u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            seed
        })
        .unwrap();
        entries.push(encode_signed(&enrol(&k), op).unwrap());
    }
    for o in node.submit_many(entries, now()).unwrap() {
        o.unwrap();
    }
    node
}

pub fn sheet(table: &str) -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: ELECTION.into(),
        table: table.into(),
        contest: "president".into(),
        source: testigo_election::Source::Witness,
        votes: [("a".to_string(), 10), ("b".to_string(), 5)].into_iter().collect(),
        valid: Some(15),
        null: Some(0),
        blank: None,
        voters: Some(15),
        registered: None,
        photo_sha256: None,
        qr: None,
        dataset: None,
        supersedes: None,
        signed_at: now(),
    }
}

pub fn signed(s: &Sheet, k: &Signer) -> String {
    String::from_utf8(encode_signed(&Entry::Sheet(s.clone()), k).unwrap()).unwrap()
}

pub struct Fixture {
    pub _tmp: tempfile::TempDir,
    pub app: Router,
    pub node: Arc<Node>,
    pub op: Signer,
    pub witness: Signer,
}

/// Options for [`fixture_with`].
pub struct Setup {
    pub limits: Limits,
    /// More operator entries to log beyond the election (to fill tiles).
    pub extra_entries: usize,
    /// Adjusts the node before it is served (e.g. per-key rates).
    pub configure: fn(Node) -> Node,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { limits: Limits::default(), extra_entries: 0, configure: |n| n }
    }
}

pub fn fixture(limits: Limits) -> Fixture {
    fixture_with(Setup { limits, ..Setup::default() })
}

pub fn fixture_with(setup: Setup) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let (op, witness) = (key("op.router.example", 1), key("w.router.example", 2));
    // Bulk submission blocks on the sequencer: off the test's runtime.
    let node = Arc::new(std::thread::scope(|s| {
        s.spawn(|| node(tmp.path(), &op, &witness, setup.extra_entries, setup.configure)).join().unwrap()
    }));
    Fixture { app: testigo_server::router(node.clone(), setup.limits), node, op, witness, _tmp: tmp }
}

/// A node whose log holds nothing yet (no election).
pub fn empty_fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("d"));
    dir.init("router.test.example/log").unwrap();
    let node = Arc::new(Node::open(dir, Arc::new(|| None)).unwrap());
    let (op, witness) = (key("op.router.example", 1), key("w.router.example", 2));
    Fixture { app: testigo_server::router(node.clone(), Limits::default()), node, op, witness, _tmp: tmp }
}

pub fn post(body: impl Into<Body>, ctype: &str, from: &str) -> Request<Body> {
    let mut r = Request::post("/v1/submissions").header(header::CONTENT_TYPE, ctype).body(body.into()).unwrap();
    r.extensions_mut().insert(ClientAddr(from.parse::<IpAddr>().unwrap()));
    r
}

/// `{"entry": …}` posted as JSON from `from`.
pub fn post_entry(entry: &str, from: &str) -> Request<Body> {
    post(serde_json::json!({ "entry": entry }).to_string(), "application/json", from)
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// Sends a request; the status, headers and raw body.
pub async fn send_raw(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let r = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = r.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status, parts.headers, bytes.to_vec())
}

/// Sends a request; the status, headers and body as JSON (`Null` if it is not JSON).
pub async fn send(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let (status, headers, bytes) = send_raw(app, req).await;
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

pub fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "testigo-boundary-1234";
    let mut body = Vec::new();
    for (name, bytes) in parts {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The header's value as text, or "" if absent.
pub fn header_str(h: &HeaderMap, name: header::HeaderName) -> &str {
    h.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}
