//! The witness's HTTP interface (c2sp.org/tlog-witness).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::witness::{AddError, Witness};

/// The largest request body accepted: 63 proof lines plus a checkpoint with
/// up to 100 signatures fit easily.
const MAX_BODY: usize = 64 * 1024;

/// The witness's routes: `POST /add-checkpoint` and `GET /<origin hash>/checkpoint`.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{hash}/checkpoint", get(latest))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(witness)
}

/// Serves the witness on `listener` until the future is dropped or the server fails.
pub async fn serve(listener: tokio::net::TcpListener, witness: Arc<Witness>) -> std::io::Result<()> {
    axum::serve(listener, router(witness)).await
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: Bytes) -> Response {
    // Verification and the fsync'd write block: keep them off the async workers.
    let result = tokio::task::spawn_blocking(move || w.add_checkpoint(&body)).await;
    match result {
        Ok(Ok(lines)) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], lines).into_response(),
        Ok(Err(AddError::Conflict(size))) => {
            (StatusCode::CONFLICT, [(header::CONTENT_TYPE, "text/x.tlog.size")], format!("{size}\n")).into_response()
        }
        Ok(Err(e)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{e}\n")).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("internal error: {e}\n")).into_response(),
    }
}

async fn latest(State(w): State<Arc<Witness>>, Path(hash): Path<String>) -> Response {
    match w.latest_by_hash(&hash) {
        Some(bytes) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response(),
        None => (StatusCode::NOT_FOUND, "no checkpoint cosigned for this log\n").into_response(),
    }
}
