//! Our verifier accepts a C2SP log written by another implementation: the
//! tree, its tiles and the checkpoint body come from `tlog_tiles` (a port of
//! Go's golang.org/x/mod/sumdb/tlog) and the checkpoint signature from
//! `signed_note` (a port of Go's sumdb/note), with a key `signed_note`
//! generated. Nothing of ours touches the fixture but the file layout: tile
//! paths are converted from the sumdb form (`tile/8/...`, `tile/8/data/...`)
//! to c2sp.org/tlog-tiles (`tile/...`, `tile/entries/...`), and entry bundles
//! are written in the C2SP form (big-endian u16 length, then the entry),
//! which tlog_tiles does not produce.

use std::path::Path;

use signed_note::{Note, StandardSigner};
use testigo_note::Verifier;
use testigo_verify::{verify_log, NoVisitor, Options, Report, Source, VerifyError, WitnessPolicy};
use tlog_tiles::{HashReader, Tile};

const ORIGIN: &str = "foreign.example/log";
/// Full and partial tiles at levels 0, 1 and 2.
const SIZE: u64 = 65_536 + 2 * 256 + 100;

/// tlog_tiles' in-memory hash storage: every stored hash in its index order.
struct StoredHashes(Vec<tlog_tiles::Hash>);

impl HashReader for StoredHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes.iter().map(|&i| self.0.get(i as usize).copied().ok_or(tlog_tiles::Error::IndexesNotInTree)).collect()
    }
}

fn entry(i: u64) -> Vec<u8> {
    format!("foreign entry {i} {}", "y".repeat((i % 31) as usize)).into_bytes()
}

/// The C2SP path of a tlog_tiles tile of height 8.
fn c2sp_path(t: &Tile) -> String {
    let p = t.path();
    let rest = p.strip_prefix("tile/8/").expect("height-8 tile");
    match rest.strip_prefix("data/") {
        Some(index) => format!("tile/entries/{index}"),
        None => format!("tile/{rest}"),
    }
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Writes the foreign log into `root`; returns the verifier key line and the
/// paths of one tile of each level and one entry bundle.
fn build(root: &Path) -> (String, Vec<String>) {
    let entries: Vec<Vec<u8>> = (0..SIZE).map(entry).collect();
    let mut stored = StoredHashes(Vec::new());
    for (n, e) in entries.iter().enumerate() {
        let new = tlog_tiles::stored_hashes(n as u64, e, &stored).unwrap();
        stored.0.extend(new);
    }
    let mut written = Vec::new();
    for t in Tile::new_tiles(8, 0, SIZE) {
        let data = t.read_data(&stored).unwrap();
        write(root, &c2sp_path(&t), &data);
        written.push(c2sp_path(&t));
        if t.level() == 0 {
            // The entry bundle covering the same leaves as this level-0 tile.
            let first = t.level_index() * 256;
            let mut bundle = Vec::new();
            for e in &entries[first as usize..(first + u64::from(t.width())) as usize] {
                bundle.extend_from_slice(&u16::try_from(e.len()).unwrap().to_be_bytes());
                bundle.extend_from_slice(e);
            }
            let mut b = t;
            b.set_is_data();
            write(root, &c2sp_path(&b), &bundle);
            written.push(c2sp_path(&b));
        }
    }
    let hash = tlog_tiles::tree_hash(SIZE, &stored).unwrap();
    let body = tlog_tiles::Checkpoint::new(ORIGIN, SIZE, hash, "").unwrap().to_bytes();
    let (skey, vkey) = signed_note::generate_key(&mut rand_core::OsRng, ORIGIN);
    let mut note = Note::new(&body, &[]).unwrap();
    note.add_sigs(&[&StandardSigner::new(&skey).unwrap()]).unwrap();
    write(root, "checkpoint", &note.to_bytes());
    (vkey, written)
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
    let (vkey, written) = build(root);
    let key = Verifier::parse(&vkey).unwrap();
    let report = verify(root, &key).unwrap();
    assert_eq!(report.origin, ORIGIN);
    assert_eq!(report.size, SIZE);
    assert_eq!(report.entries_verified, SIZE);

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
