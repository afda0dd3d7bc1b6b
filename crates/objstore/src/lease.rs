//! The single-writer lease (see the crate documentation).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use object_store::{PutMode, PutOptions, PutPayload, UpdateVersion};
use testigo_tlog::storage::{StorageError, WriterLock};

use crate::bucket::{get, io_error, Bucket};
use crate::log::storage_error;

/// How long a writer's lease lasts without renewal by default: a crashed
/// writer's log can be taken over this long after its last renewal.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The lease object, beside the log's public objects.
pub(crate) const LEASE_KEY: &str = "log.lock";

/// What a storage knows of the lease it took.
#[derive(Debug, Clone)]
pub(crate) enum LeaseStatus {
    /// No lease taken (readers, or tools that write before locking).
    Unlocked,
    /// Held by `holder` (our acquisition); surely ours until `valid_until` (local clock).
    Held { holder: String, valid_until: Instant },
    /// Lost: writing must stop until the lease is taken again.
    Lost { holder: String, why: String },
}

impl LeaseStatus {
    /// Whether this is the state of `holder`'s acquisition.
    fn is_held_by(&self, holder: &str) -> bool {
        match self {
            LeaseStatus::Held { holder: h, .. } | LeaseStatus::Lost { holder: h, .. } => h == holder,
            LeaseStatus::Unlocked => false,
        }
    }

