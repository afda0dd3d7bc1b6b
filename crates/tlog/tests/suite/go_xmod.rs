//! Interoperability with Go's golang.org/x/mod/sumdb/{note,tlog}: logs
//! written by our `Sequencer` are verified by an independent implementation
//! (`tests/go/xmodcheck/main.go`): signed checkpoint, tiles, entry bundles,
//! tree hash, inclusion and consistency proofs; its proofs must equal ours;
//! and every kind of tampering must make it fail.
//!
//! Needs the Debian packages `golang-go` and `golang-golang-x-mod-dev`
//! (`./scripts/test` installs them).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

use crate::gobuild::go_build;
use testigo_note::Signer;
use testigo_tlog::checkpoint::{self, Checkpoint};
use testigo_tlog::hash::{leaf_hash, to_base64, tree_hash, Hash};
use testigo_tlog::reader::LogReader;
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::{Sequencer, SequencerConfig};

/// Builds the Go checker once per test binary and returns its path.
fn xmodcheck() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("xmodcheck");
        go_build(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/xmodcheck"), &out, "xmodcheck")
    })
}

fn entry(i: u64) -> Vec<u8> {
    // Varied lengths, including empty entries and ones longer than 255 bytes.
    let len = (i * 7919 % 600) as usize;
    let mut e = format!("entry {i}:").into_bytes();
    e.extend((0..len).map(|j| (i as usize + j) as u8));
    if i % 101 == 5 {
        e.clear();
    }
    e
}

/// A log written by the sequencer in the given batches, with every
/// checkpoint it published along the way.
struct TestLog {
    _dir: tempfile::TempDir,
    log: PathBuf,
    signer: Signer,
    storage: Arc<dyn Storage>,
    leaves: Vec<Hash>,
    /// Paths of the checkpoints published before the last one.
    old_checkpoints: Vec<PathBuf>,
}

fn build_log(batches: &[u64]) -> TestLog {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(&log).unwrap());
    let signer = Signer::generate("example.org/xmod-interop").unwrap();
    Sequencer::create(storage.as_ref(), &signer).unwrap();
    let seq = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default()).unwrap();
    let mut leaves = Vec::new();
    let mut old_checkpoints = Vec::new();
    for &n in batches {
        // Keep the checkpoint being superseded, to prove consistency with it.
        let old = dir.path().join(format!("checkpoint.{}", leaves.len()));
        std::fs::write(&old, &*seq.latest().checkpoint).unwrap();
        old_checkpoints.push(old);
        let start = leaves.len() as u64;
        let entries: Vec<Vec<u8>> = (start..start + n).map(entry).collect();
        leaves.extend(entries.iter().map(|e| leaf_hash(e)));
        let done = seq.submit(entries).unwrap().wait().unwrap();
        assert_eq!(done.tree_size, leaves.len() as u64);
    }
    drop(seq);
    TestLog { _dir: dir, log, signer, storage, leaves, old_checkpoints }
}

fn run_check(log: &Path, vkey: &str, olds: &[PathBuf]) -> Output {
    let mut cmd = Command::new(xmodcheck());
    cmd.arg("-dir").arg(log).arg("-vkey").arg(vkey).arg("-print-proofs");
    for o in olds {
        cmd.arg("-old").arg(o);
    }
    cmd.output().expect("running xmodcheck")
}

fn decode_hashes(fields: &[&str]) -> Vec<Hash> {
    fields.iter().map(|f| testigo_tlog::hash::from_base64(f).expect("base64 hash from Go")).collect()
}

/// Runs the Go checker on a good log and compares every proof it printed with ours.
fn assert_go_accepts(t: &TestLog) {
    let size = t.leaves.len() as u64;
    let out = run_check(&t.log, &t.signer.verifier().to_vkey(), &t.old_checkpoints);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "x/mod rejected a log of size {size}:\n{stderr}\n{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    let root = tree_hash(&t.leaves);
    assert!(last.starts_with(&format!("ok size={size} ")), "{last}");
    let reader = LogReader::new(t.storage.clone(), 64);
    let (mut inclusions, mut consistencies) = (0, 0);
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        match fields[0] {
            "inclusion" => {
                let (n, s): (u64, u64) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
                assert_eq!(s, size);
                let ours = reader.inclusion_proof(n, size).unwrap();
                assert_eq!(decode_hashes(&fields[3..]), ours, "inclusion proof of {n} in {size} differs from x/mod's");
                testigo_tlog::proof::verify_inclusion(n, size, &t.leaves[n as usize], &ours, &root).unwrap();
                inclusions += 1;
            }
            "consistency" => {
                let (m, s): (u64, u64) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
                assert_eq!(s, size);
                let ours = reader.consistency_proof(m, size).unwrap();
                assert_eq!(decode_hashes(&fields[3..]), ours, "consistency proof {m} -> {size} differs from x/mod's");
                consistencies += 1;
            }
            _ => {}
        }
    }
    if size > 0 {
        assert!(inclusions > 0 && consistencies > 0, "x/mod printed no proofs:\n{stdout}");
        assert!(last.contains(&format!("entries={size} ")), "{last}");
        assert!(last.contains(&format!("root={}", to_base64(&root))), "{last}");
    }
}

#[test]
fn xmod_verifies_small_logs_at_tile_boundaries() {
    for batches in [&[][..], &[1], &[255], &[100, 156], &[1, 255, 1], &[300, 212, 1]] {
        let t = build_log(batches);
        assert_go_accepts(&t);
    }
}

