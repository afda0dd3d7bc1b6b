//! Malformed and hostile input: every case must come back as an error whose
//! message names the problem, never as a panic or a vague "invalid".

use proptest::prelude::*;
use testigo_note::{Signer, ALG_COSIGNATURE_V1, ALG_ED25519};
use testigo_tlog::checkpoint::{self, Checkpoint, CheckpointError};
use testigo_tlog::hash::{decode_base64, leaf_hash, split_point, to_base64, tree_hash, Hash, EMPTY_ROOT};
use testigo_tlog::proof::{
    consistency_proof, inclusion_proof, inclusion_proof_len, range_hash, verify_consistency, verify_inclusion,
    ProofError, SubtreeSource,
};
use testigo_tlog::subtree::{subtree_consistency_proof, verify_subtree_consistency, verify_subtree_inclusion};
use testigo_tlog::tile::{decode_bundle, decode_tile, push_bundle_entry, TileError, TileId};
use testigo_tlog::{Receipt, ReceiptError};

const ORIGIN: &str = "example.org/log";

fn log_key() -> Signer {
    Signer::from_seed(ORIGIN, ALG_ED25519, [1; 32]).unwrap()
}

/// Asserts `r` is an error whose message contains every one of `words`.
#[track_caller]
fn fails_with<T: std::fmt::Debug, E: std::fmt::Display>(r: Result<T, E>, words: &[&str]) {
    match r {
        Ok(v) => panic!("accepted: {v:?}, expected an error mentioning {words:?}"),
        Err(e) => {
            let msg = e.to_string();
            for w in words {
                assert!(msg.contains(w), "error {msg:?} does not mention {w:?}");
            }
        }
    }
}

#[test]
fn tiles_of_the_wrong_length() {
    let id = TileId::tile(0, 1234, 5);
    let hashes = vec![[7u8; 32]; 5];
    let good = hashes.concat();
    assert_eq!(decode_tile(&id, &good).unwrap(), hashes);
    let path = "tile/0/x001/234.p/5";
    fails_with(decode_tile(&id, &good[..good.len() - 1]), &[path, "159 bytes", "width 5", "160"]);
    fails_with(decode_tile(&id, &[good.clone(), vec![0; 32]].concat()), &[path, "192 bytes", "160"]);
    fails_with(decode_tile(&id, &[]), &[path, "0 bytes"]);
    // Bytes of a width-5 tile served under a width-6 path, and under the full path.
    fails_with(decode_tile(&TileId::tile(0, 1234, 6), &good), &["tile/0/x001/234.p/6", "width 6", "192"]);
    fails_with(decode_tile(&id.full(), &good), &["tile/0/x001/234", "width 256", "8192"]);
}

#[test]
fn entry_bundles_truncated_or_padded() {
    let id = TileId::bundle(0, 3);
    let mut good = Vec::new();
    for e in [&b"one"[..], b"", b"three"] {
        push_bundle_entry(&mut good, e).unwrap();
    }
    assert_eq!(decode_bundle(&id, &good).unwrap(), vec![&b"one"[..], b"", b"three"]);
    let path = "tile/entries/000.p/3";
    fails_with(decode_bundle(&id, &good[..good.len() - 1]), &[path, "entry 2 claims 5 bytes but only 4 remain"]);
    fails_with(decode_bundle(&id, &[&good[..], &[0]].concat()), &[path, "truncated length prefix after 3 entries"]);
    fails_with(decode_bundle(&id, &[&good[..], &[0, 0]].concat()), &[path, "holds 4 entries, 3 expected"]);
    fails_with(decode_bundle(&id, &good[..5]), &[path, "holds 1 entries, 3 expected"]);
    fails_with(decode_bundle(&TileId::bundle(7, 1), &[]), &["tile/entries/007.p/1", "holds 0 entries, 1 expected"]);
    // A full bundle given a partial's bytes.
    fails_with(decode_bundle(&id.full(), &good), &["tile/entries/000", "3 entries, 256 expected"]);
    let mut b = Vec::new();
    fails_with(push_bundle_entry(&mut b, &vec![0; 65_536]), &["65536 bytes", "65535"]);
    assert!(b.is_empty(), "a refused entry must not leave bytes behind");
}

