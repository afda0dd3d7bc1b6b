//! The running node: a data directory's log, the registry derived from it,
//! and the photo store. HTTP-agnostic: the server and the CLI's bulk import
//! both submit through [`Node`], so both apply exactly the same rules.
//!
//! Ordering: a submission is checked against the registry, queued to the
//! sequencer, and applied to the registry under one lock, so the registry's
//! order is the log's order. The caller is answered only when the sequencer
//! reports the entry durable and covered by a published checkpoint.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use testigo_election::{
    check_photo, encode_signed, Entry, Flag, PhotoReading, Prepared, QrDecoder, Registry, Rejection,
};
use testigo_note::{Signer, Verifier};
use testigo_tlog::reader::LogReader;
use testigo_tlog::sequencer::PendingAppend;
use testigo_tlog::storage::Storage;
use testigo_tlog::{Receipt, Sequencer, SequencerConfig};

use crate::batcher::{wait_durable, Batcher};
use crate::blobs::BlobStore;
use crate::datadir::DataDir;

/// Why a submission failed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The entry breaks a rule: it was not logged.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The node could not log it (storage failure); nothing was acknowledged.
    #[error("the log could not record the entry: {0}")]
    Internal(String),
}

/// An accepted, durable submission.
#[derive(Clone, Debug)]
pub struct Accepted {
    /// Log index.
    pub index: u64,
    /// Flags raised on the entry.
    pub flags: Vec<Flag>,
    /// Offline receipt (c2sp.org/tlog-proof) against the checkpoint that covers it.
    pub receipt: Receipt,
}

/// Per entry of a batch: its index and flags, or why it was rejected.
pub type Outcome = Result<(u64, Vec<Flag>), Rejection>;

/// A data directory opened for serving and submitting.
pub struct Node {
    dir: DataDir,
    sequencer: Sequencer,
    storage: Arc<dyn Storage>,
    reader: LogReader<dyn Storage>,
    registry: RwLock<Registry>,
    /// Serialises check → enqueue → apply so registry order is log order.
    order: Mutex<u64>,
    blobs: BlobStore,
    log_key: Verifier,
    /// Groups concurrent HTTP submissions (started on first use).
    batcher: std::sync::OnceLock<Batcher>,
    /// The operator key that signs photo readings; `None`: photos are stored, not read.
    photo_reader: Option<Signer>,
    /// Bounds concurrent photo decoding (memory: a decoded photo takes tens of MiB).
    photo_permits: tokio::sync::Semaphore,
}

/// The name and version logged as the reader of photo readings.
pub const PHOTO_READER: &str = concat!("testigo ", env!("CARGO_PKG_VERSION"), " (rxing + rqrr)");

