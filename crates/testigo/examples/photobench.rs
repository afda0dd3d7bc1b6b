//! Photo intake over HTTP on loopback: the cost of reading every photo's QR
//! codes at intake (`reading` entries) against storing photos unread, in the
//! same run.
//!
//! Builds two data directories with the Venezuelan 2024 election (geography
//! from the shipped V2 CSV), generates synthetic phone photos of actas (one
//! per sheet, every degradation class of `testigo_scan::corpus` in turn, the
//! code carrying the sheet's own table and counts), pre-signs the sheets,
//! then posts them as multipart uploads to a node that reads photos and to
//! one that does not. Counts only `201 Created` answers.
//!
//! ```sh
//! cargo run --release -p testigo --example photobench -- [PHOTOS] [IN_FLIGHT]
//! ```

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use testigo_datasets::venezuela::{self, Publication};
use testigo_election::{encode_signed, Enrol, Entry, Role, Sheet, Source};
use testigo_note::Signer;
use testigo_scan::corpus::{self, Degradation, SheetKind};
use testigo_server::{DataDir, Limits, Node};

struct Upload {
    entry: String,
    photo: Vec<u8>,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let total: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(600);
    let in_flight: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
    let mut results = Vec::new();
    for read_photos in [false, true] {
        let (r, uploads_len, photo_bytes) = run(total, in_flight, read_photos)?;
        println!(
            "{}: accepted {}/{uploads_len} photo submissions in {:.2} s: {:.1}/s (avg photo {:.0} KiB, {in_flight} in flight)",
            if read_photos { "photos read at intake" } else { "photos stored unread " },
            r.0,
            r.1,
            r.0 as f64 / r.1,
            photo_bytes as f64 / uploads_len as f64 / 1024.0
        );
        results.push(r.0 as f64 / r.1);
    }
    println!("reading / unread throughput = {:.2}", results[1] / results[0]);
    Ok(())
}

/// One phase: returns ((accepted, seconds), submissions, photo bytes).
fn run(total: usize, in_flight: usize, read_photos: bool) -> anyhow::Result<((usize, f64), usize, usize)> {
    let tmp = tempfile::tempdir()?;
    let mut raw = Vec::new();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/venezuela-2024/RESULTADOS_2024_CSV_V2.csv.gz");
    flate2::read::GzDecoder::new(std::fs::File::open(path)?).read_to_end(&mut raw)?;
    let v2 = Publication::parse("RESULTADOS_2024_CSV_V2.csv", &raw)?;

    // The election, its geography and the witnesses, logged directly.
    let dir = DataDir::new(tmp.path().join("d"));
    dir.init("bench.testigo.example/log")?;
    let op = Signer::generate("operator.bench.example")?;
    testigo_server::datadir::write_secret(&dir.operator_key(), &op)?;
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
    let node = Node::open(dir.clone(), Some(Box::new(testigo_server::qr::SheetQr::default())))?;
    for r in node.submit_many(setup, now)? {
        r?;
    }
    let node = if read_photos { node.with_photo_reading(dir.operator()?) } else { node };

    // Card order of the contest, to print each sheet's own counts in its code.
    let def = venezuela::election(&op.verifier().to_vkey());
    let contest = &def.contests[0];
    let cards: Vec<&str> = contest
        .candidates
        .iter()
        .flat_map(|c| c.cards.iter().enumerate().map(move |(i, _)| if i == 0 { c.id.as_str() } else { "" }))
        .collect();
    let tables: Vec<String> = v2.rows.iter().map(venezuela::table_id).collect();
    let t0 = Instant::now();
    let uploads: Vec<Upload> = (0..total)
        .map(|n| {
            let table = tables[(n * 7919) % tables.len()].clone();
            let counts: Vec<String> = cards
                .iter()
                .map(|c| match *c {
                    "EG" => "200".to_string(),
                    "NM" => "100".to_string(),
                    _ => "0".to_string(),
                })
                .collect();
            let code = format!("{table}.1.0001!{}!3!0", counts.join(","));
            let degradation = Degradation::ALL[n % Degradation::ALL.len()];
            let photo = corpus::photo_of(n as u64, SheetKind::VenezuelaActa, &[code], degradation);
            let s = Sheet {
                election: venezuela::ELECTION_ID.into(),
                table,
                contest: venezuela::CONTEST_ID.into(),
                source: Source::Witness,
                votes: [("EG".to_string(), 200), ("NM".to_string(), 100)].into_iter().collect(),
                valid: Some(300),
                null: 3,
                blank: None,
                voters: Some(303),
                registered: None,
                photo_sha256: Some(hex::encode(Sha256::digest(&photo))),
                qr: None,
                dataset: None,
                supersedes: None,
                signed_at: now,
            };
            let e = encode_signed(&Entry::Sheet(s), &keys[n / per_key]).expect("sign");
            Upload { entry: String::from_utf8(e).expect("utf8"), photo }
        })
        .collect();
    let photo_bytes: usize = uploads.iter().map(|u| u.photo.len()).sum();
    eprintln!("made and signed {total} photo sheets in {:.1} s", t0.elapsed().as_secs_f64());

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let node = Arc::new(node);
    let limits = Limits { per_key_per_second: 1e9, per_key_burst: 1e9, ..Limits::default() };
    let uploads_len = uploads.len();
    let result = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(testigo_server::serve(listener, node.clone(), limits, async {
            let _ = stop_rx.await;
        }));
        let client = reqwest::Client::builder().pool_max_idle_per_host(in_flight).build()?;
        let url = format!("http://{addr}/v1/submissions");
        let uploads = Arc::new(uploads);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let t0 = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..in_flight {
            let (client, url, uploads, next) = (client.clone(), url.clone(), uploads.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                let mut accepted = 0usize;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(u) = uploads.get(i) else { break };
                    let form = reqwest::multipart::Form::new()
                        .part("entry", reqwest::multipart::Part::text(u.entry.clone()))
                        .part("photo", reqwest::multipart::Part::bytes(u.photo.clone()).file_name("p.jpg"));
                    let r = client.post(&url).multipart(form).send().await.expect("request");
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
    if read_photos {
        let reg = node.registry();
        let matched = reg
            .sheets()
            .filter(|s| s.photo_qr_check().is_some_and(|c| c.outcome == testigo_election::QrOutcome::Matches))
            .count();
        println!("photo codes read and matching the typed counts: {matched}/{uploads_len}");
    }
    Ok((result, uploads_len, photo_bytes))
}
