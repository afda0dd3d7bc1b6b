//! The running node: a data directory's log, the registry derived from it,
//! and the photo store. HTTP-agnostic: the server and the CLI's bulk import
//! both submit through [`Node`], so both apply exactly the same rules.
//!
//! **Ordering.** A submission is checked against the registry, queued to
//! the sequencer, and applied to the registry under one lock, so the
//! registry's order is the log's order. The caller is answered only when the
//! sequencer reports the entry durable and covered by a published checkpoint.
//!
//! **Fail-stop.** When storage fails (a full disk, an I/O error) the
//! registry may hold entries the log never recorded. The node then stops
//! taking submissions ([`SubmitError::Unavailable`]), rebuilds the registry
//! by replaying the log as it is on disk (so reads never show an entry that
//! does not exist), and, once a probe write succeeds again, reopens the
//! sequencer from the published checkpoint and resumes: the state after
//! recovery is exactly a replay of the log, with no restart.
//!
//! **Photos.** A photo is checked only after the sheet that names it passed
//! authentication and every rule, its size in pixels is checked from its
//! header before any decoding, and it is served only once the sheet is
//! accepted (see [`testigo_store::blobs`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use testigo_election::{
    check_photo, encode_signed, Entry, Flag, PhotoReading, Prepared, QrDecoder, Registry, Rejection,
};
use testigo_note::{SignedNote, Signer, Verifier};
use testigo_tlog::reader::LogReader;
use testigo_tlog::sequencer::PendingAppend;
use testigo_tlog::storage::Storage;
use testigo_tlog::{Receipt, Sequencer};

use crate::batcher::{wait_durable, Batcher};
use crate::ratelimit::{KeyLimiter, Rate};
use testigo_store::blobs::{BlobStore, Staged};
use testigo_store::DataDir;

/// Why a submission failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SubmitError {
    /// The entry breaks a rule: it was not logged.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The signing key is over its rate limit (charged only after its signature verified).
    #[error("key {key} is over its rate limit; retry in {retry_after} s")]
    RateLimited {
        /// The key's name and ID.
        key: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The intake queue is full: retry shortly.
    #[error("the server is busy (its intake queue is full); retry in {retry_after} s")]
    Overloaded {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The node cannot accept submissions now (storage failed, witnesses
    /// refuse its checkpoints); nothing was acknowledged.
    #[error("the server cannot accept submissions now ({why}); nothing was recorded: retry in {retry_after} s")]
    Unavailable {
        /// Why, without file paths.
        why: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// An unexpected failure; details are in the server's log.
    #[error("the log could not record the entry: {0}")]
    Internal(String),
}

impl SubmitError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            SubmitError::Rejected(r) => r.code(),
            SubmitError::RateLimited { .. } => "rate_limited",
            SubmitError::Overloaded { .. } => "overloaded",
            SubmitError::Unavailable { .. } => "unavailable",
            SubmitError::Internal(_) => "internal",
        }
    }

    /// The HTTP status to answer with.
    pub fn http_status(&self) -> u16 {
        match self {
            SubmitError::Rejected(r) => r.http_status(),
            SubmitError::RateLimited { .. } => 429,
            SubmitError::Overloaded { .. } | SubmitError::Unavailable { .. } => 503,
            SubmitError::Internal(_) => 500,
        }
    }

    /// Seconds a client should wait before retrying, where retrying can help.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            SubmitError::RateLimited { retry_after, .. }
            | SubmitError::Overloaded { retry_after }
            | SubmitError::Unavailable { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
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

/// Per entry of a batch: its index and flags, or why it was refused.
pub type Outcome = Result<(u64, Vec<Flag>), SubmitError>;

/// Makes the QR decoder a registry replays with (a fresh one per replay,
/// since decoders may hold state derived from the log).
pub type QrFactory = Arc<dyn Fn() -> Option<Box<dyn QrDecoder + Send + Sync>> + Send + Sync>;

/// Whether the node takes submissions.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Health {
    Healthy,
    /// Storage failed: the registry is being (or was) rebuilt from the log
    /// and the sequencer will be reopened once storage works.
    StorageFailed,
}

/// How long after a storage failure the first recovery attempt waits, and the longest pause between attempts.
const RECOVERY_FIRST_WAIT: Duration = Duration::from_millis(200);
const RECOVERY_MAX_WAIT: Duration = Duration::from_secs(10);

/// A data directory opened for serving and submitting.
pub struct Node {
    dir: DataDir,
    /// The single writer; replaced when recovering from a storage failure.
    sequencer: RwLock<Option<Sequencer>>,
    storage: Arc<dyn Storage>,
    reader: LogReader<dyn Storage>,
    registry: RwLock<Registry>,
    /// The registry's [`Registry::next_index`], readable without its lock:
    /// readers (the website) ask it on every request, and must not wait while
    /// the intake holds the registry to apply a batch.
    registry_size: std::sync::atomic::AtomicU64,
    /// Which tables each applied batch touched, readable without the
    /// registry's lock (recorded under it).
    changes: crate::changes::TableChanges,
    qr: QrFactory,
    /// Serialises check → enqueue → apply so registry order is log order;
    /// holds the next index.
    order: Mutex<u64>,
    health: Mutex<Health>,
    /// Why witnesses refuse this log's checkpoints, if they do (set by the witnessing task).
    witness_block: Mutex<Option<String>>,
    blobs: Arc<dyn BlobStore>,
    log_key: Verifier,
    /// Groups concurrent HTTP submissions (started on first use).
    batcher: std::sync::OnceLock<Batcher>,
    /// The operator key that signs photo readings; `None`: photos are stored, not read.
    photo_reader: Option<Signer>,
    /// Bounds concurrent photo decoding (memory: a decoded photo takes tens of MiB).
    photo_permits: tokio::sync::Semaphore,
    /// Per-key limits charged after a signature verified; `None`: unlimited (bulk import).
    key_limits: Option<KeyLimiter>,
    /// Weak self-reference for the recovery thread, set once the node is shared.
    this: std::sync::OnceLock<std::sync::Weak<Node>>,
    /// Entries below this index were replayed on start with their signatures
    /// taken on trust ([`rebuild_own`]) until [`Node::check_signatures_in_background`] checks them.
    trusted_below: u64,
    /// Why the log's own entries cannot be trusted, if the background check
    /// found a bad signature: no submission is acknowledged after that.
    integrity_block: Arc<Mutex<Option<String>>>,
}

/// The name and version logged as the reader of photo readings.
pub const PHOTO_READER: &str = concat!("testigo ", env!("CARGO_PKG_VERSION"), " (rxing + rqrr)");

pub use testigo_store::unix_now;

/// The factory for a fixed decoder type.
pub fn qr_factory<D: QrDecoder + Send + Sync + 'static>(make: impl Fn() -> D + Send + Sync + 'static) -> QrFactory {
    Arc::new(move || Some(Box::new(make()) as Box<dyn QrDecoder + Send + Sync>))
}

impl Node {
    /// Opens the node: takes the log's writer lock and rebuilds the registry by
    /// replaying every entry of the log.
    pub fn open(dir: DataDir, qr: QrFactory) -> anyhow::Result<Node> {
        let storage = dir.storage()?;
        Self::open_with_storage(dir, qr, storage)
    }

