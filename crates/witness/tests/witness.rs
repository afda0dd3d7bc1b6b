//! The witness over real HTTP on loopback, fed by a real log grown with the sequencer.
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use testigo_note::{SignedNote, Signer, Verifier};
use testigo_tlog::hash::Hash;
use testigo_tlog::reader::{LogReader, ReadError};
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::{checkpoint, Sequencer, SequencerConfig};
use testigo_witness::request::AddCheckpointRequest;
use testigo_witness::{
    add_checkpoint, check_quorum, serve, ClientError, LogConfig, QuorumError, Witness, WitnessClient, WitnessEndpoint,
};

const ORIGIN: &str = "example.org/witnessed-log";

struct TestLog {
    _dir: tempfile::TempDir,
    storage: Arc<dyn Storage>,
    seq: Sequencer,
    signer: Signer,
    next: u64,
}

impl TestLog {
    fn new(signer: Signer) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(DirStorage::new(dir.path().join("log")).unwrap());
        Sequencer::create(storage.as_ref(), &signer).unwrap();
        let seq = Sequencer::open(storage.clone(), signer.clone(), SequencerConfig::default()).unwrap();
        TestLog { _dir: dir, storage, seq, signer, next: 0 }
    }

    /// Appends `n` entries (tagged so two logs with one key differ) and returns the new checkpoint.
    async fn grow(&mut self, n: u64, tag: &str) -> Vec<u8> {
        let entries = (self.next..self.next + n).map(|i| format!("{tag} entry {i}").into_bytes()).collect();
        self.next += n;
        let done = self.seq.submit(entries).unwrap().await.unwrap();
        done.checkpoint.to_vec()
    }

    fn checkpoint(&self) -> Vec<u8> {
        self.seq.latest().checkpoint.to_vec()
    }

    fn proof(&self, old: u64) -> Result<Vec<Hash>, ReadError> {
        let reader = LogReader::new(self.storage.clone(), 16);
        reader.consistency_proof(old, self.seq.latest().tree_size)
    }
}

fn log_signer() -> Signer {
    Signer::from_seed(ORIGIN, testigo_note::ALG_ED25519, [7u8; 32]).unwrap()
}

fn witness_signer(name: &str, seed: u8) -> Signer {
    Signer::from_seed(name, testigo_note::ALG_COSIGNATURE_V1, [seed; 32]).unwrap()
}

async fn start(witness: Arc<Witness>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        serve(listener, witness).await.unwrap();
    });
    (url, task)
}

fn open_witness(signer: &Signer, log: &Verifier, state: &Path) -> Arc<Witness> {
    Arc::new(Witness::open(signer.clone(), vec![LogConfig::from_key(log.clone())], state).unwrap())
}

