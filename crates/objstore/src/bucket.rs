//! A store and a prefix, with the runtime that drives the async client.

use std::future::Future;
use std::sync::Arc;

use object_store::path::Path;
use object_store::ObjectStore;

/// A dedicated tokio runtime, shut down without blocking when dropped (so a
/// bucket may be dropped inside another runtime).
struct Rt(Option<tokio::runtime::Runtime>);

impl Drop for Rt {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// An object store, the prefix the log and photos live under, and the runtime
/// their synchronous calls run on. Cheap to clone: clones share the runtime.
#[derive(Clone)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    url: String,
    rt: Arc<Rt>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bucket({})", self.url)
    }
}

impl Bucket {
    /// Wraps `store`, keeping everything under `prefix` (`""` for the whole
    /// store; slashes at either end are ignored). `url` names the place in
    /// messages (e.g. `s3://bucket/prefix`).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, url: impl Into<String>) -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("testigo-objstore")
            .enable_all()
            .build()?;
        let prefix = prefix.trim_matches('/').to_string();
        if !prefix.is_empty() {
            Path::parse(&prefix).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("invalid prefix {prefix:?}: {e}"))
            })?;
        }
        Ok(Bucket { store, prefix, url: url.into().trim_end_matches('/').to_string(), rt: Arc::new(Rt(Some(rt))) })
    }

    /// Where the bucket is, for messages (`s3://bucket/prefix`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The log stored under the prefix (see the crate documentation for the layout).
    pub fn log_storage(&self) -> crate::ObjectStorage {
        crate::ObjectStorage::new(self.clone())
    }

    /// The photo store under the prefix (`blob/sha256/`, staging in `staging/`).
    pub fn photo_store(&self) -> crate::ObjectBlobs {
        crate::ObjectBlobs::new(self.clone())
    }

    pub(crate) fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// The key of `rel` (a path relative to the prefix, already checked by the caller).
    pub(crate) fn key(&self, rel: &str) -> Result<Path, object_store::path::Error> {
        if self.prefix.is_empty() {
            Path::parse(rel)
        } else {
            Path::parse(format!("{}/{rel}", self.prefix))
        }
    }

    /// The full location of `rel`, for messages.
    pub(crate) fn location(&self, rel: &str) -> String {
        format!("{}/{rel}", self.url)
    }

    /// Runs `fut` on the bucket's runtime and waits for it from any thread,
    /// inside another runtime or not (a std channel, never `block_on`).
    pub(crate) fn run<F>(&self, fut: F) -> std::io::Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let Some(rt) = self.rt.0.as_ref() else {
            return Err(std::io::Error::other("the object-store runtime has shut down"));
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| std::io::Error::other("an object-store request was cancelled (runtime shut down)"))
    }
}

/// An `object_store` error as an I/O error, keeping "not found" recognisable.
pub(crate) fn io_error(e: object_store::Error) -> std::io::Error {
    let kind = match &e {
        object_store::Error::NotFound { .. } => std::io::ErrorKind::NotFound,
        object_store::Error::AlreadyExists { .. } => std::io::ErrorKind::AlreadyExists,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
            std::io::ErrorKind::PermissionDenied
        }
        _ => std::io::ErrorKind::Other,
    };
    std::io::Error::new(kind, e)
}

/// Reads an object; `None` if absent.
pub(crate) async fn get(store: &dyn ObjectStore, key: &Path) -> Result<Option<Vec<u8>>, object_store::Error> {
    match store.get(key).await {
        Ok(got) => Ok(Some(got.bytes().await?.to_vec())),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
