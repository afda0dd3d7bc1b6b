//! Checkpoints (c2sp.org/tlog-checkpoint) as a verifier or witness receives
//! them. The input is tried both as a checkpoint body and as a served signed
//! note. Never panics, and:
//! - a parsed body prints back to exactly the input, and reparses equal;
//! - `checkpoint::open` with a fixed log key (and a witness key) only accepts
//!   notes signed by the log whose body parses and whose origin is the key name;
//! - a parsed body with the log's origin, signed by the log key, opens to the
//!   same checkpoint; with another origin it is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use testigo_note::{Signer, Verifier, ALG_COSIGNATURE_V1, ALG_ED25519};
use testigo_tlog::checkpoint::{open, CheckpointError};
use testigo_tlog::Checkpoint;

const ORIGIN: &str = "log.fuzz.example";

struct Keys {
    log: Signer,
    log_v: Verifier,
    witness: Signer,
    witness_v: Verifier,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let log = Signer::from_seed(ORIGIN, ALG_ED25519, [1; 32]).unwrap();
        let witness = Signer::from_seed("witness.fuzz.example", ALG_COSIGNATURE_V1, [2; 32]).unwrap();
        Keys { log_v: log.verifier(), witness_v: witness.verifier(), log, witness }
    })
}

fuzz_target!(|data: &[u8]| {
    let k = keys();
    let witnesses = [k.witness_v.clone()];
    if let Ok(opened) = open(data, &k.log_v, &witnesses) {
        assert_eq!(opened.checkpoint.origin, ORIGIN);
        assert!(opened.verified.verified_by.iter().any(|(v, _)| v == &k.log_v));
        assert_eq!(Checkpoint::parse(opened.note.text()).unwrap(), opened.checkpoint);
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(cp) = Checkpoint::parse(text) else { return };
    assert_eq!(cp.to_text(), text, "a parsed checkpoint prints to other text");
    assert_eq!(Checkpoint::parse(&cp.to_text()).unwrap(), cp);
    // Sign it as the log (under its own origin, and under the log's) and open it.
    let mut note = match cp.sign(&k.log) {
        Ok(n) => n,
        // Only text the note layer refuses (control characters) may fail here.
        Err(CheckpointError::Note(_)) => return,
        Err(e) => panic!("a parsed checkpoint cannot be signed: {e}"),
    };
    note.sign_cosignature(&k.witness, 1_700_000_000).unwrap();
    let result = open(&note.to_bytes(), &k.log_v, &witnesses);
    if cp.origin == ORIGIN {
        let opened = result.expect("a checkpoint signed by the log opens");
        assert_eq!(opened.checkpoint, cp);
        assert_eq!(opened.verified.verified_by.len(), 2);
    } else {
        assert!(matches!(result, Err(CheckpointError::WrongOrigin { .. })), "{result:?}");
    }
    let ours = Checkpoint { origin: ORIGIN.to_string(), ..cp };
    if let Ok(note) = ours.sign(&k.log) {
        let opened = open(&note.to_bytes(), &k.log_v, &[]).expect("a checkpoint signed by the log opens");
        assert_eq!(opened.checkpoint, ours);
    }
});