    /// [`Node::open`] over a given storage of the data directory's log (e.g.
    /// a [`crate::witnessing::GuardedStorage`] wrapping `dir.storage()`).
    pub fn open_with_storage(dir: DataDir, qr: QrFactory, storage: Arc<dyn Storage>) -> anyhow::Result<Node> {
        let sequencer = Sequencer::open(storage.clone(), dir.signer()?, dir.sequencer_config())?;
        let log_key = dir.signer()?.verifier();
        let reader = LogReader::new(storage.clone(), 4096);
        let latest = sequencer.latest();
        let size = latest.tree_size;
        let root = testigo_tlog::checkpoint::open(&latest.checkpoint, &log_key, &[])?.checkpoint.root;
        let registry = rebuild_own(&reader, &qr, size, &root)?;
        let blobs = dir.photo_store()?;
        Ok(Node {
            dir,
            sequencer: RwLock::new(Some(sequencer)),
            storage,
            reader,
            registry_size: std::sync::atomic::AtomicU64::new(registry.next_index()),
            registry: RwLock::new(registry),
            changes: crate::changes::TableChanges::default(),
            qr,
            order: Mutex::new(size),
            health: Mutex::new(Health::Healthy),
            witness_block: Mutex::new(None),
            blobs,
            log_key,
            batcher: std::sync::OnceLock::new(),
            photo_reader: None,
            photo_permits: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            ),
            key_limits: None,
            this: std::sync::OnceLock::new(),
            trusted_below: size,
            integrity_block: Arc::new(Mutex::new(None)),
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

    /// Limits each signing key (other than the operator's) to `rate`
    /// submissions, charged only after the key's signature verified.
    pub fn with_key_rate(mut self, rate: Rate) -> Self {
        self.key_limits = Some(KeyLimiter::new(rate));
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
    pub fn blobs(&self) -> &dyn BlobStore {
        self.blobs.as_ref()
    }
    /// The log's verifier key.
    pub fn log_key(&self) -> &Verifier {
        &self.log_key
    }
    /// Read access to the derived state.
    pub fn registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|p| p.into_inner())
    }
    /// [`Node::registry`] if it can be had without waiting: `None` while the
    /// intake holds it to apply a batch (none of which is durable yet).
    pub fn try_registry(&self) -> Option<std::sync::RwLockReadGuard<'_, Registry>> {
        match self.registry.try_read() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
    /// The registry held for writing, as the intake holds it while applying
    /// a batch: for tests of what readers do meanwhile.
    #[cfg(test)]
    pub(crate) fn registry_for_writing(&self) -> std::sync::RwLockWriteGuard<'_, Registry> {
        self.registry.write().unwrap_or_else(|p| p.into_inner())
    }
    /// How many log entries the registry holds ([`Registry::next_index`]),
    /// without taking its lock.
    pub fn registry_size(&self) -> u64 {
        self.registry_size.load(std::sync::atomic::Ordering::Acquire)
    }
    /// Which tables applied batches touched ([`crate::changes::TableChanges`]).
    pub fn changes(&self) -> &crate::changes::TableChanges {
        &self.changes
    }
    /// The latest published checkpoint.
    pub fn checkpoint(&self) -> Arc<Vec<u8>> {
        let seq = self.sequencer.read().unwrap_or_else(|p| p.into_inner());
        match seq.as_ref() {
            Some(s) => s.latest().checkpoint,
            None => {
                Arc::new(self.storage.read(testigo_tlog::storage::CHECKPOINT_PATH).ok().flatten().unwrap_or_default())
            }
        }
    }

