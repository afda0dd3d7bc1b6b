//! A small HTTP client for a testigo server's intake API.

use anyhow::{bail, Context};
use serde::Deserialize;

/// What the server answers to an accepted submission.
#[derive(Debug, Deserialize)]
pub struct Accepted {
    /// Log index.
    pub index: u64,
    /// Flag codes raised on the entry.
    pub flags: Vec<String>,
    /// The offline receipt (c2sp.org/tlog-proof).
    pub receipt: String,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: String,
    message: String,
}

/// Posts a signed entry (and optionally its photo) to `server`; returns the
/// acknowledgement or an error carrying the server's code and message.
pub async fn post_entry(server: &str, entry: &[u8], photo: Option<Vec<u8>>) -> anyhow::Result<Accepted> {
    let url = format!("{}/v1/submissions", server.trim_end_matches('/'));
    let client = reqwest::Client::new();
    let text = String::from_utf8(entry.to_vec()).context("entries are UTF-8 signed notes")?;
    let req = match photo {
        None => client.post(&url).json(&serde_json::json!({ "entry": text })),
        Some(photo) => {
            let form = reqwest::multipart::Form::new()
                .part("entry", reqwest::multipart::Part::text(text))
                .part("photo", reqwest::multipart::Part::bytes(photo).file_name("photo"));
            client.post(&url).multipart(form)
        }
    };
    let resp = req.send().await.with_context(|| format!("posting to {url}: is `testigo serve` running there?"))?;
    let status = resp.status();
    let body = resp.bytes().await.context("reading the server's answer")?;
    if status.is_success() {
        return serde_json::from_slice(&body).with_context(|| format!("unexpected answer from {url}"));
    }
    match serde_json::from_slice::<ErrorBody>(&body) {
        Ok(e) => bail!("the server rejected the entry: HTTP {status}, {}: {}", e.error, e.message),
        Err(_) => bail!("the server answered HTTP {status}: {}", String::from_utf8_lossy(&body)),
    }
}

/// Fetches `GET /v1/election` as JSON.
pub async fn election(server: &str) -> anyhow::Result<serde_json::Value> {
    let url = format!("{}/v1/election", server.trim_end_matches('/'));
    let resp = reqwest::get(&url).await.with_context(|| format!("fetching {url}"))?;
    if !resp.status().is_success() {
        bail!("{url} answered HTTP {}", resp.status());
    }
    resp.json().await.with_context(|| format!("parsing {url}"))
}

/// Fetches `GET /v1/tables/{table}` from `server`.
pub async fn table(server: &str, table: &str) -> anyhow::Result<serde_json::Value> {
    let url = format!("{}/v1/tables/{table}", server.trim_end_matches('/'));
    let resp = reqwest::get(&url).await.with_context(|| format!("fetching {url}"))?;
    if !resp.status().is_success() {
        bail!("{url} answered HTTP {}", resp.status());
    }
    resp.json().await.with_context(|| format!("parsing {url}"))
}

/// Runs an async client call on a small runtime.
pub fn block_on<F: std::future::Future>(f: F) -> anyhow::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    Ok(rt.block_on(f))
}
