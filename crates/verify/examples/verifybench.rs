//! Benchmark: full verification of a log from a local directory, entry
//! signatures included.
//!
//! `cargo run --release -p testigo-verify --example verifybench [ENTRIES] [KEYS]`
//! (default 1,000,000 entries signed by 1,000 keys). Each entry is a signed
//! note (`testigo_note::SignedNote`, about 330 bytes, one Ed25519 signature).
//! Builds the log with the sequencer in a temporary directory, then times
//! `verify_log` (checkpoint, every bundle, every tile, the root) with a
//! visitor that checks every entry's signature: each bundle is split across
//! the cores and each part checked with `ed25519_dalek::verify_batch`, falling
//! back to single `verify_strict` checks to name the bad entry when a batch
//! fails. In the same run it times raw single-threaded `verify_strict` of the
//! same entries from memory, for the ratio, and checks that a log holding
//! one bad signature is refused naming that entry.
// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use ed25519_dalek::{Signature, VerifyingKey};
use rayon::prelude::*;
use testigo_note::{SignedNote, Signer, Verifier, ALG_ED25519};
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::{Sequencer, SequencerConfig};
use testigo_verify::{verify_log, Options, Rejected, Source, VerifyError, Visitor, WitnessPolicy};

fn signers(keys: usize) -> Vec<Signer> {
    (0..keys)
        .map(|k| {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&(k as u64).to_be_bytes());
            seed[31] = 1;
            Signer::from_seed(&format!("table-{k}.bench.example"), ALG_ED25519, seed).expect("key")
        })
        .collect()
}

/// Entry `i`: a note of about 330 bytes signed by key `i % keys`.
fn entry(i: u64, signers: &[Signer]) -> Vec<u8> {
    let mut text = format!("sheet {i}\ntable {}\nvotes", i % 30_000);
    for c in 0..24 {
        text.push_str(&format!(" c{c}={}", (i * 7 + c * 13) % 1000));
    }
    text.push('\n');
    let mut note = SignedNote::new(text).expect("note");
    note.sign(&signers[(i % signers.len() as u64) as usize]).expect("sign");
    note.to_bytes()
}

/// Signs entries on every core (rayon's global pool), in index order.
fn entries(range: std::ops::Range<u64>, signers: &[Signer]) -> Vec<Vec<u8>> {
    range.into_par_iter().map(|i| entry(i, signers)).collect()
}

fn build(dir: &std::path::Path, log: &Signer, n: u64, signers: &[Signer], corrupt: Option<u64>) {
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(dir).expect("storage"));
    Sequencer::create(storage.as_ref(), log).expect("create");
    let seq = Sequencer::open(storage, log.clone(), SequencerConfig::default()).expect("open");
    let mut i = 0;
    while i < n {
        let k = (n - i).min(65_536);
        let mut batch = entries(i..i + k, signers);
        if let Some(c) = corrupt.filter(|c| (i..i + k).contains(c)) {
            // Flip a bit inside the signature's base64 (the last line's middle), keeping it valid base64.
            let e = &mut batch[(c - i) as usize];
            let at = e.len() - 20;
            e[at] = if e[at] == b'A' { b'B' } else { b'A' };
        }
        seq.submit(batch).expect("submit").wait().expect("append");
        i += k;
    }
}

/// Checks every entry's signature against the known keys, in batches spread over the cores.
struct SignatureChecker {
    keys: HashMap<(String, u32), VerifyingKey>,
    threads: usize,
    checked: u64,
}

/// One entry ready for checking.
struct Item {
    index: u64,
    text: Vec<u8>,
    sig: Signature,
    key: VerifyingKey,
}

fn prepare(keys: &HashMap<(String, u32), VerifyingKey>, index: u64, bytes: &[u8]) -> Result<Item, Rejected> {
    let rejected = |why: String| Rejected { index, why };
    let note = SignedNote::parse(bytes).map_err(|e| rejected(format!("not a signed note: {e}")))?;
    let [sig] = note.signatures() else {
        return Err(rejected(format!("{} signatures, expected one", note.signatures().len())));
    };
    let key = keys
        .get(&(sig.name.clone(), sig.key_id))
        .ok_or_else(|| rejected(format!("signed by unknown key {}+{:08x}", sig.name, sig.key_id)))?;
    let sig = Signature::from_slice(&sig.bytes).map_err(|_| rejected("malformed signature".into()))?;
    Ok(Item { index, text: note.text().as_bytes().to_vec(), sig, key: *key })
}

