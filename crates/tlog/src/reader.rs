//! Reading a published log through its tiles: subtree hashes, proofs and
//! entries for any tree size a checkpoint vouches for, with a cache of
//! decoded tiles so that proofs from warm tiles cost only hash lookups.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use crate::hash::{fold_right_edge, leaf_hash, node_hash, Hash};
use crate::proof::{self, ProofError, SubtreeSource};
use crate::storage::{Storage, StorageError};
use crate::tile::{decode_bundle, decode_tile, TileError, TileId, TILE_HEIGHT, TILE_WIDTH};

/// Errors reading a log.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The backend failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A tile or bundle is malformed.
    #[error(transparent)]
    Tile(#[from] TileError),
    /// A tile or bundle the tree size requires is absent.
    #[error("{0} is missing, though the tree size requires it")]
    Missing(String),
    /// A proof could not be built.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The requested index is past the end of the tree.
    #[error("index {index} is past the end of the tree (size {size})")]
    OutOfRange {
        /// Requested index.
        index: u64,
        /// Tree size.
        size: u64,
    },
}

/// Anything that serves log objects by path: a [`Storage`], or an HTTP client.
pub trait Fetch: Send + Sync {
    /// Returns the object at `path`, or `None` if absent.
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, ReadError>;
}

impl<S: Storage + ?Sized> Fetch for S {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, ReadError> {
        Ok(self.read(path)?)
    }
}

/// A decoded tile with every interior level precomputed: `levels[h][i]` is
/// the hash of 2^h consecutive tile hashes starting at `i << h`.
struct TileTree {
    levels: Vec<Vec<Hash>>,
}

impl TileTree {
    fn new(hashes: Vec<Hash>) -> Self {
        let mut levels = vec![hashes];
        while levels.last().is_some_and(|l| l.len() >= 2) {
            let prev = levels.last().map(Vec::as_slice).unwrap_or_default();
            let next: Vec<Hash> = prev.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])).collect();
            levels.push(next);
        }
        TileTree { levels }
    }
}

/// The width of the tile at (`level`, `index`) in a tree of `size`, or `None`
/// if the tree has no such tile.
pub fn tile_width(level: u8, index: u64, size: u64) -> Option<u16> {
    let hashes_at_level = size >> (u32::from(TILE_HEIGHT) * u32::from(level));
    let full_tiles = hashes_at_level / TILE_WIDTH;
    if index < full_tiles {
        Some(TILE_WIDTH as u16)
    } else if index == full_tiles && !hashes_at_level.is_multiple_of(TILE_WIDTH) {
        Some((hashes_at_level % TILE_WIDTH) as u16)
    } else {
        None
    }
}

/// Independently locked parts of the tile cache, so that threads building
/// proofs at once rarely wait for each other.
const CACHE_SHARDS: usize = 16;

/// Reads a log of a given size through tiles.
pub struct LogReader<F: Fetch + ?Sized> {
    fetch: Arc<F>,
    cache: Vec<Mutex<lru::LruCache<TileId, Arc<TileTree>>>>,
}

/// A view of the reader fixed at one tree size, usable as a [`SubtreeSource`].
pub struct SizedReader<'a, F: Fetch + ?Sized> {
    reader: &'a LogReader<F>,
    size: u64,
}

impl<F: Fetch + ?Sized> LogReader<F> {
    /// A reader over `fetch`, caching up to `cache_tiles` decoded tiles.
    pub fn new(fetch: Arc<F>, cache_tiles: usize) -> Self {
        let per_shard = cache_tiles.div_ceil(CACHE_SHARDS);
        let cap = NonZeroUsize::new(per_shard.max(1)).unwrap_or(NonZeroUsize::MIN);
        LogReader { fetch, cache: (0..CACHE_SHARDS).map(|_| Mutex::new(lru::LruCache::new(cap))).collect() }
    }

    /// The cache shard holding a tile.
    fn shard(&self, id: &TileId) -> &Mutex<lru::LruCache<TileId, Arc<TileTree>>> {
        // Neighbouring tiles of a level land in different shards.
        let h = id.index ^ u64::from(id.level.unwrap_or(u8::MAX)).rotate_left(7);
        &self.cache[(h % CACHE_SHARDS as u64) as usize]
    }

    /// The underlying fetcher.
    pub fn fetcher(&self) -> &Arc<F> {
        &self.fetch
    }

    /// Fetches a tile of the given width; a missing partial tile falls back to
    /// the full tile (partials are deleted once the full tile exists).
    fn tile(&self, level: u8, index: u64, width: u16) -> Result<Arc<TileTree>, ReadError> {
        let id = TileId::tile(level, index, width);
        if let Some(t) = self.shard(&id).lock().map_err(|_| poisoned())?.get(&id) {
            return Ok(t.clone());
        }
        let mut hashes = match self.fetch.fetch(&id.path())? {
            Some(bytes) => decode_tile(&id, &bytes)?,
            None if !id.is_full() => {
                let full = id.full();
                let bytes = self.fetch.fetch(&full.path())?.ok_or_else(|| ReadError::Missing(id.path()))?;
                decode_tile(&full, &bytes)?
            }
            None => return Err(ReadError::Missing(id.path())),
        };
        hashes.truncate(usize::from(width));
        let tree = Arc::new(TileTree::new(hashes));
        self.shard(&id).lock().map_err(|_| poisoned())?.put(id, tree.clone());
        Ok(tree)
    }

