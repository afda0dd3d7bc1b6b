//! The registry's intake of a submitted entry, on a small election built
//! once (three tables, two contests, seven enrolled keys: see `src/lib.rs`).
//! The first input byte picks a fixture key to re-sign the rest with (after
//! decoding it as an entry, or taking it as note text), so the rules behind
//! the signature check are reached; other values submit the bytes as they are.
//! Never panics, and:
//! - `check` at "now", `check_and_apply`, and `prepare` + `apply_prepared` agree
//!   (same rejection, or same flags);
//! - a rejection changes nothing;
//! - an entry accepted at "now" is also accepted by clockless replay (`apply`).
//!
//! The registries are rebuilt after each accepted entry, so every input sees
//! the same fixture state and a crash reproduces from its input alone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};
use testigo_election::entry::{decode, encode_signed};
use testigo_election::Registry;
use testigo_fuzz::{election_keys, registry, NOW};
use testigo_note::{SignedNote, Signer};

fn keys() -> &'static [Signer] {
    static KEYS: OnceLock<Vec<Signer>> = OnceLock::new();
    KEYS.get_or_init(election_keys)
}

static STATE: Mutex<Option<(Registry, Registry)>> = Mutex::new(None);

fn resign(payload: &[u8], key: &Signer) -> Vec<u8> {
    if let Ok((entry, _)) = decode(payload) {
        if let Ok(bytes) = encode_signed(&entry, key) {
            return bytes;
        }
    }
    if let Ok(mut note) = std::str::from_utf8(payload).map_err(drop).and_then(|t| SignedNote::new(t).map_err(drop)) {
        note.sign(key).unwrap();
        return note.to_bytes();
    }
    payload.to_vec()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else { return };
    let keys = keys();
    let bytes = match keys.get(usize::from(mode % 12)) {
        Some(key) => resign(payload, key),
        None => payload.to_vec(),
    };
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let (a, b) = state.get_or_insert_with(|| (registry(), registry()));
    let index = a.next_index();
    let (sheets, enrolments) = (a.sheet_count(), a.enrolments().len());

    let checked = a.check(&bytes, NOW);
    let ra = a.check_and_apply(index, &bytes, NOW);
    let rb = b.prepare(&bytes).and_then(|p| b.apply_prepared(index, p, NOW));
    assert_eq!(ra, rb, "check_and_apply and prepare + apply_prepared disagree");
    let _ = a.prepare_batch(&[&bytes, payload]);
    match (&checked, &ra) {
        (Ok(flags), Ok(applied)) => assert_eq!(flags, &applied.flags, "check and apply flag differently"),
        (Err(c), Err(r)) => assert_eq!(c, r, "check and apply reject differently"),
        _ => panic!("check {checked:?} but check_and_apply {ra:?}"),
    }
    match ra {
        Err(_) => {
            assert_eq!(a.next_index(), index, "a rejection moved the index");
            assert_eq!((a.sheet_count(), a.enrolments().len()), (sheets, enrolments), "a rejection changed the registry");
        }
        Ok(applied) => {
            assert_eq!(applied.index, index);
            for s in a.sheets() {
                let _ = (s.votes(), s.flags(), s.photo_sha256(), s.qr_check(), s.photo_qr_check(), s.is_current());
            }
            let _ = a.photo_readings().count();
            let mut replay = registry();
            let replayed = replay.apply(index, &bytes).expect("accepted at now, refused by replay");
            assert_eq!(replayed.kind, applied.kind);
            *state = None;
        }
    }
});
