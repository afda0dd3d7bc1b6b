//! Independent verification and mirroring of C2SP tiled transparency logs
//! (<https://c2sp.org/tlog-tiles>), with no knowledge of what the entries mean.
//!
//! [`verify_log`] fetches a log copy from a [`Source`] (a directory or an
//! http(s) URL), checks the checkpoint's signature and a k-of-n witness
//! policy, fetches every tile and entry bundle, recomputes every tile from the
//! entries upwards and the root, and hands each entry in order to a
//! [`Visitor`] (the election layer checks signatures and tallies there). It
//! remembers the last verified checkpoint per log so the next run checks only
//! the new part, and refuses loudly a checkpoint inconsistent with it.
//! [`mirror`] does the same while writing a servable copy.
//!
//! Every failure names the first bad object by its path in the log.

mod edge;
mod source;
mod state;
mod verify;

pub use edge::Edge;
pub use source::{FetchError, Source};
pub use state::{load as load_state, state_path, Remembered};
pub use testigo_witness::WitnessPolicy;
pub use verify::{
    check_reports_consistent, mirror, mirror_into, verify_log, Inconsistency, NoVisitor, Options, Progress, Rejected,
    Report, VerifyError, Visitor,
};
