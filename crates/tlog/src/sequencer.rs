//! The single writer of a log: batches appends, writes tiles and entry
//! bundles, then publishes a new signed checkpoint, and only then tells each
//! caller its index.
//!
//! Publish order makes a crash at any moment safe: everything a checkpoint
//! covers is durable before the checkpoint is replaced, and on restart the
//! state is rebuilt from the published checkpoint and its right-edge tiles
//! alone (and checked against the checkpoint's root).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use testigo_note::Signer;

use crate::checkpoint::{self, Checkpoint, CheckpointError};
use crate::hash::{leaf_hash, tree_hash, Hash};
use crate::reader::{LogReader, ReadError};
use crate::storage::{Storage, StorageError, WriterLock, CHECKPOINT_PATH};
use crate::tile::{decode_bundle, decode_tile, encode_tile, push_bundle_entry, TileError, TileId, TILE_WIDTH};

/// Errors from creating, opening or appending to a log.
#[derive(Debug, thiserror::Error)]
pub enum SequencerError {
    /// Storage failed; the batch was not acknowledged.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// An entry is too large for a bundle.
    #[error(transparent)]
    Tile(#[from] TileError),
    /// The stored checkpoint could not be read or verified.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The stored tiles could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The log directory has no checkpoint.
    #[error("no checkpoint found: the log was never initialised (run `testigo log init`)")]
    NotInitialised,
    /// A checkpoint exists already where a new log was to be created.
    #[error("a log already exists here (checkpoint of size {0}); refusing to overwrite it")]
    AlreadyExists(u64),
    /// The stored state is inconsistent.
    #[error("stored log is corrupt: {0}")]
    Corrupt(String),
    /// The sequencer stopped (a previous write failed, or it was shut down).
    #[error("the sequencer has stopped: {0}")]
    Stopped(String),
    /// The published checkpoint is older than one this log already signed
    /// and published: the served tree was rolled back (a restored backup, a
    /// copied-over checkpoint). Appending now would assign used indices.
    #[error(
        "the log's checkpoint has size {published} but this log already signed and published size {signed} \
         (recorded in {high_water}): the log directory was rolled back. Restore the newer log; if the rollback \
         is deliberate (every receipt and checkpoint issued after size {published} is abandoned, and witnesses \
         will refuse the log), delete {high_water} and start again"
    )]
    RolledBack {
        /// Size of the checkpoint found in the log.
        published: u64,
        /// Size of the newest checkpoint the log signed.
        signed: u64,
        /// Where the high-water mark is kept.
        high_water: String,
    },
    /// The published checkpoint has the size of one this log signed, with another root.
    #[error(
        "the log's checkpoint of size {size} has a different root from the one this log signed at that size \
         (recorded in {high_water}): the tree was replaced by a fork. Restore the log that matches {high_water}"
    )]
    Forked {
        /// The size.
        size: u64,
        /// Where the high-water mark is kept.
        high_water: String,
    },
}

/// Batching parameters.
#[derive(Clone, Debug)]
pub struct SequencerConfig {
    /// Most entries per batch (one checkpoint per batch).
    pub max_batch_entries: usize,
    /// Longest a request waits for others to join its batch.
    pub max_batch_delay: Duration,
    /// Decoded tiles kept in the reader cache.
    pub cache_tiles: usize,
    /// A file outside the served tree holding the newest checkpoint this
    /// log signed and published (its high-water mark). When set, the
    /// sequencer refuses to open a log whose checkpoint is older than it
    /// ([`SequencerError::RolledBack`]) or differs at the same size
    /// ([`SequencerError::Forked`]), and rewrites it after every publish.
    pub high_water: Option<PathBuf>,
}

impl Default for SequencerConfig {
    fn default() -> Self {
        SequencerConfig {
            max_batch_entries: 16_384,
            max_batch_delay: Duration::from_millis(5),
            cache_tiles: 4096,
            high_water: None,
        }
    }
}

/// What a caller receives once its entries are durable and covered by a published checkpoint.
#[derive(Clone, Debug)]
pub struct Appended {
    /// Index of the first of the caller's entries (they are consecutive).
    pub first_index: u64,
    /// Size of the checkpoint that covers them.
    pub tree_size: u64,
    /// That checkpoint, as served.
    pub checkpoint: Arc<Vec<u8>>,
}

type Reply = tokio::sync::oneshot::Sender<Result<Appended, String>>;

struct Request {
    entries: Vec<Vec<u8>>,
    /// The entries' leaf hashes, computed by the submitting thread so that
    /// hashing runs in parallel instead of on the single writer thread.
    hashes: Vec<Hash>,
    /// When it was queued: a batch closes `max_batch_delay` after its first
    /// request was queued, even if the writer was busy for part of that time.
    queued: Instant,
    reply: Reply,
}

