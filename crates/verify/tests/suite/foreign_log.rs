//! A C2SP log written by another implementation: the tree, its tiles and the
//! checkpoint body from `tlog_tiles` (a port of Go's
//! golang.org/x/mod/sumdb/tlog), the checkpoint signature from `signed_note`
//! (a port of Go's sumdb/note), with a key `signed_note` generated. Nothing of
//! testigo's touches it but the file layout: tile paths are converted from the
//! sumdb form (`tile/8/...`, `tile/8/data/...`) to c2sp.org/tlog-tiles
//! (`tile/...`, `tile/entries/...`), and entry bundles are written in the C2SP
//! form (big-endian u16 length, then the entry), which tlog_tiles does not
//! produce. Shared with testigo's CLI tests by
//! `#[path = "../../../verify/tests/suite/foreign_log.rs"]`.

use std::path::Path;

use signed_note::{Note, StandardSigner};
use tlog_tiles::{HashReader, Tile};

/// tlog_tiles' in-memory hash storage: every stored hash in its index order.
struct StoredHashes(Vec<tlog_tiles::Hash>);

impl HashReader for StoredHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes.iter().map(|&i| self.0.get(i as usize).copied().ok_or(tlog_tiles::Error::IndexesNotInTree)).collect()
    }
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

/// Writes `bytes` at `rel` under `root`, creating directories.
pub fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Writes a log of `origin` with the entries `entry(0..size)` into `root`;
/// returns the verifier key line and the path of every tile and entry bundle written.
pub fn build(root: &Path, origin: &str, size: u64, entry: impl Fn(u64) -> Vec<u8>) -> (String, Vec<String>) {
    let entries: Vec<Vec<u8>> = (0..size).map(entry).collect();
    let mut stored = StoredHashes(Vec::new());
    for (n, e) in entries.iter().enumerate() {
        let new = tlog_tiles::stored_hashes(n as u64, e, &stored).unwrap();
        stored.0.extend(new);
    }
    let mut written = Vec::new();
    for t in Tile::new_tiles(8, 0, size) {
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
    let hash = tlog_tiles::tree_hash(size, &stored).unwrap();
    let body = tlog_tiles::Checkpoint::new(origin, size, hash, "").unwrap().to_bytes();
    let (skey, vkey) = signed_note::generate_key(&mut rand_core::OsRng, origin);
    let mut note = Note::new(&body, &[]).unwrap();
    note.add_sigs(&[&StandardSigner::new(&skey).unwrap()]).unwrap();
    write(root, "checkpoint", &note.to_bytes());
    (vkey, written)
}
