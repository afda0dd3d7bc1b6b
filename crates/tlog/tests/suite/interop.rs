//! Interoperability with independent implementations: `tlog_tiles` (a Rust
//! port of Go's golang.org/x/mod/sumdb/tlog, from Cloudflare's azul) for tree
//! hashes, proofs, tiles and checkpoint bodies, and `signed_note` (a port of
//! Go's sumdb/note) for checkpoint signatures.
//!
//! tlog_tiles names tiles the sumdb way, with the tile height in the path
//! (`tile/8/0/x001/234.p/5`, entries under `tile/8/data/...`); c2sp.org/tlog-tiles
//! fixes the height at 8 and drops it (`tile/0/x001/234.p/5`, `tile/entries/...`).
//! The tests convert between the two forms and require the rest to be identical.

use std::collections::BTreeSet;
use std::sync::Arc;

use proptest::prelude::*;
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
use testigo_note::Signer;
use testigo_tlog::checkpoint::{self, Checkpoint, CheckpointError};
use testigo_tlog::hash::{leaf_hash, tree_hash, Hash};
use testigo_tlog::proof::{consistency_proof, inclusion_proof, verify_consistency, verify_inclusion};
use testigo_tlog::reader::tile_width;
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::tile::{decode_tile, encode_tile, TileId};
use testigo_tlog::{Sequencer, SequencerConfig};
use tlog_tiles::{HashReader, Tile, TileHashReader, TileReader};

fn theirs(h: &Hash) -> tlog_tiles::Hash {
    tlog_tiles::Hash(*h)
}

fn ours(h: &tlog_tiles::Hash) -> Hash {
    h.0
}

/// tlog_tiles' in-memory hash storage: every stored hash in its index order.
struct StoredHashes(Vec<tlog_tiles::Hash>);

impl HashReader for StoredHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes.iter().map(|&i| self.0.get(i as usize).copied().ok_or(tlog_tiles::Error::IndexesNotInTree)).collect()
    }
}

impl StoredHashes {
    /// Appends entries the way a sumdb log does.
    fn build(entries: &[Vec<u8>]) -> Self {
        let mut s = StoredHashes(Vec::new());
        for (n, e) in entries.iter().enumerate() {
            let new = tlog_tiles::stored_hashes(n as u64, e, &s).unwrap();
            s.0.extend(new);
        }
        s
    }
}

fn entries(seed: u64, size: u64) -> Vec<Vec<u8>> {
    (0..size).map(|i| format!("interop entry {i} seed {seed}").into_bytes()).collect()
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

/// The sumdb path of one of our tiles, for tlog_tiles to parse.
fn sumdb_path(id: &TileId) -> String {
    let p = id.path();
    let rest = p.strip_prefix("tile/").unwrap();
    match rest.strip_prefix("entries/") {
        Some(index) => format!("tile/8/data/{index}"),
        None => format!("tile/8/{rest}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Same tree hashes, same proofs, and each side's proofs verify with the other's verifier.
    #[test]
    fn hashes_and_proofs_agree_with_tlog_tiles(
        seed in any::<u64>(), size in 1u64..2500, picks in prop::collection::vec(any::<prop::sample::Index>(), 8),
    ) {
        let es = entries(seed, size);
        let leaves: Vec<Hash> = es.iter().map(|e| leaf_hash(e)).collect();
        let stored = StoredHashes::build(&es);
        prop_assert_eq!(ours(&tlog_tiles::record_hash(&es[0])), leaves[0]);
        for p in &picks {
            let n = 1 + p.index(size as usize) as u64;
            let root = tree_hash(&leaves[..n as usize]);
            prop_assert_eq!(ours(&tlog_tiles::tree_hash(n, &stored).unwrap()), root);
        }
        let root = tree_hash(&leaves);
        for pair in picks.chunks(2) {
            let (i, m) = (pair[0].index(size as usize) as u64, 1 + pair[1].index(size as usize) as u64);
            // Inclusion of leaf i in the whole tree.
            let mine = inclusion_proof(&leaves[..], i, size).unwrap();
            let go = tlog_tiles::prove_record(size, i, &stored).unwrap();
            prop_assert_eq!(&mine, &go.iter().map(ours).collect::<Vec<_>>());
            tlog_tiles::check_record(&mine.iter().map(theirs).collect(), size, theirs(&root), i, theirs(&leaves[i as usize]))
                .unwrap();
            verify_inclusion(i, size, &leaves[i as usize], &go.iter().map(ours).collect::<Vec<_>>(), &root).unwrap();
            // Consistency from size m.
            let root_m = tree_hash(&leaves[..m as usize]);
            let mine = consistency_proof(&leaves[..], m, size).unwrap();
            let go = tlog_tiles::prove_tree(size, m, &stored).unwrap();
            prop_assert_eq!(&mine, &go.iter().map(ours).collect::<Vec<_>>());
            tlog_tiles::check_tree(&mine.iter().map(theirs).collect(), size, theirs(&root), m, theirs(&root_m)).unwrap();
            verify_consistency(m, size, &root_m, &root, &go.iter().map(ours).collect::<Vec<_>>()).unwrap();
            // And a wrong root is refused by both.
            let mut bad = root;
            bad[0] ^= 1;
            prop_assert!(verify_consistency(m, size, &root_m, &bad, &mine).is_err());
            prop_assert!(tlog_tiles::check_tree(&mine.iter().map(theirs).collect(), size, theirs(&bad), m, theirs(&root_m)).is_err());
        }
    }

    /// Tile paths: ours and theirs name the same tiles, and each parses the other's.
    #[test]
    fn tile_paths_agree(level in 0u8..8, index in prop_oneof![0u64..2000, any::<u64>()], width in 1u16..=256) {
        let go = Tile::new(8, level, index, u32::from(width), false);
        let id = TileId::tile(level, index, width);
        prop_assert_eq!(id.path(), c2sp_path(&go));
        prop_assert_eq!(TileId::parse_path(&c2sp_path(&go)).unwrap(), id);
        prop_assert_eq!(Tile::from_path(&sumdb_path(&id)).unwrap(), go);
        let mut data = go;
        data.set_is_data();
        let bundle = TileId::bundle(index, width);
        prop_assert_eq!(bundle.path(), c2sp_path(&data));
        prop_assert_eq!(TileId::parse_path(&c2sp_path(&data)).unwrap(), bundle);
    }
}

/// A tlog_tiles tile reader over the files our sequencer published. It serves
/// a narrower tile than the one on disk from the full tile's prefix, as a
/// tlog-tiles client does (partial tiles are deleted once full).
struct PublishedTiles<'a>(&'a DirStorage);

impl TileReader for PublishedTiles<'_> {
    fn height(&self) -> u8 {
        8
    }
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let id = TileId::parse_path(&c2sp_path(t)).map_err(|_| tlog_tiles::Error::InvalidTile)?;
                let bytes = match self.0.read(&id.path()).unwrap() {
                    Some(b) => b,
                    None => self.0.read(&id.full().path()).unwrap().ok_or(tlog_tiles::Error::InvalidTile)?,
                };
                let want = usize::from(id.width) * 32;
                Ok(bytes.get(..want).ok_or(tlog_tiles::Error::InvalidTile)?.to_vec())
            })
            .collect()
    }
    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