#[test]
fn tile_paths_that_are_not_canonical() {
    let cases: &[(&str, &str)] = &[
        ("tiles/0/000", "must start with"),
        ("tile/0", "no tile index"),
        ("tile/64/000", "0 to 63"),
        ("tile/01/000", "0 to 63 without leading zeros"),
        ("tile/-1/000", "0 to 63"),
        ("tile/data/000", "\"entries\""),
        ("tile/0/000.p/0", "1 to 255"),
        ("tile/0/000.p/256", "1 to 255"),
        ("tile/0/000.p/05", "without leading zeros"),
        ("tile/0/000.p/", "1 to 255"),
        ("tile/0/1", "groups of three digits"),
        ("tile/0/0001", "groups of three digits"),
        ("tile/0/abc", "groups of three digits"),
        ("tile/0/x1/000", "groups of three digits"),
        ("tile/0/001/000", "prefixed by 'x'"),
        ("tile/0/x000/001", "canonical spelling \"tile/0/001\""),
        ("tile/0/x018/x446/x744/x073/x709/x551/616", "64 bits"),
        ("tile/entries/000.p/256", "1 to 255"),
    ];
    for (path, why) in cases {
        let e = TileId::parse_path(path).unwrap_err();
        assert!(matches!(e, TileError::BadPath { .. }), "{path}: {e:?}");
        fails_with::<(), _>(Err(e), &[path, why]);
    }
    assert_eq!(
        TileId::parse_path("tile/entries/x018/x446/x744/x073/x709/x551/615").unwrap().index,
        18_446_744_073_709_551_615
    );
}

fn root_line() -> String {
    to_base64(&leaf_hash(b"r"))
}

#[test]
fn garbage_checkpoint_bodies() {
    let r = root_line();
    // The last base64 character of a 32-byte value carries 4 unused bits
    // before the '='; setting one is a second spelling of the same bytes.
    let mut noncanonical = r.clone();
    let last = noncanonical.len() - 2;
    let c = noncanonical.as_bytes()[last];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let pos = alphabet.iter().position(|&a| a == c).unwrap();
    noncanonical.replace_range(last..last + 1, &(alphabet[pos ^ 1] as char).to_string());
    let cases: Vec<(String, &[&str])> = vec![
        (String::new(), &["end with a newline"]),
        (format!("{ORIGIN}\n5\n{r}"), &["end with a newline"]),
        (format!("{ORIGIN}\n"), &["missing tree size"]),
        (format!("{ORIGIN}\n5\n"), &["missing root hash"]),
        (format!("\n5\n{r}\n"), &["empty origin"]),
        (format!("{ORIGIN}\n\n{r}\n"), &["tree size \"\"", "decimal"]),
        (format!("{ORIGIN}\n-1\n{r}\n"), &["\"-1\"", "decimal"]),
        (format!("{ORIGIN}\n+5\n{r}\n"), &["\"+5\"", "decimal"]),
        (format!("{ORIGIN}\n 5\n{r}\n"), &["\" 5\"", "decimal"]),
        (format!("{ORIGIN}\n0x10\n{r}\n"), &["\"0x10\"", "decimal"]),
        (format!("{ORIGIN}\n05\n{r}\n"), &["\"05\"", "leading zeros"]),
        (format!("{ORIGIN}\n18446744073709551616\n{r}\n"), &["64 bits"]),
        (format!("{ORIGIN}\r\n5\r\n{r}\r\n"), &["\"5\\r\"", "decimal"]),
        (format!("{ORIGIN}\n5\n!!!!\n"), &["root hash line", "not standard base64"]),
        (format!("{ORIGIN}\n5\n{}\n", r.trim_end_matches('=')), &["root hash line", "not standard base64"]),
        (format!("{ORIGIN}\n5\nAAAA\n"), &["root hash line", "3 bytes", "32"]),
        (format!("{ORIGIN}\n5\n{}\n", to_base64(&[0; 32]).replace("AAAA", "")), &["root hash line"]),
        (format!("{ORIGIN}\n5\n{noncanonical}\n"), &["root hash line", "not canonical", "unused bits"]),
        (format!("{ORIGIN}\n5\n\n"), &["root hash line", "0 bytes"]),
        (format!("{ORIGIN}\n5\n{r}\n\n"), &["empty extension line"]),
        (format!("{ORIGIN}\n5\n{r}\next\n\nmore\n"), &["empty extension line"]),
    ];
    for (text, words) in &cases {
        fails_with(Checkpoint::parse(text), words);
    }
    // Extension lines are kept and round-trip.
    let cp = Checkpoint::parse(&format!("{ORIGIN}\n0\n{r}\nfirst ext\nsecond\n")).unwrap();
    assert_eq!(cp.extensions, ["first ext", "second"]);
    assert_eq!(Checkpoint::parse(&cp.to_text()).unwrap(), cp);
    // A body that would not parse back is refused at signing.
    let key = log_key();
    let bad_ext = Checkpoint { extensions: vec![String::new()], ..cp.clone() };
    fails_with(bad_ext.sign(&key), &["extension line", "non-empty"]);
    let two_lines = Checkpoint { extensions: vec!["a\nb".into()], ..cp.clone() };
    fails_with(two_lines.sign(&key), &["extension line \"a\\nb\""]);
    let bad_origin = Checkpoint { origin: "a\nb".into(), ..cp.clone() };
    fails_with(bad_origin.sign(&key), &["origin"]);
    let no_origin = Checkpoint { origin: String::new(), ..cp };
    fails_with(no_origin.sign(&key), &["origin"]);
}

