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
