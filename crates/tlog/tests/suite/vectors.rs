//! The RFC 6962 / transparency-dev/merkle vectors (copied from
//! shared/vectors/transparency-dev-merkle into testdata/, Apache-2.0).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use testigo_tlog::hash::{from_base64, leaf_hash, node_hash, tree_hash, Hash};
use testigo_tlog::proof::{consistency_proof, inclusion_proof, verify_consistency, verify_inclusion};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/transparency-dev-merkle")
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).expect("vector base64")
}

/// Vector hashes may be deliberately malformed (wrong length, e.g. "don't
/// care"): map such bytes to their SHA-256, which keeps equal garbage equal
/// and can never coincide with a hash the tree computes.
fn hash_or_garbage(s: &str) -> Option<Hash> {
    let raw = b64(s);
    Some(raw.clone().try_into().unwrap_or_else(|_| {
        use sha2::Digest;
        sha2::Sha256::new().chain_update(b"not a hash: ").chain_update(&raw).finalize().into()
    }))
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
#[serde(rename_all = "camelCase")]
struct Inclusion {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Consistency {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    want_err: bool,
}

/// A hash that must really be one: a wrong length can never verify.
fn strict_hash(s: &str) -> Option<Hash> {
    b64(s).try_into().ok()
}

fn proof_hashes(p: &Option<Vec<String>>) -> Option<Vec<Hash>> {
    p.as_deref().unwrap_or_default().iter().map(|h| strict_hash(h)).collect()
}

#[test]
fn every_inclusion_vector() {
    let files = json_files(&testdata().join("testdata/inclusion"));
    assert!(files.len() > 20, "vectors missing: {}", files.len());
    for f in files {
        let v: Inclusion = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let ok = match (hash_or_garbage(&v.root), strict_hash(&v.leaf_hash), proof_hashes(&v.proof)) {
            (Some(root), Some(leaf), Some(proof)) => {
                verify_inclusion(v.leaf_idx, v.tree_size, &leaf, &proof, &root).is_ok()
            }
            _ => false,
        };
        assert_eq!(ok, !v.want_err, "{}", f.display());
    }
}

#[test]
fn every_consistency_vector() {
    let files = json_files(&testdata().join("testdata/consistency"));
    assert!(files.len() > 20, "vectors missing: {}", files.len());
    for f in files {
        let v: Consistency = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let ok = match (hash_or_garbage(&v.root1), hash_or_garbage(&v.root2), proof_hashes(&v.proof)) {
            (Some(r1), Some(r2), Some(proof)) => verify_consistency(v.size1, v.size2, &r1, &r2, &proof).is_ok(),
            _ => false,
        };
        assert_eq!(ok, !v.want_err, "{}", f.display());
    }
}

#[derive(Deserialize)]
struct Rfc6962Tree {
    leaf_inputs: Vec<String>,
    node_hashes: Vec<Vec<String>>,
    root_hashes: Vec<String>,
}

#[test]
fn rfc6962_tree_heads_and_nodes() {
    let t: Rfc6962Tree = serde_json::from_slice(&std::fs::read(testdata().join("rfc6962-tree.json")).unwrap()).unwrap();
    let leaves: Vec<Hash> = t.leaf_inputs.iter().map(|h| leaf_hash(&hex::decode(h).unwrap())).collect();
    for (n, want) in t.root_hashes.iter().enumerate() {
        assert_eq!(hex::encode(tree_hash(&leaves[..n])), *want, "root of size {n}");
    }
    for (level, row) in t.node_hashes.iter().enumerate() {
        for (i, want) in row.iter().enumerate() {
            let w = 1usize << level;
            assert_eq!(hex::encode(tree_hash(&leaves[i * w..(i + 1) * w])), *want, "node {level}/{i}");
        }
    }
    // Every proof over these trees round-trips through generation and verification.
    for n in 1..=leaves.len() as u64 {
        let root = tree_hash(&leaves[..n as usize]);
        for i in 0..n {
            let p = inclusion_proof(&leaves[..], i, n).unwrap();
            verify_inclusion(i, n, &leaves[i as usize], &p, &root).unwrap();
        }
        for m in 1..=n {
            let p = consistency_proof(&leaves[..], m, n).unwrap();
            verify_consistency(m, n, &tree_hash(&leaves[..m as usize]), &root, &p).unwrap();
        }
    }
    assert_eq!(node_hash(&leaves[0], &leaves[1]), tree_hash(&leaves[..2]));
    assert!(from_base64("V3JvbmdSb290").is_none());
}
