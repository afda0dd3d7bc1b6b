//! Inclusion and consistency proofs: generation over any source of complete
//! subtree hashes, and verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2.

use crate::hash::{node_hash, split_point, Hash};

/// Why a proof did not verify or could not be produced.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// The index is not inside the tree.
    #[error("index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// Requested leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// The first size is larger than the second.
    #[error("consistency from size {size1} to smaller size {size2} is impossible")]
    SizesReversed {
        /// Older size.
        size1: u64,
        /// Newer size.
        size2: u64,
    },
    /// The proof has the wrong number of hashes for these sizes.
    #[error("proof has {got} hashes, {expected} expected for these sizes")]
    WrongLength {
        /// Hashes given.
        got: usize,
        /// Hashes the sizes call for.
        expected: usize,
    },
    /// Consistency with the empty tree was asked; it holds trivially and proves nothing.
    #[error("consistency from the empty tree proves nothing; treat any tree as extending size 0")]
    EmptyTree,
    /// The recomputed root differs from the one claimed.
    #[error("recomputed root does not match the claimed root: the proof, entry, index, size or root is wrong")]
    RootMismatch,
    /// The range is not a subtree in the sense of the Merkle Tree Certificates
    /// draft: non-empty, and `start` a multiple of BIT_CEIL(end - start).
    #[error("[{start}, {end}) is not a valid subtree: {why}")]
    InvalidSubtree {
        /// First leaf of the range.
        start: u64,
        /// One past the last leaf of the range.
        end: u64,
        /// Which rule the range breaks.
        why: &'static str,
    },
    /// The subtree does not fit in the tree it is said to be part of.
    #[error("subtree [{start}, {end}) ends past the tree size {size}")]
    SubtreeBeyondTree {
        /// First leaf of the subtree.
        start: u64,
        /// One past the last leaf of the subtree.
        end: u64,
        /// Tree size.
        size: u64,
    },
    /// The leaf index is not inside the subtree.
    #[error("index {index} is outside the subtree [{start}, {end})")]
    IndexOutsideSubtree {
        /// Requested leaf index.
        index: u64,
        /// First leaf of the subtree.
        start: u64,
        /// One past the last leaf of the subtree.
        end: u64,
    },
    /// The part of a subtree consistency proof inside the subtree does not hash
    /// to the claimed subtree hash.
    #[error("the proof does not reproduce the claimed subtree hash: the proof, range or subtree hash is wrong")]
    SubtreeMismatch,
    /// A hash needed to build a proof could not be read.
    #[error("cannot read hash at level {level} index {index}: {why}")]
    Missing {
        /// Level of the complete subtree.
        level: u8,
        /// Index of the subtree at that level.
        index: u64,
        /// Underlying cause.
        why: String,
    },
}

/// The number of hashes in an inclusion proof for `index` in a tree of `size`:
/// one per level where the paths to `index` and to the last leaf differ, plus
/// one per left sibling above where they meet.
/// Returns 0 when `index` is not in the tree (there is no proof).
pub fn inclusion_proof_len(index: u64, size: u64) -> usize {
    if index >= size {
        return 0;
    }
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = if inner == 64 { 0 } else { (index >> inner).count_ones() };
    inner as usize + border as usize
}

/// Verifies that `leaf` is at `index` in the tree of `size` with root `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if root_from_inclusion(index, size, leaf, proof)? != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The root that an inclusion proof of `leaf` at `index` in a tree of `size`
/// leads to; the caller compares it with the root it trusts. Subtree proofs
/// use it with a level-shifted tree (see [`crate::subtree`]).
pub fn root_from_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash]) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength { got: proof.len(), expected });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength { got: proof.len(), expected });
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::RootMismatch);
    }
    Ok(r)
}

/// Verifies that the tree of `size1` with `root1` is a prefix of the tree of
/// `size2` with `root2` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if size1 > size2 {
        return Err(ProofError::SizesReversed { size1, size2 });
    }
    if size1 == 0 {
        // Every tree extends the empty tree: there is nothing to prove, and a
        // caller asking is confused (transparency-dev/merkle treats it as an error).
        return Err(ProofError::EmptyTree);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength { got: proof.len(), expected: 0 });
        }
        return if root1 == root2 { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength { got: 0, expected: 1 });
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        path.push(*root1);
    }
    path.extend_from_slice(proof);
    match consistency_path_roots(size1, size2, &path) {
        Some((fr, sr)) if fr == *root1 && sr == *root2 => Ok(()),
        _ => Err(ProofError::RootMismatch),
    }
}

