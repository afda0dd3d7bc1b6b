//! Witnesses for C2SP transparency logs.
//!
//! A witness (<https://c2sp.org/tlog-witness>) is an independent party that
//! remembers the latest checkpoint it saw for each log it watches, and cosigns
//! a new checkpoint only if a consistency proof shows it extends the old one.
//! Verifiers that demand cosignatures from k of n witnesses know the log
//! showed them the same history it showed the witnesses.
//!
//! - [`Witness`]: the witness itself (state directory, per-log locks, evidence of forks).
//! - [`router`] / [`serve`]: its HTTP interface, `POST /add-checkpoint` and
//!   `GET /<origin hash>/checkpoint`.
//! - [`client`]: what a log calls after each checkpoint to collect cosignatures.
//! - [`quorum`]: the k-of-n check a verifier applies to a cosigned checkpoint.
//!
//! Cosignatures are c2sp.org/tlog-cosignature v1 (timestamped Ed25519, key type 0x04).
//!
//! # Evidence of forks
//!
//! When a checkpoint whose log signature verifies provably contradicts one the
//! witness cosigned (same size and another root, including smaller sizes still
//! in its history of [`MAX_HISTORY_CHECKPOINTS`], or a consistency proof that
//! hashes up to the submitted root from another prefix root), the witness
//! writes `<state>/evidence/<origin hash>/<SHA-256 of the checkpoint text>/`
//! with both signed checkpoints (and the proof). Resubmissions write nothing
//! new; at most [`MAX_EVIDENCE_RECORDS`] records of at most
//! [`MAX_EVIDENCE_RECORD_BYTES`] are kept per log, the earliest, and later ones
//! are counted ([`Witness::evidence_dropped`]) and logged. Failing proofs and
//! badly signed notes are refused without keeping anything.

pub mod client;
pub mod quorum;
pub mod request;
mod server;
mod witness;

pub use client::{add_checkpoint, ClientError, Cosigned, WitnessClient, WitnessEndpoint, WitnessOutcome};
pub use quorum::{check_quorum, QuorumError, WitnessPolicy};
pub use request::{AddCheckpointRequest, RequestError};
pub use server::{router, serve};
pub use witness::{
    origin_hash, AddError, LogConfig, Witness, WitnessError, MAX_EVIDENCE_RECORDS, MAX_EVIDENCE_RECORD_BYTES,
    MAX_HISTORY_CHECKPOINTS,
};
