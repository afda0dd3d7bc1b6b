//! What a witness reads from a log and what a log reads back from a witness
//! (c2sp.org/tlog-witness): the `add-checkpoint` request body, the
//! `text/x.tlog.size` body of a 409 answer, and the cosignature lines of a
//! 200 answer. Never panics, and:
//! - a parsed request serialises back to exactly the input and reparses equal;
//! - a parsed size body prints back to an equal size;
//! - `verify_cosignature` (input split at the first blank line into checkpoint
//!   text and answer lines) only accepts a non-zero-time cosignature by the
//!   witness key, and accepts a genuine one over any note text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use testigo_note::{SignedNote, Signer, Verifier};
use testigo_witness::client::verify_cosignature;
use testigo_witness::request::parse_size_body;
use testigo_witness::AddCheckpointRequest;

fn keys() -> &'static (Signer, Verifier) {
    static KEYS: OnceLock<(Signer, Verifier)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let w = testigo_fuzz::witness_key();
        let v = w.verifier();
        (w, v)
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = AddCheckpointRequest::parse(data) {
        assert_eq!(req.to_bytes(), data, "a parsed request serialises to other bytes");
        assert_eq!(AddCheckpointRequest::parse(&req.to_bytes()).unwrap(), req);
        assert!(req.proof.len() <= testigo_witness::request::MAX_PROOF_LINES);
    }
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Some(n) = parse_size_body(s) {
        assert_eq!(parse_size_body(&format!("{n}\n")), Some(n));
        assert_eq!(s.strip_suffix('\n').unwrap_or(s), n.to_string());
    }
    let (signer, key) = keys();
    let (text, lines) = s.split_once("\n\n").map(|(t, l)| (format!("{t}\n"), l)).unwrap_or((s.to_string(), ""));
    if let Ok((sig, ts)) = verify_cosignature(&text, lines, key) {
        assert!(ts != 0);
        assert_eq!((sig.name.as_str(), sig.key_id), (key.name(), key.key_id()));
    }
    // A genuine cosignature over any valid note text verifies.
    if let Ok(mut note) = SignedNote::new(text.clone()) {
        note.sign_cosignature(signer, 1_700_000_000).unwrap();
        let line = format!("{}\n", note.signatures()[0].to_line());
        let (_, ts) = verify_cosignature(&text, &line, key).expect("a genuine cosignature verifies");
        assert_eq!(ts, 1_700_000_000);
    }
});
