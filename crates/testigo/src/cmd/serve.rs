//! `testigo serve`: the intake server over a data directory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use testigo_documents::SheetQr;
use testigo_server::conn::ConnLimits;
use testigo_server::ratelimit::{GateConfig, Rate};
use testigo_server::witnessing::{AckPolicy, GuardedStorage};
use testigo_server::{qr_factory, Limits, Node};

/// Options of `testigo serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Data directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// Keep the log and the photos in object storage, `s3://BUCKET/PREFIX`, instead of in --dir
    /// (the keys stay in --dir). Configured from the usual AWS environment: AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_REGION, and for MinIO or moto AWS_ENDPOINT_URL and
    /// AWS_ALLOW_HTTP=true. If the bucket holds no log yet, the one in --dir is copied into it.
    /// See docs/object-storage.md.
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,
    /// Stand by while another node holds the log's writer lock (with --storage, its lease): try
    /// again every few seconds and take over as soon as it is released or expires, instead of
    /// exiting. Run the same command on a second machine for a standby (docs/deployment.md).
    #[arg(long)]
    pub standby: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Average submissions per second allowed per signing key, charged only after the key's
    /// signature verified (so nobody can spend another's budget). The operator is never limited.
    #[arg(long, default_value_t = 20.0)]
    pub per_key_rate: f64,
    /// Burst of submissions allowed per signing key.
    #[arg(long, default_value_t = 200.0)]
    pub per_key_burst: f64,
    /// Failed submissions (unreadable, unauthenticated, refused) allowed per second from one
    /// client address (an IPv6 /64 counts as one); past its burst the address gets 429 before
    /// anything is parsed. Authenticated clients sharing the address are not slowed.
    #[arg(long, default_value_t = 2.0)]
    pub failed_per_client_rate: f64,
    /// Burst of failed submissions allowed per client address.
    #[arg(long, default_value_t = 100.0)]
    pub failed_per_client_burst: f64,
    /// Failed submissions allowed per second from all addresses together; past its burst only
    /// addresses that authenticated in the last hour, and the operator, get in.
    #[arg(long, default_value_t = 500.0)]
    pub failed_global_rate: f64,
    /// Burst of failed submissions allowed from all addresses together.
    #[arg(long, default_value_t = 5000.0)]
    pub failed_global_burst: f64,
    /// Seconds a client has to send a request's headers; a kept-alive connection idle this long
    /// is closed (sheds slowloris and idle connections).
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a whole request (body included) may take.
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
    /// Most connections open at once (lowered to fit the process's file-descriptor limit);
    /// past it new connections are closed at once.
    #[arg(long, default_value_t = 4096)]
    pub max_connections: usize,
    /// Most connections open at once from one client address.
    #[arg(long, default_value_t = 256)]
    pub max_connections_per_client: usize,
    /// A reverse proxy or CDN address whose `X-Forwarded-For` header is believed for the client
    /// address (rate limits are per client); repeatable. Without it the peer address is used.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Cosignatures each checkpoint needs (default: a majority of the --cosigner values). When so
    /// many cosigners refuse the log's checkpoints that this quorum cannot be met (a sign of a
    /// fork or rollback), submissions get 503 `unavailable` until cosigners sign again.
    #[arg(long = "cosigner-quorum", alias = "witness-quorum")]
    pub witness_quorum: Option<usize>,
    /// Keep acknowledging submissions while cosigners refuse the log's checkpoints.
    #[arg(long = "ack-while-cosigners-refuse", alias = "ack-while-witnesses-refuse")]
    pub ack_while_witnesses_refuse: bool,
    /// A cosigner (`testigo cosigner serve`) to ask for a cosignature of each new checkpoint, as
    /// `URL=VKEY` (its address and key, a file such as W/witness.key.vkey or the key line);
    /// repeatable. The checkpoint is republished with the cosignatures (until then, about one
    /// round trip, it is served uncosigned). `--witness` is the old spelling.
    #[arg(long = "cosigner", alias = "witness", value_name = "URL=VKEY")]
    pub witnesses: Vec<String>,
    /// Gone: BU signing keys are logged with `testigo trust --bu-key SPEC`, so every replay uses
    /// them. Kept hidden only to tell whoever still passes it.
    #[arg(long = "bu-key", value_name = "SPEC", hide = true)]
    pub bu_keys: Vec<String>,
    /// Store submitted photos without reading their QR codes. By default every new photo is read
    /// and what it shows is logged as a `reading` entry signed with the data directory's operator
    /// key, so a photo whose code disagrees with the typed counts is flagged `photo_qr_mismatch`.
    #[arg(long)]
    pub no_read_photos: bool,
    /// The address the public will reach this server at (e.g. https://results.example.org/), for the
    /// `testigo verify` and `mirror` commands the website shows observers.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

