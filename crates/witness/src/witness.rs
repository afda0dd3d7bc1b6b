//! The witness: verifies add-checkpoint requests against its remembered
//! checkpoint per log, cosigns, persists, and keeps evidence of forks.
//!
//! # State directory
//!
//! ```text
//! <state>/checkpoints/<origin hash>            latest cosigned checkpoint (log signature + our cosignature)
//! <state>/history/<origin hash>/<size>         the last MAX_HISTORY_CHECKPOINTS cosigned checkpoints, by size
//! <state>/evidence/<origin hash>/<record>/     one record per provably inconsistent checkpoint
//!     submitted.checkpoint                     the conflicting checkpoint, with only the log's signatures
//!     witnessed.checkpoint                     the cosigned checkpoint it contradicts
//!     request                                  (proof records only) old size, proof and submitted checkpoint
//!     reason.txt                               origin and a one-line explanation
//! <state>/evidence/<origin hash>/dropped       how many records were not written (decimal), if any
//! ```
//!
//! `<origin hash>` is [`origin_hash`]; `<record>` is the lowercase hex SHA-256
//! of the submitted checkpoint's text (the part the log signs), so the same
//! conflicting checkpoint submitted again — by the log or by anyone replaying
//! it, with or without extra signature lines — writes nothing new. A record
//! is written into a hidden temporary directory and renamed into place, so it
//! is either complete or absent.
//!
//! # What counts as evidence
//!
//! Only checkpoints whose log signature verifies are considered, and only
//! when the data itself proves a split view, so that a third party holding
//! the log's key can check the record without trusting the witness:
//!
//! - **same size, other root**: the witness cosigned a checkpoint of exactly
//!   this size (its latest, or one still in its history) with another root.
//!   This covers smaller checkpoints too, as far back as the history reaches.
//! - **proof of another prefix**: the request's consistency proof, from an
//!   old size the witness cosigned (not a power of two) to the submitted
//!   size, hashes up to the submitted root, but the prefix root it commits
//!   to differs from the one the witness cosigned at the old size.
//!
//! A consistency proof that simply fails is not evidence (the log may have
//! sent a wrong proof, and anyone can replay a signed checkpoint with junk
//! lines), so it is refused and logged but not kept. Neither is anything
//! whose log signature is missing or does not verify.
//!
//! # Bounds
//!
//! At most [`MAX_EVIDENCE_RECORDS`] records are kept per log, each at most
//! [`MAX_EVIDENCE_RECORD_BYTES`]. When the quota is full the earliest records
//! stay (the first proof of a fork is what matters) and each further record
//! is dropped: counted in the `dropped` file (see [`Witness::evidence_dropped`])
//! and logged at error level. Records are only written for checkpoints the
//! log signed, so a replay cannot create new ones; the bound protects the
//! disk from a misbehaving log. The history keeps the last
//! [`MAX_HISTORY_CHECKPOINTS`] cosigned checkpoints per log, pruned by size.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use testigo_note::{NoteError, SignedNote, Signer, Verifier, ALG_COSIGNATURE_V1};
use testigo_tlog::hash::Hash;
use testigo_tlog::proof::verify_consistency;
use testigo_tlog::{Checkpoint, EMPTY_ROOT};

use crate::request::AddCheckpointRequest;

/// The most evidence records kept per log; later ones are counted and logged, not written.
pub const MAX_EVIDENCE_RECORDS: usize = 64;

/// The most bytes one evidence record may hold (all its files together).
///
/// The HTTP interface accepts request bodies of at most 64 KiB, so a record
/// built from one (the submitted checkpoint twice, the proof, and a cosigned
/// checkpoint that itself came from such a body) always fits; a larger record
/// can only come from a direct [`Witness::add_checkpoint`] call and is dropped.
pub const MAX_EVIDENCE_RECORD_BYTES: usize = 256 * 1024;

/// How many cosigned checkpoints per log the witness keeps under
/// `history/` to recognise a smaller checkpoint with another root as a fork.
pub const MAX_HISTORY_CHECKPOINTS: usize = 1024;

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
    /// [`origin_hash`] of the origin: the per-log file and directory name.
    hash: String,
    /// Latest cosigned checkpoint (body) and the note as stored (log signature + our cosignature).
    latest: Option<(Checkpoint, Vec<u8>)>,
    /// Sizes of the cosigned checkpoints under `history/<hash>/`.
    history: BTreeSet<u64>,
    /// Evidence records under `evidence/<hash>/`.
    evidence_records: usize,
    /// Evidence records not written (quota full or too large), as in `evidence/<hash>/dropped`.
    evidence_dropped: u64,
}

