//! The derived state of a testigo log, computed one way by everyone.
//!
//! The node rebuilding its registry at start, `testigo verify` replaying a
//! copy fetched from a mirror, `testigo tally` and `report` reading a data
//! directory, and the static site all call [`Replayer`]: the same decoders
//! ([`testigo_documents::SheetQr`]), the same parallel signature checks, the
//! same order of application, so they derive the same registry, flags and
//! totals from the same entries. What each does with an entry the rules refuse
//! is its own policy ([`Replayer::refused`]): a verifier fails, a node warns.
//!
//! [`photos`] re-reads the photos a log names and compares them with the
//! operator's logged readings: the check any verifier can run on a copy.

pub mod photos;
mod replay;

pub use replay::{
    audit_roots_mismatching, for_each_entry, replay_data_dir, replay_log, KindCounts, ReplayedDir, Replayer,
    GROUP_ENTRIES,
};
