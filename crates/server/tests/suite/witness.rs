//! What the witness's app needs from the server: the app itself at
//! `/witness/` (files with their types, its words, headers that let an
//! installed app update), enrolment requests (`POST /v1/enrolment-requests`),
//! a key's status (`GET /v1/keys/{name}+{keyid}`), and, in a submission's
//! answer, what the QR code on its photo says (`photo_qr`).

use crate::common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use testigo_election::{
    encode_request, encode_signed, geography_chunks, load_election, load_tables_csv, EnrolRequest, Entry, Revoke,
};
use testigo_note::Signer;
use testigo_scan::corpus::{self, Degradation, SheetKind};
use testigo_server::conn::ClientAddr;
use testigo_server::{qr_factory, Limits, Node};
use testigo_store::DataDir;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn the_app_is_served_with_its_types_and_headers_that_let_an_installed_app_update() {
    let f = fixture(Limits::default());
    let (status, headers, _) = send_raw(&f.app, get("/witness")).await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header_str(&headers, header::LOCATION), "/witness/");
    for (uri, ctype) in [
        ("/witness/", "text/html; charset=utf-8"),
        ("/witness/index.html", "text/html; charset=utf-8"),
        ("/witness/app.js", "text/javascript; charset=utf-8"),
        ("/witness/store.js", "text/javascript; charset=utf-8"),
        ("/witness/photo.js", "text/javascript; charset=utf-8"),
        ("/witness/sw.js", "text/javascript; charset=utf-8"),
        ("/witness/app.css", "text/css; charset=utf-8"),
        ("/witness/manifest.webmanifest", "application/manifest+json"),
        ("/witness/icon.svg", "image/svg+xml"),
        ("/witness/messages.json", "application/json"),
        // The site's modules the app imports.
        ("/assets/js/sign.js", "text/javascript; charset=utf-8"),
        ("/assets/js/receipt.js", "text/javascript; charset=utf-8"),
        ("/assets/js/qrcode.js", "text/javascript; charset=utf-8"),
        ("/assets/js/note.js", "text/javascript; charset=utf-8"),
        ("/assets/js/entries.js", "text/javascript; charset=utf-8"),
    ] {
        let (status, headers, body) = send_raw(&f.app, get(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(header_str(&headers, header::CONTENT_TYPE), ctype, "{uri}");
        assert_eq!(header_str(&headers, header::CACHE_CONTROL), "no-cache", "{uri}");
        assert_eq!(header_str(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*", "{uri}");
        assert!(!body.is_empty(), "{uri}");
        if uri.starts_with("/witness/") {
            let csp = header_str(&headers, header::CONTENT_SECURITY_POLICY);
            for directive in
                ["script-src 'self'", "connect-src 'self'", "img-src 'self' blob: data:", "worker-src 'self'"]
            {
                assert!(csp.contains(directive), "{uri}: {csp}");
            }
            assert_eq!(header_str(&headers, header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{uri}");
        }
    }
    let (_, _, index) = send_raw(&f.app, get("/witness/")).await;
    assert!(text(&index).contains("manifest.webmanifest"));
    // The app's words: the site's catalogs' witness-* messages, the same ids in every language.
    let (_, _, words) = send(&f.app, get("/witness/messages.json")).await;
    let ids = |lang: &str| words[lang].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert!(!ids("es").is_empty());
    assert_eq!(ids("es"), ids("en"));
    assert_eq!(ids("pt"), ids("en"));
    assert!(ids("en").iter().all(|id| id.starts_with("witness-")));
    for uri in ["/witness/nope.js", "/witness/../Cargo.toml", "/witness/a/b"] {
        let (status, _, _) = send_raw(&f.app, get(uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
}

fn request_of(k: &Signer, scope: Option<&str>) -> EnrolRequest {
    EnrolRequest {
        key: k.verifier().to_vkey(),
        holder: "Ana Pérez".into(),
        organisation: "Red de Testigos".into(),
        scope: scope.map(Into::into),
        requested_at: now(),
    }
}

fn post_request(note: &[u8], from: &str) -> Request<Body> {
    let body = json!({ "request": text(note) }).to_string();
    let mut r = Request::post("/v1/enrolment-requests")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    r.extensions_mut().insert(ClientAddr(from.parse().unwrap()));
    r
}

fn assert_error(st: StatusCode, body: &Value, want: (StatusCode, &str)) {
    assert_eq!((st, body["error"].as_str()), (want.0, Some(want.1)), "{body}");
    assert!(!body["message"].as_str().unwrap_or("").is_empty(), "{body}");
    assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
}

fn pending_dir(f: &Fixture) -> std::path::PathBuf {
    f.node.dir().root().join("enrolment-requests")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_request_is_kept_once_for_the_operator_and_bad_ones_leave_nothing() {
    let f = fixture(Limits::default());
    let ana = key("ana.witness.example", 30);
    let note = encode_request(&request_of(&ana, Some("01")), &ana).unwrap();
    let (st, _, body) = send(&f.app, post_request(&note, "10.1.0.1")).await;
    assert_eq!((st, &body), (StatusCode::CREATED, &json!({"key": ana.verifier().to_vkey(), "status": "pending"})));
    let file = pending_dir(&f).join(format!("ana.witness.example+{:08x}.note", ana.key_id()));
    assert_eq!(std::fs::read(&file).unwrap(), note, "kept byte for byte");
    // The very same request again: 200, nothing new.
    let (st, _, again) = send(&f.app, post_request(&note, "10.1.0.1")).await;
    assert_eq!((st, &again), (StatusCode::OK, &body));
    // A new request of the same key replaces it.
    let newer = encode_request(&EnrolRequest { holder: "Ana P.".into(), ..request_of(&ana, None) }, &ana).unwrap();
    let (st, _, _) = send(&f.app, post_request(&newer, "10.1.0.1")).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(std::fs::read(&file).unwrap(), newer);
    assert_eq!(std::fs::read_dir(pending_dir(&f)).unwrap().count(), 1, "one file per key, no temporaries");

    // Refused, with nothing kept.
    let eve = key("eve.example", 31);
    let mallory = key("mallory.example", 32);
    let cases: Vec<(Vec<u8>, StatusCode, &str)> = vec![
        // Signed by another key than the one it asks for.
        (encode_request(&request_of(&eve, None), &mallory).unwrap(), StatusCode::BAD_REQUEST, "bad_signature"),
        // Altered after signing.
        (
            text(&encode_request(&request_of(&eve, None), &eve).unwrap()).replace("Ana", "Eva").into_bytes(),
            StatusCode::BAD_REQUEST,
            "bad_signature",
        ),
        // A log entry is not a request.
        (signed(&sheet("01.1"), &eve).into_bytes(), StatusCode::BAD_REQUEST, "bad_request"),
        (b"hello".to_vec(), StatusCode::BAD_REQUEST, "bad_request"),
        // A unit the election does not have.
        (encode_request(&request_of(&eve, Some("99")), &eve).unwrap(), StatusCode::BAD_REQUEST, "bad_request"),
        // The witness the fixture enrolled.
        (encode_request(&request_of(&f.witness, None), &f.witness).unwrap(), StatusCode::CONFLICT, "already_enrolled"),
    ];
    for (note, status, code) in cases {
        let (st, _, body) = send(&f.app, post_request(&note, "10.1.0.2")).await;
        assert_error(st, &body, (status, code));
    }
    assert_eq!(std::fs::read_dir(pending_dir(&f)).unwrap().count(), 1, "nothing more was kept");
    let (st, _, body) =
        send(&f.app, post_request(&encode_request(&request_of(&f.witness, None), &f.witness).unwrap(), "10.1.0.2"))
            .await;
    assert!(body["message"].as_str().unwrap().contains("log entry 2"), "{st} {body}");
    // Wrong media type, wrong JSON.
    let mut r = post_request(&note, "10.1.0.3");
    r.headers_mut().insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
    let (st, _, body) = send(&f.app, r).await;
    assert_error(st, &body, (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"));
    let mut r = Request::post("/v1/enrolment-requests")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"entry\": \"x\"}"))
        .unwrap();
    r.extensions_mut().insert(ClientAddr("10.1.0.3".parse().unwrap()));
    let (st, _, body) = send(&f.app, r).await;
    assert_error(st, &body, (StatusCode::BAD_REQUEST, "bad_request"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_capped_keys_enrolled_since_take_no_room_and_bad_ones_close_the_address() {
    let f = fixture(Limits { max_pending_requests: 2, ..Limits::default() });
    let keys: Vec<Signer> = (0..3).map(|i| key(&format!("k{i}.cap.example"), 40 + i)).collect();
    for k in &keys[..2] {
        let (st, _, body) =
            send(&f.app, post_request(&encode_request(&request_of(k, None), k).unwrap(), "10.2.0.1")).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
    }
    let third = encode_request(&request_of(&keys[2], None), &keys[2]).unwrap();
    let (st, h, body) = send(&f.app, post_request(&third, "10.2.0.1")).await;
    assert_error(st, &body, (StatusCode::SERVICE_UNAVAILABLE, "requests_full"));
    assert!(!header_str(&h, header::RETRY_AFTER).is_empty());
    // Once the operator enrols one, its request takes no room (a recount is due: the cache is cold here).
    let f2 = fixture(Limits { max_pending_requests: 2, ..Limits::default() });
    for k in &keys[..2] {
        send(&f2.app, post_request(&encode_request(&request_of(k, None), k).unwrap(), "10.2.0.1")).await;
    }
    let e = String::from_utf8(encode_signed(&enrol(&keys[0]), &f2.op).unwrap()).unwrap();
    let (st, _, body) = send(&f2.app, post_entry(&e, "10.2.0.9")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let fresh = testigo_server::router(f2.node.clone(), Limits { max_pending_requests: 2, ..Limits::default() });
    let (st, _, body) = send(&fresh, post_request(&third, "10.2.0.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");

    // Bad requests are charged to their address, like bad submissions.
    let gate = testigo_server::ratelimit::GateConfig {
        per_client: testigo_server::ratelimit::Rate { per_second: 0.001, burst: 2.0 },
        ..Default::default()
    };
    let f = fixture(Limits { gate, ..Limits::default() });
    for _ in 0..2 {
        let (st, _, _) = send(&f.app, post_request(b"junk", "10.2.0.5")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
    }
    let good = encode_request(&request_of(&keys[0], None), &keys[0]).unwrap();
    let (st, _, body) = send(&f.app, post_request(&good, "10.2.0.5")).await;
    assert_error(st, &body, (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let (st, _, _) = send(&f.app, post_request(&good, "10.2.0.6")).await;
    assert_eq!(st, StatusCode::CREATED, "another address is not affected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_s_status_is_its_enrolment_in_the_log_or_whether_its_request_waits() {
    let f = fixture(Limits::default());
    let w = f.witness.verifier();
    let path = format!("/v1/keys/{}+{:08x}", w.name(), w.key_id());
    let (st, h, body) = send(&f.app, get(&path)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(header_str(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    let now_s = body["now"].as_u64().unwrap();
    assert!(now_s.abs_diff(now()) < 60);
    let (from, until) = (body["valid_from"].as_u64().unwrap(), body["valid_until"].as_u64().unwrap());
    assert!(from < now_s && now_s < until, "{body}");
    assert_eq!(
        body,
        json!({
            "key": w.to_vkey(), "index": 2, "role": "witness", "holder": "W", "organisation": "O",
            "scope": null, "scope_name": null, "valid_from": from, "valid_until": until,
            "revoked": null, "now": now_s,
        })
    );
    // Revoked: the revocation's index and reason.
    let revoke = Entry::Revoke(Revoke { key: w.to_vkey(), reason: "phone stolen".into() });
    let (st, _, b) =
        send(&f.app, post_entry(&String::from_utf8(encode_signed(&revoke, &f.op).unwrap()).unwrap(), "10.3.0.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (_, _, body) = send(&f.app, get(&path)).await;
    assert_eq!(body["revoked"], json!({"index": b["index"], "reason": "phone stolen"}));

    // Unknown: 404, saying whether a request of it waits.
    let ana = key("ana/field.example", 33);
    let ana_path = format!("/v1/keys/ana%2Ffield.example+{:08x}", ana.key_id());
    let (st, _, body) = send(&f.app, get(&ana_path)).await;
    assert_error(st, &body, (StatusCode::NOT_FOUND, "unknown_key"));
    assert!(body["message"].as_str().unwrap().contains("no enrolment request"), "{body}");
    let (st, _, _) =
        send(&f.app, post_request(&encode_request(&request_of(&ana, Some("01")), &ana).unwrap(), "10.3.0.2")).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _, body) = send(&f.app, get(&ana_path)).await;
    assert_error(st, &body, (StatusCode::NOT_FOUND, "unknown_key"));
    assert!(body["message"].as_str().unwrap().contains("request is pending"), "{body}");
    // Enrolled with a scope: its unit's name too.
    let mut e = enrol(&ana);
    if let Entry::Enrol(e) = &mut e {
        e.scope = Some("01".into());
    }
    let (st, _, b) =
        send(&f.app, post_entry(&String::from_utf8(encode_signed(&e, &f.op).unwrap()).unwrap(), "10.3.0.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (_, _, body) = send(&f.app, get(&ana_path)).await;
    assert_eq!(
        (body["scope"].as_str(), body["scope_name"].as_str(), body["index"].as_u64()),
        (Some("01"), Some("01"), b["index"].as_u64())
    );
    // Not a key's name and ID.
    for bad in ["/v1/keys/nokeyid", "/v1/keys/a+123", "/v1/keys/a+0123ABCD", "/v1/keys/+01234567"] {
        let (st, _, body) = send(&f.app, get(bad)).await;
        assert_error(st, &body, (StatusCode::BAD_REQUEST, "bad_request"));
    }
}

/// A node that reads photos, with Venezuelan-style table ids (centre.table)
/// so the acta QR's header names them.
fn photo_fixture() -> (tempfile::TempDir, Arc<Node>, axum::Router, Signer) {
    let tmp = tempfile::tempdir().unwrap();
    let (op, w) = (key("op.photo.example", 1), key("w.photo.example", 2));
    let toml = format!(
        "id = \"{ELECTION}\"\nname = \"Photo test\"\ndate = 2026-01-01\nlevels = [\"state\", \"table\"]\n\
         max_table_voters = 500\noperator = \"{}\"\n\n[[contests]]\nid = \"president\"\nname = \"President\"\n\n\
         [[contests.candidates]]\nid = \"a\"\nname = \"A\"\n\n[[contests.candidates]]\nid = \"b\"\nname = \"B\"\n",
        op.verifier().to_vkey()
    );
    let def = load_election(&toml, "election.toml").unwrap();
    let geo = load_tables_csv(&def.levels, "state,table\n01,010101001.01\n01,010101001.02\n", "t.csv").unwrap();
    let dir = DataDir::new(tmp.path().join("d"));
    dir.init("photo.test.example/log").unwrap();
    let node = std::thread::scope(|s| {
        s.spawn(|| {
            let node = Node::open(dir, qr_factory(testigo_documents::SheetQr::default))
                .unwrap()
                .with_photo_reading(op.clone());
            let mut entries = vec![encode_signed(&Entry::Election(def), &op).unwrap()];
            entries
                .extend(geography_chunks(&geo).into_iter().map(|c| encode_signed(&Entry::Geography(c), &op).unwrap()));
            entries.push(encode_signed(&enrol(&w), &op).unwrap());
            for o in node.submit_many(entries, now()).unwrap() {
                o.unwrap();
            }
            node
        })
        .join()
        .unwrap()
    });
    let node = Arc::new(node);
    let app = testigo_server::router(node.clone(), Limits::default());
    (tmp, node, app, w)
}

fn with_photo(table: &str, photo: &[u8]) -> testigo_election::Sheet {
    let mut s = sheet(table);
    s.photo_sha256 = Some(hex::encode(Sha256::digest(photo)));
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_with_a_photo_answers_what_the_photo_s_qr_code_says() {
    let (_tmp, node, app, w) = photo_fixture();
    // Typed: a = 10, b = 5, null 0. The photo's acta code says a = 12, b = 3, null 1.
    let code = "010101001.01.1.0001!12,3!1!0".to_string();
    let photo = corpus::photo_of(7, SheetKind::VenezuelaActa, std::slice::from_ref(&code), Degradation::Clean);
    let entry = signed(&with_photo("010101001.01", &photo), &w);
    let (ctype, body) = multipart(&[("entry", entry.as_bytes()), ("photo", &photo)]);
    let (st, _, answer) = send(&app, post(body, &ctype, "10.4.0.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{answer}");
    let index = answer["index"].as_u64().unwrap();
    assert_eq!(answer["flags"], json!(["photo_qr_mismatch"]));
    assert_eq!(
        answer["photo_qr"],
        json!({
            "reading": index + 1,
            "codes": [code],
            "outcome": "mismatch",
            "format": "venezuela_acta",
            "counts": {"table": "010101001.01", "votes": {"a": 12, "b": 3}, "null": 1},
        })
    );
    // The same check as the table view shows it.
    let (_, _, view) = send(&app, get("/v1/tables/010101001.01")).await;
    assert_eq!(view["submissions"][0]["photo_qr"]["outcome"], answer["photo_qr"]["outcome"]);
    assert_eq!(view["submissions"][0]["photo_qr"]["reading"], answer["photo_qr"]["reading"]);

    // A photo that agrees: matches, and its counts are the typed ones.
    let code2 = "010101001.02.1.0001!10,5!0!0".to_string();
    let photo2 = corpus::photo_of(8, SheetKind::VenezuelaActa, std::slice::from_ref(&code2), Degradation::Clean);
    let entry = signed(&with_photo("010101001.02", &photo2), &w);
    let (ctype, body) = multipart(&[("entry", entry.as_bytes()), ("photo", &photo2)]);
    let (st, _, answer) = send(&app, post(body, &ctype, "10.4.0.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["flags"], json!([]));
    assert_eq!(answer["photo_qr"]["outcome"], "matches");
    assert_eq!(answer["photo_qr"]["counts"]["votes"], json!({"a": 10, "b": 5}));

    // Without a photo, no photo_qr.
    let mut s = sheet("010101001.01");
    s.supersedes = Some(index);
    let (st, _, answer) = send(&app, post_entry(&signed(&s, &w), "10.4.0.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{answer}");
    assert!(answer.get("photo_qr").is_none(), "{answer}");
    assert_eq!(node.registry().sheet_count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_without_a_code_or_not_read_answers_so() {
    let (_tmp, _node, app, w) = photo_fixture();
    let blank = corpus::photo_of(9, SheetKind::VenezuelaActa, &[], Degradation::Clean);
    let entry = signed(&with_photo("010101001.01", &blank), &w);
    let (ctype, body) = multipart(&[("entry", entry.as_bytes()), ("photo", &blank)]);
    let (st, _, answer) = send(&app, post(body, &ctype, "10.4.0.2")).await;
    assert_eq!(st, StatusCode::CREATED, "{answer}");
    let index = answer["index"].as_u64().unwrap();
    assert_eq!(
        answer["photo_qr"],
        json!({"reading": index + 1, "codes": [], "outcome": "no_code", "format": null, "counts": null})
    );
    // A node that only stores photos: nothing read.
    let f = fixture(Limits::default());
    let mut s = sheet("01.1");
    s.photo_sha256 = Some(hex::encode(Sha256::digest(&blank)));
    let entry = signed(&s, &f.witness);
    let (ctype, body) = multipart(&[("entry", entry.as_bytes()), ("photo", &blank)]);
    let (st, _, answer) = send(&f.app, post(body, &ctype, "10.4.0.3")).await;
    assert_eq!(st, StatusCode::CREATED, "{answer}");
    assert_eq!(
        answer["photo_qr"],
        json!({"reading": null, "codes": [], "outcome": null, "format": null, "counts": null})
    );
}

/// The app's table picker: tables by id or by the name of a unit above
/// them, only within a key's scope when one is given.
#[tokio::test]
async fn tables_are_found_by_id_or_by_their_unit_within_a_scope() {
    let f = fixture(Limits::default());
    let (status, _, body) = send(&f.app, get("/v1/search?q=01.2")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tables"], json!([{"id": "01.2", "path": "01"}]), "{body}");
    // The unit "01" found by its id brings both its tables.
    let (_, _, body) = send(&f.app, get("/v1/search?q=01")).await;
    let ids: Vec<&str> = body["tables"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"01.1") && ids.contains(&"01.2"), "{body}");
    assert_eq!(body["more"], json!(false));
    let (status, _, body) = send(&f.app, get("/v1/search?q=01&scope=nowhere")).await;
    assert_error(status, &body, (StatusCode::NOT_FOUND, "unknown_unit"));
    let (status, _, body) = send(&f.app, get(&format!("/v1/search?q={}", "x".repeat(201)))).await;
    assert_error(status, &body, (StatusCode::BAD_REQUEST, "bad_request"));
    let (_, _, body) = send(&f.app, get("/v1/search?q=zzz")).await;
    assert_eq!(body["tables"], json!([]));
}
