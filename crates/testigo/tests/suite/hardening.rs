//! The intake server as an attacker sees it, end to end against the real
//! binary on loopback: forged notes cannot lock a key out, junk cannot grow
//! memory, photos are looked at only after authentication, slow and idle
//! connections are shed, a full disk stops intake cleanly and recovers
//! without a restart, and a rolled-back log refuses to start.
//!
//! Attackers and genuine clients use different loopback source addresses
//! (127.0.0.0/8 is all local), as they would be different hosts.

use crate::common;

use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use testigo_note::Signer;

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(ip.parse::<IpAddr>().unwrap()).build().unwrap()
}

async fn post_from(client: &reqwest::Client, url: &str, entry: &str) -> (u16, Value) {
    let r = client.post(format!("{url}/v1/submissions")).json(&json!({ "entry": entry })).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post_parts(url: &str, parts: &[(&str, Vec<u8>)]) -> (u16, Value) {
    let names: Vec<(&str, usize)> = parts.iter().map(|(n, b)| (*n, b.len())).collect();
    post_parts_or_closed(url, parts)
        .await
        .unwrap_or_else(|| panic!("the server closed the connection before answering a post of {names:?}"))
}

/// [`post_parts`], or `None` if the server closed the connection while the
/// body was still being sent: a server that refuses an entry before reading
/// its photo may answer and close before the client has written it all, and
/// the client then sees a broken pipe instead of the answer.
async fn post_parts_or_closed(url: &str, parts: &[(&str, Vec<u8>)]) -> Option<(u16, Value)> {
    let mut form = reqwest::multipart::Form::new();
    for (name, bytes) in parts {
        form = form.part(name.to_string(), reqwest::multipart::Part::bytes(bytes.clone()).file_name("p"));
    }
    match reqwest::Client::new().post(format!("{url}/v1/submissions")).multipart(form).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            Some((status, r.json().await.unwrap_or(Value::Null)))
        }
        Err(e) if e.is_request() && !e.is_connect() => {
            eprintln!("connection closed while posting: {e:?}");
            None
        }
        Err(e) => panic!("cannot post to {url}: {e}"),
    }
}

