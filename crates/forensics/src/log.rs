//! A replayed log's counted figures as a [`Dataset`]: one unit per table
//! with a counted sheet, the same figures `testigo tally` adds up.

use testigo_election::{ElectionDef, Geography, Registry};
use testigo_tally::{evidence, tabulate, Evidence, Tally, TallyOptions};

use crate::{Dataset, Unit};

/// Why a log's figures could not be turned into units.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The log holds no election.
    #[error("the log holds no election yet: create one with `testigo init`")]
    NoElection,
    /// No contest has that identifier.
    #[error("--contest {asked:?} is not a contest of this election; use one of: {known}")]
    Contest {
        /// The identifier asked for.
        asked: String,
        /// The election's contests.
        known: String,
    },
    /// No unit level has that name.
    #[error("--level {asked:?} is not a unit level of this election; use one of: {known}")]
    Level {
        /// The name asked for.
        asked: String,
        /// The unit levels.
        known: String,
    },
    /// No candidate has that identifier or name.
    #[error("--leader {asked:?} is not a candidate of this contest; use one of: {known}")]
    Leader {
        /// The candidate asked for.
        asked: String,
        /// The contest's candidates.
        known: String,
    },
}

/// The units of one contest (default: the first), grouped by the units of
/// `level` (default: the top level), following `leader` (a candidate's
/// identifier or name; default: the candidate with most votes nationally).
/// Voters are the counted votes plus null and blank ballots (ballots cast);
/// valid votes are the candidates' votes; registered voters are the table's.
pub fn from_registry(
    registry: &Registry,
    contest: Option<&str>,
    level: Option<&str>,
    leader: Option<&str>,
) -> Result<Dataset, LogError> {
    let election = registry.election().ok_or(LogError::NoElection)?;
    let geo = registry.geography();
    let ev = evidence(registry, &[]);
    let tally = tabulate(election, geo, &ev, &TallyOptions::default());
    from_tally(election, geo, &ev, &tally, contest, level, leader)
}

/// [`from_registry`] on a tabulation already made (`tally` over `ev`, e.g. a
/// website snapshot's), so the figures are the ones that tabulation counts.
pub fn from_tally(
    election: &ElectionDef,
    geo: &Geography,
    ev: &Evidence,
    tally: &Tally,
    contest: Option<&str>,
    level: Option<&str>,
    leader: Option<&str>,
) -> Result<Dataset, LogError> {
    let ci = match contest {
        None => 0,
        Some(c) => election.contests.iter().position(|x| x.id == c).ok_or_else(|| LogError::Contest {
            asked: c.into(),
            known: election.contests.iter().map(|x| x.id.as_str()).collect::<Vec<_>>().join(", "),
        })?,
    };
    let Some(def) = election.contests.get(ci) else {
        return Err(LogError::Contest { asked: String::new(), known: "(none)".into() });
    };
    let levels = &geo.levels()[..geo.unit_levels().min(geo.levels().len())];
    let li = match level {
        None => 0,
        Some(l) => levels
            .iter()
            .position(|x| x == l)
            .ok_or_else(|| LogError::Level { asked: l.into(), known: levels.join(", ") })?,
    };
    let Some(ct) = tally.contests.get(ci) else {
        return Err(LogError::NoElection);
    };
    let units: Vec<Unit> = geo
        .tables()
        .filter_map(|t| {
            let v = ct.counted(ev, t)?;
            let valid: u64 = v.votes.iter().sum();
            let group = geo.ancestors(t).find(|&u| geo.unit_level(u) == li).map(|u| geo.unit_name(u).to_string());
            Some(Unit {
                id: geo.table_id(t).to_string(),
                group,
                registered: geo.table_registered(t),
                voters: valid + v.null.unwrap_or(0) + v.blank,
                valid: Some(valid),
                votes: v.votes,
            })
        })
        .collect();
    let candidates: Vec<String> = def.candidates.iter().map(|c| c.name.clone()).collect();
    let leader = match leader {
        None => Dataset::top_candidate(candidates.len(), &units),
        Some(l) => def.candidates.iter().position(|c| c.id == l || c.name == l).ok_or_else(|| LogError::Leader {
            asked: l.into(),
            known: def.candidates.iter().map(|c| format!("{} ({})", c.id, c.name)).collect::<Vec<_>>().join(", "),
        })?,
    };
    Ok(Dataset { candidates, leader, units })
}