/// A proven inconsistency between a submitted checkpoint and one the witness cosigned.
struct Fork {
    /// The cosigned note it contradicts, as stored.
    witnessed: Vec<u8>,
    /// For a proof record: the request's old size and proof.
    proof: Option<(u64, Vec<Hash>)>,
    /// One line for `reason.txt` and the log.
    why: String,
}

/// A witness: its cosigning key, the logs it watches, and a state directory
/// holding the latest cosigned checkpoint of each log, a bounded history of
/// earlier ones, and bounded evidence of misbehaviour (see the module docs).
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

/// The names of the entries of `dir` (none if it does not exist), skipping hidden (temporary) ones.
fn visible_entries(dir: &Path) -> Result<Vec<(String, bool)>, WitnessError> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read directory", dir)(e)),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(io("read directory", dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            out.push((name, entry.path().is_dir()));
        }
    }
    Ok(out)
}

/// The note with only the signatures of `keys` (name and key ID), in order.
/// Called on verified notes, so these are the log's valid signatures.
fn log_signed_only(note: &SignedNote, keys: &[Verifier]) -> Result<SignedNote, NoteError> {
    let mut out = SignedNote::new(note.text())?;
    for s in note.signatures() {
        if keys.iter().any(|k| k.name() == s.name && k.key_id() == s.key_id) {
            out.push(s.clone());
        }
    }
    Ok(out)
}

