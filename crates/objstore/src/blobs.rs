//! [`ObjectBlobs`]: the photo store in a bucket.

use std::sync::atomic::{AtomicU64, Ordering};

use object_store::PutPayload;
use testigo_store::blobs::{blob_name, is_blob_name, BlobStore, Staged};

use crate::bucket::{get, io_error, Bucket};

/// Where staged photos go: outside `blob/`, never served.
const STAGING: &str = "staging";
/// Where public photos go: their URL path.
const PUBLIC: &str = "blob/sha256";

/// Photos in a bucket: staged under `staging/` (never served), published by a
/// server-side copy to `blob/sha256/<hex>` (their URL path) and the staged
/// object deleted. Implements [`BlobStore`].
#[derive(Debug)]
pub struct ObjectBlobs {
    bucket: Bucket,
    /// Distinguishes this instance's staged names from another process's.
    instance: String,
    next_staged: AtomicU64,
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, what.to_string())
}

impl ObjectBlobs {
    /// The photo store under `bucket`'s prefix.
    pub fn new(bucket: Bucket) -> Self {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        ObjectBlobs { bucket, instance: format!("{}-{nanos:x}", std::process::id()), next_staged: AtomicU64::new(0) }
    }

    /// Deletes everything in staging (photos of sheets an earlier run never
    /// logged); call it when the single writer starts. Returns how many were deleted.
    pub fn clear_staging(&self) -> std::io::Result<usize> {
        let dir = self.bucket.key(STAGING).map_err(|e| invalid(&e.to_string()))?;
        let store = self.bucket.store();
        self.bucket
            .run(async move {
                let listed = store.list_with_delimiter(Some(&dir)).await?;
                let n = listed.objects.len();
                for o in listed.objects {
                    match store.delete(&o.location).await {
                        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(n)
            })?
            .map_err(io_error)
    }

    fn public_key(&self, hex: &str) -> std::io::Result<object_store::path::Path> {
        self.bucket.key(&format!("{PUBLIC}/{hex}")).map_err(|e| invalid(&e.to_string()))
    }

    /// The staged object of `staged`: its handle is a name in staging, never a path.
    fn staged_key(&self, staged: &Staged) -> std::io::Result<object_store::path::Path> {
        let name = staged.handle();
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(invalid("not a staged blob of this store"));
        }
        self.bucket.key(&format!("{STAGING}/{name}")).map_err(|e| invalid(&e.to_string()))
    }

    fn context(&self, what: &str, rel: &str) -> impl FnOnce(std::io::Error) -> std::io::Error + '_ {
        let location = self.bucket.location(rel);
        let what = what.to_string();
        move |e| std::io::Error::new(e.kind(), format!("{what} {location}: {e}"))
    }
}

impl BlobStore for ObjectBlobs {
    fn stage(&self, bytes: &[u8]) -> std::io::Result<Staged> {
        let sha256 = blob_name(bytes);
        let n = self.next_staged.fetch_add(1, Ordering::Relaxed);
        let handle = format!("{sha256}.{}-{n}", self.instance);
        let rel = format!("{STAGING}/{handle}");
        let key = self.bucket.key(&rel).map_err(|e| invalid(&e.to_string()))?;
        let (store, payload) = (self.bucket.store(), PutPayload::from(bytes.to_vec()));
        self.bucket
            .run(async move { store.put(&key, payload).await.map(drop) })?
            .map_err(io_error)
            .map_err(self.context("staging a photo at", &rel))?;
        Ok(Staged::new(sha256, handle))
    }

    fn publish(&self, staged: Staged) -> std::io::Result<String> {
        let from = self.staged_key(&staged)?;
        if !is_blob_name(staged.sha256()) {
            return Err(invalid("not a blob name"));
        }
        let rel = format!("{PUBLIC}/{}", staged.sha256());
        let to = self.public_key(staged.sha256())?;
        let store = self.bucket.store();
        self.bucket
            .run(async move {
                match store.head(&to).await {
                    Ok(_) => {}
                    Err(object_store::Error::NotFound { .. }) => store.copy(&from, &to).await?,
                    Err(e) => return Err(e),
                }
                // The public copy is in place; the staged one is no longer needed.
                match store.delete(&from).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            })?
            .map_err(io_error)
            .map_err(self.context("publishing a photo at", &rel))?;
        Ok(staged.sha256().to_string())
    }

    fn discard(&self, staged: Staged) {
        let removed = self.staged_key(&staged).and_then(|key| {
            let store = self.bucket.store();
            self.bucket.run(async move { store.delete(&key).await })?.map_err(io_error)
        });
        if let Err(e) = removed {
            tracing::warn!(error = %e, "cannot delete a refused photo from staging");
        }
    }

    fn get(&self, hex: &str) -> std::io::Result<Option<Vec<u8>>> {
        if !is_blob_name(hex) {
            return Ok(None);
        }
        let key = self.public_key(hex)?;
        let store = self.bucket.store();
        self.bucket
            .run(async move { get(store.as_ref(), &key).await })?
            .map_err(io_error)
            .map_err(self.context("reading the photo", &format!("{PUBLIC}/{hex}")))
    }

    fn contains(&self, hex: &str) -> std::io::Result<bool> {
        let hex = hex.to_ascii_lowercase();
        if !is_blob_name(&hex) {
            return Ok(false);
        }
        let key = self.public_key(&hex)?;
        let store = self.bucket.store();
        self.bucket
            .run(async move {
                match store.head(&key).await {
                    Ok(_) => Ok(true),
                    Err(object_store::Error::NotFound { .. }) => Ok(false),
                    Err(e) => Err(e),
                }
            })?
            .map_err(io_error)
            .map_err(self.context("looking up the photo", &format!("{PUBLIC}/{hex}")))
    }
}
