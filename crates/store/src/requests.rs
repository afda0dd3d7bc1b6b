//! Enrolment requests waiting for the operator: `D/enrolment-requests/`,
//! one file per key, `<key name>+<key ID as 8 hex digits>.note`, holding the
//! request exactly as its key signed it (ENTRIES.md §6).
//!
//! Requests are not part of the log (the operator's `enrol` entry is what
//! counts), so they live beside the keys in the data directory, also when
//! the log and photos are in object storage. Each file is written whole
//! (a temporary renamed into place, fsynced), so a reader never sees half a
//! request. This module stores bytes; checking them is
//! `testigo_election::decode_request`'s.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The extension of a stored request.
const EXT: &str = ".note";

/// Longest file name written (most file systems allow 255 bytes).
const MAX_FILE_NAME: usize = 240;

/// The directory of pending enrolment requests.
#[derive(Clone, Debug)]
pub struct PendingRequests {
    dir: PathBuf,
}

/// One stored request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRequest {
    /// Its file.
    pub path: PathBuf,
    /// The key name and key ID its file name gives.
    pub key: (String, u32),
    /// The request's bytes.
    pub bytes: Vec<u8>,
}

/// Distinguishes the temporaries of concurrent writers in one process.
static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// A key name as it appears in a file name: bytes other than ASCII letters,
/// digits and `.`, `_`, `-`, `@` are written `%XX` (a key name may hold
/// `/`, which must not make a path).
fn encode_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`encode_name`]; `None` for a name no request file has.
fn decode_name(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file name of the request of key `name`+`key_id`, or why it cannot
/// have one (a name too long for a file name).
pub fn file_name(name: &str, key_id: u32) -> Result<String, String> {
    let file = format!("{}+{key_id:08x}{EXT}", encode_name(name));
    if file.len() > MAX_FILE_NAME {
        return Err(format!(
            "the key name is {} bytes long; a request can be kept only for keys named in at most about 200 bytes: \
             use a shorter key name",
            name.len()
        ));
    }
    Ok(file)
}

/// The key name and ID a request's file name gives; `None` for other files.
pub fn parse_file_name(file: &str) -> Option<(String, u32)> {
    let stem = file.strip_suffix(EXT)?;
    let (name, id) = stem.rsplit_once('+')?;
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((decode_name(name)?, u32::from_str_radix(id, 16).ok()?))
}

impl PendingRequests {
    /// The requests kept in `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        PendingRequests { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the request of key `name`+`key_id` is kept.
    pub fn path(&self, name: &str, key_id: u32) -> Result<PathBuf, String> {
        Ok(self.dir.join(file_name(name, key_id)?))
    }

    /// The stored request of key `name`+`key_id`, if any.
    pub fn get(&self, name: &str, key_id: u32) -> std::io::Result<Option<Vec<u8>>> {
        let Ok(path) = self.path(name, key_id) else { return Ok(None) };
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores the request of key `name`+`key_id`, replacing any earlier one
    /// of that key (only the key itself can sign one), durably: a temporary
    /// written and synced, renamed into place, the directory synced.
    pub fn put(&self, name: &str, key_id: u32, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let dest = self.path(name, key_id).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(
            ".tmp-{}-{}-{key_id:08x}",
            std::process::id(),
            TMP_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &dest)?;
            std::fs::File::open(&self.dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map(|()| dest)
    }

    /// The keys (name, key ID) of every stored request, in no order, without
    /// reading the files: what counting them needs.
    pub fn keys(&self) -> std::io::Result<Vec<(String, u32)>> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry?;
            if let Some(key) = entry.file_name().to_str().and_then(parse_file_name) {
                out.push(key);
            }
        }
        Ok(out)
    }

    /// Every stored request with its bytes, sorted by file name.
    pub fn list(&self) -> std::io::Result<Vec<StoredRequest>> {
        let mut keys = self.keys()?;
        keys.sort();
        let mut out = Vec::with_capacity(keys.len());
        for (name, key_id) in keys {
            let Ok(path) = self.path(&name, key_id) else { continue };
            match std::fs::read(&path) {
                Ok(bytes) => out.push(StoredRequest { path, key: (name, key_id), bytes }),
                // Removed meanwhile: nothing to list.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip_and_never_make_a_path() {
        for name in ["ana.witness.example", "example.com/foo", "..", "a%b", "ñandú", "x@y_z-1"] {
            let file = file_name(name, 0x0123_abcd).unwrap();
            assert!(!file.contains('/') && file != ".." && file.ends_with("+0123abcd.note"), "{file}");
            assert_eq!(parse_file_name(&file), Some((name.to_string(), 0x0123_abcd)), "{file}");
        }
        assert_eq!(file_name("ana.example", 1).unwrap(), "ana.example+00000001.note");
        assert!(file_name(&"n".repeat(300), 1).is_err());
        for other in [".tmp-1-2-00000001", "x+123.note", "x.note", "x+zzzzzzzz.note", "%zz+00000001.note"] {
            assert_eq!(parse_file_name(other), None, "{other}");
        }
    }

    #[test]
    fn requests_are_stored_replaced_listed_and_read() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PendingRequests::new(tmp.path().join("enrolment-requests"));
        assert_eq!(store.list().unwrap(), vec![]);
        assert_eq!(store.get("a.example", 1).unwrap(), None);
        store.put("b.example/x", 2, b"second").unwrap();
        store.put("a.example", 1, b"first").unwrap();
        store.put("a.example", 1, b"first, again").unwrap();
        assert_eq!(store.get("a.example", 1).unwrap().as_deref(), Some(&b"first, again"[..]));
        let listed = store.list().unwrap();
        assert_eq!(
            listed.iter().map(|r| r.key.clone()).collect::<Vec<_>>(),
            vec![("a.example".to_string(), 1), ("b.example/x".to_string(), 2)]
        );
        assert_eq!(listed[1].bytes, b"second");
        // Only request files: no temporaries left behind.
        assert_eq!(std::fs::read_dir(store.dir()).unwrap().count(), 2);
    }
}
