//! Content-addressed photo storage: `blobs/sha256/<hex>` in the data
//! directory, written durably before the entry that names it is logged.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// A directory of blobs named by their SHA-256.
#[derive(Clone, Debug)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Opens (creating) the store under `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(BlobStore { dir })
    }

    fn path(&self, hex: &str) -> Option<PathBuf> {
        // Only lowercase 64-hex names: nothing else can be a path component here.
        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
            .then(|| self.dir.join(hex))
    }

    /// Stores `bytes` durably and returns their SHA-256 in hex.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hex = hex::encode(Sha256::digest(bytes));
        let dest = self.dir.join(&hex);
        if dest.exists() {
            return Ok(hex);
        }
        let tmp = self.dir.join(format!(".{hex}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &dest)?;
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(hex)
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
