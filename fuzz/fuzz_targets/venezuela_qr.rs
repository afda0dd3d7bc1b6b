//! The Venezuelan acta QR parser: never panics, and whatever it accepts
//! prints back to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_formats::venezuela_qr::{format, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first byte picks the expected card count, so mismatches are hit too.
    let cards = data.first().map_or(38, |b| usize::from(*b % 64));
    if let Ok(qr) = parse(text, cards) {
        assert_eq!(qr.card_votes.len(), cards);
        let again = parse(&format(&qr), cards).expect("a formatted acta parses");
        assert_eq!(again, qr);
        let _ = qr.candidate_totals(&testigo_formats::venezuela_2024_card_to_candidate());
    }
});
