//! Subtree inclusion and consistency proofs, as defined by the Merkle Tree
//! Certificates draft (draft-ietf-plants-merkle-tree-certs, §4.1–4.4).
//!
//! A *subtree* `[start, end)` is a range of leaves that is held by a single
//! node of some tree: `start < end` and `start` is a multiple of
//! BIT_CEIL(end - start). Its hash is the RFC 6962 tree hash of those leaves.
//! A subtree inclusion proof shows a leaf is in a subtree; a subtree
//! consistency proof shows a subtree is the leaves `[start, end)` of a tree of
//! some size with some root. For `[0, m)` the latter is exactly the RFC 6962
//! consistency proof from size `m`.
//!
//! The empty range `[s, s)` is not a subtree under the draft, but the
//! transparency-dev/merkle implementation and its test vectors treat it as a
//! subtree whose hash is the empty-tree hash, trivially consistent with every
//! tree that reaches `s` (its proof is empty). Consistency verification
//! follows them so that the two agree; inclusion and hashing refuse it.

use crate::hash::{node_hash, split_point, Hash, EMPTY_ROOT};
use crate::proof::{inclusion_proof, range_hash, root_from_inclusion, verify_inclusion, ProofError, SubtreeSource};

/// Bits needed to write `x`: the level just above the highest set bit.
fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// `x >> n` that gives 0 for shifts of 64 (a level-64 node is the root of a
/// tree of more than 2^63 leaves), where the `>>` operator would overflow.
fn shr(x: u64, n: u32) -> u64 {
    x.checked_shr(n).unwrap_or(0)
}

/// Checks that `[start, end)` is a valid, non-empty subtree.
pub fn check_subtree(start: u64, end: u64) -> Result<(), ProofError> {
    let bad = |why| Err(ProofError::InvalidSubtree { start, end, why });
    if start > end {
        return bad("start is after end");
    }
    if start == end {
        return bad("the range is empty");
    }
    if start == 0 {
        return Ok(());
    }
    // checked_next_power_of_two is BIT_CEIL; it overflows only for lengths
    // above 2^63, which no aligned non-zero start can accommodate.
    match (end - start).checked_next_power_of_two() {
        Some(width) if start.is_multiple_of(width) => Ok(()),
        Some(_) => bad("start is not a multiple of BIT_CEIL(end - start)"),
        None => bad("a range longer than 2^63 must start at 0"),
    }
}

/// Checks the subtree and that the tree of `size` contains it.
fn check_in_tree(start: u64, end: u64, size: u64) -> Result<(), ProofError> {
    check_subtree(start, end)?;
    if end > size {
        return Err(ProofError::SubtreeBeyondTree { start, end, size });
    }
    Ok(())
}

/// The hash of subtree `[start, end)`: the RFC 6962 tree hash of its leaves.
pub fn subtree_hash<S: SubtreeSource + ?Sized>(src: &S, start: u64, end: u64) -> Result<Hash, ProofError> {
    check_subtree(start, end)?;
    range_hash(src, start, end - start)
}

/// A source seen from leaf `start` on, so that a subtree is a tree of its own.
/// Valid because `start` is a multiple of every complete node size inside the
/// subtree, so node (level, i) of the shifted tree is node (level, i + start >> level).
struct Shifted<'a, S: ?Sized> {
    src: &'a S,
    start: u64,
}

impl<S: SubtreeSource + ?Sized> SubtreeSource for Shifted<'_, S> {
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        self.src.subtree(level, index + (self.start >> level))
    }
}

/// Builds the inclusion proof of leaf `index` in subtree `[start, end)` (draft §4.3.2):
/// the RFC 6962 inclusion proof of `index - start` in the tree made of the subtree's leaves.
pub fn subtree_inclusion_proof<S: SubtreeSource + ?Sized>(
    src: &S,
    index: u64,
    start: u64,
    end: u64,
) -> Result<Vec<Hash>, ProofError> {
    check_subtree(start, end)?;
    if index < start || index >= end {
        return Err(ProofError::IndexOutsideSubtree { index, start, end });
    }
    inclusion_proof(&Shifted { src, start }, index - start, end - start)
}

/// Verifies that `leaf` is at `index` in subtree `[start, end)` whose hash is
/// `subtree_root` (draft §4.3.3).
pub fn verify_subtree_inclusion(
    index: u64,
    start: u64,
    end: u64,
    leaf: &Hash,
    proof: &[Hash],
    subtree_root: &Hash,
) -> Result<(), ProofError> {
    check_subtree(start, end)?;
    if index < start || index >= end {
        return Err(ProofError::IndexOutsideSubtree { index, start, end });
    }
    verify_inclusion(index - start, end - start, leaf, proof, subtree_root)
}

