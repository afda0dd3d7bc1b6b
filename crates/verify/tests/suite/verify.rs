//! Verification and mirroring of logs built with the sequencer: a tamper
//! matrix, forks against remembered state, incremental runs, and HTTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use testigo_note::{SignedNote, Signer, Verifier, ALG_COSIGNATURE_V1, ALG_ED25519};
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::{Sequencer, SequencerConfig};
use testigo_verify::{mirror, verify_log, NoVisitor, Options, Source, VerifyError, WitnessPolicy};

const ORIGIN: &str = "example.org/verified-log";
/// 259 full level-0 tiles and a partial of 17; level 1: one full tile and a
/// partial of 3; level 2: a partial of 1. Every kind of object exists.
const SIZE: u64 = 65_536 + 3 * 256 + 17;

fn entry(tag: &str, i: u64) -> Vec<u8> {
    format!("{tag} entry {i} {}", "x".repeat((i % 23) as usize)).into_bytes()
}

fn log_signer() -> Signer {
    Signer::from_seed(ORIGIN, ALG_ED25519, [3u8; 32]).unwrap()
}

/// A log directory built with the sequencer.
struct TestLog {
    dir: tempfile::TempDir,
    seq: Option<Sequencer>,
    size: u64,
    tag: String,
}

impl TestLog {
    fn new(tag: &str, size: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(dir.path().join("log")).unwrap());
        Sequencer::create(storage.as_ref(), &log_signer()).unwrap();
        let seq = Sequencer::open(storage, log_signer(), SequencerConfig::default()).unwrap();
        let mut log = TestLog { dir, seq: Some(seq), size: 0, tag: tag.to_string() };
        log.grow(size);
        log
    }

    fn grow(&mut self, n: u64) {
        let seq = self.seq.as_ref().unwrap();
        // Several batches so partial tiles come and go.
        let mut left = n;
        while left > 0 {
            let k = left.min(40_000);
            let entries = (self.size..self.size + k).map(|i| entry(&self.tag, i)).collect();
            seq.submit(entries).unwrap().wait().unwrap();
            self.size += k;
            left -= k;
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// A copy of the log directory to damage.
    fn copy(&self) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        copy_dir(&self.path(), &d.path().join("log"));
        d
    }
}

/// Copies a log directory. The sequencer may be deleting superseded partial
/// tiles meanwhile, so objects that vanish are skipped (they are not needed).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let Ok(rd) = std::fs::read_dir(from) else { return };
    for e in rd.flatten() {
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else if let Err(err) = std::fs::copy(e.path(), &dest) {
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "copy {}: {err}", e.path().display());
        }
    }
}

