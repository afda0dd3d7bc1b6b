//! Full and incremental verification of a tiled log, and mirroring.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use testigo_note::Verifier;
use testigo_tlog::checkpoint::{self, OpenedCheckpoint};
use testigo_tlog::hash::{leaf_hash, to_base64, tree_hash, Hash};
use testigo_tlog::proof::verify_consistency;
use testigo_tlog::reader::{tile_width, LogReader};
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::tile::{decode_bundle, decode_tile, push_bundle_entry, TileId, TILE_WIDTH};
use testigo_witness::{QuorumError, WitnessPolicy};

use crate::edge::Edge;
use crate::source::Source;
use crate::state::{self, Remembered};

/// Bundles processed per parallel round (entries are handed to the visitor between rounds).
const CHUNK_BUNDLES: u64 = 64;

/// Why a log did not verify. Every variant about the log names the object at fault.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// An object of the log is missing, malformed or does not hash as it must.
    #[error("{path}: {why}")]
    BadObject {
        /// The object's path in the log (`checkpoint`, `tile/0/x001/234`, `tile/entries/005.p/7`).
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// The source could not be read (network or disk), after retries.
    #[error(transparent)]
    Fetch(#[from] crate::source::FetchError),
    /// The checkpoint does not carry the cosignatures the witness policy demands.
    #[error("checkpoint: witness policy not met: {0}")]
    Witness(#[from] QuorumError),
    /// The served checkpoint contradicts the one verified before: the log
    /// (or whoever serves it) is showing different histories.
    #[error("{0}")]
    Inconsistent(Box<Inconsistency>),
    /// The source serves an older checkpoint than the one verified before: a
    /// stale copy (or a rollback). Nothing new can be verified from it.
    #[error("the source serves checkpoint size {size} of {origin}, older than size {remembered_size} verified before: it is a stale copy (or the log rolled back); try again later or another copy")]
    Stale {
        /// The log's origin.
        origin: String,
        /// Size remembered.
        remembered_size: u64,
        /// Size served.
        size: u64,
    },
    /// The visitor (e.g. the election layer) rejected an entry.
    #[error("entry {index} (in {path}): {why}")]
    Entry {
        /// The entry's index.
        index: u64,
        /// The bundle holding it.
        path: String,
        /// The visitor's reason.
        why: String,
    },
    /// The remembered state could not be read or written.
    #[error("verifier state: {0}")]
    State(String),
    /// The mirror destination could not be written or is not a copy of this log.
    #[error("mirror destination: {0}")]
    Dest(String),
}

impl VerifyError {
    /// The log object at fault, if the error is about one.
    pub fn object(&self) -> Option<&str> {
        match self {
            VerifyError::BadObject { path, .. } | VerifyError::Entry { path, .. } => Some(path),
            VerifyError::Witness(_) | VerifyError::Inconsistent(_) | VerifyError::Stale { .. } => Some("checkpoint"),
            _ => None,
        }
    }
}

/// The details of an inconsistent checkpoint (see [`VerifyError::Inconsistent`]).
#[derive(Debug, Clone)]
pub struct Inconsistency {
    /// The log's origin.
    pub origin: String,
    /// Size remembered.
    pub remembered_size: u64,
    /// Root remembered (base64).
    pub remembered_root: String,
    /// Size served.
    pub size: u64,
    /// Root served (base64).
    pub root: String,
    /// How it is inconsistent.
    pub why: String,
    /// Where the evidence (both checkpoints) was written.
    pub evidence: Option<PathBuf>,
}

impl std::fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "INCONSISTENT LOG {}: the served checkpoint (size {}, root {}) is not an extension of the one verified before (size {}, root {}): {}",
            self.origin, self.size, self.root, self.remembered_size, self.remembered_root, self.why
        )?;
        if let Some(p) = &self.evidence {
            write!(f, "; both checkpoints were saved in {}", p.display())?;
        }
        Ok(())
    }
}

/// An entry the visitor refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The entry's index.
    pub index: u64,
    /// Why.
    pub why: String,
}

