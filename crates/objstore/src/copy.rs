//! Moving a data directory's log and photos into a bucket.

use std::path::Path;

use testigo_store::BlobStore;
use testigo_tlog::storage::{Storage, CHECKPOINT_PATH};

use crate::{ObjectBlobs, ObjectStorage};

/// Objects per `write_objects` call while copying.
const CHUNK: usize = 256;

/// Every file under `dir` as a `/`-separated relative path, temporaries (`.name`) skipped.
fn files(dir: &Path, rel: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if e.file_type()?.is_dir() {
            files(&e.path(), &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Copies a log kept in a directory (`D/log/`, laid out as its URL paths) into
/// `storage`: every tile and bundle first, the checkpoint last, so the bucket
/// holds either no log or a complete one. Returns how many objects were copied.
pub fn upload_log_dir(dir: &Path, storage: &ObjectStorage) -> std::io::Result<usize> {
    let context = |what: &str, e: &dyn std::fmt::Display| std::io::Error::other(format!("{what}: {e}"));
    let checkpoint = std::fs::read(dir.join(CHECKPOINT_PATH))
        .map_err(|e| context(&format!("reading {}", dir.join(CHECKPOINT_PATH).display()), &e))?;
    let mut paths = Vec::new();
    files(dir, "", &mut paths).map_err(|e| context(&format!("listing {}", dir.display()), &e))?;
    paths.retain(|p| p != CHECKPOINT_PATH);
    for chunk in paths.chunks(CHUNK) {
        let mut objects = Vec::with_capacity(chunk.len());
        for p in chunk {
            let bytes =
                std::fs::read(dir.join(p)).map_err(|e| context(&format!("reading {}", dir.join(p).display()), &e))?;
            objects.push((p.clone(), bytes));
        }
        storage.write_objects(&objects).map_err(|e| context("copying the log", &e))?;
    }
    storage.publish_checkpoint(&checkpoint).map_err(|e| context("publishing the copied checkpoint", &e))?;
    Ok(paths.len() + 1)
}

/// Copies every photo of a directory photo store (`D/blobs/sha256/`) into
/// `photos`, each checked against its name. Returns how many were copied.
pub fn upload_photos_dir(dir: &Path, photos: &ObjectBlobs) -> std::io::Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(0) };
    let mut n = 0;
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !testigo_store::blobs::is_blob_name(&name) || photos.contains(&name)? {
            continue;
        }
        let bytes = std::fs::read(e.path())?;
        let stored = photos.put(&bytes)?;
        if stored != name {
            return Err(std::io::Error::other(format!(
                "{} does not hash to its name (its SHA-256 is {stored}): the photo store is damaged",
                e.path().display()
            )));
        }
        n += 1;
    }
    Ok(n)
}
