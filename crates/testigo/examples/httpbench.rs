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
// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/bench.rs"]
mod bench;

use std::sync::Arc;
use std::time::Instant;

use testigo_election::{encode_signed, Entry};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let total: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60_000);
    let in_flight: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(512);
    let bench::BenchElection { _tmp, node, keys, per_key, tables, now, .. } = bench::setup(total, false)?;

    // Pre-signed sheets: key i takes tables [i*per_key, (i+1)*per_key) modulo the tables.
    let t0 = Instant::now();
    let bodies: Vec<String> = (0..total)
        .map(|n| {
            let k = &keys[n / per_key];
            let s = bench::sheet(&tables[n % tables.len()], now);
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

    let (accepted, secs) = bench::serve_and_post(Arc::new(node), in_flight, bodies, |client, url, body| {
        client.post(url).header("content-type", "application/json").body(body.clone())
    })?;
    let rate = accepted as f64 / secs;
    println!("accepted {accepted}/{total} signed sheets over HTTP in {secs:.2} s: {rate:.0}/s ({in_flight} in flight)");
    println!(
        "raw single-core Ed25519 verification: {raw_rate:.0}/s; HTTP intake / raw verify = {:.2}",
        rate / raw_rate
    );
    Ok(())
}
