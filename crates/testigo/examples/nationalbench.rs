//! The national intake benchmark: a synthetic election of TABLES tables
//! (`testigo-synth`, seed 1) with two witness sheets per table (every table
//! corroborated, none missing), posted as signed JSON submissions over HTTP on
//! loopback to a node, many requests in flight. Each `201 Created` is durable
//! and covered by a published checkpoint when it arrives.
//!
//! The data directory is kept at OUT, so `benches/replay.sh OUT/data` then
//! times the restart, `tally`, `audit plan` and `verify` on the resulting log
//! (`benches/national.sh` runs both for 10,000, 100,000 and 1,000,000 tables).
//!
//! ```sh
//! cargo run --release -p testigo --example nationalbench -- TABLES OUT [IN_FLIGHT] [READERS]
//! ```
//!
//! With READERS > 0, that many more clients read table pages (`/es/t/<id>.html`,
//! 990 tables spread over the election) and, one read in a hundred,
//! `/v1/tally`, asking for gzip, while the sheets are posted; the reads
//! answered per second are printed too. `NATIONALBENCH_NO_TALLY=1` reads table
//! pages only; `NATIONALBENCH_UNITS=1` reads units' documents
//! (`/v1/units/<id>.json`) instead of `/v1/tally`.
//!
//! With `TESTIGO_BENCH_STORAGE=s3://BUCKET/PREFIX` (and the usual AWS
//! variables) the log and photos go to object storage instead of OUT
//! (`benches/national-s3.sh` compares the two in one run).
// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/bench.rs"]
mod bench;
#[path = "support/rawhttp.rs"]
mod rawhttp;

/// The allocator `testigo serve` runs with (crates/testigo/src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use testigo_election::{encode_signed, geography_chunks, Entry};
use testigo_note::Signer;
use testigo_server::Node;
use testigo_store::DataDir;
use testigo_synth::{generate, SynthConfig};

