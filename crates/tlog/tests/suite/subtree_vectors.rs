//! The transparency-dev/merkle subtree inclusion and subtree consistency
//! vectors (copied from shared/vectors/transparency-dev-merkle into testdata/,
//! Apache-2.0; see testdata/transparency-dev-merkle/ORIGIN.txt), plus
//! generation checks of the same proofs over the RFC 6962 test tree.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use testigo_tlog::hash::{leaf_hash, tree_hash, Hash};
use testigo_tlog::proof::{consistency_proof, ProofError};
use testigo_tlog::subtree::{
    check_subtree, subtree_consistency_proof, subtree_hash, subtree_inclusion_proof, verify_subtree_consistency,
    verify_subtree_inclusion,
};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/transparency-dev-merkle/testdata")
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).expect("vector base64")
}

/// Roots in the vectors may be deliberately malformed ("don't care" strings
/// of the wrong length). Map such bytes to their SHA-256 under a prefix: equal
/// garbage stays equal (some vectors compare two such roots) and can never
/// coincide with a hash the tree computes.
fn root_or_garbage(s: &str) -> Hash {
    let raw = b64(s);
    raw.clone().try_into().unwrap_or_else(|_| {
        use sha2::Digest;
        sha2::Sha256::new().chain_update(b"not a hash: ").chain_update(&raw).finalize().into()
    })
}

/// A leaf hash or proof element must really be a hash: a wrong length can never verify.
fn strict_hash(s: &str) -> Option<Hash> {
    b64(s).try_into().ok()
}