/// A pending append: await it, or call [`PendingAppend::wait`] from a thread.
pub struct PendingAppend(tokio::sync::oneshot::Receiver<Result<Appended, String>>);

impl PendingAppend {
    /// Blocks until the entries are published.
    pub fn wait(self) -> Result<Appended, SequencerError> {
        match self.0.blocking_recv() {
            Ok(r) => r.map_err(SequencerError::Stopped),
            Err(_) => Err(SequencerError::Stopped("sequencer thread exited".into())),
        }
    }
}

impl std::future::Future for PendingAppend {
    type Output = Result<Appended, SequencerError>;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|r| match r {
            Ok(r) => r.map_err(SequencerError::Stopped),
            Err(_) => Err(SequencerError::Stopped("sequencer thread exited".into())),
        })
    }
}

/// The in-memory right edge of the tree: the hashes of the current partial
/// tile at every level, and the entries of the current partial bundle.
struct Edge {
    size: u64,
    levels: Vec<Vec<Hash>>,
    bundle: Vec<Vec<u8>>,
}

impl Edge {
    fn root(&self) -> Hash {
        crate::hash::right_edge_root(&self.levels)
    }

    /// Adds one entry with its leaf hash; returns the full tiles and bundle it completed.
    fn push(&mut self, entry: Vec<u8>, leaf: Hash, out: &mut Vec<(String, Vec<u8>)>, filled: &mut Vec<TileId>) {
        let index = self.size;
        self.size += 1;
        let mut h = leaf;
        self.bundle.push(entry);
        if self.bundle.len() as u64 == TILE_WIDTH {
            let id = TileId::bundle(index / TILE_WIDTH, TILE_WIDTH as u16);
            let mut bytes = Vec::with_capacity(self.bundle.iter().map(|e| e.len() + 2).sum());
            for e in self.bundle.drain(..) {
                // Sizes were checked on submission.
                let _ = push_bundle_entry(&mut bytes, &e);
            }
            out.push((id.path(), bytes));
            filled.push(id);
        }
        let mut level = 0usize;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::with_capacity(TILE_WIDTH as usize));
            }
            self.levels[level].push(h);
            if self.levels[level].len() as u64 != TILE_WIDTH {
                break;
            }
            let id = TileId::tile(level as u8, index >> (8 * (level + 1)), TILE_WIDTH as u16);
            h = tree_hash(&self.levels[level]);
            out.push((id.path(), encode_tile(&self.levels[level])));
            filled.push(id);
            self.levels[level].clear();
            level += 1;
        }
    }

    /// The partial tiles and bundle for the current size.
    fn partials(&self, out: &mut Vec<(String, Vec<u8>)>) {
        for (level, hashes) in self.levels.iter().enumerate() {
            if !hashes.is_empty() {
                let id = TileId::tile(level as u8, self.size >> (8 * (level + 1)), hashes.len() as u16);
                out.push((id.path(), encode_tile(hashes)));
            }
        }
        if !self.bundle.is_empty() {
            let id = TileId::bundle(self.size / TILE_WIDTH, self.bundle.len() as u16);
            let mut bytes = Vec::with_capacity(self.bundle.iter().map(|e| e.len() + 2).sum());
            for e in &self.bundle {
                let _ = push_bundle_entry(&mut bytes, e);
            }
            out.push((id.path(), bytes));
        }
    }
}

/// The single writer of a log.
pub struct Sequencer {
    tx: Option<mpsc::Sender<Request>>,
    thread: Option<JoinHandle<()>>,
    latest: Arc<RwLock<Appended>>,
    origin: String,
}

struct Worker {
    storage: Arc<dyn Storage>,
    signer: Signer,
    edge: Edge,
    config: SequencerConfig,
    latest: Arc<RwLock<Appended>>,
    _lock: Box<dyn WriterLock>,
}

impl Sequencer {
    /// Creates an empty log: publishes a signed checkpoint of size 0.
    /// Fails if a checkpoint already exists.
    pub fn create(storage: &dyn Storage, signer: &Signer) -> Result<(), SequencerError> {
        let _lock = storage.lock_writer()?;
        if let Some(bytes) = storage.read(CHECKPOINT_PATH)? {
            let size =
                Checkpoint::parse(testigo_note::SignedNote::parse(&bytes).map_err(CheckpointError::from)?.text())
                    .map(|c| c.size)
                    .unwrap_or(0);
            return Err(SequencerError::AlreadyExists(size));
        }
        let cp = Checkpoint { origin: signer.name().to_string(), size: 0, root: crate::EMPTY_ROOT, extensions: vec![] };
        storage.publish_checkpoint(&cp.sign(signer)?.to_bytes())?;
        Ok(())
    }

