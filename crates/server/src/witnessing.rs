//! Asking witnesses (c2sp.org/tlog-witness) to cosign each new checkpoint and
//! republishing it with their cosignatures.
//!
//! The sequencer publishes every checkpoint itself, signed by the log only.
//! A background task ([`spawn`]) notices each new checkpoint, submits it to
//! the configured witnesses with a consistency proof from the size each
//! witness last saw, and republishes the same checkpoint with the
//! cosignatures appended.
//!
//! **Uncosigned window.** Between the sequencer publishing a checkpoint and
//! this task republishing it (one witness round trip plus up to one poll
//! interval), `/checkpoint` serves it without cosignatures; a verifier that
//! demands a witness quorum fails in that window and should retry. Under
//! continuous load a newer checkpoint may replace the cosigned one before
//! every batch is cosigned; the task always moves on to the latest one.
//!
//! **Refusals stop acknowledgements.** A witness that answers but refuses
//! a checkpoint (it has cosigned a larger one, a proof does not verify, the
//! cosignature is bad) is evidence that this log forked or rolled back.
//! When so many witnesses refuse that the [`AckPolicy::quorum`] can no
//! longer be met, the node stops acknowledging submissions (503
//! `unavailable`) until a round reaches the quorum again; witnesses that
//! are merely unreachable never stop intake.
//!
//! **No rollback.** The cosigned note is published only if the stored
//! checkpoint is still byte-for-byte the one that was cosigned, checked and
//! replaced under the same lock the sequencer's publishes take
//! ([`GuardedStorage`]), so the task can never put an older checkpoint over
//! a newer one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use testigo_tlog::storage::{Storage, StorageError, WriterLock, CHECKPOINT_PATH};
use testigo_tlog::{LogReader, TileId};
use testigo_witness::{ClientError, WitnessClient};

use crate::node::Node;

/// How often the task looks for a new checkpoint.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A [`Storage`] whose checkpoint publishes are serialised by a lock, so a
/// compare-and-publish ([`GuardedStorage::publish_if_current`]) cannot
/// interleave with the sequencer's own publish.
pub struct GuardedStorage {
    inner: Arc<dyn Storage>,
    publish: Mutex<()>,
}

impl std::fmt::Debug for GuardedStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GuardedStorage")
    }
}

impl GuardedStorage {
    /// Wraps `inner`; give the wrapper (not `inner`) to the sequencer.
    pub fn new(inner: Arc<dyn Storage>) -> Self {
        GuardedStorage { inner, publish: Mutex::new(()) }
    }

    /// Replaces the checkpoint with `new` only if the stored one is still
    /// exactly `expected`; returns whether it did.
    pub fn publish_if_current(&self, expected: &[u8], new: &[u8]) -> Result<bool, StorageError> {
        let _g = self.publish.lock().unwrap_or_else(|p| p.into_inner());
        if self.inner.read(CHECKPOINT_PATH)?.as_deref() != Some(expected) {
            return Ok(false);
        }
        self.inner.publish_checkpoint(new)?;
        Ok(true)
    }
}

impl Storage for GuardedStorage {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner.read(path)
    }
    fn write_objects(&self, objects: &[(String, Vec<u8>)]) -> Result<(), StorageError> {
        self.inner.write_objects(objects)
    }
    fn publish_checkpoint(&self, bytes: &[u8]) -> Result<(), StorageError> {
        let _g = self.publish.lock().unwrap_or_else(|p| p.into_inner());
        self.inner.publish_checkpoint(bytes)
    }
    fn write_and_publish(&self, objects: &[(String, Vec<u8>)], checkpoint: &[u8]) -> Result<(), StorageError> {
        let _g = self.publish.lock().unwrap_or_else(|p| p.into_inner());
        self.inner.write_and_publish(objects, checkpoint)
    }
    fn delete_partials(&self, full: &TileId) -> Result<(), StorageError> {
        self.inner.delete_partials(full)
    }
    fn lock_writer(&self) -> Result<Box<dyn WriterLock>, StorageError> {
        self.inner.lock_writer()
    }
}

/// When refusing witnesses stop the node from acknowledging submissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckPolicy {
    /// Cosignatures a checkpoint needs; acknowledgements stop when more
    /// than `witnesses - quorum` witnesses refuse.
    pub quorum: usize,
    /// Whether refusals stop acknowledgements at all.
    pub stop_on_refusal: bool,
}

