//! Conformance, the lease, and a log written, reopened and verified in a bucket.

use std::sync::Arc;
use std::time::Duration;

use testigo_store::conformance::{check_blob_store, check_log_storage};
use testigo_tlog::storage::{Storage, StorageError};

use crate::moto::Moto;

#[test]
fn both_backends_conform_on_s3() {
    let moto = Moto::start();
    let bucket = moto.bucket("conformance", "some/prefix");
    check_log_storage(&bucket.log_storage()).unwrap();
    check_blob_store(&bucket.photo_store()).unwrap();
    // A second prefix in the same bucket is a separate, empty log.
    let other = moto.bucket("conformance2", "");
    check_log_storage(&other.log_storage()).unwrap();
}

#[test]
fn a_second_writer_is_locked_out_until_the_lease_expires_or_is_released() {
    let moto = Moto::start();
    let bucket = moto.bucket("lease", "p");
    let first = bucket.log_storage().with_lease(Duration::from_secs(3));
    let second = bucket.log_storage().with_lease(Duration::from_secs(3));
    let held = first.lock_writer().unwrap();
    // Renewed while held: still locked after the lease length.
    std::thread::sleep(Duration::from_millis(3500));
    match second.lock_writer() {
        Err(StorageError::Locked(p)) => assert!(p.to_string_lossy().starts_with("s3://lease/p"), "{p:?}"),
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("a second writer got the lease while the first renewed it"),
    }
    first.write_objects(&[("tile/0/000.p/1".into(), vec![0; 32])]).unwrap();
    drop(held);
    let taken = second.lock_writer().unwrap();
    drop(taken);

    // A lease left by a crashed writer (never released) is taken over only once expired.
    let unlocked = bucket.log_storage();
    let lease = |expires_ms: u128| format!("testigo writer lease\nholder crashed:1:2:3\nexpires {expires_ms}\n");
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    unlocked.write_objects(&[("log.lock".into(), lease(now_ms + 60_000).into_bytes())]).unwrap();
    assert!(matches!(second.lock_writer(), Err(StorageError::Locked(_))), "a live lease was taken over");
    unlocked.write_objects(&[("log.lock".into(), lease(now_ms - 1).into_bytes())]).unwrap();
    let taken = second.lock_writer().expect("an expired lease is taken over");

    // A writer whose lease another writer took stops writing.
    unlocked.write_objects(&[("log.lock".into(), lease(now_ms + 60_000).into_bytes())]).unwrap();
    std::thread::sleep(Duration::from_millis(1500)); // one renewal (every third of 3 s)
    let err = second.write_objects(&[("tile/0/000.p/2".into(), vec![0; 64])]).unwrap_err().to_string();
    assert!(err.contains("lease was lost"), "{err}");
    assert!(second.publish_checkpoint(b"x").is_err());
    drop(taken);
}

const ORIGIN: &str = "example.org/bucket-log";

fn signer() -> testigo_note::Signer {
    testigo_note::Signer::from_seed(ORIGIN, testigo_note::ALG_ED25519, [5u8; 32]).unwrap()
}

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i} {}", "y".repeat((i % 17) as usize)).into_bytes()
}

/// Appends entries `from..to` in batches of `batch`.
fn grow(seq: &testigo_tlog::Sequencer, from: u64, to: u64, batch: u64) {
    let mut i = from;
    while i < to {
        let n = batch.min(to - i);
        seq.submit((i..i + n).map(entry).collect()).unwrap().wait().unwrap();
        i += n;
    }
}

/// Verifies the log in `storage` with the log-level verifier, every entry compared.
fn verify(storage: Arc<dyn Storage>, label: &str) -> Result<testigo_verify::Report, testigo_verify::VerifyError> {
    let mut next = 0u64;
    let mut visitor = |i: u64, e: &[u8]| {
        if i != next || e != entry(i).as_slice() {
            return Err(format!("entry {i} is not what was appended"));
        }
        next += 1;
        Ok(())
    };
    testigo_verify::verify_log(
        &testigo_verify::Source::storage(storage, label),
        &signer().verifier(),
        &testigo_verify::WitnessPolicy::default(),
        None,
        &mut visitor,
        &testigo_verify::Options::default(),
    )
}

