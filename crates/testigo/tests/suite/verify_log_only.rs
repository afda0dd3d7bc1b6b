//! `testigo verify --log-only` and `testigo log verify`: any C2SP tiled log
//! verifies without an election, whoever wrote it and whatever its entries
//! hold. Two independent writers: Go's golang.org/x/mod/sumdb/{tlog,note}
//! (`tests/go/xmodlog`, built as the x/mod interoperability tests build theirs)
//! and the Rust `tlog_tiles` and `signed_note` crates (`foreign_log`, shared
//! with testigo-verify's tests). Each log's entries are arbitrary bytes, not
//! signed notes, so plain `testigo verify` refuses them; one flipped byte in a
//! hash tile, an entry bundle or the checkpoint fails the run, naming it.

use crate::common::{bin, key};
use crate::foreign_log;
use crate::gobuild::go_build;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use testigo_note::{SignedNote, Signer, ALG_COSIGNATURE_V1};

/// Full and partial tiles at levels 0, 1 and 2.
const GO_SIZE: u64 = 65_536 + 256 + 37;
const GO_ORIGIN: &str = "go.example/arbitrary-log";
/// Full and partial tiles at levels 0 and 1.
const RUST_SIZE: u64 = 2 * 256 + 50;
const RUST_ORIGIN: &str = "tlog-tiles.example/arbitrary-log";

/// Builds the Go log writer once per test binary and returns its path.
fn xmodlog() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("xmodlog");
        go_build(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/xmodlog"), &out, "xmodlog")
    })
}

/// A log written by another implementation: its directory and its verifier key file.
struct ForeignLog {
    _tmp: tempfile::TempDir,
    log: PathBuf,
    vkey: PathBuf,
}

/// A log of `GO_SIZE` arbitrary entries written by Go's x/mod, under a fresh key.
fn go_log() -> ForeignLog {
    go_log_with(GO_SIZE, 0, None)
}

/// A log of `size` arbitrary entries written by Go's x/mod, signed by the
/// private key in `skey` (created there if missing; a fresh key if `None`).
/// Logs of one `variant` are prefixes of one another; another variant is a fork.
fn go_log_with(size: u64, variant: u64, skey: Option<&Path>) -> ForeignLog {
    let tmp = tempfile::tempdir().unwrap();
    let (log, vkey) = (tmp.path().join("log"), tmp.path().join("log.vkey"));
    let mut cmd = Command::new(xmodlog());
    cmd.arg("-dir").arg(&log).args([
        "-origin",
        GO_ORIGIN,
        "-size",
        &size.to_string(),
        "-variant",
        &variant.to_string(),
    ]);
    cmd.arg("-vkey-out").arg(&vkey);
    if let Some(skey) = skey {
        cmd.arg("-skey").arg(skey);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "xmodlog failed: {}", String::from_utf8_lossy(&out.stderr));
    ForeignLog { _tmp: tmp, log, vkey }
}

/// Entry `i` of the tlog_tiles log: binary bytes of varied lengths, some empty.
fn arbitrary_entry(i: u64) -> Vec<u8> {
    if i % 50 == 7 {
        return Vec::new();
    }
    (0..(i * 131 % 400) + 1).map(|j| (j * 7 + i) as u8).collect()
}

/// A log of `RUST_SIZE` arbitrary entries written by `tlog_tiles` and signed by `signed_note`.
fn rust_log() -> ForeignLog {
    let tmp = tempfile::tempdir().unwrap();
    let (log, vkey) = (tmp.path().join("log"), tmp.path().join("log.vkey"));
    let (key, _) = foreign_log::build(&log, RUST_ORIGIN, RUST_SIZE, arbitrary_entry);
    std::fs::write(&vkey, format!("{key}\n")).unwrap();
    ForeignLog { _tmp: tmp, log, vkey }
}

