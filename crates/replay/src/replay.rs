//! [`Replayer`]: entries in log order into a [`Registry`].

use std::collections::BTreeMap;

use anyhow::Context;
use rayon::prelude::*;
use testigo_documents::SheetQr;
use testigo_election::{KeysAhead, Prepared, Registry, Rejection};
use testigo_store::DataDir;
use testigo_tlog::storage::Storage;
use testigo_tlog::LogReader;

/// Counts by a stable code (entry kinds, flag codes), in code order.
pub type KindCounts = BTreeMap<&'static str, u64>;

/// Below this many entries a batch is prepared on the calling thread: the
/// signatures of a handful of entries take less time than waking the pool.
const PARALLEL_FROM: usize = 64;

/// Entries per batch signature check when replaying many at once.
const BATCH_CHUNK: usize = 2048;

/// Bundles read and prepared together by [`replay_log`]: 16,384 entries,
/// eight batch checks of [`BATCH_CHUNK`], so an idle core can take the next
/// chunk. On the 2.04M-entry national log, alternated runs of `tally` took
/// 21.6–22.4 s with 64 bundles, 22.8–23.5 s with 16 and 23.6 s with 256
/// (about 16 MB of entries in memory per group).
const GROUP_BUNDLES: u64 = 64;

/// Entries [`replay_log`] prepares together. An entry signed by a key
/// enrolled earlier in the same group is checked singly when applied, as
/// in [`Replayer::entries`].
pub const GROUP_ENTRIES: u64 = GROUP_BUNDLES * 256;

/// Replays log entries, in order, into a registry, counting what it applied
/// and recording what the rules refused.
///
/// Each batch is decoded and its signatures batch-verified on all cores
/// against the keys the registry knows before the batch
/// ([`Registry::prepare_batch`]); then the entries are applied one by one in
/// log order. An entry whose key is enrolled inside the same batch fails
/// preparation and is applied the slow way ([`Registry::apply`]), which gives
/// the same result: preparation only saves time.
pub struct Replayer {
    registry: Registry,
    next: u64,
    kinds: KindCounts,
    flags: KindCounts,
    refused: Vec<(u64, Rejection)>,
    /// Set by [`Replayer::trusting_signatures`]: the leaf hash of every entry
    /// replayed, to prove the entries are the ones a signed checkpoint covers.
    leaves: Option<Vec<testigo_tlog::Hash>>,
}

impl Default for Replayer {
    fn default() -> Self {
        Replayer::new()
    }
}

impl Replayer {
    /// A replay into a fresh registry that reads sheets' QR payloads with the
    /// standard decoders, as every verifier of a testigo log does.
    pub fn new() -> Self {
        let mut registry = Registry::new();
        registry.set_qr_decoder(Some(Box::new(SheetQr::default())));
        Replayer::with_registry(registry)
    }

    /// A replay into `registry` as it is configured (a node may replay without
    /// QR decoders when it was told not to read them).
    pub fn with_registry(registry: Registry) -> Self {
        Replayer {
            registry,
            next: 0,
            kinds: KindCounts::new(),
            flags: KindCounts::new(),
            refused: Vec::new(),
            leaves: None,
        }
    }

    /// A replay for the log's own writer starting up: signatures are taken on
    /// trust ([`Registry::trust_decoded`]: the writer
    /// checked each before sequencing it) and every entry's leaf hash is kept,
    /// so [`Replayer::root`] can be compared with the root of the checkpoint
    /// the writer signed. The caller must make that comparison before using
    /// the registry, and re-check the signatures afterwards. Verifiers never
    /// use this.
    pub fn trusting_signatures(mut self) -> Self {
        self.leaves = Some(Vec::new());
        self
    }

    /// The root hash of the entries replayed so far, in a replay
    /// [`Replayer::trusting_signatures`]; `None` otherwise.
    pub fn root(&self) -> Option<testigo_tlog::Hash> {
        self.leaves.as_deref().map(testigo_tlog::hash::tree_hash)
    }

    /// Applies `entries`, the log's entries from index `first` on. Batches must
    /// come in log order without gaps; an entry the rules refuse is recorded in
    /// [`Replayer::refused`] and contributes nothing.
    pub fn entries(&mut self, first: u64, entries: &[&[u8]]) {
        let prepared = self.prepare(entries);
        self.apply(first, entries, prepared);
    }

