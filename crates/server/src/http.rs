//! The HTTP surface: intake API, the election and table views, photos, and
//! the log at its C2SP paths.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/submissions` | a signed entry: JSON `{"entry": "<signed note>"}`, or multipart with parts `entry` and `photo`; answers `201 {"index", "flags", "receipt"}`, plus `photo_qr` (what the photo's QR code says) when a photo came with it |
//! | `POST /v1/enrolment-requests` | a key's signed request to be enrolled, JSON `{"request": "<signed note>"}` (ENTRIES.md §6): checked and kept for the operator ([`crate::requests`]), never logged |
//! | `GET /v1/keys/{name}+{keyid}` | a key's enrolment as the log has it (role, holder, scope, validity, revocation), with the server's clock |
//! | `GET /v1/search?q=…[&scope=UNIT]` | tables matching a table id, unit id or place name (a unit brings its tables), within a unit if asked: the witness app's table picker |
//! | `GET /v1/tables/{id}` | every submission for a table, with log index, signer and flags |
//! | `GET /v1/election` | the election definition and log status |
//! | `GET /v1/tally` | the tabulation of the log (`{"log_size", "report"}`), recomputable by any verifier; computed once per log size, at most every 2 s (or ten build times) while the log grows, gzip-compressed once |
//! | `GET /v1/national.json`, `GET /v1/units/{segment}.json` | one unit's rows of `/v1/tally` (`testigo-unit/1`: its totals, its sub-units' rows, its tables' states) from the same snapshot, a few KB where `/v1/tally` is hundreds of MB at national scale; the static export holds the same files |
//! | `GET /v1/entries/{index}` | one logged entry's bytes (what browsers prove with hash tiles, without its whole bundle) |
//! | `GET /blob/sha256/{hex}` | a photo by SHA-256 |
//! | `GET /checkpoint`, `GET /tile/…` | the log (c2sp.org/tlog-tiles) |
//! | `GET /`, `/{lang}/…`, `/assets/…`, `/downloads/…`, `/v1/openapi.json` | the public website ([`crate::site`]) |

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::conn::ClientAddr;
use crate::logfiles;
use crate::node::{Node, SubmitError};
use crate::ratelimit::{ClientGate, GateConfig, Refusal};
use crate::requests::{RequestDesk, RequestRefusal};
use testigo_store::MAX_PHOTO_BYTES;

/// Limits applied by the HTTP layer (per-key limits are the node's, see
/// [`Node::with_key_rate`]; connection limits are [`crate::conn::ConnLimits`]).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest JSON body (an entry is at most 64 KiB; JSON escaping can double it).
    pub max_json_body: usize,
    /// Largest multipart body (entry + photo).
    pub max_multipart_body: usize,
    /// Longest a request may take, body included.
    pub request_timeout: Duration,
    /// Budgets for requests that fail authentication, per client address and globally.
    pub gate: GateConfig,
    /// What the public website shows beyond the log (the cosigners to trust).
    pub site: crate::site::SiteOptions,
    /// Most enrolment requests of keys not enrolled yet kept at once.
    pub max_pending_requests: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_body: 256 * 1024,
            max_multipart_body: MAX_PHOTO_BYTES + 256 * 1024,
            request_timeout: Duration::from_secs(30),
            gate: GateConfig::default(),
            site: crate::site::SiteOptions::default(),
            max_pending_requests: crate::requests::MAX_PENDING_REQUESTS,
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    node: Arc<Node>,
    limits: Arc<Limits>,
    gate: Arc<ClientGate>,
    /// The website, whose snapshot also serves `/v1/tally`.
    site: Arc<crate::site::Site>,
    /// Where enrolment requests are checked and kept.
    requests: Arc<RequestDesk>,
}

/// Error codes the server itself adds to the election crate's rejection codes.
pub const SERVER_ERROR_CODES: &[(&str, u16, &str)] = &[
    ("bad_request", 400, "the request is not JSON {\"entry\": …} nor multipart with one entry part"),
    ("body_too_large", 413, "the request body is over the size limit"),
    ("unsupported_media_type", 415, "the Content-Type is neither application/json nor multipart/form-data"),
    ("rate_limited", 429, "too many submissions from this key, or too many failed ones from this address"),
    ("internal", 500, "an unexpected failure; nothing was acknowledged"),
    ("overloaded", 503, "the intake queue is full; retry after the Retry-After seconds"),
    ("unavailable", 503, "storage failed or witnesses refuse the log; nothing was acknowledged"),
];

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(ErrorBody { error: code, message })).into_response()
}

