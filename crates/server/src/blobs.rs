//! Content-addressed photo storage: `blobs/sha256/<hex>` in the data
//! directory.
//!
//! A photo is public (served at `/blob/sha256/<hex>`) only once the sheet
//! that names it was accepted: it is first written durably to a staging
//! directory that is never served ([`BlobStore::stage`]), and renamed into
//! place ([`BlobStore::publish`]) after the sheet passed every rule and
//! before the sheet is logged, or deleted ([`BlobStore::discard`]) if the
//! sheet was refused. A refused submission therefore leaves nothing behind.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// The staging directory's name inside the store (a name no hex digest can take).
const STAGING: &str = ".incoming";

/// A directory of blobs named by their SHA-256.
#[derive(Debug)]
pub struct BlobStore {
    dir: PathBuf,
    next_staged: AtomicU64,
}

/// A photo written durably to staging, not yet served.
#[derive(Debug)]
pub struct Staged {
    path: PathBuf,
    sha256: String,
}

impl Staged {
    /// The staged photo's SHA-256 in lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

fn is_blob_name(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl BlobStore {
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
        Ok(BlobStore { dir, next_staged: AtomicU64::new(0) })
    }

    fn path(&self, hex: &str) -> Option<PathBuf> {
        // Only lowercase 64-hex names: nothing else can be a path component here.
        is_blob_name(hex).then(|| self.dir.join(hex))
    }

    /// Writes `bytes` durably to staging (not served).
    pub fn stage(&self, bytes: &[u8]) -> std::io::Result<Staged> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let n = self.next_staged.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(STAGING).join(format!("{sha256}.{n}"));
        let mut f = std::fs::File::create(&path)?;
        let written = f.write_all(bytes).and_then(|()| f.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        Ok(Staged { path, sha256 })
    }

    /// Moves a staged photo into the served store, durably.
    pub fn publish(&self, staged: Staged) -> std::io::Result<String> {
        let dest = self.dir.join(&staged.sha256);
        if dest.exists() {
            let _ = std::fs::remove_file(&staged.path);
            return Ok(staged.sha256);
        }
        std::fs::rename(&staged.path, &dest)?;
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(staged.sha256)
    }

    /// Deletes a staged photo whose sheet was refused.
    pub fn discard(&self, staged: Staged) {
        if let Err(e) = std::fs::remove_file(&staged.path) {
            tracing::warn!(error = %e, "cannot delete a refused photo from staging");
        }
    }

    /// Stores `bytes` durably and returns their SHA-256 in hex (for tools
    /// that write a stopped data directory).
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let staged = self.stage(bytes)?;
        self.publish(staged)
    }

    /// Whether a blob with this hex SHA-256 is stored.
    pub fn contains(&self, hex: &str) -> bool {
        self.path(&hex.to_ascii_lowercase()).is_some_and(|p| p.is_file())
    }

    /// Reads a blob by hex SHA-256; `None` if absent or not a valid name.
    pub fn get(&self, hex: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(p) = self.path(hex) else { return Ok(None) };
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_photos_are_not_served_until_published_and_discarding_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = BlobStore::new(tmp.path().join("sha256")).unwrap();
        let staged = store.stage(b"photo").unwrap();
        let hex = staged.sha256().to_string();
        assert!(!store.contains(&hex));
        assert_eq!(store.get(&hex).unwrap(), None);
        assert_eq!(store.publish(staged).unwrap(), hex);
        assert_eq!(store.get(&hex).unwrap().as_deref(), Some(&b"photo"[..]));

        let refused = store.stage(b"other").unwrap();
        let other = refused.sha256().to_string();
        store.discard(refused);
        assert!(!store.contains(&other));
        assert_eq!(std::fs::read_dir(store.dir().join(STAGING)).unwrap().count(), 0);
    }

    #[test]
    fn staging_left_by_a_crash_is_cleared_on_open() {
        let tmp = tempfile::tempdir().unwrap();
        let store = BlobStore::new(tmp.path().join("sha256")).unwrap();
        let staged = store.stage(b"orphan").unwrap();
        drop(staged);
        let reopened = BlobStore::new(tmp.path().join("sha256")).unwrap();
        assert_eq!(std::fs::read_dir(reopened.dir().join(STAGING)).unwrap().count(), 0);
        assert_eq!(reopened.get(".incoming").unwrap(), None);
    }
}
