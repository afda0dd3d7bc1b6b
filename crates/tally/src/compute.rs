//! One tabulation as a user asks for it: which sheets count (all, or one
//! publisher's), which levels to list, which official bulletins to check.
//! `testigo tally`, `testigo report` and the demo all call [`compute`], so the
//! same options give the same report wherever they are given.

use testigo_election::Registry;

use crate::official::{Bulletin, ChanceModel, OfficialError};
use crate::report::{build_report, ReportOptions, TallyReport};
use crate::summary::add_bulletin_checks;
use crate::tally::{tabulate, TallyOptions};
use crate::Evidence;

/// What to compute.
#[derive(Clone, Debug, Default)]
pub struct Compute {
    /// Tally options (independence, official sheets, turnout cap).
    pub tally: TallyOptions,
    /// Level names to list units of; empty: the top level; `all`: every level.
    pub levels: Vec<String>,
    /// Only sheets signed by these key names or labels (empty: all).
    pub signers: Vec<String>,
    /// Official bulletins to check (besides the logged ones).
    pub bulletins: Vec<Bulletin>,
}

/// Why a tabulation could not be computed as asked.
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    /// The log holds no election entry.
    #[error("the log holds no election yet")]
    NoElection,
    /// `signers` matched no sheet.
    #[error("no sheet is signed by {signers:?}; enrolled key names: {known}")]
    NoSheetSignedBy {
        /// The names asked for.
        signers: Vec<String>,
        /// The enrolled key names, comma-separated.
        known: String,
    },
    /// A level name that is not a unit level of the election.
    #[error("--level {level:?} is not a unit level of this election; use one of: {levels}, all")]
    UnknownLevel {
        /// The name asked for.
        level: String,
        /// The election's unit levels, comma-separated.
        levels: String,
    },
    /// A bulletin could not be checked.
    #[error(transparent)]
    Official(#[from] OfficialError),
}

/// The evidence of a registry, optionally only the sheets signed by keys
/// with one of `signers` as name or label (e.g. one importer, i.e. one publication).
pub fn evidence(registry: &Registry, signers: &[String]) -> Evidence {
    if signers.is_empty() {
        return Evidence::from_registry(registry);
    }
    Evidence::from_registry_signed_by(registry, |enr| {
        signers.iter().any(|n| n == enr.verifier.name() || *n == enr.key_label())
    })
}

/// Tabulates a replayed registry as `c` asks and checks the bulletins: the
/// logged ones first, with their provenance; a bulletin of `c` with the same
/// figures as a logged one is not repeated.
pub fn compute(registry: &Registry, c: &Compute) -> Result<TallyReport, ComputeError> {
    let election = registry.election().ok_or(ComputeError::NoElection)?;
    let geo = registry.geography();
    let ev = evidence(registry, &c.signers);
    if !c.signers.is_empty() && ev.rows().is_empty() {
        let mut known: Vec<String> = registry.enrolments().iter().map(|e| e.verifier.name().to_string()).collect();
        known.sort();
        known.dedup();
        return Err(ComputeError::NoSheetSignedBy { signers: c.signers.clone(), known: known.join(", ") });
    }
    let levels = if c.levels.iter().any(|l| l == "all") {
        None
    } else if c.levels.is_empty() {
        Some(vec![0])
    } else {
        let unit_levels = &election.levels[..election.levels.len().saturating_sub(1)];
        let mut ix = Vec::new();
        for l in &c.levels {
            match unit_levels.iter().position(|x| x == l) {
                Some(i) => ix.push(i),
                None => return Err(ComputeError::UnknownLevel { level: l.clone(), levels: unit_levels.join(", ") }),
            }
        }
        Some(ix)
    };
    let tally = tabulate(election, geo, &ev, &c.tally);
    let mut report = build_report(election, geo, &ev, &tally, &ReportOptions { levels, ..Default::default() });
    add_bulletin_checks(&mut report, registry, &ev, &tally, &c.bulletins, &ChanceModel::default(), true)?;
    crate::add_qr_problems(&mut report, registry);
    Ok(report)
}
