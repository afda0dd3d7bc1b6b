//! [`ObjectStorage`]: a log's objects in a bucket.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use object_store::{ObjectStore, PutPayload};
use testigo_tlog::storage::{Storage, StorageError, WriterLock, CHECKPOINT_PATH};
use testigo_tlog::tile::TileId;

use crate::bucket::{get, io_error, Bucket};
use crate::lease::{Lease, LeaseStatus, DEFAULT_LEASE};

/// Most PUTs of one batch in flight at once: object-store latency, not
/// bandwidth, bounds a batch, so its tiles are written concurrently.
pub const WRITE_CONCURRENCY: usize = 32;

/// A log stored in a bucket under its C2SP paths: implements
/// [`Storage`] (see the crate documentation for the publish order and the lease).
#[derive(Debug, Clone)]
pub struct ObjectStorage {
    bucket: Bucket,
    lease_length: std::time::Duration,
    status: Arc<Mutex<LeaseStatus>>,
}

/// Whether `path` is a C2SP object path: relative, no empty, `.` or `..` component.
fn check_path(path: &str) -> Result<(), StorageError> {
    if path.is_empty() || path.starts_with('/') || path.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return Err(StorageError::BadPath(path.to_string()));
    }
    Ok(())
}

pub(crate) fn storage_error(op: &'static str, location: String, e: std::io::Error) -> StorageError {
    StorageError::Io { op, path: PathBuf::from(location), source: e }
}

impl ObjectStorage {
    /// The log under `bucket`'s prefix, with the [`DEFAULT_LEASE`].
    pub fn new(bucket: Bucket) -> Self {
        ObjectStorage { bucket, lease_length: DEFAULT_LEASE, status: Arc::new(Mutex::new(LeaseStatus::Unlocked)) }
    }

    /// Sets how long a writer's lease lasts without renewal (how long a crashed
    /// writer's log stays locked); renewed every third of it.
    pub fn with_lease(mut self, length: std::time::Duration) -> Self {
        self.lease_length = length;
        self
    }

    /// The bucket.
    pub fn bucket(&self) -> &Bucket {
        &self.bucket
    }

    fn key(&self, path: &str) -> Result<object_store::path::Path, StorageError> {
        check_path(path)?;
        self.bucket.key(path).map_err(|_| StorageError::BadPath(path.to_string()))
    }

    /// Refuses to write once a lease this storage took was lost or may have expired.
    fn check_lease(&self) -> Result<(), StorageError> {
        let status = self
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|_| LeaseStatus::Lost { holder: String::new(), why: "lease state poisoned".into() });
        match status.usable() {
            Ok(()) => Ok(()),
            Err(why) => Err(storage_error(
                "write (writer lease)",
                self.bucket.location(crate::lease::LEASE_KEY),
                std::io::Error::other(format!(
                    "{why}: refusing to write, since another writer may own the log now; restart the server"
                )),
            )),
        }
    }

    fn put_all(&self, objects: &[(String, Vec<u8>)]) -> Result<(), StorageError> {
        if objects.is_empty() {
            return Ok(());
        }
        let mut keyed = Vec::with_capacity(objects.len());
        for (path, bytes) in objects {
            keyed.push((self.key(path)?, path.clone(), PutPayload::from(bytes.clone())));
        }
        let store = self.bucket.store();
        let result = self
            .bucket
            .run(async move {
                let limit = Arc::new(tokio::sync::Semaphore::new(WRITE_CONCURRENCY));
                let mut tasks = tokio::task::JoinSet::new();
                for (key, path, payload) in keyed {
                    let store = store.clone();
                    let limit = limit.clone();
                    tasks.spawn(async move {
                        let _permit = limit.acquire_owned().await;
                        store.put(&key, payload).await.map(drop).map_err(|e| (path, io_error(e)))
                    });
                }
                let mut first = Ok(());
                while let Some(done) = tasks.join_next().await {
                    let r = done.unwrap_or_else(|e| Err((String::new(), std::io::Error::other(e))));
                    if first.is_ok() {
                        first = r;
                    }
                }
                first
            })
            .map_err(|e| storage_error("write", self.bucket.url().to_string(), e))?;
        result.map_err(|(path, e)| storage_error("write", self.bucket.location(&path), e))
    }
}

impl Storage for ObjectStorage {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let key = self.key(path)?;
        let store = self.bucket.store();
        let got = self.bucket.run(async move { get(store.as_ref(), &key).await.map_err(io_error) });
        got.and_then(|r| r).map_err(|e| storage_error("read", self.bucket.location(path), e))
    }

    fn write_objects(&self, objects: &[(String, Vec<u8>)]) -> Result<(), StorageError> {
        self.check_lease()?;
        self.put_all(objects)
    }

    fn publish_checkpoint(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.check_lease()?;
        let key = self.key(CHECKPOINT_PATH)?;
        let store = self.bucket.store();
        let payload = PutPayload::from(bytes.to_vec());
        let put = self.bucket.run(async move { store.put(&key, payload).await.map(drop).map_err(io_error) });
        put.and_then(|r| r).map_err(|e| storage_error("publish", self.bucket.location(CHECKPOINT_PATH), e))
    }

    fn write_and_publish(&self, objects: &[(String, Vec<u8>)], checkpoint: &[u8]) -> Result<(), StorageError> {
        // Every object's PUT has completed before the checkpoint's starts.
        self.write_objects(objects)?;
        self.publish_checkpoint(checkpoint)
    }

    fn delete_partials(&self, full: &TileId) -> Result<(), StorageError> {
        let dir_rel = format!("{}.p", full.path());
        let dir = self.key(&dir_rel)?;
        let store = self.bucket.store();
        let deleted = self.bucket.run(async move {
            let listed = store.list_with_delimiter(Some(&dir)).await?;
            for object in listed.objects {
                match store.delete(&object.location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        });
        deleted
            .and_then(|r| r.map_err(io_error))
            .map_err(|e| storage_error("delete partial tiles", self.bucket.location(&dir_rel), e))
    }

    fn lock_writer(&self) -> Result<Box<dyn WriterLock>, StorageError> {
        let lease = Lease::acquire(self.bucket.clone(), self.lease_length, self.status.clone())?;
        Ok(Box::new(lease))
    }
}
