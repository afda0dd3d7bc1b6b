//! The sequencer and reader against a real directory.

use std::sync::Arc;

use testigo_note::Signer;
use testigo_tlog::checkpoint;
use testigo_tlog::hash::{leaf_hash, tree_hash};
use testigo_tlog::proof::{verify_consistency, verify_inclusion};
use testigo_tlog::reader::LogReader;
use testigo_tlog::storage::{DirStorage, Storage, StorageError};
use testigo_tlog::tile::TileId;
use testigo_tlog::{Receipt, Sequencer, SequencerConfig, SequencerError};

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i} {}", "x".repeat((i % 37) as usize)).into_bytes()
}

#[test]
fn appends_publish_tiles_checkpoint_and_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(dir.path().join("log")).unwrap());
    let signer = Signer::generate("example.org/testlog").unwrap();
    Sequencer::create(storage.as_ref(), &signer).unwrap();
    let seq = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default()).unwrap();
    let mut leaves = Vec::new();
    let mut sizes = Vec::new();
    // Batches of varied sizes crossing tile boundaries at levels 0 and 1.
    for batch in [1u64, 255, 1, 300, 65_000, 600] {
        let start = leaves.len() as u64;
        let entries: Vec<Vec<u8>> = (start..start + batch).map(entry).collect();
        leaves.extend(entries.iter().map(|e| leaf_hash(e)));
        let done = seq.submit(entries).unwrap().wait().unwrap();
        assert_eq!(done.first_index, start);
        assert_eq!(done.tree_size, leaves.len() as u64);
        let opened = checkpoint::open(&done.checkpoint, &signer.verifier(), &[]).unwrap();
        assert_eq!(opened.checkpoint.root, tree_hash(&leaves));
        sizes.push((done.tree_size, opened.checkpoint.root));
    }
    let size = leaves.len() as u64;
    assert_eq!(size, 66_157);
    let reader = LogReader::new(storage.clone(), 64);
    assert_eq!(reader.root(size).unwrap(), tree_hash(&leaves));
    for i in [0, 1, 255, 256, 511, 65_535, 65_536, size - 1] {
        let p = reader.inclusion_proof(i, size).unwrap();
        verify_inclusion(i, size, &leaves[i as usize], &p, &tree_hash(&leaves)).unwrap();
        assert_eq!(reader.entry(i, size).unwrap(), entry(i));
    }
    for &(s1, r1) in &sizes {
        let p = reader.consistency_proof(s1, size).unwrap();
        verify_consistency(s1, size, &r1, &tree_hash(&leaves), &p).unwrap();
    }
    // Superseded partial tiles are gone; the current ones exist.
    assert!(storage.read("tile/0/000.p/1").unwrap().is_none());
    assert!(storage.read("tile/0/000").unwrap().is_some());
    let w = (size % 256) as u16;
    assert!(storage.read(&TileId::tile(0, size / 256, w).path()).unwrap().is_some());
    assert!(storage.read(&TileId::bundle(size / 256, w).path()).unwrap().is_some());
    // 258 full level-0 tiles: one full level-1 tile and a partial one of width 2.
    assert!(storage.read("tile/1/000").unwrap().is_some());
    assert!(storage.read("tile/1/000.p/255").unwrap().is_none());
    assert!(storage.read("tile/1/001.p/2").unwrap().is_some());
    assert!(storage.read("tile/2/000.p/1").unwrap().is_some());
    drop(seq);

    // Restart: state comes back from storage alone.
    let seq = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default()).unwrap();
    assert_eq!(seq.latest().tree_size, size);
    assert_eq!(seq.append(b"after restart".to_vec()).unwrap(), size);
    leaves.push(leaf_hash(b"after restart"));
    let cp = checkpoint::open(&seq.latest().checkpoint, &signer.verifier(), &[]).unwrap();
    assert_eq!(cp.checkpoint.root, tree_hash(&leaves));

    // A receipt verifies offline, and not for another entry.
    let reader = LogReader::new(storage.clone(), 64);
    let latest = seq.latest();
    let r = Receipt {
        extra: None,
        index: 7,
        proof: reader.inclusion_proof(7, latest.tree_size).unwrap(),
        checkpoint: latest.checkpoint.to_vec(),
    };
    let parsed = Receipt::parse(&r.to_text()).unwrap();
    assert_eq!(parsed, r);
    parsed.verify(&entry(7), &signer.verifier(), &[]).unwrap();
    assert!(parsed.verify(&entry(8), &signer.verifier(), &[]).is_err());
}

#[test]
fn second_writer_is_refused_and_create_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(dir.path().join("log")).unwrap());
    let signer = Signer::generate("example.org/testlog").unwrap();
    Sequencer::create(storage.as_ref(), &signer).unwrap();
    let _seq = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default()).unwrap();
    let again = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default());
    assert!(matches!(again, Err(SequencerError::Storage(StorageError::Locked(_)))), "{:?}", again.err());
    drop(_seq);
    assert!(matches!(Sequencer::create(storage.as_ref(), &signer), Err(SequencerError::AlreadyExists(0))));
    // Another key cannot open the log: the checkpoint does not verify with it.
    let other = Signer::generate("example.org/testlog").unwrap();
    assert!(Sequencer::open(storage, other, SequencerConfig::default()).is_err());
}

#[test]
fn oversized_entry_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(dir.path().join("log")).unwrap());
    let signer = Signer::generate("example.org/testlog").unwrap();
    Sequencer::create(storage.as_ref(), &signer).unwrap();
    let seq = Sequencer::open(storage, signer, SequencerConfig::default()).unwrap();
    let err = seq.append(vec![0u8; 65_536]).unwrap_err();
    assert!(err.to_string().contains("65536 bytes is larger than the 65535-byte limit"), "{err}");
    assert_eq!(seq.append(vec![0u8; 65_535]).unwrap(), 0);
}
