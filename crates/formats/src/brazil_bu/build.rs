//! Generating BU QR payloads, for tests and demonstrations.
//!
//! This mirrors what a voting machine prints: content records split into
//! parts of at most [`MAX_PART_LEN`] characters at a space, the hash chain,
//! and an Ed25519 signature over the last hash.

use ed25519_dalek::{Signer as _, SigningKey};

use super::chain::Chain;
use super::content::BuContent;
use super::part::QR_ALPHABET;
use super::RESERVED_KEYS;

/// Most characters in one QR part, as TSE prints them.
pub const MAX_PART_LEN: usize = 1100;

/// Length of ` HASH:` plus 128 hex digits, and likewise for ` ASSI:`.
const SECURITY_RECORD_LEN: usize = 6 + 128;

/// What to put around the content.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Format version (`VRQR`), normally [`super::SUPPORTED_VERSION`].
    pub version: String,
    /// Signing-key version (`VRCH`), 8 digits, or none (as in format 6.0).
    pub key_version: Option<String>,
    /// Key to sign the last hash with; `None` prints no `ASSI`.
    pub signing_key: Option<SigningKey>,
    /// Longest part, in characters (default [`MAX_PART_LEN`]).
    pub max_part_len: usize,
}

impl BuildOptions {
    /// Format 1.5 options with key version `key_version`, signed by `key`.
    pub fn signed(key_version: &str, key: SigningKey) -> Self {
        BuildOptions {
            version: super::SUPPORTED_VERSION.to_string(),
            key_version: Some(key_version.to_string()),
            signing_key: Some(key),
            max_part_len: MAX_PART_LEN,
        }
    }
}

/// Errors from [`build_payload`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    /// There are no records to print.
    #[error("the BU content is empty")]
    EmptyContent,
    /// A record cannot be printed so that it parses back the same.
    #[error("record {entry} ({key:?}): {why}")]
    BadEntry {
        /// 1-based position of the record.
        entry: usize,
        /// Its key.
        key: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A record does not fit in one part.
    #[error("record {entry} is {len} characters, but a part leaves room for {room}")]
    TooLong {
        /// 1-based position of the record.
        entry: usize,
        /// Its printed length.
        len: usize,
        /// Room for content in one part.
        room: usize,
    },
    /// The version or key version is malformed.
    #[error("VRQR {version:?} must be x.y and VRCH {key_version:?} must be 8 digits")]
    BadHeader {
        /// The version given.
        version: String,
        /// The key version given.
        key_version: Option<String>,
    },
}

/// Characters allowed in keys and values: the QR alphabet without space.
fn printable(s: &str) -> bool {
    s.chars().all(|c| c != ' ' && QR_ALPHABET.contains(c))
}

/// The printed records, after checking they parse back the same.
fn records(content: &BuContent) -> Result<Vec<String>, BuildError> {
    if content.entries.is_empty() {
        return Err(BuildError::EmptyContent);
    }
    content
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let bad = |why| BuildError::BadEntry { entry: i + 1, key: e.key.clone(), why };
            if e.key.is_empty() || e.key.contains(':') {
                return Err(bad("a key must be non-empty and contain no ':'"));
            }
            if RESERVED_KEYS.contains(&e.key.as_str()) {
                return Err(bad("the key is reserved for the header or security section"));
            }
            if !printable(&e.key) || !printable(&e.value) {
                return Err(bad("only QR alphanumeric characters other than space can be printed"));
            }
            Ok(format!("{}:{}", e.key, e.value))
        })
        .collect()
}

/// Packs records into parts of at most `room` characters each.
fn pack(records: &[String], room: usize) -> Result<Vec<String>, BuildError> {
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, r) in records.iter().enumerate() {
        if r.len() > room {
            return Err(BuildError::TooLong { entry: i + 1, len: r.len(), room });
        }
        if !current.is_empty() && current.len() + 1 + r.len() > room {
            parts.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(r);
    }
    parts.push(current);
    Ok(parts)
}

/// Prints `content` as BU QR part texts, in order.
pub fn build_payload(content: &BuContent, options: &BuildOptions) -> Result<Vec<String>, BuildError> {
    let version_ok = options
        .version
        .split_once('.')
        .is_some_and(|(a, b)| [a, b].iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())));
    let key_version_ok =
        options.key_version.as_ref().is_none_or(|k| k.len() == 8 && k.bytes().all(|b| b.is_ascii_digit()));
    if !version_ok || !key_version_ok {
        return Err(BuildError::BadHeader {
            version: options.version.clone(),
            key_version: options.key_version.clone(),
        });
    }
    let records = records(content)?;
    let header = |i: usize, n: usize| {
        let mut h = format!("QRBU:{i}:{n} VRQR:{}", options.version);
        if let Some(k) = &options.key_version {
            h.push_str(" VRCH:");
            h.push_str(k);
        }
        h
    };
    // Every part reserves room for a signature, so the room does not depend
    // on which part is last; it depends on the width of the part numbers,
    // hence the loop until the count of parts is stable.
    let mut n = 1;
    let data = loop {
        let fixed = header(n, n).len() + 1 + 2 * SECURITY_RECORD_LEN;
        let room = options.max_part_len.saturating_sub(fixed);
        let data = pack(&records, room)?;
        if data.len().to_string().len() <= n.to_string().len() {
            break data;
        }
        n = data.len();
    };
    let n = data.len();
    let mut chain = Chain::default();
    let hashes: Vec<[u8; 64]> = data
        .iter()
        .map(|d| {
            let h = chain.next(d);
            chain.printed(&h);
            h
        })
        .collect();
    let mut parts = Vec::with_capacity(n);
    for (i, (d, h)) in data.iter().zip(&hashes).enumerate() {
        let mut text = format!("{} {} HASH:{}", header(i + 1, n), d, hex::encode_upper(h));
        if i + 1 == n {
            if let Some(key) = &options.signing_key {
                text.push_str(" ASSI:");
                text.push_str(&hex::encode_upper(key.sign(h).to_bytes()));
            }
        }
        parts.push(text);
    }
    Ok(parts)
}
