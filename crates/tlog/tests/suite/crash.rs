//! Crash safety: a process appending to a log is killed with SIGKILL at
//! random moments, many times; after each kill the log must hold every
//! acknowledged entry with its exact bytes, its checkpoint must verify and
//! match the tiles, it must be consistent with every checkpoint seen before,
//! and the next writer must be able to reopen it.
//!
//! The appending process is this test binary re-executed in child mode
//! ([`CHILD_DIR_ENV`] set, running only [`crash_child_appender`]). It prints
//! one `ack` line per entry as soon as `append` has returned, so the parent
//! knows exactly what was acknowledged before the kill.
//!
//! SIGKILL loses no page-cache data, so this exercises the publish order and
//! restart logic (torn multi-file state, leftover temporaries and partial
//! tiles), not power loss; fsync placement is reviewed in `storage.rs`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use testigo_note::{SignedNote, Signer};
use testigo_tlog::checkpoint::{self, Checkpoint};
use testigo_tlog::hash::{from_base64, leaf_hash, to_base64, Hash};
use testigo_tlog::proof::verify_consistency;
use testigo_tlog::reader::LogReader;
use testigo_tlog::storage::{DirStorage, Storage, StorageError};
use testigo_tlog::{Sequencer, SequencerConfig, SequencerError, TILE_WIDTH};

/// In child mode: the log directory to append to.
const CHILD_DIR_ENV: &str = "TESTIGO_TLOG_CRASH_CHILD_DIR";
/// In child mode: the log's private key.
const CHILD_KEY_ENV: &str = "TESTIGO_TLOG_CRASH_CHILD_KEY";
/// Optional: the seed of the parent's random kill delays, to replay a failure.
const SEED_ENV: &str = "TESTIGO_TLOG_CRASH_SEED";

/// A small xorshift generator: the test needs reproducible, not strong, randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn clock_seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (t.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)) | 1
}