fn signed(cp: &Checkpoint, key: &Signer) -> Vec<u8> {
    cp.sign(key).unwrap().to_bytes()
}

#[test]
fn checkpoints_with_wrong_signatures_or_envelopes() {
    let key = log_key();
    let cp = Checkpoint { origin: ORIGIN.into(), size: 10, root: leaf_hash(b"r"), extensions: vec![] };
    let good = signed(&cp, &key);
    checkpoint::open(&good, &key.verifier(), &[]).unwrap();

    // Another key with the same name: unknown key, and the message lists who signed.
    let impostor = Signer::from_seed(ORIGIN, ALG_ED25519, [2; 32]).unwrap();
    fails_with(checkpoint::open(&signed(&cp, &impostor), &key.verifier(), &[]), &["checkpoint", "known key", ORIGIN]);
    // The right key material under another name.
    let renamed = Signer::from_seed("example.org/other", ALG_ED25519, [1; 32]).unwrap();
    fails_with(checkpoint::open(&signed(&cp, &renamed), &key.verifier(), &[]), &["known key", "example.org/other"]);
    // A valid log signature over a body for another origin.
    let foreign = Checkpoint { origin: "example.org/other".into(), ..cp.clone() };
    let e = checkpoint::open(&signed(&foreign, &key), &key.verifier(), &[]).unwrap_err();
    assert!(matches!(e, CheckpointError::WrongOrigin { .. }), "{e:?}");
    fails_with::<(), _>(Err(e), &["example.org/other", "another log"]);
    // Signed by a known witness only.
    let witness = Signer::from_seed("witness.example", ALG_COSIGNATURE_V1, [3; 32]).unwrap();
    let mut note = cp.sign(&impostor).unwrap();
    note.sign_cosignature(&witness, 1_700_000_000).unwrap();
    fails_with(
        checkpoint::open(&note.to_bytes(), &key.verifier(), &[witness.verifier()]),
        &["not signed by the log key"],
    );
    // The body altered after signing.
    let text = String::from_utf8(good.clone()).unwrap();
    let altered = text.replacen("\n10\n", "\n11\n", 1);
    fails_with(checkpoint::open(altered.as_bytes(), &key.verifier(), &[]), &["checkpoint note", "does not verify"]);
    // Envelope garbage.
    fails_with(checkpoint::open(&[0xff, 0xfe], &key.verifier(), &[]), &["checkpoint note", "UTF-8"]);
    fails_with(checkpoint::open(cp.to_text().as_bytes(), &key.verifier(), &[]), &["checkpoint note", "blank line"]);
    fails_with(checkpoint::open(b"", &key.verifier(), &[]), &["checkpoint note"]);
    let truncated = &good[..good.len() - 10];
    fails_with(checkpoint::open(truncated, &key.verifier(), &[]), &["checkpoint note"]);
    // A signature whose base64 has its unused bits set is a second spelling of
    // the same signature; refusing it keeps notes canonical.
    let sig_line = text.lines().last().unwrap();
    let b64 = sig_line.rsplit(' ').next().unwrap();
    assert!(b64.ends_with('=') && !b64.ends_with("=="), "68 bytes end in one '=': {b64}");
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let c = b64.as_bytes()[b64.len() - 2] as char;
    let flipped = alphabet.as_bytes()[alphabet.find(c).unwrap() ^ 1] as char;
    let bad_b64 = format!("{}{flipped}=", &b64[..b64.len() - 2]);
    let noncanonical = text.replace(b64, &bad_b64);
    fails_with(checkpoint::open(noncanonical.as_bytes(), &key.verifier(), &[]), &["checkpoint note"]);
}

