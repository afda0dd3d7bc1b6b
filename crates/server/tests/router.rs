//! The HTTP surface through `Router` without a socket
//! (`tower::ServiceExt::oneshot`): routing, content types, body and part
//! limits, error bodies, Retry-After and cache headers, and the
//! pre-authentication gate keyed by the client address.
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use testigo_election::{encode_signed, geography_chunks, load_election, load_tables_csv, Enrol, Entry, Role, Sheet};
use testigo_note::{Signer, ALG_ED25519};
use testigo_server::conn::ClientAddr;
use testigo_server::ratelimit::{GateConfig, Rate};
use testigo_server::{DataDir, Limits, Node};
use tower::ServiceExt;

const ELECTION: &str = "router-2026";

fn key(name: &str, seed: u8) -> Signer {
    Signer::from_seed(name, ALG_ED25519, [seed; 32]).unwrap()
}

fn now() -> u64 {
    testigo_server::node::unix_now()
}

/// A data directory with a two-table election and one enrolled witness.
fn node(tmp: &std::path::Path, op: &Signer, witness: &Signer) -> Node {
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
    let node = Node::open(dir, Arc::new(|| None)).unwrap();
    let mut entries = vec![encode_signed(&Entry::Election(def), op).unwrap()];
    for chunk in geography_chunks(&geo) {
        entries.push(encode_signed(&Entry::Geography(chunk), op).unwrap());
    }
    entries.push(
        encode_signed(
            &Entry::Enrol(Enrol {
                key: witness.verifier().to_vkey(),
                role: Role::Witness,
                holder: "W".into(),
                organisation: "O".into(),
                scope: None,
                valid_from: now() - 3600,
                valid_until: now() + 86_400,
            }),
            op,
        )
        .unwrap(),
    );
    for o in node.submit_many(entries, now()).unwrap() {
        o.unwrap();
    }
    node
}

fn sheet(table: &str) -> Sheet {
    Sheet {
        election: ELECTION.into(),
        table: table.into(),
        contest: "president".into(),
        source: testigo_election::Source::Witness,
        votes: [("a".to_string(), 10), ("b".to_string(), 5)].into_iter().collect(),
        valid: Some(15),
        null: 0,
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

struct Fixture {
    _tmp: tempfile::TempDir,
    app: Router,
    witness: Signer,
}

fn fixture(limits: Limits) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let (op, witness) = (key("op.router.example", 1), key("w.router.example", 2));
    // Bulk submission blocks on the sequencer: off the test's runtime.
    let node = Arc::new(std::thread::scope(|s| s.spawn(|| node(tmp.path(), &op, &witness)).join().unwrap()));
    Fixture { app: testigo_server::router(node, limits), witness, _tmp: tmp }
}

fn post(body: impl Into<Body>, ctype: &str, from: &str) -> Request<Body> {
    let mut r = Request::post("/v1/submissions").header(header::CONTENT_TYPE, ctype).body(body.into()).unwrap();
    r.extensions_mut().insert(ClientAddr(from.parse::<IpAddr>().unwrap()));
    r
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let r = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = r.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_are_parsed_strictly_and_errors_are_json() {
    let f = fixture(Limits::default());
    let entry = String::from_utf8(encode_signed(&Entry::Sheet(sheet("01.1")), &f.witness).unwrap()).unwrap();
    let json_body = json!({ "entry": entry }).to_string();

    let (st, _, body) = send(&f.app, post(json_body.clone(), "text/plain", "192.0.2.1")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type")));
    let (st, _, body) = send(&f.app, post("{\"entry\": 5}", "application/json", "192.0.2.1")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    let (st, _, body) = send(&f.app, post("x".repeat(300 * 1024), "application/json", "192.0.2.1")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large")));
    let (ctype, twice) = multipart(&[("entry", entry.as_bytes()), ("entry", entry.as_bytes())]);
    let (st, _, body) = send(&f.app, post(twice, &ctype, "192.0.2.1")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{body}");
    let (ctype, other) = multipart(&[("entry", entry.as_bytes()), ("comment", b"hi")]);
    let (st, _, _) = send(&f.app, post(other, &ctype, "192.0.2.1")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // The charset parameter is fine; the sheet is accepted with a receipt.
    let (st, _, body) = send(&f.app, post(json_body.clone(), "application/json; charset=utf-8", "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert!(body["receipt"].as_str().unwrap().contains("index"), "{body}");
    // A rejection carries its code and a message.
    let (st, _, body) = send(&f.app, post(json_body, "application/json", "192.0.2.1")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::CONFLICT, Some("duplicate_sheet")));
    assert!(body["message"].as_str().unwrap().contains("supersedes"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_that_keeps_failing_is_turned_away_with_retry_after_and_others_are_not() {
    let gate = GateConfig {
        per_client: Rate { per_second: 0.01, burst: 3.0 },
        global: Rate { per_second: 1000.0, burst: 1000.0 },
        ..GateConfig::default()
    };
    let f = fixture(Limits { gate, ..Limits::default() });
    let junk = json!({ "entry": "not a note" }).to_string();
    for _ in 0..3 {
        let (st, _, _) = send(&f.app, post(junk.clone(), "application/json", "198.51.100.7")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
    }
    let (st, headers, body) = send(&f.app, post(junk.clone(), "application/json", "198.51.100.7")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    assert!(headers.get(header::RETRY_AFTER).is_some());
    // Another address, a genuine witness: served.
    let entry = String::from_utf8(encode_signed(&Entry::Sheet(sheet("01.2")), &f.witness).unwrap()).unwrap();
    let (st, _, body) =
        send(&f.app, post(json!({ "entry": entry }).to_string(), "application/json", "203.0.113.5")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_have_their_cache_headers_and_unknown_things_are_404() {
    let f = fixture(Limits::default());
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let r = f.app.clone().oneshot(get("/checkpoint")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("max-age=2"));
    let r = f.app.clone().oneshot(get("/v1/election")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (st, _, body) = send(&f.app, get("/v1/tables/99.9")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_table")));
    let (st, _, _) = send(&f.app, get(&format!("/blob/sha256/{}", "0".repeat(64)))).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _, _) = send(&f.app, get("/blob/sha256/..%2f..%2flog.key")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let r = f.app.clone().oneshot(get("/tally")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
