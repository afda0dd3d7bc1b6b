//! Benchmark: full verification of a log from a local directory.
//!
//! `cargo run --release -p testigo-verify --example verifybench [ENTRIES] [ENTRY_BYTES]`
//! (default 1,000,000 entries of 300 bytes). Builds the log with the
//! sequencer in a temporary directory, then times `verify_log` (every
//! bundle, every tile, the root; no entry visitor), and, in the same run,
//! plain single-threaded SHA-256 leaf hashing of the same entries from memory
//! for the ratio.

use std::sync::Arc;
use std::time::Instant;

use testigo_note::{Signer, ALG_ED25519};
use testigo_tlog::hash::leaf_hash;
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::{Sequencer, SequencerConfig};
use testigo_verify::{verify_log, NoVisitor, Options, Source, WitnessPolicy};

fn entry(i: u64, len: usize) -> Vec<u8> {
    let mut e = format!("entry {i} ").into_bytes();
    e.resize(len, b'a' + (i % 26) as u8);
    e
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let len: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
    let dir = tempfile::tempdir().expect("temporary directory");
    let signer = Signer::from_seed("bench.example/log", ALG_ED25519, [9u8; 32]).expect("key");
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(dir.path().join("log")).expect("storage"));
    Sequencer::create(storage.as_ref(), &signer).expect("create");
    let t = Instant::now();
    {
        let seq = Sequencer::open(storage, signer.clone(), SequencerConfig::default()).expect("open");
        let mut i = 0;
        while i < n {
            let k = (n - i).min(65_536);
            seq.submit((i..i + k).map(|j| entry(j, len)).collect()).expect("submit").wait().expect("append");
            i += k;
        }
    }
    println!("built {n} entries of {len} bytes in {:.2?}", t.elapsed());

    let t = Instant::now();
    let report = verify_log(
        &Source::dir(dir.path().join("log")),
        &signer.verifier(),
        &WitnessPolicy::default(),
        None,
        &mut NoVisitor,
        &Options::default(),
    )
    .expect("verify");
    let verify = t.elapsed();
    assert_eq!(report.size, n);
    println!(
        "verify_log: {:.2?} for {} objects, {:.1} MB ({:.0} entries/s, {} threads)",
        verify,
        report.objects_fetched,
        report.bytes_fetched as f64 / 1e6,
        n as f64 / verify.as_secs_f64(),
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1)
    );

    // Same run: single-threaded leaf hashing of the same entries from memory.
    let entries: Vec<Vec<u8>> = (0..n.min(200_000)).map(|j| entry(j, len)).collect();
    let t = Instant::now();
    let mut x = 0u8;
    for e in &entries {
        x ^= leaf_hash(e)[0];
    }
    let per_entry = t.elapsed().as_secs_f64() / entries.len() as f64;
    println!(
        "raw leaf hashing, 1 thread, in memory: {:.0} entries/s (checksum {x}); verify_log runs at {:.2}x that rate",
        1.0 / per_entry,
        (n as f64 / verify.as_secs_f64()) * per_entry
    );
}
