//! Property tests over random trees of up to a few thousand leaves: every
//! generated proof verifies, and tampering with it is caught.
//!
//! Flipping a bit of any hash (proof element, root, subtree hash) or of the
//! entry, or of the leaf index, must always make verification fail. Sizes
//! are different: an RFC 9162 proof binds the tree size only through the
//! shape of the hash computation, so a proof for size n also verifies for a
//! size n' whose computation has the same shape (for example the inclusion
//! proof of leaf 0 is the same for sizes 5 and 6). That is inherent to the
//! proofs, and harmless where the size comes from a signed checkpoint. For
//! sizes and subtree ranges the tests therefore check that acceptance is
//! exactly the structural coincidence: it matches an independent model of the
//! path shape (inclusion), an independent verifier (tlog_tiles, consistency),
//! and it never depends on the data (the same wrong parameters give the same
//! verdict on an unrelated tree).

use proptest::prelude::*;
use testigo_tlog::hash::{leaf_hash, node_hash, split_point, tree_hash, Hash};
use testigo_tlog::proof::{
    consistency_proof, inclusion_proof, verify_consistency, verify_inclusion, ProofError, SubtreeSource,
};
use testigo_tlog::subtree::{
    check_subtree, subtree_consistency_proof, subtree_hash, subtree_inclusion_proof, verify_subtree_consistency,
    verify_subtree_inclusion,
};

/// Largest tree tried. Big enough for 12 levels and many partial right edges.
const MAX_SIZE: u64 = 3000;

/// A tree held as all its complete nodes, level by level: a fast proof source.
struct Tree {
    entries: Vec<Vec<u8>>,
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    fn new(seed: u64, size: u64) -> Self {
        let entries: Vec<Vec<u8>> = (0..size).map(|i| format!("entry {i} of tree {seed}").into_bytes()).collect();
        let mut levels = vec![entries.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>()];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let next = levels.last().unwrap().chunks_exact(2).map(|c| node_hash(&c[0], &c[1])).collect();
            levels.push(next);
        }
        Tree { entries, levels }
    }
    fn leaf(&self, i: u64) -> Hash {
        self.levels[0][i as usize]
    }
    /// The root by the RFC 6962 recursion over the leaves, independent of the proof code.
    fn root(&self, size: u64) -> Hash {
        tree_hash(&self.levels[0][..size as usize])
    }
}

impl SubtreeSource for Tree {
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        self.levels
            .get(usize::from(level))
            .and_then(|l| l.get(index as usize))
            .copied()
            .ok_or_else(|| ProofError::Missing { level, index, why: "beyond the tree".into() })
    }
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut h = *h;
    h[(bit / 8) % 32] ^= 1 << (bit % 8);
    h
}

/// The shape of an inclusion proof, from the RFC 6962 PATH recursion: for
/// each proof hash from the leaf up, whether the sibling is on the left.
fn path_shape(index: u64, size: u64) -> Vec<bool> {
    let (mut m, mut n, mut out) = (index, size, Vec::new());
    while n > 1 {
        let k = split_point(n);
        if m < k {
            out.push(false);
            n = k;
        } else {
            out.push(true);
            m -= k;
            n -= k;
        }
    }
    out.reverse();
    out
}

/// Moves `start` down to the nearest valid subtree start for `end` (0 always is).
fn valid_start(mut start: u64, end: u64) -> u64 {
    while check_subtree(start, end).is_err() {
        start -= 1;
    }
    start
}

