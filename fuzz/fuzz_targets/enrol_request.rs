//! `testigo_election::decode_request`, which every `POST
//! /v1/enrolment-requests` body goes through. The input is tried as request
//! bytes, and (so the JSON schema and the key checks are reached) as the
//! text of a note that the target signs with the fixture key. Never panics, and:
//! - an accepted request's text is its canonical text and its key signed it;
//! - a request the target signs with the key it names (the fixture key's
//!   own request) is always accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use testigo_election::{decode_request, encode_request, EnrolRequest};
use testigo_note::{SignedNote, Signer};

fn key() -> &'static Signer {
    static KEY: OnceLock<Signer> = OnceLock::new();
    KEY.get_or_init(|| testigo_fuzz::election_keys().swap_remove(0))
}

fn check(bytes: &[u8]) {
    let Ok((request, verifier)) = decode_request(bytes) else { return };
    let note = SignedNote::parse(bytes).expect("an accepted request is a note");
    assert_eq!(request.to_text().unwrap(), note.text(), "an accepted request's text is not its canonical text");
    assert_eq!(note.signatures()[0].name, verifier.name());
    assert_eq!(verifier.to_vkey(), request.key);
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(mut note) = SignedNote::new(text) {
        note.sign(key()).unwrap();
        check(&note.to_bytes());
    }
    // The fixture key asking for itself, with the input as its holder: accepted whenever the holder is readable.
    let own = EnrolRequest {
        key: key().verifier().to_vkey(),
        holder: text.to_string(),
        organisation: "fuzz".into(),
        scope: None,
        requested_at: data.len() as u64,
    };
    if let Ok(bytes) = encode_request(&own, key()) {
        let readable = !text.trim().is_empty() && !text.chars().any(char::is_control);
        assert_eq!(decode_request(&bytes).is_ok(), readable, "{:?}", decode_request(&bytes));
    }
});
