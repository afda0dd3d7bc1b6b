//! Where a testigo node keeps things: the data directory's layout and keys
//! ([`datadir`]), the photo store ([`blobs`]: the [`BlobStore`] trait and its
//! directory backend), and the conformance checks every storage backend must
//! pass ([`conformance`]), and the enrolment requests waiting for the
//! operator ([`requests`]). The log's own storage trait is
//! [`testigo_tlog::storage::Storage`]; this crate adds what is not a log.
//!
//! Offline tools (`verify`, `tally`, `report`) and the server both use it, so
//! it knows nothing of HTTP or of election rules.

pub mod blobs;
pub mod conformance;
pub mod datadir;
pub mod requests;

pub use blobs::{BlobStore, DirBlobs, Staged, MAX_PHOTO_BYTES};
pub use datadir::{read_signer, write_secret, DataDir};
pub use requests::PendingRequests;

/// Seconds since the Unix epoch, now (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