/// All files under `tile/` in the storage directory, as relative paths.
fn published_tiles(root: &std::path::Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.join("tile")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_str().unwrap().replace('\\', "/"));
            }
        }
    }
    out
}

/// A real log written by our sequencer is read correctly by tlog_tiles: its
/// tile hash reader authenticates our tiles against our checkpoint root and
/// builds proofs from them, and the tiles on disk are exactly the ones
/// tlog_tiles says a tree of that size publishes.
#[test]
fn tlog_tiles_reads_a_log_our_sequencer_published() {
    let dir = tempfile::tempdir().unwrap();
    let root_dir = dir.path().join("log");
    let storage = Arc::new(DirStorage::new(&root_dir).unwrap());
    let signer = Signer::generate("example.org/interop").unwrap();
    Sequencer::create(storage.as_ref(), &signer).unwrap();
    let seq = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default()).unwrap();
    // 256 * 256 + 300 entries: full and partial tiles on levels 0 and 1, a full level-2 hash missing.
    let es = entries(7, 256 * 256 + 300);
    let mut sizes = Vec::new();
    for chunk in es.chunks(16_384 + 1000) {
        let done = seq.submit(chunk.to_vec()).unwrap().wait().unwrap();
        sizes.push(done.tree_size);
    }
    let latest = seq.latest();
    seq.shutdown();
    let cp = checkpoint::open(&latest.checkpoint, &signer.verifier(), &[]).unwrap().checkpoint;
    let size = cp.size;
    assert_eq!(size, es.len() as u64);
    let leaves: Vec<Hash> = es.iter().map(|e| leaf_hash(e)).collect();

    let tiles = PublishedTiles(storage.as_ref());
    let reader = TileHashReader::new(size, theirs(&cp.root), &tiles);
    assert_eq!(ours(&tlog_tiles::tree_hash(size, &reader).unwrap()), cp.root);
    for i in [0, 1, 255, 256, 65_535, 65_536, size - 1] {
        let p: Vec<Hash> = tlog_tiles::prove_record(size, i, &reader).unwrap().iter().map(ours).collect();
        verify_inclusion(i, size, &leaves[i as usize], &p, &cp.root).unwrap();
    }
    for &m in &sizes {
        let p: Vec<Hash> = tlog_tiles::prove_tree(size, m, &reader).unwrap().iter().map(ours).collect();
        verify_consistency(m, size, &tree_hash(&leaves[..m as usize]), &cp.root, &p).unwrap();
    }
    // A tampered tile is caught by their reader's authentication.
    struct Tampered<'a>(PublishedTiles<'a>);
    impl TileReader for Tampered<'_> {
        fn height(&self) -> u8 {
            8
        }
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
            let mut out = self.0.read_tiles(tiles)?;
            out[0][5] ^= 1;
            Ok(out)
        }
        fn save_tiles(&self, _: &[Tile], _: &[Vec<u8>]) {}
    }
    let bad = Tampered(PublishedTiles(storage.as_ref()));
    assert!(tlog_tiles::prove_record(size, 3, &TileHashReader::new(size, theirs(&cp.root), &bad)).is_err());

    // The hash tiles on disk are exactly those tlog_tiles would publish for
    // this size (superseded partials deleted), and every bundle matches a
    // level-0 tile. Our tile_width agrees for each.
    let expected: BTreeSet<String> = Tile::new_tiles(8, 0, size).iter().map(c2sp_path).collect();
    let on_disk = published_tiles(&root_dir);
    let hash_tiles: BTreeSet<String> = on_disk.iter().filter(|p| !p.starts_with("tile/entries/")).cloned().collect();
    assert_eq!(hash_tiles, expected);
    for p in &on_disk {
        let id = TileId::parse_path(p).unwrap();
        let level = id.level.unwrap_or(0);
        assert_eq!(tile_width(level, id.index, size), Some(id.width), "{p}");
        if let Some(level) = id.level {
            // Tile encodings agree: their tile data from stored hashes equals our file.
            let go = Tile::new(8, level, id.index, u32::from(id.width), false);
            let data = go.read_data(&reader).unwrap();
            assert_eq!(storage.read(p).unwrap().unwrap(), data, "{p}");
            assert_eq!(encode_tile(&decode_tile(&id, &data).unwrap()), data);
        }
    }
}

