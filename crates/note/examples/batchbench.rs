//! Ed25519 batch verification: `testigo_note::verify_batch` (one term per
//! distinct key) against `ed25519_dalek::verify_batch` (one per signature),
//! alternated in one run on one core.
//!
//! `cargo run --release -p testigo-note --example batchbench -- [BATCH=2048] [ROUNDS=20]`

// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ed25519_dalek::{Signer as _, SigningKey};
use testigo_note::{verify_batch, BatchItem};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("a number"));
    let batch = args.next().unwrap_or(2048);
    let rounds = args.next().unwrap_or(20);
    println!("batch of {batch} signatures, {rounds} rounds, µs per signature (median)");
    println!("| signatures per key | ed25519-dalek | testigo-note | dalek / testigo |");
    println!("|---|---|---|---|");
    for per_key in [1, 10, 50, batch] {
        let keys: Vec<SigningKey> =
            (0..batch.div_ceil(per_key)).map(|i| SigningKey::from_bytes(&hash_seed(i as u64))).collect();
        let public: Vec<_> = keys.iter().map(SigningKey::verifying_key).collect();
        let msgs: Vec<Vec<u8>> = (0..batch).map(|i| format!("sheet {i} with some counts\n").into_bytes()).collect();
        let sigs: Vec<ed25519_dalek::Signature> = (0..batch).map(|i| keys[i / per_key].sign(&msgs[i])).collect();
        let raw: Vec<[u8; 64]> = sigs.iter().map(|s| s.to_bytes()).collect();
        let by: Vec<_> = (0..batch).map(|i| public[i / per_key]).collect();
        let items: Vec<BatchItem<'_>> =
            (0..batch).map(|i| BatchItem { msg: &msgs[i], sig: &raw[i], key: &public[i / per_key] }).collect();
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        let (mut dalek, mut ours) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            assert!(ed25519_dalek::verify_batch(&refs, &sigs, &by).is_ok());
            dalek.push(t.elapsed());
            let t = Instant::now();
            assert!(verify_batch(&items));
            ours.push(t.elapsed());
        }
        let (d, o) = (median(&mut dalek, batch), median(&mut ours, batch));
        println!("| {per_key} | {d:.2} | {o:.2} | {:.2} |", d / o);
    }
}

fn median(times: &mut [Duration], batch: usize) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e6 / batch as f64
}

fn hash_seed(i: u64) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(i.to_le_bytes()).into()
}