fn tlog_tiles_hash(h: &Hash) -> tlog_tiles::Hash {
    tlog_tiles::Hash(*h)
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn inclusion_proofs_verify_and_tampering_fails(
        seed in any::<u64>(), size in 1..=MAX_SIZE, pick in any::<prop::sample::Index>(), bit in any::<usize>(),
    ) {
        let t = Tree::new(seed, size);
        let index = pick.index(size as usize) as u64;
        let root = t.root(size);
        let leaf = t.leaf(index);
        let proof = inclusion_proof(&t, index, size).unwrap();
        prop_assert_eq!(proof.len(), path_shape(index, size).len());
        verify_inclusion(index, size, &leaf, &proof, &root).unwrap();

        for j in 0..proof.len() {
            let mut bad = proof.clone();
            bad[j] = flip(&bad[j], bit);
            prop_assert_eq!(verify_inclusion(index, size, &leaf, &bad, &root), Err(ProofError::RootMismatch));
        }
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &flip(&root, bit)).is_err());
        let mut entry = t.entries[index as usize].clone();
        let byte = bit % entry.len();
        entry[byte] ^= 1 << (bit % 8);
        prop_assert!(verify_inclusion(index, size, &leaf_hash(&entry), &proof, &root).is_err());
        // Dropping or adding a hash is caught by the length check.
        prop_assert!(verify_inclusion(index, size, &leaf, &[proof.clone(), vec![root]].concat(), &root).is_err());
        if !proof.is_empty() {
            prop_assert!(verify_inclusion(index, size, &leaf, &proof[1..], &root).is_err());
        }

        for b in 0..64 {
            let other = index ^ (1 << b);
            prop_assert!(verify_inclusion(other, size, &leaf, &proof, &root).is_err(), "index {} accepted", other);
            let wrong = size ^ (1 << b);
            let accepted = verify_inclusion(index, wrong, &leaf, &proof, &root).is_ok();
            let same_shape = index < wrong && path_shape(index, wrong) == path_shape(index, size);
            prop_assert_eq!(accepted, same_shape, "size {} for index {} of {}", wrong, index, size);
        }
    }

    #[test]
    fn consistency_proofs_verify_and_tampering_fails(
        seed in any::<u64>(), size2 in 1..=MAX_SIZE, pick in any::<prop::sample::Index>(), bit in any::<usize>(),
    ) {
        let t = Tree::new(seed, size2);
        let size1 = 1 + pick.index(size2 as usize) as u64;
        let (root1, root2) = (t.root(size1), t.root(size2));
        let proof = consistency_proof(&t, size1, size2).unwrap();
        verify_consistency(size1, size2, &root1, &root2, &proof).unwrap();

        for j in 0..proof.len() {
            let mut bad = proof.clone();
            bad[j] = flip(&bad[j], bit);
            prop_assert!(verify_consistency(size1, size2, &root1, &root2, &bad).is_err(), "hash {} flipped", j);
        }
        prop_assert!(verify_consistency(size1, size2, &flip(&root1, bit), &root2, &proof).is_err());
        prop_assert!(verify_consistency(size1, size2, &root1, &flip(&root2, bit), &proof).is_err());
        if size1 < size2 {
            prop_assert!(verify_consistency(size1, size2, &root2, &root1, &proof).is_err());
        }

        // Wrong sizes: our verdict must equal that of tlog_tiles (a port of
        // Go's golang.org/x/mod/sumdb/tlog) and must not depend on the data.
        let t2 = Tree::new(seed ^ 0x5eed, size2);
        let (other1, other2) = (t2.root(size1), t2.root(size2));
        let proof2 = consistency_proof(&t2, size1, size2).unwrap();
        let theirs: Vec<_> = proof.iter().map(tlog_tiles_hash).collect();
        for b in 0..64 {
            for (s1, s2) in [(size1 ^ (1 << b), size2), (size1, size2 ^ (1 << b))] {
                let ours = verify_consistency(s1, s2, &root1, &root2, &proof).is_ok();
                let go = s1 <= s2
                    && tlog_tiles::check_tree(&theirs, s2, tlog_tiles_hash(&root2), s1, tlog_tiles_hash(&root1)).is_ok();
                prop_assert_eq!(ours, go, "sizes {} -> {} for a proof of {} -> {}", s1, s2, size1, size2);
                let elsewhere = verify_consistency(s1, s2, &other1, &other2, &proof2).is_ok();
                prop_assert_eq!(ours, elsewhere, "sizes {} -> {} depend on the data", s1, s2);
            }
        }
    }

    #[test]
    fn subtree_proofs_verify_and_tampering_fails(
        seed in any::<u64>(), size in 1..=MAX_SIZE, a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(), c in any::<prop::sample::Index>(), bit in any::<usize>(),
    ) {
        let t = Tree::new(seed, size);
        let end = 1 + a.index(size as usize) as u64;
        let start = valid_start(b.index(end as usize) as u64, end);
        let index = start + c.index((end - start) as usize) as u64;
        let root = t.root(size);
        let sub = subtree_hash(&t, start, end).unwrap();
        prop_assert_eq!(sub, tree_hash(&t.levels[0][start as usize..end as usize]));

        // Inclusion of a leaf in the subtree.
        let leaf = t.leaf(index);
        let ip = subtree_inclusion_proof(&t, index, start, end).unwrap();
        verify_subtree_inclusion(index, start, end, &leaf, &ip, &sub).unwrap();
        for j in 0..ip.len() {
            let mut bad = ip.clone();
            bad[j] = flip(&bad[j], bit);
            prop_assert!(verify_subtree_inclusion(index, start, end, &leaf, &bad, &sub).is_err());
        }
        prop_assert!(verify_subtree_inclusion(index, start, end, &flip(&leaf, bit), &ip, &sub).is_err());
        prop_assert!(verify_subtree_inclusion(index, start, end, &leaf, &ip, &flip(&sub, bit)).is_err());
        for k in 0..64 {
            prop_assert!(verify_subtree_inclusion(index ^ (1 << k), start, end, &leaf, &ip, &sub).is_err());
        }

        // Consistency of the subtree with the whole tree.
        let cp = subtree_consistency_proof(&t, start, end, size).unwrap();
        verify_subtree_consistency(start, end, size, &sub, &root, &cp).unwrap();
        for j in 0..cp.len() {
            let mut bad = cp.clone();
            bad[j] = flip(&bad[j], bit);
            prop_assert!(verify_subtree_consistency(start, end, size, &sub, &root, &bad).is_err(), "hash {}", j);
        }
        prop_assert!(verify_subtree_consistency(start, end, size, &flip(&sub, bit), &root, &cp).is_err());
        prop_assert!(verify_subtree_consistency(start, end, size, &sub, &flip(&root, bit), &cp).is_err());
        if start == 0 {
            prop_assert_eq!(&cp, &consistency_proof(&t, end, size).unwrap());
        }

        // Wrong ranges or sizes are accepted only by structural coincidence:
        // the verdict is the same on an unrelated tree.
        let t2 = Tree::new(seed ^ 0x5eed, size);
        let (sub2, root2) = (subtree_hash(&t2, start, end).unwrap(), t2.root(size));
        let cp2 = subtree_consistency_proof(&t2, start, end, size).unwrap();
        let mut coincidences = 0;
        for k in 0..64 {
            for (s, e, n) in [(start ^ (1 << k), end, size), (start, end ^ (1 << k), size), (start, end, size ^ (1 << k))] {
                let here = verify_subtree_consistency(s, e, n, &sub, &root, &cp).is_ok();
                let there = verify_subtree_consistency(s, e, n, &sub2, &root2, &cp2).is_ok();
                prop_assert_eq!(here, there, "[{}, {}) in {} for a proof of [{}, {}) in {}", s, e, n, start, end, size);
                coincidences += usize::from(here);
                // A different subtree range never passes for a proof whose
                // subtree hash it must reproduce from proof hashes.
                if here && (s, e) != (start, end) {
                    prop_assert!(e - s == end - start || (s == 0 && start == 0),
                        "[{}, {}) accepted for [{}, {})", s, e, start, end);
                }
            }
        }
        prop_assert!(coincidences < 64 * 3);
    }
}
