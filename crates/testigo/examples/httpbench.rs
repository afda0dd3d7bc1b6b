//! Intake throughput over HTTP on loopback, signature verification included.
//!
//! Builds a data directory with the Venezuelan 2024 election (geography from
//! the shipped V2 CSV), enrols witness keys, pre-signs one sheet per (key,
//! table) — signing is the clients' cost, not the server's — then serves the
//! node on 127.0.0.1 and posts every sheet with many requests in flight,
//! counting only `201 Created` answers (each is durable and covered by a
//! published checkpoint when it arrives). Prints, from the same run, the raw
//! single-core Ed25519 verification rate and the ratio.
//!
//! ```sh
//! cargo run --release -p testigo --example httpbench -- [SHEETS] [IN_FLIGHT]
//! ```

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use testigo_datasets::venezuela::{self, Publication};
use testigo_election::{encode_signed, Enrol, Entry, Role, Sheet, Source};
use testigo_note::Signer;
use testigo_server::{DataDir, Limits, Node};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let total: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60_000);
    let in_flight: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(512);
    let tmp = tempfile::tempdir()?;
    let mut raw = Vec::new();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/venezuela-2024/RESULTADOS_2024_CSV_V2.csv.gz");
    flate2::read::GzDecoder::new(std::fs::File::open(path)?).read_to_end(&mut raw)?;
    let v2 = Publication::parse("RESULTADOS_2024_CSV_V2.csv", &raw)?;

    // The election, its geography and the witnesses, logged directly.
    let dir = DataDir::new(tmp.path().join("d"));
    dir.init("bench.testigo.example/log")?;
    let op = Signer::generate("operator.bench.example")?;
    let now = testigo_server::node::unix_now();
    let mut setup = vec![encode_signed(&Entry::Election(venezuela::election(&op.verifier().to_vkey())), &op)?];
    for chunk in venezuela::split_chunk(venezuela::geography(&[&v2]), 500) {
        setup.push(encode_signed(&Entry::Geography(chunk), &op)?);
    }
    let per_key = 50;
    let keys: Vec<Signer> = (0..total.div_ceil(per_key))
        .map(|i| Signer::generate(&format!("w{i}.bench.example")))
        .collect::<Result<_, _>>()?;
    for k in &keys {
        setup.push(encode_signed(
            &Entry::Enrol(Enrol {
                key: k.verifier().to_vkey(),
                role: Role::Witness,
                holder: k.name().into(),
                organisation: "Bench".into(),
                scope: None,
                valid_from: now - 3600,
                valid_until: now + 86_400,
            }),
            &op,
        )?);
    }
    let node = Node::open(dir.clone(), None)?;
    let setup_n = setup.len();
    for r in node.submit_many(setup, now)? {
        r?;
    }
    eprintln!("set up {setup_n} entries ({} witness keys)", keys.len());

    // Pre-signed sheets: key i takes tables [i*per_key, (i+1)*per_key) modulo the tables.
    let tables: Vec<String> = v2.rows.iter().map(venezuela::table_id).collect();
    let t0 = Instant::now();
    let bodies: Vec<String> = (0..total)
        .map(|n| {
            let k = &keys[n / per_key];
            let s = Sheet {
                election: venezuela::ELECTION_ID.into(),
                table: tables[n % tables.len()].clone(),
                contest: venezuela::CONTEST_ID.into(),
                source: Source::Witness,
                votes: [("EG".to_string(), 200), ("NM".to_string(), 100)].into_iter().collect(),
                valid: Some(300),
                null: 3,
                blank: None,
                voters: Some(303),
                registered: None,
                photo_sha256: None,
                qr: None,
                dataset: None,
                supersedes: None,
                signed_at: now,
            };
            let e = encode_signed(&Entry::Sheet(s), k).expect("sign");
            serde_json::json!({ "entry": String::from_utf8(e).expect("utf8") }).to_string()
        })
        .collect();
    eprintln!("pre-signed {total} sheets in {:.1} s", t0.elapsed().as_secs_f64());

    // Raw single-core Ed25519 verification of the same entries, for the ratio.
    let sample: Vec<testigo_note::SignedNote> = bodies
        .iter()
        .take(20_000)
        .map(|b| {
            let v: serde_json::Value = serde_json::from_str(b).expect("json");
            testigo_note::SignedNote::parse(v["entry"].as_str().expect("entry").as_bytes()).expect("note")
        })
        .collect();
    let t0 = Instant::now();
    let mut ok = 0;
    for (i, n) in sample.iter().enumerate() {
        let sig = &n.signatures()[0];
        if keys[i / per_key].verifier().verify_raw(n.text().as_bytes(), &sig.bytes) {
            ok += 1;
        }
    }
    let raw_rate = ok as f64 / t0.elapsed().as_secs_f64();

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let node = Arc::new(node);
    let limits = Limits { per_key_per_second: 1e9, per_key_burst: 1e9, ..Limits::default() };
    let (accepted, secs) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(testigo_server::serve(listener, node.clone(), limits, async {
            let _ = stop_rx.await;
        }));
        let client = reqwest::Client::builder().pool_max_idle_per_host(in_flight).build()?;
        let url = format!("http://{addr}/v1/submissions");
        let bodies = Arc::new(bodies);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let t0 = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..in_flight {
            let (client, url, bodies, next) = (client.clone(), url.clone(), bodies.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                let mut accepted = 0usize;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let r = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .expect("request");
                    if r.status().as_u16() == 201 {
                        accepted += 1;
                    } else {
                        eprintln!("HTTP {}: {}", r.status(), r.text().await.unwrap_or_default());
                    }
                }
                accepted
            }));
        }
        let mut accepted = 0;
        for w in workers {
            accepted += w.await?;
        }
        let secs = t0.elapsed().as_secs_f64();
        let _ = stop_tx.send(());
        server.await??;
        anyhow::Ok((accepted, secs))
    })?;
    let rate = accepted as f64 / secs;
    println!("accepted {accepted}/{total} signed sheets over HTTP in {secs:.2} s: {rate:.0}/s ({in_flight} in flight)");
    println!(
        "raw single-core Ed25519 verification: {raw_rate:.0}/s; HTTP intake / raw verify = {:.2}",
        rate / raw_rate
    );
    Ok(())
}