/// Receives the log's entries in order, as they are verified. The default
/// implementation for closures gets one entry at a time; implement
/// [`Visitor::entries`] directly to get whole bundles (e.g. for batch signature checks).
pub trait Visitor {
    /// Consecutive entries starting at index `first`.
    fn entries(&mut self, first: u64, entries: &[&[u8]]) -> Result<(), Rejected>;
}

impl<F: FnMut(u64, &[u8]) -> Result<(), String>> Visitor for F {
    fn entries(&mut self, first: u64, entries: &[&[u8]]) -> Result<(), Rejected> {
        for (i, e) in entries.iter().enumerate() {
            let index = first + i as u64;
            self(index, e).map_err(|why| Rejected { index, why })?;
        }
        Ok(())
    }
}

/// A visitor that ignores entries (only the tree is verified).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoVisitor;

impl Visitor for NoVisitor {
    fn entries(&mut self, _: u64, _: &[&[u8]]) -> Result<(), Rejected> {
        Ok(())
    }
}

/// Progress of a run, reported after each round of bundles.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Entries verified so far in this run.
    pub entries_done: u64,
    /// Entries this run verifies in total.
    pub entries_total: u64,
    /// Bytes fetched so far.
    pub bytes_fetched: u64,
}

/// How to run.
#[derive(Default)]
pub struct Options<'a> {
    /// Fetches (and hashing threads) in flight; 0 picks a default (CPU count
    /// for a directory, 16 for HTTP).
    pub concurrency: usize,
    /// Called with progress after each round.
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options").field("concurrency", &self.concurrency).finish()
    }
}

/// What a successful run established.
#[derive(Clone, Debug)]
pub struct Report {
    /// The log's origin.
    pub origin: String,
    /// The verified tree size.
    pub size: u64,
    /// The verified root (base64).
    pub root: String,
    /// The size verified in an earlier run this one continued from (consistency proven), if any.
    pub previous_size: Option<u64>,
    /// Entries verified (and visited) in this run.
    pub entries_verified: u64,
    /// Hash tiles (every level) recomputed and compared in this run.
    pub tiles_verified: u64,
    /// Entry bundles whose entries were hashed and compared with their level-0 tile in this run.
    pub bundles_verified: u64,
    /// Objects fetched in this run (checkpoint, tiles, bundles).
    pub objects_fetched: u64,
    /// Bytes fetched in this run.
    pub bytes_fetched: u64,
    /// Witnesses whose cosignatures verified, with their timestamps.
    pub cosigned_by: Vec<(String, u64)>,
    /// The checkpoint note verified, as served.
    pub checkpoint: Vec<u8>,
}

