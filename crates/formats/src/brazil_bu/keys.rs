//! The TSE's public keys for BU signatures (format 1.5).
//!
//! TSE publishes one Ed25519 key per state (UF) and phase, as a 32-byte file
//! `[o|s]<uf>qrcode.pub`, versioned by the date in `VRCH`, together with
//! SHA-512 lists of the key files. A [`KeySet`] holds the keys a verifier
//! was configured with; pinning a key by its file's hash catches a key file
//! swapped on the way.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha512};

/// Phase of an election, as the `FASE` record and key file names tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Official election (`FASE:O`, key files `o<uf>qrcode.pub`).
    Official,
    /// Simulation or test (`FASE:S`, key files `s<uf>qrcode.pub`).
    Simulated,
}

impl Phase {
    /// The phase of a `FASE` value; training machines (`T`) have no key.
    pub fn from_fase(value: &str) -> Option<Phase> {
        match value {
            "O" => Some(Phase::Official),
            "S" => Some(Phase::Simulated),
            _ => None,
        }
    }

    /// The key-file prefix letter, `o` or `s`.
    pub fn letter(self) -> char {
        match self {
            Phase::Official => 'o',
            Phase::Simulated => 's',
        }
    }
}

/// File name TSE gives the key of `uf` and `phase`, such as `sacqrcode.pub`.
pub fn key_file_name(phase: Phase, uf: &str) -> String {
    format!("{}{}qrcode.pub", phase.letter(), uf.to_ascii_lowercase())
}

/// Errors from configuring keys.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The state code is not two letters.
    #[error("state {0:?} is not a two-letter UF code (ZZ for abroad)")]
    BadUf(String),
    /// The key version is not 8 digits.
    #[error("key version {0:?} is not yyyymmdd")]
    BadKeyVersion(String),
    /// The key file is not 32 bytes.
    #[error("key file {file} has {len} bytes, expected a 32-byte Ed25519 public key")]
    WrongLength {
        /// Key file name.
        file: String,
        /// Its length.
        len: usize,
    },
    /// The key file's SHA-512 is not the pinned one.
    #[error("key file {file} has SHA-512 {found}, but {expected} was pinned; the file is not TSE's key")]
    PinMismatch {
        /// Key file name.
        file: String,
        /// Pinned hash, hex.
        expected: String,
        /// Hash of the file given, hex.
        found: String,
    },
    /// The 32 bytes are not an Ed25519 public key.
    #[error("key file {file} is not a valid Ed25519 public key")]
    NotAKey {
        /// Key file name.
        file: String,
    },
    /// A different key is already configured for the same state, phase and
    /// version.
    #[error("a different key is already configured for {file} version {key_version}")]
    Conflict {
        /// Key file name.
        file: String,
        /// Key version.
        key_version: String,
    },
    /// A pin is not 128 hex digits.
    #[error("pin {0:?} is not a SHA-512 in hex (128 digits)")]
    BadPin(String),
}

/// Parses a pinned SHA-512 written in hex (either case), as in TSE's lists.
pub fn parse_pin_hex(pin: &str) -> Result<[u8; 64], KeyError> {
    hex::decode(pin.trim()).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| KeyError::BadPin(pin.to_string()))
}

/// Identifies a key: state, phase and key version.
type KeySlot = (String, Phase, String);

/// The BU signing keys a verifier trusts, by (state, phase, key version),
/// and keys given without a slot, tried for every BU (see [`KeySet::add_any_slot_key`]).
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: BTreeMap<KeySlot, VerifyingKey>,
    any_slot: Vec<VerifyingKey>,
}

/// The name a key without a slot goes by in errors.
const ANY_SLOT: &str = "the key given without a slot";

/// Checks and normalises a state code and key version.
fn slot(uf: &str, phase: Phase, key_version: &str) -> Result<KeySlot, KeyError> {
    if uf.len() != 2 || !uf.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(KeyError::BadUf(uf.to_string()));
    }
    if key_version.len() != 8 || !key_version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KeyError::BadKeyVersion(key_version.to_string()));
    }
    Ok((uf.to_ascii_uppercase(), phase, key_version.to_string()))
}

