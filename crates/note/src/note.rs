use crate::keys::{check_name, Signer, Verifier, ALG_COSIGNATURE_V1};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

/// Verifiers must accept at least 16 signatures; more than this many is refused
/// so a hostile note cannot make verification arbitrarily expensive.
pub const MAX_SIGNATURES: usize = 100;

const SIG_PREFIX: &str = "\u{2014} ";

/// Errors from parsing, signing or verifying notes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    /// The bytes are not valid UTF-8.
    #[error("note is not valid UTF-8")]
    NotUtf8,
    /// A control character other than newline appears.
    #[error("note contains control character 0x{0:02x}; only newline is allowed")]
    ControlCharacter(u8),
    /// The text does not end with a newline.
    #[error("note text must end with a newline")]
    MissingNewline,
    /// No blank line separates text and signatures.
    #[error("note has no blank line separating text and signatures")]
    NoSignatureBlock,
    /// A signature line is malformed.
    #[error("malformed signature line {line}: {why}")]
    MalformedSignature {
        /// 1-based line number within the signature block.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// More signatures than [`MAX_SIGNATURES`].
    #[error("note has {0} signatures, more than the {MAX_SIGNATURES} accepted")]
    TooManySignatures(usize),
    /// A signature from a known key (name and ID match) did not verify.
    #[error("signature by {name}+{id:08x} does not verify: the note was altered or signed with another key")]
    BadSignature {
        /// Key name.
        name: String,
        /// Key ID.
        id: u32,
    },
    /// No signature from any of the given keys was present.
    #[error("note carries no signature from a known key (signed by: {signers})")]
    UnknownSigners {
        /// Names of the keys that did sign, for the user to compare.
        signers: String,
    },
    /// Text to sign is not a valid note text.
    #[error("cannot sign: {0}")]
    InvalidText(String),
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Key name.
    pub name: String,
    /// Key ID (the first four decoded bytes).
    pub key_id: u32,
    /// The signature bytes after the key ID (for cosignatures: timestamp then signature).
    pub bytes: Vec<u8>,
}

impl Signature {
    /// The signature line without its trailing newline.
    pub fn to_line(&self) -> String {
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.bytes);
        format!("{SIG_PREFIX}{} {}", self.name, B64.encode(raw))
    }
}

/// A note: text plus signatures. Parsing does not verify; use [`SignedNote::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<Signature>,
}

/// The result of verifying a note: its text and the known keys whose
/// signatures verified (in note order), plus the signatures left unchecked
/// because their keys were unknown.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The note text, including its final newline.
    pub text: String,
    /// Keys whose signatures verified, with the cosignature timestamp where the key is a cosigner.
    pub verified_by: Vec<(Verifier, Option<u64>)>,
    /// Signatures from keys not in the verifier set.
    pub unknown: Vec<Signature>,
}

fn check_chars(s: &str) -> Result<(), NoteError> {
    if let Some(b) = s.bytes().find(|&b| b < 0x20 && b != b'\n' || b == 0x7f) {
        return Err(NoteError::ControlCharacter(b));
    }
    Ok(())
}

