//! Groups concurrent submissions into batches before they reach the
//! registry: one thread takes everything queued, checks signatures on every
//! core, applies the batch under one lock and hands the sequencer one batch.
//! Under load this replaces thousands of lock round trips and thread hops
//! per second with a few dozen.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::Weak;

use tokio::sync::{oneshot, watch};

use crate::node::{unix_now, Node, Outcome, SubmitError};
use testigo_tlog::sequencer::Appended;

/// The largest batch taken at once.
const MAX_BATCH: usize = 8_192;
/// Submissions waiting beyond this are pushed back (503 `overloaded`) rather than queued without bound.
const MAX_QUEUED: usize = 65_536;

/// Where a batch's durability is announced: `None` until the sequencer
/// answers; an error is the storage failure's description.
pub(crate) type Durable = watch::Receiver<Option<Result<Appended, String>>>;

struct Job {
    entry: Vec<u8>,
    reply: oneshot::Sender<Result<(Outcome, Durable), SubmitError>>,
}

/// The handle submitters use; the thread stops when the node is dropped.
pub(crate) struct Batcher {
    tx: SyncSender<Job>,
}

impl Batcher {
    /// Starts the batching thread for `node`; durability waits run on `rt`.
    pub(crate) fn start(node: Weak<Node>, rt: tokio::runtime::Handle) -> Batcher {
        let (tx, rx) = std::sync::mpsc::sync_channel(MAX_QUEUED);
        let spawned = std::thread::Builder::new().name("testigo-intake".into()).spawn(move || run(rx, node, rt));
        if let Err(e) = spawned {
            tracing::error!("cannot start the intake thread: {e}");
        }
        Batcher { tx }
    }

    /// Queues one entry; resolves to its outcome and where its durability will be announced.
    pub(crate) async fn submit(&self, entry: Vec<u8>) -> Result<(Outcome, Durable), SubmitError> {
        let (reply, answer) = oneshot::channel();
        match self.tx.try_send(Job { entry, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(SubmitError::Overloaded { retry_after: 1 }),
            Err(TrySendError::Disconnected(_)) => {
                return Err(SubmitError::Unavailable { why: "the node is shutting down".into(), retry_after: 5 })
            }
        }
        answer.await.map_err(|_| SubmitError::Internal("the intake thread stopped".into()))?
    }
}

fn run(rx: Receiver<Job>, node: Weak<Node>, rt: tokio::runtime::Handle) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let Some(node) = node.upgrade() else { break };
        let entries: Vec<Vec<u8>> = jobs.iter_mut().map(|j| std::mem::take(&mut j.entry)).collect();
        match node.enqueue(entries, unix_now(), true) {
            Err(e) => {
                for j in jobs {
                    let _ = j.reply.send(Err(e.clone()));
                }
            }
            Ok((outcomes, pending)) => {
                let (announce, durable) = watch::channel(None);
                let first = outcomes.iter().find_map(|o| o.as_ref().ok().map(|(i, _)| *i));
                if let Some(p) = pending {
                    let node = node.clone();
                    rt.spawn(async move {
                        let r = p.await.map_err(|e| e.to_string()).and_then(|a| match first {
                            // The registry predicted consecutive indices from `first`.
                            Some(f) if f != a.first_index => {
                                Err(format!("sequencer assigned index {} but the registry expected {f}", a.first_index))
                            }
                            _ => Ok(a),
                        });
                        if let Err(e) = &r {
                            // Declared here too, in case every caller has gone.
                            node.storage_failed(e);
                        }
                        let _ = announce.send(Some(r));
                    });
                }
                for (j, o) in jobs.into_iter().zip(outcomes) {
                    let _ = j.reply.send(Ok((o, durable.clone())));
                }
            }
        }
    }
}

/// Waits until the batch is durable; `Err` describes the storage failure.
pub(crate) async fn wait_durable(mut durable: Durable) -> Result<Appended, String> {
    loop {
        if let Some(r) = durable.borrow_and_update().clone() {
            return r;
        }
        durable.changed().await.map_err(|_| "the sequencer stopped".to_string())?;
    }
}