    /// The hash of complete subtree (`level`, `index`) within a tree of `size`.
    pub fn subtree_hash(&self, size: u64, level: u8, index: u64) -> Result<Hash, ReadError> {
        let tile_level = level / TILE_HEIGHT;
        let h = level % TILE_HEIGHT;
        let first = index << h; // position among the hashes of this tile level
        let tile_index = first / TILE_WIDTH;
        let width = tile_width(tile_level, tile_index, size)
            .ok_or_else(|| ReadError::Missing(TileId::tile(tile_level, tile_index, 1).path()))?;
        let offset = (first % TILE_WIDTH) as usize;
        if offset + (1 << h) > usize::from(width) {
            return Err(
                ProofError::Missing { level, index, why: format!("not complete in a tree of size {size}") }.into()
            );
        }
        let tile = self.tile(tile_level, tile_index, width)?;
        tile.levels
            .get(usize::from(h))
            .and_then(|l| l.get(offset >> h))
            .copied()
            .ok_or_else(|| ProofError::Missing { level, index, why: "tile too narrow".into() }.into())
    }

    /// A view at tree size `size`.
    pub fn at(&self, size: u64) -> SizedReader<'_, F> {
        SizedReader { reader: self, size }
    }

    /// Recomputes the root of the tree of `size` from its tiles.
    pub fn root(&self, size: u64) -> Result<Hash, ReadError> {
        let mut subtrees = Vec::new();
        let mut start = 0u64;
        // Complete subtrees of the tree, largest first: one per set bit of size.
        for level in (0..64u8).rev() {
            if size & (1u64 << level) != 0 {
                subtrees.push(self.subtree_hash(size, level, start >> level)?);
                start += 1u64 << level;
            }
        }
        Ok(fold_right_edge(&subtrees))
    }

    /// The inclusion proof of `index` in the tree of `size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ReadError> {
        Ok(proof::inclusion_proof(&self.at(size), index, size)?)
    }

    /// The consistency proof from `size1` to `size2`.
    pub fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Hash>, ReadError> {
        Ok(proof::consistency_proof(&self.at(size2), size1, size2)?)
    }

    /// The entries of bundle `bundle_index` in a tree of `size`, checked
    /// against the level-0 tile (so a tampered bundle is caught here).
    pub fn bundle(&self, bundle_index: u64, size: u64) -> Result<Vec<Vec<u8>>, ReadError> {
        let width = tile_width(0, bundle_index, size)
            .ok_or(ReadError::OutOfRange { index: bundle_index * TILE_WIDTH, size })?;
        let id = TileId::bundle(bundle_index, width);
        let bytes = match self.fetch.fetch(&id.path())? {
            Some(b) => b,
            None if !id.is_full() => {
                // Fall back to the full bundle and keep the first `width` entries.
                let full = id.full();
                let b = self.fetch.fetch(&full.path())?.ok_or_else(|| ReadError::Missing(id.path()))?;
                let entries = decode_bundle(&full, &b)?;
                let mut out = Vec::new();
                for e in entries.iter().take(usize::from(width)) {
                    crate::tile::push_bundle_entry(&mut out, e)?;
                }
                out
            }
            None => return Err(ReadError::Missing(id.path())),
        };
        let entries = decode_bundle(&id, &bytes)?;
        let tile = self.tile(0, bundle_index, width)?;
        for (i, e) in entries.iter().enumerate() {
            if leaf_hash(e) != tile.levels[0][i] {
                return Err(TileError::BadBundle {
                    path: id.path(),
                    why: format!("entry {} does not hash to the level-0 tile", bundle_index * TILE_WIDTH + i as u64),
                }
                .into());
            }
        }
        Ok(entries.into_iter().map(<[u8]>::to_vec).collect())
    }

    /// One entry of the tree of `size`.
    pub fn entry(&self, index: u64, size: u64) -> Result<Vec<u8>, ReadError> {
        if index >= size {
            return Err(ReadError::OutOfRange { index, size });
        }
        let mut bundle = self.bundle(index / TILE_WIDTH, size)?;
        Ok(bundle.swap_remove((index % TILE_WIDTH) as usize))
    }
}

fn poisoned() -> ReadError {
    ReadError::Missing("tile cache (poisoned by an earlier panic)".into())
}

impl<F: Fetch + ?Sized> SubtreeSource for SizedReader<'_, F> {
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        self.reader.subtree_hash(self.size, level, index).map_err(|e| match e {
            ReadError::Proof(p) => p,
            other => ProofError::Missing { level, index, why: other.to_string() },
        })
    }
}
