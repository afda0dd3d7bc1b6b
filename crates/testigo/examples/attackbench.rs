//! A genuine witness client's intake rate while the server is attacked, and
//! the server's memory after a junk flood, against the real `testigo serve`
//! binary on loopback.
//!
//! 1. Undisturbed: one genuine client (127.0.0.1) posts signed sheets with
//!    `IN_FLIGHT` requests at a time; sheets per second accepted.
//! 2. Attacked: the same client posts as many more sheets while attackers
//!    keep 2,000 idle connections open (reconnecting whenever the server
//!    sheds one) and send 1,000 forged notes per second naming the genuine
//!    witnesses' keys, from 250 other loopback addresses. Ratio to (1).
//! 3. Junk flood: 100,000 unauthenticated notes (1 KB, one in a hundred
//!    with a 120 KB signer name) from 1,000 addresses; the server's RSS
//!    before and after.
//!
//! ```sh
//! cargo build --release && cargo run --release -p testigo --example attackbench -- [SHEETS] [IN_FLIGHT]
//! ```
// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/bench.rs"]
mod bench;

use std::io::BufRead;
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use testigo_election::{encode_signed, Entry};

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn client_from(ip: IpAddr, pool: usize) -> reqwest::Client {
    reqwest::Client::builder().local_address(ip).pool_max_idle_per_host(pool).build().expect("client")
}

