//! A C2SP tiled transparency log (<https://c2sp.org/tlog-tiles>).
//!
//! This crate knows nothing of elections: it stores opaque entries in an
//! append-only RFC 6962 Merkle tree, publishes the tree as static tiles and
//! entry bundles plus a signed checkpoint, and produces and verifies
//! inclusion and consistency proofs and offline receipts
//! (<https://c2sp.org/tlog-proof>).
//!
//! Layers, bottom up:
//! - [`hash`]: leaf and node hashing, tree heads of in-memory hash lists.
//! - [`proof`]: RFC 9162 proof verification; [`subtree`] its subtree variants.
//! - [`tile`]: tile and entry-bundle paths and encodings.
//! - [`checkpoint`]: checkpoint bodies and signed checkpoints.
//! - [`storage`]: where the served files live ([`storage::DirStorage`]: a local directory).
//! - [`reader`]: reads a published log through tiles (hashes, proofs, entries) with a cache.
//! - [`sequencer`]: the single writer that batches appends and publishes.
//! - [`receipt`]: the offline tlog-proof receipt and its verifier.

pub mod checkpoint;
pub mod hash;
pub mod proof;
pub mod reader;
pub mod receipt;
pub mod sequencer;
pub mod storage;
pub mod subtree;
pub mod tile;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use hash::{leaf_hash, node_hash, Hash, HashDecodeError, EMPTY_ROOT};
pub use proof::ProofError;
pub use reader::{LogReader, ReadError};
pub use receipt::{Receipt, ReceiptError};
pub use sequencer::{Sequencer, SequencerConfig, SequencerError};
pub use storage::{DirStorage, Storage, StorageError};
pub use subtree::{verify_subtree_consistency, verify_subtree_inclusion};
pub use tile::{TileError, TileId, MAX_ENTRY_SIZE, TILE_WIDTH};
