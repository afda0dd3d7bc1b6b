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

#[cfg(test)]
mod tests {
    //! The batching thread driven directly: jobs are queued before the
    //! thread starts, so which ones share a batch is deterministic.

    use super::*;
    use crate::node::tests::{fixture, sheet, signed, Fixture};
    use std::sync::mpsc::sync_channel;
    use std::sync::Arc;
    use std::time::Duration;

    type Reply = oneshot::Receiver<Result<(Outcome, Durable), SubmitError>>;

    async fn fixture_off_runtime() -> Fixture {
        tokio::task::spawn_blocking(fixture).await.unwrap()
    }

    /// Queues `entries` as jobs, then runs the batching thread over them until the queue closes.
    fn run_over(entries: Vec<Vec<u8>>, node: &Arc<Node>) -> (Vec<Reply>, std::thread::JoinHandle<()>) {
        let (tx, rx) = sync_channel(MAX_QUEUED);
        let replies = entries
            .into_iter()
            .map(|entry| {
                let (reply, answer) = oneshot::channel();
                tx.send(Job { entry, reply }).unwrap();
                answer
            })
            .collect();
        drop(tx);
        let (weak, rt) = (Arc::downgrade(node), tokio::runtime::Handle::current());
        (replies, std::thread::spawn(move || run(rx, weak, rt)))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_submissions_form_one_batch_and_each_caller_gets_its_own_outcome() {
        let f = fixture_off_runtime().await;
        let n = f.setup;
        let (replies, thread) = run_over(
            vec![
                signed(&sheet("01.1"), &f.w1),
                b"junk".to_vec(),
                signed(&sheet("01.2"), &f.w1),
                signed(&sheet("01.1"), &f.w1),
                signed(&sheet("02.1"), &f.w2),
            ],
            &f.node,
        );
        let mut answers = Vec::new();
        for r in replies {
            answers.push(r.await.unwrap().unwrap());
        }
        thread.join().unwrap();
        let outcomes: Vec<_> = answers.iter().map(|(o, _)| o.as_ref().map(|(i, _)| *i).map_err(|e| e.code())).collect();
        assert_eq!(outcomes, [Ok(n), Err("malformed"), Ok(n + 1), Err("duplicate_sheet"), Ok(n + 2)]);
        // One batch: every caller watches the same durability announcement.
        assert!(answers.iter().all(|(_, d)| d.same_channel(&answers[0].1)));
        let done = wait_durable(answers[0].1.clone()).await.unwrap();
        assert_eq!((done.first_index, done.tree_size), (n, n + 3));
        assert_eq!(done.checkpoint, f.node.checkpoint());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_closes_at_its_count_limit() {
        let f = fixture_off_runtime().await;
        // Junk is refused without touching the log, so the batches are cheap.
        let (replies, thread) = run_over(vec![b"junk".to_vec(); MAX_BATCH + 1], &f.node);
        let mut durables = Vec::new();
        for r in replies {
            let (outcome, durable) = r.await.unwrap().unwrap();
            assert_eq!(outcome.unwrap_err().code(), "malformed");
            durables.push(durable);
        }
        thread.join().unwrap();
        assert!(durables[..MAX_BATCH].iter().all(|d| d.same_channel(&durables[0])));
        assert!(!durables[MAX_BATCH].same_channel(&durables[0]), "entry {} should start a second batch", MAX_BATCH + 1);
        assert_eq!(f.node.registry().next_index(), f.setup);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lone_submission_is_not_held_back_waiting_for_company() {
        let f = fixture_off_runtime().await;
        let b = Batcher::start(Arc::downgrade(&f.node), tokio::runtime::Handle::current());
        let started = std::time::Instant::now();
        let (outcome, durable) = tokio::time::timeout(Duration::from_secs(10), b.submit(signed(&sheet("01.1"), &f.w1)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(outcome.unwrap(), (f.setup, vec![]));
        let done = wait_durable(durable).await.unwrap();
        assert_eq!((done.first_index, done.tree_size), (f.setup, f.setup + 1));
        // The sequencer's batch delay is 5 ms; even a loaded machine answers well within a few seconds.
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn when_the_node_refuses_every_caller_in_the_batch_gets_the_refusal() {
        let f = fixture_off_runtime().await;
        f.node.set_witness_block(Some("no quorum".into()));
        let (replies, thread) =
            run_over(vec![signed(&sheet("01.1"), &f.w1), b"junk".to_vec(), signed(&sheet("01.2"), &f.w2)], &f.node);
        for r in replies {
            let e = r.await.unwrap().unwrap_err();
            assert_eq!((e.code(), e.retry_after()), ("unavailable", Some(60)));
        }
        thread.join().unwrap();
        assert_eq!(f.node.registry().next_index(), f.setup);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_answers_overloaded() {
        let (tx, _rx) = sync_channel(1);
        let (reply, _answer) = oneshot::channel();
        tx.send(Job { entry: vec![], reply }).unwrap();
        let e = Batcher { tx }.submit(b"entry".to_vec()).await.unwrap_err();
        assert_eq!((e.code(), e.http_status(), e.retry_after()), ("overloaded", 503, Some(1)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_node_stops_the_thread_and_later_submissions_are_unavailable() {
        let f = fixture_off_runtime().await;
        let b = Batcher::start(Arc::downgrade(&f.node), tokio::runtime::Handle::current());
        drop(f);
        let e = b.submit(b"x".to_vec()).await.unwrap_err();
        assert_eq!(e.code(), "internal", "{e:?}");
        // Once the thread is gone, the queue is closed.
        let mut last = None;
        for _ in 0..100 {
            let e = b.submit(b"x".to_vec()).await.unwrap_err();
            if e.code() == "unavailable" {
                last = Some(e);
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(last.expect("the queue never closed").retry_after(), Some(5));
    }

    #[tokio::test]
    async fn durability_waits_end_with_the_sequencer_s_answer() {
        let (announce, durable) = watch::channel(None);
        let waiter = tokio::spawn(wait_durable(durable));
        tokio::task::yield_now().await;
        announce.send(Some(Err("disk full".into()))).unwrap();
        assert_eq!(waiter.await.unwrap().unwrap_err(), "disk full");

        let (announce, durable) = watch::channel(None);
        let waiter = tokio::spawn(wait_durable(durable));
        drop(announce);
        assert_eq!(waiter.await.unwrap().unwrap_err(), "the sequencer stopped");

        let (announce, durable) = watch::channel(None);
        let appended = Appended { first_index: 4, tree_size: 6, checkpoint: Arc::new(b"cp".to_vec()) };
        announce.send(Some(Ok(appended))).unwrap();
        // Already announced: returns at once, also for late subscribers.
        let done = wait_durable(durable.clone()).await.unwrap();
        assert_eq!((done.first_index, done.tree_size), (4, 6));
        assert_eq!(wait_durable(durable).await.unwrap().tree_size, 6);
    }
}
