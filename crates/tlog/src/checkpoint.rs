//! Checkpoints (c2sp.org/tlog-checkpoint) and their signed-note envelope.

use crate::hash::{decode_base64, to_base64, Hash};
use testigo_note::{NoteError, SignedNote, Signer, Verified, Verifier};

/// Errors parsing or opening a checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The body does not follow the checkpoint format.
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    /// The origin line is not the expected one.
    #[error("checkpoint origin is {found:?}, expected {expected:?}: this checkpoint belongs to another log")]
    WrongOrigin {
        /// Origin found.
        found: String,
        /// Origin expected.
        expected: String,
    },
    /// The note envelope failed to parse or verify.
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    /// The note verified, but not with the log's own key.
    #[error("checkpoint is not signed by the log key {0}")]
    NotSignedByLog(String),
}

/// A checkpoint body: origin, tree size, root hash and optional extension lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line (its identity).
    pub origin: String,
    /// Number of entries in the tree.
    pub size: u64,
    /// The RFC 6962 tree head.
    pub root: Hash,
    /// Extension lines after the root, preserved verbatim (without newlines).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// Renders the note text: `origin\nsize\nbase64(root)\n` plus extension lines.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, to_base64(&self.root));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a checkpoint body strictly (decimal size without leading zeros,
    /// canonical base64 root, non-empty lines).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let m = |s: &str| CheckpointError::Malformed(s.to_string());
        let body = text.strip_suffix('\n').ok_or_else(|| m("text must end with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(|| m("empty origin line"))?;
        let size_s = lines.next().ok_or_else(|| m("missing tree size line"))?;
        if size_s.is_empty()
            || !size_s.bytes().all(|b| b.is_ascii_digit())
            || (size_s.len() > 1 && size_s.starts_with('0'))
        {
            return Err(m(&format!("tree size {size_s:?} is not a decimal number without leading zeros")));
        }
        let size: u64 = size_s.parse().map_err(|_| m("tree size does not fit in 64 bits"))?;
        let root_s = lines.next().ok_or_else(|| m("missing root hash line"))?;
        let root = decode_base64(root_s).map_err(|e| m(&format!("root hash line: {e}")))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(m("empty extension line"));
        }
        Ok(Checkpoint { origin: origin.to_string(), size, root, extensions })
    }

    /// Signs the checkpoint with the log key, producing the served note.
    /// Refuses a body that [`Checkpoint::parse`] would not read back.
    pub fn sign(&self, log_key: &Signer) -> Result<SignedNote, CheckpointError> {
        let m = |s: String| CheckpointError::Malformed(s);
        if self.origin.is_empty() || self.origin.contains('\n') {
            return Err(m(format!("origin {:?} must be one non-empty line", self.origin)));
        }
        if let Some(e) = self.extensions.iter().find(|e| e.is_empty() || e.contains('\n')) {
            return Err(m(format!("extension line {e:?} must be one non-empty line")));
        }
        let mut note = SignedNote::new(self.to_text())?;
        note.sign(log_key)?;
        Ok(note)
    }
}

/// A checkpoint whose log signature (and any known cosignatures) verified.
#[derive(Clone, Debug)]
pub struct OpenedCheckpoint {
    /// The parsed body.
    pub checkpoint: Checkpoint,
    /// The note as served, for re-publication and receipts.
    pub note: SignedNote,
    /// Which known keys signed it.
    pub verified: Verified,
}

/// Parses and verifies a served checkpoint: it must carry a valid signature by
/// `log` and its origin must equal the log key's name. `others` (witness keys)
/// are verified too when present; which of them signed is reported.
pub fn open(bytes: &[u8], log: &Verifier, others: &[Verifier]) -> Result<OpenedCheckpoint, CheckpointError> {
    let note = SignedNote::parse(bytes)?;
    let mut known = vec![log.clone()];
    known.extend_from_slice(others);
    let verified = note.verify(&known)?;
    if !verified.verified_by.iter().any(|(v, _)| v == log) {
        return Err(CheckpointError::NotSignedByLog(log.to_vkey()));
    }
    let checkpoint = Checkpoint::parse(note.text())?;
    if checkpoint.origin != log.name() {
        return Err(CheckpointError::WrongOrigin { found: checkpoint.origin, expected: log.name().to_string() });
    }
    Ok(OpenedCheckpoint { checkpoint, note, verified })
}
