//! Without a server: the backends over `object_store`'s in-memory store, called
//! from plain threads and from inside a tokio runtime (the server's handlers).

use std::sync::Arc;

use object_store::memory::InMemory;
use testigo_objstore::Bucket;
use testigo_store::conformance::{check_blob_store, check_log_storage};

fn bucket() -> Bucket {
    Bucket::new(Arc::new(InMemory::new()), "/p/q/", "memory://test/p/q").unwrap()
}

#[test]
fn both_backends_conform_in_memory() {
    let b = bucket();
    check_log_storage(&b.log_storage()).unwrap();
    check_blob_store(&b.photo_store()).unwrap();
}

#[test]
fn calls_from_inside_a_runtime_neither_panic_nor_deadlock() {
    for rt in [
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap(),
    ] {
        rt.block_on(async {
            // Created, used and dropped inside the runtime, as in an axum handler.
            let b = bucket();
            check_log_storage(&b.log_storage()).unwrap();
            check_blob_store(&b.photo_store()).unwrap();
            drop(b);
        });
    }
}

#[test]
fn bad_urls_and_missing_settings_say_what_to_do() {
    let err = testigo_objstore::parse_url("gs://bucket/x").unwrap_err().to_string();
    assert!(err.contains("s3://BUCKET/PREFIX"), "{err}");
    let err = testigo_objstore::parse_url("s3:///x").unwrap_err().to_string();
    assert!(err.contains("names no bucket"), "{err}");
}
