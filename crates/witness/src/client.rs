//! The log side of c2sp.org/tlog-witness: submit a new checkpoint with a
//! consistency proof to each configured witness and collect the cosignatures.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Mutex;
use std::time::Duration;

use testigo_note::{Signature, SignedNote, Verifier};
use testigo_tlog::hash::Hash;
use testigo_tlog::Checkpoint;

use crate::request::{parse_size_body, AddCheckpointRequest};

/// Why a witness did not cosign.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The witness has cosigned a larger checkpoint than the one submitted (409 with a size above ours).
    #[error("the witness has already cosigned size {witness_size}, beyond the submitted size {size}: is another log instance running with this key?")]
    WitnessAhead {
        /// The witness's size.
        witness_size: u64,
        /// The submitted checkpoint's size.
        size: u64,
    },
    /// The witness kept answering 409 after retrying with the size it reported.
    #[error("the witness kept answering 409 Conflict (last size it reported: {0})")]
    Conflict(u64),
    /// The witness refused the checkpoint.
    #[error("the witness refused the checkpoint with HTTP {status}: {body}")]
    Refused {
        /// HTTP status code.
        status: u16,
        /// The response body (trimmed), the witness's explanation.
        body: String,
    },
    /// The request could not be made or the response not read.
    #[error("cannot reach the witness at {url}: {why}")]
    Http {
        /// The add-checkpoint URL.
        url: String,
        /// The cause.
        why: String,
    },
    /// The witness answered 200 with something that is not a valid cosignature by its key.
    #[error("the witness's response is not a valid cosignature by {key}: {why}")]
    BadCosignature {
        /// The witness key expected.
        key: String,
        /// Why.
        why: String,
    },
    /// The caller's proof function failed.
    #[error("cannot build the consistency proof from size {old}: {why}")]
    Proof {
        /// The old size asked for.
        old: u64,
        /// The cause.
        why: String,
    },
    /// The submitted checkpoint is not a checkpoint note.
    #[error("not a checkpoint: {0}")]
    BadCheckpoint(String),
}

/// A witness's successful answer.
#[derive(Clone, Debug)]
pub struct Cosigned {
    /// The signature lines as returned (each ending in a newline).
    pub lines: String,
    /// The size the request used as `old` (after any 409 retry): the witness's previous size.
    pub old_size: u64,
}

fn add_checkpoint_url(url: &str) -> String {
    format!("{}/add-checkpoint", url.trim_end_matches('/'))
}

/// Asks the witness whose submission prefix is `url` to cosign `checkpoint`
/// (a signed checkpoint note). `proof(old)` must return the consistency proof
/// from size `old` to the checkpoint's size; it is called with `old_size` and,
/// if the witness answers 409 Conflict with another size, with that size
/// (a client with no idea of the witness's size may pass 0).
pub async fn add_checkpoint<F, E>(
    client: &reqwest::Client,
    url: &str,
    old_size: u64,
    proof: F,
    checkpoint: &[u8],
) -> Result<Cosigned, ClientError>
where
    F: Fn(u64) -> Result<Vec<Hash>, E>,
    E: Display,
{
    let note = SignedNote::parse(checkpoint).map_err(|e| ClientError::BadCheckpoint(e.to_string()))?;
    let size = Checkpoint::parse(note.text()).map_err(|e| ClientError::BadCheckpoint(e.to_string()))?.size;
    let endpoint = add_checkpoint_url(url);
    let mut old = old_size.min(size);
    // One retry after learning the witness's size, one more in case it moved meanwhile.
    for _ in 0..3 {
        let hashes = if old == 0 || old == size {
            Vec::new()
        } else {
            proof(old).map_err(|e| ClientError::Proof { old, why: e.to_string() })?
        };
        let body = AddCheckpointRequest { old_size: old, proof: hashes, checkpoint: checkpoint.to_vec() }.to_bytes();
        let http = |e: reqwest::Error| ClientError::Http { url: endpoint.clone(), why: e.to_string() };
        let resp = client.post(&endpoint).body(body).send().await.map_err(http)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(http)?;
        match status {
            200 => return Ok(Cosigned { lines: text, old_size: old }),
            409 => {
                let theirs = parse_size_body(&text).ok_or_else(|| ClientError::Refused {
                    status,
                    body: format!("409 without a valid size body: {:?}", text.trim()),
                })?;
                if theirs > size {
                    return Err(ClientError::WitnessAhead { witness_size: theirs, size });
                }
                if theirs == old {
                    return Err(ClientError::Conflict(theirs));
                }
                old = theirs;
            }
            _ => return Err(ClientError::Refused { status, body: text.trim().to_string() }),
        }
    }
    Err(ClientError::Conflict(old))
}

