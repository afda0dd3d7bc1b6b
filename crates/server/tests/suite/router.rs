//! The intake API through `Router` without a socket
//! (`tower::ServiceExt::oneshot`): content types, body and part limits,
//! error bodies, Retry-After, the pre-authentication gate keyed by the
//! client address, per-key limits and fail-stop answers. The read routes
//! are in `router_reads.rs`.

use crate::common;

use axum::http::{header, StatusCode};
use common::*;
use serde_json::json;
use testigo_election::{encode_signed, Entry};
use testigo_server::ratelimit::{GateConfig, Rate};
use testigo_server::Limits;
use tower::ServiceExt;

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

/// The error body: exactly `{"error", "message"}`, as JSON.
fn assert_error(st: StatusCode, headers: &axum::http::HeaderMap, body: &serde_json::Value, want: (StatusCode, &str)) {
    assert_eq!((st, body["error"].as_str()), (want.0, Some(want.1)), "{body}");
    assert_eq!(header_str(headers, header::CONTENT_TYPE), "application/json", "{body}");
    assert!(!body["message"].as_str().unwrap_or("").is_empty(), "{body}");
    assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_bodies_over_the_limit_are_413_and_at_the_limit_reach_the_rules() {
    let f = fixture(Limits { max_json_body: 2048, ..Limits::default() });
    let at_limit = format!("{{\"entry\":\"{}\"}}", "x".repeat(2048 - 12));
    assert_eq!(at_limit.len(), 2048);
    let (st, h, body) = send(&f.app, post(at_limit, "application/json", "192.0.2.1")).await;
    assert_error(st, &h, &body, (StatusCode::BAD_REQUEST, "malformed"));
    let over = format!("{{\"entry\":\"{}\"}}", "x".repeat(2048 - 11));
    let (st, h, body) = send(&f.app, post(over, "application/json", "192.0.2.1")).await;
    assert_error(st, &h, &body, (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));
    assert!(body["message"].as_str().unwrap().contains("2048"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_over_65535_bytes_is_too_large_even_in_a_body_under_the_limit() {
    let f = fixture(Limits::default());
    let big = signed(&sheet("01.1"), &f.witness).replacen(
        "\"null\":0",
        &format!("\"null\":0,\"pad\":\"{}\"", "x".repeat(70_000)),
        1,
    );
    let (st, h, body) = send(&f.app, post_entry(&big, "192.0.2.1")).await;
    assert_error(st, &h, &body, (StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
    // Just under the documented 256 KiB JSON body: the body is read, the entry refused.
    let padded = json!({ "entry": "y".repeat(256 * 1024 - 20) }).to_string();
    assert!(padded.len() <= 256 * 1024);
    let (st, _, body) = send(&f.app, post(padded, "application/json", "192.0.2.2")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_parts_and_bodies_over_their_limits_are_413() {
    let f = fixture(Limits { max_json_body: 1024, max_multipart_body: 8192, ..Limits::default() });
    let (ctype, body) = multipart(&[("entry", &[b'x'; 1025])]);
    let (st, h, b) = send(&f.app, post(body, &ctype, "192.0.2.1")).await;
    assert_error(st, &h, &b, (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));
    assert!(b["message"].as_str().unwrap().contains("entry part"), "{b}");
    let (ctype, body) = multipart(&[("entry", b"e"), ("photo", &[0u8; 9000])]);
    let (st, h, b) = send(&f.app, post(body, &ctype, "192.0.2.2")).await;
    assert_error(st, &h, &b, (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));

    // With the default limits, a photo over 10 MiB is refused whatever it shows.
    let f = fixture(Limits::default());
    let entry = signed(&sheet("01.1"), &f.witness);
    let photo = vec![0xffu8; 10 * 1024 * 1024 + 1];
    let (ctype, body) = multipart(&[("entry", entry.as_bytes()), ("photo", &photo)]);
    let (st, h, b) = send(&f.app, post(body, &ctype, "192.0.2.3")).await;
    assert_error(st, &h, &b, (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));
    assert!(b["message"].as_str().unwrap().contains("photo"), "{b}");
    assert_eq!(f.node.registry().sheet_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_the_documented_codes() {
    let f = fixture(Limits::default());
    let entry = signed(&sheet("01.1"), &f.witness);
    let ip = "192.0.2.1";
    let cases: Vec<(axum::http::Request<axum::body::Body>, StatusCode, &str)> = vec![
        (post("{", "application/json", ip), StatusCode::BAD_REQUEST, "bad_request"),
        (post("[]", "application/json", ip), StatusCode::BAD_REQUEST, "bad_request"),
        (post("{\"nope\": 1}", "application/json", ip), StatusCode::BAD_REQUEST, "bad_request"),
        (
            post(json!({ "entry": entry, "extra": 1 }).to_string(), "application/json", ip),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (post_entry("not a signed note", ip), StatusCode::BAD_REQUEST, "malformed"),
        (post_entry("", ip), StatusCode::BAD_REQUEST, "malformed"),
        (
            post(json!({ "entry": entry }).to_string(), "", ip),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            post(json!({ "entry": entry }).to_string(), "application/x-www-form-urlencoded", ip),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (post("garbage", "multipart/form-data", ip), StatusCode::BAD_REQUEST, "bad_request"),
        (post("garbage", "multipart/form-data; boundary=zzz", ip), StatusCode::BAD_REQUEST, "bad_request"),
        {
            let (ctype, body) = multipart(&[("photo", b"p")]);
            (post(body, &ctype, ip), StatusCode::BAD_REQUEST, "bad_request")
        },
        {
            let (ctype, body) = multipart(&[("entry", entry.as_bytes()), ("photo", b"a"), ("photo", b"b")]);
            (post(body, &ctype, ip), StatusCode::BAD_REQUEST, "bad_request")
        },
        {
            // A photo with a sheet that names none.
            let (ctype, body) = multipart(&[("entry", entry.as_bytes()), ("photo", b"p")]);
            (post(body, &ctype, ip), StatusCode::BAD_REQUEST, "malformed")
        },
    ];
    for (req, status, code) in cases {
        let (st, h, body) = send(&f.app, req).await;
        assert_error(st, &h, &body, (status, code));
    }
    // Rules that say 422.
    let mut skewed = sheet("01.1");
    skewed.signed_at += 3600;
    let mut candidate = sheet("01.1");
    candidate.votes.insert("zz".into(), 1);
    let mut huge = sheet("01.1");
    huge.votes.insert("a".into(), 10_000);
    for (s, code) in [(skewed, "clock_skew"), (candidate, "unknown_candidate"), (huge, "count_out_of_bounds")] {
        let (st, h, body) = send(&f.app, post_entry(&signed(&s, &f.witness), "192.0.2.2")).await;
        assert_error(st, &h, &body, (StatusCode::UNPROCESSABLE_ENTITY, code));
    }
    let stranger = key("stranger.router.example", 44);
    let (st, h, body) = send(&f.app, post_entry(&signed(&sheet("01.1"), &stranger), "192.0.2.3")).await;
    assert_error(st, &h, &body, (StatusCode::UNAUTHORIZED, "unknown_key"));
    // Nothing of it was logged; the genuine sheet still goes in.
    assert_eq!(f.node.registry().sheet_count(), 0);
    let (st, _, body) = send(&f.app, post_entry(&entry, "192.0.2.4")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_sheet_answers_201_with_index_flags_and_receipt() {
    let f = fixture(Limits::default());
    let next = f.node.registry().next_index();
    let mut s = sheet("01.2");
    s.valid = Some(99);
    s.voters = Some(99);
    let (st, h, body) = send(&f.app, post_entry(&signed(&s, &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(header_str(&h, header::CONTENT_TYPE), "application/json");
    assert_eq!(body["index"], next);
    assert_eq!(body["flags"], json!(["candidate_sum_mismatch"]));
    let receipt = body["receipt"].as_str().unwrap();
    assert!(receipt.contains(&format!("index {next}")), "{receipt}");
    // The receipt's checkpoint is the one now served.
    let cp = String::from_utf8(f.node.checkpoint().to_vec()).unwrap();
    assert!(receipt.contains(&cp), "{receipt}\n---\n{cp}");
    // It stands alone: the signed entry rides in its extra line, and it
    // verifies with nothing but the log's key.
    let parsed = testigo_tlog::receipt::Receipt::parse(receipt.as_bytes()).unwrap();
    let entry = parsed.extra.clone().expect("the receipt carries its entry");
    assert_eq!(entry, signed(&s, &f.witness).into_bytes());
    parsed.verify(&entry, f.node.log_key(), &[]).unwrap();
    // Tampered, it does not.
    let mut forged = entry.clone();
    forged[0] ^= 1;
    assert!(parsed.verify(&forged, f.node.log_key(), &[]).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_over_its_rate_gets_429_with_retry_after_and_its_address_is_not_charged() {
    let f = fixture_with(Setup {
        limits: Limits {
            gate: GateConfig {
                per_client: Rate { per_second: 0.001, burst: 1.0 },
                global: Rate { per_second: 1000.0, burst: 1000.0 },
                ..GateConfig::default()
            },
            ..Limits::default()
        },
        configure: |n| n.with_key_rate(Rate { per_second: 0.01, burst: 1.0 }),
        ..Setup::default()
    });
    let ip = "192.0.2.9";
    let (st, _, body) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), ip)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, h, body) = send(&f.app, post_entry(&signed(&sheet("01.2"), &f.witness), ip)).await;
    assert_error(st, &h, &body, (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    assert_eq!(header_str(&h, header::RETRY_AFTER), "100");
    assert!(body["message"].as_str().unwrap().contains("w.router.example"), "{body}");
    // The 429 cost the address nothing: its one allowed failure is still there.
    let (st, _, body) = send(&f.app, post_entry("junk", ip)).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("malformed")));
    let (st, h, body) = send(&f.app, post_entry("junk", ip)).await;
    assert_error(st, &h, &body, (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    assert!(body["message"].as_str().unwrap().contains("address"), "{body}");
    // The operator's entries are never limited by key.
    for i in 0..3u8 {
        let e = String::from_utf8(encode_signed(&enrol(&key(&format!("n{i}.router.example"), 50 + i)), &f.op).unwrap())
            .unwrap();
        let (st, _, body) = send(&f.app, post_entry(&e, "192.0.2.10")).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
}

fn tight_gate(per_client: f64, global: f64) -> Limits {
    Limits {
        gate: GateConfig {
            per_client: Rate { per_second: 0.001, burst: per_client },
            global: Rate { per_second: 0.001, burst: global },
            ..GateConfig::default()
        },
        ..Limits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_address_is_refused_before_its_body_is_read_even_with_a_valid_sheet() {
    let f = fixture(tight_gate(2.0, 1e6));
    let ip = "198.51.100.20";
    for _ in 0..2 {
        let (st, _, _) = send(&f.app, post("x", "text/plain", ip)).await;
        assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    // Not 415, not 201: the gate answers first.
    let (st, h, body) = send(&f.app, post("x", "text/plain", ip)).await;
    assert_error(st, &h, &body, (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let retry: u64 = header_str(&h, header::RETRY_AFTER).parse().unwrap();
    assert!((999..=1000).contains(&retry), "{retry}");
    let (st, _, body) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), ip)).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    assert_eq!(f.node.registry().sheet_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv6_64_is_one_client_for_the_gate() {
    let f = fixture(tight_gate(2.0, 1e6));
    for ip in ["2001:db8:1:2::1", "2001:db8:1:2::2"] {
        let (st, _, _) = send(&f.app, post_entry("junk", ip)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
    }
    let (st, _, body) = send(&f.app, post_entry("junk", "2001:db8:1:2:ffff::9")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    let (st, _, _) = send(&f.app, post_entry("junk", "2001:db8:1:3::1")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // IPv4 addresses are exact.
    for _ in 0..2 {
        send(&f.app, post_entry("junk", "192.0.2.1")).await;
    }
    let (st, _, _) = send(&f.app, post_entry("junk", "192.0.2.1")).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    let (st, _, _) = send(&f.app, post_entry("junk", "192.0.2.2")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_a_flood_only_recently_authenticated_addresses_and_the_operator_get_in() {
    let f = fixture(tight_gate(1e6, 3.0));
    let known = "192.0.2.50";
    let (st, _, body) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), known)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    for i in 1..=3 {
        let (st, _, _) = send(&f.app, post_entry("junk", &format!("198.51.100.{i}"))).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
    }
    let (st, h, body) = send(&f.app, post_entry(&signed(&sheet("01.2"), &f.witness), "203.0.113.9")).await;
    assert_error(st, &h, &body, (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    assert!(body["message"].as_str().unwrap().contains("flood"), "{body}");
    assert!(header_str(&h, header::RETRY_AFTER).parse::<u64>().unwrap() >= 1);
    // The same genuine witness from the address it authenticated from.
    let (st, _, body) = send(&f.app, post_entry(&signed(&sheet("01.2"), &f.witness), known)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // The operator, from an address never seen.
    let e = String::from_utf8(encode_signed(&enrol(&key("late.router.example", 60)), &f.op).unwrap()).unwrap();
    let (st, _, body) = send(&f.app, post_entry(&e, "203.0.113.10")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_witnesses_refuse_submissions_get_503_with_retry_after_and_reads_still_work() {
    let f = fixture(Limits::default());
    f.node.set_witness_block(Some("witnesses refuse the log's checkpoints".into()));
    let entry = signed(&sheet("01.1"), &f.witness);
    let (st, h, body) = send(&f.app, post_entry(&entry, "192.0.2.1")).await;
    assert_error(st, &h, &body, (StatusCode::SERVICE_UNAVAILABLE, "unavailable"));
    assert_eq!(header_str(&h, header::RETRY_AFTER), "60");
    assert!(body["message"].as_str().unwrap().contains("witnesses refuse"), "{body}");
    let r = f.app.clone().oneshot(get("/checkpoint")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = f.app.clone().oneshot(get("/v1/election")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    f.node.set_witness_block(None);
    let (st, _, body) = send(&f.app, post_entry(&entry, "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}