fn with_retry_after(mut r: Response, seconds: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn submit_error(e: &SubmitError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let r = error(status, e.code(), e.to_string());
    match e.retry_after() {
        Some(s) => with_retry_after(r, s),
        None => r,
    }
}

/// Builds the router.
pub fn router(node: Arc<Node>, limits: Limits) -> Router {
    let timeout = limits.request_timeout;
    let body_limit = limits.max_multipart_body.max(limits.max_json_body);
    let gate = Arc::new(ClientGate::new(limits.gate));
    let site = crate::site::Site::new(node.clone(), &limits.site);
    let requests = Arc::new(RequestDesk::new(node.dir().enrolment_requests(), limits.max_pending_requests));
    let state = AppState { node: node.clone(), limits: Arc::new(limits), gate, site: site.clone(), requests };
    let log = Router::new()
        .route("/checkpoint", get(logfiles::checkpoint))
        .route("/tile/{*rest}", get(logfiles::tile))
        .with_state(node.storage());
    // Everything readable is public evidence: any page on any origin (a
    // mirror's site, a journalist's tool) may read it, compressed when the
    // client asks.
    let reads = Router::new()
        .route("/v1/tables/{id}", get(table))
        .route("/v1/election", get(election))
        .route("/v1/tally", get(tally))
        .route("/v1/national.json", get(national_json))
        .route("/v1/units/{file}", get(unit_json))
        .route("/v1/receipts/{index}", get(receipt))
        .route("/v1/entries/{index}", get(entry))
        .route("/v1/audits", get(audits))
        .route("/v1/keys/{key}", get(key_status))
        .route("/v1/search", get(search_tables))
        .route("/blob/sha256/{hex}", get(blob))
        .with_state(state.clone())
        .merge(log)
        .merge(crate::site::routes(site))
        .layer(SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
        .layer(CompressionLayer::new().compress_when(logfiles::WorthCompressing));
    Router::new()
        .route("/v1/submissions", post(submit))
        .route("/v1/enrolment-requests", post(enrolment_request))
        .with_state(state)
        .merge(reads)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitJson {
    entry: String,
}

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "bad_request", message.into())
}

fn too_large(what: &str, max: usize) -> Response {
    error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("{what} is over the {max}-byte limit"))
}

/// Reads `{"entry": …}` (Content-Type `application/json`) or multipart with
/// exactly one `entry` part and at most one `photo` part; anything else is
/// refused, so a cross-site form cannot post an entry without a preflight.
async fn read_submission(req: Request, limits: &Limits) -> Result<(Vec<u8>, Option<Vec<u8>>), Response> {
    let ctype = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ctype.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => {
            let bytes = axum::body::to_bytes(req.into_body(), limits.max_json_body)
                .await
                .map_err(|_| too_large("the JSON body", limits.max_json_body))?;
            let parsed: SubmitJson = serde_json::from_slice(&bytes)
                .map_err(|e| bad_request(format!("expected JSON {{\"entry\": \"<signed note>\"}}: {e}")))?;
            Ok((parsed.entry.into_bytes(), None))
        }
        "multipart/form-data" => read_multipart(req, limits).await,
        _ => Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "Content-Type {:?} is not accepted: send application/json {{\"entry\": …}} or multipart/form-data \
                 with parts 'entry' and 'photo'",
                ctype.chars().take(100).collect::<String>()
            ),
        )),
    }
}

async fn read_multipart(req: Request, limits: &Limits) -> Result<(Vec<u8>, Option<Vec<u8>>), Response> {
    // The request keeps its extensions, so the router's body limit applies
    // (a request rebuilt without them fell back to axum's 2 MiB default).
    let mut mp = Multipart::from_request(req, &()).await.map_err(|e| bad_request(e.body_text()))?;
    let too_large_or_bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large("the multipart body", limits.max_multipart_body)
        } else {
            bad_request(e.body_text())
        }
    };
    let (mut entry, mut photo) = (None, None);
    while let Some(field) = mp.next_field().await.map_err(too_large_or_bad)? {
        let name = field.name().unwrap_or("").to_string();
        let slot = match name.as_str() {
            "entry" => &mut entry,
            "photo" => &mut photo,
            other => {
                return Err(bad_request(format!(
                    "unexpected part {:?}; send one 'entry' part and at most one 'photo' part",
                    other.chars().take(100).collect::<String>()
                )))
            }
        };
        if slot.is_some() {
            return Err(bad_request(format!("more than one {name:?} part; send exactly one")));
        }
        let bytes = field.bytes().await.map_err(too_large_or_bad)?;
        let max = if name == "photo" { MAX_PHOTO_BYTES } else { limits.max_json_body };
        if bytes.len() > max {
            return Err(too_large(&format!("the {name} part"), max));
        }
        *slot = Some(bytes.to_vec());
    }
    let entry = entry.ok_or_else(|| bad_request("missing 'entry' part"))?;
    Ok((entry, photo))
}

