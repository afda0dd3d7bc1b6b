//! The public website as `testigo serve` serves it: language negotiation,
//! pages that follow the log at once (tables) or within seconds (totals),
//! relative links that resolve on the server, assets, the OpenAPI document,
//! and downloads whose SHA256SUMS the log key signs.

use std::time::{Duration, Instant};

use axum::http::{header, Request, StatusCode};
use sha2::{Digest, Sha256};
use testigo_server::Limits;

use crate::common::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn the_root_sends_each_reader_to_their_language() {
    let f = fixture(Limits::default());
    for (accept, lang) in
        [(Some("pt-BR,pt;q=0.9"), "pt"), (Some("en-US,en;q=0.5"), "en"), (None, "es"), (Some("fr"), "es")]
    {
        let mut req = Request::get("/");
        if let Some(a) = accept {
            req = req.header(header::ACCEPT_LANGUAGE, a);
        }
        let (status, headers, _) = send_raw(&f.app, req.body(axum::body::Body::empty()).unwrap()).await;
        assert!(status.is_redirection(), "{accept:?}: {status}");
        assert_eq!(header_str(&headers, header::LOCATION), format!("/{lang}/"));
        assert_eq!(header_str(&headers, header::VARY), "Accept-Language");
    }
}

#[tokio::test]
async fn pages_render_and_unknown_ones_are_404() {
    let f = fixture(Limits::default());
    for (uri, has) in [
        ("/es/", "Router test"),
        ("/es/index.html", "Router test"),
        ("/pt/u/01.html", "01"),
        ("/en/t/01.1.html", "Table 01.1"),
        ("/en/search.html?q=01.2", "../en/t/01.2.html"),
        ("/es/bulletins.html", "<h1>"),
        ("/en/downloads.html", "tables.csv"),
        ("/en/observers.html", &f.node.log_key().to_vkey()),
    ] {
        let (status, headers, body) = send_raw(&f.app, get(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(header_str(&headers, header::CONTENT_TYPE), "text/html; charset=utf-8", "{uri}");
        let body = text(&body);
        assert!(body.contains(has), "{uri} lacks {has:?}");
        assert!(!body.contains('⟦'), "{uri}: a message is missing");
    }
    for uri in ["/es/t/nope.html", "/es/u/nope.html", "/fr/", "/es/nothing.html", "/es/t/a/b.html", "/es/t/01.1"] {
        let (status, _, _) = send_raw(&f.app, get(uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
    // The home page links relatively from its directory: the slash is added.
    let (status, headers, _) = send_raw(&f.app, get("/es")).await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header_str(&headers, header::LOCATION), "/es/");
}

/// Resolves `href` (relative, as pages write them) against the page at `page`.
fn resolve(page: &str, href: &str) -> String {
    // The page's directory, then the relative path.
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for seg in href.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[tokio::test]
async fn a_new_sheet_shows_on_its_table_page_at_once_with_a_receipt_that_resolves() {
    let f = fixture(Limits::default());
    let (_, _, before) = send_raw(&f.app, get("/en/t/01.1.html")).await;
    assert!(text(&before).contains("No tally sheet has been submitted"));
    let (status, _, body) = send(&f.app, post_entry(&signed(&sheet("01.1"), &f.witness), "10.0.0.1")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let index = body["index"].as_u64().unwrap();
    let (_, _, page) = send_raw(&f.app, get("/en/t/01.1.html")).await;
    let page = text(&page);
    assert!(page.contains(&format!("Sheet #{index}")), "the new sheet is not on the page");
    let href = format!("../../v1/receipts/{index}");
    assert!(page.contains(&href));
    let (status, _, receipt) = send_raw(&f.app, get(&resolve("/en/t/01.1.html", &href))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&receipt).contains(&format!("index {index}")) || !receipt.is_empty());
    // The totals follow within the snapshot's rebuild interval.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, _, home) = send_raw(&f.app, get("/en/")).await;
        if text(&home).contains("1 of 2") {
            break;
        }
        assert!(Instant::now() < deadline, "the home page never counted the new sheet");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn assets_and_the_openapi_document_are_served() {
    let f = fixture(Limits::default());
    for (uri, ctype) in [
        ("/assets/site.css", "text/css; charset=utf-8"),
        ("/assets/js/page.js", "text/javascript; charset=utf-8"),
        ("/assets/js/verify.js", "text/javascript; charset=utf-8"),
        ("/v1/openapi.json", "application/json"),
    ] {
        let (status, headers, _) = send_raw(&f.app, get(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(header_str(&headers, header::CONTENT_TYPE), ctype, "{uri}");
    }
    let (_, _, doc) = send(&f.app, get("/v1/openapi.json")).await;
    assert_eq!(doc["openapi"], "3.1.0");
    // Every path the document names is routed.
    let size = f.node.registry().next_index();
    for (path, _) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{id}", "01.1")
            .replace("{index}", "0")
            .replace("{file}", "01.json")
            .replace("{path}", &format!("0/000.p/{size}"))
            .replace("{hex}", "0000000000000000000000000000000000000000000000000000000000000000")
            .replace("{key}", &format!("{}+{:08x}", f.witness.name(), f.witness.key_id()));
        let req = if path == "/v1/submissions" { post_entry("x", "10.0.0.2") } else { get(&concrete) };
        let (status, _, body) = send_raw(&f.app, req).await;
        let routed = status != StatusCode::NOT_FOUND || body.starts_with(b"{");
        assert!(routed, "{path} ({concrete}) is not routed: {status}");
    }
    let (status, _, _) = send_raw(&f.app, get("/assets/nope.js")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn downloads_are_checksummed_in_a_note_the_log_key_signs() {
    let f = fixture(Limits::default());
    let (status, _, sums) = send_raw(&f.app, get("/downloads/SHA256SUMS")).await;
    assert_eq!(status, StatusCode::OK);
    let note = testigo_note::SignedNote::parse(&sums).unwrap();
    let verified = note.verify(&[f.node.log_key().clone()]).unwrap();
    assert_eq!(verified.verified_by.len(), 1, "SHA256SUMS is not signed by the log key");
    assert!(note.text().starts_with("testigo downloads of router.test.example/log at log size "));
    for name in ["tables.csv", "tables.json", "units.csv", "tally.json"] {
        let (status, _, bytes) = send_raw(&f.app, get(&format!("/downloads/{name}"))).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let line = format!("{}  {name}\n", hex::encode(Sha256::digest(&bytes)));
        assert!(note.text().contains(&line), "{name}: {line} not in {}", note.text());
    }
    let (_, _, csv) = send_raw(&f.app, get("/downloads/tables.csv")).await;
    assert!(text(&csv).contains("president,01.1,01,missing,300,,0,,,,\n"), "{}", text(&csv));
    let (status, _, _) = send_raw(&f.app, get("/downloads/secret.key")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