fn flip(path: &Path, offset_from_end: usize) {
    let mut b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let i = b.len() - offset_from_end;
    b[i] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

fn verify_dir(dir: &Path) -> Result<testigo_verify::Report, VerifyError> {
    verify_log(
        &Source::dir(dir),
        &log_signer().verifier(),
        &WitnessPolicy::default(),
        None,
        &mut NoVisitor,
        &Options::default(),
    )
}

#[test]
fn full_verification_visits_every_entry_in_order() {
    let log = TestLog::new("main", SIZE);
    let mut next = 0u64;
    let mut visitor = |i: u64, e: &[u8]| {
        assert_eq!(i, next);
        assert_eq!(e, entry("main", i).as_slice());
        next += 1;
        Ok(())
    };
    let progress_calls = std::sync::atomic::AtomicU64::new(0);
    let progress = |p: testigo_verify::Progress| {
        assert!(p.entries_done <= p.entries_total);
        progress_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let opts = Options { concurrency: 3, progress: Some(&progress) };
    let r = verify_log(
        &Source::dir(log.path()),
        &log_signer().verifier(),
        &WitnessPolicy::default(),
        None,
        &mut visitor,
        &opts,
    )
    .unwrap();
    assert_eq!(next, SIZE);
    assert_eq!((r.size, r.entries_verified, r.previous_size), (SIZE, SIZE, None));
    // 260 bundles + 260 level-0 tiles + 2 level-1 tiles + 1 level-2 tile + checkpoint.
    assert_eq!(r.objects_fetched, 260 + 260 + 2 + 1 + 1);
    assert!(progress_calls.into_inner() >= 5);

    // The visitor can reject an entry; the error names it and its bundle.
    let mut picky = |i: u64, _: &[u8]| if i == 1000 { Err("bad signature".to_string()) } else { Ok(()) };
    let err = verify_log(
        &Source::dir(log.path()),
        &log_signer().verifier(),
        &WitnessPolicy::default(),
        None,
        &mut picky,
        &Options::default(),
    )
    .unwrap_err();
    assert!(matches!(&err, VerifyError::Entry { index: 1000, path, .. } if path == "tile/entries/003"), "{err}");

    // Another key does not verify the checkpoint.
    let other = Signer::generate(ORIGIN).unwrap().verifier();
    let err = verify_log(
        &Source::dir(log.path()),
        &other,
        &WitnessPolicy::default(),
        None,
        &mut NoVisitor,
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(err.object(), Some("checkpoint"), "{err}");

    // Small trees: empty, one entry, exactly one tile.
    for n in [0u64, 1, 256, 257] {
        let small = TestLog::new("small", n);
        assert_eq!(verify_dir(&small.path()).unwrap().size, n);
    }
}

#[test]
fn tamper_matrix_names_the_object() {
    let log = TestLog::new("main", SIZE);
    verify_dir(&log.path()).unwrap();
    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        ("full level-0 tile", Box::new(|d: &Path| flip(&d.join("tile/0/005"), 100)), "tile/0/005"),
        ("partial level-0 tile", Box::new(|d: &Path| flip(&d.join("tile/0/259.p/17"), 1)), "tile/0/259.p/17"),
        ("full level-1 tile", Box::new(|d: &Path| flip(&d.join("tile/1/000"), 5000)), "tile/1/000"),
        ("partial level-1 tile", Box::new(|d: &Path| flip(&d.join("tile/1/001.p/3"), 40)), "tile/1/001.p/3"),
        ("level-2 tile", Box::new(|d: &Path| flip(&d.join("tile/2/000.p/1"), 1)), "tile/2/000.p/1"),
        ("full entry bundle", Box::new(|d: &Path| flip(&d.join("tile/entries/007"), 3)), "tile/entries/007"),
        (
            "partial entry bundle",
            Box::new(|d: &Path| flip(&d.join("tile/entries/259.p/17"), 2)),
            "tile/entries/259.p/17",
        ),
        (
            "bundle length prefix",
            Box::new(|d: &Path| {
                let p = d.join("tile/entries/100");
                let mut b = std::fs::read(&p).unwrap();
                b[1] ^= 0x04;
                std::fs::write(p, b).unwrap();
            }),
            "tile/entries/100",
        ),
        (
            "checkpoint body",
            Box::new(|d: &Path| {
                let p = d.join("checkpoint");
                let mut b = std::fs::read(&p).unwrap();
                let i = ORIGIN.len() + 3; // inside the size line
                b[i] = if b[i] == b'1' { b'2' } else { b'1' };
                std::fs::write(p, b).unwrap();
            }),
            "checkpoint",
        ),
        ("checkpoint signature", Box::new(|d: &Path| flip(&d.join("checkpoint"), 10)), "checkpoint"),
        (
            "deleted level-0 tile",
            Box::new(|d: &Path| std::fs::remove_file(d.join("tile/0/100")).unwrap()),
            "tile/0/100",
        ),
        (
            "deleted level-1 tile",
            Box::new(|d: &Path| std::fs::remove_file(d.join("tile/1/000")).unwrap()),
            "tile/1/000",
        ),
        (
            "deleted bundle",
            Box::new(|d: &Path| std::fs::remove_file(d.join("tile/entries/258")).unwrap()),
            "tile/entries/258",
        ),
        (
            "truncated tile",
            Box::new(|d: &Path| {
                let p = d.join("tile/0/042");
                let b = std::fs::read(&p).unwrap();
                std::fs::write(&p, &b[..b.len() - 1]).unwrap();
            }),
            "tile/0/042",
        ),
        (
            "truncated bundle",
            Box::new(|d: &Path| {
                let p = d.join("tile/entries/042");
                let b = std::fs::read(&p).unwrap();
                std::fs::write(&p, &b[..b.len() - 5]).unwrap();
            }),
            "tile/entries/042",
        ),
        ("deleted checkpoint", Box::new(|d: &Path| std::fs::remove_file(d.join("checkpoint")).unwrap()), "checkpoint"),
    ];
    for (name, damage, object) in cases {
        let copy = log.copy();
        let dir = copy.path().join("log");
        damage(&dir);
        let err = verify_dir(&dir).expect_err(name);
        assert_eq!(err.object(), Some(object), "{name}: {err}");
        assert!(err.to_string().contains(object), "{name}: the message must name {object}: {err}");
    }
}

fn cosign(note: &[u8], witnesses: &[Signer]) -> Vec<u8> {
    let mut n = SignedNote::parse(note).unwrap();
    for (i, w) in witnesses.iter().enumerate() {
        n.sign_cosignature(w, 1_700_000_000 + i as u64).unwrap();
    }
    n.to_bytes()
}

#[test]
fn witness_policy_is_enforced() {
    let log = TestLog::new("main", 300);
    let witnesses: Vec<Signer> =
        (1..=3).map(|i| Signer::from_seed(&format!("w{i}.example"), ALG_COSIGNATURE_V1, [i; 32]).unwrap()).collect();
    let keys: Vec<Verifier> = witnesses.iter().map(Signer::verifier).collect();
    let cp_path = log.path().join("checkpoint");
    let plain = std::fs::read(&cp_path).unwrap();
    std::fs::write(&cp_path, cosign(&plain, &witnesses[..2])).unwrap();
    let run = |policy: &WitnessPolicy| {
        verify_log(
            &Source::dir(log.path()),
            &log_signer().verifier(),
            policy,
            None,
            &mut NoVisitor,
            &Options::default(),
        )
    };
    let r = run(&WitnessPolicy { witnesses: keys.clone(), quorum: 2 }).unwrap();
    assert_eq!(r.cosigned_by.len(), 2);
    let err = run(&WitnessPolicy { witnesses: keys.clone(), quorum: 3 }).unwrap_err();
    assert!(matches!(err, VerifyError::Witness(_)), "{err}");
    assert!(err.to_string().contains("only 2 of the required 3"), "{err}");
    // A flipped byte in a cosignature is caught and names the witness.
    let cosigned = std::fs::read(&cp_path).unwrap();
    let text = String::from_utf8(cosigned.clone()).unwrap();
    let at = text.find("\u{2014} w2.example ").unwrap() + "\u{2014} w2.example ".len() + 30;
    let mut bad = cosigned.clone();
    bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&cp_path, bad).unwrap();
    let err = run(&WitnessPolicy { witnesses: keys, quorum: 1 }).unwrap_err();
    assert_eq!(err.object(), Some("checkpoint"));
    assert!(err.to_string().contains("w2.example"), "{err}");
}

#[test]
fn incremental_runs_and_forks_against_remembered_state() {
    let state = tempfile::tempdir().unwrap();
    let mut log = TestLog::new("main", 1000);
    let run = |dir: &Path, seen: &mut Vec<u64>| {
        let mut visitor = |i: u64, _: &[u8]| {
            seen.push(i);
            Ok(())
        };
        verify_log(
            &Source::dir(dir),
            &log_signer().verifier(),
            &WitnessPolicy::default(),
            Some(state.path()),
            &mut visitor,
            &Options::default(),
        )
    };
    let mut seen = Vec::new();
    let r = run(&log.path(), &mut seen).unwrap();
    assert_eq!((r.size, r.previous_size, seen.len()), (1000, None, 1000));
    // Nothing new: nothing fetched but the checkpoint.
    seen.clear();
    let r = run(&log.path(), &mut seen).unwrap();
    assert_eq!((r.previous_size, r.entries_verified, r.objects_fetched, seen.len()), (Some(1000), 0, 1, 0));
    // Growth: only the new entries are verified and visited.
    log.grow(70_000);
    seen.clear();
    let r = run(&log.path(), &mut seen).unwrap();
    assert_eq!((r.size, r.previous_size, r.entries_verified), (71_000, Some(1000), 70_000));
    assert_eq!(seen, (1000..71_000).collect::<Vec<_>>());
    assert!(r.objects_fetched < 2 * 70_000 / 256 + 20, "{}", r.objects_fetched);
    log.grow(17);
    seen.clear();
    assert_eq!(run(&log.path(), &mut seen).unwrap().entries_verified, 17);

    // A fork of the same size with the same key: refused loudly, evidence kept.
    let fork = TestLog::new("fork", log.size);
    let err = run(&fork.path(), &mut seen).unwrap_err();
    match &err {
        VerifyError::Inconsistent(i) => {
            assert!(i.why.contains("same size, different root"), "{err}");
            let ev = i.evidence.as_ref().expect("evidence saved");
            assert!(ev.join("remembered.checkpoint").exists() && ev.join("served.checkpoint").exists());
        }
        other => panic!("expected Inconsistent, got {other}"),
    }
    assert!(err.to_string().starts_with("INCONSISTENT LOG example.org/verified-log"), "{err}");
    // A larger fork: the consistency proof fails while the fork verifies on its own.
    let fork = TestLog::new("fork", log.size + 300);
    let err = run(&fork.path(), &mut seen).unwrap_err();
    assert!(matches!(&err, VerifyError::Inconsistent(i) if i.why.contains("forked")), "{err}");
    // An older checkpoint (a stale copy) is refused, but not called a fork.
    let small = TestLog::new("main", 500);
    let err = run(&small.path(), &mut seen).unwrap_err();
    assert!(matches!(&err, VerifyError::Stale { size: 500, remembered_size: 71_017, .. }), "{err}");
    // The remembered state is unchanged by refusals: the real log still continues.
    log.grow(3);
    assert_eq!(run(&log.path(), &mut seen).unwrap().previous_size, Some(71_017));

    // A damaged copy of the real log is a damaged object, not a fork.
    log.grow(300);
    let copy = log.copy();
    flip(&copy.path().join("log/tile/0/277"), 7);
    let err = run(&copy.path().join("log"), &mut seen).unwrap_err();
    assert_eq!(err.object(), Some("tile/0/277"), "{err}");
}

/// Serves `root` read-only over HTTP on loopback from a thread with its own runtime.
fn serve_dir(root: PathBuf) -> String {
    use axum::extract::State;
    use axum::http::{StatusCode, Uri};
    use axum::response::IntoResponse;
    async fn file(State(root): State<PathBuf>, uri: Uri) -> axum::response::Response {
        let p = uri.path().trim_start_matches('/');
        if p.split('/').any(|c| c == ".." || c.is_empty()) {
            return StatusCode::BAD_REQUEST.into_response();
        }
        match tokio::fs::read(root.join(p)).await {
            Ok(b) => b.into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new().fallback(file).with_state(root);
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}/", rx.recv().unwrap())
}

#[test]
fn verify_and_mirror_over_http() {
    let mut log = TestLog::new("main", SIZE);
    let served = log.copy();
    let url = serve_dir(served.path().join("log"));
    let source = Source::parse(&url).unwrap();
    let key = log_signer().verifier();
    let policy = WitnessPolicy::default();
    let r = verify_log(&source, &key, &policy, None, &mut NoVisitor, &Options::default()).unwrap();
    assert_eq!(r.size, SIZE);

    // Mirror it, then verify the mirror as a directory.
    let dest = tempfile::tempdir().unwrap();
    let m = dest.path().join("mirror");
    let r = mirror(&source, &m, &key, &policy, &mut NoVisitor, &Options::default()).unwrap();
    assert_eq!((r.size, r.previous_size), (SIZE, None));
    assert_eq!(verify_dir(&m).unwrap().size, SIZE);
    assert_eq!(std::fs::read(m.join("checkpoint")).unwrap(), std::fs::read(log.path().join("checkpoint")).unwrap());

    // The log grows; the served copy is refreshed; the mirror fetches only the new part.
    log.grow(1000);
    std::fs::remove_dir_all(served.path().join("log")).unwrap();
    copy_dir(&log.path(), &served.path().join("log"));
    let mut seen = 0u64;
    let mut count = |i: u64, _: &[u8]| {
        assert!(i >= SIZE);
        seen += 1;
        Ok(())
    };
    let r = mirror(&source, &m, &key, &policy, &mut count, &Options::default()).unwrap();
    assert_eq!((r.size, r.previous_size, seen), (SIZE + 1000, Some(SIZE), 1000));
    assert_eq!(verify_dir(&m).unwrap().size, SIZE + 1000);
    // Superseded partials were removed from the mirror, as the log does.
    assert!(!m.join("tile/0/259.p").exists());
    // The mirror and the log hold the same files.
    let list = |d: &Path| {
        let mut v = Vec::new();
        fn walk(base: &Path, d: &Path, v: &mut Vec<String>) {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                if e.path().is_dir() {
                    walk(base, &e.path(), v);
                } else if !e.file_name().to_string_lossy().starts_with('.') {
                    v.push(e.path().strip_prefix(base).unwrap().display().to_string());
                }
            }
        }
        walk(d, d, &mut v);
        v.sort();
        v
    };
    assert_eq!(list(&m), list(&log.path()));

    // Damage over HTTP is named too, and a damaged source never reaches the mirror's checkpoint.
    std::fs::remove_file(served.path().join("log/tile/1/000")).unwrap();
    let err = verify_log(&source, &key, &policy, None, &mut NoVisitor, &Options::default()).unwrap_err();
    assert_eq!(err.object(), Some("tile/1/000"), "{err}");
    log.grow(10);
    copy_dir(&log.path(), &served.path().join("log"));
    flip(&served.path().join("log/tile/entries/263.p/3"), 3);
    let before = std::fs::read(m.join("checkpoint")).unwrap();
    let err = mirror(&source, &m, &key, &policy, &mut NoVisitor, &Options::default()).unwrap_err();
    assert_eq!(err.object(), Some("tile/entries/263.p/3"), "{err}");
    assert_eq!(std::fs::read(m.join("checkpoint")).unwrap(), before);
    assert_eq!(verify_dir(&m).unwrap().size, SIZE + 1000);
}