/// Whether `entry` is signed by the election's operator key (checked only
/// when the global budget for failed requests is spent, so the operator
/// can still enrol and revoke keys during a flood).
fn signed_by_operator(node: &Node, entry: &[u8]) -> bool {
    let Some(operator) = node.registry().operator().cloned() else { return false };
    let Ok(note) = testigo_note::SignedNote::parse(entry) else { return false };
    note.signatures().first().is_some_and(|s| {
        s.name == operator.name()
            && s.key_id == operator.key_id()
            && operator.verify_raw(note.text().as_bytes(), &s.bytes)
    })
}

fn gate_refusal(r: Refusal) -> Response {
    let message = match r {
        Refusal::Client { retry_after } => format!(
            "too many failed submissions from this address; retry in {retry_after} s (check the key and the \
             entry format)"
        ),
        Refusal::Global { retry_after } => {
            format!("the server is receiving a flood of invalid submissions; retry in {retry_after} s")
        }
    };
    with_retry_after(error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message), r.retry_after())
}

async fn submit(State(st): State<AppState>, client: Option<axum::Extension<ClientAddr>>, req: Request) -> Response {
    let ip = client.map(|c| c.0 .0).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let refused = st.gate.admit(ip).err();
    if let Some(r @ Refusal::Client { .. }) = refused {
        return gate_refusal(r);
    }
    let (entry, photo) = match read_submission(req, &st.limits).await {
        Ok(x) => x,
        Err(r) => {
            st.gate.failed(ip);
            return r;
        }
    };
    if let Some(r) = refused {
        if !signed_by_operator(&st.node, &entry) {
            return gate_refusal(r);
        }
    }
    let with_photo = photo.is_some();
    match st.node.submit_async(entry, photo).await {
        Ok(a) => {
            st.gate.authenticated(ip);
            let flags: Vec<&str> = a.flags.iter().map(|f| f.code()).collect();
            let receipt = String::from_utf8_lossy(&a.receipt.to_text()).into_owned();
            let mut answer = json!({ "index": a.index, "flags": flags, "receipt": receipt });
            if with_photo {
                // Decoding the logged codes again is string work (and at most a
                // few signature checks for a BU): no need to leave the worker.
                answer["photo_qr"] = photo_qr_answer(&st.node.registry(), a.index);
            }
            (StatusCode::CREATED, Json(answer)).into_response()
        }
        Err(e) => {
            if (400..500).contains(&e.http_status()) && e.http_status() != 429 {
                st.gate.failed(ip);
            }
            if matches!(e, SubmitError::Internal(_)) {
                tracing::error!(error = %e, "submission failed internally");
            }
            submit_error(&e)
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
                // The signed entry with its inclusion proof, checkable offline.
                "receipt": format!("/v1/receipts/{}", s.index()),
                "contest": contest.id,
                "source": s.source().as_str(),
                "signer": {"key": e.verifier.to_vkey(), "holder": e.holder, "organisation": e.organisation, "role": e.role.as_str(), "enrolled_at": e.index},
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

/// What the server read from the photo of the sheet at `index`, for the
/// witness to compare with what they typed: the reading entry (`reading`,
/// or null when photos are not read), the codes it lists, the photo check's
/// `outcome`, `format` (and `why`, `signature` as in `/v1/tables`), and
/// `counts`, what the chosen code says for the sheet's contest (`table`
/// when the code names one, `votes` per candidate id, `null` when the
/// format carries it), or null when no code could be read.
fn photo_qr_answer(reg: &testigo_election::Registry, index: u64) -> serde_json::Value {
    let Some(sheet) = reg.sheet_at(index) else { return serde_json::Value::Null };
    let logged = sheet.photo_sha256().and_then(|h| reg.photo_reading(&h).map(|(i, codes)| (i, codes.to_vec())));
    let check = sheet.photo_qr_check();
    let counts = sheet.photo_qr_reading().and_then(|r| r.counts.ok()).map(|c| {
        let mut v = json!({ "votes": c.votes });
        if let Some(t) = c.table {
            v["table"] = json!(t);
        }
        if let Some(n) = c.null {
            v["null"] = json!(n);
        }
        v
    });
    let mut v = match &check {
        Some(c) => qr_json(c.clone()),
        None => json!({ "outcome": null, "format": null }),
    };
    v["reading"] = json!(check.as_ref().and_then(|c| c.reading).or(logged.as_ref().map(|(i, _)| *i)));
    v["codes"] = json!(logged.map(|(_, codes)| codes).unwrap_or_default());
    v["counts"] = json!(counts);
    v
}

/// Largest body of `POST /v1/enrolment-requests`: a request is at most
/// 4 KiB, and JSON escaping can at most sextuple it.
const MAX_REQUEST_BODY: usize = 32 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestJson {
    request: String,
}

/// `POST /v1/enrolment-requests`: `{"request": "<signed note>"}`, a key's
/// request to be enrolled. Kept for the operator (`201 {"key", "status":
/// "pending"}`, or `200` with the same body if that very request is kept
/// already); never logged. Goes through the client gate like submissions:
/// a bad request is charged to its address. A good one is not counted as
/// authenticated: anyone can make a key and sign a request with it.
async fn enrolment_request(
    State(st): State<AppState>,
    client: Option<axum::Extension<ClientAddr>>,
    req: Request,
) -> Response {
    let ip = client.map(|c| c.0 .0).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if let Err(r) = st.gate.admit(ip) {
        return gate_refusal(r);
    }
    let ctype = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ctype.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime != "application/json" {
        st.gate.failed(ip);
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the request as application/json {\"request\": \"<signed note>\"}".into(),
        );
    }
    let body = match axum::body::to_bytes(req.into_body(), MAX_REQUEST_BODY).await {
        Ok(b) => b,
        Err(_) => {
            st.gate.failed(ip);
            return too_large("the JSON body", MAX_REQUEST_BODY);
        }
    };
    let parsed: RequestJson = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => {
            st.gate.failed(ip);
            return bad_request(format!("expected JSON {{\"request\": \"<signed note>\"}}: {e}"));
        }
    };
    let (node, desk) = (st.node.clone(), st.requests.clone());
    let filed = tokio::task::spawn_blocking(move || desk.file(&node, parsed.request.as_bytes())).await;
    match filed {
        Ok(Ok(f)) => {
            let status = if f.new { StatusCode::CREATED } else { StatusCode::OK };
            (status, Json(json!({ "key": f.key, "status": "pending" }))).into_response()
        }
        Ok(Err(r)) => {
            if r.is_client_error() {
                st.gate.failed(ip);
            }
            let status = StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let answer = error(status, r.code(), r.to_string());
            match r {
                RequestRefusal::Full { .. } => with_retry_after(answer, 3600),
                RequestRefusal::Storage => with_retry_after(answer, 30),
                _ => answer,
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "enrolment request task failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request could not be handled".into())
        }
    }
}

/// `GET /v1/keys/{name}+{keyid}`: the enrolment of the key with that name
/// and key ID (8 lower-case hex digits, as in its verifier key line) as the
/// log has it, with the server's clock (`now`) so a device can tell whether
/// it is valid without trusting its own; `404 unknown_key` (saying whether
/// a request of it waits) if the log has none.
async fn key_status(State(st): State<AppState>, Path(key): Path<String>) -> Response {
    let parsed = key.rsplit_once('+').and_then(|(name, id)| {
        let hex_ok = id.len() == 8 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let id = u32::from_str_radix(id, 16).ok().filter(|_| hex_ok)?;
        (!name.is_empty()).then_some((name.to_string(), id))
    });
    let Some((name, id)) = parsed else {
        return bad_request(format!(
            "{:?} does not name a key: give the key name and key ID as in its verifier key line, \
             `name+0123abcd`",
            key.chars().take(200).collect::<String>()
        ));
    };
    let found = {
        let reg = st.node.registry();
        reg.enrolment_for(&name, id).map(|e| {
            let geo = reg.geography();
            json!({
                "key": e.verifier.to_vkey(),
                "index": e.index,
                "role": e.role.as_str(),
                "holder": e.holder,
                "organisation": e.organisation,
                "scope": e.scope,
                "scope_name": e.scope.as_deref().and_then(|s| geo.find_unit(s)).map(|u| geo.unit_name(u)),
                "valid_from": e.valid_from,
                "valid_until": e.valid_until,
                "revoked": e.revoked.as_ref().map(|r| json!({ "index": r.index, "reason": r.reason })),
                "now": crate::node::unix_now(),
            })
        })
    };
    match found {
        Some(v) => ([(header::CACHE_CONTROL, "no-cache")], Json(v)).into_response(),
        None => {
            let desk = st.requests.clone();
            let (n, label) = (name.clone(), format!("{name}+{id:08x}"));
            let pending = tokio::task::spawn_blocking(move || desk.pending(&n, id)).await.unwrap_or(false);
            let message = if pending {
                format!(
                    "{label} is not enrolled in this log; its enrolment request is pending: the operator has not \
                     granted it yet"
                )
            } else {
                format!(
                    "{label} is not enrolled in this log, and no enrolment request of it is pending here: send one \
                     (POST /v1/enrolment-requests) or ask the operator"
                )
            };
            let mut r = error(StatusCode::NOT_FOUND, "unknown_key", message);
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
    }
}

/// `GET /v1/search` parameters.
#[derive(Deserialize)]
struct SearchParams {
    /// The words typed: table or unit ids, unit names (accents and case ignored).
    q: String,
    /// A unit id: only tables under it (a witness key's scope).
    scope: Option<String>,
}

/// Most tables `/v1/search` lists.
const MAX_SEARCH_TABLES: usize = 50;

/// `GET /v1/search?q=…[&scope=UNIT]`: the tables matching the query, for the
/// witness app's table picker. `{"tables": [{"id", "path"}], "more": bool}`;
/// a unit that matches brings its own tables (a polling centre found by its
/// name lists its tables). Answered from the site's search index, built once
/// per geography, off the intake path.
async fn search_tables(State(st): State<AppState>, Query(p): Query<SearchParams>) -> Response {
    if p.q.len() > 200 {
        return bad_request("the query is over 200 bytes: type a table id or a place name");
    }
    let site = st.site.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let snap = site.snapshot_for_api()?;
        let geo = &snap.geo;
        let scope = p.scope.as_deref().map(|id| geo.find_unit(id).ok_or_else(|| id.to_string())).transpose();
        let scope = match scope {
            Ok(s) => s,
            Err(id) => return Some(Err(id)),
        };
        let (hits, mut more) = snap.search().query(&p.q);
        let mut tables = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut take = |t| {
            if scope.is_none_or(|u| geo.is_under(t, u)) && seen.insert(t) {
                tables.push(t);
            }
            tables.len() <= MAX_SEARCH_TABLES
        };
        'hits: for hit in hits {
            match hit {
                testigo_site::search::Hit::Table(i) => {
                    if let Some(t) = geo.table_at(i) {
                        if !take(t) {
                            break 'hits;
                        }
                    }
                }
                // A unit brings the tables of every unit under it, depth first,
                // stopping as soon as the answer is full.
                testigo_site::search::Hit::Unit(i) => {
                    let mut stack: Vec<_> = geo.unit_at(i).into_iter().collect();
                    while let Some(u) = stack.pop() {
                        for t in geo.unit_tables(u) {
                            if !take(t) {
                                break 'hits;
                            }
                        }
                        stack.extend(geo.unit_children(u));
                    }
                }
            }
        }
        if tables.len() > MAX_SEARCH_TABLES {
            more = true;
            tables.truncate(MAX_SEARCH_TABLES);
        }
        let listed: Vec<_> = tables
            .into_iter()
            .map(|t| {
                let mut path: Vec<&str> = geo.ancestors(t).map(|u| geo.unit_name(u)).collect();
                path.reverse();
                json!({"id": geo.table_id(t), "path": path.join(" › ")})
            })
            .collect();
        Some(Ok(json!({"tables": listed, "more": more})))
    })
    .await;
    match answer {
        Ok(Some(Ok(doc))) => ([(header::CACHE_CONTROL, "no-cache")], Json(doc)).into_response(),
        Ok(Some(Err(id))) => error(StatusCode::NOT_FOUND, "unknown_unit", format!("no unit {id:?} in this election")),
        Ok(None) => error(StatusCode::NOT_FOUND, "unknown_election", "the log holds no election yet".into()),
        Err(e) => {
            tracing::error!(error = %e, "search task failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the search failed".into())
        }
    }
}

