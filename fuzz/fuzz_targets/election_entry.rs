//! `testigo_election::entry::decode`, which every submission and every
//! replayed log entry goes through. The input is tried as entry bytes, and
//! (so the JSON schemas are reached without a valid signature block) as the
//! text of a note that the target signs first. Never panics, and:
//! - a decoded entry's note serialises to the input and its text is the
//!   entry's canonical text;
//! - a decoded entry re-encoded (signed with another key) decodes to the same entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use testigo_election::entry::{decode, encode_signed};
use testigo_note::{SignedNote, Signer};

fn key() -> &'static Signer {
    static KEY: OnceLock<Signer> = OnceLock::new();
    KEY.get_or_init(|| testigo_fuzz::election_keys().swap_remove(0))
}

fn check(bytes: &[u8]) {
    let Ok((entry, note)) = decode(bytes) else { return };
    assert_eq!(note.to_bytes(), bytes);
    assert_eq!(entry.to_text().unwrap(), note.text(), "a decoded entry's text is not its canonical text");
    assert_eq!(note.signatures().len(), 1);
    if let Ok(again) = encode_signed(&entry, key()) {
        let (e2, n2) = decode(&again).expect("an encoded entry decodes");
        assert_eq!(e2, entry);
        assert_eq!(n2.text(), note.text());
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut note) = SignedNote::new(text) else { return };
    note.sign(key()).unwrap();
    check(&note.to_bytes());
});
