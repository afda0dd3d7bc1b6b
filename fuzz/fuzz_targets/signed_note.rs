//! C2SP signed notes as they arrive from the network (checkpoints, log
//! entries, witness answers) and verifier keys (they travel in enrol
//! entries). Never panics, and:
//! - a parsed note serialises back to exactly the input bytes, and parses
//!   again to the same note;
//! - verification against a fixed Ed25519 key and a fixed cosigner key never
//!   panics, and a note that verifies names only those keys;
//! - the text of any parsed note can be signed (by both keys) and then
//!   verifies, and that signed note round-trips;
//! - a verifier key line that parses prints back to the same line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use testigo_note::{SignedNote, Signer, Verifier, ALG_COSIGNATURE_V1, ALG_ED25519};

struct Keys {
    signer: Signer,
    cosigner: Signer,
    known: [Verifier; 2],
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let signer = Signer::from_seed("log.fuzz.example", ALG_ED25519, [1; 32]).unwrap();
        let cosigner = Signer::from_seed("witness.fuzz.example", ALG_COSIGNATURE_V1, [2; 32]).unwrap();
        let known = [signer.verifier(), cosigner.verifier()];
        Keys { signer, cosigner, known }
    })
}

fuzz_target!(|data: &[u8]| {
    let k = keys();
    if let Ok(note) = SignedNote::parse(data) {
        assert_eq!(note.to_bytes(), data, "a parsed note serialises to other bytes");
        assert_eq!(SignedNote::parse(&note.to_bytes()).as_ref(), Ok(&note));
        assert!(!note.signatures().is_empty());
        for s in note.signatures() {
            let _ = s.to_line();
        }
        if let Ok(v) = note.verify(&k.known) {
            assert!(!v.verified_by.is_empty());
            assert!(v.verified_by.iter().all(|(w, _)| k.known.contains(w)));
            assert_eq!(v.text, note.text());
        }
        // Whatever text parses can be signed, and then verifies.
        let mut fresh = SignedNote::new(note.text()).expect("a parsed note's text is a valid note text");
        fresh.sign(&k.signer).unwrap();
        fresh.sign_cosignature(&k.cosigner, 1_700_000_000).unwrap();
        let again = SignedNote::parse(&fresh.to_bytes()).expect("a signed note parses");
        assert_eq!(again, fresh);
        let v = again.verify(&k.known).expect("a freshly signed note verifies");
        assert_eq!(v.verified_by.len(), 2);
        assert_eq!(v.verified_by[1].1, Some(1_700_000_000));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(v) = Verifier::parse(text) {
            assert_eq!(v.to_vkey(), text.trim_end_matches(['\n', '\r']));
            assert_eq!(Verifier::parse(&v.to_vkey()).as_ref(), Ok(&v));
        }
        // A private key line is not network input, but shares the key-line grammar.
        if let Ok(s) = Signer::parse(text) {
            assert_eq!(Signer::parse(&s.to_skey()).map(|s| s.verifier()), Ok(s.verifier()));
        }
    }
});
