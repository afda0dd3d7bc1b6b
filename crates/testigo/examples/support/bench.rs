//! Shared by the intake benchmarks (`httpbench`, `photobench`): the
//! Venezuelan 2024 election logged into a fresh data directory with enrolled
//! witness keys, and a loopback server that many clients post to at once.
// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Each example compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use testigo_datasets::venezuela::{self, Publication};
use testigo_election::{encode_signed, Enrol, Entry, Role, Sheet, Source};
use testigo_note::Signer;
use testigo_server::conn::ConnLimits;
use testigo_server::{Limits, Node, QrFactory};
use testigo_store::DataDir;

/// A data directory holding the election, its geography (from the shipped
/// V2 CSV) and the witnesses' enrolments.
pub struct BenchElection {
    /// Keeps the directory alive.
    pub _tmp: tempfile::TempDir,
    /// The data directory (its `operator.key` is written).
    pub dir: DataDir,
    /// The node, opened and set up.
    pub node: Node,
    /// The operator key.
    pub op: Signer,
    /// Witness keys; key `n / per_key` signs sheet `n`.
    pub keys: Vec<Signer>,
    /// Sheets per witness key.
    pub per_key: usize,
    /// Table ids of the V2 rows.
    pub tables: Vec<String>,
    /// When the enrolments start (sheets are signed at this time).
    pub now: u64,
}

/// Logs the election with enough witness keys for `sheets` sheets, 50 per
/// key; the registry checks QR codes if `read_qr`.
pub fn setup(sheets: usize, read_qr: bool) -> anyhow::Result<BenchElection> {
    let tmp = tempfile::tempdir()?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/venezuela-2024/RESULTADOS_2024_CSV_V2.csv.gz");
    let raw = testigo_formats::decompress_gz(&std::fs::read(path)?)?;
    let v2 = Publication::parse("RESULTADOS_2024_CSV_V2.csv", &raw)?;

    let mut dir = DataDir::new(tmp.path().join("d"));
    // TESTIGO_BENCH_STORAGE=s3://BUCKET/PREFIX keeps the log and photos in object storage
    // (benches/objstore.sh: the same intake to local disk and to a loopback S3 server).
    if let Ok(url) = std::env::var("TESTIGO_BENCH_STORAGE") {
        let bucket = testigo_objstore::parse_url(&url)?;
        dir = dir.with_log_storage(Arc::new(bucket.log_storage())).with_photo_store(Arc::new(bucket.photo_store()));
        eprintln!("log and photos in {url}");
    }
    dir.init("bench.testigo.example/log")?;
    let op = Signer::generate("operator.bench.example")?;
    testigo_store::write_secret(&dir.operator_key(), &op)?;
    let now = testigo_server::node::unix_now();
    let mut entries = vec![encode_signed(&Entry::Election(venezuela::election(&op.verifier().to_vkey())), &op)?];
    for chunk in venezuela::split_chunk(venezuela::geography(&[&v2]), 500) {
        entries.push(encode_signed(&Entry::Geography(chunk), &op)?);
    }
    let per_key = 50;
    let keys: Vec<Signer> = (0..sheets.div_ceil(per_key))
        .map(|i| Signer::generate(&format!("w{i}.bench.example")))
        .collect::<Result<_, _>>()?;
    for k in &keys {
        entries.push(enrol_witness(k, "Bench", &op, now)?);
    }
    let qr: QrFactory =
        if read_qr { testigo_server::qr_factory(testigo_documents::SheetQr::default) } else { Arc::new(|| None) };
    let node = Node::open(dir.clone(), qr)?;
    let count = entries.len();
    for r in node.submit_many(entries, now)? {
        r?;
    }
    eprintln!("set up {count} entries ({} witness keys)", keys.len());
    let tables = v2.rows.iter().map(venezuela::table_id).collect();
    Ok(BenchElection { _tmp: tmp, dir, node, op, keys, per_key, tables, now })
}

/// The operator-signed enrolment of witness key `k` (valid from an hour
/// before `now` to a day after), its holder named after the key.
pub fn enrol_witness(k: &Signer, organisation: &str, op: &Signer, now: u64) -> anyhow::Result<Vec<u8>> {
    let e = Entry::Enrol(Enrol {
        key: k.verifier().to_vkey(),
        role: Role::Witness,
        holder: k.name().into(),
        organisation: organisation.into(),
        scope: None,
        valid_from: now - 3600,
        valid_until: now + 86_400,
    });
    Ok(encode_signed(&e, op)?)
}