impl ServeArgs {
    /// The defaults `testigo serve` has, for a data directory served on `addr` (the demos).
    pub fn local(dir: PathBuf, addr: SocketAddr) -> Self {
        ServeArgs {
            dir,
            storage: None,
            standby: false,
            addr,
            per_key_rate: 20.0,
            per_key_burst: 200.0,
            failed_per_client_rate: 2.0,
            failed_per_client_burst: 100.0,
            failed_global_rate: 500.0,
            failed_global_burst: 5000.0,
            header_timeout: 10,
            request_timeout: 30,
            max_connections: 4096,
            max_connections_per_client: 256,
            trusted_proxies: Vec::new(),
            witness_quorum: None,
            ack_while_witnesses_refuse: false,
            witnesses: Vec::new(),
            bu_keys: Vec::new(),
            no_read_photos: false,
            // The demos run where the reader is: the observers' commands can name the real address.
            public_url: Some(format!("http://{addr}/")),
        }
    }
}

/// Turns on photo reading (unless `--no-read-photos`) with the data
/// directory's operator key; without that key, says so and serves anyway.
pub fn enable_photo_reading(node: Node, args: &ServeArgs) -> Node {
    if args.no_read_photos {
        return node;
    }
    match testigo_store::DataDir::new(&args.dir).operator() {
        Ok(operator) => node.with_photo_reading(operator),
        Err(e) => {
            eprintln!(
                "warning: photos will be stored but not read: {e:#}. Photo readings are signed with the \
                 operator key ({}); copy it there or pass --no-read-photos to silence this",
                testigo_store::DataDir::new(&args.dir).operator_key().display()
            );
            node
        }
    }
}

/// Parses `--cosigner URL=VKEY` values.
fn witness_endpoints(args: &[String]) -> anyhow::Result<Vec<testigo_witness::WitnessEndpoint>> {
    let mut out = Vec::new();
    for w in args {
        let (url, vkey) = w.split_once('=').with_context(|| format!("--cosigner {w:?}: expected URL=VKEY"))?;
        let key = super::log::read_vkey(vkey).with_context(|| format!("--cosigner {w:?}"))?;
        if key.algorithm() != testigo_note::ALG_COSIGNATURE_V1 {
            anyhow::bail!("--cosigner {w:?}: not a cosigner key (type 0x04; `testigo cosigner serve` prints it)");
        }
        out.push(testigo_witness::WitnessEndpoint { url: url.to_string(), key });
    }
    Ok(out)
}

/// Waits for Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Serves `node` on `addr` until Ctrl-C/SIGTERM; `ready` is called with the
/// bound address once listening. Everything queued is published before return.
pub fn serve_node(node: Node, args: &ServeArgs, ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    serve_node_witnessed(enable_photo_reading(node, args), args, None, ready)
}

