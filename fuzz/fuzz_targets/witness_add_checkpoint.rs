//! `Witness::add_checkpoint`, the whole of a witness's handling of a POSTed
//! body, against a witness (state in a temporary directory, on /dev/shm where
//! there is one) that watches one log and has cosigned its checkpoint of size
//! `WITNESS_START_SIZE`. If the first input byte is odd, the checkpoint in the
//! request is re-signed with the log key (under the log's origin), so the
//! old-size, empty-tree, fork and consistency-proof checks are reached.
//! Never panics, and:
//! - a refusal has one of the statuses c2sp.org/tlog-witness prescribes, and
//!   a 409 names the size the witness holds;
//! - an accepted checkpoint comes back with one valid cosignature line.
//!
//! The witness is rebuilt after each accepted checkpoint, and its evidence
//! directory emptied after each refusal that writes evidence, so every input
//! sees the same state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};
use testigo_fuzz::{add_request, log_key, witness_key, LOG_ORIGIN, WITNESS_START_SIZE};
use testigo_note::{SignedNote, Signer, Verifier};
use testigo_tlog::Checkpoint;
use testigo_witness::client::verify_cosignature;
use testigo_witness::{AddCheckpointRequest, AddError, LogConfig, Witness};

fn log() -> &'static (Signer, Verifier) {
    static KEYS: OnceLock<(Signer, Verifier)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let k = log_key();
        let v = k.verifier();
        (k, v)
    })
}

static STATE: Mutex<Option<(tempfile::TempDir, Witness)>> = Mutex::new(None);

fn fresh_witness() -> (tempfile::TempDir, Witness) {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.unwrap();
    let w = Witness::open(witness_key(), vec![LogConfig::from_key(log().1.clone())], dir.path()).unwrap();
    w.add_checkpoint(&add_request(0, WITNESS_START_SIZE)).expect("the starting checkpoint is cosigned");
    (dir, w)
}

/// The request with its checkpoint body re-signed by the log, if it parses that far.
fn resign(body: &[u8]) -> Option<Vec<u8>> {
    let req = AddCheckpointRequest::parse(body).ok()?;
    let note = SignedNote::parse(&req.checkpoint).ok()?;
    let cp = Checkpoint::parse(note.text()).ok()?;
    let cp = Checkpoint { origin: LOG_ORIGIN.to_string(), ..cp };
    let signed = cp.sign(&log().0).ok()?;
    Some(AddCheckpointRequest { checkpoint: signed.to_bytes(), ..req }.to_bytes())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else { return };
    let body = if mode & 1 == 1 { resign(payload).unwrap_or_else(|| payload.to_vec()) } else { payload.to_vec() };
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let (_, w) = state.get_or_insert_with(fresh_witness);
    match w.add_checkpoint(&body) {
        Ok(line) => {
            let req = AddCheckpointRequest::parse(&body).unwrap();
            let note = SignedNote::parse(&req.checkpoint).unwrap();
            let line = String::from_utf8(line).expect("a cosignature line is text");
            let (_, ts) = verify_cosignature(note.text(), &line, &w.verifier()).expect("the witness's cosignature verifies");
            assert!(ts > 0);
            let stored = w.latest(LOG_ORIGIN).expect("an accepted checkpoint is stored");
            assert_eq!(SignedNote::parse(&stored).unwrap().text(), note.text());
            *state = None;
        }
        Err(e) => {
            assert!([400, 403, 404, 409, 422].contains(&e.status()), "{e}");
            match e {
                AddError::Conflict(n) => assert_eq!(n, WITNESS_START_SIZE),
                AddError::Unprocessable(_) => {
                    let _ = std::fs::remove_dir_all(w.evidence_dir());
                }
                _ => {}
            }
        }
    }
});
