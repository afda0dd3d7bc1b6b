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
// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/bench.rs"]
mod bench;

use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use testigo_datasets::venezuela;
use testigo_election::{encode_signed, Entry, Sheet};
use testigo_scan::corpus::{self, Degradation, SheetKind};

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
    let bench::BenchElection { _tmp, dir, node, op, keys, per_key, tables, now } = bench::setup(total, true)?;
    let node = if read_photos { node.with_photo_reading(dir.operator()?) } else { node };

    // Card order of the contest, to print each sheet's own counts in its code.
    let def = venezuela::election(&op.verifier().to_vkey());
    let contest = &def.contests[0];
    let cards: Vec<&str> = contest
        .candidates
        .iter()
        .flat_map(|c| c.cards.iter().enumerate().map(move |(i, _)| if i == 0 { c.id.as_str() } else { "" }))
        .collect();
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
            let s = Sheet { photo_sha256: Some(hex::encode(Sha256::digest(&photo))), ..bench::sheet(&table, now) };
            let e = encode_signed(&Entry::Sheet(s), &keys[n / per_key]).expect("sign");
            Upload { entry: String::from_utf8(e).expect("utf8"), photo }
        })
        .collect();
    let photo_bytes: usize = uploads.iter().map(|u| u.photo.len()).sum();
    eprintln!("made and signed {total} photo sheets in {:.1} s", t0.elapsed().as_secs_f64());

    let node = Arc::new(node);
    let uploads_len = uploads.len();
    let result = bench::serve_and_post(node.clone(), in_flight, uploads, |client, url, u| {
        let form = reqwest::multipart::Form::new()
            .part("entry", reqwest::multipart::Part::text(u.entry.clone()))
            .part("photo", reqwest::multipart::Part::bytes(u.photo.clone()).file_name("p.jpg"));
        client.post(url).multipart(form)
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
