use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Signature type byte of plain Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;
/// Signature type byte of timestamped Ed25519 checkpoint cosignatures
/// (c2sp.org/tlog-cosignature).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Errors from parsing or using key encodings.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The key name is empty or contains a space or `+`.
    #[error("invalid key name {0:?}: names must be non-empty and contain no spaces or '+'")]
    InvalidName(String),
    /// The encoding does not have the expected `name+hex8+base64` structure.
    #[error("malformed {kind} key: {why}")]
    Malformed {
        /// "verifier" or "private".
        kind: &'static str,
        /// What is wrong, for the user.
        why: String,
    },
    /// The key ID in the encoding does not match the one derived from name and key.
    #[error("key ID {found:08x} in the encoding does not match {expected:08x} derived from name and key")]
    KeyIdMismatch {
        /// Key ID written in the encoding.
        found: u32,
        /// Key ID computed from name, type and public key.
        expected: u32,
    },
    /// The signature type byte is not one this crate supports.
    #[error("unsupported signature type 0x{0:02x} (supported: 0x01 Ed25519, 0x04 cosignature/v1)")]
    UnsupportedAlgorithm(u8),
}

/// Computes the C2SP key ID: the first four bytes of
/// SHA-256(name || 0x0A || type || public key), big-endian.
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

pub(crate) fn check_name(name: &str) -> Result<(), KeyError> {
    if name.is_empty() || name.contains('+') || name.chars().any(|c| c.is_whitespace()) {
        return Err(KeyError::InvalidName(name.to_string()));
    }
    Ok(())
}

fn decode_b64_canonical(s: &str) -> Option<Vec<u8>> {
    let bytes = B64.decode(s).ok()?;
    // Reject non-canonical encodings (different text decoding to the same bytes).
    (B64.encode(&bytes) == s).then_some(bytes)
}

/// A public key that can check signatures on notes: the parsed form of a
/// verifier key line `name+hex8+base64(type || key)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    id: u32,
    alg: u8,
    key: VerifyingKey,
}

impl Verifier {
    /// Builds a verifier from its parts, deriving the key ID.
    pub fn new(name: &str, alg: u8, key: VerifyingKey) -> Result<Self, KeyError> {
        check_name(name)?;
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(KeyError::UnsupportedAlgorithm(alg));
        }
        let id = key_id(name, alg, key.as_bytes());
        Ok(Verifier { name: name.to_string(), id, alg, key })
    }

    /// Parses a verifier key line such as
    /// `example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k`.
    pub fn parse(vkey: &str) -> Result<Self, KeyError> {
        let malformed = |why: &str| KeyError::Malformed { kind: "verifier", why: why.to_string() };
        let vkey = vkey.trim_end_matches(['\n', '\r']);
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("expected name+keyid+base64key"));
        };
        check_name(name)?;
        if hash.len() != 8 || !hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            return Err(malformed("key ID must be 8 lowercase hex digits"));
        }
        let found = u32::from_str_radix(hash, 16).map_err(|_| malformed("key ID is not hex"))?;
        let raw = decode_b64_canonical(key).ok_or_else(|| malformed("key is not canonical base64"))?;
        let (&alg, pk) = raw.split_first().ok_or_else(|| malformed("empty key"))?;
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(KeyError::UnsupportedAlgorithm(alg));
        }
        let pk: [u8; 32] = pk.try_into().map_err(|_| malformed("Ed25519 public key must be 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&pk).map_err(|_| malformed("not a valid Ed25519 point"))?;
        let expected = key_id(name, alg, &pk);
        if expected != found {
            return Err(KeyError::KeyIdMismatch { found, expected });
        }
        Ok(Verifier { name: name.to_string(), id: found, alg, key })
    }

    /// The key name, as it appears in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The 32-bit key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }
    /// The signature type byte (0x01 or 0x04).
    pub fn algorithm(&self) -> u8 {
        self.alg
    }
    /// The Ed25519 public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks a raw signature (without the 4-byte key ID prefix) over `msg`.
    pub fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        self.key.verify_strict(msg, &sig).is_ok()
    }

    /// The verifier key line, `name+hex8+base64(type || key)`.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![self.alg];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }
}

impl std::fmt::Display for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// A private key that signs notes, encoded as
/// `PRIVATE+KEY+name+hex8+base64(type || 32-byte seed)` (the format of Go's
/// golang.org/x/mod/sumdb/note).
#[derive(Clone)]
pub struct Signer {
    name: String,
    id: u32,
    alg: u8,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secret material.
        write!(f, "Signer({}+{:08x})", self.name, self.id)
    }
}

impl Signer {
    /// Generates a fresh Ed25519 signer with the operating system's randomness.
    pub fn generate(name: &str) -> Result<Self, KeyError> {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        Self::from_signing_key(name, ALG_ED25519, key)
    }

    /// Generates a fresh cosignature (0x04) signer for a witness.
    pub fn generate_cosigner(name: &str) -> Result<Self, KeyError> {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        Self::from_signing_key(name, ALG_COSIGNATURE_V1, key)
    }

    /// Builds a signer from a 32-byte seed (deterministic; for tests and derived keys).
    pub fn from_seed(name: &str, alg: u8, seed: [u8; 32]) -> Result<Self, KeyError> {
        Self::from_signing_key(name, alg, SigningKey::from_bytes(&seed))
    }

    fn from_signing_key(name: &str, alg: u8, key: SigningKey) -> Result<Self, KeyError> {
        check_name(name)?;
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(KeyError::UnsupportedAlgorithm(alg));
        }
        let id = key_id(name, alg, key.verifying_key().as_bytes());
        Ok(Signer { name: name.to_string(), id, alg, key })
    }

    /// Parses `PRIVATE+KEY+name+hex8+base64(type || seed)`.
    pub fn parse(skey: &str) -> Result<Self, KeyError> {
        let malformed = |why: &str| KeyError::Malformed { kind: "private", why: why.to_string() };
        let skey = skey.trim_end_matches(['\n', '\r']);
        let rest = skey.strip_prefix("PRIVATE+KEY+").ok_or_else(|| malformed("must start with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("expected PRIVATE+KEY+name+keyid+base64key"));
        };
        check_name(name)?;
        if hash.len() != 8 {
            return Err(malformed("key ID must be 8 hex digits"));
        }
        let found = u32::from_str_radix(hash, 16).map_err(|_| malformed("key ID is not hex"))?;
        let raw = decode_b64_canonical(key).ok_or_else(|| malformed("key is not canonical base64"))?;
        let (&alg, seed) = raw.split_first().ok_or_else(|| malformed("empty key"))?;
        let seed: [u8; 32] = seed.try_into().map_err(|_| malformed("Ed25519 seed must be 32 bytes"))?;
        let signer = Self::from_seed(name, alg, seed)?;
        if signer.id != found {
            return Err(KeyError::KeyIdMismatch { found, expected: signer.id });
        }
        Ok(signer)
    }

    /// The private key line. Keep it secret.
    pub fn to_skey(&self) -> String {
        let mut raw = vec![self.alg];
        raw.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier { name: self.name.clone(), id: self.id, alg: self.alg, key: self.key.verifying_key() }
    }
    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The 32-bit key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }
    /// The signature type byte.
    pub fn algorithm(&self) -> u8 {
        self.alg
    }
    /// Signs `msg` and returns the raw 64-byte Ed25519 signature.
    pub fn sign_raw(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }
}
