//! The BU part parser and assembler: lines of the input are scanned parts.
//! Never panics; an assembled BU is verified (with an empty key set and with
//! a key) and mapped to a record without panicking, and is never "verified"
//! unless the recomputed chain holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_formats::brazil_bu::{parse_part, parse_payload, ChainStatus, KeySet, Phase, SignatureStatus};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines: Vec<&str> = text.split('\n').collect();
    for line in &lines {
        let _ = parse_part(line);
    }
    if let Ok(payload) = parse_payload(lines.iter().copied()) {
        let mut keys = KeySet::new();
        let vk = ed25519_key();
        for uf in ["AC", "SP"] {
            let _ = keys.add_key(uf, Phase::Simulated, "20240507", vk);
        }
        for keys in [KeySet::new(), keys] {
            let v = payload.verify(&keys);
            if v.signature == SignatureStatus::Verified {
                assert_eq!(v.chain, ChainStatus::Valid);
            }
        }
        if let Ok(record) = payload.record() {
            let _ = record.to_content();
        }
    }
});

/// The public key of the TSE manual's example (simulated AC, 20240507).
fn ed25519_key() -> ed25519_dalek::VerifyingKey {
    let raw: [u8; 32] = [
        0x3c, 0x8d, 0xd2, 0x91, 0x4f, 0xc8, 0xb2, 0x0b, 0xd8, 0x0b, 0x09, 0x74, 0x48, 0x67, 0x68, 0x4c, 0x05, 0x11,
        0x45, 0xe3, 0xf8, 0xb8, 0x87, 0xd2, 0x8a, 0xf3, 0xd2, 0x3a, 0x17, 0xa8, 0x43, 0xdd,
    ];
    ed25519_dalek::VerifyingKey::from_bytes(&raw).expect("the example key is valid")
}
