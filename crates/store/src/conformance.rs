//! What every storage backend must do, as checks any backend's tests call.
//!
//! The sequencer's crash safety and the server's "refused leaves nothing" rule
//! rest on a few promises of the backends (durable writes, an atomic
//! checkpoint, a single writer, staged photos that are never served, names that
//! cannot escape the store). [`check_log_storage`] and [`check_blob_store`] put
//! each promise to a backend and return the first one it breaks, so a new
//! backend (object storage, say) is tested against exactly what the directory
//! backends are: call both from its tests on a fresh, empty store.
//!
//! Durability across a crash cannot be observed from inside one process; the
//! crash tests (`crates/tlog/tests/suite/crash.rs`, SIGKILL under load in the CLI's
//! tests) cover it for the directory backends.

use testigo_tlog::storage::{Storage, StorageError, CHECKPOINT_PATH};
use testigo_tlog::tile::TileId;

use crate::blobs::{blob_name, BlobStore};

/// A broken promise: which check failed, and how.
pub type Violation = String;

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), Violation> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

fn fail(what: &'static str) -> impl FnOnce(std::io::Error) -> Violation {
    move |e| format!("{what}: {e}")
}

fn io<T>(what: &str, r: Result<T, StorageError>) -> Result<T, Violation> {
    r.map_err(|e| format!("{what}: {e}"))
}

/// Checks a log storage backend, which must be empty and unlocked: absent
/// objects read as `None`, written objects read back exactly, the checkpoint
/// is replaced as a whole, superseded partial tiles are deleted (and deleting
/// none is not an error), paths outside the C2SP namespace are refused, and a
/// second writer is refused while the first holds the lock.
pub fn check_log_storage(storage: &dyn Storage) -> Result<(), Violation> {
    ensure(io("reading an absent checkpoint", storage.read(CHECKPOINT_PATH))?.is_none(), || {
        "a fresh store already has a checkpoint: pass an empty store".into()
    })?;
    ensure(io("reading an absent tile", storage.read("tile/0/000"))?.is_none(), || {
        "an absent tile did not read as None".into()
    })?;

    let full = TileId { level: Some(0), index: 0, width: 256 };
    let partial = TileId { level: Some(0), index: 0, width: 7 };
    let bundle = TileId { level: None, index: 1000, width: 3 };
    let objects = vec![
        (partial.path(), vec![7u8; 7 * 32]),
        (bundle.path(), b"entries\x00".to_vec()),
        ("tile/1/x001/x234/067".to_string(), vec![1u8; 32]),
    ];
    io("writing objects", storage.write_objects(&objects))?;
    for (path, bytes) in &objects {
        let got = io("reading a written object", storage.read(path))?;
        ensure(got.as_deref() == Some(bytes.as_slice()), || format!("{path} did not read back as written"))?;
    }
    // Objects are immutable in a log, but a sequencer that crashed after writing
    // a tile writes it again on restart: the same bytes twice must succeed.
    io("writing an object a second time", storage.write_objects(&objects[..1]))?;

    io("publishing a checkpoint", storage.publish_checkpoint(b"first checkpoint\n"))?;
    let got = io("reading the checkpoint", storage.read(CHECKPOINT_PATH))?;
    ensure(got.as_deref() == Some(&b"first checkpoint\n"[..]), || "the checkpoint did not read back".into())?;
    let tile = (full.path(), vec![9u8; 256 * 32]);
    io(
        "writing and publishing",
        storage.write_and_publish(std::slice::from_ref(&tile), b"second, longer checkpoint\n"),
    )?;
    let got = io("reading the replaced checkpoint", storage.read(CHECKPOINT_PATH))?;
    ensure(got.as_deref() == Some(&b"second, longer checkpoint\n"[..]), || {
        format!(
            "the checkpoint was not replaced as a whole: {:?}",
            got.map(|b| String::from_utf8_lossy(&b).into_owned())
        )
    })?;
    ensure(io("reading the full tile", storage.read(&tile.0))?.as_deref() == Some(tile.1.as_slice()), || {
        "write_and_publish lost its object".into()
    })?;

    io("deleting superseded partials", storage.delete_partials(&full))?;
    ensure(io("reading a deleted partial", storage.read(&partial.path()))?.is_none(), || {
        format!("{} survived delete_partials of its full tile", partial.path())
    })?;
    ensure(io("reading the full tile", storage.read(&full.path()))?.is_some(), || {
        "delete_partials deleted the full tile".into()
    })?;
    io("deleting partials that do not exist", storage.delete_partials(&full))?;

    for bad in ["", "/checkpoint", "../checkpoint", "tile/../../etc", "tile//0", "tile/./0"] {
        ensure(storage.read(bad).is_err(), || format!("the path {bad:?} was not refused on read"))?;
        ensure(storage.write_objects(&[(bad.to_string(), vec![1])]).is_err(), || {
            format!("the path {bad:?} was not refused on write")
        })?;
    }

    let first = io("taking the writer lock", storage.lock_writer())?;
    ensure(matches!(storage.lock_writer(), Err(StorageError::Locked(_))), || {
        "a second writer got the lock while the first held it".into()
    })?;
    drop(first);
    io("taking the writer lock after it was released", storage.lock_writer()).map(drop)
}