impl Report {
    /// The report of a run that verified `cp` from size `start`, having
    /// fetched `fetched0` (objects, bytes) from `source` before it began
    /// (tile and bundle counts left at 0 for the caller to fill in).
    fn of_run(
        source: &Source,
        fetched0: (u64, u64),
        cp: testigo_tlog::Checkpoint,
        start: u64,
        previous_size: Option<u64>,
        cosigned_by: Vec<(String, u64)>,
        served: Vec<u8>,
    ) -> Report {
        Report {
            tiles_verified: 0,
            bundles_verified: 0,
            origin: cp.origin,
            size: cp.size,
            root: to_base64(&cp.root),
            previous_size,
            entries_verified: cp.size - start,
            objects_fetched: source.objects_fetched() - fetched0.0,
            bytes_fetched: source.bytes_fetched() - fetched0.1,
            cosigned_by,
            checkpoint: served,
        }
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

fn bad(path: impl Into<String>, why: impl Into<String>) -> VerifyError {
    VerifyError::BadObject { path: path.into(), why: why.into() }
}

/// Fetches a tile or bundle of `id.width`; a missing partial falls back to the
/// full object's prefix (partials are deleted once the full object exists).
/// Returns the bytes of exactly `id.width` hashes or entries.
fn fetch_object(source: &Source, id: TileId, size: u64) -> Result<Vec<u8>, VerifyError> {
    let path = id.path();
    if let Some(b) = source.get(&path)? {
        return Ok(b);
    }
    let missing = || bad(&path, format!("missing, but a checkpoint of size {size} requires it"));
    if id.is_full() {
        return Err(missing());
    }
    let full = id.full();
    let bytes = source.get(&full.path())?.ok_or_else(missing)?;
    let width = usize::from(id.width);
    match id.level {
        Some(_) => {
            let hashes = decode_tile(&full, &bytes).map_err(|e| bad(full.path(), e.to_string()))?;
            Ok(hashes[..width].concat())
        }
        None => {
            let entries = decode_bundle(&full, &bytes).map_err(|e| bad(full.path(), e.to_string()))?;
            let mut out = Vec::new();
            for e in &entries[..width] {
                push_bundle_entry(&mut out, e).map_err(|e| bad(full.path(), e.to_string()))?;
            }
            Ok(out)
        }
    }
}

/// One verified-against-its-tile entry bundle.
struct BundleOut {
    index: u64,
    width: u16,
    bundle: Vec<u8>,
    tile: Vec<u8>,
    leaves: Vec<Hash>,
    /// For a full bundle, the hash of its 256 leaves (the level-1 input), computed by the worker.
    tile_hash: Option<Hash>,
    /// The first position where the level-0 tile disagrees with the bundle's leaf hashes.
    mismatch: Option<usize>,
}

fn process_bundle(source: &Source, index: u64, size: u64) -> Result<BundleOut, VerifyError> {
    let width = tile_width(0, index, size).ok_or_else(|| bad(TileId::bundle(index, 1).path(), "beyond the tree"))?;
    let bid = TileId::bundle(index, width);
    let tid = TileId::tile(0, index, width);
    let bundle = fetch_object(source, bid, size)?;
    let leaves: Vec<Hash> = decode_bundle(&bid, &bundle)
        .map_err(|e| bad(bid.path(), e.to_string()))?
        .iter()
        .map(|e| leaf_hash(e))
        .collect();
    let tile = fetch_object(source, tid, size)?;
    let hashes = decode_tile(&tid, &tile).map_err(|e| bad(tid.path(), e.to_string()))?;
    let mismatch = leaves.iter().zip(&hashes).position(|(a, b)| a != b);
    let tile_hash = (u64::from(width) == TILE_WIDTH).then(|| tree_hash(&leaves));
    Ok(BundleOut { index, width, bundle, tile, leaves, tile_hash, mismatch })
}

/// Runs `f` over `range` on `threads` threads; results in range order.
///
/// A pool of its own rather than rayon's global one: `threads` is the number
/// of fetches in flight (16 over HTTP), not the number of cores.
fn parallel_map<T: Send>(range: Range<u64>, threads: usize, f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let n = (range.end - range.start) as usize;
    match rayon::ThreadPoolBuilder::new().num_threads(threads.clamp(1, n.max(1))).build() {
        Ok(pool) => pool.install(|| range.into_par_iter().map(&f).collect()),
        // No threads to be had: the same work, in order, on this one.
        Err(_) => range.map(f).collect(),
    }
}

/// The first disagreement between a served tile and the hashes recomputed from below it.
struct Mismatch {
    level: u8,
    /// The served tile that disagrees.
    tile: String,
    /// The object below whose recomputed hash differs: the bundle (level 0) or the child tile.
    below: String,
    position: usize,
}

struct Run<'a> {
    source: &'a Source,
    size: u64,
    threads: usize,
    sink: Option<&'a dyn Storage>,
    mismatch: Option<Mismatch>,
    written: Vec<(String, Vec<u8>)>,
    /// Hash tiles compared with their recomputation so far.
    tiles: u64,
    /// Entry bundles hashed and compared with their level-0 tile so far.
    bundles: u64,
}

impl<'a> Run<'a> {
    /// A run verifying a tree of `size` from `source`, writing verified objects to `sink` if given.
    fn new(source: &'a Source, size: u64, threads: usize, sink: Option<&'a dyn Storage>) -> Self {
        Run { source, size, threads, sink, mismatch: None, written: Vec::new(), tiles: 0, bundles: 0 }
    }

