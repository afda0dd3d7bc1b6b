//! Offline receipts (c2sp.org/tlog-proof) as a citizen's verifier reads
//! them. Never panics, and:
//! - a parsed receipt prints back to exactly the input, and reparses equal;
//! - verifying it against a fixed log key and a witness key never panics;
//! - so that the inclusion proof check is reached with arbitrary index, size,
//!   root and proof, the receipt's checkpoint body is also re-signed with the
//!   log key (under the log's origin) and verified again; an accepted proof
//!   must hold for the entry it was checked with.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use testigo_note::{SignedNote, Signer, Verifier, ALG_COSIGNATURE_V1, ALG_ED25519};
use testigo_tlog::proof::verify_inclusion;
use testigo_tlog::{leaf_hash, Checkpoint, Receipt};

const ORIGIN: &str = "log.fuzz.example";

fn keys() -> &'static (Signer, Verifier, Verifier) {
    static KEYS: OnceLock<(Signer, Verifier, Verifier)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let log = Signer::from_seed(ORIGIN, ALG_ED25519, [1; 32]).unwrap();
        let witness = Signer::from_seed("witness.fuzz.example", ALG_COSIGNATURE_V1, [2; 32]).unwrap();
        let v = log.verifier();
        (log, v, witness.verifier())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(r) = Receipt::parse(data) else { return };
    assert_eq!(r.to_text(), data, "a parsed receipt prints to other bytes");
    assert_eq!(Receipt::parse(&r.to_text()).unwrap(), r);
    let (signer, log, witness) = keys();
    let entry: Vec<u8> = r.extra.clone().unwrap_or_else(|| b"entry".to_vec());
    let _ = r.verify(&entry, log, std::slice::from_ref(witness));

    let Ok(note) = SignedNote::parse(&r.checkpoint) else { return };
    let Ok(cp) = Checkpoint::parse(note.text()) else { return };
    let cp = Checkpoint { origin: ORIGIN.to_string(), ..cp };
    let Ok(signed) = cp.sign(signer) else { return };
    let resigned = Receipt { checkpoint: signed.to_bytes(), ..r };
    if let Ok(opened) = resigned.verify(&entry, log, &[]) {
        assert_eq!(opened.checkpoint, cp);
        assert!(resigned.index < cp.size);
        verify_inclusion(resigned.index, cp.size, &leaf_hash(&entry), &resigned.proof, &cp.root).unwrap();
    }
});