fn run(args: &[&str], log: &Path) -> Output {
    bin().args(args).arg(log).output().expect("run testigo")
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs `verify --log-only` and `log verify` with `extra` arguments; both must pass. Returns the first's output.
fn assert_log_only_passes(f: &ForeignLog, extra: &[&str]) -> String {
    let vkey = f.vkey.to_str().unwrap();
    let mut out = String::new();
    for cmd in [&["verify", "--log-only"][..], &["log", "verify"]] {
        let args: Vec<&str> =
            cmd.iter().copied().chain(["--quiet", "--key", vkey]).chain(extra.iter().copied()).collect();
        let o = run(&args, &f.log);
        assert!(o.status.success(), "{cmd:?} refused a good log:\n{}", text(&o));
        if out.is_empty() {
            out = text(&o);
        }
    }
    out
}

/// A copy of `f` with one byte of `rel` flipped at `at` (clamped to the file) fails both commands, naming `rel`.
fn assert_flip_fails(f: &ForeignLog, rel: &str, at: usize, why: &str) {
    let copy = tempfile::tempdir().unwrap();
    assert!(Command::new("cp").arg("-a").arg(&f.log).arg(copy.path()).status().unwrap().success());
    let log = copy.path().join("log");
    let path = log.join(rel);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = at.min(bytes.len() - 1);
    bytes[at] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let vkey = f.vkey.to_str().unwrap();
    for cmd in [&["verify", "--log-only"][..], &["log", "verify"]] {
        let args: Vec<&str> = cmd.iter().copied().chain(["--quiet", "--no-state", "--key", vkey]).collect();
        let o = run(&args, &log);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd:?} accepted a log with a byte of {rel} flipped:\n{t}");
        assert!(t.contains("log verification FAILED"), "{cmd:?}, {rel}:\n{t}");
        assert!(t.contains(&format!("{rel}:")), "{cmd:?}: the error must name {rel}:\n{t}");
        assert!(t.contains(why), "{cmd:?}, {rel}: expected {why:?}:\n{t}");
    }
}

/// The three kinds of object a verifier reads: hash tiles (level 0 and `upper`), an entry bundle, the checkpoint.
fn assert_flips_fail(f: &ForeignLog, origin: &str, upper: &[&str]) {
    assert_flip_fails(f, "tile/0/001", 32 * 100 + 5, "this tile was altered");
    for tile in upper {
        assert_flip_fails(f, tile, 40, "this tile was altered");
    }
    // Byte 2 is the first byte of the bundle's first entry (after its length).
    assert_flip_fails(f, "tile/entries/001", 2, "the entry bundle was altered");
    // A byte of the root hash line.
    assert_flip_fails(f, "checkpoint", origin.len() + 10, "signature");
}

#[test]
fn a_log_written_by_go_xmod_with_arbitrary_entries_verifies_log_only() {
    let f = go_log();
    let out = assert_log_only_passes(&f, &["--no-state"]);
    assert!(out.contains(&format!("log verified: {GO_ORIGIN} (log only: the entries were not interpreted)")), "{out}");
    assert!(out.contains(&format!("size:          {GO_SIZE} entries")), "{out}");
    // 258 bundles (257 full, one of 37); tiles: 258 at level 0, 000 and 001.p/1 at 1, 000.p/1 at 2.
    assert!(out.contains("recomputed:    261 hash tiles and 258 entry bundles covering all 65829 entries"), "{out}");
    assert!(out.contains("entries:       not interpreted"), "{out}");
    assert!(out.contains("cosigners:     none required"), "{out}");

    // Plain `verify` replays election rules, which these entries are not: refused, pointing at --log-only.
    let o = run(&["verify", "--quiet", "--no-state", "--key", f.vkey.to_str().unwrap()], &f.log);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("entry 0") && text(&o).contains("--log-only"), "{}", text(&o));

    // Another key of the same name is refused.
    let other = key(GO_ORIGIN, 9).verifier().to_vkey();
    let o = run(&["log", "verify", "--quiet", "--no-state", "--key", &other], &f.log);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("checkpoint:"), "{}", text(&o));

    assert_flips_fail(&f, GO_ORIGIN, &["tile/1/000", "tile/2/000.p/1"]);
}

