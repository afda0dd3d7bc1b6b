//! Parsing one scanned QR part of a BU.

use super::RESERVED_KEYS;

/// The characters of the QR alphanumeric mode, the only ones a BU QR holds.
pub const QR_ALPHABET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// One QR part of a BU, as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuPart {
    /// Position of this part, 1-based (`QRBU:i:n`).
    pub index: u32,
    /// Number of parts of the BU.
    pub total: u32,
    /// Format version (`VRQR`), such as `1.5`.
    pub version: String,
    /// Signing-key version (`VRCH`, `yyyymmdd`), present from format 1.5.
    pub key_version: Option<String>,
    /// The text between the header and ` HASH:`, exactly as printed: the
    /// `data_i` that the hash chain covers.
    pub data: String,
    /// The part's `HASH` (SHA-512 of the chain up to this part).
    pub hash: [u8; 64],
    /// The `ASSI` signature bytes, printed only in the last part.
    pub signature: Option<Vec<u8>>,
}

/// Errors from [`parse_part`]. Offsets count characters from the start of
/// the part's text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PartError {
    /// A character outside the QR alphanumeric alphabet.
    #[error("character {found:?} at offset {offset} is not in the QR alphanumeric alphabet; was the code misread?")]
    BadCharacter {
        /// Offset of the character.
        offset: usize,
        /// The character.
        found: char,
    },
    /// Two spaces in a row, or a space at the start or end.
    #[error("empty record at offset {offset}: records are separated by single spaces")]
    EmptyToken {
        /// Offset where the empty record starts.
        offset: usize,
    },
    /// The part does not start with `QRBU:i:n`.
    #[error("the part does not start with QRBU:i:n; it is not a BU QR code")]
    NotBu,
    /// `QRBU` is not `i:n` with canonical numbers 1 ≤ i ≤ n.
    #[error("QRBU:{value} is not a part number i:n with 1 <= i <= n")]
    BadPartNumber {
        /// The value after `QRBU:`.
        value: String,
    },
    /// The second record is not `VRQR:x.y`.
    #[error("expected VRQR:x.y after QRBU, found {found:?}")]
    BadVersion {
        /// The record found.
        found: String,
    },
    /// `VRCH` is not 8 digits.
    #[error("VRCH:{value} is not a key version yyyymmdd")]
    BadKeyVersion {
        /// The value after `VRCH:`.
        value: String,
    },
    /// The part has no content between header and `HASH`.
    #[error("the part has no content between its header and HASH")]
    NoContent,
    /// There is no `HASH` record.
    #[error("the part has no HASH record; was the code read whole?")]
    MissingHash,
    /// `HASH` is not 128 upper-case hex digits.
    #[error("HASH at offset {offset} is not 128 upper-case hex digits (a SHA-512)")]
    BadHash {
        /// Offset of the HASH record.
        offset: usize,
    },
    /// `ASSI` is not a non-empty, even-length upper-case hex string.
    #[error("ASSI at offset {offset} is not upper-case hex bytes")]
    BadSignature {
        /// Offset of the ASSI record.
        offset: usize,
    },
    /// Something follows the security section.
    #[error("unexpected record {token:?} at offset {offset} after HASH (only ASSI may follow it)")]
    TrailingToken {
        /// Offset of the record.
        offset: usize,
        /// The record.
        token: String,
    },
    /// A content record is not `KEY:value`.
    #[error("record {token:?} at offset {offset} is not KEY:value")]
    BadToken {
        /// Offset of the record.
        offset: usize,
        /// The record.
        token: String,
    },
    /// A header or security key appears inside the content.
    #[error("record {key} at offset {offset} belongs in the header or security section, not in the content")]
    ReservedKey {
        /// Offset of the record.
        offset: usize,
        /// The key.
        key: String,
    },
}

/// A record of the part and where it starts.
struct Token<'a> {
    offset: usize,
    text: &'a str,
}

impl<'a> Token<'a> {
    /// The key and value of a `KEY:value` record.
    fn key_value(&self) -> Option<(&'a str, &'a str)> {
        self.text.split_once(':')
    }
}

/// Parses a canonical positive decimal (no sign, no leading zero).
fn canonical_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// True if `s` is upper-case hex.
fn is_upper_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

/// True if `v` looks like a format version `x.y`.
fn is_version(v: &str) -> bool {
    v.split_once('.')
        .is_some_and(|(a, b)| [a, b].iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())))
}

/// Splits at single spaces, rejecting empty records.
fn tokens(text: &str) -> Result<Vec<Token<'_>>, PartError> {
    let mut out = Vec::new();
    let mut offset = 0;
    for t in text.split(' ') {
        if t.is_empty() {
            return Err(PartError::EmptyToken { offset });
        }
        out.push(Token { offset, text: t });
        offset += t.len() + 1;
    }
    Ok(out)
}