#[test]
fn xmod_verifies_a_log_of_70000_entries_with_partial_tiles_at_three_levels() {
    // 70,000 = 273 full level-0 tiles + 112; level 1: one full tile + 17; level 2: 1.
    let t = build_log(&[1, 300, 4000, 60_000, 5_699]);
    assert_eq!(t.leaves.len(), 70_000);
    for p in ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1", "tile/entries/273.p/112", "tile/1/000"] {
        assert!(t.log.join(p).is_file(), "{p} missing");
    }
    assert_go_accepts(&t);
}

/// Runs the checker on a copy of `t` damaged by `damage`; it must fail and say `why`.
fn assert_go_rejects(t: &TestLog, name: &str, why: &str, damage: impl FnOnce(&Path), olds: &[PathBuf], vkey: &str) {
    let copy = tempfile::tempdir().unwrap();
    let cp = Command::new("cp").arg("-a").arg(&t.log).arg(copy.path()).status().unwrap();
    assert!(cp.success());
    let log = copy.path().join("log");
    damage(&log);
    let out = run_check(&log, vkey, olds);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "x/mod accepted a log with {name}:\n{}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.contains(why), "{name}: expected {why:?} in the error, got:\n{stderr}");
}

fn flip_byte(path: &Path, at: usize) {
    let mut b = std::fs::read(path).unwrap();
    b[at] ^= 0x40;
    std::fs::write(path, b).unwrap();
}

#[test]
fn xmod_rejects_tampered_logs() {
    // 600 entries: tile/0/000, tile/0/001, tile/0/002.p/88, tile/1/000.p/2.
    let t = build_log(&[300, 300]);
    let vkey = t.signer.verifier().to_vkey();
    assert_go_accepts(&t);
    let olds = t.old_checkpoints.clone();
    let inconsistent = "inconsistent tile";
    assert_go_rejects(
        &t,
        "a flipped bit in a full level-0 tile",
        inconsistent,
        |d| flip_byte(&d.join("tile/0/001"), 100),
        &olds,
        &vkey,
    );
    assert_go_rejects(
        &t,
        "a flipped bit in a partial level-0 tile",
        inconsistent,
        |d| flip_byte(&d.join("tile/0/002.p/88"), 0),
        &olds,
        &vkey,
    );
    assert_go_rejects(
        &t,
        "a flipped bit in a level-1 tile",
        inconsistent,
        |d| flip_byte(&d.join("tile/1/000.p/2"), 33),
        &olds,
        &vkey,
    );
    assert_go_rejects(
        &t,
        "a truncated tile",
        "len=",
        |d| {
            let p = d.join("tile/0/000");
            let b = std::fs::read(&p).unwrap();
            std::fs::write(&p, &b[..b.len() - 32]).unwrap();
        },
        &olds,
        &vkey,
    );
    assert_go_rejects(
        &t,
        "a missing tile",
        "reading tile tile/0/000",
        |d| std::fs::remove_file(d.join("tile/0/000")).unwrap(),
        &olds,
        &vkey,
    );
    // Entry 300 starts at byte 2 of bundle 1 (after its length prefix).
    assert_go_rejects(
        &t,
        "an altered entry",
        "entry 256 in tile/entries/001: record hash",
        |d| flip_byte(&d.join("tile/entries/001"), 2),
        &olds,
        &vkey,
    );
    assert_go_rejects(
        &t,
        "a missing entry bundle",
        "reading entry bundle tile/entries/002.p/88",
        |d| std::fs::remove_file(d.join("tile/entries/002.p/88")).unwrap(),
        &olds,
        &vkey,
    );

    // A checkpoint signed by another key of the same name.
    let other = Signer::generate("example.org/xmod-interop").unwrap();
    assert_go_rejects(&t, "the wrong verifier key", "note.Open", |_| {}, &olds, &other.verifier().to_vkey());

    // A validly signed checkpoint whose root is not the tree's (a log key misused).
    let size = t.leaves.len() as u64;
    let bad_root = Checkpoint { origin: t.signer.name().into(), size, root: [7; 32], extensions: vec![] };
    let bad_bytes = bad_root.sign(&t.signer).unwrap().to_bytes();
    assert_go_rejects(
        &t,
        "a checkpoint with a wrong root",
        inconsistent,
        |d| std::fs::write(d.join("checkpoint"), &bad_bytes).unwrap(),
        &olds,
        &vkey,
    );
    // A bit flipped in the signed checkpoint text.
    assert_go_rejects(
        &t,
        "an altered checkpoint",
        "note.Open",
        |d| {
            let p = d.join("checkpoint");
            let s = std::fs::read_to_string(&p).unwrap().replacen("\n600\n", "\n601\n", 1);
            std::fs::write(p, s).unwrap();
        },
        &olds,
        &vkey,
    );

    // A signed older checkpoint that the current tree does not extend (a fork).
    let fork = Checkpoint { origin: t.signer.name().into(), size: 300, root: leaf_hash(b"fork"), extensions: vec![] };
    let fork_path = t.log.parent().unwrap().join("checkpoint.fork");
    std::fs::write(&fork_path, fork.sign(&t.signer).unwrap().to_bytes()).unwrap();
    assert!(checkpoint::open(&std::fs::read(&fork_path).unwrap(), &t.signer.verifier(), &[]).is_ok());
    assert_go_rejects(&t, "a forked older checkpoint", "tlog.CheckTree(300 -> 600)", |_| {}, &[fork_path], &vkey);
}
