//! Object-storage backends for a testigo log and its photos: S3 and
//! S3-compatible servers (MinIO, Cloudflare R2, moto…) through the
//! [`object_store`] crate.
//!
//! [`parse_url`] turns `s3://BUCKET/PREFIX` into a [`Bucket`]; its
//! [`Bucket::log_storage`] implements [`testigo_tlog::storage::Storage`] and its
//! [`Bucket::photo_store`] implements [`testigo_store::BlobStore`], so
//! `DataDir::with_log_storage`/`with_photo_store` put a node's log and photos in
//! the bucket while its keys stay on local disk. Both pass
//! `testigo_store::conformance`, the checks the directory backends pass.
//!
//! # Layout under the prefix
//!
//! | key | what | public |
//! |---|---|---|
//! | `checkpoint`, `tile/…` | the log at its C2SP paths | yes |
//! | `blob/sha256/<hex>` | photos of accepted sheets | yes |
//! | `staging/<hex>.<id>` | photos of sheets not yet accepted | **no** |
//! | `log.lock` | the writer's lease | no |
//!
//! The public keys are the log's URL paths, so a CDN or static website may
//! serve the prefix as it is, provided it serves only `checkpoint`, `tile/` and
//! `blob/` (staged photos must not be served before their sheet is accepted).
//!
//! # Crash safety: publish order
//!
//! A PUT of one object is atomic in S3: readers see the old object or the new
//! one. The log writes every tile and entry bundle of a batch (concurrently, a
//! bounded number at a time) and only once every PUT succeeded does it PUT the
//! checkpoint that covers them. A crash in between leaves objects that no
//! published checkpoint references; readers and a restarted sequencer see the
//! old checkpoint, and the sequencer rewrites those objects.
//!
//! # One writer: a lease
//!
//! S3 has no locks, but it has conditional writes. [`Storage::lock_writer`]
//! creates `log.lock` only if it does not exist (`If-None-Match: *`, i.e.
//! [`object_store::PutMode::Create`]), holding a random holder id and an expiry
//! time ([`DEFAULT_LEASE`] from now). A background thread renews the lease every
//! third of its length with a write conditional on the lease being unchanged
//! since our last write (`If-Match: <etag>`); releasing the guard deletes it. A
//! second writer finds the lease and fails with
//! [`StorageError::Locked`](testigo_tlog::storage::StorageError::Locked) until it
//! expires; a lease left by a crashed writer can be taken over only after its
//! expiry, again by a conditional write, so of two writers racing for a stale
//! lease exactly one wins.
//!
//! Limits, stated plainly: a lease is time-based, not a fence. The writer
//! refuses to write once its lease may have expired (it counts the lease from
//! before the renewal request was sent, minus a margin), and stops for good if a
//! renewal finds another holder. But a writer that stalls *during* a write (a
//! long pause between the check and the PUT reaching the server) for longer than
//! the lease could still land a PUT after another writer took over, and the
//! expiry compares wall clocks of different machines, so their skew must stay
//! well under the lease length. The storage needs conditional writes
//! (S3 since 2024, MinIO, R2, moto); a store without them is refused rather than
//! run unlocked. The high-water mark kept beside the keys (`D/log.high-water`)
//! still refuses a log rolled back below what this node published.
//!
//! # Synchronous calls over an async client
//!
//! The storage traits are synchronous and are called from plain threads and from
//! inside the server's tokio runtime. Each [`Bucket`] owns a small dedicated
//! runtime; a call spawns its future there and waits on a std channel, never
//! with `Runtime::block_on` (which panics inside another runtime).

mod blobs;
mod bucket;
mod lease;
mod log;
mod url;

pub use blobs::ObjectBlobs;
pub use bucket::Bucket;
pub use lease::DEFAULT_LEASE;
pub use log::{ObjectStorage, WRITE_CONCURRENCY};
pub use url::{is_object_url, parse_url, OpenError};
mod copy;
pub use copy::{upload_log_dir, upload_photos_dir};