/// Posts `bodies` with `in_flight` at a time from 127.0.0.1; returns (accepted, seconds).
async fn post_all(url: &str, bodies: Vec<String>, in_flight: usize) -> (usize, f64) {
    let client = client_from("127.0.0.1".parse().expect("ip"), in_flight);
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..in_flight {
        let (client, url, bodies, next) = (client.clone(), url.to_string(), bodies.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut accepted = 0;
            while let Some(b) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
                let r = client.post(&url).header("content-type", "application/json").body(b.clone()).send().await;
                match r {
                    Ok(r) if r.status().as_u16() == 201 => accepted += 1,
                    Ok(r) => eprintln!("genuine sheet refused: HTTP {}", r.status()),
                    Err(e) => eprintln!("genuine request failed: {e}"),
                }
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for w in workers {
        accepted += w.await.unwrap_or(0);
    }
    (accepted, t0.elapsed().as_secs_f64())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let per_phase: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let in_flight: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(64);
    let total = per_phase * 2;
    let bench::BenchElection { _tmp, dir, node, keys, per_key, tables, now, .. } = bench::setup(total, false)?;
    node.shutdown();
    drop(node);
    let sheet = |n: usize| {
        let s = bench::sheet(&tables[n % tables.len()], now);
        let e = encode_signed(&Entry::Sheet(s), &keys[n / per_key]).expect("sign");
        String::from_utf8(e).expect("utf8")
    };
    let bodies: Vec<String> =
        (0..total).map(|n| serde_json::json!({ "entry": sheet(n) }).to_string()).collect::<Vec<_>>();
    // Forgeries: genuine sheets for other tables with one count changed after signing.
    let forgeries: Vec<String> = (0..2_000)
        .map(|n| {
            let forged = sheet(n).replacen("\"null\":3", "\"null\":4", 1);
            serde_json::json!({ "entry": forged }).to_string()
        })
        .collect();

    let exe = std::env::current_exe()?;
    let bin = exe.parent().and_then(|p| p.parent()).map(|p| p.join("testigo")).expect("target dir");
    let mut child = Command::new(&bin)
        .args(["serve", "--dir", dir.root().to_str().expect("utf8"), "--addr", "127.0.0.1:0"])
        .args(["--per-key-rate", "1000000", "--per-key-burst", "1000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("starting {} (run `cargo build --release` first): {e}", bin.display()))?;
    let pid = child.id();
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let base = loop {
        let line = lines.next().expect("server exited")?;
        if let Some(rest) = line.strip_prefix("serving on ") {
            break rest.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let url = format!("{base}/v1/submissions");
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse()?;

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let mut bodies = bodies;
        let second = bodies.split_off(per_phase);
        let (a0, s0) = post_all(&url, bodies, in_flight).await;
        let r0 = a0 as f64 / s0;
        println!("undisturbed: {a0}/{per_phase} sheets in {s0:.2} s: {r0:.0}/s");

        // Attackers: 2,000 idle connections from 20 addresses (100 each), kept open.
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(AtomicUsize::new(0));
        let mut attackers = Vec::new();
        for i in 0..2_000usize {
            let (stop, open) = (stop.clone(), open.clone());
            let from: IpAddr = format!("127.0.3.{}", 1 + i % 20).parse().expect("ip");
            attackers.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(sock) = tokio::net::TcpSocket::new_v4() else { break };
                    if sock.bind((from, 0).into()).is_err() {
                        break;
                    }
                    let Ok(mut s) = sock.connect(addr).await else {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    open.fetch_add(1, Ordering::Relaxed);
                    let mut buf = [0u8; 64];
                    // Held until the server closes it (header timeout) or the bench ends.
                    let _ = tokio::time::timeout(Duration::from_secs(120), tokio::io::AsyncReadExt::read(&mut s, &mut buf))
                        .await;
                    open.fetch_sub(1, Ordering::Relaxed);
                }
            }));
        }
        // 1,000 forged notes per second from 250 addresses.
        let forged_sent = Arc::new(AtomicUsize::new(0));
        {
            let (stop, sent) = (stop.clone(), forged_sent.clone());
            let forgeries = Arc::new(forgeries);
            let url = url.clone();
            attackers.push(tokio::spawn(async move {
                let clients: Vec<reqwest::Client> =
                    (0..250).map(|i| client_from(format!("127.0.4.{}", 1 + i).parse().expect("ip"), 4)).collect();
                let mut tick = tokio::time::interval(Duration::from_millis(10));
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    for _ in 0..10 {
                        let (c, body, url, sent) =
                            (clients[n % 250].clone(), forgeries[n % forgeries.len()].clone(), url.clone(), sent.clone());
                        tokio::spawn(async move {
                            if c.post(url).header("content-type", "application/json").body(body).send().await.is_ok() {
                                sent.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                        n += 1;
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let idle_before = open.load(Ordering::Relaxed);
        let forged_before = forged_sent.load(Ordering::Relaxed);
        let (a1, s1) = post_all(&url, second, in_flight).await;
        let r1 = a1 as f64 / s1;
        let forged_rate = (forged_sent.load(Ordering::Relaxed) - forged_before) as f64 / s1;
        println!(
            "attacked ({idle_before} idle connections open, {forged_rate:.0} forged notes/s answered): \
             {a1}/{per_phase} sheets in {s1:.2} s: {r1:.0}/s; attacked / undisturbed = {:.2}",
            r1 / r0
        );
        stop.store(true, Ordering::Relaxed);
        for a in attackers {
            a.abort();
        }

        // Junk flood: 100,000 unauthenticated notes from 1,000 addresses.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = rss_mib(pid);
        let small = serde_json::json!({
            "entry": format!("testigo/v1 sheet\n{{}}\n\n\u{2014} {} AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "j".repeat(900))
        })
        .to_string();
        let large = serde_json::json!({
            "entry": format!("testigo/v1 sheet\n{{}}\n\n\u{2014} {} AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "J".repeat(120_000))
        })
        .to_string();
        let (small, large) = (Arc::new(small), Arc::new(large));
        let next = Arc::new(AtomicUsize::new(0));
        let t0 = Instant::now();
        let mut flood = Vec::new();
        for w in 0..64usize {
            let (next, small, large, url) = (next.clone(), small.clone(), large.clone(), url.clone());
            flood.push(tokio::spawn(async move {
                let clients: Vec<reqwest::Client> = (0..16)
                    .map(|i| {
                        let a = w * 16 + i;
                        client_from(format!("127.0.{}.{}", 5 + a / 250, 1 + a % 250).parse().expect("ip"), 1)
                    })
                    .collect();
                let mut answered = 0usize;
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= 100_000 {
                        break;
                    }
                    let body = if n % 100 == 0 { large.as_str() } else { small.as_str() };
                    let r = clients[n % 16]
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await;
                    if r.is_ok() {
                        answered += 1;
                    }
                }
                answered
            }));
        }
        let mut answered = 0;
        for f in flood {
            answered += f.await.unwrap_or(0);
        }
        let after = rss_mib(pid);
        println!(
            "junk flood: {answered}/100000 answered in {:.1} s; server RSS {before:.1} MiB before, {after:.1} MiB \
             after ({:+.1} MiB)",
            t0.elapsed().as_secs_f64(),
            after - before
        );
        anyhow::Ok(())
    })?;
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = child.wait();
    Ok(())
}