#[test]
fn a_log_written_by_tlog_tiles_with_arbitrary_entries_verifies_log_only() {
    let f = rust_log();
    let out = assert_log_only_passes(&f, &["--no-state"]);
    assert!(out.contains(&format!("log verified: {RUST_ORIGIN} (log only")), "{out}");
    assert!(out.contains(&format!("size:          {RUST_SIZE} entries")), "{out}");
    // 3 bundles (2 full, one of 50); tiles: 3 at level 0, 000.p/2 at 1.
    assert!(out.contains("recomputed:    4 hash tiles and 3 entry bundles"), "{out}");
    assert_flips_fail(&f, RUST_ORIGIN, &["tile/1/000.p/2"]);
}

/// Cosigns the checkpoint of `log` with `cosigners` (tlog-cosignature v1).
fn cosign(log: &Path, cosigners: &[&Signer]) {
    let path = log.join("checkpoint");
    let mut note = SignedNote::parse(&std::fs::read(&path).unwrap()).unwrap();
    for (i, c) in cosigners.iter().enumerate() {
        note.sign_cosignature(c, 1_700_000_000 + i as u64).unwrap();
    }
    std::fs::write(path, note.to_bytes()).unwrap();
}

#[test]
fn log_only_applies_the_cosigner_policy_and_remembered_state() {
    let f = go_log();
    let c1 = Signer::from_seed("c1.example", ALG_COSIGNATURE_V1, [1; 32]).unwrap();
    let c2 = Signer::from_seed("c2.example", ALG_COSIGNATURE_V1, [2; 32]).unwrap();
    cosign(&f.log, &[&c1]);
    let (k1, k2) = (c1.verifier().to_vkey(), c2.verifier().to_vkey());
    let vkey = f.vkey.to_str().unwrap();

    let out = assert_log_only_passes(&f, &["--no-state", "--cosigner", &k1, "--cosigner", &k2, "--quorum", "1"]);
    assert!(out.contains("cosigners:     1 of 1 required cosigned: c1.example (t=1700000000)"), "{out}");
    // Both required (the default quorum is all of them): c2 did not cosign.
    for cmd in [&["verify", "--log-only"][..], &["log", "verify"]] {
        let args: Vec<&str> = cmd
            .iter()
            .copied()
            .chain(["--quiet", "--no-state", "--key", vkey, "--cosigner", &k1, "--cosigner", &k2])
            .collect();
        let o = run(&args, &f.log);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", text(&o));
        assert!(text(&o).contains("checkpoint: witness policy not met"), "{cmd:?}: {}", text(&o));
    }

    // Remembered state: a second run proves consistency with the first, and checks nothing twice.
    let state = tempfile::tempdir().unwrap();
    let state = state.path().to_str().unwrap();
    let first = text(&run(&["log", "verify", "--quiet", "--state", state, "--key", vkey], &f.log));
    assert!(first.contains("(no earlier checkpoint remembered)"), "{first}");
    let again = text(&run(&["verify", "--log-only", "--quiet", "--state", state, "--key", vkey], &f.log));
    assert!(again.contains(&format!("consistent with the checkpoint of size {GO_SIZE} verified before")), "{again}");
    assert!(again.contains("recomputed:    0 hash tiles and 0 entry bundles"), "{again}");
}

#[test]
fn log_only_remembers_the_checkpoint_and_refuses_a_fork() {
    let keys = tempfile::tempdir().unwrap();
    let skey = keys.path().join("go.skey");
    let state = tempfile::tempdir().unwrap();
    let state = state.path().to_str().unwrap();
    let small = go_log_with(600, 0, Some(&skey));
    let vkey = small.vkey.to_str().unwrap();
    let first = text(&run(&["log", "verify", "--quiet", "--state", state, "--key", vkey], &small.log));
    assert!(first.contains("size:          600 entries"), "{first}");

    // The same log grown: consistent with what was verified, and only the new part is recomputed.
    let grown = go_log_with(1000, 0, Some(&skey));
    let o = run(&["verify", "--log-only", "--quiet", "--state", state, "--key", vkey], &grown.log);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("consistent with the checkpoint of size 600 verified before"), "{t}");
    assert!(t.contains("covering entries 600..1000"), "{t}");

    // Other entries under the same key and name: a fork, refused, with the evidence kept.
    let fork = go_log_with(1200, 1, Some(&skey));
    let o = run(&["log", "verify", "--quiet", "--state", state, "--key", vkey], &fork.log);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("INCONSISTENT LOG") && t.contains("the log forked"), "{t}");
}
