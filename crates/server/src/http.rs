//! The HTTP surface: intake API, the election and table views, photos, and
//! the log at its C2SP paths.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/submissions` | a signed entry: JSON `{"entry": "<signed note>"}`, or multipart with parts `entry` and `photo` |
//! | `GET /v1/tables/{id}` | every submission for a table, with log index, signer and flags |
//! | `GET /v1/election` | the election definition and log status |
//! | `GET /v1/tally` | the tabulation of the log (`{"log_size", "report"}`), recomputable by any verifier |
//! | `GET /blob/sha256/{hex}` | a photo by SHA-256 |
//! | `GET /checkpoint`, `GET /tile/…` | the log (c2sp.org/tlog-tiles) |

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use testigo_election::Rejection;
use tower_http::timeout::TimeoutLayer;

use crate::blobs::MAX_PHOTO_BYTES;
use crate::logfiles;
use crate::node::{Node, SubmitError};
use crate::ratelimit::RateLimiter;

/// Limits applied by the server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest JSON body (an entry is at most 64 KiB; JSON escaping can double it).
    pub max_json_body: usize,
    /// Largest multipart body (entry + photo).
    pub max_multipart_body: usize,
    /// Average submissions per second per signing key.
    pub per_key_per_second: f64,
    /// Burst of submissions per key.
    pub per_key_burst: f64,
    /// Longest a request may take.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_body: 256 * 1024,
            max_multipart_body: MAX_PHOTO_BYTES + 256 * 1024,
            per_key_per_second: 20.0,
            per_key_burst: 200.0,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    node: Arc<Node>,
    limits: Arc<Limits>,
    rate: Arc<RateLimiter>,
}

/// Error codes the server itself adds to the election crate's rejection codes.
pub const SERVER_ERROR_CODES: &[(&str, u16, &str)] = &[
    ("body_too_large", 413, "the request body is over the size limit"),
    ("rate_limited", 429, "too many submissions from this key; retry after the Retry-After seconds"),
    ("bad_request", 400, "the request is not JSON {\"entry\": …} nor multipart with an entry part"),
    ("internal", 500, "the log could not record the entry; nothing was acknowledged"),
];

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(ErrorBody { error: code, message })).into_response()
}

fn rejection(r: &Rejection) -> Response {
    let status = StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    error(status, r.code(), r.to_string())
}

/// Builds the router.
pub fn router(node: Arc<Node>, limits: Limits) -> Router {
    let rate = Arc::new(RateLimiter::new(limits.per_key_per_second, limits.per_key_burst));
    let timeout = limits.request_timeout;
    let body_limit = limits.max_multipart_body.max(limits.max_json_body);
    let state = AppState { node: node.clone(), limits: Arc::new(limits), rate };
    let log = Router::new()
        .route("/checkpoint", get(logfiles::checkpoint))
        .route("/tile/{*rest}", get(logfiles::tile))
        .with_state(node.storage());
    Router::new()
        .route("/v1/submissions", post(submit))
        .route("/v1/tables/{id}", get(table))
        .route("/v1/election", get(election))
        .route("/v1/tally", get(tally))
        .route("/blob/sha256/{hex}", get(blob))
        .with_state(state)
        .merge(log)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitJson {
    entry: String,
}

async fn read_submission(
    headers: &HeaderMap,
    body: axum::body::Body,
    limits: &Limits,
) -> Result<(Vec<u8>, Option<Vec<u8>>), Response> {
    let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let too_large = |what: &str, max: usize| {
        error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("{what} is over the {max}-byte limit"))
    };
    if ctype.starts_with("multipart/form-data") {
        let req = axum::http::Request::builder()
            .header(header::CONTENT_TYPE, ctype)
            .body(body)
            .map_err(|e| error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))?;
        let mut mp = <Multipart as axum::extract::FromRequest<()>>::from_request(req, &())
            .await
            .map_err(|e| error(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
        let (mut entry, mut photo) = (None, None);
        while let Some(field) = mp.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large("the multipart body", limits.max_multipart_body)
            } else {
                error(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
            }
        })? {
            let name = field.name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large("the multipart body", limits.max_multipart_body)
                } else {
                    error(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
                }
            })?;
            match name.as_str() {
                "entry" => entry = Some(bytes.to_vec()),
                "photo" => {
                    if bytes.len() > MAX_PHOTO_BYTES {
                        return Err(too_large("the photo", MAX_PHOTO_BYTES));
                    }
                    photo = Some(bytes.to_vec())
                }
                other => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        format!("unexpected part {other:?}; send 'entry' and optionally 'photo'"),
                    ))
                }
            }
        }
        let entry =
            entry.ok_or_else(|| error(StatusCode::BAD_REQUEST, "bad_request", "missing 'entry' part".into()))?;
        Ok((entry, photo))
    } else {
        let bytes = axum::body::to_bytes(body, limits.max_json_body)
            .await
            .map_err(|_| too_large("the JSON body", limits.max_json_body))?;
        let parsed: SubmitJson = serde_json::from_slice(&bytes).map_err(|e| {
            error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("expected JSON {{\"entry\": \"<signed note>\"}}: {e}"),
            )
        })?;
        Ok((parsed.entry.into_bytes(), None))
    }
}

/// The signer label (`name+keyid`) of an entry, for rate limiting before verification.
fn signer_label(entry: &[u8]) -> Option<String> {
    let note = testigo_note::SignedNote::parse(entry).ok()?;
    note.signatures().first().map(|s| format!("{}+{:08x}", s.name, s.key_id))
}