    /// Opens an existing log for writing: takes the writer lock, verifies the
    /// checkpoint with the signer's own key, and rebuilds the right edge from tiles.
    pub fn open(storage: Arc<dyn Storage>, signer: Signer, config: SequencerConfig) -> Result<Self, SequencerError> {
        let lock = storage.lock_writer()?;
        let bytes = storage.read(CHECKPOINT_PATH)?.ok_or(SequencerError::NotInitialised)?;
        let opened = checkpoint::open(&bytes, &signer.verifier(), &[])?;
        let cp = opened.checkpoint;
        if let Some(path) = &config.high_water {
            check_high_water(path, &cp, &signer)?;
            write_high_water(path, &bytes)?;
        }
        let edge = load_edge(storage.as_ref(), cp.size)?;
        if edge.root() != cp.root {
            return Err(SequencerError::Corrupt(format!(
                "the right-edge tiles do not hash to the root of checkpoint {}",
                cp.size
            )));
        }
        let latest =
            Arc::new(RwLock::new(Appended { first_index: cp.size, tree_size: cp.size, checkpoint: Arc::new(bytes) }));
        let (tx, rx) = mpsc::channel::<Request>();
        let origin = cp.origin.clone();
        let mut worker = Worker { storage, signer, edge, config, latest: latest.clone(), _lock: lock };
        let thread = std::thread::Builder::new()
            .name("tlog-sequencer".into())
            .spawn(move || worker.run(rx))
            .map_err(|e| SequencerError::Stopped(format!("cannot start sequencer thread: {e}")))?;
        Ok(Sequencer { tx: Some(tx), thread: Some(thread), latest, origin })
    }

    /// Queues entries for appending (consecutive indices); resolves once published.
    pub fn submit(&self, entries: Vec<Vec<u8>>) -> Result<PendingAppend, SequencerError> {
        for e in &entries {
            if e.len() > crate::MAX_ENTRY_SIZE {
                return Err(TileError::EntryTooLarge(e.len()).into());
            }
        }
        let hashes = entries.iter().map(|e| leaf_hash(e)).collect();
        let (reply, rx) = tokio::sync::oneshot::channel();
        let tx = self.tx.as_ref().ok_or_else(|| SequencerError::Stopped("shut down".into()))?;
        tx.send(Request { entries, hashes, queued: Instant::now(), reply })
            .map_err(|_| SequencerError::Stopped("sequencer thread exited".into()))?;
        Ok(PendingAppend(rx))
    }

    /// Appends one entry and blocks until it is published; returns its index.
    pub fn append(&self, entry: Vec<u8>) -> Result<u64, SequencerError> {
        Ok(self.submit(vec![entry])?.wait()?.first_index)
    }

    /// The latest published checkpoint.
    pub fn latest(&self) -> Appended {
        self.latest.read().map(|a| a.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The log's origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Stops accepting appends, publishes everything already queued, and waits.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Sequencer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Refuses a published checkpoint older than, or forked from, the newest
/// one recorded at `path` (if any).
fn check_high_water(path: &Path, published: &Checkpoint, signer: &Signer) -> Result<(), SequencerError> {
    let high_water = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StorageError::Io { op: "reading the high-water mark", path: path.to_path_buf(), source }.into())
        }
    };
    let signed = checkpoint::open(&bytes, &signer.verifier(), &[]).map_err(|e| {
        SequencerError::Corrupt(format!(
            "the high-water mark {high_water} is not a checkpoint signed by this log ({e}); if the file was \
             damaged, delete it and start again"
        ))
    })?;
    let signed = signed.checkpoint;
    if signed.size > published.size {
        return Err(SequencerError::RolledBack { published: published.size, signed: signed.size, high_water });
    }
    if signed.size == published.size && signed.root != published.root {
        return Err(SequencerError::Forked { size: signed.size, high_water });
    }
    Ok(())
}

/// Records `checkpoint` as the newest signed and published one: written to
/// a temporary, synced, renamed over `path`, so the file is always whole.
fn write_high_water(path: &Path, checkpoint: &[u8]) -> Result<(), SequencerError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let io = |source| StorageError::Io { op: "writing the high-water mark", path: path.to_path_buf(), source };
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(checkpoint).and_then(|()| f.sync_data()).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}

