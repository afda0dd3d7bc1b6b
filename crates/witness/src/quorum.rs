//! The verifier side: does a checkpoint carry valid cosignatures from at least
//! k of a set of n trusted witnesses?

use testigo_note::{NoteError, SignedNote, Verifier, ALG_COSIGNATURE_V1};

/// Why a witness policy is not met.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QuorumError {
    /// A configured witness key is not a cosignature (0x04) key.
    #[error("witness key {0} is not a cosignature key (type 0x04)")]
    NotCosignerKey(String),
    /// The policy asks for more witnesses than it lists.
    #[error("the policy needs {quorum} cosignatures but lists only {witnesses} witnesses")]
    Impossible {
        /// K.
        quorum: usize,
        /// N.
        witnesses: usize,
    },
    /// A cosignature from a trusted witness key does not verify.
    #[error("cosignature by witness {name}+{id:08x} does not verify: the checkpoint or the cosignature was altered")]
    BadCosignature {
        /// Witness name.
        name: String,
        /// Key ID.
        id: u32,
    },
    /// A cosignature has timestamp 0, which a checkpoint cosignature must not have.
    #[error("cosignature by witness {0} has timestamp 0")]
    ZeroTimestamp(String),
    /// Too few distinct trusted witnesses cosigned.
    #[error(
        "only {got} of the required {quorum} witness cosignatures are present and valid (cosigned by: {by}); \
         cosigners sign each new checkpoint a few seconds after it is published: if the log just grew, \
         run this again in a few seconds"
    )]
    NotEnough {
        /// Valid distinct cosignatures found.
        got: usize,
        /// K.
        quorum: usize,
        /// Names of the witnesses that did cosign.
        by: String,
    },
    /// The note could not be read.
    #[error("checkpoint note: {0}")]
    Note(String),
}

/// A k-of-n witness policy: at least `quorum` of `witnesses` must have cosigned.
#[derive(Clone, Debug, Default)]
pub struct WitnessPolicy {
    /// Trusted witness keys (type 0x04).
    pub witnesses: Vec<Verifier>,
    /// How many distinct witnesses must cosign (0: no requirement).
    pub quorum: usize,
}

impl WitnessPolicy {
    /// Checks the policy against a signed checkpoint note; see [`check_quorum`].
    pub fn check(&self, note: &SignedNote) -> Result<Vec<(Verifier, u64)>, QuorumError> {
        check_quorum(note, &self.witnesses, self.quorum)
    }
}

/// Checks that `note` carries valid timestamped cosignatures
/// (c2sp.org/tlog-cosignature v1) from at least `k` distinct keys of
/// `witnesses`. Signatures by other keys are ignored; a signature line that
/// names a trusted witness key but does not verify fails the check (the note
/// is malformed per c2sp.org/signed-note). Returns each cosigning witness with
/// its cosignature timestamp.
pub fn check_quorum(note: &SignedNote, witnesses: &[Verifier], k: usize) -> Result<Vec<(Verifier, u64)>, QuorumError> {
    if let Some(w) = witnesses.iter().find(|w| w.algorithm() != ALG_COSIGNATURE_V1) {
        return Err(QuorumError::NotCosignerKey(w.to_vkey()));
    }
    // Count distinct public keys, so one witness listed twice under two names cannot count twice.
    let mut distinct_keys: Vec<&Verifier> = Vec::new();
    for w in witnesses {
        if !distinct_keys.iter().any(|d| d.public_key() == w.public_key()) {
            distinct_keys.push(w);
        }
    }
    if k > distinct_keys.len() {
        return Err(QuorumError::Impossible { quorum: k, witnesses: distinct_keys.len() });
    }
    let signed = match note.verify(witnesses) {
        Ok(v) => v.verified_by,
        Err(NoteError::UnknownSigners { .. }) => Vec::new(),
        Err(NoteError::BadSignature { name, id }) => return Err(QuorumError::BadCosignature { name, id }),
        Err(e) => return Err(QuorumError::Note(e.to_string())),
    };
    let mut out: Vec<(Verifier, u64)> = Vec::new();
    for (v, ts) in signed {
        let ts = ts.ok_or_else(|| QuorumError::NotCosignerKey(v.to_vkey()))?;
        if ts == 0 {
            return Err(QuorumError::ZeroTimestamp(v.name().to_string()));
        }
        if !out.iter().any(|(o, _)| o.public_key() == v.public_key()) {
            out.push((v, ts));
        }
    }
    if out.len() < k {
        let by = out.iter().map(|(v, _)| v.name()).collect::<Vec<_>>().join(", ");
        return Err(QuorumError::NotEnough {
            got: out.len(),
            quorum: k,
            by: if by.is_empty() { "none".into() } else { by },
        });
    }
    Ok(out)
}
