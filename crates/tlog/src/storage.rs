//! Where a log's served files live.
//!
//! The [`Storage`] trait is everything the sequencer and readers need, so an
//! object-store backend (S3 through the `object_store` crate) can replace
//! [`DirStorage`] without touching either. Paths are the C2SP URL paths
//! relative to the log prefix (`checkpoint`, `tile/0/000`, `tile/entries/000.p/5`),
//! so the storage can be served as it is by any static web server.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::tile::TileId;

/// Errors from a storage backend.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// An I/O operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Another process holds the writer lock of this log.
    #[error("the log at {0} is already open for writing by another process (lock held on {0}.lock); stop that process or use another --dir")]
    Locked(PathBuf),
    /// A path outside the log's namespace was requested.
    #[error("invalid object path {0:?}")]
    BadPath(String),
}

/// Most files `write_objects` keeps open at once (beyond this it syncs in rounds).
const MAX_OPEN_FILES: usize = 512;
/// Most threads issuing fsyncs at once.
const MAX_SYNC_THREADS: usize = 16;

/// Runs `f` on every item, spread over up to [`MAX_SYNC_THREADS`] threads;
/// returns the first error.
fn for_each_parallel<T: Sync>(
    items: &[T],
    f: impl Fn(&T) -> Result<(), StorageError> + Sync,
) -> Result<(), StorageError> {
    if items.len() <= 1 {
        return items.iter().try_for_each(&f);
    }
    let per_thread = items.len().div_ceil(MAX_SYNC_THREADS);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> =
            items.chunks(per_thread).map(|chunk| s.spawn(move || chunk.iter().try_for_each(f))).collect();
        let mut result = Ok(());
        for h in handles {
            let r = h.join().unwrap_or_else(|_| {
                Err(StorageError::Io {
                    op: "fsync",
                    path: PathBuf::new(),
                    source: std::io::Error::other("an fsync thread panicked"),
                })
            });
            if result.is_ok() {
                result = r;
            }
        }
        result
    })
}

/// The path of the checkpoint object.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// A guard that keeps the log's single-writer lock until dropped.
pub trait WriterLock: Send + Sync {}

/// A backend holding a log's published objects.
pub trait Storage: Send + Sync {
    /// Reads an object; `Ok(None)` if it does not exist.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, StorageError>;
    /// Writes tiles and entry bundles; every object is durable when this returns.
    fn write_objects(&self, objects: &[(String, Vec<u8>)]) -> Result<(), StorageError>;
    /// Atomically and durably replaces the checkpoint (readers see the old or the new one, never a mix).
    fn publish_checkpoint(&self, bytes: &[u8]) -> Result<(), StorageError>;
    /// Writes objects, then publishes the checkpoint that covers them: the new
    /// checkpoint becomes visible only once every object is durable. Backends
    /// may overlap the two steps (`DirStorage` syncs the new checkpoint's
    /// temporary file together with the objects, saving one round of fsyncs).
    fn write_and_publish(&self, objects: &[(String, Vec<u8>)], checkpoint: &[u8]) -> Result<(), StorageError> {
        self.write_objects(objects)?;
        self.publish_checkpoint(checkpoint)
    }
    /// Deletes the partial versions of a tile or bundle that has become full.
    fn delete_partials(&self, full: &TileId) -> Result<(), StorageError>;
    /// Takes the single-writer lock; fails with [`StorageError::Locked`] if another writer holds it.
    fn lock_writer(&self) -> Result<Box<dyn WriterLock>, StorageError>;
}

/// A log stored in a local directory, laid out exactly as its URL paths.
#[derive(Clone, Debug)]
pub struct DirStorage {
    root: PathBuf,
}

fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StorageError + 'a {
    move |source| StorageError::Io { op, path: path.to_path_buf(), source }
}