    /// Pushes a level-`level` hash (the hash of a full tile one level down)
    /// into the edge, checking each level-`level` tile as it fills.
    fn push_hash(&mut self, edge: &mut Edge, level: usize, hash: Hash, covered: u64) -> Result<(), VerifyError> {
        if edge.levels.len() <= level {
            edge.levels.resize(level + 1, Vec::new());
        }
        edge.levels[level].push(hash);
        if edge.levels[level].len() as u64 == TILE_WIDTH {
            let position = (covered >> (8 * level)) - 1;
            let id = TileId::tile(level as u8, position / TILE_WIDTH, TILE_WIDTH as u16);
            self.check_tile(id, &edge.levels[level])?;
            let up = tree_hash(&edge.levels[level]);
            edge.levels[level].clear();
            self.push_hash(edge, level + 1, up, covered)?;
        }
        Ok(())
    }

    /// Fetches a tile of level ≥ 1 and compares it with the recomputed hashes.
    fn check_tile(&mut self, id: TileId, expected: &[Hash]) -> Result<(), VerifyError> {
        let bytes = fetch_object(self.source, id, self.size)?;
        self.tiles += 1;
        let served = decode_tile(&id, &bytes).map_err(|e| bad(id.path(), e.to_string()))?;
        let level = id.level.unwrap_or(0);
        if let Some(p) = served.iter().zip(expected).position(|(a, b)| a != b) {
            if self.mismatch.is_none() {
                let child = id.index * TILE_WIDTH + p as u64;
                let below = TileId::tile(level - 1, child, TILE_WIDTH as u16).path();
                self.mismatch = Some(Mismatch { level, tile: id.path(), below, position: p });
            }
        } else if self.sink.is_some() {
            self.written.push((id.path(), bytes));
        }
        Ok(())
    }

    /// Extends `edge` to `self.size`, verifying every bundle and tile from the
    /// edge's bundle onwards and handing new entries to `visitor`.
    fn extend(
        &mut self,
        edge: &mut Edge,
        visitor: &mut dyn Visitor,
        progress: Option<&(dyn Fn(Progress) + Sync)>,
    ) -> Result<(), VerifyError> {
        let start = edge.size;
        let first_bundle = start / TILE_WIDTH;
        let end_bundle = self.size.div_ceil(TILE_WIDTH);
        let total = self.size - start;
        let mut chunk = first_bundle;
        while chunk < end_bundle {
            let range = chunk..(chunk + CHUNK_BUNDLES).min(end_bundle);
            chunk = range.end;
            let source = self.source;
            let size = self.size;
            let results = parallel_map(range, self.threads, |i| process_bundle(source, i, size));
            for r in results {
                let out = r?;
                // One entry bundle and its level-0 tile.
                self.bundles += 1;
                self.tiles += 1;
                let bid = TileId::bundle(out.index, out.width);
                let base = out.index * TILE_WIDTH;
                // Entries of the first bundle already verified before must be the same ones.
                if base < edge.size {
                    let old = &edge.levels.first().map(Vec::as_slice).unwrap_or_default();
                    if out.leaves.get(..old.len()) != Some(old) {
                        return Err(bad(
                            bid.path(),
                            format!(
                                "its first {} entries differ from those verified before (at size {})",
                                old.len(),
                                edge.size
                            ),
                        ));
                    }
                }
                if let Some(p) = out.mismatch {
                    if self.mismatch.is_none() {
                        let tile = TileId::tile(0, out.index, out.width).path();
                        self.mismatch = Some(Mismatch { level: 0, tile, below: bid.path(), position: p });
                    }
                } else if self.sink.is_some() {
                    self.written.push((bid.path(), out.bundle.clone()));
                    self.written.push((TileId::tile(0, out.index, out.width).path(), out.tile.clone()));
                }
                let entries = decode_bundle(&bid, &out.bundle).map_err(|e| bad(bid.path(), e.to_string()))?;
                let skip = (edge.size.max(base) - base) as usize;
                visitor.entries(base + skip as u64, &entries[skip..]).map_err(|r| VerifyError::Entry {
                    index: r.index,
                    path: bid.path(),
                    why: r.why,
                })?;
                if let Some(h) = out.tile_hash {
                    edge.size = base + TILE_WIDTH;
                    if edge.levels.is_empty() {
                        edge.levels.push(Vec::new());
                    }
                    edge.levels[0].clear();
                    self.push_hash(edge, 1, h, edge.size)?;
                } else {
                    edge.size = base + u64::from(out.width);
                    if edge.levels.is_empty() {
                        edge.levels.push(Vec::new());
                    }
                    edge.levels[0] = out.leaves;
                }
            }
            self.flush()?;
            if let Some(p) = progress {
                p(Progress {
                    entries_done: edge.size - start,
                    entries_total: total,
                    bytes_fetched: self.source.bytes_fetched(),
                });
            }
        }
        // The partial tiles at levels ≥ 1 on the right edge.
        for level in 1..edge.levels.len() {
            let hashes = edge.levels[level].clone();
            if !hashes.is_empty() {
                let id = TileId::tile(level as u8, (self.size >> (8 * level)) / TILE_WIDTH, hashes.len() as u16);
                self.check_tile(id, &hashes)?;
            }
        }
        // Drop empty top levels so the edge is canonical.
        while edge.levels.len() > 1 && edge.levels.last().is_some_and(Vec::is_empty) {
            let top = edge.levels.len() - 1;
            if (self.size >> (8 * top)) > 0 {
                break;
            }
            edge.levels.pop();
        }
        self.flush()
    }

