//! Serves a log's files at their C2SP URL paths with the caching the spec
//! asks for: full tiles and bundles are immutable, partial ones short-lived,
//! the checkpoint barely cached at all.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use testigo_tlog::storage::Storage;
use testigo_tlog::TileId;

/// Cache-Control for the checkpoint: it changes with every batch.
pub const CHECKPOINT_CACHE: &str = "public, max-age=2, must-revalidate";
/// Cache-Control for full tiles and bundles: they never change.
pub const FULL_TILE_CACHE: &str = "public, max-age=31536000, immutable";
/// Cache-Control for partial tiles: their content never changes, but they are
/// deleted once the full tile exists, so caches should not keep them long.
pub const PARTIAL_TILE_CACHE: &str = "public, max-age=60";

fn reply(bytes: Vec<u8>, content_type: &'static str, cache: &'static str) -> Response {
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    r
}

/// Marks a response whose body would not get smaller compressed (hash
/// tiles), so the compression layer leaves it alone.
#[derive(Clone, Copy, Debug)]
pub struct Incompressible;

/// The compression layer's rule: what tower-http compresses by default
/// (bodies over 32 bytes, not images, not event streams) except responses
/// marked [`Incompressible`].
#[derive(Clone, Copy, Debug, Default)]
pub struct WorthCompressing;

impl tower_http::compression::Predicate for WorthCompressing {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response.extensions().get::<Incompressible>().is_none()
            && tower_http::compression::DefaultPredicate::new().should_compress(response)
    }
}

/// `GET /checkpoint`.
pub async fn checkpoint(State(storage): State<Arc<dyn Storage>>) -> Response {
    match tokio::task::spawn_blocking(move || storage.read("checkpoint")).await {
        Ok(Ok(Some(b))) => reply(b, "text/plain; charset=utf-8", CHECKPOINT_CACHE),
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "no checkpoint yet").into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "cannot read checkpoint").into_response(),
    }
}

/// `GET /tile/{*rest}`: tiles and entry bundles, validated as C2SP paths.
pub async fn tile(State(storage): State<Arc<dyn Storage>>, Path(rest): Path<String>) -> Response {
    let path = format!("tile/{rest}");
    let Ok(id) = TileId::parse_path(&path) else {
        return (StatusCode::NOT_FOUND, "not a tile path").into_response();
    };
    let cache = if id.is_full() { FULL_TILE_CACHE } else { PARTIAL_TILE_CACHE };
    let hashes = id.level.is_some();
    match tokio::task::spawn_blocking(move || storage.read(&path)).await {
        Ok(Ok(Some(b))) => {
            let mut r = reply(b, "application/octet-stream", cache);
            if hashes {
                // SHA-256 hashes do not compress; entry bundles (text) do.
                r.extensions_mut().insert(Incompressible);
            }
            r
        }
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "no such tile").into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "cannot read tile").into_response(),
    }
}