    /// Decodes `entries` and checks their signatures on all cores, against
    /// the keys known now: the parallel half of [`Replayer::entries`].
    fn prepare(&self, entries: &[&[u8]]) -> Vec<Result<Prepared, Rejection>> {
        let registry = &self.registry;
        let trusting = self.leaves.is_some();
        // Chunks of a few hundred: batch verification gains little beyond that,
        // and more chunks than threads let an idle core steal work.
        let per = entries.len().div_ceil(rayon::current_num_threads()).clamp(1, BATCH_CHUNK);
        let parallel = entries.len() >= PARALLEL_FROM;
        let mut decoded: Vec<Result<Prepared, Rejection>> = if parallel {
            entries.par_chunks(per).flat_map_iter(Registry::decode_batch).collect()
        } else {
            Registry::decode_batch(entries)
        };
        // Keys enrolled in this group sign later entries of it (a witness
        // enrolled, then signing): their signatures go in the batch too,
        // rather than being checked singly, five times slower, when applied.
        let ahead = KeysAhead::of(&decoded);
        let check = |chunk: &mut [Result<Prepared, Rejection>]| {
            if trusting {
                registry.trust_decoded(chunk, &ahead)
            } else {
                registry.verify_decoded(chunk, &ahead)
            }
        };
        if parallel {
            decoded.par_chunks_mut(per).for_each(check);
        } else {
            check(&mut decoded);
        }
        decoded
    }

    /// Applies prepared entries one by one in log order: the serial half of
    /// [`Replayer::entries`].
    fn apply(&mut self, first: u64, entries: &[&[u8]], prepared: Vec<Result<Prepared, Rejection>>) {
        debug_assert_eq!(first, self.next, "entries replayed out of order");
        if let Some(leaves) = &mut self.leaves {
            leaves.extend(entries.iter().map(|e| testigo_tlog::leaf_hash(e)));
        }
        for (i, (bytes, prepared)) in entries.iter().zip(prepared).enumerate() {
            let index = first + i as u64;
            let result = match prepared {
                Ok(p) => self.registry.apply_prepared_replay(index, p),
                // Entries that did not decode or verify go through `apply`, which
                // refuses them with the same words (or accepts a key enrolled in this batch).
                Err(_) => self.registry.apply(index, bytes),
            };
            match result {
                Ok(applied) => {
                    *self.kinds.entry(applied.kind.as_str()).or_default() += 1;
                    for f in applied.flags {
                        *self.flags.entry(f.code()).or_default() += 1;
                    }
                }
                Err(r) => self.refused.push((index, r)),
            }
        }
        self.next = first + entries.len() as u64;
    }

    /// The derived state so far.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
    /// The derived state, for keeping.
    pub fn into_registry(self) -> Registry {
        self.registry
    }
    /// How many entries replayed: the index the next batch must start at.
    pub fn size(&self) -> u64 {
        self.next
    }
    /// Entries applied, by kind.
    pub fn kinds(&self) -> &KindCounts {
        &self.kinds
    }
    /// Flags raised, by code.
    pub fn flags(&self) -> &KindCounts {
        &self.flags
    }
    /// The logged entries the rules refused, with their indices. A server logs
    /// only what it accepted, so each is evidence of operator misbehaviour.
    pub fn refused(&self) -> &[(u64, Rejection)] {
        &self.refused
    }
}