    fn flush(&mut self) -> Result<(), VerifyError> {
        if let Some(sink) = self.sink {
            if !self.written.is_empty() && self.mismatch.is_none() {
                sink.write_objects(&self.written).map_err(|e| VerifyError::Dest(e.to_string()))?;
            }
        }
        self.written.clear();
        Ok(())
    }

    /// Decides the outcome once the recomputed root is known.
    fn conclude(&mut self, computed: &Hash, claimed: &Hash) -> Result<(), VerifyError> {
        let m = self.mismatch.take();
        if computed == claimed {
            // The entries hash to the signed root, so they are right: any disagreeing tile is the culprit.
            if let Some(m) = m {
                return Err(bad(
                    m.tile,
                    format!(
                        "hash {} differs from the one recomputed from {} (the entries hash to the checkpoint root, so this tile was altered)",
                        m.position, m.below
                    ),
                ));
            }
            return Ok(());
        }
        Err(match m {
            Some(m) if m.level == 0 => bad(
                m.below,
                format!(
                    "entry {} does not hash to {} and the entries do not hash to the checkpoint root: the entry bundle was altered",
                    m.position, m.tile
                ),
            ),
            Some(m) => bad(
                m.below.clone(),
                format!(
                    "its hash differs from position {} of {}, and the entries do not hash to the checkpoint root: {} (or the objects below it) was altered",
                    m.position, m.tile, m.below
                ),
            ),
            None => bad(
                "checkpoint",
                format!(
                    "root {} does not match the root {} recomputed from every tile and entry bundle",
                    to_base64(claimed),
                    to_base64(computed)
                ),
            ),
        })
    }
}

/// A served checkpoint that verified: opened, its bytes, and the witnesses that cosigned it.
type Served = (OpenedCheckpoint, Vec<u8>, Vec<(String, u64)>);

/// Fetches and opens the checkpoint: the log's signature, then the witness policy.
fn open_checkpoint(source: &Source, log_key: &Verifier, policy: &WitnessPolicy) -> Result<Served, VerifyError> {
    let bytes = source.get("checkpoint")?.ok_or_else(|| {
        bad(
            "checkpoint",
            format!(
                "missing at {} (give the log's own directory or URL, the one holding `checkpoint` and `tile/`)",
                source.location("checkpoint")
            ),
        )
    })?;
    let opened = checkpoint::open(&bytes, log_key, &[]).map_err(|e| bad("checkpoint", chain(&e)))?;
    let mut cosigned_by = Vec::new();
    if policy.quorum > 0 || !policy.witnesses.is_empty() {
        for (v, ts) in policy.check(&opened.note)? {
            cosigned_by.push((v.name().to_string(), ts));
        }
    }
    Ok((opened, bytes, cosigned_by))
}

fn threads_for(source: &Source, opts: &Options<'_>) -> usize {
    if opts.concurrency > 0 {
        opts.concurrency
    } else if source.is_remote() {
        16
    } else {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    }
}

/// Checks that the served checkpoint extends (or equals) the remembered one,
/// using a consistency proof built from the served tiles; the caller then
/// verifies the new part, if any, from the remembered edge. A failing proof is only
/// called a fork once the whole served tree verified on its own (otherwise it
/// is just a damaged copy, reported as such).
fn check_continuation(
    source: &Source,
    prior: &Remembered,
    cp: &testigo_tlog::Checkpoint,
    served: &[u8],
    threads: usize,
    evidence_dir: Option<&Path>,
) -> Result<(), VerifyError> {
    let inconsistent = |why: String| {
        let evidence = evidence_dir.and_then(|d| save_evidence(d, &cp.origin, &prior.checkpoint, served).ok());
        VerifyError::Inconsistent(Box::new(Inconsistency {
            origin: cp.origin.clone(),
            remembered_size: prior.size,
            remembered_root: to_base64(&prior.root),
            size: cp.size,
            root: to_base64(&cp.root),
            why,
            evidence,
        }))
    };
    if cp.size < prior.size {
        return Err(VerifyError::Stale { origin: cp.origin.clone(), remembered_size: prior.size, size: cp.size });
    }
    if cp.size == prior.size {
        return if cp.root == prior.root {
            Ok(())
        } else {
            Err(inconsistent("same size, different root: a fork".into()))
        };
    }
    if prior.size == 0 {
        return Ok(());
    }
    let reader = LogReader::new(Arc::new(SourceRef(source)), 64);
    let proof = reader.consistency_proof(prior.size, cp.size).map_err(|e| {
        bad("tile/", format!("cannot build the consistency proof from size {}: {}", prior.size, chain(&e)))
    })?;
    if verify_consistency(prior.size, cp.size, &prior.root, &cp.root, &proof).is_ok() {
        return Ok(());
    }
    // Either a fork or damaged tiles: verify the served tree alone to tell which.
    let mut run = Run::new(source, cp.size, threads, None);
    let mut edge = Edge::default();
    run.extend(&mut edge, &mut NoVisitor, None)?;
    run.conclude(&edge.root(), &cp.root)?;
    Err(inconsistent(format!(
        "the served tree verifies on its own, but the consistency proof from size {} to {} fails: the log forked",
        prior.size, cp.size
    )))
}

/// A borrowed source usable where the tlog reader wants an owned fetcher.
struct SourceRef<'a>(&'a Source);