/// A source that holds nothing: every proof that needs a hash must say which.
struct Empty;
impl SubtreeSource for Empty {
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        Err(ProofError::Missing { level, index, why: "nothing stored".into() })
    }
}

#[test]
fn proofs_past_the_end_of_the_tree() {
    let leaves: Vec<Hash> = (0u8..5).map(|i| leaf_hash(&[i])).collect();
    let root = tree_hash(&leaves);
    let p = inclusion_proof(&leaves[..], 4, 5).unwrap();
    fails_with(verify_inclusion(5, 5, &leaves[4], &p, &root), &["index 5 is outside a tree of size 5"]);
    fails_with(verify_inclusion(0, 0, &leaves[0], &[], &EMPTY_ROOT), &["index 0 is outside a tree of size 0"]);
    fails_with(verify_inclusion(u64::MAX, u64::MAX, &leaves[0], &p, &root), &["outside a tree"]);
    fails_with(verify_inclusion(u64::MAX - 1, u64::MAX, &leaves[0], &p, &root), &["proof has 1 hashes", "63 expected"]);
    fails_with(inclusion_proof(&leaves[..], 5, 5), &["index 5 is outside a tree of size 5"]);
    fails_with(inclusion_proof(&leaves[..], 2, 6), &["cannot read hash", "beyond the 5 leaves held"]);
    fails_with(inclusion_proof(&Empty, 3, 1 << 40), &["cannot read hash", "nothing stored"]);
    fails_with(consistency_proof(&leaves[..], 6, 5), &["from size 6 to smaller size 5"]);
    fails_with(consistency_proof(&leaves[..], 3, 9), &["cannot read hash"]);
    fails_with(verify_consistency(6, 5, &root, &root, &[]), &["from size 6 to smaller size 5"]);
    fails_with(verify_consistency(0, 5, &EMPTY_ROOT, &root, &[]), &["empty tree"]);
    fails_with(verify_consistency(3, 5, &root, &root, &[]), &["proof has 0 hashes"]);
    fails_with(verify_consistency(1, u64::MAX, &leaves[0], &root, &p), &["recomputed root does not match"]);
    // Edge arguments to the helpers are answered, not panicked on.
    assert_eq!(inclusion_proof_len(0, 0), 0);
    assert_eq!((split_point(0), split_point(1), split_point(2)), (0, 0, 1));
    assert_eq!(range_hash(&leaves[..], 3, 0).unwrap(), EMPTY_ROOT);
    fails_with(range_hash(&leaves[..], u64::MAX, 2), &["pass 2^64"]);
    fails_with(leaves[..].subtree(200, 0), &["level 200"]);
    fails_with(leaves[..].subtree(3, u64::MAX), &["beyond the 5 leaves held"]);
    // Subtree proofs at the edges of u64 (these once overflowed a shift).
    fails_with(verify_subtree_consistency(0, (1 << 63) + 5, u64::MAX, &root, &root, &p), &["proof has 1 hashes"]);
    fails_with(verify_subtree_consistency(4, 5, (1 << 63) + 1, &leaves[4], &root, &p), &["proof has 1 hashes"]);
    fails_with(verify_subtree_consistency(4, 5, 3, &leaves[4], &root, &p), &["[4, 5) ends past the tree size 3"]);
    fails_with(
        verify_subtree_inclusion(16, 8, 16, &leaves[0], &p, &root),
        &["index 16 is outside the subtree [8, 16)"],
    );
    fails_with(verify_subtree_inclusion(9, 8, 16, &leaves[0], &p, &root), &["proof has 1 hashes, 3 expected"]);
    fails_with(verify_subtree_inclusion(7, 8, 16, &leaves[0], &p, &root), &["index 7 is outside the subtree [8, 16)"]);
    fails_with(subtree_consistency_proof(&leaves[..], 4, 6, 5), &["[4, 6) ends past the tree size 5"]);
    fails_with(subtree_consistency_proof(&leaves[..], 0, 2, 8), &["cannot read hash", "beyond the 5 leaves held"]);
}