/// The old and new roots a consistency proof from `size1` to `size2` hashes
/// up to (RFC 9162 §2.1.4.2 with the old root left open), or `None` if the
/// proof has the wrong length or `size1` is a power of two (the proof then
/// omits the old root, which the verifier supplies, so it commits to none).
///
/// If the new root is a root the log signed, the old root is the root of
/// that tree's first `size1` leaves (by collision resistance of the hash).
fn proof_roots(size1: u64, size2: u64, proof: &[Hash]) -> Option<(Hash, Hash)> {
    if size1.is_power_of_two() {
        return None;
    }
    testigo_tlog::proof::consistency_path_roots(size1, size2, proof)
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
            let hash = origin_hash(&config.origin);
            let path = state_dir.join("checkpoints").join(&hash);
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
            // History entries are named by size; anything else there is ignored.
            let history = visible_entries(&state_dir.join("history").join(&hash))?
                .into_iter()
                .filter_map(|(name, _)| name.parse::<u64>().ok().filter(|n| n.to_string() == name))
                .collect();
            let evidence = state_dir.join("evidence").join(&hash);
            let evidence_records = visible_entries(&evidence)?.into_iter().filter(|(_, dir)| *dir).count();
            let evidence_dropped = match fs::read_to_string(evidence.join("dropped")) {
                Ok(s) => s.trim().parse().unwrap_or(0),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => return Err(io("read", &evidence.join("dropped"))(e)),
            };
            let mut state = LogState { config, hash, latest, history, evidence_records, evidence_dropped };
            prune_history(&state_dir, &mut state);
            map.insert(state.config.origin.clone(), Mutex::new(state));
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
    ///
    /// A checkpoint signed by the log that provably contradicts one this
    /// witness cosigned is kept as evidence (see the module docs) whatever
    /// the answer: 422 when `old` is right, or the 400 or 409 the spec
    /// prescribes for a wrong `old` (e.g. a fork smaller than the latest).
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
        // From here on the checkpoint is signed by the log.
        let submitted = log_signed_only(&note, &state.config.keys).map_err(|e| AddError::BadRequest(e.to_string()))?;
        if let Some(fork) = self.find_fork(&state, &req, &cp) {
            tracing::warn!(origin = %cp.origin, why = %fork.why, "the log signed a checkpoint inconsistent with one this witness cosigned");
            if let Err(e) = self.keep_evidence(&mut state, &submitted, &fork) {
                tracing::error!(error = %e, origin = %cp.origin, "cannot write evidence");
            }
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
        } else if let Some((old, _)) = &state.latest {
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
                tracing::warn!(origin = %cp.origin, %why, "refused an inconsistent checkpoint");
                return Err(AddError::Unprocessable(why));
            }
        }
        // Cosign. Keep only the log's own signatures in the stored note, plus ours.
        let mut stored = submitted;
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
        // History first: an entry whose latest write then fails is still a
        // log-signed checkpoint proven consistent with the witness's state.
        let entry = self.state_dir.join("history").join(&state.hash).join(cp.size.to_string());
        write_atomic(&entry, &bytes).map_err(|e| AddError::Internal(e.to_string()))?;
        state.history.insert(cp.size);
        prune_history(&self.state_dir, &mut state);
        let path = self.state_dir.join("checkpoints").join(&state.hash);
        write_atomic(&path, &bytes).map_err(|e| AddError::Internal(e.to_string()))?;
        state.latest = Some((cp, bytes));
        Ok(line.into_bytes())
    }

    /// The cosigned checkpoint of exactly `size` this witness still holds
    /// (its latest or a history entry), re-verified with the log's keys.
    fn witnessed_at(&self, state: &LogState, size: u64) -> Option<(Checkpoint, Vec<u8>)> {
        if let Some((c, b)) = &state.latest {
            if c.size == size {
                return Some((c.clone(), b.clone()));
            }
        }
        if !state.history.contains(&size) {
            return None;
        }
        let path = self.state_dir.join("history").join(&state.hash).join(size.to_string());
        let load = || -> Result<(Checkpoint, Vec<u8>), String> {
            let bytes = fs::read(&path).map_err(|e| e.to_string())?;
            let note = SignedNote::parse(&bytes).map_err(|e| e.to_string())?;
            note.verify(&state.config.keys).map_err(|e| e.to_string())?;
            let cp = Checkpoint::parse(note.text()).map_err(|e| e.to_string())?;
            if cp.origin != state.config.origin || cp.size != size {
                return Err(format!("holds {:?} size {}", cp.origin, cp.size));
            }
            Ok((cp, bytes))
        };
        load().map_err(|why| tracing::warn!(path = %path.display(), %why, "ignoring a bad history entry")).ok()
    }

    /// Whether the (log-signed) checkpoint provably contradicts one this witness cosigned.
    fn find_fork(&self, state: &LogState, req: &AddCheckpointRequest, cp: &Checkpoint) -> Option<Fork> {
        if let Some((w, bytes)) = self.witnessed_at(state, cp.size) {
            if w.root != cp.root {
                let why = format!("fork: the witness cosigned size {} with another root", cp.size);
                return Some(Fork { witnessed: bytes, proof: None, why });
            }
        }
        let old = req.old_size;
        let (fr, sr) = proof_roots(old, cp.size, &req.proof)?;
        let (w, bytes) = self.witnessed_at(state, old)?;
        (sr == cp.root && fr != w.root).then(|| Fork {
            witnessed: bytes,
            proof: Some((old, req.proof.clone())),
            why: format!(
                "fork: the proof shows the tree of size {} has another root at size {old} than the one the witness cosigned",
                cp.size
            ),
        })
    }

    /// Writes an evidence record for `submitted` (a note carrying only the
    /// log's verified signatures) unless one exists; returns the directory
    /// written, or `None` if it already existed or the record was dropped.
    fn keep_evidence(
        &self,
        state: &mut LogState,
        submitted: &SignedNote,
        fork: &Fork,
    ) -> Result<Option<PathBuf>, WitnessError> {
        let base = self.evidence_dir().join(&state.hash);
        let key = hex::encode(Sha256::digest(submitted.text().as_bytes()));
        let dir = base.join(&key);
        if dir.try_exists().map_err(io("check", &dir))? {
            return Ok(None);
        }
        let origin = state.config.origin.clone();
        let submitted = submitted.to_bytes();
        let mut files = vec![
            ("submitted.checkpoint", submitted.clone()),
            ("witnessed.checkpoint", fork.witnessed.clone()),
            ("reason.txt", format!("origin: {origin}\n{}\n", fork.why).into_bytes()),
        ];
        if let Some((old_size, proof)) = &fork.proof {
            let req = AddCheckpointRequest { old_size: *old_size, proof: proof.clone(), checkpoint: submitted };
            files.push(("request", req.to_bytes()));
        }
        let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
        if state.evidence_records >= MAX_EVIDENCE_RECORDS || bytes > MAX_EVIDENCE_RECORD_BYTES {
            state.evidence_dropped += 1;
            let dropped = state.evidence_dropped;
            tracing::error!(
                %origin, record = %key, bytes, kept = state.evidence_records, dropped,
                "evidence record dropped: the log's quota of {MAX_EVIDENCE_RECORDS} records is full or the record exceeds {MAX_EVIDENCE_RECORD_BYTES} bytes"
            );
            write_atomic(&base.join("dropped"), format!("{dropped}\n").as_bytes())?;
            return Ok(None);
        }
        let tmp = base.join(format!(".{key}.tmp"));
        match fs::remove_dir_all(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("remove", &tmp)(e)),
        }
        fs::create_dir_all(&tmp).map_err(io("create directory", &tmp))?;
        for (name, content) in &files {
            write_atomic(&tmp.join(name), content)?;
        }
        fs::rename(&tmp, &dir).map_err(io("rename into", &dir))?;
        File::open(&base).and_then(|d| d.sync_all()).map_err(io("fsync directory", &base))?;
        state.evidence_records += 1;
        tracing::warn!(%origin, dir = %dir.display(), "kept evidence of a fork");
        Ok(Some(dir))
    }

    /// The directory where evidence of inconsistent checkpoints is kept
    /// (`<state>/evidence`, one subdirectory per [`origin_hash`]).
    pub fn evidence_dir(&self) -> PathBuf {
        self.state_dir.join("evidence")
    }

    /// How many evidence records for a log were not written because its
    /// quota of [`MAX_EVIDENCE_RECORDS`] was full or a record exceeded
    /// [`MAX_EVIDENCE_RECORD_BYTES`] (each refused submission counts, since
    /// dropped records are not remembered); `None` for an unknown origin.
    pub fn evidence_dropped(&self, origin: &str) -> Option<u64> {
        Some(self.logs.get(origin)?.lock().ok()?.evidence_dropped)
    }
}