/// Batch check; on failure, single strict checks find the first bad entry.
fn check(items: &[Item]) -> Result<(), Rejected> {
    let msgs: Vec<&[u8]> = items.iter().map(|i| i.text.as_slice()).collect();
    let sigs: Vec<Signature> = items.iter().map(|i| i.sig).collect();
    let keys: Vec<VerifyingKey> = items.iter().map(|i| i.key).collect();
    if ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok() {
        return Ok(());
    }
    for i in items {
        if i.key.verify_strict(&i.text, &i.sig).is_err() {
            return Err(Rejected { index: i.index, why: "bad signature".into() });
        }
    }
    Ok(())
}

impl Visitor for SignatureChecker {
    fn entries(&mut self, first: u64, entries: &[&[u8]]) -> Result<(), Rejected> {
        let per = entries.len().div_ceil(self.threads).max(1);
        let keys = &self.keys;
        let results: Vec<Result<(), Rejected>> = std::thread::scope(|s| {
            let handles: Vec<_> = entries
                .chunks(per)
                .enumerate()
                .map(|(c, part)| {
                    s.spawn(move || {
                        let base = first + (c * per) as u64;
                        let items = part
                            .iter()
                            .enumerate()
                            .map(|(j, e)| prepare(keys, base + j as u64, e))
                            .collect::<Result<Vec<_>, _>>()?;
                        check(&items)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(Rejected { index: first, why: "checker panicked".into() })))
                .collect()
        });
        // The first bad entry in log order.
        let mut bad: Option<Rejected> = None;
        for r in results {
            if let Err(e) = r {
                if bad.as_ref().is_none_or(|b| e.index < b.index) {
                    bad = Some(e);
                }
            }
        }
        if let Some(b) = bad {
            return Err(b);
        }
        self.checked += entries.len() as u64;
        Ok(())
    }
}

fn checker(signers: &[Signer]) -> SignatureChecker {
    let keys = signers
        .iter()
        .map(|s| {
            let v: Verifier = s.verifier();
            // verify_batch skips verify_strict's small-order checks: refuse weak keys up front.
            assert!(!v.public_key().is_weak(), "weak key {}", v.name());
            ((v.name().to_string(), v.key_id()), *v.public_key())
        })
        .collect();
    SignatureChecker { keys, threads: std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1), checked: 0 }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let nkeys: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let signers = signers(nkeys);
    let log = Signer::from_seed("bench.example/log", ALG_ED25519, [9u8; 32]).expect("key");
    let dir = tempfile::tempdir().expect("temporary directory");

    let t = Instant::now();
    build(&dir.path().join("log"), &log, n, &signers, None);
    println!("built {n} signed entries ({nkeys} keys) in {:.2?}", t.elapsed());

    let mut visitor = checker(&signers);
    let t = Instant::now();
    let report = verify_log(
        &Source::dir(dir.path().join("log")),
        &log.verifier(),
        &WitnessPolicy::default(),
        None,
        &mut visitor,
        &Options::default(),
    )
    .expect("verify");
    let verify = t.elapsed();
    assert_eq!(report.size, n);
    assert_eq!(visitor.checked, n);
    let rate = n as f64 / verify.as_secs_f64();
    println!(
        "verify_log with entry signatures: {:.2?} for {} objects, {:.1} MB ({:.0} entries/s, {} threads)",
        verify,
        report.objects_fetched,
        report.bytes_fetched as f64 / 1e6,
        rate,
        visitor.threads
    );

    // Same run: raw single-threaded strict Ed25519 verification of the same
    // entries (already parsed, keys decompressed) from memory.
    let sample: Vec<Item> = entries(0..n.min(50_000), &signers)
        .iter()
        .enumerate()
        .map(|(i, e)| prepare(&visitor.keys, i as u64, e).expect("parse"))
        .collect();
    let t = Instant::now();
    for i in &sample {
        i.key.verify_strict(&i.text, &i.sig).expect("valid");
    }
    let raw = sample.len() as f64 / t.elapsed().as_secs_f64();
    println!(
        "raw Ed25519 verify_strict, 1 thread, in memory: {raw:.0} signatures/s; verify_log runs at {:.2}x that rate",
        rate / raw
    );

    // A log with one bad signature is refused, naming that entry.
    let bad_dir = tempfile::tempdir().expect("temporary directory");
    let bad_index = 5_000 + 77;
    build(&bad_dir.path().join("log"), &log, 10_000, &signers, Some(bad_index));
    let err = verify_log(
        &Source::dir(bad_dir.path().join("log")),
        &log.verifier(),
        &WitnessPolicy::default(),
        None,
        &mut checker(&signers),
        &Options::default(),
    )
    .expect_err("a bad signature was accepted");
    match &err {
        VerifyError::Entry { index, .. } if *index == bad_index => println!("bad signature found: {err}"),
        _ => panic!("wrong error for a bad signature at {bad_index}: {err}"),
    }
}