/// Sheets signed by one witness key: below the node's per-key limits.
const PER_KEY: usize = 50;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let tables: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let out = PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "/tmp/testigo-national".into()));
    let in_flight: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(512);
    let readers: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(0);
    let dir_path = out.join("data");
    anyhow::ensure!(!dir_path.exists(), "{} exists: remove it or choose another OUT", dir_path.display());

    let t0 = Instant::now();
    let op = Signer::generate("operator.national.example")?;
    let mut cfg = SynthConfig::new(1, tables);
    cfg.missing_ppm = 0;
    cfg.corroborated_ppm = 1_000_000;
    cfg.conflicting_ppm = 0;
    cfg.operator = Some(op.verifier().to_vkey());
    let e = generate(&cfg)?;
    let sheets = e.sheet_count();
    // The two sheets of a table come one after the other; each half of the
    // keys signs one of them, so no key signs a table twice.
    let half = sheets.div_ceil(2).div_ceil(PER_KEY);
    let keys: Vec<Signer> = (0..2 * half)
        .into_par_iter()
        .map(|i| Signer::generate(&format!("w{i}.national.example")))
        .collect::<Result<_, _>>()?;
    let now = testigo_store::unix_now();

    let mut dir = DataDir::new(&dir_path);
    // TESTIGO_BENCH_STORAGE=s3://BUCKET/PREFIX keeps the log and photos in object storage
    // (benches/national-s3.sh: the same intake to local disk and to a loopback S3 server).
    if let Ok(url) = std::env::var("TESTIGO_BENCH_STORAGE") {
        let bucket = testigo_objstore::parse_url(&url)?;
        dir = dir.with_log_storage(Arc::new(bucket.log_storage())).with_photo_store(Arc::new(bucket.photo_store()));
        eprintln!("log and photos in {url}");
    }
    dir.init("national.testigo.example/log")?;
    testigo_store::write_secret(&dir.operator_key(), &op)?;
    let mut setup = vec![encode_signed(&Entry::Election(e.def.clone()), &op)?];
    for chunk in geography_chunks(&e.geo) {
        setup.push(encode_signed(&Entry::Geography(chunk), &op)?);
    }
    for k in &keys {
        setup.push(bench::enrol_witness(k, "National bench", &op, now)?);
    }
    let node = Node::open(dir.clone(), Arc::new(|| None))?;
    let setup_entries = setup.len();
    for chunk in setup.chunks(2_000) {
        for r in node.submit_many(chunk.to_vec(), now)? {
            r?;
        }
    }
    eprintln!(
        "set up {tables} tables, {setup_entries} entries ({} witness keys) in {:.1} s",
        keys.len(),
        t0.elapsed().as_secs_f64()
    );

    // Pre-signed submissions: signing is the witnesses' cost, not the node's.
    let t0 = Instant::now();
    let mut unsigned = Vec::with_capacity(sheets);
    e.for_each_sheet(|s| unsigned.push(e.witness_sheet(&s, now)));
    let bodies: Vec<String> = unsigned
        .into_par_iter()
        .enumerate()
        .map(|(n, sheet)| {
            let key = &keys[(n % 2) * half + (n / 2) / PER_KEY];
            let signed = encode_signed(&Entry::Sheet(sheet), key).expect("sign");
            serde_json::json!({ "entry": String::from_utf8(signed).expect("utf8") }).to_string()
        })
        .collect();
    eprintln!("pre-signed {sheets} sheets in {:.1} s", t0.elapsed().as_secs_f64());

    // One read in a hundred is the tally (a verifier's), the rest table pages
    // spread over the election (citizens'); all ask for gzip, as browsers do.
    let step = (e.table_count() / 1000).max(1);
    // NATIONALBENCH_NO_TALLY=1: table pages only. NATIONALBENCH_UNITS=1: the
    // one read in a hundred is a unit's document (`/v1/units/<id>.json`, units
    // spread over the geography), as a newsroom following one place reads.
    let with_tally = std::env::var_os("NATIONALBENCH_NO_TALLY").is_none();
    let units = std::env::var_os("NATIONALBENCH_UNITS").is_some();
    let unit_step = (e.geo.unit_count() / 10).max(1);
    let read_paths: Vec<String> = (0..1000)
        .map(|i| {
            if with_tally && units && i % 100 == 0 {
                let u = e.geo.units().nth((i / 100 * unit_step) % e.geo.unit_count()).expect("a unit");
                format!("/{}", testigo_site::UnitRef::Unit(e.geo.unit_id(u).to_string()).path())
            } else if with_tally && i % 100 == 0 {
                "/v1/tally".to_string()
            } else {
                let t = e.geo.tables().nth((i * step) % e.table_count()).expect("a table");
                format!("/es/t/{}.html", testigo_site::paths::segment(e.geo.table_id(t)))
            }
        })
        .collect();
    // NATIONALBENCH_CLIENT=reqwest: the general client the earlier runs used.
    let r = if std::env::var("NATIONALBENCH_CLIENT").is_ok_and(|c| c == "reqwest") {
        bench::serve_post_and_read(
            Arc::new(node),
            in_flight,
            bodies,
            |client, url, body| client.post(url).header("content-type", "application/json").body(body.clone()),
            readers,
            read_paths,
        )?
    } else {
        rawhttp::serve_post_and_read_raw(Arc::new(node), in_flight, bodies, readers, read_paths)?
    };
    let (accepted, secs) = (r.accepted, r.secs);
    println!(
        "{tables} tables: accepted {accepted}/{sheets} signed sheets over HTTP in {secs:.1} s: {:.0}/s ({in_flight} in flight); log in {}",
        accepted as f64 / secs,
        dir_path.display()
    );
    if readers > 0 {
        println!(
            "meanwhile {readers} readers got {} answers (table pages and 1% /v1/tally or unit documents, as set): {:.0} reads/s",
            r.reads,
            r.reads as f64 / secs
        );
    }
    anyhow::ensure!(accepted == sheets, "{} sheets were not accepted", sheets - accepted);
    Ok(())
}