/// Child mode: appends random entries from several threads until killed,
/// printing `ack INDEX LEAFHASH TREESIZE ROOT` after each acknowledgement.
/// Without [`CHILD_DIR_ENV`] (a normal test run) it does nothing.
#[test]
fn crash_child_appender() {
    let Ok(dir) = std::env::var(CHILD_DIR_ENV) else { return };
    let signer = Signer::parse(&std::env::var(CHILD_KEY_ENV).expect("child key")).expect("child key parses");
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(&dir).expect("log dir"));
    let config = SequencerConfig { max_batch_delay: Duration::from_millis(2), ..SequencerConfig::default() };
    let seq = Arc::new(Sequencer::open(storage, signer, config).expect("child reopens the log"));
    let out = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    {
        let mut o = out.lock().unwrap();
        // libtest has printed "test crash_child_appender ... " without a newline.
        writeln!(o, "\nready {}", seq.latest().tree_size).unwrap();
        o.flush().unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let threads: Vec<_> = (0..6u64)
        .map(|t| {
            let seq = seq.clone();
            let out = out.clone();
            std::thread::spawn(move || {
                let mut rng = Rng(clock_seed() ^ (t + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                while Instant::now() < deadline {
                    // Mostly single entries, sometimes a group that must get consecutive indices.
                    let count = if rng.below(4) == 0 { 1 + rng.below(40) } else { 1 };
                    let entries: Vec<Vec<u8>> = (0..count)
                        .map(|_| {
                            let len = rng.below(1500) as usize;
                            (0..len).map(|_| rng.next() as u8).collect()
                        })
                        .collect();
                    let hashes: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
                    let done = seq.submit(entries).expect("submit").wait().expect("append acknowledged");
                    let note = SignedNote::parse(&done.checkpoint).expect("checkpoint note");
                    let cp = Checkpoint::parse(note.text()).expect("checkpoint body");
                    let mut o = out.lock().unwrap();
                    for (k, h) in hashes.iter().enumerate() {
                        writeln!(
                            o,
                            "ack {} {} {} {}",
                            done.first_index + k as u64,
                            to_base64(h),
                            cp.size,
                            to_base64(&cp.root)
                        )
                        .unwrap();
                    }
                    o.flush().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// What the parent learnt from one child's output.
#[derive(Default)]
struct Observed {
    ready: Option<u64>,
    acks: Vec<(u64, Hash, u64, Hash)>,
}

fn parse_line(line: &str, seen: &mut Observed) {
    let f: Vec<&str> = line.split(' ').collect();
    match f.as_slice() {
        ["ready", size] => seen.ready = Some(size.parse().unwrap()),
        ["ack", index, hash, size, root] => seen.acks.push((
            index.parse().unwrap(),
            from_base64(hash).unwrap(),
            size.parse().unwrap(),
            from_base64(root).unwrap(),
        )),
        _ => {} // libtest's own lines
    }
}

/// Checks the log on disk against everything acknowledged and seen so far;
/// returns the current (size, root).
fn check_log(
    storage: &Arc<dyn Storage>,
    signer: &Signer,
    acked: &BTreeMap<u64, Hash>,
    seen: &BTreeMap<u64, Hash>,
) -> (u64, Hash) {
    let bytes = storage.read("checkpoint").unwrap().expect("checkpoint present");
    let cp = checkpoint::open(&bytes, &signer.verifier(), &[]).expect("checkpoint verifies after a crash").checkpoint;
    let reader = LogReader::new(storage.clone(), 256);
    assert_eq!(reader.root(cp.size).unwrap(), cp.root, "tiles do not hash to the checkpoint root");
    if let Some((&last, _)) = acked.last_key_value() {
        assert!(last < cp.size, "acknowledged index {last} is not in the checkpoint of size {}", cp.size);
    }
    // Every acknowledged entry, with its exact bytes (bundles are checked
    // against the level-0 tiles by the reader, and we check the hash we were told).
    let mut bundle_index = u64::MAX;
    let mut bundle = Vec::new();
    for (&i, h) in acked {
        if i / TILE_WIDTH != bundle_index {
            bundle_index = i / TILE_WIDTH;
            bundle = reader.bundle(bundle_index, cp.size).unwrap();
        }
        let e = &bundle[(i % TILE_WIDTH) as usize];
        assert_eq!(&leaf_hash(e), h, "entry {i} differs from the acknowledged one");
    }
    for (&s, r) in seen.range(1..) {
        assert!(s <= cp.size, "checkpoint of size {s} was seen, but the log is now only {}", cp.size);
        let p = reader.consistency_proof(s, cp.size).unwrap();
        verify_consistency(s, cp.size, r, &cp.root, &p)
            .unwrap_or_else(|e| panic!("size {} is not consistent with earlier size {s}: {e}", cp.size));
    }
    (cp.size, cp.root)
}

/// Removes the `.NAME.tmp` files a kill left behind mid-write; returns how many.
/// (Counting them per round shows the kills do land inside writes.)
fn remove_temporaries(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            n += remove_temporaries(&path);
        } else if e.file_name().to_string_lossy().ends_with(".tmp") {
            std::fs::remove_file(&path).unwrap();
            n += 1;
        }
    }
    n
}

#[test]
fn killed_appender_loses_nothing_acknowledged() {
    let seed = std::env::var(SEED_ENV).ok().and_then(|s| s.parse().ok()).unwrap_or_else(clock_seed);
    eprintln!("crash test seed {seed} (set {SEED_ENV}={seed} to replay the kill delays)");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(&log).unwrap());
    let signer = Signer::generate("example.org/crash-test").unwrap();
    Sequencer::create(storage.as_ref(), &signer).unwrap();

    let exe = std::env::current_exe().unwrap();
    let mut acked: BTreeMap<u64, Hash> = BTreeMap::new();
    let mut seen: BTreeMap<u64, Hash> = BTreeMap::new();
    let rounds = 40;
    let mut killed_mid_append = 0;
    let mut torn_writes = 0;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash::crash_child_appender", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR_ENV, &log)
            .env(CHILD_KEY_ENV, signer.to_skey())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let lines = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut obs = Observed::default();
        // Wait until the child has reopened the log (so most kills land mid-append),
        // except in some rounds, which kill it while it is still opening (never round 0,
        // which checks the writer lock).
        let early = round > 0 && rng.below(6) == 0;
        if !early {
            let start = Instant::now();
            while obs.ready.is_none() {
                match rx.recv_timeout(Duration::from_secs(20)) {
                    Ok(l) => parse_line(&l, &mut obs),
                    Err(_) => {
                        let _ = child.kill();
                        let out = child.wait_with_output().unwrap();
                        panic!(
                            "round {round}: child did not reopen the log within {:?}:\n{}",
                            start.elapsed(),
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                }
            }
            if round == 0 {
                // While the child holds the writer lock, a second writer is refused clearly.
                let err = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default())
                    .err()
                    .expect("a second writer must be refused");
                assert!(matches!(err, SequencerError::Storage(StorageError::Locked(_))), "{err:?}");
                let msg = err.to_string();
                assert!(msg.contains("already open for writing by another process"), "{msg}");
                assert!(msg.contains(&log.display().to_string()), "{msg}");
            }
        }
        let delay = if early { rng.below(30) } else { 5 + rng.below(400) };
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        lines.join().unwrap();
        for l in rx.try_iter() {
            parse_line(&l, &mut obs);
        }
        if status.success() || status.code().is_some() {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err);
            panic!("round {round}: the child exited by itself ({status}) instead of being killed:\n{err}");
        }
        if let Some(size) = obs.ready {
            let expected = seen.last_key_value().map(|(s, _)| *s).unwrap_or(0);
            assert!(size >= expected, "round {round}: child reopened at size {size} < last seen {expected}");
        }
        if !obs.acks.is_empty() {
            killed_mid_append += 1;
        }
        for (index, hash, size, root) in obs.acks {
            assert!(index < size, "ack of {index} came with checkpoint size {size}");
            if let Some(prev) = acked.insert(index, hash) {
                assert_eq!(prev, hash, "round {round}: index {index} acknowledged twice with different entries");
            }
            if let Some(prev) = seen.insert(size, root) {
                assert_eq!(prev, root, "round {round}: two checkpoints of size {size} with different roots");
            }
        }
        torn_writes += usize::from(remove_temporaries(&log) > 0);
        let (size, root) = check_log(&storage, &signer, &acked, &seen);
        if let Some(prev) = seen.insert(size, root) {
            assert_eq!(prev, root, "round {round}: checkpoint of size {size} changed root");
        }
    }
    assert!(killed_mid_append >= rounds / 2, "only {killed_mid_append} of {rounds} rounds acknowledged anything");
    assert!(acked.len() > 1000, "only {} entries acknowledged over {rounds} rounds", acked.len());

    // After the last kill, a writer in this process reopens and extends the log.
    let seq = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default()).unwrap();
    let index = seq.append(b"after the last crash".to_vec()).unwrap();
    acked.insert(index, leaf_hash(b"after the last crash"));
    drop(seq);
    check_log(&storage, &signer, &acked, &seen);
    eprintln!(
        "crash test: {rounds} kills ({torn_writes} interrupted a file write), {} entries acknowledged, {} checkpoints seen",
        acked.len(),
        seen.len()
    );
}