/// Parses the text of one scanned BU QR code.
pub fn parse_part(text: &str) -> Result<BuPart, PartError> {
    if let Some((offset, found)) = text.char_indices().find(|(_, c)| !QR_ALPHABET.contains(*c)) {
        return Err(PartError::BadCharacter { offset, found });
    }
    let toks = tokens(text)?;
    let mut it = toks.iter().peekable();

    let (index, total) = match it.next().and_then(Token::key_value) {
        Some(("QRBU", value)) => value
            .split_once(':')
            .and_then(|(i, n)| Some((canonical_u32(i)?, canonical_u32(n)?)))
            .filter(|(i, n)| i <= n)
            .ok_or_else(|| PartError::BadPartNumber { value: value.to_string() })?,
        _ => return Err(PartError::NotBu),
    };
    let version = match it.next() {
        Some(t) => match t.key_value() {
            Some(("VRQR", v)) if is_version(v) => v.to_string(),
            _ => return Err(PartError::BadVersion { found: t.text.to_string() }),
        },
        None => return Err(PartError::BadVersion { found: String::new() }),
    };
    let key_version = match it.peek().and_then(|t| t.key_value()) {
        Some(("VRCH", v)) => {
            if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(PartError::BadKeyVersion { value: v.to_string() });
            }
            it.next();
            Some(v.to_string())
        }
        _ => None,
    };

    let mut content: Vec<&Token<'_>> = Vec::new();
    let hash_token = loop {
        let Some(t) = it.next() else { return Err(PartError::MissingHash) };
        let Some((key, _)) = t.key_value().filter(|(k, _)| !k.is_empty()) else {
            return Err(PartError::BadToken { offset: t.offset, token: t.text.to_string() });
        };
        if key == "HASH" {
            break t;
        }
        if RESERVED_KEYS.contains(&key) {
            return Err(PartError::ReservedKey { offset: t.offset, key: key.to_string() });
        }
        content.push(t);
    };
    let (Some(first), Some(last)) = (content.first(), content.last()) else {
        return Err(PartError::NoContent);
    };
    let data = text[first.offset..last.offset + last.text.len()].to_string();

    let hash_hex = &hash_token.text["HASH:".len()..];
    let hash: [u8; 64] = Some(hash_hex)
        .filter(|h| h.len() == 128 && is_upper_hex(h))
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or(PartError::BadHash { offset: hash_token.offset })?;

    let signature = match it.next() {
        None => None,
        Some(t) => match t.key_value() {
            Some(("ASSI", sig)) => {
                if sig.is_empty() || !is_upper_hex(sig) {
                    return Err(PartError::BadSignature { offset: t.offset });
                }
                Some(hex::decode(sig).map_err(|_| PartError::BadSignature { offset: t.offset })?)
            }
            _ => return Err(PartError::TrailingToken { offset: t.offset, token: t.text.to_string() }),
        },
    };
    if let Some(t) = it.next() {
        return Err(PartError::TrailingToken { offset: t.offset, token: t.text.to_string() });
    }
    Ok(BuPart { index, total, version, key_version, data, hash, signature })
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\
                     00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";

    #[test]
    fn minimal_part() {
        let p = parse_part(&format!("QRBU:2:3 VRQR:1.5 VRCH:20240507 A:1 B:2 HASH:{H}")).unwrap();
        assert_eq!((p.index, p.total), (2, 3));
        assert_eq!(p.key_version.as_deref(), Some("20240507"));
        assert_eq!(p.data, "A:1 B:2");
        assert_eq!(p.signature, None);
    }

    #[test]
    fn malformed_parts() {
        let cases: &[(String, PartError)] = &[
            (format!("QRBU:0:1 VRQR:1.5 A:1 HASH:{H}"), PartError::BadPartNumber { value: "0:1".into() }),
            (format!("QRBU:2:1 VRQR:1.5 A:1 HASH:{H}"), PartError::BadPartNumber { value: "2:1".into() }),
            (format!("QRBU:01:1 VRQR:1.5 A:1 HASH:{H}"), PartError::BadPartNumber { value: "01:1".into() }),
            (format!("XRBU:1:1 VRQR:1.5 A:1 HASH:{H}"), PartError::NotBu),
            (format!("QRBU:1:1 VRQR:1 A:1 HASH:{H}"), PartError::BadVersion { found: "VRQR:1".into() }),
            (format!("QRBU:1:1 VRQR:1.5 VRCH:2024 A:1 HASH:{H}"), PartError::BadKeyVersion { value: "2024".into() }),
            (format!("QRBU:1:1 VRQR:1.5 HASH:{H}"), PartError::NoContent),
            ("QRBU:1:1 VRQR:1.5 A:1".to_string(), PartError::MissingHash),
            ("QRBU:1:1 VRQR:1.5 A:1 HASH:ABC".to_string(), PartError::BadHash { offset: 22 }),
            (format!("QRBU:1:1 VRQR:1.5 A:1  HASH:{H}"), PartError::EmptyToken { offset: 22 }),
            (format!("QRBU:1:1 VRQR:1.5 A HASH:{H}"), PartError::BadToken { offset: 18, token: "A".into() }),
            (format!("QRBU:1:1 VRQR:1.5 :1 HASH:{H}"), PartError::BadToken { offset: 18, token: ":1".into() }),
            (format!("QRBU:1:1 VRQR:1.5 VRQR:1 HASH:{H}"), PartError::ReservedKey { offset: 18, key: "VRQR".into() }),
            (format!("QRBU:1:1 VRQR:1.5 A:1 HASH:{H} ASSI:ABC"), PartError::BadSignature { offset: 156 }),
            (
                format!("QRBU:1:1 VRQR:1.5 A:1 HASH:{H} X:1"),
                PartError::TrailingToken { offset: 156, token: "X:1".into() },
            ),
            (format!("QRBU:1:1 VRQR:1.5 a:1 HASH:{H}"), PartError::BadCharacter { offset: 18, found: 'a' }),
        ];
        for (text, want) in cases {
            assert_eq!(parse_part(text).as_ref(), Err(want), "{text}");
        }
    }
}