impl testigo_tlog::reader::Fetch for SourceRef<'_> {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, testigo_tlog::ReadError> {
        testigo_tlog::reader::Fetch::fetch(self.0, path)
    }
}

fn save_evidence(dir: &Path, origin: &str, remembered: &[u8], served: &[u8]) -> Result<PathBuf, String> {
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let d = dir.join("evidence").join(format!("{}-{stamp}", testigo_witness::origin_hash(origin)));
    state::write_atomic(&d.join("remembered.checkpoint"), remembered)?;
    state::write_atomic(&d.join("served.checkpoint"), served)?;
    Ok(d)
}

/// Verifies the log served by `source` against its verifier key `log_key`:
/// the checkpoint signature, the witness `policy` (k of n cosignatures), and
/// every tile and entry bundle, recomputing each tile from the entries
/// upwards and the root, handing every entry to `visitor` in order.
///
/// With a `state_dir`, the last verified checkpoint and its right edge are
/// remembered per log, and the next run verifies only the new entries after
/// checking consistency with the remembered checkpoint; a checkpoint that
/// contradicts it fails with [`VerifyError::Inconsistent`] (evidence saved
/// under `state_dir/evidence/`). The visitor then sees only new entries.
pub fn verify_log(
    source: &Source,
    log_key: &Verifier,
    policy: &WitnessPolicy,
    state_dir: Option<&Path>,
    visitor: &mut dyn Visitor,
    opts: &Options<'_>,
) -> Result<Report, VerifyError> {
    let fetched0 = (source.objects_fetched(), source.bytes_fetched());
    let (opened, served, cosigned_by) = open_checkpoint(source, log_key, policy)?;
    let cp = opened.checkpoint;
    let threads = threads_for(source, opts);
    let prior = match state_dir {
        Some(d) => state::load(d, log_key).map_err(VerifyError::State)?,
        None => None,
    };
    let mut edge = Edge::default();
    let mut previous_size = None;
    if let Some(prior) = &prior {
        check_continuation(source, prior, &cp, &served, threads, state_dir)?;
        edge = prior.edge.clone();
        previous_size = Some(prior.size);
    }
    let start = edge.size;
    let mut counted = (0, 0);
    if edge.size < cp.size {
        let mut run = Run::new(source, cp.size, threads, None);
        run.extend(&mut edge, visitor, opts.progress)?;
        run.conclude(&edge.root(), &cp.root)?;
        counted = (run.tiles, run.bundles);
    } else if edge.root() != cp.root {
        return Err(bad("checkpoint", "root does not match the empty tree"));
    }
    if let Some(d) = state_dir {
        let r = Remembered { size: cp.size, root: cp.root, checkpoint: served.clone(), edge };
        state::save(d, log_key, &r).map_err(VerifyError::State)?;
    }
    let report = Report::of_run(source, fetched0, cp, start, previous_size, cosigned_by, served);
    Ok(Report { tiles_verified: counted.0, bundles_verified: counted.1, ..report })
}

