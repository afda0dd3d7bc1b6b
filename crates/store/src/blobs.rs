//! Content-addressed photo storage: the [`BlobStore`] trait and its
//! embedded backend [`DirBlobs`] (`blobs/sha256/<hex>` in the data directory).
//!
//! A photo is public (served at `/blob/sha256/<hex>`) only once the sheet
//! that names it was accepted: it is first written durably where it is never
//! served ([`BlobStore::stage`]), and made public ([`BlobStore::publish`])
//! after the sheet passed every rule and before the sheet is logged, or
//! deleted ([`BlobStore::discard`]) if the sheet was refused. A refused
//! submission therefore leaves nothing behind. Every backend must pass
//! [`crate::conformance::check_blob_store`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// The staging directory's name inside the store (a name no hex digest can take).
const STAGING: &str = ".incoming";

/// A store of photos named by their SHA-256, with a staging area that is
/// never served. Implementations must be durable: once `publish` or `put`
/// returns, the blob survives a crash.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Writes `bytes` durably where they are not served, named by their SHA-256.
    fn stage(&self, bytes: &[u8]) -> std::io::Result<Staged>;
    /// Makes a staged blob public, durably; returns its hex SHA-256. Publishing
    /// a blob that is already public is not an error.
    fn publish(&self, staged: Staged) -> std::io::Result<String>;
    /// Deletes a staged blob whose sheet was refused (best effort: a failure is
    /// logged, and staging is cleared again when the store is next opened).
    fn discard(&self, staged: Staged);
    /// Reads a public blob by lowercase hex SHA-256; `None` if absent or if
    /// `hex` is not a valid name (never an error for a bad name: names come
    /// from URLs).
    fn get(&self, hex: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// Whether a public blob with this hex SHA-256 (any case) is stored.
    fn contains(&self, hex: &str) -> std::io::Result<bool>;
    /// Stores `bytes` durably and publicly and returns their hex SHA-256
    /// (for tools that write a stopped data directory).
    fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let staged = self.stage(bytes)?;
        self.publish(staged)
    }
}

/// A directory of blobs named by their SHA-256: the embedded [`BlobStore`].
#[derive(Debug)]
pub struct DirBlobs {
    dir: PathBuf,
    next_staged: AtomicU64,
}

/// A photo written durably to staging, not yet served.
#[derive(Debug)]
pub struct Staged {
    handle: String,
    sha256: String,
}

impl Staged {
    /// A staged blob of `sha256`, kept by its backend under `handle` (a path,
    /// an object key: whatever the backend needs to publish or discard it).
    pub fn new(sha256: String, handle: String) -> Self {
        Staged { handle, sha256 }
    }
    /// The staged photo's SHA-256 in lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    /// Where the backend keeps the staged bytes.
    pub fn handle(&self) -> &str {
        &self.handle
    }
}

/// The SHA-256 of `bytes` in lowercase hex: a blob's name.
pub fn blob_name(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `hex` can name a blob: exactly 64 lowercase hex digits. Backends
/// check this before using a name as a path or key, so a URL cannot reach
/// anything else.
pub fn is_blob_name(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl DirBlobs {
    /// Opens (creating) the store under `dir`, deleting anything left in
    /// staging by an earlier run (photos of sheets that were never logged).
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        let staging = dir.join(STAGING);
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir_all(&staging)?;
        Ok(DirBlobs { dir, next_staged: AtomicU64::new(0) })
    }

    /// Opens `dir` for reading photos only (a mirror's `blob/sha256/`):
    /// creates nothing and touches no staging; it may not exist yet.
    pub fn reader(dir: impl Into<PathBuf>) -> Self {
        DirBlobs { dir: dir.into(), next_staged: AtomicU64::new(0) }
    }

    fn path(&self, hex: &str) -> Option<PathBuf> {
        // Only lowercase 64-hex names: nothing else can be a path component here.
        is_blob_name(hex).then(|| self.dir.join(hex))
    }

    /// Where a staged blob is: its handle is a file name in staging, never a path.
    fn staged_path(&self, staged: &Staged) -> std::io::Result<PathBuf> {
        let name = staged.handle();
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a staged blob of this store"));
        }
        Ok(self.dir.join(STAGING).join(name))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl BlobStore for DirBlobs {
    fn stage(&self, bytes: &[u8]) -> std::io::Result<Staged> {
        let sha256 = blob_name(bytes);
        let n = self.next_staged.fetch_add(1, Ordering::Relaxed);
        let handle = format!("{sha256}.{n}");
        let path = self.dir.join(STAGING).join(&handle);
        let mut f = std::fs::File::create(&path)?;
        let written = f.write_all(bytes).and_then(|()| f.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        Ok(Staged { handle, sha256 })
    }

    fn publish(&self, staged: Staged) -> std::io::Result<String> {
        let from = self.staged_path(&staged)?;
        if !is_blob_name(&staged.sha256) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a blob name"));
        }
        let dest = self.dir.join(&staged.sha256);
        if dest.exists() {
            let _ = std::fs::remove_file(&from);
            return Ok(staged.sha256);
        }
        std::fs::rename(&from, &dest)?;
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(staged.sha256)
    }

    fn discard(&self, staged: Staged) {
        let removed = self.staged_path(&staged).and_then(std::fs::remove_file);
        if let Err(e) = removed {
            tracing::warn!(error = %e, "cannot delete a refused photo from staging");
        }
    }

    fn contains(&self, hex: &str) -> std::io::Result<bool> {
        Ok(self.path(&hex.to_ascii_lowercase()).is_some_and(|p| p.is_file()))
    }

    fn get(&self, hex: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(p) = self.path(hex) else { return Ok(None) };
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_photos_are_not_served_until_published_and_discarding_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = DirBlobs::new(tmp.path().join("sha256")).unwrap();
        let staged = store.stage(b"photo").unwrap();
        let hex = staged.sha256().to_string();
        assert!(!store.contains(&hex).unwrap());
        assert_eq!(store.get(&hex).unwrap(), None);
        assert_eq!(store.publish(staged).unwrap(), hex);
        assert_eq!(store.get(&hex).unwrap().as_deref(), Some(&b"photo"[..]));

        let refused = store.stage(b"other").unwrap();
        let other = refused.sha256().to_string();
        store.discard(refused);
        assert!(!store.contains(&other).unwrap());
        assert_eq!(std::fs::read_dir(store.dir().join(STAGING)).unwrap().count(), 0);
    }

    #[test]
    fn staging_left_by_a_crash_is_cleared_on_open() {
        let tmp = tempfile::tempdir().unwrap();
        let store = DirBlobs::new(tmp.path().join("sha256")).unwrap();
        let staged = store.stage(b"orphan").unwrap();
        drop(staged);
        let reopened = DirBlobs::new(tmp.path().join("sha256")).unwrap();
        assert_eq!(std::fs::read_dir(reopened.dir().join(STAGING)).unwrap().count(), 0);
        assert_eq!(reopened.get(".incoming").unwrap(), None);
    }
}