/// The message a cosigner signs: c2sp.org/tlog-cosignature v1.
fn cosigned_message(text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

impl SignedNote {
    /// Starts an unsigned note with `text`, which must end in a newline and be
    /// free of control characters.
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        let text = text.into();
        check_chars(&text).map_err(|e| NoteError::InvalidText(e.to_string()))?;
        if !text.ends_with('\n') {
            return Err(NoteError::InvalidText("text must end with a newline".into()));
        }
        Ok(SignedNote { text, signatures: Vec::new() })
    }

    /// Parses a signed note (text, blank line, signature lines). Does not verify.
    pub fn parse(bytes: &[u8]) -> Result<Self, NoteError> {
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        check_chars(s)?;
        if !s.ends_with('\n') {
            return Err(NoteError::MissingNewline);
        }
        // The text ends at the last blank line.
        let split = s.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
        let text = &s[..split + 1];
        let block = &s[split + 2..];
        let mut signatures = Vec::new();
        for (i, line) in block.lines().enumerate() {
            let bad = |why: &str| NoteError::MalformedSignature { line: i + 1, why: why.to_string() };
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures(block.lines().count()));
            }
            let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| bad("must start with '— '"))?;
            let (name, b64) = rest.split_once(' ').ok_or_else(|| bad("expected '— name signature'"))?;
            check_name(name).map_err(|e| bad(&e.to_string()))?;
            let raw = B64.decode(b64).map_err(|_| bad("signature is not base64"))?;
            if B64.encode(&raw) != b64 {
                return Err(bad("signature base64 is not canonical"));
            }
            if raw.len() < 5 {
                return Err(bad("signature shorter than key ID plus one byte"));
            }
            let key_id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
            signatures.push(Signature { name: name.to_string(), key_id, bytes: raw[4..].to_vec() });
        }
        if signatures.is_empty() {
            return Err(NoteError::NoSignatureBlock);
        }
        Ok(SignedNote { text: text.to_string(), signatures })
    }

    /// The note text, with its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures, in order.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// Adds a signature by `signer` (an Ed25519 note key), replacing any earlier
    /// signature by the same key.
    pub fn sign(&mut self, signer: &Signer) -> Result<(), NoteError> {
        if signer.algorithm() == ALG_COSIGNATURE_V1 {
            return Err(NoteError::InvalidText("a cosigner key signs with sign_cosignature".into()));
        }
        let sig = signer.sign_raw(self.text.as_bytes()).to_vec();
        self.push(Signature { name: signer.name().to_string(), key_id: signer.key_id(), bytes: sig });
        Ok(())
    }

    /// Adds a tlog-cosignature/v1 by a witness key over this (checkpoint) text at
    /// `timestamp` (seconds since the Unix epoch).
    pub fn sign_cosignature(&mut self, signer: &Signer, timestamp: u64) -> Result<(), NoteError> {
        if signer.algorithm() != ALG_COSIGNATURE_V1 {
            return Err(NoteError::InvalidText("sign_cosignature needs a cosignature (0x04) key".into()));
        }
        let sig = signer.sign_raw(&cosigned_message(&self.text, timestamp));
        let mut bytes = timestamp.to_be_bytes().to_vec();
        bytes.extend_from_slice(&sig);
        self.push(Signature { name: signer.name().to_string(), key_id: signer.key_id(), bytes });
        Ok(())
    }

    /// Adds an already-made signature line (e.g. a witness's cosignature).
    pub fn push(&mut self, sig: Signature) {
        self.signatures.retain(|s| !(s.name == sig.name && s.key_id == sig.key_id));
        self.signatures.push(sig);
    }

    /// Serialises the note: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Verifies the note against a set of known keys. Signatures from unknown
    /// keys (name and ID not both matching) are ignored; a signature from a
    /// known key that fails rejects the whole note; at least one known key must
    /// have signed.
    pub fn verify(&self, known: &[Verifier]) -> Result<Verified, NoteError> {
        let mut verified_by = Vec::new();
        let mut unknown = Vec::new();
        for sig in &self.signatures {
            let Some(v) = known.iter().find(|v| v.name() == sig.name && v.key_id() == sig.key_id) else {
                unknown.push(sig.clone());
                continue;
            };
            let bad = || NoteError::BadSignature { name: sig.name.clone(), id: sig.key_id };
            let timestamp = if v.algorithm() == ALG_COSIGNATURE_V1 {
                if sig.bytes.len() != 72 {
                    return Err(bad());
                }
                let ts = u64::from_be_bytes(sig.bytes[..8].try_into().map_err(|_| bad())?);
                if !v.verify_raw(&cosigned_message(&self.text, ts), &sig.bytes[8..]) {
                    return Err(bad());
                }
                Some(ts)
            } else {
                if !v.verify_raw(self.text.as_bytes(), &sig.bytes) {
                    return Err(bad());
                }
                None
            };
            if !verified_by.iter().any(|(w, _): &(Verifier, _)| w == v) {
                verified_by.push((v.clone(), timestamp));
            }
        }
        if verified_by.is_empty() {
            let signers = self.signatures.iter().map(|s| format!("{}+{:08x}", s.name, s.key_id)).collect::<Vec<_>>();
            return Err(NoteError::UnknownSigners { signers: signers.join(", ") });
        }
        Ok(Verified { text: self.text.clone(), verified_by, unknown })
    }
}
