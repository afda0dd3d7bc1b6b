//! `testigo verify` batch-verifies the entry signatures of each 256-entry
//! bundle against the keys known before it: a later bundle holding one entry
//! with a broken signature (written behind the intake's back) must still fail
//! replay naming exactly that entry, and the same log without it must pass.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};

/// An election with 300 tables, one witness, and a sheet for every table
/// appended directly to the log; the sheet for `bad_table` (if any) gets a
/// broken signature. Returns the data directory and the bad entry's index.
fn log_with_sheets(root: &Path, bad_table: Option<(u32, u32, u32)>) -> (PathBuf, Option<u64>) {
    let op = key("operator.test.example", 1);
    let dir = init_election(root, &op, 30);
    let w1 = key("w1.test.example", 2);
    enroll(&dir, &w1, "witness", None, &[]);
    let seq = testigo_store::DataDir::new(&dir).sequencer().unwrap();
    let mut bad = None;
    for state in 1..=2 {
        for centre in 1..=5 {
            for table in 1..=30 {
                let mut entry = signed(&sheet(&table_id(state, centre, table)), &w1).into_bytes();
                let is_bad = Some((state, centre, table)) == bad_table;
                if is_bad {
                    // Change one base64 character of the signature (before the padding): a
                    // well-formed note whose signature does not verify.
                    let pos = entry.len() - 6;
                    entry[pos] = if entry[pos] == b'A' { b'B' } else { b'A' };
                }
                let index = seq.append(entry).unwrap();
                if is_bad {
                    bad = Some(index);
                }
            }
        }
    }
    seq.shutdown();
    (dir, bad)
}

fn verify(dir: &Path) -> std::process::Output {
    let log_vkey = dir.join("log.vkey");
    bin()
        .args(["verify", dir.to_str().unwrap(), "--key", log_vkey.to_str().unwrap(), "--no-state", "--quiet"])
        .output()
        .unwrap()
}

#[test]
fn a_bad_signature_inside_a_batch_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, bad) = log_with_sheets(tmp.path(), Some((2, 5, 20)));
    let bad = bad.unwrap();
    // In the second bundle, which is batch-verified against keys enrolled in the first.
    assert!(bad >= 256, "bad entry {bad} should be past the first bundle");
    let out = verify(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a bad signature passed: {stderr}");
    assert!(stderr.contains(&format!("entry {bad}")), "{stderr}");
    assert!(stderr.contains("bad_signature"), "{stderr}");
}

#[test]
fn the_same_log_without_the_bad_signature_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = log_with_sheets(tmp.path(), None);
    let out = verify(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("entries sheet      300"), "{stdout}");
}
