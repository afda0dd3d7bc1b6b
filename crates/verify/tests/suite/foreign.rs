//! Our verifier accepts a C2SP log written by another implementation
//! (`foreign_log`: `tlog_tiles` and `signed_note`, ports of Go's
//! golang.org/x/mod/sumdb/tlog and sumdb/note), and one flipped byte anywhere
//! fails it, naming the object.

use std::path::Path;

use crate::foreign_log::{build, write};
use testigo_note::Verifier;
use testigo_verify::{verify_log, NoVisitor, Options, Report, Source, VerifyError, WitnessPolicy};

const ORIGIN: &str = "foreign.example/log";
/// Full and partial tiles at levels 0, 1 and 2.
const SIZE: u64 = 65_536 + 2 * 256 + 100;

fn entry(i: u64) -> Vec<u8> {
    format!("foreign entry {i} {}", "y".repeat((i % 31) as usize)).into_bytes()
}

fn verify(root: &Path, key: &Verifier) -> Result<Report, VerifyError> {
    verify_log(&Source::dir(root), key, &WitnessPolicy::default(), None, &mut NoVisitor, &Options::default())
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = at.min(bytes.len() - 1);
    bytes[at] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn verifies_a_log_written_by_tlog_tiles_and_signed_note() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (vkey, written) = build(root, ORIGIN, SIZE, entry);
    let key = Verifier::parse(&vkey).unwrap();
    let report = verify(root, &key).unwrap();
    assert_eq!(report.origin, ORIGIN);
    assert_eq!(report.size, SIZE);
    assert_eq!(report.entries_verified, SIZE);
    // 259 bundles (258 full, one of 100); tiles: 259 at level 0, 000 and 001.p/2 at 1, 000.p/1 at 2.
    assert_eq!((report.bundles_verified, report.tiles_verified), (259, 262));

    // Another key with the same name is refused.
    let (_, other) = signed_note::generate_key(&mut rand_core::OsRng, ORIGIN);
    assert!(verify(root, &Verifier::parse(&other).unwrap()).is_err(), "accepted a checkpoint under another key");

    // One flipped byte anywhere is caught, and the message names the object.
    let mut targets: Vec<String> = vec!["checkpoint".into()];
    targets.push(written.iter().find(|p| p.starts_with("tile/0/") && !p.contains(".p/")).unwrap().clone());
    targets.push(written.iter().find(|p| p.starts_with("tile/1/")).unwrap().clone());
    targets.push(written.iter().find(|p| p.starts_with("tile/2/")).unwrap().clone());
    targets.push(written.iter().find(|p| p.starts_with("tile/entries/")).unwrap().clone());
    targets.push(written.iter().rev().find(|p| p.starts_with("tile/entries/")).unwrap().clone());
    for rel in &targets {
        let copy = tempfile::tempdir().unwrap();
        for p in written.iter().chain(std::iter::once(&"checkpoint".to_string())) {
            write(copy.path(), p, &std::fs::read(root.join(p)).unwrap());
        }
        // Checkpoint: a byte of the root hash line; elsewhere the middle of the object.
        let at = if rel == "checkpoint" {
            ORIGIN.len() + 10
        } else {
            std::fs::metadata(root.join(rel)).unwrap().len() as usize / 2
        };
        flip_byte(&copy.path().join(rel), at);
        let err = verify(copy.path(), &key).expect_err(&format!("accepted a log with {rel} altered"));
        assert!(err.to_string().contains(rel.as_str()), "{rel}: error does not name it: {err}");
    }
}