fn load_edge(storage: &dyn Storage, size: u64) -> Result<Edge, SequencerError> {
    let mut levels = Vec::new();
    let mut level = 0u32;
    while (size >> (8 * level)) > 0 {
        let width = ((size >> (8 * level)) % TILE_WIDTH) as u16;
        let mut hashes = Vec::with_capacity(TILE_WIDTH as usize);
        if width > 0 {
            let id = TileId::tile(level as u8, size >> (8 * (level + 1)), width);
            let bytes = storage.read(&id.path())?.ok_or_else(|| ReadError::Missing(id.path()))?;
            hashes = decode_tile(&id, &bytes)?;
        }
        levels.push(hashes);
        level += 1;
    }
    let mut bundle = Vec::new();
    let width = (size % TILE_WIDTH) as u16;
    if width > 0 {
        let id = TileId::bundle(size / TILE_WIDTH, width);
        let bytes = storage.read(&id.path())?.ok_or_else(|| ReadError::Missing(id.path()))?;
        let entries = decode_bundle(&id, &bytes)?;
        for (i, e) in entries.iter().enumerate() {
            if levels.first().and_then(|l| l.get(i)) != Some(&leaf_hash(e)) {
                return Err(SequencerError::Corrupt(format!("{} does not match its level-0 tile", id.path())));
            }
        }
        bundle = entries.into_iter().map(<[u8]>::to_vec).collect();
    }
    Ok(Edge { size, levels, bundle })
}

impl Worker {
    fn run(&mut self, rx: mpsc::Receiver<Request>) {
        let mut failed: Option<String> = None;
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            let mut count = batch[0].entries.len();
            let deadline = batch[0].queued + self.config.max_batch_delay;
            while count < self.config.max_batch_entries {
                let now = Instant::now();
                let next = if now >= deadline { rx.try_recv().ok() } else { rx.recv_timeout(deadline - now).ok() };
                match next {
                    Some(r) => {
                        count += r.entries.len();
                        batch.push(r);
                    }
                    None => break,
                }
            }
            if let Some(why) = &failed {
                for r in batch {
                    let _ = r.reply.send(Err(why.clone()));
                }
                continue;
            }
            match self.publish(&mut batch) {
                Ok((results, filled)) => {
                    for (r, res) in batch.into_iter().zip(results) {
                        let _ = r.reply.send(Ok(res));
                    }
                    // Superseded partials are garbage, not state: remove them
                    // after answering, so callers do not wait for it.
                    for id in &filled {
                        if let Err(e) = self.storage.delete_partials(id) {
                            tracing::warn!(error = %e, tile = %id.path(), "cannot delete superseded partial tiles");
                        }
                    }
                }
                Err(e) => {
                    // After a failed write the in-memory edge may be ahead of
                    // storage: refuse further appends until restarted.
                    let why = format!("write failed, restart to recover: {e}");
                    tracing::error!(error = %e, "sequencer write failed");
                    for r in batch {
                        let _ = r.reply.send(Err(why.clone()));
                    }
                    failed = Some(why);
                }
            }
        }
    }

    /// Writes a batch and publishes its checkpoint; returns each request's
    /// result and the tiles the batch filled (whose partials can now go).
    fn publish(&mut self, batch: &mut [Request]) -> Result<(Vec<Appended>, Vec<TileId>), SequencerError> {
        let started = Instant::now();
        let mut objects = Vec::new();
        let mut filled = Vec::new();
        let mut firsts = Vec::with_capacity(batch.len());
        for r in batch.iter_mut() {
            firsts.push(self.edge.size);
            for (e, h) in std::mem::take(&mut r.entries).into_iter().zip(std::mem::take(&mut r.hashes)) {
                self.edge.push(e, h, &mut objects, &mut filled);
            }
        }
        self.edge.partials(&mut objects);
        let cp = Checkpoint {
            origin: self.signer.name().to_string(),
            size: self.edge.size,
            root: self.edge.root(),
            extensions: vec![],
        };
        let note = Arc::new(cp.sign(&self.signer)?.to_bytes());
        let built = Instant::now();
        // The checkpoint becomes visible only after every object is durable.
        self.storage.write_and_publish(&objects, &note)?;
        // Recorded after publishing, so a crash in between leaves the mark
        // older than the log (allowed), never newer (a false rollback).
        if let Some(path) = &self.config.high_water {
            write_high_water(path, &note)?;
        }
        tracing::debug!(
            requests = batch.len(),
            objects = objects.len(),
            size = cp.size,
            build_us = (built - started).as_micros() as u64,
            write_and_publish_us = built.elapsed().as_micros() as u64,
            "batch published"
        );
        let published = Appended { first_index: cp.size, tree_size: cp.size, checkpoint: note.clone() };
        if let Ok(mut l) = self.latest.write() {
            *l = published;
        }
        let results = firsts
            .into_iter()
            .map(|first_index| Appended { first_index, tree_size: cp.size, checkpoint: note.clone() })
            .collect();
        Ok((results, filled))
    }
}

/// Opens a reader over the same storage a sequencer writes.
pub fn reader_for(storage: Arc<dyn Storage>, cache_tiles: usize) -> LogReader<dyn Storage> {
    LogReader::new(storage, cache_tiles)
}