/// A valid receipt for entry 3 of a 7-entry log, its entry and its log key.
fn receipt() -> (Receipt, Vec<u8>, Signer) {
    let key = log_key();
    let entries: Vec<Vec<u8>> = (0..7).map(|i| format!("entry {i}").into_bytes()).collect();
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
    let cp = Checkpoint { origin: ORIGIN.into(), size: 7, root: tree_hash(&leaves), extensions: vec![] };
    let r = Receipt {
        extra: Some(b"context".to_vec()),
        index: 3,
        proof: inclusion_proof(&leaves[..], 3, 7).unwrap(),
        checkpoint: signed(&cp, &key),
    };
    (r, entries[3].clone(), key)
}

#[test]
fn receipts_with_junk() {
    let (r, entry, key) = receipt();
    let text = String::from_utf8(r.to_text()).unwrap();
    assert_eq!(Receipt::parse(text.as_bytes()).unwrap(), r);
    r.verify(&entry, &key.verifier(), &[]).unwrap();
    let proof_line = to_base64(&r.proof[1]);
    let cases: Vec<(Vec<u8>, &[&str])> = vec![
        (vec![0xc3, 0x28], &["not UTF-8"]),
        (b"".to_vec(), &["no blank line"]),
        (text.replace("\n\n", "\n").into_bytes(), &["no blank line"]),
        (text.replace("tlog-proof@v1", "tlog-proof@v2").into_bytes(), &["first line must be c2sp.org/tlog-proof@v1"]),
        (text.replacen('\n', "\r\n", 1).into_bytes(), &["first line must be"]),
        (text.replace("index 3", "index 03").into_bytes(), &["index", "leading zeros"]),
        (text.replace("index 3", "index -3").into_bytes(), &["index", "decimal"]),
        (text.replace("index 3", "index 3 ").into_bytes(), &["index", "decimal"]),
        (text.replace("index 3", "index ").into_bytes(), &["index", "decimal"]),
        (text.replace("index 3", "index 18446744073709551616").into_bytes(), &["index too large"]),
        (text.replace("index 3", "idx 3").into_bytes(), &["expected 'index N'"]),
        (text.replace("extra Y29udGV4dA==", "extra !!").into_bytes(), &["extra data", "base64"]),
        (text.replace("extra Y29udGV4dA==", "extra Y29udGV4dB==").into_bytes(), &["extra data", "base64"]),
        (text.replace(&proof_line, "junk").into_bytes(), &["proof hash 2", "\"junk\""]),
        (text.replace(&proof_line, &proof_line[4..]).into_bytes(), &["proof hash 2", "bytes; a SHA-256 hash has 32"]),
        (text.replace(&proof_line, &format!("{proof_line} ")).into_bytes(), &["proof hash 2", "base64"]),
        (text.split("\n\n").next().map(|h| format!("{h}\n\n")).unwrap().into_bytes(), &["no checkpoint"]),
        (b"c2sp.org/tlog-proof@v1\n\n".to_vec(), &["missing index line"]),
    ];
    for (bytes, words) in &cases {
        fails_with(Receipt::parse(bytes), words);
    }
    // Parses, but does not verify: each names its reason.
    let verify = |r: &Receipt, entry: &[u8]| r.verify(entry, &key.verifier(), &[]).map(|_| ());
    let past_end = Receipt { index: 7, ..r.clone() };
    fails_with(verify(&past_end, &entry), &["inclusion proof fails", "index 7 is outside a tree of size 7"]);
    let far_past = Receipt { index: u64::MAX, ..r.clone() };
    fails_with(verify(&far_past, &entry), &["inclusion proof fails", "outside a tree of size 7"]);
    let long = Receipt { proof: [r.proof.clone(), vec![r.proof[0]]].concat(), ..r.clone() };
    fails_with(verify(&long, &entry), &["inclusion proof fails", "proof has 4 hashes, 3 expected"]);
    let short = Receipt { proof: r.proof[1..].to_vec(), ..r.clone() };
    fails_with(verify(&short, &entry), &["proof has 2 hashes, 3 expected"]);
    fails_with(verify(&r, b"entry 4"), &["inclusion proof fails", "does not match the claimed root"]);
    let moved = Receipt { index: 2, ..r.clone() };
    fails_with(verify(&moved, &entry), &["does not match the claimed root"]);
    let other_key = Signer::from_seed(ORIGIN, ALG_ED25519, [9; 32]).unwrap();
    fails_with(r.verify(&entry, &other_key.verifier(), &[]).map(|_| ()), &["checkpoint note", "known key"]);
    let trailing = Receipt { checkpoint: [r.checkpoint.clone(), b"junk\n".to_vec()].concat(), ..r.clone() };
    fails_with(verify(&trailing, &entry), &["checkpoint note"]);
    // Parse errors from the embedded checkpoint surface through the receipt.
    let bad_cp = Receipt { checkpoint: b"not a note".to_vec(), ..r.clone() };
    let e = bad_cp.verify(&entry, &key.verifier(), &[]).unwrap_err();
    assert!(matches!(e, ReceiptError::Checkpoint(_)), "{e:?}");
}