/// Replays the first `size` entries of the log `reader` reads into `replayer`,
/// every refusal also logged as a warning.
///
/// Bundles are read [`GROUP_BUNDLES`] at a time on all cores; while one group
/// is applied (which is serial: each entry may depend on the one before),
/// the next is read and its hashes checked on the other cores, so the cores
/// the signature checks use are not left idle by the serial part.
pub fn replay_log(
    reader: &LogReader<dyn Storage>,
    replayer: &mut Replayer,
    size: u64,
) -> Result<(), testigo_tlog::reader::ReadError> {
    let bundles = size.div_ceil(256);
    let first_bundle = replayer.size() / 256;
    let read_group = |start: u64| -> Result<Vec<Vec<u8>>, testigo_tlog::reader::ReadError> {
        let end = (start + GROUP_BUNDLES).min(bundles);
        let read: Vec<_> = (start..end).into_par_iter().map(|b| reader.bundle(b, size)).collect();
        let mut entries = Vec::new();
        for bundle in read {
            entries.extend(bundle?);
        }
        Ok(entries)
    };
    let mut next = (first_bundle < bundles).then(|| read_group(first_bundle));
    let mut start = first_bundle;
    while let Some(group) = next.take() {
        let group = group?;
        let skip = (replayer.size() - start * 256) as usize;
        let slices: Vec<&[u8]> = group.iter().skip(skip).map(Vec::as_slice).collect();
        let first = start * 256 + skip as u64;
        let prepared = replayer.prepare(&slices);
        let refused_before = replayer.refused().len();
        start += GROUP_BUNDLES;
        let following = start < bundles;
        let (_, read) =
            rayon::join(|| replayer.apply(first, &slices, prepared), || following.then(|| read_group(start)));
        next = read;
        for (index, r) in &replayer.refused()[refused_before..] {
            tracing::warn!(index, code = r.code(), "logged entry refused on replay: {r}");
        }
    }
    Ok(())
}

/// A data directory's log, replayed.
pub struct ReplayedDir {
    /// The replay (registry, counts, refusals).
    pub replay: Replayer,
    /// The tree size of the verified checkpoint it counted up to.
    pub size: u64,
}

/// Replays a data directory's log up to its checkpoint, after checking the
/// checkpoint's signature with the directory's verifier key. Takes no lock:
/// works while `testigo serve` runs.
pub fn replay_data_dir(dir: &DataDir) -> anyhow::Result<ReplayedDir> {
    let storage = dir.storage()?;
    let vkey = dir.verifier()?;
    let bytes = storage
        .read(testigo_tlog::storage::CHECKPOINT_PATH)?
        .with_context(|| format!("{} has no checkpoint", dir.log().display()))?;
    let size = testigo_tlog::checkpoint::open(&bytes, &vkey, &[])
        .with_context(|| {
            format!("the checkpoint of {} does not verify with {}", dir.root().display(), dir.vkey().display())
        })?
        .checkpoint
        .size;
    let reader = LogReader::new(storage, 256);
    let mut replay = Replayer::new();
    replay_log(&reader, &mut replay, size)?;
    Ok(ReplayedDir { replay, size })
}

/// Calls `f` with every entry of a data directory's log below `size` (as
/// [`replay_data_dir`] verified it) that decodes, in log order, without
/// applying any rule: for tools that look at what entries say beyond the
/// registry's summary (an import's sheets and their data-set rows).
pub fn for_each_entry(dir: &DataDir, size: u64, mut f: impl FnMut(u64, testigo_election::Entry)) -> anyhow::Result<()> {
    let reader = LogReader::new(dir.storage()?, 256);
    for b in 0..size.div_ceil(256) {
        for (i, bytes) in reader.bundle(b, size)?.iter().enumerate() {
            if let Ok((entry, _)) = testigo_election::decode(bytes) {
                f(b * 256 + i as u64, entry);
            }
        }
    }
    Ok(())
}

/// Checks that every audit opened in `registry` commits to this log: the
/// root of its `checkpoint_size` entries, recomputed from the directory's
/// tiles, must be its `checkpoint_root`. Returns, per audit (log index), the
/// mismatch in words, or nothing when every seed is bound to this log.
pub fn audit_roots_mismatching(
    dir: &DataDir,
    registry: &testigo_election::Registry,
) -> anyhow::Result<Vec<(u64, String)>> {
    let reader = LogReader::new(dir.storage()?, 64);
    let mut out = Vec::new();
    for a in registry.audits() {
        let root = reader.root(a.seed.checkpoint_size)?;
        let root = hex::encode(root.as_ref());
        if root != a.seed.checkpoint_root {
            out.push((
                a.index,
                format!(
                    "the audit opened at log index {} commits to root {} at size {}, but this log's root at that \
                     size is {root}: its seed is not bound to this log",
                    a.index, a.seed.checkpoint_root, a.seed.checkpoint_size
                ),
            ));
        }
    }
    Ok(out)
}