/// A QR check as the API shows it: outcome, format, signature state (for
/// signed formats) and, for photos, the log index of the reading.
fn qr_json(c: testigo_election::QrCheck) -> serde_json::Value {
    let mut v = json!({"outcome": c.outcome.as_str(), "format": c.format});
    if let Some(why) = &c.why {
        v["why"] = json!(why.as_ref());
    }
    if let Some(sig) = c.signature {
        v["signature"] = json!(sig.as_str());
    }
    if let Some(r) = c.reading {
        v["reading"] = json!(r);
    }
    v
}

/// Whether a request's `Accept-Encoding` takes gzip (bodies compressed once
/// and kept are served as they are to such readers).
pub(crate) fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').any(|e| {
            let mut parts = e.split(';').map(str::trim);
            // `gzip;q=0` refuses it.
            parts.next() == Some("gzip") && !parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse() == Ok(0.0)))
        })
    })
}

/// Marks a response whose body is already gzip-compressed (compressed once
/// and kept): the headers say so, and the compression layer leaves it alone.
pub(crate) fn precompressed(mut r: Response) -> Response {
    r.headers_mut().insert(header::CONTENT_ENCODING, axum::http::HeaderValue::from_static("gzip"));
    r.headers_mut().insert(header::VARY, axum::http::HeaderValue::from_static("Accept-Encoding"));
    r.extensions_mut().insert(crate::logfiles::Incompressible);
    r
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`); weak
/// forms match too, as RFC 9110 has it for GET.
fn matches_etag(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag))
}

/// Headers of a JSON document named by `etag` (a function of the log size it
/// covers): never reused without asking, answered `304` while it holds.
fn named_json_headers(etag: &str) -> axum::http::HeaderMap {
    let mut h = axum::http::HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h
}

/// The tabulation of the log with the number of entries it covers
/// (`{"log_size", "report"}`, as `testigo_tally::published_document`), so a
/// verifier at that size can recompute it and compare. It is the website's
/// snapshot's: computed once per log size and at most every
/// [`crate::site::REBUILD_EVERY`] while the log grows, never per request, so
/// readers cannot keep the registry busy; it may lag the log by that much.
async fn tally(State(st): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let gzip = accepts_gzip(&headers);
    let site = st.site.clone();
    let pick = move |snap: &testigo_site::Snapshot| {
        let document = if gzip { snap.tally_document_gzip().clone() } else { snap.tally_document().clone() };
        (snap.log_size, document)
    };
    let computed = match site.fresh_enough() {
        Some(snap) if snap.tally_ready(gzip) => Ok(Some(pick(&snap))),
        _ => tokio::task::spawn_blocking(move || site.snapshot_for_api().map(|s| pick(&s))).await,
    };
    match computed {
        Ok(Some((log_size, document))) => {
            // The document is a function of the log's first `log_size` entries
            // (and of this version's rules), so that names it: a verifier or a
            // CDN that polls with If-None-Match gets 304 until the log grows,
            // instead of the whole document (72 MB gzipped at a million tables).
            let etag = format!("\"tally-{}-{log_size}{}\"", env!("CARGO_PKG_VERSION"), if gzip { "-gzip" } else { "" });
            let mut headers_out = named_json_headers(&etag);
            headers_out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
            if matches_etag(&headers, &etag) {
                return (StatusCode::NOT_MODIFIED, headers_out).into_response();
            }
            let r = (headers_out, document).into_response();
            // Compressed once per snapshot, if the reader takes gzip.
            if gzip {
                precompressed(r)
            } else {
                r
            }
        }
        Ok(None) => error(StatusCode::NOT_FOUND, "unknown_election", "the log holds no election yet".into()),
        Err(e) => {
            tracing::error!(error = %e, "tally task failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the tally could not be computed".into())
        }
    }
}

/// `GET /v1/national.json`: the election's rows of `/v1/tally` with its
/// top-level units' ([`testigo_site::unit_json`]).
async fn national_json(State(st): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    unit_document(st, headers, testigo_site::UnitRef::National).await
}

/// `GET /v1/units/{segment}.json`: one unit's rows of `/v1/tally`, its
/// sub-units' rows and its tables' states ([`testigo_site::unit_json`]).
async fn unit_json(State(st): State<AppState>, headers: axum::http::HeaderMap, Path(file): Path<String>) -> Response {
    match testigo_site::UnitRef::from_units_file(&file) {
        Some(unit) => unit_document(st, headers, unit).await,
        None => error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "{file:?} names no unit document: ask for /v1/units/<unit id>.json, writing any byte of the id \
                 other than a letter, digit, '_', '-' or a '.' not first as ~XX (hex)"
            ),
        ),
    }
}

/// One unit's document from the website's snapshot (the one `/v1/tally`
/// serves, so they agree at the same `log_size`), with an ETag naming the
/// log size it covers: a reader polling one unit gets `304` until the log grows.
async fn unit_document(st: AppState, headers: axum::http::HeaderMap, unit: testigo_site::UnitRef) -> Response {
    let site = st.site.clone();
    let snap = match site.fresh_enough() {
        Some(snap) => Ok(Some(snap)),
        None => tokio::task::spawn_blocking(move || site.snapshot_for_api()).await,
    };
    let snap = match snap {
        Ok(Some(snap)) => snap,
        Ok(None) => return error(StatusCode::NOT_FOUND, "unknown_election", "the log holds no election yet".into()),
        Err(e) => {
            tracing::error!(error = %e, "snapshot task failed");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the tally could not be computed".into());
        }
    };
    let etag = format!("\"unit-{}-{}\"", env!("CARGO_PKG_VERSION"), snap.log_size);
    let headers_out = named_json_headers(&etag);
    if matches_etag(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, headers_out).into_response();
    }
    match (testigo_site::unit_json(&snap, &unit), unit) {
        (Some(body), _) => (headers_out, body).into_response(),
        (None, testigo_site::UnitRef::Unit(id)) => error(
            StatusCode::NOT_FOUND,
            "unknown_unit",
            format!("no unit {id:?} in the geography; /v1/search?q=NAME finds units by name"),
        ),
        (None, testigo_site::UnitRef::National) => {
            error(StatusCode::NOT_FOUND, "unknown_election", "the log holds no election yet".into())
        }
    }
}

/// `GET /v1/entries/{index}`: one logged entry, byte for byte. A browser
/// checking a table page reads the election and enrolment entries this way
/// (a few hundred bytes each) instead of their entry bundles (megabytes of
/// geography), and proves each with hash tiles like any other entry.
async fn entry(State(st): State<AppState>, Path(index): Path<String>) -> Response {
    let Ok(index) = index.parse::<u64>() else {
        return error(StatusCode::NOT_FOUND, "not_found", format!("{index:?} is not a log index"));
    };
    let node = st.node.clone();
    match tokio::task::spawn_blocking(move || node.entry_at(index)).await {
        Ok(Ok(Some(bytes))) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                // An index names one entry forever.
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "not_found", format!("the log has no entry {index} yet")),
        Ok(Err(e)) => submit_error(&e),
        Err(e) => {
            tracing::error!(error = %e, "entry task failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the entry could not be read".into())
        }
    }
}

/// `GET /v1/receipts/{index}`: the receipt (c2sp.org/tlog-proof) of any
/// logged entry against the latest checkpoint, the signed entry in its
/// `extra` line, so that anyone can check a sheet offline with
/// `testigo log check-receipt` and the log's verifier key.
async fn receipt(State(st): State<AppState>, Path(index): Path<String>) -> Response {
    let Ok(index) = index.parse::<u64>() else {
        return error(StatusCode::NOT_FOUND, "not_found", format!("{index:?} is not a log index"));
    };
    let node = st.node.clone();
    match tokio::task::spawn_blocking(move || node.receipt_at(index)).await {
        Ok(Ok(Some(r))) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], r.to_text())
                .into_response()
        }
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "not_found", format!("the log has no entry {index} yet")),
        Ok(Err(e)) => submit_error(&e),
        Err(e) => {
            tracing::error!(error = %e, "receipt task failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the receipt could not be built".into())
        }
    }
}

/// Every risk-limiting audit in the log, recomputed from it
/// (`testigo_audit::progress::audits_json`): what `testigo audit status`
/// and `testigo verify` compute from a copy.
async fn audits(State(st): State<AppState>) -> Response {
    let doc = testigo_audit::progress::audits_json(&st.node.registry());
    ([(header::CACHE_CONTROL, "no-cache")], Json(doc)).into_response()
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
        // The document-signing keys the log trusts (e.g. Brazil's BU keys), with where each entry is.
        "trusted_keys": reg.trusts().iter().map(|t| json!({"index": t.index, "trust": t.trust})).collect::<Vec<_>>(),
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

/// Serves until `shutdown` resolves, then finishes in-flight requests; see
/// [`crate::conn`] for the connection limits.
pub async fn serve(
    listener: tokio::net::TcpListener,
    node: Arc<Node>,
    limits: Limits,
    conn_limits: crate::conn::ConnLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::conn::serve(listener, router(node, limits), conn_limits, shutdown).await
}

#[cfg(test)]
mod tests {
    //! The error answers and the operator check; the routes themselves are
    //! tested through the router in `tests/router*.rs`.

    use super::*;
    use crate::node::tests::{fixture, readme_codes, sheet, signed};
    use testigo_election::{Rejection, REJECTION_CODES};

    async fn parts(r: Response) -> (StatusCode, Option<String>, String, serde_json::Value) {
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let retry = parts.headers.get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_string());
        let ctype = parts.headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
        (parts.status, retry, ctype.unwrap_or_default(), serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn every_documented_code_is_one_the_server_or_the_rules_produce_with_that_status() {
        let readme = readme_codes();
        for (code, status, _) in SERVER_ERROR_CODES {
            assert_eq!(readme.get(*code), Some(status), "README's bad-input table disagrees for {code}");
        }
        for code in REJECTION_CODES {
            assert!(readme.contains_key(*code), "README's bad-input table lacks {code}");
        }
        for code in readme.keys() {
            assert!(
                SERVER_ERROR_CODES.iter().any(|(c, ..)| c == code) || REJECTION_CODES.contains(&code.as_str()),
                "README documents {code}, which nothing produces"
            );
        }
    }

    #[test]
    fn the_default_limits_are_the_documented_ones() {
        let l = Limits::default();
        assert_eq!(l.max_json_body, 256 * 1024);
        assert_eq!(MAX_PHOTO_BYTES, 10 * 1024 * 1024);
        assert!(l.max_multipart_body >= MAX_PHOTO_BYTES + l.max_json_body);
        assert_eq!(l.request_timeout, Duration::from_secs(30));
    }

    #[tokio::test]
    async fn submit_errors_are_json_with_their_code_status_and_retry_after() {
        let cases = [
            (SubmitError::Rejected(Rejection::UnknownTable("9".into())), 404, "unknown_table", None),
            (SubmitError::RateLimited { key: "k+1".into(), retry_after: 12 }, 429, "rate_limited", Some("12")),
            (SubmitError::Overloaded { retry_after: 1 }, 503, "overloaded", Some("1")),
            (SubmitError::Unavailable { why: "disk".into(), retry_after: 30 }, 503, "unavailable", Some("30")),
            (SubmitError::Internal("details".into()), 500, "internal", None),
        ];
        for (e, status, code, retry) in cases {
            let (st, retry_after, ctype, body) = parts(submit_error(&e)).await;
            assert_eq!((st.as_u16(), retry_after.as_deref(), body["error"].as_str()), (status, retry, Some(code)));
            assert_eq!(ctype, "application/json");
            assert_eq!(body["message"], e.to_string());
            assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
        }
    }

    #[tokio::test]
    async fn gate_refusals_are_429_with_retry_after() {
        for (r, needle) in
            [(Refusal::Client { retry_after: 50 }, "this address"), (Refusal::Global { retry_after: 3 }, "flood")]
        {
            let (st, retry, _, body) = parts(gate_refusal(r)).await;
            assert_eq!((st, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
            assert_eq!(retry, Some(r.retry_after().to_string()));
            assert!(body["message"].as_str().unwrap().contains(needle), "{body}");
        }
    }

    #[test]
    fn only_a_note_verified_by_the_operator_key_counts_as_the_operator_s() {
        let f = fixture();
        let by_op = signed(&sheet("01.1"), &f.op);
        assert!(signed_by_operator(&f.node, &by_op));
        assert!(!signed_by_operator(&f.node, &signed(&sheet("01.1"), &f.w1)));
        assert!(!signed_by_operator(&f.node, b"not a note"));
        // Altered after signing: the name and key ID match, the signature does not.
        let altered = String::from_utf8(by_op).unwrap().replacen("\"null\":0", "\"null\":1", 1);
        assert!(!signed_by_operator(&f.node, altered.as_bytes()));
        // Another key using the operator's name.
        let impostor = crate::node::tests::key(f.op.name(), 77);
        assert!(!signed_by_operator(&f.node, &signed(&sheet("01.1"), &impostor)));
    }
}