async fn submit(State(st): State<AppState>, headers: HeaderMap, body: axum::body::Body) -> Response {
    let (entry, photo) = match read_submission(&headers, body, &st.limits).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(label) = signer_label(&entry) {
        if let Err(wait) = st.rate.take(&label) {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("key {label} is over its rate limit; retry in {wait} s"),
            );
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
    }
    match st.node.submit_async(entry, photo).await {
        Ok(a) => {
            let flags: Vec<&str> = a.flags.iter().map(|f| f.code()).collect();
            let receipt = String::from_utf8_lossy(&a.receipt.to_text()).into_owned();
            (StatusCode::CREATED, Json(json!({ "index": a.index, "flags": flags, "receipt": receipt }))).into_response()
        }
        Err(SubmitError::Rejected(r)) => rejection(&r),
        Err(SubmitError::Internal(e)) => {
            tracing::error!(error = %e, "submission failed internally");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e)
        }
    }
}

async fn table(State(st): State<AppState>, Path(id): Path<String>) -> Response {
    let reg = st.node.registry();
    let (Some(election), Some(t)) = (reg.election(), reg.geography().find_table(&id)) else {
        return error(StatusCode::NOT_FOUND, "unknown_table", format!("no table {id:?} in this election"));
    };
    let geo = reg.geography();
    let path: Vec<_> = geo.ancestors(t).map(|u| json!({"id": geo.unit_id(u), "name": geo.unit_name(u)})).collect();
    let mut subs: Vec<serde_json::Value> = reg
        .sheets_for_table(t)
        .map(|s| {
            let contest = s.contest();
            let votes: serde_json::Map<String, serde_json::Value> =
                contest.candidates.iter().zip(s.votes()).map(|(c, v)| (c.id.clone(), json!(v))).collect();
            let e = s.signer();
            json!({
                "index": s.index(),
                "contest": contest.id,
                "source": s.source().as_str(),
                "signer": {"key": e.verifier.to_vkey(), "holder": e.holder, "organisation": e.organisation, "role": e.role.as_str()},
                "votes": votes,
                "null": s.null(),
                "blank": s.blank(),
                "flags": s.flags().iter().map(|f| f.code()).collect::<Vec<_>>(),
                "signed_at": s.signed_at(),
                "supersedes": s.supersedes(),
                "superseded_by": s.superseded_by(),
                "photo": s.photo_sha256().map(|h| json!({"sha256": h, "url": format!("/blob/sha256/{h}")})),
                "qr": s.qr_check().map(qr_json),
                "photo_qr": s.photo_qr_check().map(qr_json),
            })
        })
        .collect();
    subs.sort_by_key(|v| v["index"].as_u64());
    Json(json!({
        "election": election.id,
        "table": id,
        "registered": geo.table_registered(t),
        "path": path,
        "submissions": subs,
    }))
    .into_response()
}

/// A QR check as the API shows it: outcome, format, signature state (for
/// signed formats) and, for photos, the log index of the reading.
fn qr_json(c: testigo_election::QrCheck) -> serde_json::Value {
    let mut v = json!({"outcome": c.outcome.as_str(), "format": c.format});
    if let Some(sig) = c.signature {
        v["signature"] = json!(sig.as_str());
    }
    if let Some(r) = c.reading {
        v["reading"] = json!(r);
    }
    v
}

/// The tabulation of everything the registry holds (`testigo_tally::published_summary`),
/// with the number of log entries it covers, so a verifier at that size can
/// recompute it and compare byte for byte.
async fn tally(State(st): State<AppState>) -> Response {
    let node = st.node.clone();
    let computed = tokio::task::spawn_blocking(move || {
        let reg = node.registry();
        testigo_tally::published_summary(&reg).map(|r| (reg.next_index(), r.to_json()))
    })
    .await;
    match computed {
        Ok(Some((size, report))) => (
            [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")],
            format!("{{\"log_size\":{size},\"report\":{report}}}"),
        )
            .into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "unknown_election", "the log holds no election yet".into()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
    }
}

async fn election(State(st): State<AppState>) -> Response {
    let reg = st.node.registry();
    let Some(e) = reg.election() else {
        return error(StatusCode::NOT_FOUND, "unknown_election", "the log holds no election yet".into());
    };
    let cp = st.node.checkpoint();
    Json(json!({
        "election": e,
        "units": reg.geography().unit_count(),
        "tables": reg.geography().table_count(),
        "sheets": reg.sheet_count(),
        "enrolments": reg.enrolments().len(),
        "log": {"vkey": st.node.log_key().to_vkey(), "checkpoint": String::from_utf8_lossy(&cp)},
    }))
    .into_response()
}

async fn blob(State(st): State<AppState>, Path(hex): Path<String>) -> Response {
    let node = st.node.clone();
    match tokio::task::spawn_blocking(move || node.blobs().get(&hex)).await {
        Ok(Ok(Some(bytes))) => {
            let ctype = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) { "image/png" } else { "image/jpeg" };
            let mut r = Response::new(axum::body::Body::from(bytes));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(logfiles::FULL_TILE_CACHE));
            r
        }
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "not_found", "no such photo".into()),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "cannot read photo".into()),
    }
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    node: Arc<Node>,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(node, limits)).with_graceful_shutdown(shutdown).await
}
