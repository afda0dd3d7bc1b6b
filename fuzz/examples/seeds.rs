//! Writes the generated seeds in `fuzz/seeds/` (those made with the fixture
//! keys of `src/lib.rs`; the others are copies of the crates' testdata).
//! Run from `fuzz/`: `cargo run --example seeds`.

use std::fs;
use std::path::Path;
use testigo_election::entry::encode_signed;
use testigo_fuzz::*;
use testigo_note::SignedNote;
use testigo_tlog::tile::{encode_tile, push_bundle_entry, TileId};
use testigo_tlog::Receipt;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("seeds").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let keys = election_keys();
    let log = log_key();
    let witness = witness_key();

    // signed_note: a checkpoint cosigned by the witness, and a verifier key line.
    let mut cosigned = SignedNote::parse(&signed_checkpoint(5)).unwrap();
    cosigned.sign_cosignature(&witness, 1_700_000_000).unwrap();
    write("signed_note", "cosigned_checkpoint", &cosigned.to_bytes());
    write("signed_note", "vkey", format!("{}\n", log.verifier().to_vkey()).as_bytes());

    // checkpoint: signed, cosigned, and a bare body with an extension line.
    write("checkpoint", "signed", &signed_checkpoint(5));
    write("checkpoint", "cosigned", &cosigned.to_bytes());
    let mut body = SignedNote::parse(&signed_checkpoint(300)).unwrap().text().to_string();
    body.push_str("extension line\n");
    write("checkpoint", "body", body.as_bytes());

    // tiles: 10 header bytes (level, index LE, width) then the body.
    let leaves = log_leaves(3);
    let mut tile = vec![0u8];
    tile.extend_from_slice(&1234u64.to_le_bytes());
    tile.push(3);
    tile.extend_from_slice(&encode_tile(&leaves));
    write("tiles", "tile_0_partial3", &tile);
    let mut bundle = vec![64u8];
    bundle.extend_from_slice(&7u64.to_le_bytes());
    bundle.push(2);
    push_bundle_entry(&mut bundle, b"entry 0").unwrap();
    push_bundle_entry(&mut bundle, b"").unwrap();
    write("tiles", "bundle_partial2", &bundle);
    write("tiles", "path", TileId::tile(1, 1_234_067, 5).path().as_bytes());

    // receipt: entry 3 of the 5-entry log.
    let r = Receipt {
        extra: Some(b"entry 3".to_vec()),
        index: 3,
        proof: testigo_tlog::proof::inclusion_proof(&log_leaves(5)[..], 3, 5).unwrap(),
        checkpoint: signed_checkpoint(5),
    };
    write("receipt", "entry3", &r.to_text());

    // election_entry and election_registry: the setup entries and the samples.
    // The registry target's first byte picks the key that re-signs (12 = as is).
    for (i, bytes) in setup_entries().iter().enumerate() {
        write("election_entry", &format!("setup{i}"), bytes);
    }
    for (i, (k, entry)) in sample_entries().iter().enumerate() {
        let bytes = encode_signed(entry, &keys[*k]).unwrap();
        write("election_entry", &format!("sample{i}"), &bytes);
        let mut seed = vec![12u8];
        seed.extend_from_slice(&bytes);
        write("election_registry", &format!("sample{i}"), &seed);
        let mut text = vec![*k as u8];
        text.extend_from_slice(entry.to_text().unwrap().as_bytes());
        write("election_registry", &format!("text{i}"), &text);
    }

    // witness_request and witness_add_checkpoint: requests on the fixture log,
    // the witness holding size WITNESS_START_SIZE.
    let s = WITNESS_START_SIZE;
    for (name, old, new) in [("grow", s, 11), ("same", s, s), ("from0", 0, 8), ("grow_big", s, 300)] {
        let req = add_request(old, new);
        write("witness_request", name, &req);
        for mode in [0u8, 1] {
            let mut seed = vec![mode];
            seed.extend_from_slice(&req);
            write("witness_add_checkpoint", &format!("{name}_{mode}"), &seed);
        }
    }
    write("witness_request", "size_body", b"42\n");
    let mut cos = SignedNote::new(SignedNote::parse(&signed_checkpoint(5)).unwrap().text()).unwrap();
    cos.sign_cosignature(&witness, 1_700_000_000).unwrap();
    write("witness_request", "cosignature_answer", &cos.to_bytes());
}