/// A witness the log submits to: its submission prefix URL and its cosigner key.
#[derive(Clone, Debug)]
pub struct WitnessEndpoint {
    /// Submission prefix, e.g. `https://witness.example/` (add-checkpoint is appended).
    pub url: String,
    /// The witness's cosignature verifier key (type 0x04).
    pub key: Verifier,
}

/// What one witness did with a checkpoint.
#[derive(Debug)]
pub struct WitnessOutcome {
    /// The witness's key name.
    pub witness: String,
    /// The cosignature timestamp on success, or why it failed.
    pub result: Result<u64, ClientError>,
}

/// Collects cosignatures for each new checkpoint from a fixed set of
/// witnesses, remembering each witness's last size to avoid a 409 round trip.
#[derive(Debug)]
pub struct WitnessClient {
    client: reqwest::Client,
    witnesses: Vec<WitnessEndpoint>,
    sizes: Mutex<HashMap<String, u64>>,
}

impl WitnessClient {
    /// A client for `witnesses`, with a per-request timeout.
    pub fn new(witnesses: Vec<WitnessEndpoint>, timeout: Duration) -> Result<Self, ClientError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| ClientError::Http { url: String::new(), why: e.to_string() })?;
        Ok(WitnessClient { client, witnesses, sizes: Mutex::new(HashMap::new()) })
    }

    /// The configured witnesses.
    pub fn witnesses(&self) -> &[WitnessEndpoint] {
        &self.witnesses
    }

    /// Submits `checkpoint` to every witness concurrently and returns the
    /// checkpoint note with every valid cosignature appended (invalid answers
    /// are dropped and reported), plus each witness's outcome. `proof(old)`
    /// returns the consistency proof from `old` to the checkpoint's size.
    /// Call it after each new checkpoint and publish the returned note.
    pub async fn cosign<F, E>(
        &self,
        checkpoint: &[u8],
        proof: F,
    ) -> Result<(SignedNote, Vec<WitnessOutcome>), ClientError>
    where
        F: Fn(u64) -> Result<Vec<Hash>, E> + Sync,
        E: Display,
    {
        let mut note = SignedNote::parse(checkpoint).map_err(|e| ClientError::BadCheckpoint(e.to_string()))?;
        let size = Checkpoint::parse(note.text()).map_err(|e| ClientError::BadCheckpoint(e.to_string()))?.size;
        let futures = self.witnesses.iter().map(|w| {
            let known = self.sizes.lock().ok().and_then(|m| m.get(&w.url).copied()).unwrap_or(0);
            let proof = &proof;
            async move { (w, add_checkpoint(&self.client, &w.url, known, proof, checkpoint).await) }
        });
        let answers = futures_util::future::join_all(futures).await;
        let mut outcomes = Vec::new();
        for (w, answer) in answers {
            let result = answer.and_then(|c| {
                let sig = verify_cosignature(note.text(), &c.lines, &w.key)?;
                Ok(sig)
            });
            let result = match result {
                Ok((sig, ts)) => {
                    note.push(sig);
                    if let Ok(mut m) = self.sizes.lock() {
                        m.insert(w.url.clone(), size);
                    }
                    Ok(ts)
                }
                Err(e) => {
                    tracing::warn!(witness = %w.key.name(), error = %e, "witness did not cosign");
                    Err(e)
                }
            };
            outcomes.push(WitnessOutcome { witness: w.key.name().to_string(), result });
        }
        Ok((note, outcomes))
    }
}

/// Checks that `lines` (a witness's response) holds a valid cosignature by
/// `key` over the checkpoint `text`; returns that signature and its timestamp.
pub fn verify_cosignature(text: &str, lines: &str, key: &Verifier) -> Result<(Signature, u64), ClientError> {
    let bad = |why: String| ClientError::BadCosignature { key: key.to_vkey(), why };
    let mut joined = format!("{text}\n");
    joined.push_str(lines);
    if !joined.ends_with('\n') {
        joined.push('\n');
    }
    let note = SignedNote::parse(joined.as_bytes()).map_err(|e| bad(e.to_string()))?;
    let verified = note.verify(std::slice::from_ref(key)).map_err(|e| bad(e.to_string()))?;
    let ts = verified.verified_by.first().and_then(|(_, ts)| *ts).ok_or_else(|| bad("not a cosignature".into()))?;
    if ts == 0 {
        return Err(bad("the timestamp is zero".into()));
    }
    let sig = note
        .signatures()
        .iter()
        .find(|s| s.name == key.name() && s.key_id == key.key_id())
        .cloned()
        .ok_or_else(|| bad("no signature line by this key".into()))?;
    Ok((sig, ts))
}