impl AckPolicy {
    /// A majority of `witnesses`, stopping on refusal.
    pub fn majority(witnesses: usize) -> Self {
        AckPolicy { quorum: witnesses / 2 + 1, stop_on_refusal: true }
    }
}

/// Whether a witness's failure is a refusal (it answered, and said no)
/// rather than unreachability.
pub fn is_refusal(e: &ClientError) -> bool {
    !matches!(e, ClientError::Http { .. } | ClientError::Proof { .. } | ClientError::BadCheckpoint(_))
}

/// Runs until the returned task is aborted: cosigns every new checkpoint of
/// `node` (whose sequencer must write through `guard`) with `client`'s
/// witnesses and republishes it, stopping acknowledgements per `policy`.
pub fn spawn(
    node: Arc<Node>,
    guard: Arc<GuardedStorage>,
    client: WitnessClient,
    policy: AckPolicy,
) -> tokio::task::JoinHandle<()> {
    let client = Arc::new(client);
    tokio::spawn(async move {
        let reader = Arc::new(LogReader::new(guard.clone() as Arc<dyn Storage>, 256));
        let mut done: Option<Arc<Vec<u8>>> = None;
        loop {
            let latest = node.checkpoint();
            if done.as_ref() != Some(&latest) {
                let ok = cosign_once(&node, &guard, &reader, &client, &latest, policy).await;
                // On failure, try this checkpoint again after a pause (a witness may be down).
                if ok {
                    done = Some(latest);
                } else {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    })
}

/// Applies `policy` to one round's outcomes.
fn judge(node: &Node, outcomes: &[testigo_witness::WitnessOutcome], policy: AckPolicy) {
    if !policy.stop_on_refusal {
        return;
    }
    let n = outcomes.len();
    let cosigned = outcomes.iter().filter(|o| o.result.is_ok()).count();
    let refusals: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().filter(|e| is_refusal(e)).map(|e| format!("{}: {e}", o.witness)))
        .collect();
    if refusals.len() > n.saturating_sub(policy.quorum) {
        node.set_witness_block(Some(format!(
            "{} of {n} witnesses refuse this log's checkpoints, so the quorum of {} cannot be met (possible fork \
             or rollback; the operator must investigate). First refusal: {}",
            refusals.len(),
            policy.quorum,
            refusals[0]
        )));
    } else if cosigned >= policy.quorum {
        node.set_witness_block(None);
    }
}

/// Cosigns one checkpoint and republishes it; returns false if it should be retried.
async fn cosign_once(
    node: &Node,
    guard: &Arc<GuardedStorage>,
    reader: &Arc<LogReader<dyn Storage>>,
    client: &WitnessClient,
    checkpoint: &Arc<Vec<u8>>,
    policy: AckPolicy,
) -> bool {
    let r = reader.clone();
    let proof = move |old: u64| -> Result<Vec<testigo_tlog::Hash>, String> {
        let size = testigo_note::SignedNote::parse(checkpoint.as_slice())
            .ok()
            .and_then(|n| testigo_tlog::Checkpoint::parse(n.text()).ok())
            .map(|c| c.size)
            .ok_or("unreadable checkpoint")?;
        r.consistency_proof(old, size).map_err(|e| e.to_string())
    };
    let (note, outcomes) = match client.cosign(checkpoint, proof).await {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "cannot submit the checkpoint to witnesses");
            return false;
        }
    };
    judge(node, &outcomes, policy);
    let cosigned = outcomes.iter().filter(|o| o.result.is_ok()).count();
    if cosigned == 0 {
        return false;
    }
    let bytes = note.to_bytes();
    let g = guard.clone();
    let expected = checkpoint.clone();
    match tokio::task::spawn_blocking(move || g.publish_if_current(&expected, &bytes)).await {
        Ok(Ok(true)) => {
            // Witnesses that failed this round get the next checkpoint.
            tracing::info!(witnesses = cosigned, of = outcomes.len(), "published the cosigned checkpoint");
            true
        }
        // A newer checkpoint is out: it gets its own round.
        Ok(Ok(false)) => true,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot publish the cosigned checkpoint");
            false
        }
        Err(e) => {
            tracing::error!(error = %e, "cosigned checkpoint publish task failed");
            false
        }
    }
}