/// Seconds since the Unix epoch, for clock checks.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Node {
    /// Opens the node: takes the log's writer lock and rebuilds the registry by
    /// replaying every entry of the log.
    pub fn open(dir: DataDir, qr: Option<Box<dyn QrDecoder + Send + Sync>>) -> anyhow::Result<Node> {
        let storage = dir.storage()?;
        Self::open_with_storage(dir, qr, storage)
    }

    /// [`Node::open`] over a given storage of the data directory's log (e.g.
    /// a [`crate::witnessing::GuardedStorage`] wrapping `dir.storage()`).
    pub fn open_with_storage(
        dir: DataDir,
        qr: Option<Box<dyn QrDecoder + Send + Sync>>,
        storage: Arc<dyn Storage>,
    ) -> anyhow::Result<Node> {
        let sequencer = Sequencer::open(storage.clone(), dir.signer()?, SequencerConfig::default())?;
        let log_key = dir.signer()?.verifier();
        let reader = LogReader::new(storage.clone(), 4096);
        let mut registry = Registry::new();
        registry.set_qr_decoder(qr);
        let size = sequencer.latest().tree_size;
        replay(&reader, &mut registry, size)?;
        let blobs = BlobStore::new(dir.blobs())?;
        Ok(Node {
            dir,
            sequencer,
            storage,
            reader,
            registry: RwLock::new(registry),
            order: Mutex::new(size),
            blobs,
            log_key,
            batcher: std::sync::OnceLock::new(),
            photo_reader: None,
            photo_permits: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            ),
        })
    }

    /// Reads the QR codes of every new photo submitted and logs them as a
    /// `reading` entry signed by `operator` (the election's operator key)
    /// right after the sheet, so the sheet's photo evidence is flagged and
    /// replayed like everything else. Photos that are not decodable images
    /// are then refused (`photo_not_image`).
    pub fn with_photo_reading(mut self, operator: Signer) -> Self {
        self.photo_reader = Some(operator);
        self
    }

    /// Whether submitted photos are read (see [`Node::with_photo_reading`]).
    pub fn reads_photos(&self) -> bool {
        self.photo_reader.is_some()
    }

    /// The data directory.
    pub fn dir(&self) -> &DataDir {
        &self.dir
    }
    /// The log's storage (for serving tiles).
    pub fn storage(&self) -> Arc<dyn Storage> {
        self.storage.clone()
    }
    /// The photo store.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }
    /// The log's verifier key.
    pub fn log_key(&self) -> &Verifier {
        &self.log_key
    }
    /// Read access to the derived state.
    pub fn registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|p| p.into_inner())
    }
    /// The latest published checkpoint.
    pub fn checkpoint(&self) -> Arc<Vec<u8>> {
        self.sequencer.latest().checkpoint
    }

    /// Checks and queues entries (in order); returns, per entry, its
    /// predicted index and flags or its rejection, plus the pending append of
    /// the accepted ones. A photo, if given, must be named by the (single) entry.
    pub(crate) fn enqueue(
        &self,
        entries: Vec<Vec<u8>>,
        now: u64,
    ) -> Result<(Vec<Outcome>, Option<PendingAppend>), SubmitError> {
        self.enqueue_with(entries, now, None)
    }

    /// [`Node::enqueue`], plus `follow_up` (an operator entry about the
    /// batch's single entry, such as its photo reading) logged right after
    /// it if it was accepted; the flags it raises are added to its outcome.
    fn enqueue_with(
        &self,
        entries: Vec<Vec<u8>>,
        now: u64,
        follow_up: Option<Vec<u8>>,
    ) -> Result<(Vec<Outcome>, Option<PendingAppend>), SubmitError> {
        // Decoding and signature checks are stateless and dominate the cost:
        // run them on every core, under the read lock only.
        let prepared = {
            let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
            prepare_all(&registry, &entries)
        };
        let mut next = self.order.lock().unwrap_or_else(|p| p.into_inner());
        let mut registry = self.registry.write().unwrap_or_else(|p| p.into_inner());
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut accepted = Vec::new();
        for (entry, prepared) in entries.into_iter().zip(prepared) {
            let applied = prepared.and_then(|p| registry.apply_prepared(*next, p, now));
            match applied {
                Ok(applied) => {
                    outcomes.push(Ok((*next, applied.flags)));
                    accepted.push(entry);
                    *next += 1;
                }
                Err(r) => outcomes.push(Err(r)),
            }
        }
        if let (Some(extra), [Ok((_, flags))]) = (follow_up, outcomes.as_mut_slice()) {
            match registry.prepare(&extra).and_then(|p| registry.apply_prepared(*next, p, now)) {
                Ok(applied) => {
                    flags.extend(applied.flags);
                    flags.sort();
                    flags.dedup();
                    accepted.push(extra);
                    *next += 1;
                }
                // The operator's own entry: a refusal is a bug, not the submitter's fault.
                Err(r) => tracing::error!(code = r.code(), "the node's own follow-up entry was refused: {r}"),
            }
        }
        let pending = if accepted.is_empty() {
            None
        } else {
            // Queued under the lock: the sequencer assigns indices in queue order,
            // which is the order just applied to the registry.
            Some(self.sequencer.submit(accepted).map_err(|e| SubmitError::Internal(e.to_string()))?)
        };
        Ok((outcomes, pending))
    }

    fn receipt(&self, index: u64, tree_size: u64, checkpoint: &[u8]) -> Result<Receipt, SubmitError> {
        let proof = self.reader.inclusion_proof(index, tree_size).map_err(|e| SubmitError::Internal(e.to_string()))?;
        Ok(Receipt { extra: None, index, proof, checkpoint: checkpoint.to_vec() })
    }

    /// Submits one signed entry, optionally with the photo it names, and waits
    /// until it is durable. Blocking; see [`Node::submit_async`].
    pub fn submit(&self, entry: Vec<u8>, photo: Option<&[u8]>) -> Result<Accepted, SubmitError> {
        let (outcome, pending) = self.prepare_one(entry, photo)?;
        let done = pending.wait().map_err(|e| SubmitError::Internal(e.to_string()))?;
        self.finish_one(outcome, done)
    }

    /// Async form of [`Node::submit`] for the HTTP server.
    pub async fn submit_async(
        self: &Arc<Self>,
        entry: Vec<u8>,
        photo: Option<Vec<u8>>,
    ) -> Result<Accepted, SubmitError> {
        // Entries without a photo go through the batcher (one lock and one
        // sequencer batch for everything queued); photos (hashing up to 10 MiB,
        // disk writes) take the blocking pool one at a time.
        if photo.is_none() {
            let batcher =
                self.batcher.get_or_init(|| Batcher::start(Arc::downgrade(self), tokio::runtime::Handle::current()));
            let (outcome, durable) = batcher.submit(entry).await?;
            let outcome = outcome?;
            let done = wait_durable(durable).await?;
            // The batcher checked the batch's first index against the registry's.
            let receipt = self.receipt(outcome.0, done.tree_size, &done.checkpoint)?;
            return Ok(Accepted { index: outcome.0, flags: outcome.1, receipt });
        }
        // Decoding a photo takes a core and tens of MiB for up to a second: bound it.
        let _permit = match self.photo_reader {
            Some(_) => Some(
                self.photo_permits.acquire().await.map_err(|_| SubmitError::Internal("the node is stopping".into()))?,
            ),
            None => None,
        };
        let (outcome, pending) = {
            let node = self.clone();
            tokio::task::spawn_blocking(move || node.prepare_one(entry, photo.as_deref()))
                .await
                .map_err(|e| SubmitError::Internal(e.to_string()))??
        };
        let done = pending.await.map_err(|e| SubmitError::Internal(e.to_string()))?;
        // Receipts come from cached tiles: usually no disk access.
        self.finish_one(outcome, done)
    }

    fn prepare_one(
        &self,
        entry: Vec<u8>,
        photo: Option<&[u8]>,
    ) -> Result<((u64, Vec<Flag>), PendingAppend), SubmitError> {
        let mut reading = None;
        let now = unix_now();
        if let Some(photo) = photo {
            let claimed = photo_claim(&entry)?;
            check_photo(photo, &claimed)?;
            reading = self.read_photo(&claimed.to_ascii_lowercase(), photo, now)?;
            self.blobs.put(photo).map_err(|e| SubmitError::Internal(format!("storing photo: {e}")))?;
        }
        let (mut outcomes, pending) = self.enqueue_with(vec![entry], now, reading)?;
        let outcome = outcomes.pop().ok_or_else(|| SubmitError::Internal("no outcome".into()))??;
        let pending = pending.ok_or_else(|| SubmitError::Internal("accepted entry was not queued".into()))?;
        Ok((outcome, pending))
    }

    /// The signed reading entry for a new photo, if photos are read and this
    /// one has not been read before.
    fn read_photo(&self, sha256: &str, photo: &[u8], now: u64) -> Result<Option<Vec<u8>>, SubmitError> {
        let Some(operator) = &self.photo_reader else { return Ok(None) };
        if self.registry().photo_reading(sha256).is_some() {
            return Ok(None);
        }
        let codes = testigo_scan::photo_codes(photo).map_err(|e| {
            tracing::info!("refusing an undecodable photo: {e}");
            SubmitError::Rejected(Rejection::PhotoNotImage)
        })?;
        let reading = Entry::Reading(PhotoReading {
            photo_sha256: sha256.to_string(),
            codes,
            reader: PHOTO_READER.to_string(),
            signed_at: now,
        });
        match encode_signed(&reading, operator) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) => {
                // Only a photo full of huge codes gets here; the sheet still counts.
                tracing::warn!("photo {sha256} not logged as read: {e}");
                Ok(None)
            }
        }
    }

    fn finish_one(
        &self,
        (index, flags): (u64, Vec<Flag>),
        done: testigo_tlog::sequencer::Appended,
    ) -> Result<Accepted, SubmitError> {
        if done.first_index != index {
            return Err(SubmitError::Internal(format!(
                "sequencer assigned index {} but the registry expected {index}; restart the node",
                done.first_index
            )));
        }
        let receipt = self.receipt(index, done.tree_size, &done.checkpoint)?;
        Ok(Accepted { index, flags, receipt })
    }

    /// Submits many entries in one batch (bulk import); returns per entry its
    /// index and flags, or its rejection. Receipts are not built (use `log prove`).
    pub fn submit_many(&self, entries: Vec<Vec<u8>>, now: u64) -> Result<Vec<Outcome>, SubmitError> {
        let (outcomes, pending) = self.enqueue(entries, now)?;
        if let Some(p) = pending {
            p.wait().map_err(|e| SubmitError::Internal(e.to_string()))?;
        }
        Ok(outcomes)
    }

    /// Stops the sequencer after publishing everything queued.
    pub fn shutdown(self) {
        self.sequencer.shutdown();
    }
}