/// A genuine signed sheet with its signature bytes replaced: a forgery naming `k`.
fn forged(table: &str, k: &Signer) -> String {
    let genuine = signed(&sheet(table), k);
    let (text, sig_line) = genuine.trim_end().rsplit_once('\n').unwrap();
    let (prefix, b64) = sig_line.rsplit_once(' ').unwrap();
    let mut sig = base64_decode(b64);
    let last = sig.len() - 1;
    sig[last] ^= 0x55;
    format!("{text}\n{prefix} {}\n", base64_encode(&sig))
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn setup(tables_per_centre: u32) -> (tempfile::TempDir, PathBuf, Signer, Vec<Signer>) {
    let tmp = tempfile::tempdir().unwrap();
    let op = key("operator.test.example", 1);
    let dir = init_election(tmp.path(), &op, tables_per_centre);
    let witnesses: Vec<Signer> = (0..4).map(|i| key(&format!("w{i}.test.example"), 10 + i)).collect();
    for w in &witnesses {
        enroll(&dir, w, "witness", None, &[]);
    }
    (tmp, dir, op, witnesses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_notes_neither_lock_out_a_witness_nor_the_operator() {
    let (tmp, dir, op, w) = setup(4);
    let server = Server::start(&dir, &[]);
    let attacker = client_from("127.0.0.2");
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    // Past the per-key burst (200) for each victim: forged notes naming the witness and the operator.
    for i in 0..500u32 {
        let victim = if i % 2 == 0 { &w[0] } else { &op };
        let (st, body) = post_from(&attacker, &server.url, &forged(&table_id(1, 1, 1), victim)).await;
        assert!(st == 401 || st == 429, "forgery {i}: HTTP {st} {body}");
        *statuses.entry(st).or_default() += 1;
    }
    // The attacker's address is cut off after its burst of failures, without parsing.
    assert!(statuses.get(&429).copied().unwrap_or(0) > 100, "{statuses:?}");

    // The witness, from its own address, is not locked out.
    let genuine = client_from("127.0.0.1");
    let (st, body) = post_from(&genuine, &server.url, &signed(&sheet(&table_id(1, 1, 1)), &w[0])).await;
    assert_eq!(st, 201, "the witness was locked out by forgeries naming its key: {body}");
    // Nor is the operator: enrolling and revoking through the server still work.
    let okey = write_key(tmp.path(), &op);
    let newcomer = key("late.test.example", 60);
    run_ok(&[
        "enroll",
        "--server",
        &server.url,
        "--operator-key",
        okey.to_str().unwrap(),
        "--key",
        &newcomer.verifier().to_vkey(),
        "--role",
        "witness",
        "--holder",
        "Late",
        "--organisation",
        "Observers",
    ]);
    run_ok(&[
        "revoke",
        "--server",
        &server.url,
        "--operator-key",
        okey.to_str().unwrap(),
        "--key",
        &w[3].verifier().to_vkey(),
        "--reason",
        "phone stolen",
    ]);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_junk_note_flood_leaves_memory_flat() {
    let (_tmp, dir, _op, w) = setup(2);
    let server = Server::start(&dir, &[]);
    let pid = server.child.id();
    // Warm up the allocator and the runtime with genuine traffic.
    let (st, _) = post_from(&client_from("127.0.0.1"), &server.url, &signed(&sheet(&table_id(1, 1, 1)), &w[0])).await;
    assert_eq!(st, 201);
    let before = rss_kib(pid);
    // 3,000 notes naming 120 KB signers that do not exist, from 60 addresses
    // (each stays under its failure burst, so every note is parsed).
    let name = "n".repeat(120_000);
    let junk =
        format!("testigo/v1 sheet\n{{}}\n\n\u{2014} {name} AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    let flood = |round: u32| {
        let (junk, url) = (junk.clone(), server.url.clone());
        async move {
            let mut tasks = Vec::new();
            for a in 0..60u32 {
                let (junk, url) = (junk.clone(), url.clone());
                tasks.push(tokio::spawn(async move {
                    let c = client_from(&format!("127.0.{}.{}", round + 1, a + 1));
                    let mut answered = 0;
                    for _ in 0..50 {
                        let (st, _) = post_from(&c, &url, &junk).await;
                        assert!((400..500).contains(&st), "junk got HTTP {st}");
                        answered += 1;
                    }
                    answered
                }));
            }
            let mut answered = 0;
            for t in tasks {
                answered += t.await.unwrap();
            }
            assert_eq!(answered, 3_000);
        }
    };
    flood(0).await;
    // A second flood before measuring: how many bodies are in flight at once
    // depends on what else the machine runs, so one flood's peak may stay
    // below a later one's; two establish the pages the allocator keeps.
    flood(1).await;
    let first = rss_kib(pid);
    flood(2).await;
    let after = rss_kib(pid);
    let mib = |from: u64, to: u64| to.saturating_sub(from) / 1024;
    eprintln!(
        "RSS before {before} KiB, after 6,000 junk notes {first} KiB (+{} MiB), after 3,000 more {after} KiB (+{} MiB)",
        mib(before, first),
        mib(first, after)
    );
    // The allocator keeps the pages the floods' peak used (60 bodies of
    // 120 KB in flight, and their copies) for reuse, so the first floods may
    // raise RSS once; nothing a junk note leaves behind may accumulate, so a
    // third flood of the same size must not raise it again.
    assert!(mib(before, after) < 100, "RSS grew by {} MiB under three junk-note floods", mib(before, after));
    assert!(mib(first, after) < 16, "RSS grew by {} MiB more in a third, identical flood", mib(first, after));
    server.stop();
}

/// A noisy RGB PNG of about `bytes` bytes (noise does not compress).
fn noisy_png(bytes: usize) -> Vec<u8> {
    let side = ((bytes / 3) as f64).sqrt() as u32;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let img = image::RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn with_photo(table: &str, photo: &[u8]) -> testigo_election::Sheet {
    let mut s = sheet(table);
    s.photo_sha256 = Some(hex::encode(Sha256::digest(photo)));
    s
}

/// Every file in the photo store, staging included.
fn blob_files(dir: &Path) -> Vec<String> {
    let blobs = testigo_store::DataDir::new(dir).blobs();
    files_under(&blobs).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn photos_are_looked_at_only_after_authentication_and_the_limits_hold() {
    let (_tmp, dir, _op, w) = setup(4);
    let server = Server::start(&dir, &[]);
    let photo = noisy_png(5_000_000);
    assert!(photo.len() > 4_900_000, "{}", photo.len());
    let hash = hex::encode(Sha256::digest(&photo));

    // A forged sheet with a photo: refused, and the photo is neither stored nor served.
    let sheet1 = with_photo(&table_id(1, 1, 1), &photo);
    let good = signed(&sheet1, &w[0]);
    let bad = good.replacen("\"null\":5", "\"null\":6", 1);
    // Refused before the photo is read: the answer, or a connection closed mid-upload.
    if let Some((st, body)) =
        post_parts_or_closed(&server.url, &[("entry", bad.into_bytes()), ("photo", photo.clone())]).await
    {
        assert_eq!((st, body["error"].as_str()), (401, Some("bad_signature")), "{body}");
    }
    let served = reqwest::get(format!("{}/blob/sha256/{hash}", server.url)).await.unwrap();
    assert_eq!(served.status().as_u16(), 404);
    assert!(blob_files(&dir).is_empty(), "a refused photo was kept: {:?}", blob_files(&dir));

    // A huge canvas in a tiny file is refused from its header, before decoding.
    let huge = huge_png(16_000, 16_000);
    assert!(huge.len() < 2_000);
    let sheet2 = with_photo(&table_id(1, 1, 2), &huge);
    let (st, body) =
        post_parts(&server.url, &[("entry", signed(&sheet2, &w[0]).into_bytes()), ("photo", huge.clone())]).await;
    assert_eq!((st, body["error"].as_str()), (413, Some("photo_too_large")), "{body}");
    assert!(blob_files(&dir).is_empty());

    // A 5 MB photo (over axum's 2 MiB default) is accepted and served byte for byte.
    let (st, body) = post_parts(&server.url, &[("entry", good.clone().into_bytes()), ("photo", photo.clone())]).await;
    assert_eq!(st, 201, "{body}");
    let served = reqwest::get(format!("{}/blob/sha256/{hash}", server.url)).await.unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), photo.as_slice());

    // Over the documented 10 MiB: refused by size.
    let big = noisy_png(10 * 1024 * 1024 + 200_000);
    let sheet3 = with_photo(&table_id(1, 1, 3), &big);
    let blobs_before = blob_files(&dir);
    let mut form = reqwest::multipart::Form::new();
    for (name, bytes) in [("entry", signed(&sheet3, &w[1]).into_bytes()), ("photo", big)] {
        form = form.part(name, reqwest::multipart::Part::bytes(bytes).file_name("p"));
    }
    match reqwest::Client::new().post(format!("{}/v1/submissions", server.url)).multipart(form).send().await {
        Ok(r) => {
            let st = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            assert_eq!((st, body["error"].as_str()), (413, Some("body_too_large")), "{body}");
        }
        // The server answers 413 as soon as the declared length is over the
        // limit and closes; on a loaded machine the client may still be
        // writing the body and see the connection closed instead of the
        // answer. Either way the upload was refused: nothing may be stored.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e:?}"),
    }
    assert_eq!(blob_files(&dir), blobs_before, "a refused upload was stored");

    // A sheet naming a photo nobody uploaded is refused; one naming a stored photo is fine.
    let missing = with_photo(&table_id(1, 1, 4), b"never uploaded");
    let (st, body) = post_from(&reqwest::Client::new(), &server.url, &signed(&missing, &w[1])).await;
    assert_eq!((st, body["error"].as_str()), (422, Some("photo_missing")), "{body}");
    let (st, body) = post_from(&reqwest::Client::new(), &server.url, &signed(&sheet1, &w[1])).await;
    assert_eq!(st, 201, "a second witness citing a stored photo: {body}");

    // Strict parsing: JSON only as application/json, one entry part, at most one photo.
    let entry = signed(&sheet(&table_id(1, 2, 1)), &w[2]);
    let r = reqwest::Client::new()
        .post(format!("{}/v1/submissions", server.url))
        .header("content-type", "text/plain")
        .body(json!({ "entry": entry }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let (st, body) =
        post_parts(&server.url, &[("entry", entry.clone().into_bytes()), ("entry", entry.clone().into_bytes())]).await;
    assert_eq!((st, body["error"].as_str()), (400, Some("bad_request")), "{body}");
    // Refused at the second photo part, before it is read: the answer, or a
    // connection closed while the client was still sending it.
    let photo_entry = signed(&sheet1, &w[2]);
    let parts = [("entry", photo_entry.into_bytes()), ("photo", photo.clone()), ("photo", photo.clone())];
    if let Some((st, body)) = post_parts_or_closed(&server.url, &parts).await {
        assert_eq!((st, body["error"].as_str()), (400, Some("bad_request")), "{body}");
    }
    assert_eq!(blob_files(&dir).len(), 1, "only the one accepted photo is stored");
    server.stop();
}

/// Opens a connection from address `from`; with `partial`, sends the start
/// of a request and never finishes its headers (slowloris), else nothing.
async fn slow_connection(from: &str, to: std::net::SocketAddr, partial: bool) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let stream = socket.connect(to).await.unwrap().into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    let mut s = stream;
    if partial {
        // The server may already have closed it (over the cap): that is fine here.
        let _ = s.write_all(b"POST /v1/submissions HTTP/1.1\r\nHost: x\r\n");
    }
    s
}

/// Whether the server closed `s` (a read returns end of file or an error within `wait`).
fn closed_by_server(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 512];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // an error response, then the close
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                return false
            }
            Err(_) => return true,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_idle_connections_are_shed_while_clients_are_served() {
    let (_tmp, dir, _op, w) = setup(4);
    let server = Server::start(
        &dir,
        &["--header-timeout", "3", "--max-connections-per-client", "64", "--per-key-burst", "1000"],
    );
    let addr: std::net::SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    // 200 slowloris connections from one address: 64 are held until the header timeout, the rest closed at once.
    let mut conns = Vec::new();
    for _ in 0..200 {
        conns.push(slow_connection("127.0.0.2", addr, true).await);
    }
    // Idle connections from other addresses, which never send a byte.
    let mut idle = Vec::new();
    for i in 0..100 {
        idle.push(slow_connection(&format!("127.0.2.{}", i + 1), addr, false).await);
    }
    // Meanwhile a genuine witness is served.
    let genuine = client_from("127.0.0.1");
    for t in 1..=4 {
        for (i, k) in w.iter().enumerate().take(2) {
            let (st, body) = post_from(&genuine, &server.url, &signed(&sheet(&table_id(1 + i as u32, 1, t)), k)).await;
            assert_eq!(st, 201, "{body}");
        }
    }
    let started = Instant::now();
    let mut closed_at_once = 0;
    for s in conns.iter_mut().skip(64) {
        if closed_by_server(s, Duration::from_millis(200)) {
            closed_at_once += 1;
        }
    }
    assert!(closed_at_once >= 130, "only {closed_at_once} of 136 connections over the per-client cap were closed");
    // Every held connection is closed by the header timeout (3 s), well before 12 s.
    for (i, s) in conns.iter_mut().take(64).chain(idle.iter_mut()).enumerate() {
        let left = Duration::from_secs(12).saturating_sub(started.elapsed()).max(Duration::from_millis(10));
        assert!(closed_by_server(s, left), "slow connection {i} still open after {:?}", started.elapsed());
    }
    server.stop();
}

#[test]
fn a_rolled_back_log_is_refused_at_start() {
    let (_tmp, dir, _op, w) = setup(4);
    let server = Server::start(&dir, &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let post = |t: u32| {
        rt.block_on(post_from(&reqwest::Client::new(), &server.url, &signed(&sheet(&table_id(1, 1, t)), &w[0])))
    };
    assert_eq!(post(1).0, 201);
    let old_checkpoint = std::fs::read(dir.join("log/checkpoint")).unwrap();
    assert_eq!(post(2).0, 201);
    assert_eq!(post(3).0, 201);
    server.stop();

    // Someone copies the older, genuine checkpoint over the served one.
    std::fs::write(dir.join("log/checkpoint"), &old_checkpoint).unwrap();
    let out = bin()
        .args(["serve", "--dir", dir.to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a rolled-back log was served");
    assert!(stderr.contains("rolled back") && stderr.contains("log.high-water"), "{stderr}");

    // Deliberate recovery, as the message says: delete the high-water mark.
    std::fs::remove_file(dir.join("log.high-water")).unwrap();
    let server = Server::start(&dir, &[]);
    server.stop();
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", at.to_str().unwrap()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").args(["-l", self.0.to_str().unwrap()]).status();
    }
}

fn checkpoint_size(url: &str) -> u64 {
    let text = reqwest::blocking::get(format!("{url}/checkpoint")).unwrap().text().unwrap();
    text.lines().nth(1).unwrap().parse().unwrap()
}

/// Fills the file system holding `dir` until a write fails, then frees `keep` bytes.
fn fill(dir: &Path, keep: u64) -> PathBuf {
    let filler = dir.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![7u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
    let len = f.metadata().unwrap().len();
    f.set_len(len.saturating_sub(keep)).unwrap();
    filler
}

#[test]
fn a_full_disk_stops_intake_cleanly_and_it_recovers_without_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(_mount) = Tmpfs::mount(&tmp.path().join("mnt"), "24m") else {
        eprintln!("SKIPPED: mounting a tmpfs needs root (CI runs as root)");
        return;
    };
    let root = tmp.path().join("mnt");
    let op = key("operator.test.example", 1);
    let dir = init_election(&root, &op, 40);
    let witnesses: Vec<Signer> = (0..8).map(|i| key(&format!("w{i}.test.example"), 10 + i)).collect();
    for k in &witnesses {
        enroll(&dir, k, "witness", None, &[]);
    }
    // The server logs every request to a stderr that cannot be written (/dev/full):
    // logging must never take it down.
    let mut child = bin()
        .args(["serve", "--dir", dir.to_str().unwrap(), "--addr", "127.0.0.1:0", "--per-key-burst", "1000"])
        .env("TESTIGO_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap())
        .spawn()
        .unwrap();
    let url = {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().unwrap().unwrap();
            if let Some(rest) = line.strip_prefix("serving on ") {
                break rest.trim().to_string();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        url
    };
    let filler = fill(&root, 96 * 1024);

    // Submit until storage fails: every request gets an answer.
    let client = reqwest::blocking::Client::new();
    let mut acknowledged: Vec<(u64, String)> = Vec::new();
    let mut unavailable = 0;
    'outer: for t in 1..=40u32 {
        for (s, k) in witnesses.iter().enumerate() {
            let state = 1 + (s as u32 % 2);
            let entry = signed(&sheet(&table_id(state, 1 + (t % 5), 1 + t / 5)), k);
            let r = client.post(format!("{url}/v1/submissions")).json(&json!({ "entry": entry })).send();
            let r = r.expect("the server dropped a request without an answer");
            let status = r.status().as_u16();
            let retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            let body: Value = r.json().unwrap();
            match status {
                201 => acknowledged.push((body["index"].as_u64().unwrap(), entry)),
                409 => {}
                503 => {
                    assert_eq!(body["error"], "unavailable", "{body}");
                    assert!(retry_after.is_some(), "503 without Retry-After");
                    let message = body["message"].as_str().unwrap();
                    assert!(!message.contains(root.to_str().unwrap()), "the message leaks a path: {message}");
                    unavailable += 1;
                    if unavailable >= 5 {
                        break 'outer;
                    }
                }
                other => panic!("unexpected HTTP {other}: {body}"),
            }
        }
    }
    assert!(unavailable >= 5, "the disk never filled ({} acknowledged)", acknowledged.len());

    // While failed, the derived state is the log's: nothing beyond the checkpoint.
    std::thread::sleep(Duration::from_millis(500));
    let size = checkpoint_size(&url);
    let tally: Value = client.get(format!("{url}/v1/tally")).send().unwrap().json().unwrap();
    assert_eq!(tally["log_size"].as_u64(), Some(size), "the state ran ahead of the log");
    // Everything acknowledged is durable, byte for byte.
    let log = log_entries(&dir);
    for (index, entry) in &acknowledged {
        assert!(*index < size, "acknowledged index {index} is beyond the checkpoint ({size})");
        assert_eq!(log[*index as usize], entry.as_bytes(), "entry {index} differs from what was acknowledged");
    }

    // Space comes back: intake resumes without a restart.
    std::fs::remove_file(&filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let resumed = loop {
        let entry = signed(&sheet(&table_id(2, 5, 9)), &witnesses[7]);
        let r = client.post(format!("{url}/v1/submissions")).json(&json!({ "entry": entry })).send().unwrap();
        match r.status().as_u16() {
            201 | 409 => break true,
            503 if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(250)),
            _ => break false,
        }
    };
    assert!(resumed, "intake did not resume after space was freed");
    // The published tally may lag a growing log by a rebuild (at most every
    // 2 s): wait until it covers the whole checkpoint.
    let size = checkpoint_size(&url);
    let deadline = Instant::now() + Duration::from_secs(20);
    let recovered = loop {
        let text = client.get(format!("{url}/v1/tally")).send().unwrap().text().unwrap();
        let covers: Value = serde_json::from_str(&text).unwrap();
        if covers["log_size"].as_u64() == Some(size) || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();

    // The recovered state equals the state rebuilt from disk by a fresh start.
    let server = Server::start(&dir, &[]);
    let rebuilt = client.get(format!("{}/v1/tally", server.url)).send().unwrap().text().unwrap();
    assert_eq!(recovered, rebuilt, "state after recovery differs from a replay of the log");
    run_ok(&["verify", &server.url, "--key", dir.join("log.vkey").to_str().unwrap(), "--no-state"]);
    server.stop();
}