/// [`serve_node`], also running the witnessing task if given (the node's
/// sequencer must write through its guarded storage).
fn serve_node_witnessed(
    node: Node,
    args: &ServeArgs,
    witnessing: Option<(Arc<GuardedStorage>, testigo_witness::WitnessClient)>,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let node = Arc::new(node.with_key_rate(Rate { per_second: args.per_key_rate, burst: args.per_key_burst }));
    let (limits, conn_limits) = limits(args);
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("listening on {} (is another server using it? try --port/--addr)", args.addr))?;
        ready(listener.local_addr()?);
        let task = witnessing.map(|(guard, client)| {
            let n = client.witnesses().len();
            let policy = AckPolicy {
                quorum: args.witness_quorum.unwrap_or(AckPolicy::majority(n).quorum).clamp(1, n.max(1)),
                stop_on_refusal: !args.ack_while_witnesses_refuse,
            };
            testigo_server::witnessing::spawn(node.clone(), guard, client, policy)
        });
        let served = testigo_server::serve(listener, node.clone(), limits, conn_limits, shutdown_signal())
            .await
            .context("serving");
        if let Some(t) = task {
            t.abort();
            let _ = t.await;
        }
        served
    })?;
    drop(rt);
    // Handlers are done; the last references go with the runtime.
    let mut node = node;
    for _ in 0..100 {
        match Arc::try_unwrap(node) {
            Ok(n) => {
                n.shutdown();
                return Ok(());
            }
            Err(n) => {
                node = n;
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    tracing::warn!("node still referenced at shutdown; acknowledged entries are durable regardless");
    Ok(())
}

/// The HTTP and connection limits from the command line. The connection
/// cap is lowered to fit the file-descriptor limit (raised to its hard
/// maximum first), keeping room for the log's own files.
fn limits(args: &ServeArgs) -> (Limits, ConnLimits) {
    let gate = GateConfig {
        per_client: Rate { per_second: args.failed_per_client_rate, burst: args.failed_per_client_burst },
        global: Rate { per_second: args.failed_global_rate, burst: args.failed_global_burst },
        ..GateConfig::default()
    };
    // The website prints the cosigners' keys for readers to trust and check.
    let cosigners: Vec<String> =
        witness_endpoints(&args.witnesses).unwrap_or_default().iter().map(|w| w.key.to_vkey()).collect();
    let quorum = args.witness_quorum.unwrap_or(AckPolicy::majority(cosigners.len()).quorum).min(cosigners.len());
    let site = testigo_server::site::SiteOptions { cosigners, quorum, public_url: args.public_url.clone() };
    let limits = Limits { request_timeout: Duration::from_secs(args.request_timeout), gate, site, ..Limits::default() };
    let mut max_connections = args.max_connections;
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(fds) => {
            let room = usize::try_from(fds.saturating_sub(256)).unwrap_or(usize::MAX).max(16);
            if room < max_connections {
                tracing::warn!(
                    fds,
                    "lowering --max-connections from {max_connections} to {room} to fit the file-descriptor limit"
                );
                max_connections = room;
            }
        }
        Err(e) => tracing::warn!("cannot read the file-descriptor limit: {e}"),
    }
    let conn = ConnLimits {
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        max_connections,
        max_connections_per_client: args.max_connections_per_client,
        trusted_proxies: args.trusted_proxies.clone(),
        ..ConnLimits::default()
    };
    (limits, conn)
}

/// Prints where to look once the server listens.
pub fn print_urls(addr: SocketAddr, example_table: Option<&str>) {
    println!("serving on http://{addr}");
    println!("  public website:          http://{addr}/");
    println!("  election and log status: http://{addr}/v1/election");
    if let Some(t) = example_table {
        println!("  one table's sheets:      http://{addr}/v1/tables/{t}");
    }
    println!("  signed checkpoint:       http://{addr}/checkpoint");
    println!("press Ctrl-C to stop");
}

/// The log and photo stores of `serve --storage`, for the housekeeping done
/// once the node holds the writer lease.
struct InBucket {
    log: testigo_objstore::ObjectStorage,
    photos: Arc<testigo_objstore::ObjectBlobs>,
}

/// The data directory of `testigo serve`: `--dir`, with the log and photos in
/// the bucket of `--storage` if given (a bucket holding no log yet receives
/// the directory's, tiles before checkpoint). Also returns the bucket's photo
/// store, whose staging is cleared once the node holds the writer lease.
fn data_dir(a: &ServeArgs) -> anyhow::Result<(testigo_store::DataDir, Option<InBucket>)> {
    use testigo_tlog::storage::{Storage, CHECKPOINT_PATH};
    let dir = testigo_store::DataDir::new(&a.dir);
    let Some(url) = &a.storage else { return Ok((dir, None)) };
    let bucket = testigo_objstore::parse_url(url).with_context(|| format!("--storage {url}"))?;
    let log = bucket.log_storage();
    let photos = Arc::new(bucket.photo_store());
    let local_checkpoint = dir.log().join(CHECKPOINT_PATH);
    let held = log.read(CHECKPOINT_PATH).with_context(|| {
        format!("reading {url}/checkpoint: does the bucket exist, and do the credentials allow reading it?")
    })?;
    if held.is_none() {
        if !local_checkpoint.is_file() {
            anyhow::bail!(
                "{url} holds no log, and {} has none to copy into it: create the election first \
                 (`testigo init --dir {}`), then serve with --storage",
                a.dir.display(),
                a.dir.display()
            );
        }
        eprintln!("{url} holds no log yet: copying {} and its photos into it", dir.log().display());
        let n = testigo_objstore::upload_log_dir(&dir.log(), &log)
            .with_context(|| format!("copying {} into {url}", dir.log().display()))?;
        let p = testigo_objstore::upload_photos_dir(&dir.blobs(), &photos)
            .with_context(|| format!("copying the photos of {} into {url}", dir.blobs().display()))?;
        eprintln!(
            "copied {n} log objects and {p} photos; from now on the log lives in {url} and {} is no longer \
             written (the high-water mark in {} refuses it if used again)",
            dir.log().display(),
            dir.high_water().display()
        );
    } else if local_checkpoint.is_file() {
        tracing::warn!("serving the log in {url}; {} is ignored", dir.log().display());
    }
    let photo_store: Arc<dyn testigo_store::BlobStore> = photos.clone();
    let held = InBucket { log: log.clone(), photos };
    Ok((dir.with_log_storage(Arc::new(log)).with_photo_store(photo_store), Some(held)))
}

/// The cosigning side of a node: its guarded storage and the cosigners' client.
type Witnessing = (Arc<GuardedStorage>, testigo_witness::WitnessClient);

/// How often a standby (`serve --standby`) tries to take the writer lock.
const STANDBY_RETRY: Duration = Duration::from_secs(2);

/// Whether opening the log failed because another writer holds its lock or lease.
fn held_by_another_writer(e: &anyhow::Error) -> bool {
    use testigo_tlog::sequencer::SequencerError;
    use testigo_tlog::storage::StorageError;
    e.chain().any(|c| {
        matches!(c.downcast_ref::<StorageError>(), Some(StorageError::Locked(_)))
            || matches!(c.downcast_ref::<SequencerError>(), Some(SequencerError::Storage(StorageError::Locked(_))))
    })
}

/// Runs `testigo serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let endpoints = witness_endpoints(&a.witnesses)?;
    if let Some(k) = a.bu_keys.first() {
        anyhow::bail!(
            "serve --bu-key is gone: BU signing keys now go into the log, so the server, `testigo verify` and \
             `testigo tally` all check signatures with the same keys. Log them once with \
             `testigo trust --dir {} --bu-key {k} --note \"where the keys come from\"` (or --server URL while \
             serving), then serve without --bu-key",
            a.dir.display()
        );
    }
    let qr = qr_factory(SheetQr::default);
    let (dir, bucket_photos) = data_dir(&a)?;
    let open = || -> anyhow::Result<(Node, Option<Witnessing>)> {
        if endpoints.is_empty() {
            let node = Node::open(dir.clone(), qr.clone()).with_context(|| match &a.storage {
                Some(url) => format!("opening the log in {url} (keys in {})", a.dir.display()),
                None => format!("opening {}: is another `testigo serve` using it?", a.dir.display()),
            })?;
            Ok((node, None))
        } else {
            let guard = Arc::new(GuardedStorage::new(dir.storage()?));
            let node = Node::open_with_storage(dir.clone(), qr.clone(), guard.clone())
                .with_context(|| format!("opening {}", a.dir.display()))?;
            let client = testigo_witness::WitnessClient::new(endpoints.clone(), Duration::from_secs(10))?;
            Ok((node, Some((guard, client))))
        }
    };
    let (node, witnessing) = loop {
        match open() {
            Err(e) if a.standby && held_by_another_writer(&e) => {
                eprintln!("standing by: {e:#}; trying again in {} s", STANDBY_RETRY.as_secs());
                std::thread::sleep(STANDBY_RETRY);
            }
            opened => break opened?,
        }
    };
    // The log was replayed with its signatures taken on trust (its entries hash
    // to the checkpoint this node signed): check them again, in the background.
    node.check_signatures_in_background().context("starting the background signature check")?;
    if let Some(InBucket { log, photos }) = bucket_photos {
        // The node holds the writer lease now. The verifier key goes beside the log, as in a
        // mirror, so `tally --dir s3://…` can open its checkpoints (`verify` takes --key instead).
        let vkey =
            std::fs::read(testigo_store::DataDir::new(&a.dir).vkey()).context("reading the log's verifier key")?;
        testigo_tlog::storage::Storage::write_objects(&log, &[("log.vkey".to_string(), vkey)])
            .context("writing log.vkey into the bucket")?;
        // What an earlier run staged and never logged can go.
        let cleared = photos.clear_staging().context("clearing staged photos in the bucket")?;
        if cleared > 0 {
            tracing::info!(cleared, "deleted photos an earlier run staged but never logged");
        }
    }
    let example = {
        let reg = node.registry();
        let first = reg.sheets().next().map(|s| s.table_id().to_string());
        first
    };
    let node = enable_photo_reading(node, &a);
    serve_node_witnessed(node, &a, witnessing, |addr| print_urls(addr, example.as_deref()))?;
    Ok(ExitCode::SUCCESS)
}