fn proof_hashes(p: &Option<Vec<String>>) -> Option<Vec<Hash>> {
    p.as_deref().unwrap_or_default().iter().map(|h| strict_hash(h)).collect()
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("vector dir") {
        let p = entry.expect("dir entry").path();
        if p.is_dir() {
            out.extend(json_files(&p));
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SubtreeInclusion {
    leaf_idx: u64,
    start: u64,
    end: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    #[allow(dead_code)]
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SubtreeConsistency {
    start: u64,
    end: u64,
    size: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    #[allow(dead_code)]
    desc: String,
    want_err: bool,
}

#[test]
fn every_subtree_inclusion_vector() {
    let files = json_files(&testdata().join("subtreeinclusion"));
    assert_eq!(files.len(), 204, "vector files missing or added");
    let (mut accepted, mut rejected) = (0, 0);
    for f in files {
        let v: SubtreeInclusion = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let result = match (strict_hash(&v.leaf_hash), proof_hashes(&v.proof)) {
            (Some(leaf), Some(proof)) => {
                verify_subtree_inclusion(v.leaf_idx, v.start, v.end, &leaf, &proof, &root_or_garbage(&v.root))
                    .map_err(|e| e.to_string())
            }
            _ => Err("malformed hash in the vector".to_string()),
        };
        assert_eq!(result.is_ok(), !v.want_err, "{}: {result:?}", f.display());
        if result.is_ok() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    // Sanity: the set has both kinds in quantity, so a verifier that always
    // says yes (or no) cannot pass.
    assert!(accepted >= 10 && rejected >= 100, "{accepted} accepted, {rejected} rejected");
}

#[test]
fn every_subtree_consistency_vector() {
    let files = json_files(&testdata().join("subtreeconsistency"));
    assert_eq!(files.len(), 118, "vector files missing or added");
    let (mut accepted, mut rejected) = (0, 0);
    for f in files {
        let v: SubtreeConsistency = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let result = match proof_hashes(&v.proof) {
            Some(proof) => verify_subtree_consistency(
                v.start,
                v.end,
                v.size,
                &root_or_garbage(&v.root1),
                &root_or_garbage(&v.root2),
                &proof,
            )
            .map_err(|e| e.to_string()),
            None => Err("malformed hash in the vector".to_string()),
        };
        assert_eq!(result.is_ok(), !v.want_err, "{}: {result:?}", f.display());
        if result.is_ok() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    assert!(accepted >= 5 && rejected >= 80, "{accepted} accepted, {rejected} rejected");
}

/// The happy-path vectors are proofs over the RFC 6962 test tree (placed at
/// `start` for the "-subtree" inclusion variants): regenerate them with our
/// generator, so generation is checked against an independent implementation
/// and not only against our own verifier.
#[test]
fn generated_proofs_equal_the_happy_path_vectors() {
    let rfc = rfc6962_leaves();
    let mut checked = 0;
    for f in json_files(&testdata().join("subtreeinclusion")) {
        let name = f.file_name().unwrap().to_str().unwrap();
        if !name.starts_with("happy-path") {
            continue;
        }
        let v: SubtreeInclusion = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        // Leaves before `start` do not enter the proof; fill them with junk.
        let mut leaves = vec![[0xAA; 32]; v.start as usize];
        leaves.extend_from_slice(&rfc[..(v.end - v.start) as usize]);
        let ours = subtree_inclusion_proof(&leaves[..], v.leaf_idx, v.start, v.end).unwrap();
        assert_eq!(Some(ours), proof_hashes(&v.proof), "{}", f.display());
        assert_eq!(subtree_hash(&leaves[..], v.start, v.end).unwrap(), root_or_garbage(&v.root), "{}", f.display());
        checked += 1;
    }
    for f in json_files(&testdata().join("subtreeconsistency")) {
        if !f.ends_with("happy-path.json") {
            continue;
        }
        let v: SubtreeConsistency = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let ours = subtree_consistency_proof(&rfc[..], v.start, v.end, v.size).unwrap();
        assert_eq!(Some(ours), proof_hashes(&v.proof), "{}", f.display());
        assert_eq!(tree_hash(&rfc[..v.size as usize]), root_or_garbage(&v.root2), "{}", f.display());
        checked += 1;
    }
    assert_eq!(checked, 15);
}

/// The RFC 6962 test tree (8 leaves, from transparency-dev/merkle testonly).
fn rfc6962_leaves() -> Vec<Hash> {
    #[derive(Deserialize)]
    struct Tree {
        leaf_inputs: Vec<String>,
    }
    let path = testdata().join("../rfc6962-tree.json");
    let t: Tree = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    t.leaf_inputs.iter().map(|h| leaf_hash(&hex::decode(h).unwrap())).collect()
}

#[test]
fn every_subtree_of_small_trees_round_trips() {
    let mut leaves = rfc6962_leaves();
    // Grow past 8 so that trees with several levels of partial nodes appear.
    leaves.extend((8u32..40).map(|i| leaf_hash(&i.to_be_bytes())));
    let mut subtrees = 0;
    for size in 1..=leaves.len() as u64 {
        let root = tree_hash(&leaves[..size as usize]);
        for start in 0..size {
            for end in start + 1..=size {
                if check_subtree(start, end).is_err() {
                    continue;
                }
                subtrees += 1;
                let sub = subtree_hash(&leaves[..], start, end).unwrap();
                assert_eq!(sub, tree_hash(&leaves[start as usize..end as usize]));
                let p = subtree_consistency_proof(&leaves[..], start, end, size).unwrap();
                verify_subtree_consistency(start, end, size, &sub, &root, &p)
                    .unwrap_or_else(|e| panic!("[{start}, {end}) in {size}: {e}"));
                if start == 0 {
                    // For prefixes the subtree proof is the RFC 6962 proof.
                    assert_eq!(p, consistency_proof(&leaves[..], end, size).unwrap());
                }
                // The proof binds the range: the same proof for a neighbouring
                // valid range must fail.
                if end < size && check_subtree(start, end + 1).is_ok() {
                    assert!(verify_subtree_consistency(start, end + 1, size, &sub, &root, &p).is_err());
                }
                for index in start..end {
                    let ip = subtree_inclusion_proof(&leaves[..], index, start, end).unwrap();
                    verify_subtree_inclusion(index, start, end, &leaves[index as usize], &ip, &sub).unwrap();
                }
            }
        }
    }
    assert!(subtrees > 500, "{subtrees}");
}

#[test]
fn invalid_ranges_are_refused_with_the_rule_they_break() {
    let leaves = rfc6962_leaves();
    let cases = [
        (3, 5, "BIT_CEIL"),
        (2, 1, "after end"),
        (4, 4, "empty"),
        (1, u64::MAX, "2^63"),
        ((1 << 62) + 2, (1 << 62) + 5, "BIT_CEIL"),
    ];
    for (start, end, words) in cases {
        let e = check_subtree(start, end).unwrap_err();
        assert!(matches!(e, ProofError::InvalidSubtree { .. }), "{e:?}");
        assert!(e.to_string().contains(words), "[{start}, {end}): {e}");
        assert!(subtree_inclusion_proof(&leaves[..], start, start, end).is_err());
        if start != end {
            assert!(subtree_consistency_proof(&leaves[..], start, end, 8).is_err());
        }
    }
    // The empty range is accepted for consistency only, as in transparency-dev/merkle.
    assert_eq!(subtree_consistency_proof(&leaves[..], 4, 4, 8).unwrap(), Vec::<Hash>::new());
    let e = subtree_consistency_proof(&leaves[..], 4, 8, 6).unwrap_err();
    assert_eq!(e, ProofError::SubtreeBeyondTree { start: 4, end: 8, size: 6 });
    assert!(e.to_string().contains("past the tree size 6"), "{e}");
    let e = subtree_inclusion_proof(&leaves[..], 3, 4, 8).unwrap_err();
    assert_eq!(e, ProofError::IndexOutsideSubtree { index: 3, start: 4, end: 8 });
    // A source too short for the subtree says which hash it lacks.
    let e = subtree_hash(&leaves[..4], 4, 8).unwrap_err();
    assert!(matches!(e, ProofError::Missing { .. }), "{e:?}");
}

/// The accumulated vectors of the draft's "Subtree Test Vectors" appendix
/// (draft-ietf-plants-merkle-tree-certs; the same digests are checked by
/// transparency-dev/merkle testonly/vectors_test.go): over the tree of leaves
/// d[i] = [i] for i < 130, a rolling SHA-256 over one text line per valid
/// subtree (hash), per leaf of each subtree (inclusion proof) and per subtree
/// of each tree size (consistency proof).
#[test]
fn draft_accumulated_subtree_vectors() {
    use sha2::{Digest, Sha256};
    const MAX: u64 = 130;
    let leaves: Vec<Hash> = (0..MAX).map(|i| leaf_hash(&[i as u8])).collect();
    let line = |prefix: String, proof: &[Hash]| {
        let mut s = prefix;
        for h in proof {
            s.push(' ');
            s.push_str(&hex::encode(h));
        }
        s.push('\n');
        s
    };
    let valid = |start, end| check_subtree(start, end).is_ok();

    let mut hashes = Sha256::new();
    let mut inclusion = Sha256::new();
    for end in 1..=MAX {
        for start in (0..end).filter(|&s| valid(s, end)) {
            let sub = subtree_hash(&leaves[..], start, end).unwrap();
            hashes.update(format!("[{start}, {end}) {}\n", hex::encode(sub)));
            for index in start..end {
                let p = subtree_inclusion_proof(&leaves[..], index, start, end).unwrap();
                inclusion.update(line(format!("{index} [{start}, {end})"), &p));
            }
        }
    }
    assert_eq!(hex::encode(hashes.finalize()), "94a95384a8c69acea9b50d035a58285b3a777cb7a724005faa5e1f1e1190007f");
    assert_eq!(hex::encode(inclusion.finalize()), "ac2a8f989e44d99e399db448050ff5f19757df53cfb716aa81015d3955d8163f");

    let mut consistency = Sha256::new();
    let mut verified = 0;
    for n in 0..=MAX {
        let root = tree_hash(&leaves[..n as usize]);
        for end in 1..=n {
            for start in (0..end).filter(|&s| valid(s, end)) {
                let p = subtree_consistency_proof(&leaves[..], start, end, n).unwrap();
                consistency.update(line(format!("[{start}, {end}) {n}"), &p));
                let sub = tree_hash(&leaves[start as usize..end as usize]);
                verify_subtree_consistency(start, end, n, &sub, &root, &p).unwrap();
                verified += 1;
            }
        }
    }
    assert_eq!(hex::encode(consistency.finalize()), "c586ebbb73a5621baf2140095d87dde934e3b6503a562a1a5215b8209edd083d");
    assert!(verified > 10_000, "{verified}");
}