/// Builds the consistency proof between subtree `[start, end)` and the tree of
/// `size` (draft §4.4.1, SUBTREE_PROOF). The proof lists, bottom up, the
/// hashes a verifier needs to recompute both the subtree hash (unless the
/// subtree is a complete node, whose hash it already has) and the tree root.
pub fn subtree_consistency_proof<S: SubtreeSource + ?Sized>(
    src: &S,
    start: u64,
    end: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError> {
    if start == end && end <= size {
        return Ok(Vec::new());
    }
    check_in_tree(start, end, size)?;
    let mut out = Vec::with_capacity(64);
    subproof(src, 0, size, start, end, true, &mut out)?;
    Ok(out)
}

/// SUBTREE_SUBPROOF over the window of `n` leaves from `base`; `start` and
/// `end` are relative to `base`. `known` says whether the verifier already
/// holds the hash of a node equal to the whole window (it does when the
/// subtree itself is that node).
fn subproof<S: SubtreeSource + ?Sized>(
    src: &S,
    base: u64,
    n: u64,
    start: u64,
    end: u64,
    known: bool,
    out: &mut Vec<Hash>,
) -> Result<(), ProofError> {
    if start == 0 && end == n {
        if !known {
            out.push(range_hash(src, base, n)?);
        }
        return Ok(());
    }
    // Here n >= 2: a window of one leaf always equals the (non-empty) subtree.
    let k = split_point(n);
    if end <= k {
        subproof(src, base, k, start, end, known, out)?;
        out.push(range_hash(src, base + k, n - k)?);
    } else if start >= k {
        subproof(src, base + k, n - k, start - k, end - k, known, out)?;
        out.push(range_hash(src, base, k)?);
    } else {
        // A valid subtree straddling the split starts at 0: the left half is
        // inside it, and the right part of it is no node the verifier knows.
        subproof(src, base + k, n - k, 0, end - k, false, out)?;
        out.push(range_hash(src, base, k)?);
    }
    Ok(())
}

/// Verifies that subtree `[start, end)` with hash `subtree_root` is the
/// leaves `[start, end)` of the tree of `size` with root `root` (draft §4.4.3).
pub fn verify_subtree_consistency(
    start: u64,
    end: u64,
    size: u64,
    subtree_root: &Hash,
    root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if start == end {
        // The empty range (see the module comment): nothing to prove about
        // the tree, but the claimed hash and proof must be the trivial ones.
        if end > size {
            return Err(ProofError::SubtreeBeyondTree { start, end, size });
        }
        if !proof.is_empty() {
            return Err(ProofError::WrongLength { got: proof.len(), expected: 0 });
        }
        if *subtree_root != EMPTY_ROOT {
            return Err(ProofError::SubtreeMismatch);
        }
        return Ok(());
    }
    check_in_tree(start, end, size)?;
    if root_from_subtree_consistency(start, end, size, subtree_root, proof)? != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Recomputes the tree root from a subtree consistency proof, checking on the
/// way that the proof reproduces `subtree_root`. The subtree is valid and inside the tree.
fn root_from_subtree_consistency(
    start: u64,
    end: u64,
    size: u64,
    subtree_root: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    let last = end - 1;
    // The level of the lowest node holding the whole subtree (complete or, at
    // the tree's right edge, partial).
    let height = bit_len(last ^ start);
    if end == size {
        // The subtree's node is the last one on its level: the proof is its
        // inclusion proof in the tree seen from that level (left siblings only).
        let index = shr(start, height);
        return root_from_inclusion(index, index + 1, subtree_root, proof);
    }
    // Paths from the subtree's last leaf and from the tree's last leaf meet at `fork`.
    let fork = bit_len(last ^ (size - 1));
    // The largest complete node ending the subtree sits at level `shift`. If
    // it is the whole subtree the verifier has its hash; otherwise the proof
    // starts with it.
    let shift = (end - start).trailing_zeros();
    let (seed, rest) = if (end - start).is_power_of_two() {
        (*subtree_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(ProofError::WrongLength { got: 0, expected: 1 }),
        }
    };
    let expected =
        (proof.len() - rest.len()) + fork.saturating_sub(shift) as usize + shr(last, fork).count_ones() as usize;
    if proof.len() != expected {
        return Err(ProofError::WrongLength { got: proof.len(), expected });
    }
    // Climb from `shift` to `height`, computing both the subtree's hash (left
    // siblings only: the subtree ends here) and the hash of the same node in
    // the full tree (right siblings too, below the fork).
    let (mut sub, mut grown) = (seed, seed);
    let mut hashes = rest.iter();
    for level in shift..height {
        if (last >> level) & 1 == 1 {
            let left = hashes.next().ok_or(ProofError::WrongLength { got: proof.len(), expected })?;
            sub = node_hash(left, &sub);
            grown = node_hash(left, &grown);
        } else if level < fork {
            let right = hashes.next().ok_or(ProofError::WrongLength { got: proof.len(), expected })?;
            grown = node_hash(&grown, right);
        }
    }
    if sub != *subtree_root {
        return Err(ProofError::SubtreeMismatch);
    }
    // The rest is the inclusion proof of that node in the tree seen from its level.
    root_from_inclusion(shr(start, height), shr(size - 1, height) + 1, &grown, hashes.as_slice())
}