    /// Whether writes may go on.
    pub(crate) fn usable(&self) -> Result<(), String> {
        match self {
            LeaseStatus::Unlocked => Ok(()),
            LeaseStatus::Held { valid_until, .. } if Instant::now() < *valid_until => Ok(()),
            LeaseStatus::Held { .. } => Err("the writer lease could not be renewed in time".into()),
            LeaseStatus::Lost { why, .. } => Err(format!("the writer lease was lost ({why})")),
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// A holder id unique to this acquisition: process, time, counter.
fn holder_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let host = std::env::var("HOSTNAME").unwrap_or_default();
    format!("{host}:{}:{:x}:{}", std::process::id(), now_ms(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn body(holder: &str, expires_ms: u64) -> PutPayload {
    PutPayload::from(format!("testigo writer lease\nholder {holder}\nexpires {expires_ms}\n"))
}

/// The holder and expiry (Unix milliseconds) written in a lease object.
fn parse(bytes: &[u8]) -> Option<(String, u64)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.lines();
    (lines.next()? == "testigo writer lease").then_some(())?;
    let holder = lines.next()?.strip_prefix("holder ")?.to_string();
    let expires = lines.next()?.strip_prefix("expires ")?.parse().ok()?;
    Some((holder, expires))
}

/// The safe part of a lease from the local clock's point of view: counted from
/// before the request was sent, less a margin for clock rate differences.
fn valid_until(sent: Instant, length: Duration) -> Instant {
    sent + length - length / 4
}

/// A held lease: renewed in the background until dropped, then deleted.
pub(crate) struct Lease {
    stop: Option<Sender<()>>,
    renewer: Option<JoinHandle<()>>,
    bucket: Bucket,
    holder: String,
    status: Arc<Mutex<LeaseStatus>>,
}

impl WriterLock for Lease {}

enum Attempt {
    Won(UpdateVersion),
    Held { holder: String, expires_ms: u64 },
    Retry,
}

impl Lease {
    /// Takes the lease, or fails with [`StorageError::Locked`] while another
    /// holder's lease has not expired.
    pub(crate) fn acquire(
        bucket: Bucket,
        length: Duration,
        status: Arc<Mutex<LeaseStatus>>,
    ) -> Result<Lease, StorageError> {
        let key = bucket.key(LEASE_KEY).map_err(|_| StorageError::BadPath(LEASE_KEY.into()))?;
        let holder = holder_id();
        let err = |e: std::io::Error| storage_error("take the writer lease", bucket.location(LEASE_KEY), e);
        for _ in 0..5 {
            let sent = Instant::now();
            let expires_ms = now_ms() + length.as_millis() as u64;
            let (store, key2, holder2) = (bucket.store(), key.clone(), holder.clone());
            let attempt = bucket
                .run(async move {
                    let create = PutOptions::from(PutMode::Create);
                    match store.put_opts(&key2, body(&holder2, expires_ms), create).await {
                        Ok(r) => return Ok(Attempt::Won(r.into())),
                        Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {}
                        Err(e) => return Err(e),
                    }
                    let got = match store.get(&key2).await {
                        Ok(got) => got,
                        Err(object_store::Error::NotFound { .. }) => return Ok(Attempt::Retry),
                        Err(e) => return Err(e),
                    };
                    let version = UpdateVersion { e_tag: got.meta.e_tag.clone(), version: got.meta.version.clone() };
                    let bytes = got.bytes().await?;
                    // An unreadable lease is never taken over: whoever wrote it is unknown, so it
                    // must be deleted by hand once nothing writes the log.
                    let (other, other_expiry) =
                        parse(&bytes).unwrap_or_else(|| ("an unreadable lease".into(), u64::MAX));
                    if other_expiry > now_ms() {
                        return Ok(Attempt::Held { holder: other, expires_ms: other_expiry });
                    }
                    let update = PutOptions::from(PutMode::Update(version));
                    match store.put_opts(&key2, body(&holder2, expires_ms), update).await {
                        Ok(r) => {
                            tracing::warn!(stale = %other, "took over a writer lease that expired without release");
                            Ok(Attempt::Won(r.into()))
                        }
                        Err(object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. }) => {
                            Ok(Attempt::Retry)
                        }
                        Err(e) => Err(e),
                    }
                })
                .map_err(err)?;
            match attempt {
                Ok(Attempt::Won(version)) => {
                    if let Ok(mut s) = status.lock() {
                        *s = LeaseStatus::Held { holder: holder.clone(), valid_until: valid_until(sent, length) };
                    }
                    return Ok(Lease::start(bucket, key, holder, version, length, status));
                }
                Ok(Attempt::Held { holder: other, expires_ms }) => {
                    let left = expires_ms.saturating_sub(now_ms());
                    tracing::warn!(
                        holder = %other,
                        "the writer lease {} is held (expires in {} s unless renewed)",
                        bucket.location(LEASE_KEY),
                        left / 1000
                    );
                    return Err(StorageError::Locked(std::path::PathBuf::from(bucket.location("log"))));
                }
                Ok(Attempt::Retry) => continue,
                Err(object_store::Error::NotImplemented) => {
                    return Err(err(std::io::Error::other(
                        "this object store cannot write conditionally (If-None-Match), so it cannot keep one \
                         writer per log: use S3, MinIO, R2 or another store with conditional writes",
                    )))
                }
                Err(e) => return Err(err(io_error(e))),
            }
        }
        Err(StorageError::Locked(std::path::PathBuf::from(bucket.location("log"))))
    }

    fn start(
        bucket: Bucket,
        key: object_store::path::Path,
        holder: String,
        mut version: UpdateVersion,
        length: Duration,
        status: Arc<Mutex<LeaseStatus>>,
    ) -> Lease {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let (b, h, st) = (bucket.clone(), holder.clone(), status.clone());
        let renewer = std::thread::Builder::new().name("testigo-lease".into()).spawn(move || loop {
            match stopped.recv_timeout(length / 3) {
                Err(RecvTimeoutError::Timeout) => {}
                _ => return,
            }
            let sent = Instant::now();
            let expires_ms = now_ms() + length.as_millis() as u64;
            let (store, key, payload) = (b.store(), key.clone(), body(&h, expires_ms));
            let update = PutOptions::from(PutMode::Update(version.clone()));
            let renewed = b.run(async move { store.put_opts(&key, payload, update).await });
            let mut s = match st.lock() {
                Ok(s) => s,
                Err(_) => return,
            };
            match renewed {
                Ok(Ok(r)) => {
                    version = r.into();
                    if s.is_held_by(&h) {
                        *s = LeaseStatus::Held { holder: h.clone(), valid_until: valid_until(sent, length) };
                    }
                }
                Ok(Err(object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. })) => {
                    tracing::error!("the writer lease {} was taken by another writer", b.location(LEASE_KEY));
                    if s.is_held_by(&h) {
                        *s = LeaseStatus::Lost { holder: h.clone(), why: "another writer took it over".into() };
                    }
                    return;
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot renew the writer lease; retrying"),
                Err(e) => tracing::warn!(error = %e, "cannot renew the writer lease; retrying"),
            }
        });
        let renewer = match renewer {
            Ok(h) => Some(h),
            Err(e) => {
                // Without renewals the lease simply expires and writes stop then.
                tracing::error!(error = %e, "cannot start the writer lease's renewal thread");
                None
            }
        };
        Lease { stop: Some(stop), renewer, bucket, holder, status }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(h) = self.renewer.take() {
            let _ = h.join();
        }
        if let Ok(mut s) = self.status.lock() {
            // Only our own acquisition's state: a later acquisition through the same storage keeps its own.
            if s.is_held_by(&self.holder) {
                *s = LeaseStatus::Unlocked;
            }
        }
        let Ok(key) = self.bucket.key(LEASE_KEY) else { return };
        let (store, holder) = (self.bucket.store(), self.holder.clone());
        // Deleted only if still ours (a lease taken over after expiry is the new holder's).
        let released = self.bucket.run(async move {
            let current = get(store.as_ref(), &key).await?;
            if current.as_deref().and_then(parse).is_some_and(|(h, _)| h == holder) {
                store.delete(&key).await?;
            }
            Ok::<(), object_store::Error>(())
        });
        match released {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot release the writer lease; it expires by itself"),
            Err(e) => tracing::warn!(error = %e, "cannot release the writer lease; it expires by itself"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_bodies_round_trip() {
        let b = format!("testigo writer lease\nholder h:1:2:3\nexpires {}\n", 17);
        assert_eq!(parse(b.as_bytes()), Some(("h:1:2:3".into(), 17)));
        assert_eq!(parse(b"something else"), None);
    }
}
