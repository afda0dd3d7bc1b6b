//! C2SP signed notes (<https://c2sp.org/signed-note>).
//!
//! A note is UTF-8 text, ending in a newline, followed by a blank line and one
//! or more signature lines `— <name> base64(keyid || signature)`. This crate
//! implements the Ed25519 signature type (0x01) and the timestamped Ed25519
//! cosignature type (0x04, c2sp.org/tlog-cosignature) key encodings, and
//! verification of notes carrying signatures from several keys.
//!
//! It knows nothing of logs or elections: the log uses it for checkpoints,
//! the election crate for signed submissions.

mod batch;
mod keys;
mod note;

pub use batch::{verify_batch, BatchItem};

pub use keys::{key_id, KeyError, Signer, Verifier, ALG_COSIGNATURE_V1, ALG_ED25519};
pub use note::{NoteError, Signature, SignedNote, Verified, MAX_SIGNATURES};
