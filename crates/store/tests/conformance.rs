//! The embedded backends pass the conformance checks every backend must pass,
//! and the checks catch a backend that breaks a promise.

use std::sync::Arc;

use testigo_store::blobs::{BlobStore, DirBlobs, Staged};
use testigo_store::conformance::{check_blob_store, check_log_storage};
use testigo_store::DataDir;
use testigo_tlog::storage::DirStorage;

#[test]
fn the_directory_log_storage_conforms() {
    let tmp = tempfile::tempdir().unwrap();
    check_log_storage(&DirStorage::new(tmp.path().join("log")).unwrap()).unwrap();
}

#[test]
fn the_directory_photo_store_conforms() {
    let tmp = tempfile::tempdir().unwrap();
    check_blob_store(&DirBlobs::new(tmp.path().join("sha256")).unwrap()).unwrap();
}

/// A store that serves what it stages: the check must catch it.
#[derive(Debug)]
struct LeakyStaging(DirBlobs);

impl BlobStore for LeakyStaging {
    fn stage(&self, bytes: &[u8]) -> std::io::Result<Staged> {
        let name = self.0.put(bytes)?;
        Ok(Staged::new(name, "leaked".into()))
    }
    fn publish(&self, staged: Staged) -> std::io::Result<String> {
        Ok(staged.sha256().to_string())
    }
    fn discard(&self, _staged: Staged) {}
    fn get(&self, hex: &str) -> std::io::Result<Option<Vec<u8>>> {
        self.0.get(hex)
    }
    fn contains(&self, hex: &str) -> std::io::Result<bool> {
        self.0.contains(hex)
    }
}

#[test]
fn a_store_that_serves_staged_photos_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let leaky = LeakyStaging(DirBlobs::new(tmp.path().join("sha256")).unwrap());
    let err = check_blob_store(&leaky).unwrap_err();
    assert!(err.contains("staged blob is served"), "{err}");
}

#[test]
fn a_data_directory_takes_any_log_storage_and_photo_store() {
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tmp.path().join("elsewhere");
    let log = Arc::new(DirStorage::new(elsewhere.join("log")).unwrap());
    let photos = Arc::new(DirBlobs::new(elsewhere.join("photos")).unwrap());
    let dir = DataDir::new(tmp.path().join("d")).with_log_storage(log).with_photo_store(photos);
    dir.init("example.org/log").unwrap();
    assert!(elsewhere.join("log/checkpoint").is_file(), "the log went to the given storage");
    assert!(!dir.log().exists(), "nothing was written to D/log");
    let seq = dir.sequencer().unwrap();
    assert_eq!(seq.latest().tree_size, 0);
    let name = dir.photo_store().unwrap().put(b"photo").unwrap();
    assert!(elsewhere.join("photos").join(&name).is_file());
    assert!(!dir.blobs().exists());
}

#[test]
fn reading_a_directory_that_holds_no_log_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("nothing"));
    let err = dir.storage().err().unwrap().to_string();
    assert!(err.contains("holds no log"), "{err}");
    assert!(!tmp.path().join("nothing").exists());
}
