//! The witness: verifies add-checkpoint requests against its remembered
//! checkpoint per log, cosigns, persists, and keeps evidence of forks.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use testigo_note::{NoteError, SignedNote, Signer, Verifier, ALG_COSIGNATURE_V1};
use testigo_tlog::proof::verify_consistency;
use testigo_tlog::{Checkpoint, EMPTY_ROOT};

use crate::request::AddCheckpointRequest;

/// Errors opening a witness (configuration or state problems).
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The witness key is not a cosignature (type 0x04) key.
    #[error("the witness key {0} is not a cosignature key (type 0x04); generate one with `testigo witness init`")]
    NotCosignerKey(String),
    /// A log is configured twice or with no key.
    #[error("bad log configuration for {origin:?}: {why}")]
    BadLogConfig {
        /// The origin.
        origin: String,
        /// What is wrong.
        why: String,
    },
    /// Reading or writing the state directory failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A stored checkpoint no longer verifies with the configured log keys.
    #[error(
        "stored checkpoint {path} is invalid: {why}; restore it from a backup or remove it to start over for that log"
    )]
    BadState {
        /// The file.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

/// Why an add-checkpoint request was refused; each maps to the HTTP status the spec requires.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// Malformed request or checkpoint, or old size above the new size (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The checkpoint's origin is not a log this witness watches (404).
    #[error("unknown log origin {0:?}: this witness is not configured for it")]
    UnknownOrigin(String),
    /// No valid signature from the log's key, or a bad one (403).
    #[error("checkpoint signature: {0}")]
    Forbidden(String),
    /// `old` does not match the witness's latest size (409, body = that size).
    #[error("old size does not match: the witness's latest checkpoint for this log has size {0}")]
    Conflict(u64),
    /// A bad proof, a fork (same size, another root) or an invalid empty tree (422).
    #[error("refused: {0}")]
    Unprocessable(String),
    /// The witness could not persist its state (500).
    #[error("internal error: {0}")]
    Internal(String),
}

impl AddError {
    /// The HTTP status code c2sp.org/tlog-witness prescribes for this refusal.
    pub fn status(&self) -> u16 {
        match self {
            AddError::BadRequest(_) => 400,
            AddError::UnknownOrigin(_) => 404,
            AddError::Forbidden(_) => 403,
            AddError::Conflict(_) => 409,
            AddError::Unprocessable(_) => 422,
            AddError::Internal(_) => 500,
        }
    }
}

/// A log the witness watches: its origin line and the key(s) that sign its checkpoints.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// The checkpoint origin line.
    pub origin: String,
    /// Verifier keys of the log (any one valid signature suffices).
    pub keys: Vec<Verifier>,
}

impl LogConfig {
    /// A log whose origin is its key's name (the testigo convention).
    pub fn from_key(key: Verifier) -> Self {
        LogConfig { origin: key.name().to_string(), keys: vec![key] }
    }
}

struct LogState {
    config: LogConfig,
    /// Latest cosigned checkpoint (body) and the note as stored (log signature + our cosignature).
    latest: Option<(Checkpoint, Vec<u8>)>,
}

/// A witness: its cosigning key, the logs it watches, and a state directory
/// holding the latest cosigned checkpoint of each log and evidence of misbehaviour.
pub struct Witness {
    signer: Signer,
    state_dir: PathBuf,
    logs: HashMap<String, Mutex<LogState>>,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness").field("key", &self.signer).field("state_dir", &self.state_dir).finish()
    }
}

/// The lowercase hex SHA-256 of an origin line: the witness's per-log file and URL name.
pub fn origin_hash(origin: &str) -> String {
    hex::encode(Sha256::digest(origin.as_bytes()))
}

fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> WitnessError + 'a {
    move |source| WitnessError::Io { op, path: path.to_path_buf(), source }
}

