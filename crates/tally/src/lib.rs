//! Tabulation of a testigo election: a pure function of the log.
//!
//! Anyone replaying the same log gets the same numbers. The pieces:
//!
//! - [`evidence`]: the sheets, flat ([`Evidence::from_registry`] or built
//!   directly).
//! - [`tally`]: table states (missing, single, corroborated, conflicting),
//!   the counting rule, and aggregates at every level ([`tabulate`]).
//! - [`certainty`]: whether the missing sheets could still change the leader.
//! - [`official`]: the authority's announcements put to the test
//!   (impossibility, round percentages, per-table comparison).
//! - [`bulletins`]: the `testigo-bulletins/1` file those announcements come
//!   in, parsed from text.
//! - [`report`]: stable, serialisable results (JSON schema in `SCHEMA.md`),
//!   CSV export and a plain-text summary.
//!
//! Typical use (what `testigo tally` does):
//!
//! ```ignore
//! let evidence = Evidence::from_registry(&registry);
//! let tally = tabulate(election, registry.geography(), &evidence, &TallyOptions::default());
//! let report = build_report(election, registry.geography(), &evidence, &tally, &ReportOptions::default());
//! println!("{}", report.to_json());
//! ```

pub mod bulletins;
pub mod certainty;
pub mod compute;
pub mod evidence;
pub mod official;
pub mod qr_problems;
pub mod report;
pub mod summary;
pub mod tally;
mod variants;

pub use bulletins::{parse_bulletins, BulletinFile, BulletinFileError, BULLETINS_SCHEMA};
pub use certainty::{rivals, NodeCertainty, RivalCertainty, UnknownBound};
pub use compute::{compute, evidence, Compute, ComputeError};
pub use evidence::{Evidence, EvidenceError, NewSheet, SheetRow};
pub use official::{
    check_bulletin, compare_tables, logged_bulletins, official_tables_from_evidence, round_summaries, round_test,
    Bulletin, BulletinCheck, BulletinCount, ChanceModel, LoggedBulletinRef, OfficialError, OfficialTable,
    TableComparison, ROUND_CAVEAT,
};
pub use qr_problems::{add_qr_problems, QrProblem, QrProblems};
pub use report::{build_report, ReportOptions, TallyReport, SCHEMA};
pub use summary::{
    add_bulletin_checks, compare_published, published_document, published_summary, published_tally,
    PublishedComparison, PublishedError, PublishedInputs,
};
pub use tally::{
    tabulate, ContestTally, Independence, Node, NodeCounts, TableState, Tally, TallyOptions, Variant, FLAG_COUNT,
};