/// A consistent witness sheet for `table` of the Venezuelan election
/// (EG 200, NM 100, null 3), signed at `now`, naming no photo.
pub fn sheet(table: &str, now: u64) -> Sheet {
    Sheet {
        not_reported: Vec::new(),
        election: venezuela::ELECTION_ID.into(),
        table: table.to_string(),
        contest: venezuela::CONTEST_ID.into(),
        source: Source::Witness,
        votes: [("EG".to_string(), 200), ("NM".to_string(), 100)].into_iter().collect(),
        valid: Some(300),
        null: Some(3),
        blank: None,
        voters: Some(303),
        registered: None,
        photo_sha256: None,
        qr: None,
        dataset: None,
        supersedes: None,
        signed_at: now,
    }
}

/// Serves `node` on loopback (no per-key limits unless the node has them;
/// no connection caps) and posts every item to
/// `/v1/submissions` with `in_flight` requests at a time (`request` builds
/// each from the client, the URL and the item). Returns how many were
/// answered `201 Created` and the seconds the posting took.
pub fn serve_and_post<T: Send + Sync + 'static>(
    node: Arc<Node>,
    in_flight: usize,
    items: Vec<T>,
    request: fn(&reqwest::Client, &str, &T) -> reqwest::RequestBuilder,
) -> anyhow::Result<(usize, f64)> {
    let r = serve_post_and_read(node, in_flight, items, request, 0, Vec::new())?;
    Ok((r.accepted, r.secs))
}

/// What [`serve_post_and_read`] measured.
pub struct PostAndRead {
    /// Submissions answered `201 Created`.
    pub accepted: usize,
    /// Seconds the posting took.
    pub secs: f64,
    /// Reads answered `200 OK` while the posting ran.
    pub reads: usize,
}

/// [`serve_and_post`], with `readers` more clients meanwhile reading
/// `read_paths` (round robin, e.g. `/v1/tally` and table pages) until the
/// posting ends: reads served while intake runs at full speed.
pub fn serve_post_and_read<T: Send + Sync + 'static>(
    node: Arc<Node>,
    in_flight: usize,
    items: Vec<T>,
    request: fn(&reqwest::Client, &str, &T) -> reqwest::RequestBuilder,
    readers: usize,
    read_paths: Vec<String>,
) -> anyhow::Result<PostAndRead> {
    against_loopback_server(node, |addr| async move {
        let client = reqwest::Client::builder().pool_max_idle_per_host(in_flight + readers).build()?;
        let url = format!("http://{addr}/v1/submissions");
        let items = Arc::new(items);
        let next = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let read_paths = Arc::new(read_paths);
        let mut reader_tasks = Vec::new();
        for r in 0..readers {
            let (client, paths, done) = (client.clone(), read_paths.clone(), done.clone());
            reader_tasks.push(tokio::spawn(async move {
                let mut ok = 0usize;
                let mut i = r;
                while !done.load(Ordering::Relaxed) && !paths.is_empty() {
                    let path = &paths[i % paths.len()];
                    i += readers;
                    let get = client.get(format!("http://{addr}{path}")).header("accept-encoding", "gzip");
                    if let Ok(resp) = get.send().await {
                        if resp.status().as_u16() == 200 && resp.bytes().await.is_ok() {
                            ok += 1;
                        }
                    }
                }
                ok
            }));
        }
        let t0 = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..in_flight {
            let (client, url, items, next) = (client.clone(), url.clone(), items.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                let mut accepted = 0usize;
                while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let r = request(&client, &url, item).send().await.expect("request");
                    if r.status().as_u16() == 201 {
                        accepted += 1;
                    } else {
                        eprintln!("HTTP {}: {}", r.status(), r.text().await.unwrap_or_default());
                    }
                }
                accepted
            }));
        }
        collect(workers, t0, &done, reader_tasks).await
    })
}

/// Serves `node` on loopback (connection caps off) on a fresh runtime, runs
/// `load` against its address, then stops the server.
pub fn against_loopback_server<F, Fut>(node: Arc<Node>, load: F) -> anyhow::Result<PostAndRead>
where
    F: FnOnce(std::net::SocketAddr) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<PostAndRead>>,
{
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let limits = Limits::default();
    let conns = ConnLimits { max_connections: 1 << 20, max_connections_per_client: 1 << 20, ..ConnLimits::default() };
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(testigo_server::serve(listener, node, limits, conns, async {
            let _ = stop_rx.await;
        }));
        let measured = load(addr).await;
        let _ = stop_tx.send(());
        server.await??;
        measured
    })
}

/// Waits for the posting tasks (each returns how many it got accepted), then
/// tells the readers to stop (`done`) and adds up what they were answered.
pub async fn collect(
    posters: Vec<tokio::task::JoinHandle<usize>>,
    started: Instant,
    done: &std::sync::atomic::AtomicBool,
    readers: Vec<tokio::task::JoinHandle<usize>>,
) -> anyhow::Result<PostAndRead> {
    let mut accepted = 0;
    for p in posters {
        accepted += p.await?;
    }
    let secs = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let mut reads = 0;
    for r in readers {
        reads += r.await?;
    }
    Ok(PostAndRead { accepted, secs, reads })
}