    /// Whether the node takes submissions now; `Err` says why not.
    pub fn available(&self) -> Result<(), SubmitError> {
        if *self.health.lock().unwrap_or_else(|p| p.into_inner()) != Health::Healthy {
            return Err(SubmitError::Unavailable {
                why: "the log's storage failed (a full disk or an I/O error); it recovers by itself once writing \
                      works again"
                    .into(),
                retry_after: 30,
            });
        }
        if let Some(why) = self.witness_block.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return Err(SubmitError::Unavailable { why: why.clone(), retry_after: 60 });
        }
        if let Some(why) = self.integrity_block.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return Err(SubmitError::Unavailable { why: why.clone(), retry_after: 3600 });
        }
        Ok(())
    }

    /// Checks again, in a background thread on every core, the signatures of
    /// the entries the node replayed on start without checking them
    /// ([`rebuild_own`]: they hash to the checkpoint this log signed, and the
    /// node checked each before sequencing it). If one fails, the node stops
    /// acknowledging submissions and says which entry: its own log holds an
    /// entry it should never have accepted. A server calls this once after
    /// opening; returns the thread, which ends when the check does.
    pub fn check_signatures_in_background(&self) -> std::io::Result<std::thread::JoinHandle<()>> {
        let size = self.trusted_below;
        let reader = LogReader::new(self.storage.clone(), 64);
        let keys = signing_keys(&self.registry());
        let block = self.integrity_block.clone();
        std::thread::Builder::new().name("testigo-signature-check".into()).spawn(move || {
            let started = std::time::Instant::now();
            match recheck_signatures(&reader, &keys, size) {
                Ok(None) => tracing::info!(
                    entries = size,
                    seconds = started.elapsed().as_secs_f64(),
                    "the signatures of the log replayed on start are all valid"
                ),
                Ok(Some(bad)) => {
                    let why = format!(
                        "the log holds an entry with a bad signature ({bad}): the node no longer acknowledges \
                         submissions; find how it was logged, and check the log with `testigo verify`"
                    );
                    tracing::error!("{why}");
                    *block.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
                }
                Err(e) => tracing::warn!("could not re-check the signatures of the log replayed on start: {e:#}"),
            }
        })
    }

    /// Stops (`Some(why)`) or resumes (`None`) acknowledging submissions
    /// because witnesses refuse this log's checkpoints.
    pub fn set_witness_block(&self, why: Option<String>) {
        let mut block = self.witness_block.lock().unwrap_or_else(|p| p.into_inner());
        if *block != why {
            match &why {
                Some(w) => tracing::error!("no longer acknowledging submissions: {w}"),
                None => tracing::warn!("witnesses cosign again: acknowledging submissions"),
            }
        }
        *block = why;
    }

    /// Checks and queues entries (in order); returns, per entry, its
    /// predicted index and flags or its refusal, plus the pending append of
    /// the accepted ones. `charge_keys`: charge per-key rate limits.
    pub(crate) fn enqueue(
        &self,
        entries: Vec<Vec<u8>>,
        now: u64,
        charge_keys: bool,
    ) -> Result<(Vec<Outcome>, Option<PendingAppend>), SubmitError> {
        self.enqueue_with(entries, now, charge_keys, None)
    }

    /// [`Node::enqueue`] for a single sheet with its photo: `photo` is the
    /// staged photo (published once the sheet is accepted, discarded
    /// otherwise) and the reading to log right after the sheet, if any; the
    /// flags the reading raises are added to the sheet's outcome.
    fn enqueue_with(
        &self,
        entries: Vec<Vec<u8>>,
        now: u64,
        charge_keys: bool,
        photo: Option<(Staged, Option<Vec<u8>>)>,
    ) -> Result<(Vec<Outcome>, Option<PendingAppend>), SubmitError> {
        if let Err(e) = self.available() {
            if let Some((staged, _)) = photo {
                self.blobs.discard(staged);
            }
            return Err(e);
        }
        // Decoding and signature checks are stateless and dominate the cost:
        // run them on every core, under the read lock only.
        let prepared = {
            let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
            prepare_all(&registry, &entries)
        };
        let mut next = self.order.lock().unwrap_or_else(|p| p.into_inner());
        // Re-checked under the order lock: a failure may have been declared meanwhile.
        if let Err(e) = self.available() {
            if let Some((staged, _)) = photo {
                self.blobs.discard(staged);
            }
            return Err(e);
        }
        let operator = self.registry().operator().cloned();
        let mut registry = self.registry.write().unwrap_or_else(|p| p.into_inner());
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut accepted = Vec::new();
        // The table each applied entry is about (None: it may change any page).
        let mut touched: Vec<Option<String>> = Vec::new();
        let with_photo = photo.is_some();
        for (entry, prepared) in entries.into_iter().zip(prepared) {
            let applied = prepared.map_err(SubmitError::from).and_then(|p| {
                if charge_keys {
                    self.charge_key(&p, operator.as_ref())?;
                }
                if !with_photo {
                    self.check_photo_present(&p)?;
                }
                registry.apply_prepared(*next, p, now).map_err(SubmitError::from)
            });
            match applied {
                Ok(applied) => {
                    touched.push(applied.table);
                    outcomes.push(Ok((*next, applied.flags)));
                    accepted.push(entry);
                    *next += 1;
                }
                Err(r) => outcomes.push(Err(r)),
            }
        }
        if let Some((staged, reading)) = photo {
            if accepted.is_empty() {
                self.blobs.discard(staged);
            } else {
                // Public before the sheet that names it is logged; on failure the
                // registry is ahead of the log: fail-stop, and rebuild it.
                if let Err(e) = self.blobs.publish(staged) {
                    self.changes.record(touched.iter().map(Option::as_deref));
                    self.registry_size.store(registry.next_index(), std::sync::atomic::Ordering::Release);
                    drop(registry);
                    return Err(self.storage_failed(&format!("storing a photo: {e}")));
                }
                if let (Some(extra), [Ok((_, flags))]) = (reading, outcomes.as_mut_slice()) {
                    match registry.prepare(&extra).and_then(|p| registry.apply_prepared(*next, p, now)) {
                        // The reading is about the sheet just applied: its table is touched already.
                        Ok(applied) => {
                            flags.extend(applied.flags);
                            flags.sort();
                            flags.dedup();
                            accepted.push(extra);
                            *next += 1;
                        }
                        // The operator's own entry: a refusal is a bug, not the submitter's fault.
                        Err(r) => tracing::error!(code = r.code(), "the node's own photo reading was refused: {r}"),
                    }
                }
            }
        }
        self.changes.record(touched.iter().map(Option::as_deref));
        self.registry_size.store(registry.next_index(), std::sync::atomic::Ordering::Release);
        drop(registry);
        if accepted.is_empty() {
            return Ok((outcomes, None));
        }
        // Queued under the lock: the sequencer assigns indices in queue order,
        // which is the order just applied to the registry.
        let submitted = {
            let seq = self.sequencer.read().unwrap_or_else(|p| p.into_inner());
            match seq.as_ref() {
                Some(s) => s.submit(accepted).map_err(|e| e.to_string()),
                None => Err("the sequencer is not running".to_string()),
            }
        };
        match submitted {
            Ok(pending) => Ok((outcomes, Some(pending))),
            Err(e) => Err(self.storage_failed(&e)),
        }
    }

    /// Charges the verified signer of `p` one submission (the operator is never limited).
    fn charge_key(&self, p: &Prepared, operator: Option<&Verifier>) -> Result<(), SubmitError> {
        let (Some(limits), Some(key)) = (&self.key_limits, p.verified_by()) else { return Ok(()) };
        if Some(key) == operator {
            return Ok(());
        }
        limits.take(key.public_key().to_bytes()).map_err(|retry_after| SubmitError::RateLimited {
            key: format!("{}+{:08x}", key.name(), key.key_id()),
            retry_after,
        })
    }

    /// A sheet sent without a photo may name one only if it is already stored.
    fn check_photo_present(&self, p: &Prepared) -> Result<(), SubmitError> {
        if let Entry::Sheet(s) = p.entry() {
            if let Some(h) = &s.photo_sha256 {
                let stored =
                    self.blobs.contains(h).map_err(|e| self.storage_failed(&format!("looking up a photo: {e}")))?;
                if !stored {
                    return Err(Rejection::PhotoMissing(h.clone()).into());
                }
            }
        }
        Ok(())
    }

    /// Declares a storage failure: no more submissions until recovered.
    /// Returns the error to answer the caller with.
    pub(crate) fn storage_failed(&self, why: &str) -> SubmitError {
        let first = {
            let mut h = self.health.lock().unwrap_or_else(|p| p.into_inner());
            let first = *h == Health::Healthy;
            *h = Health::StorageFailed;
            first
        };
        if first {
            tracing::error!(error = why, "storage failed: refusing submissions until writes work again");
            // Only a served node (shared, see `submit_async`) recovers by itself;
            // a command-line tool reports the error and exits.
            if let Some(weak) = self.this.get().cloned() {
                let spawned = std::thread::Builder::new().name("testigo-recovery".into()).spawn(move || recover(weak));
                if let Err(e) = spawned {
                    tracing::error!("cannot start the recovery thread: {e}");
                }
            }
        }
        match self.available() {
            Err(e) => e,
            Ok(()) => SubmitError::Unavailable { why: "the log's storage failed".into(), retry_after: 30 },
        }
    }

    /// Waits for a pending append; a failure is a storage failure.
    async fn durable(&self, pending: PendingAppend) -> Result<testigo_tlog::sequencer::Appended, SubmitError> {
        pending.await.map_err(|e| self.storage_failed(&e.to_string()))
    }

    /// The receipt of the entry at `index`, carrying the entry itself in its
    /// `extra` line so that it can be checked offline with nothing but the
    /// log's verifier key (`testigo log check-receipt`).
    fn receipt(&self, entry: Vec<u8>, index: u64, tree_size: u64, checkpoint: &[u8]) -> Result<Receipt, SubmitError> {
        let proof = self.reader.inclusion_proof(index, tree_size).map_err(|e| {
            tracing::error!(error = %e, index, "cannot build a receipt");
            SubmitError::Internal(
                "cannot build the receipt; the entry is logged (fetch it with the log's tiles)".into(),
            )
        })?;
        Ok(Receipt { extra: Some(entry), index, proof, checkpoint: checkpoint.to_vec() })
    }

    /// The latest checkpoint and the tree size it covers.
    fn latest(&self) -> Result<(Arc<Vec<u8>>, u64), SubmitError> {
        let checkpoint = self.checkpoint();
        let opened = testigo_tlog::checkpoint::open(&checkpoint, self.log_key(), &[]).map_err(|e| {
            tracing::error!(error = %e, "the latest checkpoint does not open with the log's own key");
            SubmitError::Internal("the latest checkpoint cannot be read".into())
        })?;
        let size = opened.checkpoint.size;
        Ok((checkpoint, size))
    }

    /// Entry `index` of the tree of `size` entries; `None` past its end.
    fn entry_in(&self, index: u64, size: u64) -> Result<Option<Vec<u8>>, SubmitError> {
        if index >= size {
            return Ok(None);
        }
        self.reader.entry(index, size).map(Some).map_err(|e| {
            tracing::error!(error = %e, index, "cannot read a logged entry");
            SubmitError::Internal("cannot read the entry from the log".into())
        })
    }

    /// The bytes of logged entry `index`, if the latest checkpoint covers it.
    pub fn entry_at(&self, index: u64) -> Result<Option<Vec<u8>>, SubmitError> {
        let (_, size) = self.latest()?;
        self.entry_in(index, size)
    }

    /// A receipt for any logged entry against the latest checkpoint, the
    /// entry in its `extra` line; `None` if the log is not that long yet.
    pub fn receipt_at(&self, index: u64) -> Result<Option<Receipt>, SubmitError> {
        let (checkpoint, size) = self.latest()?;
        let Some(entry) = self.entry_in(index, size)? else { return Ok(None) };
        self.receipt(entry, index, size, &checkpoint).map(Some)
    }

    /// Submits one signed entry, optionally with the photo it names, and
    /// waits until it is durable.
    pub async fn submit_async(
        self: &Arc<Self>,
        entry: Vec<u8>,
        photo: Option<Vec<u8>>,
    ) -> Result<Accepted, SubmitError> {
        self.this.get_or_init(|| Arc::downgrade(self));
        self.available()?;
        // Entries without a photo go through the batcher (one lock and one
        // sequencer batch for everything queued); photos (hashing up to 10 MiB,
        // decoding, disk writes) take the blocking pool.
        let Some(photo) = photo else {
            let batcher =
                self.batcher.get_or_init(|| Batcher::start(Arc::downgrade(self), tokio::runtime::Handle::current()));
            let (outcome, durable) = batcher.submit(entry.clone()).await?;
            let (index, flags) = outcome?;
            let done = wait_durable(durable).await.map_err(|e| self.storage_failed(&e))?;
            // The batcher checked the batch's first index against the registry's.
            let receipt = self.receipt(entry, index, done.tree_size, &done.checkpoint)?;
            return Ok(Accepted { index, flags, receipt });
        };
        let now = unix_now();
        // Authenticate and check every rule before touching the photo.
        let node = self.clone();
        let claimed = run_blocking(move || node.check_sheet_with_photo(&entry, now).map(|c| (entry, c))).await?;
        let (entry, claimed) = claimed;
        // Decoding a photo takes a core and tens of MiB for up to a second: bound it.
        let _permit = self
            .photo_permits
            .acquire()
            .await
            .map_err(|_| SubmitError::Unavailable { why: "the node is stopping".into(), retry_after: 5 })?;
        let node = self.clone();
        let outcome = run_blocking(move || {
            let (staged, reading) = node.take_photo(&claimed, &photo, now)?;
            let (mut outcomes, pending) =
                node.enqueue_with(vec![entry.clone()], now, false, Some((staged, reading)))?;
            let outcome = outcomes.pop().ok_or_else(|| SubmitError::Internal("no outcome".into()))??;
            let pending = pending.ok_or_else(|| SubmitError::Internal("accepted entry was not queued".into()))?;
            Ok((entry, outcome, pending))
        })
        .await?;
        let (entry, outcome, pending) = outcome;
        let done = self.durable(pending).await?;
        self.finish_one(entry, outcome, done)
    }

    /// Authenticates a sheet sent with a photo and checks it against every
    /// rule (charging its key's rate limit); returns the photo hash it names.
    fn check_sheet_with_photo(&self, entry: &[u8], now: u64) -> Result<String, SubmitError> {
        let registry = self.registry();
        let prepared = registry.prepare(entry)?;
        registry.check_prepared(registry.next_index(), &prepared, now)?;
        self.charge_key(&prepared, registry.operator())?;
        match prepared.entry() {
            Entry::Sheet(s) => s.photo_sha256.clone().map(|h| h.to_ascii_lowercase()).ok_or_else(|| {
                Rejection::Malformed(
                    "a photo was uploaded but the sheet names no photo_sha256: sign the sheet with the photo's hash"
                        .into(),
                )
                .into()
            }),
            _ => Err(Rejection::Malformed("only sheets carry photos".into()).into()),
        }
    }

    /// Checks an authenticated sheet's photo (hash, image header, pixel
    /// count), reads its codes if photos are read, and stages it.
    fn take_photo(&self, claimed: &str, photo: &[u8], now: u64) -> Result<(Staged, Option<Vec<u8>>), SubmitError> {
        check_photo(photo, claimed)?;
        testigo_scan::photo_dimensions(photo).map_err(|e| match e {
            testigo_scan::PhotoError::TooLarge { width, height } => Rejection::PhotoTooLarge {
                width,
                height,
                max_megapixels: (testigo_scan::photo::MAX_PIXELS / 1_000_000) as u32,
            },
            _ => Rejection::PhotoNotImage,
        })?;
        let reading = self.read_photo(claimed, photo, now)?;
        let staged = self.blobs.stage(photo).map_err(|e| self.storage_failed(&format!("staging a photo: {e}")))?;
        Ok((staged, reading))
    }

    /// The signed reading entry for a new photo, if photos are read and this
    /// one has not been read before.
    fn read_photo(&self, sha256: &str, photo: &[u8], now: u64) -> Result<Option<Vec<u8>>, SubmitError> {
        let Some(operator) = &self.photo_reader else { return Ok(None) };
        if self.registry().photo_reading(sha256).is_some() {
            return Ok(None);
        }
        let codes = testigo_documents::photo_codes(photo).map_err(|e| {
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
        entry: Vec<u8>,
        (index, flags): (u64, Vec<Flag>),
        done: testigo_tlog::sequencer::Appended,
    ) -> Result<Accepted, SubmitError> {
        if done.first_index != index {
            tracing::error!(index, assigned = done.first_index, "sequencer and registry disagree on an index");
            return Err(SubmitError::Internal(
                "the log assigned an unexpected index; the operator must restart the server".into(),
            ));
        }
        let receipt = self.receipt(entry, index, done.tree_size, &done.checkpoint)?;
        Ok(Accepted { index, flags, receipt })
    }

    /// Submits many entries in one batch (bulk import, no rate limits);
    /// returns per entry its index and flags, or its refusal. Receipts are
    /// not built (use `log prove`).
    pub fn submit_many(&self, entries: Vec<Vec<u8>>, now: u64) -> Result<Vec<Outcome>, SubmitError> {
        let (outcomes, pending) = self.enqueue(entries, now, false)?;
        if let Some(p) = pending {
            p.wait().map_err(|e| self.storage_failed(&e.to_string()))?;
        }
        Ok(outcomes)
    }

    /// Tries once to resume after a storage failure: probes a write, reopens
    /// the sequencer from the published checkpoint and rebuilds the registry
    /// from the log. Returns whether the node is healthy again.
    fn try_recover(&self, reopen: bool) -> anyhow::Result<bool> {
        let mut next = self.order.lock().unwrap_or_else(|p| p.into_inner());
        let mut seq = self.sequencer.write().unwrap_or_else(|p| p.into_inner());
        if reopen {
            self.dir.probe_writable()?;
            // Joins the failed writer thread, releasing the log's writer lock.
            drop(seq.take());
            *seq = Some(Sequencer::open(self.storage.clone(), self.dir.signer()?, self.dir.sequencer_config())?);
        }
        // The checkpoint on disk, not the failed sequencer's last success: a
        // failed write may still have published its checkpoint.
        let size = match seq.as_ref() {
            Some(s) if reopen => s.latest().tree_size,
            _ => published(self.storage.as_ref(), &self.log_key)?.0,
        };
        let rebuilt = rebuild(&self.reader, &self.qr, size)?;
        let mut registry = self.registry.write().unwrap_or_else(|p| p.into_inner());
        *registry = rebuilt;
        // Rebuilt from the log: any page may differ.
        self.changes.record([None]);
        self.registry_size.store(registry.next_index(), std::sync::atomic::Ordering::Release);
        drop(registry);
        *next = size;
        if reopen && seq.is_some() {
            *self.health.lock().unwrap_or_else(|p| p.into_inner()) = Health::Healthy;
            tracing::warn!(size, "storage works again: the registry was rebuilt from the log; taking submissions");
            return Ok(true);
        }
        Ok(false)
    }

    /// Stops the sequencer after publishing everything queued; later
    /// submissions fail.
    pub fn shutdown(&self) {
        let seq = self.sequencer.write().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(s) = seq {
            s.shutdown();
        }
    }
}

/// The recovery loop run after a storage failure: first makes the registry
/// equal to the log on disk (so reads stay true), then retries with backoff
/// until the sequencer can be reopened.
fn recover(node: std::sync::Weak<Node>) {
    let mut wait = RECOVERY_FIRST_WAIT;
    let mut first = true;
    loop {
        if !first {
            std::thread::sleep(wait);
            wait = (wait * 2).min(RECOVERY_MAX_WAIT);
        }
        let Some(n) = node.upgrade() else { return };
        // The first pass only rebuilds the registry from the published log.
        match n.try_recover(!first) {
            Ok(true) => return,
            Ok(false) => {}
            Err(e) => tracing::warn!("storage still failing: {e:#}"),
        }
        first = false;
    }
}

/// The size and root of the checkpoint published in `storage`, verified with `key`.
fn published(storage: &dyn Storage, key: &Verifier) -> anyhow::Result<(u64, testigo_tlog::Hash)> {
    let bytes = storage
        .read(testigo_tlog::storage::CHECKPOINT_PATH)?
        .ok_or_else(|| anyhow::anyhow!("the log has no checkpoint"))?;
    let c = testigo_tlog::checkpoint::open(&bytes, key, &[])?.checkpoint;
    Ok((c.size, c.root))
}

/// The registry of the log's first `size` entries as its own writer rebuilds
/// it on start or recovery: signatures taken on trust (the writer checked
/// each one before sequencing it, and re-checks them in the background after,
/// [`Node::share`]), once every entry is proven to be one the checkpoint it
/// signed covers (the entries' tree hash equals `root`). Twice as fast as
/// [`rebuild`], which a writer cannot prove its entries to.
fn rebuild_own(
    reader: &LogReader<dyn Storage>,
    qr: &QrFactory,
    size: u64,
    root: &testigo_tlog::Hash,
) -> anyhow::Result<Registry> {
    let mut registry = Registry::new();
    registry.set_qr_decoder(qr());
    let mut replay = testigo_replay::Replayer::with_registry(registry).trusting_signatures();
    testigo_replay::replay_log(reader, &mut replay, size)?;
    if replay.root().as_ref() != Some(root) {
        anyhow::bail!(
            "the log's {size} entries do not hash to the root of the checkpoint this log signed: entry bundles \
             were altered or lost; restore the log from a copy or a mirror, and check it with `testigo verify`"
        );
    }
    Ok(replay.into_registry())
}

/// Every key that may have signed an entry, by name and key ID: the
/// operator's and every key ever enrolled.
fn signing_keys(registry: &Registry) -> HashMap<(String, u32), Verifier> {
    let enrolled = registry.enrolments().iter().map(|e| e.verifier.clone());
    registry.operator().cloned().into_iter().chain(enrolled).map(|k| ((k.name().to_string(), k.key_id()), k)).collect()
}

/// Checks again, with Ed25519 batch verification on every core, the
/// signature of each of the first `size` entries signed by one of `keys`:
/// the check [`rebuild_own`] skipped. Returns the first entry whose signature
/// fails, in words.
fn recheck_signatures(
    reader: &LogReader<dyn Storage>,
    keys: &HashMap<(String, u32), Verifier>,
    size: u64,
) -> anyhow::Result<Option<String>> {
    use rayon::prelude::*;
    for b in 0..size.div_ceil(256) {
        let bundle = reader.bundle(b, size)?;
        let items: Vec<(u64, SignedNote, &Verifier)> = bundle
            .iter()
            .enumerate()
            .filter_map(|(i, bytes)| {
                let (_, note) = testigo_election::decode(bytes).ok()?;
                let sig = note.signatures().first()?;
                let key = keys.get(&(sig.name.clone(), sig.key_id))?;
                Some((b * 256 + i as u64, note, key))
            })
            .collect();
        let bad = items.par_chunks(64).find_map_any(|chunk| {
            let items: Vec<testigo_note::BatchItem<'_>> = chunk
                .iter()
                .map(|(_, n, k)| testigo_note::BatchItem {
                    msg: n.text().as_bytes(),
                    sig: &n.signatures()[0].bytes,
                    key: k.public_key(),
                })
                .collect();
            if testigo_note::verify_batch(&items) {
                return None;
            }
            // Name the entry: the strict single check of each.
            chunk
                .iter()
                .find(|(_, n, k)| !k.verify_raw(n.text().as_bytes(), &n.signatures()[0].bytes))
                .map(|(index, _, k)| format!("entry {index} does not carry a valid signature by {}", k.name()))
        });
        if bad.is_some() {
            return Ok(bad);
        }
    }
    Ok(None)
}

/// A registry rebuilt by replaying the log's first `size` entries
/// ([`testigo_replay::Replayer`], as every verifier does). An entry the
/// registry refuses during replay is a sign of operator misbehaviour (it
/// should never have been logged): it is logged as a warning and contributes
/// nothing.
fn rebuild(reader: &LogReader<dyn Storage>, qr: &QrFactory, size: u64) -> anyhow::Result<Registry> {
    let mut registry = Registry::new();
    registry.set_qr_decoder(qr());
    let mut replay = testigo_replay::Replayer::with_registry(registry);
    testigo_replay::replay_log(reader, &mut replay, size)?;
    Ok(replay.into_registry())
}

/// Runs `f` on the blocking pool.
async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SubmitError> + Send + 'static,
) -> Result<T, SubmitError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        tracing::error!(error = %e, "a submission task failed");
        SubmitError::Internal("the submission task failed; nothing was acknowledged".into())
    })?
}