/// Copies the log served by `source` into the directory `dest`, verifying
/// exactly as [`verify_log`] does; tiles and bundles are written (durably)
/// before the checkpoint, so `dest` is always a consistent copy that any
/// static web server can serve and anyone can verify. If `dest` already holds
/// a copy, only the new part is fetched, after a consistency check against
/// the copy's checkpoint. One mirror process per destination (file lock).
pub fn mirror(
    source: &Source,
    dest: &Path,
    log_key: &Verifier,
    policy: &WitnessPolicy,
    visitor: &mut dyn Visitor,
    opts: &Options<'_>,
) -> Result<Report, VerifyError> {
    let storage = DirStorage::new(dest).map_err(|e| VerifyError::Dest(e.to_string()))?;
    let dest_name = dest.display().to_string();
    mirror_into(source, &storage, &Source::dir(dest), &dest_name, log_key, policy, visitor, opts)
}

/// [`mirror`] into any log storage (a bucket, say): `storage` receives the
/// copy, `dest_source` reads it back (the same place), `dest_name` names it in
/// messages. The storage's writer lock is held throughout.
#[allow(clippy::too_many_arguments)]
pub fn mirror_into(
    source: &Source,
    storage: &dyn Storage,
    dest_source: &Source,
    dest_name: &str,
    log_key: &Verifier,
    policy: &WitnessPolicy,
    visitor: &mut dyn Visitor,
    opts: &Options<'_>,
) -> Result<Report, VerifyError> {
    let fetched0 = (source.objects_fetched(), source.bytes_fetched());
    let _lock = storage.lock_writer().map_err(|e| VerifyError::Dest(e.to_string()))?;
    let (opened, served, cosigned_by) = open_checkpoint(source, log_key, policy)?;
    let cp = opened.checkpoint;
    let threads = threads_for(source, opts);
    let prior = match dest_source.get("checkpoint").map_err(|e| VerifyError::Dest(e.to_string()))? {
        None => None,
        Some(bytes) => {
            let old = checkpoint::open(&bytes, log_key, &[]).map_err(|e| {
                VerifyError::Dest(format!(
                    "{dest_name} holds a checkpoint that does not verify with this log's key ({}); use an empty directory",
                    chain(&e)
                ))
            })?;
            let edge = Edge::load(dest_source, old.checkpoint.size).map_err(VerifyError::Dest)?;
            if edge.root() != old.checkpoint.root {
                return Err(VerifyError::Dest(format!(
                    "the copy in {dest_name} is damaged: its right-edge tiles do not hash to its checkpoint; use an empty directory"
                )));
            }
            Some(Remembered { size: old.checkpoint.size, root: old.checkpoint.root, checkpoint: bytes, edge })
        }
    };
    let mut edge = Edge::default();
    let mut previous_size = None;
    if let Some(prior) = &prior {
        check_continuation(source, prior, &cp, &served, threads, None)?;
        edge = prior.edge.clone();
        previous_size = Some(prior.size);
    }
    let start = edge.size;
    let mut counted = (0, 0);
    if edge.size < cp.size {
        let mut run = Run::new(source, cp.size, threads, Some(storage));
        run.extend(&mut edge, visitor, opts.progress)?;
        run.conclude(&edge.root(), &cp.root)?;
        counted = (run.tiles, run.bundles);
    }
    storage.publish_checkpoint(&served).map_err(|e| VerifyError::Dest(e.to_string()))?;
    // Partials of the old right edge that are now full are superseded.
    let mut level = 0u32;
    while (start >> (8 * level)) > 0 {
        let index = start >> (8 * (level + 1));
        if !(start >> (8 * level)).is_multiple_of(TILE_WIDTH) && tile_width(level as u8, index, cp.size) == Some(256) {
            let full = TileId::tile(level as u8, index, TILE_WIDTH as u16);
            storage.delete_partials(&full).map_err(|e| VerifyError::Dest(e.to_string()))?;
            if level == 0 {
                storage
                    .delete_partials(&TileId::bundle(index, TILE_WIDTH as u16))
                    .map_err(|e| VerifyError::Dest(e.to_string()))?;
            }
        }
        level += 1;
    }
    let report = Report::of_run(source, fetched0, cp, start, previous_size, cosigned_by, served);
    Ok(Report { tiles_verified: counted.0, bundles_verified: counted.1, ..report })
}

