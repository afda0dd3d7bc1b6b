//! Where a log copy is read from: a local directory laid out as the URL
//! paths, or an http(s) base URL of any static copy.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use testigo_tlog::reader::{Fetch, ReadError};

/// The largest object fetched over HTTP: a full entry bundle (256 entries of
/// at most 64 KiB) or a photo (at most 10 MiB) fits; a server sending more is
/// refused rather than filling memory.
pub const MAX_OBJECT_BYTES: u64 = 17 * 1024 * 1024;
use testigo_tlog::storage::StorageError;

/// Why an object could not be fetched (as opposed to being absent).
#[derive(Debug, thiserror::Error)]
#[error("cannot fetch {location}: {why}")]
pub struct FetchError {
    /// The full location (file path or URL).
    pub location: String,
    /// The cause, after retries.
    pub why: String,
}

enum Kind {
    Dir(PathBuf),
    Http {
        base: String,
        client: reqwest::blocking::Client,
    },
    /// Any log storage backend (object storage, say), named by `label` in messages.
    Storage {
        storage: std::sync::Arc<dyn testigo_tlog::storage::Storage>,
        label: String,
    },
}

/// A log copy to read: a directory or an http(s) base URL. Fetches are
/// blocking and thread-safe; the verifier runs several at once.
pub struct Source {
    kind: Kind,
    retries: u32,
    bytes: AtomicU64,
    fetches: AtomicU64,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Source({})", self.describe())
    }
}

impl Source {
    /// A log copy in a local directory (the directory that holds `checkpoint` and `tile/`).
    pub fn dir(path: impl Into<PathBuf>) -> Self {
        Source { kind: Kind::Dir(path.into()), retries: 0, bytes: AtomicU64::new(0), fetches: AtomicU64::new(0) }
    }