async fn post(url: &str, old: u64, proof: Vec<Hash>, cp: &[u8]) -> (u16, String, String) {
    let body = AddCheckpointRequest { old_size: old, proof, checkpoint: cp.to_vec() }.to_bytes();
    let resp = reqwest::Client::new().post(format!("{url}/add-checkpoint")).body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_stale_bad_proof_fork_wrong_key_restart() {
    let state = tempfile::tempdir().unwrap();
    let mut log = TestLog::new(log_signer());
    let wsigner = witness_signer("witness.example/w1", 1);
    let witness = open_witness(&wsigner, &log.signer.verifier(), state.path());
    let (url, server) = start(witness.clone()).await;
    let client = WitnessClient::new(
        vec![WitnessEndpoint { url: url.clone(), key: wsigner.verifier() }],
        Duration::from_secs(10),
    )
    .unwrap();

    // Happy path: the empty checkpoint, then growth across tile boundaries.
    let mut sizes = Vec::new();
    for (i, n) in [0u64, 1, 255, 300, 2000].into_iter().enumerate() {
        let cp = if n == 0 { log.checkpoint() } else { log.grow(n, "main").await };
        let (note, outcomes) = client.cosign(&cp, |old| log.proof(old)).await.unwrap();
        assert_eq!(outcomes.len(), 1);
        let ts = *outcomes[0].result.as_ref().unwrap_or_else(|e| panic!("step {i}: {e}"));
        assert!(ts > 0);
        // The cosigned note verifies with the log key and meets a 1-of-1 policy.
        let opened = checkpoint::open(&note.to_bytes(), &log.signer.verifier(), &[wsigner.verifier()]).unwrap();
        assert_eq!(opened.verified.verified_by.len(), 2);
        let q = check_quorum(&note, &[wsigner.verifier()], 1).unwrap();
        assert_eq!(q[0].1, ts);
        sizes.push(opened.checkpoint.size);
        // The monitoring endpoint serves it.
        let hash = testigo_witness::origin_hash(ORIGIN);
        let served = reqwest::get(format!("{url}/{hash}/checkpoint")).await.unwrap().text().await.unwrap();
        assert_eq!(SignedNote::parse(served.as_bytes()).unwrap().text(), note.text());
    }
    assert_eq!(sizes, vec![0, 1, 256, 556, 2556]);

    // Stale: old 0 is answered 409 with the witness's size, as text/x.tlog.size.
    let cp = log.grow(10, "main").await;
    let (status, ct, body) = post(&url, 0, vec![], &cp).await;
    assert_eq!((status, ct.as_str(), body.as_str()), (409, "text/x.tlog.size", "2556\n"));
    // The client function recovers from the 409 by asking the caller for a proof from 2556.
    let c = add_checkpoint(&reqwest::Client::new(), &url, 0, |old| log.proof(old), &cp).await.unwrap();
    assert_eq!(c.old_size, 2556);
    assert!(c.lines.starts_with("\u{2014} witness.example/w1 "), "{}", c.lines);
    assert_eq!(
        witness.latest(ORIGIN).map(|b| SignedNote::parse(&b).unwrap().text().to_string()),
        Some(SignedNote::parse(&cp).unwrap().text().to_string())
    );

    // Bad proof: 422, nothing cosigned, and no evidence (a failing proof proves no fork).
    let cp = log.grow(100, "main").await;
    let mut proof = log.proof(2566).unwrap();
    proof[0][0] ^= 1;
    let (status, _, body) = post(&url, 2566, proof, &cp).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("consistency proof"), "{body}");
    let evidence = files_under(&witness.evidence_dir());
    assert!(evidence.is_empty(), "{evidence:?}");
    // A proof for other sizes is refused too; the right proof is accepted.
    let (status, _, _) = post(&url, 2566, log.proof(2000).unwrap(), &cp).await;
    assert_eq!(status, 422);
    assert!(files_under(&witness.evidence_dir()).is_empty());
    let (status, _, body) = post(&url, 2566, log.proof(2566).unwrap(), &cp).await;
    assert_eq!(status, 200, "{body}");
    let current = 2666u64;

    // Fork: the same log key signs another tree of the same size.
    let mut fork = TestLog::new(log_signer());
    let forked = fork.grow(current, "fork").await;
    let before = witness.latest(ORIGIN).unwrap();
    let (status, _, body) = post(&url, current, vec![], &forked).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("fork"), "{body}");
    assert_eq!(witness.latest(ORIGIN).unwrap(), before, "a refused checkpoint must not change the witness's state");
    let evidence = files_under(&witness.evidence_dir());
    assert_eq!(evidence.len(), 3, "{evidence:?}");
    // The same fork again, by the log or a replay, keeps nothing new.
    assert_eq!(post(&url, current, vec![], &forked).await.0, 422);
    assert_eq!(post(&url, 0, vec![], &forked).await.0, 409);
    assert_eq!(files_under(&witness.evidence_dir()), evidence);
    let kept: Vec<String> = evidence
        .iter()
        .filter(|p| p.file_name().unwrap() == "submitted.checkpoint")
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(kept.iter().any(|k| k.as_bytes() == forked.as_slice()), "the forked checkpoint is kept as evidence");
    let witnessed: Vec<String> = evidence
        .iter()
        .filter(|p| p.file_name().unwrap() == "witnessed.checkpoint")
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(witnessed.iter().all(|w| SignedNote::parse(w.as_bytes()).unwrap().text().contains("\n2666\n")));
    // The fork growing further is refused as well, and its proof (from the forked
    // tree of size 2666 to its signed root) is itself evidence: a second record.
    let forked_more = fork.grow(5, "fork").await;
    let (status, _, _) = post(&url, current, fork.proof(current).unwrap(), &forked_more).await;
    assert_eq!(status, 422);
    let evidence = files_under(&witness.evidence_dir());
    assert_eq!(evidence.len(), 7, "{evidence:?}");
    assert_eq!(evidence.iter().filter(|p| p.file_name().unwrap() == "request").count(), 1);

    // Wrong log key for a known origin: 403. Unknown origin: 404. old > size: 400.
    let mut impostor = TestLog::new(Signer::generate(ORIGIN).unwrap());
    let cp = impostor.grow(3000, "impostor").await;
    let (status, _, body) = post(&url, current, impostor.proof(current).unwrap(), &cp).await;
    assert_eq!(status, 403, "{body}");
    let mut other = TestLog::new(Signer::generate("example.org/other-log").unwrap());
    let cp = other.grow(1, "other").await;
    assert_eq!(post(&url, 0, vec![], &cp).await.0, 404);
    assert_eq!(post(&url, 5, vec![], &log.checkpoint()).await.0, 409);
    assert_eq!(post(&url, 100_000, vec![], &log.checkpoint()).await.0, 400);
    // A flipped byte in the log signature: 403.
    let mut tampered = log.checkpoint();
    let n = tampered.len();
    tampered[n - 10] = if tampered[n - 10] == b'A' { b'B' } else { b'A' };
    assert_eq!(post(&url, current, vec![], &tampered).await.0, 403);
    assert_eq!(files_under(&witness.evidence_dir()).len(), 7, "badly signed notes keep no evidence");

    // Restart: a new witness process over the same state directory remembers the size.
    server.abort();
    drop(witness);
    let witness = open_witness(&wsigner, &log.signer.verifier(), state.path());
    let (url, _server) = start(witness.clone()).await;
    let cp = log.grow(1, "main").await;
    let (status, ct, body) = post(&url, 0, vec![], &cp).await;
    assert_eq!((status, ct.as_str(), body.as_str()), (409, "text/x.tlog.size", "2666\n"));
    let (status, _, body) = post(&url, current, log.proof(current).unwrap(), &cp).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_cannot_both_advance() {
    let state = tempfile::tempdir().unwrap();
    let mut log = TestLog::new(log_signer());
    let wsigner = witness_signer("witness.example/w1", 1);
    let witness = open_witness(&wsigner, &log.signer.verifier(), state.path());
    let (url, _server) = start(witness.clone()).await;
    let small = log.grow(10, "main").await;
    let big = log.grow(10, "main").await;
    // Both claim old = 0; whichever is handled second sees the other's size.
    let (a, b) = tokio::join!(post(&url, 0, vec![], &small), post(&url, 0, vec![], &big));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    // The 409 names the size the winner stored.
    let loser = if a.0 == 409 { &a } else { &b };
    let stored = witness.latest(ORIGIN).unwrap();
    let size = testigo_tlog::Checkpoint::parse(SignedNote::parse(&stored).unwrap().text()).unwrap().size;
    assert_eq!(loser.2, format!("{size}\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quorum_of_witnesses_and_go_xmod_interop() {
    let mut log = TestLog::new(log_signer());
    let signers: Vec<Signer> = (1..=3).map(|i| witness_signer(&format!("witness.example/w{i}"), i)).collect();
    let mut endpoints = Vec::new();
    let mut states = Vec::new();
    for s in &signers[..2] {
        let state = tempfile::tempdir().unwrap();
        let w = open_witness(s, &log.signer.verifier(), state.path());
        let (url, _) = start(w).await;
        endpoints.push(WitnessEndpoint { url, key: s.verifier() });
        states.push(state);
    }
    // The third witness is down: its outcome is an error, the others still cosign.
    endpoints.push(WitnessEndpoint { url: "http://127.0.0.1:9".into(), key: signers[2].verifier() });
    let client = WitnessClient::new(endpoints, Duration::from_secs(5)).unwrap();
    let cp = log.grow(1000, "main").await;
    let (note, outcomes) = client.cosign(&cp, |old| log.proof(old)).await.unwrap();
    assert!(outcomes[0].result.is_ok() && outcomes[1].result.is_ok());
    assert!(matches!(outcomes[2].result, Err(ClientError::Http { .. })), "{:?}", outcomes[2]);
    let keys: Vec<Verifier> = signers.iter().map(Signer::verifier).collect();
    assert_eq!(check_quorum(&note, &keys, 2).unwrap().len(), 2);
    assert!(matches!(check_quorum(&note, &keys, 3), Err(QuorumError::NotEnough { got: 2, quorum: 3, .. })));
    assert!(matches!(check_quorum(&note, &keys[2..], 1), Err(QuorumError::NotEnough { got: 0, .. })));
    // A log key is not a witness key.
    assert!(matches!(check_quorum(&note, &[log.signer.verifier()], 1), Err(QuorumError::NotCosignerKey(_))));
    // The same witness listed twice counts once.
    assert!(matches!(check_quorum(&note, &[keys[0].clone(), keys[0].clone()], 2), Err(QuorumError::Impossible { .. })));
    // A flipped byte in a cosignature fails the check and names the witness.
    let bytes = note.to_bytes();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let line_start = text.find("\u{2014} witness.example/w2 ").unwrap();
    let mut tampered = bytes.clone();
    let pos = line_start + "\u{2014} witness.example/w2 ".len() + 20;
    tampered[pos] = if tampered[pos] == b'A' { b'B' } else { b'A' };
    let tnote = SignedNote::parse(&tampered).unwrap();
    match check_quorum(&tnote, &keys, 1) {
        Err(QuorumError::BadCosignature { name, .. }) => assert_eq!(name, "witness.example/w2"),
        other => panic!("{other:?}"),
    }

    // Go's x/mod note.Open on the same bytes.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("note"), &bytes).unwrap();
    std::fs::write(dir.path().join("tampered"), &tampered).unwrap();
    let out = Command::new(cosigcheck())
        .arg(dir.path().join("note"))
        .arg(dir.path().join("tampered"))
        .arg(log.signer.verifier().to_vkey())
        .args(keys[..2].iter().map(Verifier::to_vkey))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let want = format!(
        "xmod-newverifier-witness: unknown verifier algorithm\n\
         xmod-newverifier-witness: unknown verifier algorithm\n\
         log-only: verified=[{ORIGIN}] unverified=[witness.example/w1,witness.example/w2]\n\
         with-cosigners: verified=[{ORIGIN},witness.example/w1,witness.example/w2] unverified=[]\n\
         tampered: invalid signature by witness.example/w2\n"
    );
    assert_eq!(stdout, want);
}

/// Builds the Go checker once per test binary (GOPATH mode over the Debian x/mod package).
fn cosigcheck() -> PathBuf {
    const GOPATH: &str = "/usr/share/gocode";
    let install = "install the Debian packages `golang-go golang-golang-x-mod-dev` \
                   (`apt-get install -y golang-go golang-golang-x-mod-dev` as root; `./scripts/test` does it)";
    match Command::new("go").arg("version").output() {
        Ok(o) if o.status.success() => {}
        other => panic!("the Go toolchain is needed for the x/mod interoperability test ({other:?}): {install}"),
    }
    assert!(Path::new(GOPATH).join("src/golang.org/x/mod/sumdb/note").is_dir(), "x/mod is missing: {install}");
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cosigcheck");
    std::fs::create_dir_all(tmp.join("gocache")).unwrap();
    let bin = tmp.join("cosigcheck");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/cosigcheck");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOFLAGS", "")
        .env("GOCACHE", tmp.join("gocache"))
        .env("HOME", &tmp)
        .output()
        .unwrap();
    assert!(out.status.success(), "go build failed:\n{}\n{install}", String::from_utf8_lossy(&out.stderr));
    bin
}
