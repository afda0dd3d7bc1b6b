//! Benchmarks of the log core: durable appends through the `Sequencer` from
//! many concurrent submitters, inclusion-proof generation from warm tiles, and
//! peak memory.
//!
//! ```text
//! cargo run --release -p testigo-tlog --example logbench -- \
//!     [--entries 100000] [--entry-size 1024] [--submitters 4096] [--proofs 1000000] \
//!     [--proof-threads 2] [--cache-tiles 4096] [--dir DIR] [--keep]
//! ```
//!
//! Each append is acknowledged only after its tiles and bundles are fsynced
//! and a checkpoint covering it is published (the sequencer's contract).
//! Peak RSS is read from `VmHWM` in `/proc/self/status` after each phase.
// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use testigo_note::Signer;
use testigo_tlog::checkpoint;
use testigo_tlog::hash::leaf_hash;
use testigo_tlog::proof::verify_inclusion;
use testigo_tlog::reader::LogReader;
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::{Sequencer, SequencerConfig};

struct Args {
    entries: u64,
    entry_size: usize,
    submitters: u64,
    proofs: u64,
    proof_threads: u64,
    cache_tiles: usize,
    dir: Option<PathBuf>,
    keep: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        entries: 100_000,
        entry_size: 1024,
        submitters: 4096,
        proofs: 1_000_000,
        proof_threads: 2,
        cache_tiles: SequencerConfig::default().cache_tiles,
        dir: None,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--keep" {
            a.keep = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || value.replace('_', "").parse::<u64>().map_err(|e| format!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--entries" => a.entries = num()?,
            "--entry-size" => a.entry_size = num()? as usize,
            "--submitters" => a.submitters = num()?.max(1),
            "--proofs" => a.proofs = num()?,
            "--proof-threads" => a.proof_threads = num()?.max(1),
            "--cache-tiles" => a.cache_tiles = num()? as usize,
            "--dir" => a.dir = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(a)
}

/// Peak resident set size so far, in KiB (Linux).
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Acknowledgement latencies in 100 µs buckets (up to 10 s), shared by all submitters.
struct Histogram(Vec<AtomicU64>);

impl Histogram {
    fn new() -> Self {
        Histogram((0..100_000).map(|_| AtomicU64::new(0)).collect())
    }
    fn record(&self, d: Duration) {
        let b = ((d.as_micros() / 100) as usize).min(self.0.len() - 1);
        self.0[b].fetch_add(1, Ordering::Relaxed);
    }
    fn quantile_ms(&self, q: f64) -> f64 {
        let total: u64 = self.0.iter().map(|c| c.load(Ordering::Relaxed)).sum();
        let target = (total as f64 * q).ceil() as u64;
        let mut seen = 0;
        for (i, c) in self.0.iter().enumerate() {
            seen += c.load(Ordering::Relaxed);
            if seen >= target.max(1) {
                return (i + 1) as f64 / 10.0;
            }
        }
        f64::NAN
    }
}

/// A cheap, deterministic, incompressible-enough entry.
fn make_entry(i: u64, size: usize) -> Vec<u8> {
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut e = Vec::with_capacity(size);
    while e.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        e.extend_from_slice(&x.to_le_bytes());
    }
    e.truncate(size);
    e
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("logbench: {e}");
            std::process::exit(2);
        }
    };
    let tmp;
    let root = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::Builder::new().prefix("logbench").tempdir_in(std::env::temp_dir()).expect("temp dir");
            tmp.path().to_path_buf()
        }
    };
    let log = root.join(format!("log-{}", std::process::id()));
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(&log).expect("log dir"));
    let signer = Signer::generate("bench.example/log").expect("key");
    Sequencer::create(storage.as_ref(), &signer).expect("create");
    let config = SequencerConfig::default();
    let seq = Arc::new(Sequencer::open(storage.clone(), signer.clone(), config.clone()).expect("open"));
    println!(
        "log at {} | entries {} × {} B | {} concurrent submitters | max batch {} entries / {:?}",
        log.display(),
        args.entries,
        args.entry_size,
        args.submitters,
        config.max_batch_entries,
        config.max_batch_delay
    );

    // (a) Durable appends from many concurrent submitters.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let next = Arc::new(AtomicU64::new(0));
    let hist = Arc::new(Histogram::new());
    let start = Instant::now();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..args.submitters {
            let (seq, next, hist) = (seq.clone(), next.clone(), hist.clone());
            let (n, size) = (args.entries, args.entry_size);
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let t0 = Instant::now();
                    let pending = seq.submit(vec![make_entry(i, size)]).expect("submit");
                    pending.await.expect("append");
                    hist.record(t0.elapsed());
                }
            }));
        }
        for t in tasks {
            t.await.expect("submitter");
        }
    });
    let elapsed = start.elapsed();
    let latest = seq.latest();
    assert_eq!(latest.tree_size, args.entries);
    let appends_per_s = args.entries as f64 / elapsed.as_secs_f64();
    let rss_append = vm_hwm_kib();
    println!(
        "append: {} entries in {:.2} s = {:.0} entries/s ({:.1} MiB/s of entries); ack latency p50 {:.1} ms, p99 {:.1} ms; ratio to Tessera anchor (10,000/s) {:.1}×",
        args.entries,
        elapsed.as_secs_f64(),
        appends_per_s,
        appends_per_s * args.entry_size as f64 / (1 << 20) as f64,
        hist.quantile_ms(0.5),
        hist.quantile_ms(0.99),
        appends_per_s / 10_000.0
    );
    println!("peak RSS after appends: {} KiB ({:.1} MiB)", rss_append, rss_append as f64 / 1024.0);
    drop(rt);
    let seq = Arc::into_inner(seq).expect("submitters done");
    seq.shutdown();

    // (b) Inclusion proofs from warm tiles, at the published size.
    let size = latest.tree_size;
    let cp = checkpoint::open(&latest.checkpoint, &signer.verifier(), &[]).expect("checkpoint").checkpoint;
    if size > 0 && args.proofs > 0 {
        let reader = Arc::new(LogReader::new(storage.clone(), args.cache_tiles));
        // Sanity: a few proofs verify against the checkpoint.
        for i in [0, size / 2, size - 1] {
            let p = reader.inclusion_proof(i, size).expect("proof");
            let leaf = leaf_hash(&reader.entry(i, size).expect("entry"));
            verify_inclusion(i, size, &leaf, &p, &cp.root).expect("proof verifies");
        }
        let index_of = |k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15) % size;
        // Warm-up: touch the tiles of every index once (and a round of the timed ones).
        let t_warm = Instant::now();
        for i in (0..size).step_by(64) {
            reader.inclusion_proof(i, size).expect("proof");
        }
        for k in 0..args.proofs.min(size) {
            reader.inclusion_proof(index_of(k), size).expect("proof");
        }
        let warm = t_warm.elapsed();
        for threads in [1, args.proof_threads] {
            let per = args.proofs / threads;
            let start = Instant::now();
            std::thread::scope(|s| {
                for t in 0..threads {
                    let reader = reader.clone();
                    s.spawn(move || {
                        let mut hashes = 0usize;
                        for k in t * per..(t + 1) * per {
                            hashes += reader.inclusion_proof(index_of(k), size).expect("proof").len();
                        }
                        std::hint::black_box(hashes);
                    });
                }
            });
            let e = start.elapsed();
            println!(
                "prove: {} inclusion proofs in a tree of {size} with {threads} thread(s), cache {} tiles: {:.2} s = {:.0} proofs/s ({:.2} µs per proof per thread)",
                per * threads,
                args.cache_tiles,
                e.as_secs_f64(),
                (per * threads) as f64 / e.as_secs_f64(),
                e.as_secs_f64() * 1e6 / (per * threads) as f64 * threads as f64,
            );
            if threads == args.proof_threads {
                break;
            }
        }
        println!("(warm-up pass over the tiles took {:.2} s)", warm.as_secs_f64());
        let rss = vm_hwm_kib();
        println!("peak RSS after proofs: {} KiB ({:.1} MiB)", rss, rss as f64 / 1024.0);
    }
    if args.keep {
        println!("kept {}", log.display());
    } else {
        let _ = std::fs::remove_dir_all(&log);
        let mut lock = log.into_os_string();
        lock.push(".lock");
        let _ = std::fs::remove_file(lock);
    }
}
