//! The read side through `Router` without a socket: routing (404, 405),
//! the log at its C2SP paths with their content types and cache headers,
//! photos by hash (valid names only), the election, table and tally views.

use crate::common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::*;
use testigo_server::logfiles::{CHECKPOINT_CACHE, FULL_TILE_CACHE, PARTIAL_TILE_CACHE};
use testigo_server::Limits;
use tower::ServiceExt;

fn req(method: Method, uri: &str) -> Request<Body> {
    Request::builder().method(method).uri(uri).body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let f = fixture(Limits::default());
    // `/` is the website's entry (a redirect to a language: tests/suite/site.rs).
    for uri in [
        "/v1",
        "/v1/",
        "/v1/nope",
        "/v1/submissions/1",
        "/v1/tables",
        "/v2/election",
        "/tally",
        "/blob",
        "/blob/sha256",
        "/blob/md5/00",
        "/tile",
        "/checkpoint/x",
        "/log.key",
        "/../log.key",
    ] {
        let (st, _, _) = send_raw(&f.app, get(uri)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "GET {uri}");
    }
    let hex = "0".repeat(64);
    for (method, uri, allowed) in [
        (Method::GET, "/v1/submissions", "POST"),
        (Method::PUT, "/v1/submissions", "POST"),
        (Method::POST, "/v1/election", "GET"),
        (Method::POST, "/v1/tally", "GET"),
        (Method::DELETE, "/v1/tables/01.1", "GET"),
        (Method::POST, "/checkpoint", "GET"),
        (Method::PUT, "/tile/0/000.p/1", "GET"),
        (Method::POST, &format!("/blob/sha256/{hex}"), "GET"),
    ] {
        let (st, h, _) = send_raw(&f.app, req(method.clone(), uri)).await;
        assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        assert!(header_str(&h, header::ALLOW).contains(allowed), "{method} {uri}: {h:?}");
    }
    // Every route answers its own method.
    for uri in ["/checkpoint", "/v1/election", "/v1/tally", "/v1/tables/01.1"] {
        let (st, _, _) = send_raw(&f.app, get(uri)).await;
        assert_eq!(st, StatusCode::OK, "GET {uri}");
    }
    let (st, h, body) = send_raw(&f.app, req(Method::HEAD, "/checkpoint")).await;
    assert_eq!((st, body.len()), (StatusCode::OK, 0));
    assert_eq!(header_str(&h, header::CACHE_CONTROL), CHECKPOINT_CACHE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkpoint_is_served_as_text_and_barely_cached() {
    let f = fixture(Limits::default());
    let (st, h, body) = send_raw(&f.app, get("/checkpoint")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header_str(&h, header::CONTENT_TYPE), "text/plain; charset=utf-8");
    assert_eq!(header_str(&h, header::CACHE_CONTROL), "public, max-age=2, must-revalidate");
    assert_eq!(header_str(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    assert_eq!(body, *f.node.checkpoint());
    let text = String::from_utf8(body).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("router.test.example/log"));
    assert_eq!(lines.next().map(|s| s.parse::<u64>().unwrap()), Some(f.node.registry().next_index()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_tiles_are_immutable_and_partial_ones_short_lived() {
    let f = fixture_with(Setup { extra_entries: 300, ..Setup::default() });
    let size = f.node.registry().next_index();
    assert!((257..512).contains(&size), "{size}");
    let rest = size - 256;
    for (uri, cache, len) in [
        ("/tile/0/000".to_string(), FULL_TILE_CACHE, Some(256 * 32)),
        (format!("/tile/0/001.p/{rest}"), PARTIAL_TILE_CACHE, Some(rest as usize * 32)),
        ("/tile/1/000.p/1".to_string(), PARTIAL_TILE_CACHE, Some(32)),
        ("/tile/entries/000".to_string(), FULL_TILE_CACHE, None),
        (format!("/tile/entries/001.p/{rest}"), PARTIAL_TILE_CACHE, None),
    ] {
        let (st, h, body) = send_raw(&f.app, get(&uri)).await;
        assert_eq!(st, StatusCode::OK, "{uri}");
        assert_eq!(header_str(&h, header::CONTENT_TYPE), "application/octet-stream", "{uri}");
        assert_eq!(header_str(&h, header::CACHE_CONTROL), cache, "{uri}");
        assert_eq!(header_str(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*", "{uri}");
        if let Some(len) = len {
            assert_eq!(body.len(), len, "{uri}");
        }
        assert!(!body.is_empty(), "{uri}");
    }
    assert_eq!(FULL_TILE_CACHE, "public, max-age=31536000, immutable");
    assert_eq!(PARTIAL_TILE_CACHE, "public, max-age=60");
    // Well-formed but absent, and malformed or non-canonical paths: 404, never a file outside the tiles.
    for uri in [
        "/tile/0/002",
        "/tile/0/x001/000",
        "/tile/0/001.p/255",
        "/tile/2/000",
        "/tile/0/abc",
        "/tile/0/00",
        "/tile/00/000",
        "/tile/0/000.p/0",
        "/tile/0/000.p/256",
        "/tile/0/000.p/01",
        "/tile/0/x000/001",
        "/tile/64/000",
        "/tile/entries",
        "/tile/..%2f..%2flog.key",
        "/tile/..%2fcheckpoint",
        "/tile/0/..%2f..%2f..%2flog.key",
        "/tile/entries/%2e%2e/%2e%2e/log.key",
    ] {
        let (st, _, body) = send_raw(&f.app, get(uri)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{uri}");
        assert!(!String::from_utf8_lossy(&body).contains("PRIVATE"), "{uri}");
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n rest of a png";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0 rest of a jpeg";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_are_served_by_lowercase_sha256_only() {
    let f = fixture(Limits::default());
    let png = f.node.blobs().put(PNG).unwrap();
    let jpeg = f.node.blobs().put(JPEG).unwrap();
    for (hex, bytes, ctype) in [(&png, PNG, "image/png"), (&jpeg, JPEG, "image/jpeg")] {
        let (st, h, body) = send_raw(&f.app, get(&format!("/blob/sha256/{hex}"))).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(body, bytes);
        assert_eq!(header_str(&h, header::CONTENT_TYPE), ctype);
        assert_eq!(header_str(&h, header::CACHE_CONTROL), FULL_TILE_CACHE);
        assert_eq!(
            header_str(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN),
            "*",
            "photos are fetched by pages on other origins"
        );
    }
    let (st, h, body) = send(&f.app, get(&format!("/blob/sha256/{}", "0".repeat(64)))).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    assert_eq!(header_str(&h, header::CONTENT_TYPE), "application/json");
    for uri in [
        format!("/blob/sha256/{}", png.to_uppercase()),
        format!("/blob/sha256/{}", &png[..63]),
        format!("/blob/sha256/{png}0"),
        format!("/blob/sha256/{}g", &png[..63]),
        format!("/blob/sha256/{png}%00"),
        "/blob/sha256/.incoming".into(),
        "/blob/sha256/..%2f..%2flog.key".into(),
        "/blob/sha256/..%2F..%2Flog.key".into(),
        "/blob/sha256/%2e%2e%2f%2e%2e%2flog.key".into(),
        "/blob/sha256/..%5c..%5clog.key".into(),
        "/blob/sha256/..%2f..%2flog%2fcheckpoint".into(),
    ] {
        let (st, _, body) = send_raw(&f.app, get(&uri)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{uri}");
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("PRIVATE") && !text.contains("router.test.example"), "{uri}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_election_view_names_the_election_counts_and_the_log() {
    let f = fixture(Limits::default());
    let (st, h, body) = send(&f.app, get("/v1/election")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header_str(&h, header::CONTENT_TYPE), "application/json");
    assert_eq!(body["election"]["id"], ELECTION);
    assert_eq!(
        (body["tables"].as_u64(), body["sheets"].as_u64(), body["enrolments"].as_u64()),
        (Some(2), Some(0), Some(1))
    );
    assert!(body["units"].as_u64().unwrap() >= 1, "{body}");
    assert_eq!(body["trusted_keys"], serde_json::json!([]));
    assert_eq!(body["log"]["vkey"], f.node.log_key().to_vkey());
    assert_eq!(body["log"]["checkpoint"].as_str().unwrap().as_bytes(), f.node.checkpoint().as_slice());
    // It follows the log.
    let (st, _, _) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, _, body) = send(&f.app, get("/v1/election")).await;
    assert_eq!(body["sheets"], 1);
    assert_eq!(body["log"]["checkpoint"].as_str().unwrap().as_bytes(), f.node.checkpoint().as_slice());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_view_lists_each_submission() {
    let f = fixture(Limits::default());
    let (st, _, body) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let index = body["index"].clone();
    let (st, h, body) = send(&f.app, get("/v1/tables/01.1")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header_str(&h, header::CONTENT_TYPE), "application/json");
    assert_eq!((body["election"].as_str(), body["table"].as_str()), (Some(ELECTION), Some("01.1")));
    assert_eq!(body["registered"], 300);
    let subs = body["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 1, "{body}");
    let s = &subs[0];
    assert_eq!(s["index"], index);
    assert_eq!((s["contest"].as_str(), s["source"].as_str()), (Some("president"), Some("witness")));
    assert_eq!(s["signer"]["key"], f.witness.verifier().to_vkey());
    assert_eq!(s["signer"]["role"], "witness");
    assert_eq!(s["votes"], serde_json::json!({"a": 10, "b": 5}));
    assert_eq!(s["flags"], serde_json::json!([]));
    assert!(s["photo"].is_null() && s["supersedes"].is_null(), "{s}");
    let (st, _, body) = send(&f.app, get("/v1/tables/01.2")).await;
    assert_eq!((st, body["submissions"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    for uri in ["/v1/tables/99.9", "/v1/tables/01", "/v1/tables/..%2f..%2flog.key"] {
        let (st, _, body) = send(&f.app, get(uri)).await;
        assert_eq!((st, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_table")), "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tally_is_json_with_its_log_size_and_never_cached_stale() {
    let f = fixture(Limits::default());
    let (st, _, _) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, h, body) = send(&f.app, get("/v1/tally")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header_str(&h, header::CONTENT_TYPE), "application/json");
    assert_eq!(header_str(&h, header::CACHE_CONTROL), "no-cache");
    assert_eq!(body["log_size"], f.node.registry().next_index());
    assert_eq!(body["report"]["schema"], "testigo-tally/1", "{body}");
    assert_eq!(body.as_object().unwrap().len(), 2);
}

/// A poller (a verifier, a CDN revalidating) names the tally it holds and
/// gets 304 until the log grows; gzip and plain forms are told apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tally_answers_304_to_the_tally_the_reader_holds() {
    let f = fixture(Limits::default());
    let conditional = |etag: &str, gzip: bool| {
        let mut r = Request::get("/v1/tally").header(header::IF_NONE_MATCH, etag);
        if gzip {
            r = r.header(header::ACCEPT_ENCODING, "gzip");
        }
        r.body(Body::empty()).unwrap()
    };
    let (st, h, body) = send_raw(&f.app, get("/v1/tally")).await;
    assert_eq!(st, StatusCode::OK);
    let etag = header_str(&h, header::ETAG).to_string();
    assert!(etag.starts_with("\"tally-") && etag.ends_with('"'), "{etag}");
    assert!(!body.is_empty());
    for held in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}"), "*".to_string()] {
        let (st, h, body) = send_raw(&f.app, conditional(&held, false)).await;
        assert_eq!(st, StatusCode::NOT_MODIFIED, "{held}");
        assert_eq!(header_str(&h, header::ETAG), etag);
        assert!(body.is_empty());
    }
    // The gzip form is other bytes: another tag.
    let (st, h, _) = send_raw(&f.app, conditional(&etag, true)).await;
    assert_eq!(st, StatusCode::OK);
    let gz_etag = header_str(&h, header::ETAG).to_string();
    assert_ne!(gz_etag, etag);
    assert_eq!(send_raw(&f.app, conditional(&gz_etag, true)).await.0, StatusCode::NOT_MODIFIED);
    // Once the log grows and the tally covers it, the old tag no longer matches.
    let (st, _, _) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED);
    tokio::time::sleep(testigo_server::site::REBUILD_EVERY).await;
    let (st, h, body) = send_raw(&f.app, conditional(&etag, false)).await;
    assert_eq!(st, StatusCode::OK);
    assert_ne!(header_str(&h, header::ETAG), etag);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["log_size"].as_u64(), Some(f.node.registry().next_index()));
}

/// One unit's document is its rows of the tally the same snapshot serves at
/// `/v1/tally`, with its tables' states; unknown units and malformed names
/// are 404 saying so, and a poller gets 304 until the log grows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_s_document_is_its_rows_of_the_tally_and_its_tables() {
    let f = fixture(Limits::default());
    let (st, _, body) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let json = |body: &[u8]| serde_json::from_slice::<serde_json::Value>(body).unwrap();
    let (st, _, tally) = send_raw(&f.app, get("/v1/tally")).await;
    assert_eq!(st, StatusCode::OK);
    let tally = json(&tally);
    let (st, h, national) = send_raw(&f.app, get("/v1/national.json")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header_str(&h, header::CONTENT_TYPE), "application/json");
    let national = json(&national);
    assert_eq!(national["log_size"], tally["log_size"]);
    assert_eq!(national["contests"][0]["totals"], tally["report"]["contests"][0]["national"]);
    assert_eq!(national["contests"][0]["children"][0], tally["report"]["contests"][0]["units"][0]);
    let (st, h, unit) = send_raw(&f.app, get("/v1/units/01.json")).await;
    assert_eq!(st, StatusCode::OK);
    let unit = json(&unit);
    assert_eq!(unit["unit"]["id"], "01");
    assert_eq!(unit["contests"][0]["totals"], tally["report"]["contests"][0]["units"][0]);
    assert_eq!(
        unit["contests"][0]["tables"],
        serde_json::json!([{"id": "01.1", "state": "single"}, {"id": "01.2", "state": "missing"}])
    );
    let etag = header_str(&h, header::ETAG).to_string();
    let conditional =
        Request::get("/v1/units/01.json").header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    assert_eq!(send_raw(&f.app, conditional).await.0, StatusCode::NOT_MODIFIED);
    for (uri, code) in
        [("/v1/units/99.json", "unknown_unit"), ("/v1/units/01", "not_found"), ("/v1/units/01.html", "not_found")]
    {
        let (st, _, body) = send_raw(&f.app, get(uri)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(json(&body)["error"], code, "{uri}");
    }
    // Once the log grows and the snapshot covers it, the old tag no longer matches.
    let (st, _, _) = send(&f.app, post_entry(&signed(&sheet("01.2"), &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED);
    tokio::time::sleep(testigo_server::site::REBUILD_EVERY).await;
    let conditional =
        Request::get("/v1/units/01.json").header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    let (st, _, unit) = send_raw(&f.app, conditional).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(json(&unit)["contests"][0]["tables"][1], serde_json::json!({"id": "01.2", "state": "single"}));
}

/// Readers never make the server tabulate per request: while the log grows,
/// `/v1/tally` answers from the last tabulation for up to `REBUILD_EVERY`,
/// then from a new one that covers the whole log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tally_is_computed_once_per_rebuild_not_per_request() {
    let f = fixture(Limits::default());
    let (_, _, first) = send(&f.app, get("/v1/tally")).await;
    let before = first["log_size"].as_u64().unwrap();
    assert_eq!(before, f.node.registry().next_index());
    let (st, _, _) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED);
    let started = std::time::Instant::now();
    let (_, _, again) = send(&f.app, get("/v1/tally")).await;
    if started.elapsed() < testigo_server::site::REBUILD_EVERY {
        assert_eq!(again, first, "a second request within the rebuild interval tabulated again");
    }
    tokio::time::sleep(testigo_server::site::REBUILD_EVERY).await;
    let (_, _, fresh) = send(&f.app, get("/v1/tally")).await;
    assert_eq!(fresh["log_size"].as_u64(), Some(f.node.registry().next_index()));
    assert!(fresh["log_size"].as_u64() > Some(before));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_without_an_election_says_so() {
    let f = empty_fixture();
    for uri in ["/v1/election", "/v1/tally"] {
        let (st, h, body) = send(&f.app, get(uri)).await;
        assert_eq!((st, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_election")), "{uri}");
        assert_eq!(header_str(&h, header::CONTENT_TYPE), "application/json");
    }
    let (st, _, body) = send(&f.app, get("/v1/tables/01.1")).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_table")));
    let (st, _, _) = send_raw(&f.app, get("/checkpoint")).await;
    assert_eq!(st, StatusCode::OK);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_logged_entry_has_a_receipt_linked_from_its_table() {
    let f = fixture(Limits::default());
    let s = sheet("01.2");
    let (st, _, body) = send(&f.app, post_entry(&signed(&s, &f.witness), "192.0.2.1")).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let index = body["index"].as_u64().unwrap();
    let (st, h, table) = send(&f.app, get("/v1/tables/01.2")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header_str(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    let link = table["submissions"][0]["receipt"].as_str().unwrap().to_string();
    // Where the signer's enrolment is, so a browser can prove it too.
    let enrolled_at = table["submissions"][0]["signer"]["enrolled_at"].as_u64().unwrap();
    let enrolment = f.node.registry().enrolments().iter().find(|e| e.verifier == f.witness.verifier()).unwrap().index;
    assert_eq!(enrolled_at, enrolment);
    assert_eq!(link, format!("/v1/receipts/{index}"));
    let (st, h, text) = send_raw(&f.app, get(&link)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header_str(&h, header::CONTENT_TYPE), "text/plain; charset=utf-8");
    assert_eq!(header_str(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    let r = testigo_tlog::receipt::Receipt::parse(&text).unwrap();
    assert_eq!(r.index, index);
    let entry = r.extra.clone().unwrap();
    assert_eq!(entry, signed(&s, &f.witness).into_bytes());
    r.verify(&entry, f.node.log_key(), &[]).unwrap();
    // The operator's own entries (the election at 0) have receipts too;
    // beyond the log's end, and for non-numbers, there is nothing.
    let (st, _, zero) = send_raw(&f.app, get("/v1/receipts/0")).await;
    assert_eq!(st, StatusCode::OK);
    let r0 = testigo_tlog::receipt::Receipt::parse(&zero).unwrap();
    r0.verify(r0.extra.as_ref().unwrap(), f.node.log_key(), &[]).unwrap();
    for uri in [format!("/v1/receipts/{}", index + 1), "/v1/receipts/x".into(), "/v1/receipts/-1".into()] {
        let (st, _, body) = send(&f.app, get(&uri)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(body["error"], "not_found", "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_open_to_every_origin_and_compressed_when_asked_but_submissions_are_not() {
    let f = fixture_with(Setup { extra_entries: 300, ..Setup::default() });
    for uri in ["/v1/election", "/v1/tally", "/v1/tables/01.1", "/checkpoint", "/tile/0/000", "/tile/entries/000"] {
        let (st, h, _) = send_raw(&f.app, get(uri)).await;
        assert_eq!(st, StatusCode::OK, "{uri}");
        assert_eq!(header_str(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*", "{uri}");
    }
    // Submissions are not a public read: no CORS grant.
    let (_, h, _) = send(&f.app, post_entry("junk", "192.0.2.9")).await;
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "{h:?}");

    let gzipped = |uri: &str| Request::get(uri).header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).unwrap();
    let gunzip = |b: &[u8]| {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(b), &mut out).unwrap();
        out
    };
    // JSON and entry bundles come compressed, and decompress to the very bytes served plain.
    for uri in ["/v1/tally", "/v1/election", "/tile/entries/000", "/es/", "/es/t/01.1.html"] {
        let (_, _, plain) = send_raw(&f.app, get(uri)).await;
        let (st, h, packed) = send_raw(&f.app, gzipped(uri)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(header_str(&h, header::CONTENT_ENCODING), "gzip", "{uri}");
        assert!(packed.len() < plain.len(), "{uri}: {} >= {}", packed.len(), plain.len());
        assert_eq!(gunzip(&packed), plain, "{uri}");
    }
    // A reader that refuses gzip gets the plain bytes.
    let refused = Request::get("/v1/tally").header(header::ACCEPT_ENCODING, "gzip;q=0").body(Body::empty()).unwrap();
    let (_, h, body) = send_raw(&f.app, refused).await;
    assert!(h.get(header::CONTENT_ENCODING).is_none(), "{h:?}");
    assert_eq!(body, send_raw(&f.app, get("/v1/tally")).await.2);
    // Hash tiles do not compress, and are left alone.
    let (_, h, tile) = send_raw(&f.app, gzipped("/tile/0/000")).await;
    assert!(h.get(header::CONTENT_ENCODING).is_none(), "{h:?}");
    assert_eq!(tile.len(), 256 * 32);
    // The tally is served compact (no indentation), one line.
    let (_, _, tally) = send_raw(&f.app, get("/v1/tally")).await;
    assert!(!tally.contains(&b'\n'), "the tally should be compact JSON");
}
