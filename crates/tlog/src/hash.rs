//! RFC 6962 hashing: leaves, interior nodes and tree heads.

use sha2::{Digest, Sha256};

/// A SHA-256 Merkle tree hash.
pub type Hash = [u8; 32];

/// The tree head of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Hash of a log entry: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// Hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// The largest power of two strictly smaller than `n`: RFC 6962's split
/// point for a tree of `n` ≥ 2 leaves. Trees of 0 or 1 leaves have no split;
/// for them this returns 0.
pub fn split_point(n: u64) -> u64 {
    if n < 2 {
        return 0;
    }
    1 << (63 - (n - 1).leading_zeros())
}

/// The Merkle tree hash (RFC 6962 MTH) of a list of leaf hashes held in memory.
pub fn tree_hash(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
        }
    }
}

/// Folds the hashes of the complete subtrees that make up a tree (largest,
/// leftmost first) into its root: the right edge is hashed right to left.
pub fn fold_right_edge(subtrees: &[Hash]) -> Hash {
    let mut iter = subtrees.iter().rev();
    let Some(last) = iter.next() else { return EMPTY_ROOT };
    iter.fold(*last, |acc, left| node_hash(left, &acc))
}

/// The root of a tree given by its right edge as tiles hold it: `levels[k]`
/// is the hashes at tile level k not yet gathered into a full level-k tile
/// (level 0: leaf hashes). The sequencer and every verifier that resumes from
/// a remembered edge compute the root this one way.
pub fn right_edge_root(levels: &[Vec<Hash>]) -> Hash {
    let mut subtrees = Vec::new();
    for hashes in levels.iter().rev() {
        let mut rest = hashes.as_slice();
        while !rest.is_empty() {
            // The largest power of two that fits: the next complete subtree, left to right.
            let k = 1usize << (usize::BITS - 1 - rest.len().leading_zeros());
            subtrees.push(tree_hash(&rest[..k]));
            rest = &rest[k..];
        }
    }
    fold_right_edge(&subtrees)
}

/// Encodes a hash in standard base64.
pub fn to_base64(h: &Hash) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(h)
}

/// Decodes a hash from canonical standard base64; `None` if not exactly 32 bytes.
/// [`decode_base64`] says what is wrong.
pub fn from_base64(s: &str) -> Option<Hash> {
    decode_base64(s).ok()
}

/// Why a line is not a base64 SHA-256 hash.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HashDecodeError {
    /// A character outside the standard base64 alphabet, or misplaced padding.
    #[error("{0:?} is not standard base64 (RFC 4648 §4): {1}")]
    NotBase64(String, String),
    /// Valid base64 whose unused low bits of the last character are set, or
    /// whose padding is not canonical: another spelling of the same bytes,
    /// refused so that every hash has exactly one text form.
    #[error("{0:?} is not canonical base64: the unused bits of its last character are set")]
    NonCanonical(String),
    /// Decodes to the wrong number of bytes.
    #[error("{text:?} decodes to {len} bytes; a SHA-256 hash has 32")]
    WrongLength {
        /// The text as given.
        text: String,
        /// Bytes it decodes to.
        len: usize,
    },
}

/// Decodes a hash from canonical standard base64, saying what is wrong otherwise.
pub fn decode_base64(s: &str) -> Result<Hash, HashDecodeError> {
    use base64::Engine;
    let v = base64::engine::general_purpose::STANDARD.decode(s).map_err(|e| match e {
        base64::DecodeError::InvalidLastSymbol(..) => HashDecodeError::NonCanonical(s.to_string()),
        other => HashDecodeError::NotBase64(s.to_string(), other.to_string()),
    })?;
    let len = v.len();
    let h: Hash = v.try_into().map_err(|_| HashDecodeError::WrongLength { text: s.to_string(), len })?;
    // The engine already refuses set trailing bits and non-canonical padding;
    // re-encoding keeps that guarantee independent of its configuration.
    if to_base64(&h) != s {
        return Err(HashDecodeError::NonCanonical(s.to_string()));
    }
    Ok(h)
}
