//! What a verifier remembers per log between runs: the last checkpoint it
//! verified and the right edge of that tree, in `<state dir>/<sha256(origin)>.json`.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use testigo_note::Verifier;
use testigo_tlog::checkpoint;
use testigo_tlog::hash::{from_base64, to_base64, Hash};

use crate::edge::Edge;

#[derive(serde::Serialize, serde::Deserialize)]
struct StateFile {
    origin: String,
    size: u64,
    root: String,
    /// The checkpoint note as served when it was verified (with its cosignatures).
    checkpoint: String,
    /// Right-edge hashes per tile level, base64.
    edge: Vec<Vec<String>>,
}

/// The remembered state of one log.
#[derive(Clone, Debug)]
pub struct Remembered {
    /// Tree size verified.
    pub size: u64,
    /// Its root.
    pub root: Hash,
    /// The checkpoint note verified.
    pub checkpoint: Vec<u8>,
    /// The right edge of that tree.
    pub edge: Edge,
}

/// The state file of the log with key `log_key` in `dir`. A log is its
/// origin *and* its key: a log rebuilt under the same name with a new key
/// (a rebuilt demo) is another log, with its own state, not a fork of the
/// old one.
pub fn state_path(dir: &Path, log_key: &Verifier) -> PathBuf {
    dir.join(format!("{}.json", hex::encode(Sha256::digest(log_key.to_vkey().as_bytes()))))
}

/// Loads and checks the remembered state: the stored checkpoint must verify
/// with `log_key` and the stored edge must hash to its root.
pub fn load(dir: &Path, log_key: &Verifier) -> Result<Option<Remembered>, String> {
    let path = state_path(dir, log_key);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let bad = |why: String| format!("{}: {why}; delete the file to verify this log from scratch", path.display());
    let f: StateFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let opened = checkpoint::open(f.checkpoint.as_bytes(), log_key, &[]).map_err(|e| bad(e.to_string()))?;
    let root = from_base64(&f.root).ok_or_else(|| bad("root is not base64".into()))?;
    if opened.checkpoint.size != f.size || opened.checkpoint.root != root || f.origin != opened.checkpoint.origin {
        return Err(bad("the stored checkpoint does not match the stored size and root".into()));
    }
    let mut levels = Vec::new();
    for l in &f.edge {
        let mut hashes = Vec::new();
        for h in l {
            hashes.push(from_base64(h).ok_or_else(|| bad("edge hash is not base64".into()))?);
        }
        levels.push(hashes);
    }
    let edge = Edge { size: f.size, levels };
    if !edge.is_well_formed() || edge.root() != root {
        return Err(bad("the stored right edge does not hash to the stored root".into()));
    }
    Ok(Some(Remembered { size: f.size, root, checkpoint: f.checkpoint.into_bytes(), edge }))
}

/// Stores the state atomically (temporary file, fsync, rename, fsync of the directory).
pub fn save(dir: &Path, log_key: &Verifier, r: &Remembered) -> Result<(), String> {
    let f = StateFile {
        origin: log_key.name().to_string(),
        size: r.size,
        root: to_base64(&r.root),
        checkpoint: String::from_utf8_lossy(&r.checkpoint).into_owned(),
        edge: r.edge.levels.iter().map(|l| l.iter().map(to_base64).collect()).collect(),
    };
    let json = serde_json::to_vec_pretty(&f).map_err(|e| e.to_string())?;
    write_atomic(&state_path(dir, log_key), &json)
}

/// Writes a file atomically and durably.
pub(crate) fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let err = |op: &str, p: &Path, e: std::io::Error| format!("{op} {}: {e}", p.display());
    fs::create_dir_all(dir).map_err(|e| err("create directory", dir, e))?;
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut file =
        OpenOptions::new().write(true).create(true).truncate(true).open(&tmp).map_err(|e| err("create", &tmp, e))?;
    file.write_all(bytes).map_err(|e| err("write", &tmp, e))?;
    file.sync_all().map_err(|e| err("fsync", &tmp, e))?;
    drop(file);
    fs::rename(&tmp, dest).map_err(|e| err("rename into", dest, e))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| err("fsync directory", dir, e))
}
