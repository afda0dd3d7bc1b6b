//! Offline receipts in the c2sp.org/tlog-proof format: an entry's index, its
//! inclusion proof and the signed checkpoint that proof leads to.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use testigo_note::Verifier;

use crate::checkpoint::{self, CheckpointError, OpenedCheckpoint};
use crate::hash::{decode_base64, leaf_hash, to_base64, Hash};
use crate::proof::{verify_inclusion, ProofError};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Errors parsing or verifying a receipt.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// The receipt text is malformed.
    #[error("malformed receipt: {0}")]
    Malformed(String),
    /// The embedded checkpoint does not verify.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof does not lead from the entry to the checkpoint's root.
    #[error("inclusion proof fails: {0}")]
    Proof(#[from] ProofError),
}

/// A tlog-proof receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Optional opaque extra data (unauthenticated).
    pub extra: Option<Vec<u8>>,
    /// Index of the entry.
    pub index: u64,
    /// Inclusion proof, from the leaf's sibling up.
    pub proof: Vec<Hash>,
    /// The signed checkpoint, verbatim.
    pub checkpoint: Vec<u8>,
}

impl Receipt {
    /// Renders the receipt text.
    pub fn to_text(&self) -> Vec<u8> {
        let mut s = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            s.push_str(&format!("extra {}\n", B64.encode(extra)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            s.push_str(&to_base64(h));
            s.push('\n');
        }
        s.push('\n');
        let mut out = s.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parses receipt text strictly.
    pub fn parse(bytes: &[u8]) -> Result<Self, ReceiptError> {
        let m = |s: &str| ReceiptError::Malformed(s.to_string());
        let text = std::str::from_utf8(bytes).map_err(|_| m("not UTF-8"))?;
        let (head, checkpoint) = text.split_once("\n\n").ok_or_else(|| m("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(m(&format!("first line must be {HEADER}")));
        }
        let mut line = lines.next().ok_or_else(|| m("missing index line"))?;
        let mut extra = None;
        if let Some(e) = line.strip_prefix("extra ") {
            let raw = B64.decode(e).map_err(|err| m(&format!("extra data is not canonical standard base64: {err}")))?;
            extra = Some(raw);
            line = lines.next().ok_or_else(|| m("missing index line"))?;
        }
        let idx = line.strip_prefix("index ").ok_or_else(|| m("expected 'index N'"))?;
        if idx.is_empty() || !idx.bytes().all(|b| b.is_ascii_digit()) || (idx.len() > 1 && idx.starts_with('0')) {
            return Err(m("index must be decimal without leading zeros"));
        }
        let index: u64 = idx.parse().map_err(|_| m("index too large"))?;
        let proof = lines
            .enumerate()
            .map(|(i, l)| decode_base64(l).map_err(|e| m(&format!("proof hash {}: {e}", i + 1))))
            .collect::<Result<Vec<_>, _>>()?;
        if checkpoint.is_empty() {
            return Err(m("no checkpoint after the blank line"));
        }
        Ok(Receipt { extra, index, proof, checkpoint: checkpoint.as_bytes().to_vec() })
    }

    /// Verifies that `entry` is in the log whose key is `log`, with optional
    /// witness keys (reported, not required here; the caller applies its policy).
    pub fn verify(
        &self,
        entry: &[u8],
        log: &Verifier,
        witnesses: &[Verifier],
    ) -> Result<OpenedCheckpoint, ReceiptError> {
        let opened = checkpoint::open(&self.checkpoint, log, witnesses)?;
        let cp = &opened.checkpoint;
        verify_inclusion(self.index, cp.size, &leaf_hash(entry), &self.proof, &cp.root)?;
        Ok(opened)
    }
}