/// The two roots a consistency path commits to, for `0 < size1 < size2`:
/// the root of the first `size1` leaves and the root of all `size2`
/// (RFC 9162 §2.1.4.2 steps 3–7). `path` is the proof, preceded by the old
/// root when `size1` is a power of two. `None` if the path has the wrong
/// length for the sizes. A witness uses the first root to tell which tree a
/// log committed to at `size1` from a proof that reaches a root it signed.
pub fn consistency_path_roots(size1: u64, size2: u64, path: &[Hash]) -> Option<(Hash, Hash)> {
    if size1 == 0 || size1 >= size2 || path.is_empty() {
        return None;
    }
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some((fr, sr))
}

/// A source of complete, aligned subtree hashes: the hash of the subtree of
/// 2^level leaves starting at leaf `index << level`.
pub trait SubtreeSource {
    /// Returns the hash of the complete subtree (level, index).
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError>;
}

/// In-memory leaf hashes are a subtree source (reference implementation and tests).
impl SubtreeSource for [Hash] {
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        let missing = || ProofError::Missing { level, index, why: format!("beyond the {} leaves held", self.len()) };
        let width = 1usize.checked_shl(level.into()).ok_or_else(missing)?;
        let start = usize::try_from(index).ok().and_then(|i| i.checked_mul(width)).ok_or_else(missing)?;
        let end = start.checked_add(width).filter(|&e| e <= self.len()).ok_or_else(missing)?;
        Ok(crate::hash::tree_hash(&self[start..end]))
    }
}

/// The Merkle tree hash of leaves [start, start+len), from complete subtrees
/// (the empty range hashes to the empty-tree hash).
pub fn range_hash<S: SubtreeSource + ?Sized>(src: &S, start: u64, len: u64) -> Result<Hash, ProofError> {
    if len == 0 {
        return Ok(crate::hash::EMPTY_ROOT);
    }
    if start.checked_add(len).is_none() {
        return Err(ProofError::Missing { level: 0, index: start, why: format!("{len} leaves from here pass 2^64") });
    }
    if len.is_power_of_two() && start.is_multiple_of(len) {
        return src.subtree(len.trailing_zeros() as u8, start / len);
    }
    let k = split_point(len);
    Ok(node_hash(&range_hash(src, start, k)?, &range_hash(src, start + k, len - k)?))
}

/// Builds the inclusion proof of leaf `index` in the tree of `size` (RFC 6962 PATH).
pub fn inclusion_proof<S: SubtreeSource + ?Sized>(src: &S, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut out = Vec::with_capacity(64);
    // Walk down from the root, collecting siblings; reverse at the end so the
    // proof starts at the leaf's sibling.
    let (mut start, mut n, mut m) = (0u64, size, index);
    while n > 1 {
        let k = split_point(n);
        if m < k {
            out.push(range_hash(src, start + k, n - k)?);
            n = k;
        } else {
            out.push(range_hash(src, start, k)?);
            start += k;
            m -= k;
            n -= k;
        }
    }
    out.reverse();
    Ok(out)
}

/// Builds the consistency proof between sizes `size1` and `size2` (RFC 6962 SUBPROOF).
pub fn consistency_proof<S: SubtreeSource + ?Sized>(src: &S, size1: u64, size2: u64) -> Result<Vec<Hash>, ProofError> {
    if size1 > size2 {
        return Err(ProofError::SizesReversed { size1, size2 });
    }
    if size1 == 0 || size1 == size2 {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(64);
    let (mut start, mut n, mut m, mut complete) = (0u64, size2, size1, true);
    loop {
        if m == n {
            if !complete {
                out.push(range_hash(src, start, n)?);
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            out.push(range_hash(src, start + k, n - k)?);
            n = k;
        } else {
            out.push(range_hash(src, start, k)?);
            start += k;
            m -= k;
            n -= k;
            complete = false;
        }
    }
    out.reverse();
    Ok(out)
}