/// Writes a file atomically (temporary file, fsync, rename, fsync of the directory).
fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), WitnessError> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io("create directory", dir))?;
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp).map_err(io("create", &tmp))?;
    f.write_all(bytes).map_err(io("write", &tmp))?;
    f.sync_all().map_err(io("fsync", &tmp))?;
    drop(f);
    fs::rename(&tmp, dest).map_err(io("rename into", dest))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(io("fsync directory", dir))
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Witness {
    /// Opens a witness with its cosigning key, the logs it watches, and its
    /// state directory (created if needed; previous state is loaded and re-verified).
    pub fn open(signer: Signer, logs: Vec<LogConfig>, state_dir: impl Into<PathBuf>) -> Result<Self, WitnessError> {
        if signer.algorithm() != ALG_COSIGNATURE_V1 {
            return Err(WitnessError::NotCosignerKey(signer.verifier().to_vkey()));
        }
        let state_dir = state_dir.into();
        fs::create_dir_all(state_dir.join("checkpoints")).map_err(io("create directory", &state_dir))?;
        let mut map = HashMap::new();
        for config in logs {
            let bad = |why: &str| WitnessError::BadLogConfig { origin: config.origin.clone(), why: why.to_string() };
            if config.keys.is_empty() {
                return Err(bad("no verifier key"));
            }
            if map.contains_key(&config.origin) {
                return Err(bad("configured twice"));
            }
            let path = state_dir.join("checkpoints").join(origin_hash(&config.origin));
            let latest = match fs::read(&path) {
                Ok(bytes) => {
                    let bad_state = |why: String| WitnessError::BadState { path: path.clone(), why };
                    let note = SignedNote::parse(&bytes).map_err(|e| bad_state(e.to_string()))?;
                    note.verify(&config.keys).map_err(|e| bad_state(e.to_string()))?;
                    let cp = Checkpoint::parse(note.text()).map_err(|e| bad_state(e.to_string()))?;
                    if cp.origin != config.origin {
                        return Err(bad_state(format!("origin {:?} is not {:?}", cp.origin, config.origin)));
                    }
                    Some((cp, bytes))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(io("read", &path)(e)),
            };
            map.insert(config.origin.clone(), Mutex::new(LogState { config, latest }));
        }
        Ok(Witness { signer, state_dir, logs: map })
    }

    /// The witness's verifier key (type 0x04), to give to verifiers.
    pub fn verifier(&self) -> Verifier {
        self.signer.verifier()
    }

    /// The latest cosigned checkpoint of a log (log signature and this witness's cosignature), if any.
    pub fn latest(&self, origin: &str) -> Option<Vec<u8>> {
        let state = self.logs.get(origin)?.lock().ok()?;
        state.latest.as_ref().map(|(_, b)| b.clone())
    }

    /// The latest cosigned checkpoint of the log whose origin hashes to `hash` (the monitoring API).
    pub fn latest_by_hash(&self, hash: &str) -> Option<Vec<u8>> {
        let origin = self.logs.keys().find(|o| origin_hash(o) == hash)?;
        self.latest(origin)
    }

    /// Handles an add-checkpoint request body: on success returns the
    /// cosignature line(s), each ending in a newline, after persisting the
    /// new checkpoint. Checking `old` and persisting happen under the log's
    /// lock, so two requests cannot both advance from the same state.
    pub fn add_checkpoint(&self, body: &[u8]) -> Result<Vec<u8>, AddError> {
        let req = AddCheckpointRequest::parse(body).map_err(|e| AddError::BadRequest(e.to_string()))?;
        let note = SignedNote::parse(&req.checkpoint).map_err(|e| AddError::BadRequest(e.to_string()))?;
        let cp = Checkpoint::parse(note.text()).map_err(|e| AddError::BadRequest(e.to_string()))?;
        let slot = self.logs.get(&cp.origin).ok_or_else(|| AddError::UnknownOrigin(cp.origin.clone()))?;
        let mut state = slot.lock().map_err(|_| AddError::Internal("log state lock poisoned".into()))?;
        match note.verify(&state.config.keys) {
            Ok(_) => {}
            Err(e @ (NoteError::BadSignature { .. } | NoteError::UnknownSigners { .. })) => {
                return Err(AddError::Forbidden(e.to_string()))
            }
            Err(e) => return Err(AddError::BadRequest(e.to_string())),
        }
        if req.old_size > cp.size {
            return Err(AddError::BadRequest(format!(
                "old size {} is above the checkpoint size {}",
                req.old_size, cp.size
            )));
        }
        let current = state.latest.as_ref().map(|(c, _)| c.size).unwrap_or(0);
        if req.old_size != current {
            return Err(AddError::Conflict(current));
        }
        if cp.size == 0 && cp.root != EMPTY_ROOT {
            return Err(AddError::Unprocessable("a checkpoint of size 0 must have the empty tree's root".into()));
        }
        if req.old_size == 0 {
            if !req.proof.is_empty() {
                return Err(AddError::Unprocessable("the proof must be empty when old is 0".into()));
            }
        } else if let Some((old, old_bytes)) = &state.latest {
            let check = if old.size == cp.size {
                if !req.proof.is_empty() {
                    Err("the proof must be empty when the sizes are equal".to_string())
                } else if old.root != cp.root {
                    Err(format!("fork: a checkpoint of size {} with another root was cosigned before", cp.size))
                } else {
                    Ok(())
                }
            } else {
                verify_consistency(old.size, cp.size, &old.root, &cp.root, &req.proof)
                    .map_err(|e| format!("consistency proof from size {} to {} fails: {e}", old.size, cp.size))
            };
            if let Err(why) = check {
                // The checkpoint is validly signed by the log, so an inconsistent
                // one is evidence of a split view: keep it (best effort).
                if let Err(e) = self.keep_evidence(&cp.origin, old_bytes, &req.checkpoint, body, &why) {
                    tracing::error!(error = %e, origin = %cp.origin, "cannot write evidence");
                }
                tracing::warn!(origin = %cp.origin, %why, "refused an inconsistent checkpoint");
                return Err(AddError::Unprocessable(why));
            }
        }
        // Cosign. Keep only the log's own signatures in the stored note, plus ours.
        let mut stored = SignedNote::new(note.text()).map_err(|e| AddError::BadRequest(e.to_string()))?;
        for s in note.signatures() {
            if state.config.keys.iter().any(|k| k.name() == s.name && k.key_id() == s.key_id) {
                stored.push(s.clone());
            }
        }
        let timestamp = now_unix().max(1);
        stored.sign_cosignature(&self.signer, timestamp).map_err(|e| AddError::Internal(e.to_string()))?;
        let line = stored
            .signatures()
            .iter()
            .rev()
            .find(|s| s.name == self.signer.name() && s.key_id == self.signer.key_id())
            .map(|s| format!("{}\n", s.to_line()))
            .ok_or_else(|| AddError::Internal("cosignature missing after signing".into()))?;
        let bytes = stored.to_bytes();
        let path = self.state_dir.join("checkpoints").join(origin_hash(&cp.origin));
        write_atomic(&path, &bytes).map_err(|e| AddError::Internal(e.to_string()))?;
        state.latest = Some((cp, bytes));
        Ok(line.into_bytes())
    }

    /// Writes the conflicting checkpoints and the request to
    /// `<state>/evidence/<origin hash>/<time>-<n>/`; returns that directory.
    fn keep_evidence(
        &self,
        origin: &str,
        witnessed: &[u8],
        submitted: &[u8],
        request: &[u8],
        why: &str,
    ) -> Result<PathBuf, WitnessError> {
        let base = self.state_dir.join("evidence").join(origin_hash(origin));
        fs::create_dir_all(&base).map_err(io("create directory", &base))?;
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let mut n = 0u32;
        let dir = loop {
            let d = base.join(format!("{stamp}-{n}"));
            match fs::create_dir(&d) {
                Ok(()) => break d,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(io("create directory", &d)(e)),
            }
        };
        write_atomic(&dir.join("witnessed.checkpoint"), witnessed)?;
        write_atomic(&dir.join("submitted.checkpoint"), submitted)?;
        write_atomic(&dir.join("request"), request)?;
        write_atomic(&dir.join("reason.txt"), format!("origin: {origin}\n{why}\n").as_bytes())?;
        Ok(dir)
    }

    /// The directory where evidence of inconsistent checkpoints is kept.
    pub fn evidence_dir(&self) -> PathBuf {
        self.state_dir.join("evidence")
    }
}