/// [`Registry::prepare`] for each entry, split over the available cores
/// when the batch is large enough to pay for the threads.
fn prepare_all(registry: &Registry, entries: &[Vec<u8>]) -> Vec<Result<Prepared, Rejection>> {
    // available_parallelism reads cgroup files on every call: ask once.
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads = *THREADS.get_or_init(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    if entries.len() < 64 || threads == 1 {
        return entries.iter().map(|e| registry.prepare(e)).collect();
    }
    let per = entries.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = entries
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(|e| registry.prepare(e)).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            // A panic here is a bug; re-raise it rather than misalign outcomes.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The photo hash an entry names, for checking an uploaded photo against it.
fn photo_claim(entry: &[u8]) -> Result<String, Rejection> {
    let (e, _) = testigo_election::entry::decode(entry).map_err(|e| Rejection::Malformed(e.to_string()))?;
    match e {
        testigo_election::Entry::Sheet(s) => s
            .photo_sha256
            .ok_or_else(|| Rejection::Malformed("a photo was uploaded but the sheet names no photo_sha256".into())),
        _ => Err(Rejection::Malformed("only sheets carry photos".into())),
    }
}

/// Replays log entries [0, size) into `registry`. An entry the registry
/// refuses during replay is a sign of operator misbehaviour (it should never
/// have been logged): it is reported and contributes nothing.
pub fn replay(
    reader: &LogReader<dyn Storage>,
    registry: &mut Registry,
    size: u64,
) -> anyhow::Result<Vec<(u64, Rejection)>> {
    let mut refused = Vec::new();
    let bundles = size.div_ceil(256);
    for b in 0..bundles {
        for (i, entry) in reader.bundle(b, size)?.into_iter().enumerate() {
            let index = b * 256 + i as u64;
            if let Err(r) = registry.apply(index, &entry) {
                tracing::warn!(index, code = r.code(), "logged entry refused on replay: {r}");
                refused.push((index, r));
            }
        }
    }
    Ok(refused)
}