/// tlog_tiles formats and parses checkpoint bodies exactly as we do.
#[test]
fn checkpoint_bodies_agree_with_tlog_tiles() {
    let root = leaf_hash(b"root");
    for (size, ext) in [(0u64, vec![]), (1, vec![]), (u64::MAX, vec!["ext one".to_string(), "— two".to_string()])] {
        let cp = Checkpoint { origin: "example.org/log".into(), size, root, extensions: ext.clone() };
        let go = tlog_tiles::Checkpoint::new(
            "example.org/log",
            size,
            theirs(&root),
            &ext.iter().map(|e| format!("{e}\n")).collect::<String>(),
        )
        .unwrap();
        assert_eq!(go.to_bytes(), cp.to_text().into_bytes());
        let back = tlog_tiles::Checkpoint::from_bytes(cp.to_text().as_bytes()).unwrap();
        assert_eq!((back.origin(), back.size(), ours(back.hash())), ("example.org/log", size, root));
        assert_eq!(Checkpoint::parse(std::str::from_utf8(&go.to_bytes()).unwrap()).unwrap(), cp);
    }
    // Both refuse a size with a leading zero and a root that is not 32 bytes.
    for bad in ["o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "o\n1\nAAAA\n"] {
        assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        assert!(tlog_tiles::Checkpoint::from_bytes(bad.as_bytes()).is_err(), "{bad:?}");
    }
}

/// A checkpoint we sign verifies with signed_note; one signed_note signs
/// verifies with ours; and each side refuses the other's note under a wrong key.
#[test]
fn checkpoint_signatures_cross_verify_with_signed_note() {
    let signer = Signer::from_seed("example.org/log", testigo_note::ALG_ED25519, [7; 32]).unwrap();
    let other = Signer::from_seed("example.org/log", testigo_note::ALG_ED25519, [8; 32]).unwrap();
    let their_verifier = || -> VerifierList {
        VerifierList::new(vec![Box::new(StandardVerifier::new(&signer.verifier().to_vkey()).unwrap())])
    };
    let cp = Checkpoint { origin: "example.org/log".into(), size: 42, root: leaf_hash(b"x"), extensions: vec![] };

    // Ours -> theirs.
    let note = cp.sign(&signer).unwrap().to_bytes();
    let parsed = Note::from_bytes(&note).unwrap();
    let (verified, unverified) = parsed.verify(&their_verifier()).unwrap();
    assert_eq!((verified.len(), unverified.len()), (1, 0));
    assert_eq!(parsed.text(), cp.to_text().as_bytes());
    let by_other = cp.sign(&other).unwrap().to_bytes();
    assert!(Note::from_bytes(&by_other).unwrap().verify(&their_verifier()).is_err());

    // Theirs -> ours, with the same private key in its encoding.
    let their_signer = StandardSigner::new(&signer.to_skey()).unwrap();
    let mut go = Note::new(cp.to_text().as_bytes(), &[]).unwrap();
    go.add_sigs(&[&their_signer]).unwrap();
    let opened = checkpoint::open(&go.to_bytes(), &signer.verifier(), &[]).unwrap();
    assert_eq!(opened.checkpoint, cp);
    // Ed25519 is deterministic: both implementations produce the same bytes.
    assert_eq!(go.to_bytes(), note);
    let e = checkpoint::open(&go.to_bytes(), &other.verifier(), &[]).unwrap_err();
    assert!(matches!(e, CheckpointError::Note(_)), "{e:?}");
    let mut wrong = Note::new(cp.to_text().as_bytes(), &[]).unwrap();
    wrong.add_sigs(&[&StandardSigner::new(&other.to_skey()).unwrap()]).unwrap();
    assert!(checkpoint::open(&wrong.to_bytes(), &signer.verifier(), &[]).is_err());
}
