//! One unit's results as JSON (`v1/national.json`, `v1/units/<segment>.json`):
//! the rows of `/v1/tally` a reader of one unit needs, with its sub-units'
//! rows and its own tables' states. At a million tables `/v1/tally` holds
//! every unit (hundreds of MB); a newsroom following one state, or a page
//! drawing one municipality, fetches a few KB instead. The same files are
//! written by the static export, at the same paths, so a CDN serves them.
//!
//! Every figure is copied from the snapshot's report (the `/v1/tally`
//! computation), never recomputed: the slices cannot disagree with it.

use serde::Serialize;
use testigo_election::UnitIx;
use testigo_tally::report::{CandidateInfo, UnitReport};
use testigo_tally::TableState;

use crate::paths::{segment, unsegment};
use crate::Snapshot;

/// The `schema` of every unit document.
pub const SCHEMA: &str = "testigo-unit/1";

/// Which unit a document is about: the whole election, or one unit by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitRef {
    /// The whole election (`v1/national.json`).
    National,
    /// A unit of the geography, by id (`v1/units/<segment>.json`).
    Unit(String),
}

impl UnitRef {
    /// The document's path below the site root (no leading slash).
    pub fn path(&self) -> String {
        match self {
            UnitRef::National => "v1/national.json".into(),
            UnitRef::Unit(id) => format!("v1/units/{}.json", segment(id)),
        }
    }

    /// The file name below `v1/units/` that names a unit (`<segment>.json`).
    pub fn from_units_file(file: &str) -> Option<UnitRef> {
        let id = unsegment(file.strip_suffix(".json")?).filter(|id| !id.is_empty())?;
        Some(UnitRef::Unit(id))
    }
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    /// Entries of the log the figures are a function of.
    log_size: u64,
    election: ElectionRef<'a>,
    /// `null` for the national document.
    unit: Option<UnitHeader<'a>>,
    contests: Vec<ContestSlice<'a>>,
}

#[derive(Serialize)]
struct ElectionRef<'a> {
    id: &'a str,
    name: &'a str,
    levels: &'a [String],
}

#[derive(Serialize)]
struct UnitHeader<'a> {
    id: &'a str,
    name: &'a str,
    level: &'a str,
    parent: Option<&'a str>,
}

#[derive(Serialize)]
struct ContestSlice<'a> {
    id: &'a str,
    name: &'a str,
    candidates: &'a [CandidateInfo],
    /// This unit's row of `/v1/tally` (its `national` row for the election).
    totals: &'a UnitReport,
    /// The rows of the units directly below, in geography order.
    children: Vec<&'a UnitReport>,
    /// The tables directly in this unit, in geography order.
    tables: Vec<TableRow<'a>>,
}

#[derive(Serialize)]
struct TableRow<'a> {
    id: &'a str,
    state: TableState,
}

/// The document of `unit` (compact JSON), or `None` if the geography has no
/// such unit.
pub fn unit_json(snap: &Snapshot, unit: &UnitRef) -> Option<String> {
    let geo = &snap.geo;
    let target = match unit {
        UnitRef::National => None,
        UnitRef::Unit(id) => Some(geo.find_unit(id)?),
    };
    let children: Vec<UnitIx> = match target {
        Some(u) => geo.unit_children(u).collect(),
        // The top level, as the home page lists it.
        None => geo.units().filter(|u| geo.unit_parent(*u).is_none()).collect(),
    };
    let contests = snap
        .election
        .contests
        .iter()
        .zip(&snap.report.contests)
        .enumerate()
        .filter_map(|(c, (contest, report))| {
            let totals = match target {
                Some(u) => snap.unit_report(c, u)?,
                None => &report.national,
            };
            let tables = target
                .map(|u| {
                    geo.unit_tables(u).map(|t| TableRow { id: geo.table_id(t), state: snap.state(c, t) }).collect()
                })
                .unwrap_or_default();
            Some(ContestSlice {
                id: &contest.id,
                name: &contest.name,
                candidates: &report.candidates,
                totals,
                children: children.iter().filter_map(|ch| snap.unit_report(c, *ch)).collect(),
                tables,
            })
        })
        .collect();
    let header = target.map(|u| UnitHeader {
        id: geo.unit_id(u),
        name: geo.unit_name(u),
        level: geo.levels().get(geo.unit_level(u)).map_or("", String::as_str),
        parent: geo.unit_parent(u).map(|p| geo.unit_id(p)),
    });
    let doc = Document {
        schema: SCHEMA,
        log_size: snap.log_size,
        election: ElectionRef { id: &snap.election.id, name: &snap.election.name, levels: geo.levels() },
        unit: header,
        contests,
    };
    // Plain structs of strings and numbers: serialising cannot fail.
    serde_json::to_string(&doc).ok()
}