    /// A log copy served at `base` (e.g. `https://example.org/log/`); requests time out after
    /// `timeout` and transient failures (network errors, 5xx, 429) are retried `retries` times.
    pub fn http(base: &str, timeout: Duration, retries: u32) -> Result<Self, FetchError> {
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("testigo-verify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError { location: base.to_string(), why: e.to_string() })?;
        let base = format!("{}/", base.trim_end_matches('/'));
        Ok(Source { kind: Kind::Http { base, client }, retries, bytes: AtomicU64::new(0), fetches: AtomicU64::new(0) })
    }

    /// A log copy read through a storage backend (e.g. a bucket opened by
    /// `testigo-objstore`); `label` names it in messages (`s3://bucket/prefix`).
    pub fn storage(storage: std::sync::Arc<dyn testigo_tlog::storage::Storage>, label: impl Into<String>) -> Self {
        let label = format!("{}/", label.into().trim_end_matches('/'));
        Source {
            kind: Kind::Storage { storage, label },
            retries: 0,
            bytes: AtomicU64::new(0),
            fetches: AtomicU64::new(0),
        }
    }

    /// Parses a command-line SOURCE: an `http://` or `https://` URL, otherwise a directory path.
    pub fn parse(s: &str) -> Result<Self, FetchError> {
        if s.starts_with("http://") || s.starts_with("https://") {
            Self::http(s, Duration::from_secs(60), 4)
        } else {
            let p = PathBuf::from(s);
            if !p.is_dir() {
                return Err(FetchError {
                    location: s.to_string(),
                    why: "not a directory (give the log directory holding `checkpoint`, or an http(s) URL)".into(),
                });
            }
            Ok(Self::dir(p))
        }
    }

    /// Whether this is a remote (HTTP) source: more fetches in flight help there.
    pub fn is_remote(&self) -> bool {
        matches!(self.kind, Kind::Http { .. } | Kind::Storage { .. })
    }

    /// Where the source is, for messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Dir(p) => p.display().to_string(),
            Kind::Http { base, .. } => base.clone(),
            Kind::Storage { label, .. } => label.clone(),
        }
    }

    /// The full location of `path` in this source, for messages.
    pub fn location(&self, path: &str) -> String {
        match &self.kind {
            Kind::Dir(p) => p.join(path).display().to_string(),
            Kind::Http { base, .. } => format!("{base}{path}"),
            Kind::Storage { label, .. } => format!("{label}{path}"),
        }
    }

    /// Total bytes fetched so far.
    pub fn bytes_fetched(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Total objects fetched so far.
    pub fn objects_fetched(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Fetches the object at a C2SP `path` (e.g. `tile/0/000`); `Ok(None)` if it does not exist.
    pub fn get(&self, path: &str) -> Result<Option<Vec<u8>>, FetchError> {
        if path.is_empty() || path.starts_with('/') || path.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
            return Err(FetchError { location: path.to_string(), why: "not a log object path".into() });
        }
        let got = match &self.kind {
            Kind::Dir(root) => {
                let p = root.join(path);
                match std::fs::read(&p) {
                    Ok(b) => Some(b),
                    Err(e)
                        if e.kind() == std::io::ErrorKind::NotFound
                            || e.kind() == std::io::ErrorKind::NotADirectory =>
                    {
                        None
                    }
                    Err(e) => return Err(FetchError { location: p.display().to_string(), why: e.to_string() }),
                }
            }
            Kind::Http { base, client } => self.get_http(client, &format!("{base}{path}"))?,
            Kind::Storage { storage, label } => {
                storage.read(path).map_err(|e| FetchError { location: format!("{label}{path}"), why: e.to_string() })?
            }
        };
        if let Some(b) = &got {
            self.bytes.fetch_add(b.len() as u64, Ordering::Relaxed);
            self.fetches.fetch_add(1, Ordering::Relaxed);
        }
        Ok(got)
    }

    fn get_http(&self, client: &reqwest::blocking::Client, url: &str) -> Result<Option<Vec<u8>>, FetchError> {
        let mut attempt = 0u32;
        loop {
            let err = match client.get(url).send() {
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        let too_big = || FetchError {
                            location: url.to_string(),
                            why: format!(
                                "the server sent more than {MAX_OBJECT_BYTES} bytes, more than any log object or \
                                 photo can be: refusing it"
                            ),
                        };
                        if resp.content_length().is_some_and(|n| n > MAX_OBJECT_BYTES) {
                            return Err(too_big());
                        }
                        let mut body = Vec::new();
                        match std::io::Read::read_to_end(
                            &mut std::io::Read::take(resp, MAX_OBJECT_BYTES + 1),
                            &mut body,
                        ) {
                            Ok(_) if body.len() as u64 > MAX_OBJECT_BYTES => return Err(too_big()),
                            Ok(_) => return Ok(Some(body)),
                            Err(e) => format!("reading the body: {e}"),
                        }
                    } else if status == reqwest::StatusCode::NOT_FOUND {
                        return Ok(None);
                    } else if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                        format!("HTTP {status}")
                    } else {
                        return Err(FetchError { location: url.to_string(), why: format!("HTTP {status}") });
                    }
                }
                Err(e) => e.to_string(),
            };
            if attempt >= self.retries {
                return Err(FetchError {
                    location: url.to_string(),
                    why: format!("{err} (after {} attempts)", attempt + 1),
                });
            }
            // Exponential backoff: 100 ms, 200 ms, 400 ms, ...
            std::thread::sleep(Duration::from_millis(100u64 << attempt.min(6)));
            attempt += 1;
        }
    }
}

impl Fetch for Source {
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, ReadError> {
        self.get(path).map_err(|e| {
            ReadError::Storage(StorageError::Io {
                op: "fetch",
                path: PathBuf::from(e.location),
                source: std::io::Error::other(e.why),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// Serves one response with a body of `len` bytes, announced or not.
    fn serve_once(len: u64, announce: bool) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut conn, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let head = if announce {
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
                } else {
                    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_string()
                };
                let _ = conn.write_all(head.as_bytes());
                let chunk = vec![0x41u8; 64 * 1024];
                let mut sent = 0;
                while sent < len {
                    let n = chunk.len().min((len - sent) as usize);
                    if conn.write_all(&chunk[..n]).is_err() {
                        break;
                    }
                    sent += n as u64;
                }
            }
        });
        format!("http://{addr}/")
    }

    #[test]
    fn oversized_http_objects_are_refused() {
        for announce in [true, false] {
            let source = Source::parse(&serve_once(MAX_OBJECT_BYTES + 10, announce)).unwrap();
            let err = source.get("blob/sha256/aa").unwrap_err();
            assert!(err.why.contains("more than"), "{err:?}");
        }
        let source = Source::parse(&serve_once(1000, false)).unwrap();
        assert_eq!(source.get("tile/0/000").unwrap().map(|b| b.len()), Some(1000));
    }
}