/// Removes the smallest history entries beyond [`MAX_HISTORY_CHECKPOINTS`] (best effort).
fn prune_history(state_dir: &Path, state: &mut LogState) {
    while state.history.len() > MAX_HISTORY_CHECKPOINTS {
        let Some(size) = state.history.pop_first() else { break };
        let path = state_dir.join("history").join(&state.hash).join(size.to_string());
        if let Err(e) = fs::remove_file(&path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %path.display(), error = %e, "cannot prune a history entry");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use testigo_note::ALG_ED25519;
    use testigo_tlog::hash::{leaf_hash, tree_hash};
    use testigo_tlog::proof::consistency_proof;

    const ORIGIN: &str = "example.org/evidence-log";

    fn log_key() -> Signer {
        Signer::from_seed(ORIGIN, ALG_ED25519, [7u8; 32]).unwrap()
    }

    fn open(state: &Path) -> Witness {
        let signer = Signer::from_seed("witness.example/w", ALG_COSIGNATURE_V1, [1u8; 32]).unwrap();
        Witness::open(signer, vec![LogConfig::from_key(log_key().verifier())], state).unwrap()
    }

    /// The leaf hashes of a tree whose entries are tagged `tag` (another tag: another tree).
    fn leaves(tag: &str, n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("{tag} {i}").as_bytes())).collect()
    }

    fn checkpoint(leaves: &[Hash], size: u64) -> Checkpoint {
        Checkpoint { origin: ORIGIN.into(), size, root: tree_hash(&leaves[..size as usize]), extensions: vec![] }
    }

    fn signed(cp: &Checkpoint, key: &Signer) -> Vec<u8> {
        cp.sign(key).unwrap().to_bytes()
    }

    fn body(old: u64, proof: Vec<Hash>, cp: &[u8]) -> Vec<u8> {
        AddCheckpointRequest { old_size: old, proof, checkpoint: cp.to_vec() }.to_bytes()
    }

    /// Cosigns `leaves[..size]` after `old` (with the right proof); panics if refused.
    fn advance(w: &Witness, leaves: &[Hash], old: u64, size: u64) {
        let proof = consistency_proof(leaves, old, size).unwrap();
        w.add_checkpoint(&body(old, proof, &signed(&checkpoint(leaves, size), &log_key()))).unwrap();
    }

    fn records(w: &Witness) -> Vec<PathBuf> {
        let base = w.evidence_dir().join(origin_hash(ORIGIN));
        let mut out: Vec<PathBuf> = visible_entries(&base)
            .unwrap()
            .into_iter()
            .filter(|(_, dir)| *dir)
            .map(|(name, _)| base.join(name))
            .collect();
        out.sort();
        out
    }

    fn record_name(cp: &Checkpoint) -> String {
        hex::encode(Sha256::digest(cp.to_text().as_bytes()))
    }

    #[test]
    fn proof_roots_agree_with_verification() {
        let l = leaves("main", 70);
        for a in 1..40u64 {
            for b in a + 1..70 {
                let proof = consistency_proof(&l[..], a, b).unwrap();
                let got = proof_roots(a, b, &proof);
                if a.is_power_of_two() {
                    assert_eq!(got, None, "{a} {b}");
                } else {
                    assert_eq!(got, Some((tree_hash(&l[..a as usize]), tree_hash(&l[..b as usize]))), "{a} {b}");
                    let mut short = proof.clone();
                    short.pop();
                    assert_eq!(proof_roots(a, b, &short), None, "{a} {b} short");
                    let mut long = proof.clone();
                    long.push([0u8; 32]);
                    assert_eq!(proof_roots(a, b, &long), None, "{a} {b} long");
                }
            }
        }
    }

    #[test]
    fn same_fork_twice_keeps_one_record() {
        let state = tempfile::tempdir().unwrap();
        let w = open(state.path());
        let main = leaves("main", 10);
        advance(&w, &main, 0, 5);
        let fork = checkpoint(&leaves("fork", 10), 5);
        let forked = signed(&fork, &log_key());
        let err = w.add_checkpoint(&body(5, vec![], &forked)).unwrap_err();
        assert!(matches!(err, AddError::Unprocessable(ref why) if why.contains("fork")), "{err}");
        assert_eq!(records(&w).len(), 1);
        let dir = &records(&w)[0];
        assert_eq!(dir.file_name().unwrap().to_str().unwrap(), record_name(&fork));
        assert_eq!(fs::read(dir.join("submitted.checkpoint")).unwrap(), forked);
        let witnessed = fs::read(dir.join("witnessed.checkpoint")).unwrap();
        let witnessed = SignedNote::parse(&witnessed).unwrap();
        assert_eq!(witnessed.text(), checkpoint(&main, 5).to_text());
        assert_eq!(witnessed.signatures().len(), 2, "log signature and cosignature");
        assert!(!dir.join("request").exists());
        let reason = fs::read_to_string(dir.join("reason.txt")).unwrap();
        assert!(reason.starts_with(&format!("origin: {ORIGIN}\n")) && reason.contains("fork"), "{reason}");

        // Again, with a wrong old size (409), and with an extra unknown signature line: nothing new.
        assert!(matches!(w.add_checkpoint(&body(5, vec![], &forked)), Err(AddError::Unprocessable(_))));
        assert!(matches!(w.add_checkpoint(&body(0, vec![], &forked)), Err(AddError::Conflict(5))));
        let mut padded = SignedNote::parse(&forked).unwrap();
        padded.sign(&Signer::generate("someone.example/else").unwrap()).unwrap();
        assert!(matches!(w.add_checkpoint(&body(5, vec![], &padded.to_bytes())), Err(AddError::Unprocessable(_))));
        assert_eq!(records(&w).len(), 1);
        assert_eq!(fs::read(records(&w)[0].join("submitted.checkpoint")).unwrap(), forked);
        assert_eq!(w.evidence_dropped(ORIGIN), Some(0));
        // The witness's state did not move, and it still advances.
        advance(&w, &main, 5, 10);
    }

    #[test]
    fn evidence_is_bounded_and_keeps_the_earliest() {
        let state = tempfile::tempdir().unwrap();
        let w = open(state.path());
        let main = leaves("main", 3);
        advance(&w, &main, 0, 3);
        let forks: Vec<Checkpoint> =
            (0..MAX_EVIDENCE_RECORDS + 10).map(|i| checkpoint(&leaves(&format!("fork {i}"), 3), 3)).collect();
        for fork in &forks {
            let err = w.add_checkpoint(&body(3, vec![], &signed(fork, &log_key()))).unwrap_err();
            assert!(matches!(err, AddError::Unprocessable(_)), "{err}");
        }
        let kept = records(&w);
        assert_eq!(kept.len(), MAX_EVIDENCE_RECORDS);
        let mut earliest: Vec<PathBuf> = forks[..MAX_EVIDENCE_RECORDS]
            .iter()
            .map(|f| w.evidence_dir().join(origin_hash(ORIGIN)).join(record_name(f)))
            .collect();
        earliest.sort();
        assert_eq!(kept, earliest);
        assert_eq!(w.evidence_dropped(ORIGIN), Some(10));
        let dropped_file = w.evidence_dir().join(origin_hash(ORIGIN)).join("dropped");
        assert_eq!(fs::read_to_string(&dropped_file).unwrap(), "10\n");
        // A kept fork submitted again is not a drop; the count survives a restart.
        let _ = w.add_checkpoint(&body(3, vec![], &signed(&forks[0], &log_key())));
        assert_eq!(w.evidence_dropped(ORIGIN), Some(10));
        drop(w);
        let w = open(state.path());
        assert_eq!(w.evidence_dropped(ORIGIN), Some(10));
        let _ = w.add_checkpoint(&body(3, vec![], &signed(&checkpoint(&leaves("late", 3), 3), &log_key())));
        assert_eq!(records(&w).len(), MAX_EVIDENCE_RECORDS);
        assert_eq!(w.evidence_dropped(ORIGIN), Some(11));
    }

    #[test]
    fn oversized_record_is_dropped() {
        let state = tempfile::tempdir().unwrap();
        let w = open(state.path());
        advance(&w, &leaves("main", 3), 0, 3);
        let mut fork = checkpoint(&leaves("fork", 3), 3);
        fork.extensions = (0..MAX_EVIDENCE_RECORD_BYTES / 1000 + 1).map(|i| format!("{i:01000}")).collect();
        let err = w.add_checkpoint(&body(3, vec![], &signed(&fork, &log_key()))).unwrap_err();
        assert!(matches!(err, AddError::Unprocessable(_)), "{err}");
        assert!(records(&w).is_empty());
        assert_eq!(w.evidence_dropped(ORIGIN), Some(1));
    }

    #[test]
    fn same_size_other_root_is_kept_below_the_latest_too() {
        let state = tempfile::tempdir().unwrap();
        let w = open(state.path());
        let main = leaves("main", 20);
        advance(&w, &main, 0, 5);
        advance(&w, &main, 5, 12);
        let other = leaves("other", 20);
        // Size 5 was cosigned (history): another root there is a fork, kept whatever the answer.
        let fork5 = checkpoint(&other, 5);
        let err = w.add_checkpoint(&body(12, vec![], &signed(&fork5, &log_key()))).unwrap_err();
        assert!(matches!(err, AddError::BadRequest(_)), "{err}");
        assert!(matches!(w.add_checkpoint(&body(0, vec![], &signed(&fork5, &log_key()))), Err(AddError::Conflict(12))));
        assert_eq!(records(&w).len(), 1);
        let witnessed = fs::read(records(&w)[0].join("witnessed.checkpoint")).unwrap();
        assert_eq!(SignedNote::parse(&witnessed).unwrap().text(), checkpoint(&main, 5).to_text());
        // The same size and root as cosigned, or a size never cosigned: nothing to prove.
        let _ = w.add_checkpoint(&body(0, vec![], &signed(&checkpoint(&main, 5), &log_key())));
        let _ = w.add_checkpoint(&body(0, vec![], &signed(&checkpoint(&other, 7), &log_key())));
        assert_eq!(records(&w).len(), 1);
        // A restarted witness still knows size 5 from its history.
        drop(w);
        let w = open(state.path());
        let fork5b = checkpoint(&leaves("third", 20), 5);
        let _ = w.add_checkpoint(&body(0, vec![], &signed(&fork5b, &log_key())));
        assert_eq!(records(&w).len(), 2);
    }

    #[test]
    fn proof_of_another_prefix_is_kept_a_failing_proof_is_not() {
        let state = tempfile::tempdir().unwrap();
        let w = open(state.path());
        let main = leaves("main", 20);
        let fork = leaves("fork", 20);
        advance(&w, &main, 0, 6);
        // A bad proof for a genuine extension: refused, nothing kept.
        let cp = signed(&checkpoint(&main, 9), &log_key());
        let mut proof = consistency_proof(&main[..], 6, 9).unwrap();
        proof[0][0] ^= 1;
        assert!(matches!(w.add_checkpoint(&body(6, proof, &cp)), Err(AddError::Unprocessable(_))));
        assert!(matches!(
            w.add_checkpoint(&body(6, consistency_proof(&main[..], 5, 9).unwrap(), &cp)),
            Err(AddError::Unprocessable(_))
        ));
        assert!(records(&w).is_empty());
        // A proof that hashes up to the fork's signed root from another size-6 root: kept, with the request.
        let forked = signed(&checkpoint(&fork, 9), &log_key());
        let fork_proof = consistency_proof(&fork[..], 6, 9).unwrap();
        let err = w.add_checkpoint(&body(6, fork_proof.clone(), &forked)).unwrap_err();
        assert!(matches!(err, AddError::Unprocessable(ref why) if why.contains("consistency proof")), "{err}");
        let kept = records(&w);
        assert_eq!(kept.len(), 1);
        let req = AddCheckpointRequest::parse(&fs::read(kept[0].join("request")).unwrap()).unwrap();
        assert_eq!((req.old_size, req.proof, req.checkpoint), (6, fork_proof, forked));
        // The genuine extension is still accepted.
        advance(&w, &main, 6, 9);
    }

    #[test]
    fn junk_keeps_nothing() {
        let state = tempfile::tempdir().unwrap();
        let w = open(state.path());
        let main = leaves("main", 5);
        advance(&w, &main, 0, 5);
        let fork = checkpoint(&leaves("fork", 5), 5);
        // Signed by an impostor key with the log's name, by an unknown key, and with a bad log signature.
        let impostor = Signer::generate(ORIGIN).unwrap();
        let stranger = Signer::generate("stranger.example").unwrap();
        let mut tampered = signed(&fork, &log_key());
        let n = tampered.len();
        tampered[n - 10] = if tampered[n - 10] == b'A' { b'B' } else { b'A' };
        let fork_proof = consistency_proof(&leaves("fork", 9)[..], 5, 9).unwrap();
        let bigger = checkpoint(&leaves("fork", 9), 9);
        for (old, proof, cp) in [
            (5, vec![], signed(&fork, &impostor)),
            (5, vec![], signed(&fork, &stranger)),
            (5, vec![], tampered),
            (5, fork_proof.clone(), signed(&bigger, &impostor)),
            (0, vec![], signed(&fork, &impostor)),
        ] {
            let err = w.add_checkpoint(&body(old, proof, &cp)).unwrap_err();
            assert!(matches!(err, AddError::Forbidden(_)), "{err}");
        }
        // Not a note at all.
        assert!(matches!(w.add_checkpoint(b"old 5\n\nnot a note"), Err(AddError::BadRequest(_))));
        assert!(!w.evidence_dir().exists() || records(&w).is_empty());
        assert_eq!(w.evidence_dropped(ORIGIN), Some(0));
    }

    #[test]
    fn history_is_pruned_to_its_bound() {
        let state = tempfile::tempdir().unwrap();
        let w = open(state.path());
        let main = leaves("main", 3);
        advance(&w, &main, 0, 3);
        let dir = state.path().join("history").join(origin_hash(ORIGIN));
        assert!(dir.join("3").is_file());
        // Fake older entries beyond the bound; reopening prunes the smallest.
        for size in 1000..1000 + MAX_HISTORY_CHECKPOINTS as u64 {
            fs::write(dir.join(size.to_string()), b"stale").unwrap();
        }
        drop(w);
        let w = open(state.path());
        let names = visible_entries(&dir).unwrap();
        assert_eq!(names.len(), MAX_HISTORY_CHECKPOINTS);
        assert!(!dir.join("3").exists() && dir.join("1001").exists());
        // A bad history entry is ignored, not trusted.
        let junk = checkpoint(&leaves("junk", 1001), 1001);
        let _ = w.add_checkpoint(&body(0, vec![], &signed(&junk, &log_key())));
        assert!(records(&w).is_empty());
    }
}