#[test]
fn hash_lines_say_what_is_wrong() {
    let h = leaf_hash(b"x");
    let s = to_base64(&h);
    assert_eq!(decode_base64(&s).unwrap(), h);
    fails_with(decode_base64(""), &["0 bytes"]);
    fails_with(decode_base64(&s[..40]), &["30 bytes"]);
    fails_with(decode_base64(&s[..41]), &["not standard base64"]);
    fails_with(decode_base64(&"A".repeat(48)), &["36 bytes"]);
    fails_with(decode_base64(&format!("{s}AAAA")), &["not standard base64"]);
    fails_with(decode_base64(&s.replace('=', "")), &["not standard base64"]);
    fails_with(decode_base64(&s.replacen(&s[..1], "-", 1)), &["not standard base64"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random damage to a valid receipt: parsing and verifying never panic,
    /// and damage that parses and verifies must have left the meaning intact.
    #[test]
    fn damaged_receipts_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>(), op in 0u8..3) {
        let (r, entry, key) = receipt();
        let mut bytes = r.to_text();
        let i = pos.index(bytes.len());
        match op {
            0 => bytes[i] = byte,
            1 => { bytes.truncate(i); }
            _ => bytes.insert(i, byte),
        }
        if let Ok(parsed) = Receipt::parse(&bytes) {
            if parsed.verify(&entry, &key.verifier(), &[]).is_ok() {
                prop_assert_eq!(parsed.index, r.index);
                prop_assert_eq!(&parsed.proof, &r.proof);
            }
        }
    }

    /// Arbitrary bytes into every parser: errors, never panics.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300), width in 0u16..=256) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = TileId::parse_path(&text);
        let _ = Checkpoint::parse(&text);
        let _ = decode_base64(&text);
        let _ = checkpoint::open(&bytes, &log_key().verifier(), &[]);
        let _ = Receipt::parse(&bytes);
        let _ = decode_bundle(&TileId::bundle(0, width), &bytes);
        let _ = decode_tile(&TileId::tile(0, 0, width), &bytes);
    }
}