/// [`Registry::prepare`] for each entry, in order: signatures checked with
/// Ed25519 batch verification ([`Registry::prepare_batch`], the same verdicts),
/// one chunk per core when the batch is large enough to pay for the threads.
/// A forged signature in a chunk makes that chunk fall back to single checks:
/// it costs the forger's chunk one extra pass, and failed submissions are
/// rate-limited per address before they get here.
fn prepare_all(registry: &Registry, entries: &[Vec<u8>]) -> Vec<Result<Prepared, Rejection>> {
    use rayon::prelude::*;
    // A batch of one or two verifies no faster than single checks.
    if entries.len() < 3 {
        return entries.iter().map(|e| registry.prepare(e)).collect();
    }
    let slices: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    if entries.len() < 64 {
        return registry.prepare_batch(&slices);
    }
    let per = slices.len().div_ceil(rayon::current_num_threads()).max(1);
    slices.par_chunks(per).flat_map_iter(|chunk| registry.prepare_batch(chunk)).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    //! The node without HTTP: batch outcomes, flags, refusals that store
    //! nothing, fail-stop, per-key limits and the error mapping. The fixture
    //! is shared with the batcher's and the router's unit tests.

    use super::*;
    use std::collections::BTreeMap;
    use testigo_election::{geography_chunks, load_election, load_tables_csv, Enrol, Role, Sheet, Source};
    use testigo_note::ALG_ED25519;

    pub(crate) const ELECTION: &str = "node-test-2026";

    pub(crate) fn key(name: &str, seed: u8) -> Signer {
        Signer::from_seed(name, ALG_ED25519, [seed; 32]).unwrap()
    }

    pub(crate) struct Fixture {
        pub(crate) node: Arc<Node>,
        pub(crate) op: Signer,
        pub(crate) w1: Signer,
        pub(crate) w2: Signer,
        /// Entries logged by the fixture (election, geography, enrolments).
        pub(crate) setup: u64,
        _tmp: tempfile::TempDir,
    }

    pub(crate) fn enrol(k: &Signer, role: Role) -> Entry {
        Entry::Enrol(Enrol {
            key: k.verifier().to_vkey(),
            role,
            holder: "H".into(),
            organisation: "O".into(),
            scope: None,
            valid_from: unix_now() - 3600,
            valid_until: unix_now() + 86_400,
        })
    }

    /// A node holding a one-contest election over three tables and two
    /// enrolled witnesses; `configure` adjusts the node before it is shared.
    /// Blocks on the sequencer: call it off any async runtime.
    pub(crate) fn fixture_with(configure: impl FnOnce(Node) -> Node) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let (op, w1, w2) = (key("op.node.example", 1), key("w1.node.example", 2), key("w2.node.example", 3));
        let toml = format!(
            "id = \"{ELECTION}\"\nname = \"Node test\"\ndate = 2026-01-01\nlevels = [\"state\", \"table\"]\n\
             registry = 1000\nmax_table_voters = 500\noperator = \"{}\"\n\n[[contests]]\nid = \"president\"\n\
             name = \"President\"\n\n[[contests.candidates]]\nid = \"a\"\nname = \"A\"\n\n\
             [[contests.candidates]]\nid = \"b\"\nname = \"B\"\n",
            op.verifier().to_vkey()
        );
        let def = load_election(&toml, "election.toml").unwrap();
        let geo = load_tables_csv(
            &def.levels,
            "state,table,registered\n01,01.1,300\n01,01.2,300\n02,02.1,300\n",
            "tables.csv",
        )
        .unwrap();
        let dir = testigo_store::DataDir::new(tmp.path().join("d"));
        dir.init("node.test.example/log").unwrap();
        let node = configure(Node::open(dir, Arc::new(|| None)).unwrap());
        let mut entries = vec![encode_signed(&Entry::Election(def), &op).unwrap()];
        for chunk in geography_chunks(&geo) {
            entries.push(encode_signed(&Entry::Geography(chunk), &op).unwrap());
        }
        entries.push(encode_signed(&enrol(&w1, Role::Witness), &op).unwrap());
        entries.push(encode_signed(&enrol(&w2, Role::Witness), &op).unwrap());
        let setup = entries.len() as u64;
        for o in node.submit_many(entries, unix_now()).unwrap() {
            o.unwrap();
        }
        Fixture { node: Arc::new(node), op, w1, w2, setup, _tmp: tmp }
    }

    pub(crate) fn fixture() -> Fixture {
        fixture_with(|n| n)
    }

    /// On start the node replays its own log without checking signatures,
    /// once its entries hash to the checkpoint it signed; it checks them in
    /// the background after. An entry with a bad signature sequenced behind
    /// the intake's back stops acknowledgements, naming the entry; an altered
    /// entry bundle stops the start.
    #[test]
    fn the_start_trusts_only_its_own_checkpoint_and_rechecks_every_signature() {
        let f = fixture();
        let dir = f.node.dir().clone();
        // w1's signature over a text that is no longer what w1 signed (a second later).
        let genuine = String::from_utf8(encode_signed(&Entry::Sheet(sheet("01.1")), &f.w1).unwrap()).unwrap();
        let at = genuine.find("\"signed_at\":").unwrap() + "\"signed_at\":".len();
        let end = at + genuine[at..].find(|c: char| !c.is_ascii_digit()).unwrap();
        let bumped = (genuine[at..end].parse::<u64>().unwrap() - 1).to_string();
        let forged = format!("{}{bumped}{}", &genuine[..at], &genuine[end..]);
        f.node.shutdown();
        drop(f.node);
        let seq = dir.sequencer().unwrap();
        // Past the first group of entries the replay prepares together, whose
        // keys are enrolled in the same group (those entries are checked
        // singly on replay, as any verifier does).
        let fillers: Vec<Vec<u8>> = (0..testigo_replay::GROUP_ENTRIES as u32)
            .map(|i| {
                let mut seed = [99u8; 32];
                seed[..4].copy_from_slice(&i.to_le_bytes());
                let k = Signer::from_seed(&format!("filler{i}.node.example"), ALG_ED25519, seed).unwrap();
                encode_signed(&enrol(&k, Role::Observer), &f.op).unwrap()
            })
            .collect();
        seq.submit(fillers).unwrap().wait().unwrap();
        let index = seq.append(forged.into_bytes()).unwrap();
        seq.shutdown();

        let node = Node::open(dir.clone(), Arc::new(|| None)).unwrap();
        assert_eq!(node.registry().next_index(), index + 1);
        assert_eq!(node.registry().sheet_count(), 1, "taken on trust at start");
        assert!(node.available().is_ok());
        node.check_signatures_in_background().unwrap().join().unwrap();
        let Err(SubmitError::Unavailable { why, .. }) = node.available() else { panic!("still acknowledging") };
        assert!(why.contains(&format!("entry {index} does not carry a valid signature by w1.node.example")), "{why}");
        node.shutdown();
        drop(node);

        // One digit changed in a full entry bundle, and its leaf hash in the
        // level-0 tile to match (the reader checks bundles against that tile):
        // only the checkpoint's root, which the log key signed, still differs.
        let bundle_path = dir.log().join("tile/entries/000");
        let mut bundle = std::fs::read(&bundle_path).unwrap();
        let (mut at, mut i) = (0usize, 0usize);
        let (start, len) = loop {
            let len = usize::from(u16::from_be_bytes([bundle[at], bundle[at + 1]]));
            if bundle[at + 2..at + 2 + len].windows(14).any(|w| w == b"\"valid_until\":") {
                break (at + 2, len);
            }
            at += 2 + len;
            i += 1;
        };
        let pos = start + bundle[start..start + len].windows(14).position(|w| w == b"\"valid_until\":").unwrap() + 14;
        bundle[pos] = if bundle[pos] == b'9' { b'8' } else { b'9' };
        let leaf = testigo_tlog::leaf_hash(&bundle[start..start + len]);
        std::fs::write(&bundle_path, &bundle).unwrap();
        let tile_path = dir.log().join("tile/0/000");
        let mut tile = std::fs::read(&tile_path).unwrap();
        tile[32 * i..32 * i + 32].copy_from_slice(&leaf);
        std::fs::write(&tile_path, tile).unwrap();
        let err = Node::open(dir, Arc::new(|| None)).err().expect("an altered log was opened");
        assert!(format!("{err:#}").contains("do not hash to the root of the checkpoint"), "{err:#}");
    }

    /// A consistent witness sheet: a=10, b=5, 15 valid, 15 voters.
    pub(crate) fn sheet(table: &str) -> Sheet {
        Sheet {
            not_reported: Vec::new(),
            election: ELECTION.into(),
            table: table.into(),
            contest: "president".into(),
            source: Source::Witness,
            votes: [("a".to_string(), 10), ("b".to_string(), 5)].into_iter().collect(),
            valid: Some(15),
            null: Some(0),
            blank: None,
            voters: Some(15),
            registered: None,
            photo_sha256: None,
            qr: None,
            dataset: None,
            supersedes: None,
            signed_at: unix_now(),
        }
    }

    pub(crate) fn signed(s: &Sheet, k: &Signer) -> Vec<u8> {
        encode_signed(&Entry::Sheet(s.clone()), k).unwrap()
    }

    fn code(o: &Outcome) -> &'static str {
        match o {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    /// The log's published size, read back from storage.
    fn logged(node: &Node) -> u64 {
        published(node.storage.as_ref(), &node.log_key).unwrap().0
    }

    #[test]
    fn a_batch_gets_one_outcome_per_entry_in_order_and_only_accepted_ones_take_indices() {
        let f = fixture();
        let n = f.setup;
        assert_eq!(logged(&f.node), n);
        let mut sum_mismatch = sheet("01.2");
        sum_mismatch.valid = Some(99);
        sum_mismatch.voters = Some(99);
        let stranger = key("stranger.node.example", 9);
        let outcomes = f
            .node
            .submit_many(
                vec![
                    signed(&sheet("01.1"), &f.w1),
                    b"not a signed note".to_vec(),
                    signed(&sheet("01.1"), &stranger),
                    signed(&sum_mismatch, &f.w2),
                ],
                unix_now(),
            )
            .unwrap();
        assert_eq!(outcomes.iter().map(code).collect::<Vec<_>>(), ["ok", "malformed", "unknown_key", "ok"]);
        assert_eq!(outcomes[0].as_ref().unwrap(), &(n, vec![]));
        assert_eq!(outcomes[3].as_ref().unwrap(), &(n + 1, vec![Flag::CandidateSumMismatch]));
        assert_eq!(logged(&f.node), n + 2);
        let reg = f.node.registry();
        assert_eq!((reg.next_index(), reg.sheet_count()), (n + 2, 2));
        assert_eq!(reg.sheet_at(n + 1).unwrap().flags().iter().collect::<Vec<_>>(), vec![Flag::CandidateSumMismatch]);
    }

    #[test]
    fn duplicates_are_refused_and_conflicting_sheets_are_flagged() {
        let f = fixture();
        let n = f.setup;
        let first = f.node.submit_many(vec![signed(&sheet("01.1"), &f.w1)], unix_now()).unwrap();
        assert_eq!(first[0].as_ref().unwrap().0, n);
        // The same key, same table and contest, in a later batch and within one batch.
        let mut other_counts = sheet("01.1");
        other_counts.votes.insert("a".into(), 11);
        other_counts.valid = Some(16);
        other_counts.voters = Some(16);
        let again = f
            .node
            .submit_many(
                vec![signed(&other_counts, &f.w1), signed(&other_counts, &f.w2), signed(&sheet("01.1"), &f.w2)],
                unix_now(),
            )
            .unwrap();
        match &again[0] {
            Err(SubmitError::Rejected(Rejection::DuplicateSheet { earlier })) => assert_eq!(*earlier, n),
            other => panic!("expected duplicate_sheet, got {other:?}"),
        }
        assert_eq!(again[0].as_ref().unwrap_err().http_status(), 409);
        // Another key disagreeing with the current sheet: logged, flagged.
        assert_eq!(again[1].as_ref().unwrap(), &(n + 1, vec![Flag::ConflictsWithEarlier]));
        // That key's second sheet in the same batch is a duplicate of its first.
        assert_eq!(code(&again[2]), "duplicate_sheet");
        // A correction naming the key's own sheet is accepted.
        let mut correction = other_counts.clone();
        correction.supersedes = Some(n);
        let fixed = f.node.submit_many(vec![signed(&correction, &f.w1)], unix_now()).unwrap();
        assert_eq!(fixed[0].as_ref().unwrap().0, n + 2);
        assert_eq!(f.node.registry().sheet_at(n).unwrap().superseded_by(), Some(n + 2));
        // Superseding someone else's sheet is not.
        let mut hijack = sheet("01.1");
        hijack.supersedes = Some(n + 2);
        let refused = f.node.submit_many(vec![signed(&hijack, &f.w2)], unix_now()).unwrap();
        assert_eq!(code(&refused[0]), "bad_supersedes");
        assert_eq!(logged(&f.node), n + 3);
    }

    #[test]
    fn a_batch_of_refusals_stores_nothing() {
        let f = fixture();
        let before = (f.node.checkpoint(), f.node.registry().next_index(), logged(&f.node));
        let unknown_table = sheet("09.9");
        let mut skewed = sheet("01.1");
        skewed.signed_at += 3600;
        let mut forged = String::from_utf8(signed(&sheet("01.2"), &f.w1)).unwrap();
        forged = forged.replacen("\"null\":0", "\"null\":1", 1);
        assert!(forged.contains("\"null\":1"), "the forgery must alter the signed text: {forged}");
        let mut photo = sheet("01.2");
        photo.photo_sha256 = Some("ab".repeat(32));
        let outcomes = f
            .node
            .submit_many(
                vec![
                    signed(&unknown_table, &f.w1),
                    signed(&skewed, &f.w1),
                    forged.into_bytes(),
                    signed(&photo, &f.w1),
                    encode_signed(&enrol(&key("x.node.example", 7), Role::Witness), &f.w1).unwrap(),
                ],
                unix_now(),
            )
            .unwrap();
        assert_eq!(
            outcomes.iter().map(code).collect::<Vec<_>>(),
            ["unknown_table", "clock_skew", "bad_signature", "photo_missing", "not_operator"]
        );
        assert_eq!((f.node.checkpoint(), f.node.registry().next_index(), logged(&f.node)), before);
        // The refusals left no trace that blocks the genuine sheets later.
        let ok = f.node.submit_many(vec![signed(&sheet("01.1"), &f.w1), signed(&sheet("01.2"), &f.w1)], unix_now());
        assert!(ok.unwrap().iter().all(Result::is_ok));
    }

    #[test]
    fn a_witness_block_refuses_submissions_until_lifted() {
        let f = fixture();
        assert!(f.node.available().is_ok());
        f.node.set_witness_block(Some("witnesses refuse".into()));
        let e = f.node.available().unwrap_err();
        assert_eq!((e.code(), e.http_status(), e.retry_after()), ("unavailable", 503, Some(60)));
        assert!(e.to_string().contains("witnesses refuse"), "{e}");
        let before = logged(&f.node);
        let refused = f.node.submit_many(vec![signed(&sheet("01.1"), &f.w1)], unix_now()).unwrap_err();
        assert_eq!(refused.code(), "unavailable");
        assert_eq!((logged(&f.node), f.node.registry().next_index()), (before, before));
        f.node.set_witness_block(None);
        assert!(f.node.available().is_ok());
        assert!(f.node.submit_many(vec![signed(&sheet("01.1"), &f.w1)], unix_now()).unwrap()[0].is_ok());
    }

    #[test]
    fn a_storage_failure_stops_intake_and_recovery_restores_a_replay_of_the_log() {
        let f = fixture();
        let n = f.setup;
        f.node.submit_many(vec![signed(&sheet("01.1"), &f.w1)], unix_now()).unwrap();
        // An unshared node (no recovery thread) stays failed until recovered explicitly.
        let e = f.node.storage_failed("disk full");
        assert_eq!((e.code(), e.http_status(), e.retry_after()), ("unavailable", 503, Some(30)));
        assert!(!e.to_string().contains("disk full"), "the failure's details stay in the server's log: {e}");
        assert_eq!(f.node.available().unwrap_err().retry_after(), Some(30));
        let refused = f.node.submit_many(vec![signed(&sheet("01.2"), &f.w1)], unix_now()).unwrap_err();
        assert_eq!(refused.code(), "unavailable");
        // Declaring it twice changes nothing.
        assert_eq!(f.node.storage_failed("again").code(), "unavailable");
        // The first pass only rebuilds the registry from the log on disk.
        assert!(!f.node.try_recover(false).unwrap());
        assert!(f.node.available().is_err());
        assert_eq!(f.node.registry().next_index(), n + 1);
        // Once writes work, the sequencer is reopened and intake resumes where the log ends.
        assert!(f.node.try_recover(true).unwrap());
        assert!(f.node.available().is_ok());
        let next = f.node.submit_many(vec![signed(&sheet("01.2"), &f.w1)], unix_now()).unwrap();
        assert_eq!(next[0].as_ref().unwrap().0, n + 1);
        assert_eq!(logged(&f.node), n + 2);
    }

    /// Checks and queues with per-key charging (as the batcher does) and waits until durable.
    fn enqueue_charged(node: &Node, entries: Vec<Vec<u8>>) -> Vec<&'static str> {
        let (outcomes, pending) = node.enqueue(entries, unix_now(), true).unwrap();
        if let Some(p) = pending {
            p.wait().unwrap();
        }
        outcomes.iter().map(code).collect()
    }

    #[test]
    fn per_key_limits_charge_only_the_verified_signer_and_never_the_operator() {
        let f = fixture_with(|n| n.with_key_rate(Rate { per_second: 0.001, burst: 2.0 }));
        // Forged notes naming w1 fail their signature check and cost w1 nothing.
        let forged = String::from_utf8(signed(&sheet("01.1"), &f.w1)).unwrap().replacen("\"null\":0", "\"null\":1", 1);
        assert_eq!(enqueue_charged(&f.node, vec![forged.clone().into_bytes(); 5]), ["bad_signature"; 5]);
        assert_eq!(
            enqueue_charged(
                &f.node,
                vec![signed(&sheet("01.1"), &f.w1), signed(&sheet("01.2"), &f.w1), signed(&sheet("02.1"), &f.w1)]
            ),
            ["ok", "ok", "rate_limited"]
        );
        let before = logged(&f.node);
        let (outcomes, pending) = f.node.enqueue(vec![signed(&sheet("02.1"), &f.w1)], unix_now(), true).unwrap();
        assert!(pending.is_none(), "a rate-limited entry is not queued");
        let e = outcomes[0].as_ref().unwrap_err();
        assert_eq!((e.code(), e.http_status()), ("rate_limited", 429));
        assert!(matches!(e.retry_after(), Some(999..=1000)), "{e:?}");
        assert!(e.to_string().contains("w1.node.example"), "{e}");
        assert_eq!(logged(&f.node), before);
        // Another key's budget is whole.
        assert_eq!(enqueue_charged(&f.node, vec![signed(&sheet("01.1"), &f.w2)]), ["ok"]);
        // The operator is never limited.
        let enrolments: Vec<_> = (0..5)
            .map(|i| encode_signed(&enrol(&key(&format!("k{i}.node.example"), 100 + i), Role::Witness), &f.op).unwrap())
            .collect();
        assert_eq!(enqueue_charged(&f.node, enrolments), ["ok"; 5]);
        // Bulk import (submit_many) is not charged at all.
        assert!(f.node.submit_many(vec![signed(&sheet("02.1"), &f.w1)], unix_now()).unwrap()[0].is_ok());
    }

    /// The README's bad-input table: code → HTTP status.
    pub(crate) fn readme_codes() -> BTreeMap<String, u16> {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
        let start = readme.find("<!-- bad-inputs:start -->").expect("README has the bad-inputs table");
        let end = readme.find("<!-- bad-inputs:end -->").unwrap();
        readme[start..end]
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                Some((cells.get(1)?.trim_matches('`').to_string(), cells.get(2)?.parse().ok()?))
            })
            .collect()
    }

    #[test]
    fn submit_errors_map_to_the_documented_codes_statuses_and_retry_after() {
        let cases: Vec<(SubmitError, &str, u16, Option<u64>)> = vec![
            (Rejection::DuplicateSheet { earlier: 3 }.into(), "duplicate_sheet", 409, None),
            (Rejection::Malformed("x".into()).into(), "malformed", 400, None),
            (Rejection::TooLarge { size: 70_000, max: 65_535 }.into(), "too_large", 413, None),
            (Rejection::UnknownKey { signer: "k".into() }.into(), "unknown_key", 401, None),
            (Rejection::PhotoNotImage.into(), "photo_not_image", 415, None),
            (Rejection::ClockSkew { signed_at: 0, now: 1000, max_secs: 900 }.into(), "clock_skew", 422, None),
            (SubmitError::RateLimited { key: "k".into(), retry_after: 7 }, "rate_limited", 429, Some(7)),
            (SubmitError::Overloaded { retry_after: 1 }, "overloaded", 503, Some(1)),
            (SubmitError::Unavailable { why: "w".into(), retry_after: 30 }, "unavailable", 503, Some(30)),
            (SubmitError::Internal("bug".into()), "internal", 500, None),
        ];
        let readme = readme_codes();
        for (e, code, status, retry) in cases {
            assert_eq!((e.code(), e.http_status(), e.retry_after()), (code, status, retry), "{e:?}");
            assert_eq!(readme.get(code), Some(&status), "README's bad-input table disagrees for {code}");
            if let Some(seconds) = retry {
                assert!(e.to_string().contains(&format!("{seconds} s")), "{e}");
            }
        }
    }
}