fn open(storage: Arc<dyn Storage>) -> testigo_tlog::Sequencer {
    testigo_tlog::Sequencer::open(storage, signer(), testigo_tlog::SequencerConfig::default()).unwrap()
}

#[test]
fn a_log_in_a_bucket_reopens_from_its_partial_tiles_and_verifies() {
    let moto = Moto::start();
    let bucket = moto.bucket("seqlog", "elections/2026");
    let storage: Arc<dyn Storage> = Arc::new(bucket.log_storage());
    testigo_tlog::Sequencer::create(storage.as_ref(), &signer()).unwrap();
    let seq = open(storage.clone());
    // Batches that end mid-tile: partial tiles and bundles come and go.
    grow(&seq, 0, 700, 97);
    assert_eq!(seq.latest().tree_size, 700);
    // Only one writer while it runs.
    let second: Arc<dyn Storage> = Arc::new(bucket.log_storage());
    assert!(matches!(second.lock_writer(), Err(StorageError::Locked(_))));
    seq.shutdown();

    // Restart: a new process would open the bucket afresh and rebuild its right edge.
    let reopened: Arc<dyn Storage> = Arc::new(bucket.log_storage());
    let seq = open(reopened.clone());
    assert_eq!(seq.latest().tree_size, 700);
    grow(&seq, 700, 1100, 150);
    seq.shutdown();
    // Superseded partials were deleted: the full tile 0 has no `.p/` left.
    assert_eq!(reopened.read("tile/0/000.p/97").unwrap(), None);

    let report = verify(Arc::new(bucket.log_storage()), bucket.url()).unwrap();
    assert_eq!((report.size, report.entries_verified), (1100, 1100));
}

#[test]
fn objects_written_without_their_checkpoint_are_not_the_log() {
    let moto = Moto::start();
    let bucket = moto.bucket("crashorder", "p");
    let storage: Arc<dyn Storage> = Arc::new(bucket.log_storage());
    testigo_tlog::Sequencer::create(storage.as_ref(), &signer()).unwrap();
    let seq = open(storage.clone());
    grow(&seq, 0, 300, 300);
    let published = storage.read("checkpoint").unwrap().unwrap();
    seq.shutdown();

    // A crash after a batch's PUTs but before its checkpoint: the objects of
    // entries 300..310 are there (written by a writer that then died), the checkpoint is not.
    let died = bucket.log_storage();
    let bundle = (300..310).flat_map(|i| {
        let e = entry(i);
        let mut b = (e.len() as u16).to_be_bytes().to_vec();
        b.extend(e);
        b
    });
    died.write_objects(&[
        ("tile/entries/001.p/54".into(), bundle.collect()),
        ("tile/0/001.p/54".into(), vec![0xee; 54 * 32]),
    ])
    .unwrap();
    assert_eq!(storage.read("checkpoint").unwrap().unwrap(), published);

    // Readers and the next writer see the old size, and everything still verifies.
    let report = verify(storage.clone(), bucket.url()).unwrap();
    assert_eq!(report.size, 300);
    let seq = open(storage.clone());
    assert_eq!(seq.latest().tree_size, 300);
    grow(&seq, 300, 320, 20);
    seq.shutdown();
    assert_eq!(verify(storage, bucket.url()).unwrap().size, 320);
}

#[test]
fn a_tampered_tile_in_the_bucket_fails_verification_naming_it() {
    let moto = Moto::start();
    let bucket = moto.bucket("tamper", "log");
    let storage: Arc<dyn Storage> = Arc::new(bucket.log_storage());
    testigo_tlog::Sequencer::create(storage.as_ref(), &signer()).unwrap();
    let seq = open(storage.clone());
    grow(&seq, 0, 600, 600);
    seq.shutdown();
    verify(storage.clone(), bucket.url()).unwrap();

    let mut tile = storage.read("tile/0/001").unwrap().unwrap();
    tile[100] ^= 1;
    bucket.log_storage().write_objects(&[("tile/0/001".into(), tile)]).unwrap();
    let err = verify(storage, bucket.url()).unwrap_err().to_string();
    assert!(err.contains("tile/0/001"), "the error names the tampered tile: {err}");
}
