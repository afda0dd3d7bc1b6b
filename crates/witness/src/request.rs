//! The `add-checkpoint` request body: `old <size>`, up to 63 consistency proof
//! lines, a blank line, then the signed checkpoint note.

use testigo_tlog::hash::{from_base64, to_base64, Hash};

/// The most proof lines a request may carry (c2sp.org/tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;

/// Why a request body is malformed (answered with 400 Bad Request).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    /// The body is not the documented layout.
    #[error("malformed add-checkpoint request: {0}")]
    Malformed(String),
}

/// A parsed `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The size of the checkpoint the client believes the witness last cosigned.
    pub old_size: u64,
    /// The consistency proof from `old_size` to the new checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, as sent.
    pub checkpoint: Vec<u8>,
}

fn parse_decimal(s: &str) -> Option<u64> {
    // No leading zeros except "0" itself, digits only.
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

impl AddCheckpointRequest {
    /// Parses a request body strictly.
    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        let bad = |s: &str| RequestError::Malformed(s.to_string());
        let split =
            body.windows(2).position(|w| w == b"\n\n").ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let head = std::str::from_utf8(&body[..split + 1]).map_err(|_| bad("header is not UTF-8"))?;
        let checkpoint = body[split + 2..].to_vec();
        // Lines end in "\n" alone: `str::lines` would also take "\r\n".
        let mut lines = head[..head.len() - 1].split('\n');
        let old =
            lines.next().and_then(|l| l.strip_prefix("old ")).ok_or_else(|| bad("first line must be 'old <size>'"))?;
        let old_size = parse_decimal(old).ok_or_else(|| bad("old size is not a decimal without leading zeros"))?;
        let mut proof = Vec::new();
        for l in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad("more than 63 consistency proof lines"));
            }
            proof.push(from_base64(l).ok_or_else(|| bad("proof line is not a base64 32-byte hash"))?);
        }
        Ok(AddCheckpointRequest { old_size, proof, checkpoint })
    }

    /// Serialises the request body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size);
        for h in &self.proof {
            out.push_str(&to_base64(h));
            out.push('\n');
        }
        out.push('\n');
        let mut out = out.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }
}

/// Parses a decimal tree size as used in `text/x.tlog.size` bodies (`<n>\n`).
pub fn parse_size_body(body: &str) -> Option<u64> {
    parse_decimal(body.strip_suffix('\n').unwrap_or(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        let r = AddCheckpointRequest {
            old_size: 5,
            proof: vec![[1u8; 32], [2u8; 32]],
            checkpoint: b"o\n1\nx\n\n- s\n".to_vec(),
        };
        assert_eq!(AddCheckpointRequest::parse(&r.to_bytes()).unwrap(), r);
        let empty = AddCheckpointRequest { old_size: 0, proof: vec![], checkpoint: b"cp".to_vec() };
        assert_eq!(AddCheckpointRequest::parse(&empty.to_bytes()).unwrap(), empty);
        for bad in [&b"old 05\n\ncp"[..], b"old x\n\ncp", b"new 5\n\ncp", b"old 5\nnotbase64\n\ncp", b"old 5\n"] {
            assert!(AddCheckpointRequest::parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let many = AddCheckpointRequest { old_size: 1, proof: vec![[0u8; 32]; 64], checkpoint: b"cp".to_vec() };
        assert!(AddCheckpointRequest::parse(&many.to_bytes()).is_err());
        assert_eq!(parse_size_body("42\n"), Some(42));
        assert_eq!(parse_size_body("042\n"), None);
    }

    #[test]
    fn crlf_line_ends_are_refused() {
        // Found by the witness_request fuzz target: CRLF was read as LF, so the
        // body did not round-trip.
        for bad in [&b"old 5\r\n\ncp"[..], b"old 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\ncp"] {
            assert!(AddCheckpointRequest::parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