struct DirLock(#[allow(dead_code)] File);
impl WriterLock for DirLock {}

impl DirStorage {
    /// Opens (creating if needed) a log directory.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(io("create directory", &root))?;
        Ok(DirStorage { root })
    }

    /// The directory holding the served files.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn resolve(&self, path: &str) -> Result<PathBuf, StorageError> {
        // Only C2SP paths: no absolute paths, no parent components.
        if path.is_empty() || path.starts_with('/') || path.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
            return Err(StorageError::BadPath(path.to_string()));
        }
        Ok(self.root.join(path))
    }

    /// The temporary a file is written to before being renamed to `dest`.
    fn temporary(dest: &Path) -> PathBuf {
        let dir = dest.parent().unwrap_or(Path::new("."));
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        dir.join(format!(".{name}.tmp"))
    }

    /// Creates `dir` and any missing parents, recording in `dirs` every
    /// directory that must be fsynced for them (and files in `dir`) to be durable.
    fn create_dir_durably(dir: &Path, dirs: &mut Vec<PathBuf>) -> Result<(), StorageError> {
        // New directories must themselves be made durable in their parents.
        let mut d = dir;
        let mut created = Vec::new();
        while !d.exists() {
            created.push(d.to_path_buf());
            d = match d.parent() {
                Some(p) => p,
                None => break,
            };
        }
        fs::create_dir_all(dir).map_err(io("create directory", dir))?;
        for c in created {
            if let Some(parent) = c.parent() {
                if !dirs.iter().any(|x| x == parent) {
                    dirs.push(parent.to_path_buf());
                }
            }
        }
        if !dirs.iter().any(|x| x == dir) {
            dirs.push(dir.to_path_buf());
        }
        Ok(())
    }

    /// Writes `bytes` to `dest` through a temporary file renamed into place, fsynced.
    fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), StorageError> {
        let tmp = Self::temporary(dest);
        let mut f =
            OpenOptions::new().write(true).create(true).truncate(true).open(&tmp).map_err(io("create", &tmp))?;
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_data().map_err(io("fsync", &tmp))?;
        drop(f);
        fs::rename(&tmp, dest).map_err(io("rename into", dest))?;
        Ok(())
    }

    /// Writes objects through temporaries renamed into place, and `extra`
    /// (a file left under its temporary name), then fsyncs all of them and
    /// every directory involved, concurrently.
    fn write_and_sync(&self, objects: &[(String, Vec<u8>)], extra: Option<(&Path, &[u8])>) -> Result<(), StorageError> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        // A batch of 16,384 entries makes ~140 objects; bound the open files anyway.
        let mut rounds: Vec<&[(String, Vec<u8>)]> = objects.chunks(MAX_OPEN_FILES).collect();
        if rounds.is_empty() {
            rounds.push(&[]); // still one round, for `extra` and the directories
        }
        let chunks = rounds.len();
        for (n, chunk) in rounds.into_iter().enumerate() {
            let mut pending: Vec<(PathBuf, Option<File>)> = Vec::with_capacity(chunk.len() + 8);
            for (path, bytes) in chunk {
                let dest = self.resolve(path)?;
                let dir = dest.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
                if !dirs.contains(&dir) {
                    Self::create_dir_durably(&dir, &mut dirs)?;
                }
                let tmp = Self::temporary(&dest);
                let mut f = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&tmp)
                    .map_err(io("create", &tmp))?;
                f.write_all(bytes).map_err(io("write", &tmp))?;
                // Renaming before the fsync is safe: a batch only writes objects
                // that no published checkpoint references yet (new full tiles,
                // partials of new widths), and the checkpoint is replaced only
                // after this returns; a crash in between leaves unreferenced
                // objects that the next writer rewrites. Readers never see a
                // torn file: it is complete before its rename.
                fs::rename(&tmp, &dest).map_err(io("rename into", &dest))?;
                pending.push((dest, Some(f)));
            }
            if n + 1 == chunks {
                if let Some((path, bytes)) = extra {
                    let mut f = OpenOptions::new()
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .open(path)
                        .map_err(io("create", path))?;
                    f.write_all(bytes).map_err(io("write", path))?;
                    pending.push((path.to_path_buf(), Some(f)));
                }
                // The renames (and new directories) are durable once their directories are.
                pending.extend(dirs.drain(..).map(|d| (d, None)));
            }
            // One fsync per file and per directory is unavoidable, but issued
            // concurrently the filesystem folds them into a few journal commits
            // instead of one commit each: this is most of the sequencer's throughput.
            for_each_parallel(&pending, |(path, file)| match file {
                Some(f) => f.sync_data().map_err(io("fsync", path)),
                None => Self::sync_dir(path),
            })?;
        }
        Ok(())
    }

    fn sync_dir(dir: &Path) -> Result<(), StorageError> {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io("fsync directory", dir))
    }
}

impl Storage for DirStorage {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let p = self.resolve(path)?;
        match fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(None),
            Err(e) => Err(io("read", &p)(e)),
        }
    }

    fn write_objects(&self, objects: &[(String, Vec<u8>)]) -> Result<(), StorageError> {
        self.write_and_sync(objects, None)
    }

    fn write_and_publish(&self, objects: &[(String, Vec<u8>)], checkpoint: &[u8]) -> Result<(), StorageError> {
        let dest = self.root.join(CHECKPOINT_PATH);
        let tmp = Self::temporary(&dest);
        self.write_and_sync(objects, Some((&tmp, checkpoint)))?;
        // Every object is durable: the checkpoint may now point at them.
        fs::rename(&tmp, &dest).map_err(io("rename into", &dest))?;
        Self::sync_dir(&self.root)
    }

    fn publish_checkpoint(&self, bytes: &[u8]) -> Result<(), StorageError> {
        let dest = self.root.join(CHECKPOINT_PATH);
        Self::write_atomic(&dest, bytes)?;
        Self::sync_dir(&self.root)
    }

    fn delete_partials(&self, full: &TileId) -> Result<(), StorageError> {
        let dir = self.resolve(&format!("{}.p", full.path()))?;
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("delete partial tiles", &dir)(e)),
        }
    }

    fn lock_writer(&self) -> Result<Box<dyn WriterLock>, StorageError> {
        let mut lock_path = self.root.clone().into_os_string();
        lock_path.push(".lock");
        let lock_path = PathBuf::from(lock_path);
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io("open lock file", &lock_path))?;
        // A lock just released can still be held for a moment by a child
        // process forked (between fork and exec) while it was held, since
        // flock locks follow the open file: retry briefly before calling it
        // another writer.
        let mut attempts = 0;
        loop {
            match f.try_lock() {
                Ok(()) => return Ok(Box::new(DirLock(f))),
                Err(fs::TryLockError::WouldBlock) if attempts < 25 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => return Err(StorageError::Locked(self.root.clone())),
                Err(fs::TryLockError::Error(e)) => return Err(io("lock", &lock_path)(e)),
            }
        }
    }
}