/// Proves that two checkpoints verified from `source` during one run are
/// consistent with each other (the log may have grown between two passes
/// over it), from the source's tiles: a source that shows one history to the
/// first pass and another to the second is caught.
pub fn check_reports_consistent(source: &Arc<Source>, a: &Report, b: &Report) -> Result<(), VerifyError> {
    let size_root = |r: &Report| -> Result<(u64, Hash), VerifyError> {
        let root = testigo_tlog::hash::from_base64(&r.root).ok_or_else(|| VerifyError::BadObject {
            path: "checkpoint".into(),
            why: "report root is not base64".into(),
        })?;
        Ok((r.size, root))
    };
    let (mut a, mut b) = (size_root(a)?, size_root(b)?);
    if a.0 > b.0 {
        std::mem::swap(&mut a, &mut b);
    }
    if a.0 == b.0 {
        if a.1 != b.1 {
            return Err(VerifyError::BadObject {
                path: "checkpoint".into(),
                why: format!(
                    "INCONSISTENT LOG: two checkpoints of size {} with different roots were served during this run: a fork",
                    a.0
                ),
            });
        }
        return Ok(());
    }
    if a.0 == 0 {
        return Ok(());
    }
    let reader = LogReader::new(source.clone(), 64);
    let proof = reader.consistency_proof(a.0, b.0).map_err(|e| VerifyError::BadObject {
        path: "tile/".into(),
        why: format!("cannot build the consistency proof from size {} to {}: {e}", a.0, b.0),
    })?;
    verify_consistency(a.0, b.0, &a.1, &b.1, &proof).map_err(|e| VerifyError::BadObject {
        path: "checkpoint".into(),
        why: format!(
            "INCONSISTENT LOG: the checkpoints of size {} and {} served during this run are not consistent: {e}",
            a.0, b.0
        ),
    })
}
