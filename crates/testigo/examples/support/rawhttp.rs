//! A minimal HTTP/1.1 keep-alive client for load generation, as `wrk` is:
//! each request is bytes prepared in advance, each answer is read just far
//! enough to know its status, its body read and dropped. On this 2-core machine the
//! load generator shares the cores with the server it measures, so a lighter
//! client leaves the server more of them; a general client (reqwest) spends
//! several times as much per request building, parsing and pooling.
// A benchmark, not a library: a failed unwrap ends the run with its message, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Each example compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use testigo_server::Node;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How much of an answer's body is kept (for error messages); the rest is
/// read and dropped, as a load generator should: a 72 MB `/v1/tally` kept
/// by each of 64 readers would measure the client's memory, not the server's.
const KEPT: usize = 64 * 1024;

/// Reads `n` bytes, keeping the first of them in `kept` up to [`KEPT`].
async fn skip(stream: &mut BufReader<TcpStream>, mut n: usize, kept: &mut Vec<u8>) -> std::io::Result<()> {
    while n > 0 {
        let buf = stream.fill_buf().await?;
        if buf.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed in a body"));
        }
        let take = buf.len().min(n);
        let room = KEPT.saturating_sub(kept.len()).min(take);
        kept.extend_from_slice(&buf[..room]);
        stream.consume(take);
        n -= take;
    }
    Ok(())
}

/// One keep-alive connection; it reconnects when the server closes it.
pub struct Conn {
    addr: SocketAddr,
    stream: Option<BufReader<TcpStream>>,
    line: Vec<u8>,
    body: Vec<u8>,
    etag: Option<String>,
}

/// `GET path`, asking for gzip as browsers do.
pub fn get(addr: SocketAddr, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\n\r\n").into_bytes()
}

/// `GET path` for a reader holding the answer tagged `etag`, as browsers and
/// CDNs revalidate what they hold.
pub fn get_if_none_match(addr: SocketAddr, path: &str, etag: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\nIf-None-Match: {etag}\r\n\r\n")
        .into_bytes()
}

/// `POST path` with a JSON body.
pub fn post_json(addr: SocketAddr, path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl Conn {
    /// A connection to `addr`, opened on first use.
    pub fn new(addr: SocketAddr) -> Conn {
        Conn { addr, stream: None, line: Vec::new(), body: Vec::new(), etag: None }
    }

    /// Sends `request` and reads the whole answer: its status code, and
    /// its body (kept until the next request).
    pub async fn send(&mut self, request: &[u8]) -> std::io::Result<u16> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.addr).await?;
            s.set_nodelay(true)?;
            self.stream = Some(BufReader::with_capacity(64 * 1024, s));
        }
        let result = self.exchange(request).await;
        if !matches!(result, Ok((_, true))) {
            self.stream = None;
        }
        result.map(|(status, _)| status)
    }

    /// The ETag of the last answer, if it had one.
    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// The body of the last answer (its first 64 KiB).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// One request and answer; also whether the connection may be reused.
    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<(u16, bool)> {
        let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
        let stream = self.stream.as_mut().expect("connected");
        stream.get_mut().write_all(request).await?;
        self.line.clear();
        stream.read_until(b'\n', &mut self.line).await?;
        let status = std::str::from_utf8(&self.line)
            .ok()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| bad("no status line"))?;
        let (mut length, mut chunked, mut keep) = (None, false, true);
        self.etag = None;
        loop {
            self.line.clear();
            if stream.read_until(b'\n', &mut self.line).await? == 0 {
                return Err(bad("connection closed in the headers"));
            }
            let header = std::str::from_utf8(&self.line).map_err(|_| bad("header not UTF-8"))?.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else { continue };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().map_err(|_| bad("content-length"))?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("etag") {
                self.etag = Some(value.to_string());
            } else if name.eq_ignore_ascii_case("connection") {
                keep = !value.eq_ignore_ascii_case("close");
            }
        }
        self.body.clear();
        if chunked {
            loop {
                self.line.clear();
                stream.read_until(b'\n', &mut self.line).await?;
                let size = std::str::from_utf8(&self.line)
                    .ok()
                    .and_then(|l| usize::from_str_radix(l.trim().split(';').next().unwrap_or(""), 16).ok())
                    .ok_or_else(|| bad("chunk size"))?;
                skip(stream, size + 2, &mut self.body).await?;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            skip(stream, n, &mut self.body).await?;
        } else {
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).await?;
            rest.truncate(KEPT);
            self.body = rest;
            keep = false;
        }
        Ok((status, keep))
    }
}

/// `bench::serve_post_and_read` with this module's client instead of reqwest
/// (a reader revalidates an answer that carried an ETag, and counts a 304 as
/// answered): each item is the JSON body of one
/// `POST /v1/submissions`, each read a `GET` asking for gzip. The load
/// generator then takes a smaller share of the cores it shares with the server.
pub fn serve_post_and_read_raw(
    node: Arc<Node>,
    in_flight: usize,
    bodies: Vec<String>,
    readers: usize,
    read_paths: Vec<String>,
) -> anyhow::Result<super::bench::PostAndRead> {
    super::bench::against_loopback_server(node, |addr| async move {
        let requests: Arc<Vec<Vec<u8>>> =
            Arc::new(bodies.iter().map(|b| post_json(addr, "/v1/submissions", b)).collect());
        drop(bodies);
        let reads: Arc<Vec<(String, Vec<u8>)>> =
            Arc::new(read_paths.into_iter().map(|p| (get(addr, &p), p)).map(|(r, p)| (p, r)).collect());
        let next = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut reader_tasks = Vec::new();
        for r in 0..readers {
            let (reads, done) = (reads.clone(), done.clone());
            reader_tasks.push(tokio::spawn(async move {
                let mut conn = Conn::new(addr);
                // What this reader holds, by path, as a conditional request (answers with an ETag).
                let mut held: std::collections::HashMap<usize, Vec<u8>> = std::collections::HashMap::new();
                let (mut ok, mut i) = (0usize, r);
                while !done.load(Ordering::Relaxed) && !reads.is_empty() {
                    let at = i % reads.len();
                    i += readers;
                    let request = held.get(&at).unwrap_or(&reads[at].1);
                    match conn.send(request).await {
                        Ok(200) => {
                            ok += 1;
                            if let Some(etag) = conn.etag() {
                                held.insert(at, get_if_none_match(addr, &reads[at].0, etag));
                            }
                        }
                        Ok(304) => ok += 1,
                        _ => {}
                    }
                }
                ok
            }));
        }
        let t0 = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..in_flight {
            let (requests, next) = (requests.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                let mut conn = Conn::new(addr);
                let mut accepted = 0usize;
                while let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
                    match conn.send(request).await.expect("request") {
                        201 => accepted += 1,
                        status => eprintln!("HTTP {status}: {}", String::from_utf8_lossy(conn.body())),
                    }
                }
                accepted
            }));
        }
        super::bench::collect(workers, t0, &done, reader_tasks).await
    })
}