impl KeySet {
    /// An empty set: every signature is then [`super::SignatureStatus::UnknownKey`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key from the raw contents of its key file (32 bytes). With
    /// `pin`, the file's SHA-512 must equal it.
    pub fn add_key_file(
        &mut self,
        uf: &str,
        phase: Phase,
        key_version: &str,
        key_file: &[u8],
        pin: Option<&[u8; 64]>,
    ) -> Result<(), KeyError> {
        let file = key_file_name(phase, uf);
        if let Some(pin) = pin {
            let found: [u8; 64] = Sha512::digest(key_file).into();
            if found != *pin {
                return Err(KeyError::PinMismatch { file, expected: hex::encode(pin), found: hex::encode(found) });
            }
        }
        let raw: [u8; 32] =
            key_file.try_into().map_err(|_| KeyError::WrongLength { file: file.clone(), len: key_file.len() })?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| KeyError::NotAKey { file })?;
        self.add_key(uf, phase, key_version, key)
    }

    /// Adds a key. Adding the same key twice is harmless; a different key
    /// for the same slot is an error rather than a silent replacement.
    pub fn add_key(&mut self, uf: &str, phase: Phase, key_version: &str, key: VerifyingKey) -> Result<(), KeyError> {
        let slot = slot(uf, phase, key_version)?;
        match self.keys.get(&slot) {
            Some(existing) if *existing != key => {
                Err(KeyError::Conflict { file: key_file_name(phase, uf), key_version: key_version.to_string() })
            }
            _ => {
                self.keys.insert(slot, key);
                Ok(())
            }
        }
    }

    /// Adds a key tried for a BU of any state, phase and key version, from
    /// its 32 bytes (a bare key, as `testigo qr inspect --key HEX` takes it):
    /// for a tool that checks one BU against a key a user holds, not knowing
    /// (or not caring about) its slot. A BU that no key given verifies is
    /// then [`super::SignatureStatus::Invalid`], not `UnknownKey`. A registry's
    /// keys come from `trust` entries, which always name the slot.
    pub fn add_any_slot_key(&mut self, key: &[u8]) -> Result<(), KeyError> {
        let raw: [u8; 32] =
            key.try_into().map_err(|_| KeyError::WrongLength { file: ANY_SLOT.to_string(), len: key.len() })?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| KeyError::NotAKey { file: ANY_SLOT.to_string() })?;
        if !self.any_slot.contains(&key) {
            self.any_slot.push(key);
        }
        Ok(())
    }

    /// The keys to try for a BU: the one configured for its state, phase and
    /// key version (when the BU names them all and one is configured) first,
    /// then every key added without a slot.
    pub fn candidates(&self, uf: Option<&str>, phase: Option<Phase>, key_version: Option<&str>) -> Vec<&VerifyingKey> {
        let slot = match (uf, phase, key_version) {
            (Some(uf), Some(phase), Some(version)) => self.get(uf, phase, version),
            _ => None,
        };
        slot.into_iter().chain(&self.any_slot).collect()
    }

    /// The key for a state, phase and key version, if configured.
    pub fn get(&self, uf: &str, phase: Phase, key_version: &str) -> Option<&VerifyingKey> {
        self.keys.get(&(uf.to_ascii_uppercase(), phase, key_version.to_string()))
    }

    /// Number of configured keys, with or without a slot.
    pub fn len(&self) -> usize {
        self.keys.len() + self.any_slot.len()
    }

    /// True if no key is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.any_slot.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "3c8dd2914fc8b20bd80b09744867684c051145e3f8b887d28af3d23a17a843dd";

    #[test]
    fn pinning() {
        let file = hex::decode(KEY).unwrap();
        let pin: [u8; 64] = Sha512::digest(&file).into();
        let mut keys = KeySet::new();
        keys.add_key_file("ac", Phase::Simulated, "20240507", &file, Some(&pin)).unwrap();
        assert!(keys.get("AC", Phase::Simulated, "20240507").is_some());
        assert!(keys.get("AC", Phase::Official, "20240507").is_none());

        let mut wrong_pin = pin;
        wrong_pin[0] ^= 1;
        let err = KeySet::new().add_key_file("AC", Phase::Simulated, "20240507", &file, Some(&wrong_pin));
        assert!(matches!(err, Err(KeyError::PinMismatch { .. })), "{err:?}");
        assert_eq!(parse_pin_hex(&hex::encode_upper(pin)), Ok(pin));
    }

    #[test]
    fn bad_inputs() {
        let mut keys = KeySet::new();
        let file = hex::decode(KEY).unwrap();
        assert!(matches!(
            keys.add_key_file("AC", Phase::Official, "20240507", &file[..31], None),
            Err(KeyError::WrongLength { len: 31, .. })
        ));
        assert!(matches!(keys.add_key_file("ACR", Phase::Official, "20240507", &file, None), Err(KeyError::BadUf(_))));
        assert!(matches!(
            keys.add_key_file("AC", Phase::Official, "2024", &file, None),
            Err(KeyError::BadKeyVersion(_))
        ));
        keys.add_key_file("AC", Phase::Official, "20240507", &file, None).unwrap();
        keys.add_key_file("AC", Phase::Official, "20240507", &file, None).unwrap();
        let other = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        assert!(matches!(keys.add_key("AC", Phase::Official, "20240507", other), Err(KeyError::Conflict { .. })));
        assert_eq!(key_file_name(Phase::Official, "AC"), "oacqrcode.pub");
    }

    #[test]
    fn keys_without_a_slot() {
        let file = hex::decode(KEY).unwrap();
        let mut keys = KeySet::new();
        assert!(keys.candidates(Some("AC"), Some(Phase::Official), Some("20240507")).is_empty());
        keys.add_any_slot_key(&file).unwrap();
        keys.add_any_slot_key(&file).unwrap();
        assert_eq!(keys.len(), 1);
        // Tried for any slot, and when the BU names none.
        assert_eq!(keys.candidates(Some("SP"), Some(Phase::Simulated), Some("20221002")).len(), 1);
        assert_eq!(keys.candidates(None, None, None).len(), 1);
        // A slot's own key comes first.
        let other = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        keys.add_key("AC", Phase::Official, "20240507", other).unwrap();
        assert_eq!(
            keys.candidates(Some("ac"), Some(Phase::Official), Some("20240507")),
            vec![&other, &keys.any_slot[0]]
        );
        assert!(matches!(keys.add_any_slot_key(&file[..31]), Err(KeyError::WrongLength { len: 31, .. })));
    }
}