/// Checks a photo store, which must be empty: staged blobs are invisible until
/// published and gone when discarded, published blobs read back exactly under
/// their SHA-256 (publishing one twice is not an error), `contains` ignores
/// case while `get` takes only lowercase names, and names that are not 64
/// lowercase hex digits read as absent instead of reaching anything else.
pub fn check_blob_store(store: &dyn BlobStore) -> Result<(), Violation> {
    let photo = b"\xff\xd8\xff not really a jpeg".to_vec();
    let name = blob_name(&photo);

    ensure(store.get(&name).map_err(fail("get of an absent blob"))?.is_none(), || "an absent blob was found".into())?;
    ensure(!store.contains(&name).map_err(fail("contains of an absent blob"))?, || {
        "contains() said yes for an absent blob".into()
    })?;

    let staged = store.stage(&photo).map_err(fail("staging"))?;
    ensure(staged.sha256() == name, || format!("staged under {}, expected {name}", staged.sha256()))?;
    ensure(store.get(&name).map_err(fail("get of a staged blob"))?.is_none(), || "a staged blob is served".into())?;
    ensure(!store.contains(&name).map_err(fail("contains of a staged blob"))?, || "a staged blob is listed".into())?;
    let published = store.publish(staged).map_err(fail("publishing"))?;
    ensure(published == name, || format!("published as {published}, expected {name}"))?;
    ensure(store.get(&name).map_err(fail("get"))?.as_deref() == Some(photo.as_slice()), || {
        "a published blob did not read back".into()
    })?;
    ensure(store.contains(&name.to_ascii_uppercase()).map_err(fail("contains"))?, || {
        "contains() is case-sensitive".into()
    })?;
    ensure(store.get(&name.to_ascii_uppercase()).map_err(fail("get"))?.is_none(), || {
        "get() accepted an uppercase name (one blob, one URL)".into()
    })?;

    let again = store.stage(&photo).map_err(fail("staging a stored blob again"))?;
    ensure(store.publish(again).map_err(fail("publishing a stored blob again"))? == name, || {
        "publishing a stored blob again changed its name".into()
    })?;

    let refused = b"the photo of a refused sheet".to_vec();
    let staged = store.stage(&refused).map_err(fail("staging"))?;
    store.discard(staged);
    ensure(store.get(&blob_name(&refused)).map_err(fail("get of a discarded blob"))?.is_none(), || {
        "a discarded blob is served".into()
    })?;

    ensure(store.put(b"").map_err(fail("put of an empty blob"))? == blob_name(b""), || "put() misnamed a blob".into())?;
    let staging_names = [".incoming", "..", "../sha256", "", &name[..63], &format!("{name}0"), &format!("../{name}")];
    for bad in staging_names {
        ensure(store.get(bad).map_err(fail("get of an invalid name"))?.is_none(), || {
            format!("get({bad:?}) found something: only 64-hex names exist")
        })?;
    }
    Ok(())
}
