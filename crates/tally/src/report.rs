//! Stable, serialisable results: the JSON report (schema in `SCHEMA.md`),
//! a CSV export and a plain-text summary.
//!
//! Determinism: every list is in a fixed order (candidates in ballot order,
//! units by level then id, conflicting tables by id, flags in code order),
//! there are no hash maps, and percentages are computed in integer
//! arithmetic and rounded half up to 4 decimals before becoming JSON numbers,
//! so two runs over the same log give byte-identical output.
//!
//! Printed percentages (text, CSV, the HTML report, the website) are not
//! those JSON numbers rounded again: rounding 63.97498 to 63.9750 and then to
//! 63.98 is wrong by a hundredth. They are [`percent_text`] of the integers
//! behind them (the `*_ratio` methods), rounded once.

use crate::certainty::{rivals, NodeCertainty, UnknownBound};
use crate::evidence::Evidence;
use crate::official::BulletinCheck;
use crate::tally::{ContestTally, Independence, Node, NodeCounts, Tally, TallyOptions};
use serde::Serialize;
use std::fmt::Write as _;
use testigo_election::{ElectionDef, Flag, Geography, UnitIx};

/// The schema identifier written in every report.
pub const SCHEMA: &str = "testigo-tally/1";

/// `num / den` as a percentage rounded half up to 4 decimals; None if `den` is 0.
pub fn percent(num: u64, den: u64) -> Option<f64> {
    if den == 0 {
        return None;
    }
    // Units of 1e-4 percent: 100% = 1,000,000.
    let x = (num as u128 * 2_000_000 + den as u128) / (2 * den as u128);
    Some(x as f64 / 10_000.0)
}

/// `num / den` as a percentage with `decimals` decimals, rounded half up
/// once from the integers (None if `den` is 0): 159,267 of 248,952 is
/// 63.97498…%, `"63.97"` at 2 decimals. Every printed percentage comes from
/// here, never from a rounded `f64` formatted again.
pub fn percent_text(num: u64, den: u64, decimals: u32) -> Option<String> {
    if den == 0 {
        return None;
    }
    let scale = 10u128.pow(decimals);
    // Units of 10^-decimals percent, rounded half up in integer arithmetic.
    let x = (num as u128 * 100 * scale * 2 + den as u128) / (2 * den as u128);
    Some(if decimals == 0 {
        x.to_string()
    } else {
        format!("{}.{:0width$}", x / scale, x % scale, width = decimals as usize)
    })
}

/// `num / den` as a percentage with two decimals, rounded once; see [`percent_text`].
pub fn pct2(num: u64, den: u64) -> Option<String> {
    percent_text(num, den, 2)
}

/// Parts per million as a percentage with 4 decimals.
pub fn ppm_percent(ppm: u64) -> f64 {
    ppm as f64 / 10_000.0
}

/// What to include in a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportOptions {
    /// Unit levels (indexes into the election's levels) to list under
    /// `units`; None lists every level. The national node is always present.
    pub levels: Option<Vec<usize>>,
    /// Most conflicting tables listed per contest (the rest are counted in
    /// `conflicting_tables_omitted`); None lists all.
    pub max_conflicts: Option<usize>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { levels: None, max_conflicts: Some(1_000) }
    }
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TallyReport {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// What election this is.
    pub election: ElectionInfo,
    /// The options the tally used.
    pub options: OptionsReport,
    /// The rules and assumptions behind every number, in words.
    pub assumptions: Vec<String>,
    /// One per contest, in election order.
    pub contests: Vec<ContestReport>,
}

/// The election's identity and declared totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ElectionInfo {
    /// Election id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Date.
    pub date: String,
    /// Level names, top down (the last is the table level).
    pub levels: Vec<String>,
    /// Tables in the geography.
    pub tables: u64,
    /// Tables the election declares, if it does.
    pub declared_tables: Option<u64>,
    /// Registered voters the election declares, if it does.
    pub registry: Option<u64>,
    /// The largest count accepted on one sheet.
    pub max_table_voters: u64,
}

/// The options, as reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionsReport {
    /// `organisations` or `keys`.
    pub independence: Independence,
    /// Whether official sheets counted as evidence.
    pub include_official: bool,
    /// The turnout cap τ, percent.
    pub turnout_cap_percent: f64,
}

/// One contest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContestReport {
    /// Contest id.
    pub id: String,
    /// Contest name.
    pub name: String,
    /// Candidates in ballot order.
    pub candidates: Vec<CandidateInfo>,
    /// The whole election.
    pub national: UnitReport,
    /// Units of the selected levels, by level then id.
    pub units: Vec<UnitReport>,
    /// Conflicting tables with every variant, by table id.
    pub conflicting_tables: Vec<ConflictReport>,
    /// Conflicting tables not listed (see [`ReportOptions::max_conflicts`]).
    pub conflicting_tables_omitted: u64,
    /// Checks of official announcements, when the caller adds them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub official: Vec<BulletinCheck>,
    /// Why current sheets' QR codes could not be used, most frequent first
    /// (added by [`crate::add_qr_problems`]; absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qr_unreadable: Vec<crate::QrProblem>,
}

/// A candidate's identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidateInfo {
    /// Candidate id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// Aggregates of one node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitReport {
    /// Unit id (`""` for the national node).
    pub id: String,
    /// Unit name (the election's name for the national node).
    pub name: String,
    /// Level name (`"national"` for the national node).
    pub level: String,
    /// Parent unit id.
    pub parent: Option<String>,
    /// Per candidate, in ballot order.
    pub candidates: Vec<CandidateResult>,
    /// Valid votes.
    pub valid: u64,
    /// Null votes (chosen variants).
    pub null: u64,
    /// Null votes with conflicting tables at their lowest variant.
    pub null_min: u64,
    /// Null votes with conflicting tables at their highest variant.
    pub null_max: u64,
    /// Blank votes.
    pub blank: u64,
    /// Ballots counted: valid + null + blank.
    pub voters: u64,
    /// Table counts by state.
    pub tables: TablesReport,
    /// Registered voters.
    pub registered: RegisteredReport,
    /// Reporting tables / all tables, percent; None (`null`) when the
    /// node's table count is unknown (`tables.denominator`).
    pub coverage_tables_percent: Option<f64>,
    /// Reporting tables whose counted figures lack the null votes (counted
    /// as 0: `null` and `voters` are then lower bounds).
    pub null_not_reported: u64,
    /// Reporting tables whose counted figures lack some candidate's votes
    /// (counted as 0; `votes_max` allows for them).
    pub votes_not_reported: u64,
    /// Registered voters of reporting tables / registry, percent (None when
    /// either is not fully known).
    pub coverage_registered_percent: Option<f64>,
    /// Ballots / registered voters over reporting tables that declare them, percent.
    pub turnout_percent: Option<f64>,
    /// The ballots of `turnout_percent` (reporting tables that declare
    /// registered voters; its denominator is `registered.reporting`), so
    /// turnout can be printed from the integers.
    pub turnout_voters: u64,
    /// Evidence sheets raising each flag, by code (every code listed, in code order).
    pub flags: Vec<FlagCount>,
    /// Can the missing tables change the leader?
    pub certainty: CertaintyReport,
}

impl UnitReport {
    /// Reporting tables and all tables: `coverage_tables_percent` as integers.
    pub fn coverage_tables_ratio(&self) -> (u64, u64) {
        (self.tables.reporting, self.tables.total)
    }

    /// Registered voters of reporting tables and the registry they are a
    /// share of, when `coverage_registered_percent` is known.
    pub fn coverage_registered_ratio(&self) -> Option<(u64, u64)> {
        self.coverage_registered_percent
            .map(|_| (self.registered.reporting, self.registered.registry.unwrap_or(self.registered.declared)))
    }

    /// Ballots and registered voters of reporting tables that declare them:
    /// `turnout_percent` as integers.
    pub fn turnout_ratio(&self) -> (u64, u64) {
        (self.turnout_voters, self.registered.reporting)
    }

    /// A candidate's votes and the valid votes: `share_percent` as integers.
    pub fn share_ratio(&self, r: &CandidateResult) -> (u64, u64) {
        (r.votes, self.valid)
    }
}

impl CertaintyReport {
    /// The worst-case lead (0 if none) and the most the missing tables could
    /// add: `tipping_turnout_percent` as integers, when it is defined.
    pub fn tipping_ratio(&self) -> Option<(u64, u64)> {
        self.tipping_turnout_percent.map(|_| (self.lead_worst.max(0) as u64, self.r_miss))
    }
}

/// One candidate's result at a node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CandidateResult {
    /// Candidate id.
    pub id: String,
    /// Counted votes.
    pub votes: u64,
    /// With every conflicting table at its lowest variant for this candidate.
    pub votes_min: u64,
    /// With every conflicting table at its highest variant for this candidate.
    pub votes_max: u64,
    /// Share of valid votes, percent.
    pub share_percent: Option<f64>,
}

/// Table counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TablesReport {
    /// Tables under the node: those the geography lists plus `undeclared`.
    pub total: u64,
    /// With at least one evidence sheet.
    pub reporting: u64,
    /// One independent source.
    pub single: u64,
    /// Two or more agreeing independent sources.
    pub corroborated: u64,
    /// Disagreeing sources.
    pub conflicting: u64,
    /// No evidence.
    pub missing: u64,
    /// Tables the node's declared count has beyond those the geography
    /// lists (included in total and missing; 0 when the count is unknown).
    pub undeclared: u64,
    /// What `total` is: `listed` (the geography lists every table, as far as
    /// the election or an enclosing unit declares), `declared` (a declared
    /// count: the election's `total_tables`, or the unit's from a
    /// `geography` entry), or `unknown` (nobody declared the unit's tables
    /// and its list is not known complete: `total` is only what is listed,
    /// and coverage and the verdict are unknown).
    pub denominator: &'static str,
    /// Evidence sheets considered.
    pub sheets: u64,
}

/// Registered voters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegisteredReport {
    /// Sum over tables that declare registered voters.
    pub declared: u64,
    /// Tables that do not.
    pub tables_unknown: u64,
    /// Of reporting tables.
    pub reporting: u64,
    /// Of missing tables that declare them.
    pub missing: u64,
    /// Nationally: the election's declared registry.
    pub registry: Option<u64>,
}

/// A flag code and how many evidence sheets raise it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlagCount {
    /// Stable flag code.
    pub code: &'static str,
    /// Sheets.
    pub sheets: u64,
}

/// The certainty verdict, with names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CertaintyReport {
    /// `decided` (whatever the missing sheets say), `decided_at_cap` (only if
    /// the missing tables turn out at most τ), `open`, `unknown` (the node's
    /// table count is unknown and no registry bounds it: see
    /// `tables.denominator`), or `no_votes`.
    pub verdict: &'static str,
    /// Leading candidate id.
    pub leader: Option<String>,
    /// Whether the lead is a tie.
    pub tie: bool,
    /// The rival closest in the worst case.
    pub rival: Option<String>,
    /// Counted lead over the runner-up.
    pub lead: i64,
    /// Worst-case lead `D` over the closest rival.
    pub lead_worst: i64,
    /// `R_miss`.
    pub r_miss: u64,
    /// Part of `R_miss` from declared registries of missing tables.
    pub r_miss_known: u64,
    /// Missing tables without a declared registry.
    pub unknown_tables: u64,
    /// Part of `R_miss` bounding them.
    pub r_miss_unknown: u64,
    /// `none`, `table_bound`, `registry_remainder` or `unbounded`.
    pub unknown_bound: UnknownBound,
    /// `D / R_miss`, percent (None when nothing is missing).
    pub tipping_turnout_percent: Option<f64>,
    /// Against every rival, in ballot order.
    pub rivals: Vec<RivalReport>,
}

/// The leader against one rival.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RivalReport {
    /// Rival id.
    pub candidate: String,
    /// Counted lead.
    pub lead: i64,
    /// Worst-case lead.
    pub lead_worst: i64,
    /// `D > R_miss`.
    pub decided: bool,
    /// `D > τ·R_miss`.
    pub decided_at_cap: bool,
    /// `D / R_miss`, percent.
    pub tipping_turnout_percent: Option<f64>,
}

/// A conflicting table and its variants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConflictReport {
    /// Table id.
    pub table: String,
    /// Its unit id.
    pub unit: String,
    /// Variants in order of first appearance in the log.
    pub variants: Vec<VariantReport>,
}

/// One variant of a conflicting table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VariantReport {
    /// Whether this variant is counted.
    pub chosen: bool,
    /// Votes in candidate order (0 where not reported).
    pub votes: Vec<u64>,
    /// Candidate ids whose votes no sheet of the variant reports (omitted when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_reported: Vec<String>,
    /// Null votes; `null` in JSON when no sheet of the variant reports them.
    pub null: Option<u64>,
    /// Blank votes.
    pub blank: u64,
    /// Independent sources.
    pub independent: u32,
    /// Log indexes of the sheets carrying it.
    pub sheets: Vec<u64>,
    /// Their organisations, sorted, without repeats.
    pub organisations: Vec<String>,
}

/// The rules behind the numbers, stated in the report.
pub fn assumptions(options: &TallyOptions) -> Vec<String> {
    let indep = match options.independence {
        Independence::Organisations => "different enrolled organisations",
        Independence::Keys => "different keys",
    };
    vec![
        format!(
            "Evidence: current sheets (not superseded by their signer's correction){}.",
            if options.include_official { ", official ones included" } else { ", official sheets excluded" }
        ),
        format!("Sheets agree when every count (each candidate, null, blank) is equal; sources are independent when they come from {indep}."),
        "A table is missing (no sheet), single (one independent source), corroborated (two or more independent sources agree) or conflicting (sheets disagree).".into(),
        "Counted: the table's only variant; for conflicting tables the variant with the most independent sources, ties to the earliest in the log. The lowest and highest a candidate can have (votes_min and votes_max) take every conflicting table at its lowest or highest variant for that candidate.".into(),
        "Voters are the ballots counted (valid + null + blank); turnout uses only reporting tables that declare registered voters.".into(),
        "Certainty: the worst-case lead (lead_worst, written D) is the leader's votes with every conflicting table at its lowest for the leader, minus the rival's votes with every conflicting table at its highest for the rival. The most the missing tables could add (r_miss, written R_miss; also called the registry bound) is the registered voters of the tables without a sheet; for such tables that declare none, the smaller of the most one table may hold (max_table_voters) each and, nationally, what remains of the election's registry after the registered voters already covered.".into(),
        format!(
            "Decided when the worst-case lead is larger than the most the missing tables could add, against every rival; decided at the cap when it is larger than the turnout cap (written τ, {}%) times that; the tipping turnout is the worst-case lead divided by the most the missing tables could add: the turnout they would need, every vote for the rival, to overturn the lead.",
            ppm_percent(options.turnout_cap_ppm as u64)
        ),
    ]
}

/// Builds the report of a tally. `evidence` must be the one the tally was
/// computed from.
pub fn build_report(
    election: &ElectionDef,
    geo: &Geography,
    evidence: &Evidence,
    tally: &Tally,
    options: &ReportOptions,
) -> TallyReport {
    let mut units: Vec<UnitIx> =
        geo.units().filter(|&u| options.levels.as_ref().is_none_or(|ls| ls.contains(&geo.unit_level(u)))).collect();
    units.sort_by(|&a, &b| geo.unit_level(a).cmp(&geo.unit_level(b)).then_with(|| geo.unit_id(a).cmp(geo.unit_id(b))));
    let contests = tally
        .contests
        .iter()
        .map(|ct| contest_report(election, geo, evidence, ct, &tally.options, &units, options))
        .collect();
    TallyReport {
        schema: SCHEMA,
        election: ElectionInfo {
            id: election.id.clone(),
            name: election.name.clone(),
            date: election.date.clone(),
            levels: election.levels.clone(),
            tables: geo.table_count() as u64,
            declared_tables: election.total_tables,
            registry: election.registry,
            max_table_voters: election.max_table_voters,
        },
        options: OptionsReport {
            independence: tally.options.independence,
            include_official: tally.options.include_official,
            turnout_cap_percent: ppm_percent(tally.options.turnout_cap_ppm as u64),
        },
        assumptions: assumptions(&tally.options),
        contests,
    }
}

fn contest_report(
    election: &ElectionDef,
    geo: &Geography,
    evidence: &Evidence,
    ct: &ContestTally,
    topts: &TallyOptions,
    units: &[UnitIx],
    options: &ReportOptions,
) -> ContestReport {
    let contest = &election.contests[ct.contest];
    let national = node_report(election, geo, ct, Node::National, topts);
    let unit_reports = units.iter().map(|&u| node_report(election, geo, ct, Node::Unit(u), topts)).collect();
    let mut conflicting: Vec<_> = geo.tables().filter(|&t| ct.state(t) == crate::TableState::Conflicting).collect();
    conflicting.sort_by(|&a, &b| geo.table_id(a).cmp(geo.table_id(b)));
    let total = conflicting.len();
    let keep = options.max_conflicts.unwrap_or(usize::MAX).min(total);
    let rows = evidence.rows();
    let conflicting_tables = conflicting[..keep]
        .iter()
        .map(|&t| ConflictReport {
            table: geo.table_id(t).to_string(),
            unit: geo.unit_id(geo.table_unit(t)).to_string(),
            variants: ct
                .variants(evidence, t, topts.independence)
                .into_iter()
                .map(|v| {
                    let mut orgs: Vec<String> = v
                        .sheets
                        .iter()
                        .map(|&s| evidence.organisations()[rows[s as usize].organisation as usize].clone())
                        .collect();
                    orgs.sort();
                    orgs.dedup();
                    VariantReport {
                        chosen: v.chosen,
                        not_reported: v
                            .not_reported
                            .iter()
                            .map(|&k| contest.candidates[k as usize].id.clone())
                            .collect(),
                        votes: v.votes,
                        null: v.null,
                        blank: v.blank,
                        independent: v.independent,
                        sheets: v.sheets.iter().map(|&s| rows[s as usize].index).collect(),
                        organisations: orgs,
                    }
                })
                .collect(),
        })
        .collect();
    ContestReport {
        id: contest.id.clone(),
        name: contest.name.clone(),
        candidates: contest
            .candidates
            .iter()
            .map(|c| CandidateInfo { id: c.id.clone(), name: c.name.clone() })
            .collect(),
        national,
        units: unit_reports,
        conflicting_tables,
        conflicting_tables_omitted: (total - keep) as u64,
        official: Vec::new(),
        qr_unreadable: Vec::new(),
    }
}

fn node_report(election: &ElectionDef, geo: &Geography, ct: &ContestTally, node: Node, o: &TallyOptions) -> UnitReport {
    let contest = &election.contests[ct.contest];
    let c: &NodeCounts = ct.counts(node);
    let (v, vmin, vmax) = (ct.votes(node), ct.votes_min(node), ct.votes_max(node));
    let cand_id = |k: usize| contest.candidates[k].id.clone();
    let candidates = (0..v.len())
        .map(|k| CandidateResult {
            id: cand_id(k),
            votes: v[k],
            votes_min: vmin[k],
            votes_max: vmax[k],
            share_percent: percent(v[k], c.valid),
        })
        .collect();
    let (id, name, level, parent) = match node {
        Node::National => (String::new(), election.name.clone(), "national".to_string(), None),
        Node::Unit(u) => (
            geo.unit_id(u).to_string(),
            geo.unit_name(u).to_string(),
            geo.levels()[geo.unit_level(u)].clone(),
            geo.unit_parent(u).map(|p| geo.unit_id(p).to_string()),
        ),
    };
    // What coverage is measured against (crate::tally::Denominators).
    let registry = ct.declared_registry(node);
    let known_count = ct.undeclared(node);
    let undeclared = known_count.unwrap_or(0);
    let denominator = match (node, known_count) {
        (_, None) => "unknown",
        (Node::National, Some(_)) if election.total_tables.is_some() => "declared",
        (Node::Unit(u), Some(_)) if geo.declared(u).is_some_and(|d| d.tables.is_some()) => "declared",
        _ => "listed",
    };
    let total = c.tables + undeclared;
    let reporting_unknown = c.registry_unknown - c.missing_registry_unknown;
    let registered_denominator =
        registry.or((c.registry_unknown == 0 && undeclared == 0 && known_count.is_some()).then_some(c.registered));
    let coverage_registered = if reporting_unknown == 0 {
        registered_denominator.and_then(|d| percent(c.registered_reporting, d))
    } else {
        None
    };
    let cert: &NodeCertainty = ct.certainty(node);
    let verdict = match (cert.leader, cert.decided, cert.decided_at_cap) {
        (None, _, _) => "no_votes",
        _ if cert.unknown_bound == UnknownBound::Unbounded => "unknown",
        (_, true, _) => "decided",
        (_, false, true) => "decided_at_cap",
        _ => "open",
    };
    let certainty = CertaintyReport {
        verdict,
        leader: cert.leader.map(cand_id),
        tie: cert.tie,
        rival: cert.rival.map(cand_id),
        lead: cert.lead,
        lead_worst: cert.lead_worst,
        r_miss: cert.r_miss,
        r_miss_known: cert.r_miss_known,
        unknown_tables: cert.unknown_tables,
        r_miss_unknown: cert.r_miss_unknown,
        unknown_bound: cert.unknown_bound,
        tipping_turnout_percent: cert.tipping_turnout_ppm.map(ppm_percent),
        rivals: rivals(ct, node, o.turnout_cap_ppm)
            .into_iter()
            .map(|r| RivalReport {
                candidate: cand_id(r.rival),
                lead: r.lead,
                lead_worst: r.lead_worst,
                decided: r.decided,
                decided_at_cap: r.decided_at_cap,
                tipping_turnout_percent: r.tipping_turnout_ppm.map(ppm_percent),
            })
            .collect(),
    };
    UnitReport {
        id,
        name,
        level,
        parent,
        candidates,
        valid: c.valid,
        null: c.null,
        null_min: c.null_min,
        null_max: c.null_max,
        blank: c.blank,
        voters: c.voters,
        tables: TablesReport {
            total,
            reporting: c.reporting(),
            single: c.single,
            corroborated: c.corroborated,
            conflicting: c.conflicting,
            missing: c.missing + undeclared,
            undeclared,
            denominator,
            sheets: c.sheets,
        },
        registered: RegisteredReport {
            declared: c.registered,
            tables_unknown: c.registry_unknown + undeclared,
            reporting: c.registered_reporting,
            missing: c.registered_missing,
            registry,
        },
        coverage_tables_percent: known_count.and_then(|_| percent(c.reporting(), total)),
        null_not_reported: c.null_not_reported,
        votes_not_reported: c.votes_not_reported,
        coverage_registered_percent: coverage_registered,
        turnout_percent: percent(c.voters_registry_known, c.registered_reporting),
        turnout_voters: c.voters_registry_known,
        flags: Flag::ALL.iter().map(|&f| FlagCount { code: f.code(), sheets: c.flags[f as usize] }).collect(),
        certainty,
    }
}

impl TallyReport {
    /// The report as pretty-printed JSON (stable: see the module docs).
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings, integers and finite floats cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report as compact JSON, for serving: a national report is about a
    /// third smaller without the indentation.
    pub fn to_json_compact(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// One CSV per contest would be awkward to name; this writes one CSV with
    /// a `contest` column and one row per node (national first, then units in
    /// report order). Candidate columns are `votes:<candidate id>` for the
    /// union of candidate ids of all contests, in first-appearance order
    /// (empty where a contest lacks the candidate).
    pub fn to_csv(&self) -> String {
        let mut cand_ids: Vec<&str> = Vec::new();
        for c in &self.contests {
            for cand in &c.candidates {
                if !cand_ids.contains(&cand.id.as_str()) {
                    cand_ids.push(&cand.id);
                }
            }
        }
        let mut out = String::from(
            "contest,level,unit,name,parent,tables,reporting,single,corroborated,conflicting,missing,\
             registered_reporting,valid,null,blank,voters,coverage_tables_percent,turnout_percent,\
             leader,rival,lead_worst,r_miss,verdict,tables_denominator,null_not_reported,votes_not_reported",
        );
        for id in &cand_ids {
            out.push_str(",votes:");
            out.push_str(&csv_field(id));
        }
        out.push('\n');
        for c in &self.contests {
            for u in std::iter::once(&c.national).chain(&c.units) {
                let ratio = |(n, d): (u64, u64)| pct2(n, d).unwrap_or_default();
                let _ = write!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    csv_field(&c.id),
                    csv_field(&u.level),
                    csv_field(&u.id),
                    csv_field(&u.name),
                    csv_field(u.parent.as_deref().unwrap_or("")),
                    u.tables.total,
                    u.tables.reporting,
                    u.tables.single,
                    u.tables.corroborated,
                    u.tables.conflicting,
                    u.tables.missing,
                    u.registered.reporting,
                    u.valid,
                    u.null,
                    u.blank,
                    u.voters,
                    // Unknown, in words: an empty cell could be read as "none".
                    if u.tables.denominator == "unknown" {
                        "unknown".to_string()
                    } else {
                        ratio(u.coverage_tables_ratio())
                    },
                    ratio(u.turnout_ratio()),
                    csv_field(u.certainty.leader.as_deref().unwrap_or("")),
                    csv_field(u.certainty.rival.as_deref().unwrap_or("")),
                    u.certainty.lead_worst,
                    u.certainty.r_miss,
                    u.certainty.verdict,
                    u.tables.denominator,
                    u.null_not_reported,
                    u.votes_not_reported,
                );
                for id in &cand_ids {
                    out.push(',');
                    if let Some(r) = u.candidates.iter().find(|r| r.id == *id) {
                        let _ = write!(out, "{}", r.votes);
                    }
                }
                out.push('\n');
            }
        }
        out
    }

    /// A plain-text summary for people: per contest, the national result,
    /// coverage, certainty, official checks, and one line per top-level unit
    /// listed in the report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let e = &self.election;
        let _ = writeln!(s, "{} ({}), {}", e.name, e.id, e.date);
        for c in &self.contests {
            let n = &c.national;
            let _ = writeln!(s, "\n== {} ==", c.name);
            let t = &n.tables;
            let _ = writeln!(
                s,
                "Tables: {} of {} reporting ({}): {} corroborated, {} single source, {} conflicting; {} missing{}",
                t.reporting,
                t.total,
                pct_text(n.coverage_tables_ratio()),
                t.corroborated,
                t.single,
                t.conflicting,
                t.missing,
                if t.undeclared > 0 { format!(" ({} not in the geography)", t.undeclared) } else { String::new() }
            );
            if let Some(cov) = n.coverage_registered_ratio() {
                let _ = writeln!(s, "Registered voters covered: {} ({})", n.registered.reporting, pct_text(cov));
            }
            let _ = writeln!(
                s,
                "Valid {}, null {}, blank {}, ballots {}, turnout {}",
                n.valid,
                n.null,
                n.blank,
                n.voters,
                pct_text(n.turnout_ratio())
            );
            if n.null_not_reported > 0 || n.votes_not_reported > 0 {
                let _ = writeln!(
                    s,
                    "Not reported by any sheet, counted as 0: null votes at {} tables, some candidate's votes at {} \
                     tables (null and ballots are lower bounds; the highest votes allow for them)",
                    n.null_not_reported, n.votes_not_reported
                );
            }
            let width = c.candidates.iter().map(|k| k.name.chars().count()).max().unwrap_or(0);
            for (info, r) in c.candidates.iter().zip(&n.candidates) {
                let bounds = if r.votes_min != r.votes_max {
                    let why = match (n.tables.conflicting > 0, n.votes_not_reported > 0) {
                        (true, true) => "over conflicting variants and votes not reported",
                        (false, true) => "allowing for votes not reported",
                        _ => "over conflicting variants",
                    };
                    format!("  [{} – {} {why}]", r.votes_min, r.votes_max)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    s,
                    "  {:<width$}  {:>12}  {:>9}{}",
                    info.name,
                    r.votes,
                    pct_text(n.share_ratio(r)),
                    bounds,
                    width = width
                );
            }
            let _ = writeln!(s, "{}", certainty_text(c, &n.certainty));
            let what = |w: &str| figure_name(c, w);
            for b in &c.official {
                let _ = writeln!(s, "{}", b.summary_named(&what));
            }
            for p in &c.qr_unreadable {
                let _ = writeln!(
                    s,
                    "QR not usable ({} code) on {} sheet(s), e.g. table {}: {}",
                    p.source,
                    p.sheets,
                    p.tables.join(", "),
                    p.why
                );
            }
            let top: Vec<&UnitReport> = c.units.iter().filter(|u| u.parent.is_none()).collect();
            if !top.is_empty() {
                let _ = writeln!(s, "By {}:", top[0].level);
                if top.iter().any(|u| u.tables.denominator == "unknown") {
                    // Declared tables the geography does not list belong to no known unit: any
                    // unit whose own count nobody declared may hold some of them.
                    let _ = writeln!(
                        s,
                        "  (\"?\": nobody declared how many tables the {} has, and the geography may not list \
                         them all{}, so its coverage and verdict are unknown; `testigo geography declare` gives \
                         it a denominator)",
                        top[0].level,
                        if n.tables.undeclared > 0 {
                            format!(" ({} declared tables are listed nowhere)", n.tables.undeclared)
                        } else {
                            String::new()
                        }
                    );
                }
                for u in top {
                    let leader = u.certainty.leader.as_deref().unwrap_or("-");
                    let total =
                        if u.tables.denominator == "unknown" { "?".to_string() } else { u.tables.total.to_string() };
                    let verdict = if u.certainty.verdict == "unknown" {
                        "verdict unknown (table count unknown)"
                    } else {
                        u.certainty.verdict
                    };
                    let share = u.candidates.iter().find(|r| r.id == leader).map(|r| u.share_ratio(r));
                    let _ = writeln!(
                        s,
                        "  {:<24} {:>6}/{:<6} tables, leader {} ({}), {}",
                        u.name,
                        u.tables.reporting,
                        total,
                        figure_name(c, leader),
                        share.map(pct_text).unwrap_or_else(|| "n/a".into()),
                        verdict
                    );
                }
            }
        }
        s
    }
}

fn certainty_text(c: &ContestReport, cert: &CertaintyReport) -> String {
    let name = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| c.candidates.iter().find(|k| &k.id == id))
            .map(|k| k.name.clone())
            .unwrap_or_else(|| "-".into())
    };
    match cert.verdict {
        "no_votes" => "No valid votes counted yet.".into(),
        v => format!(
            "Leader {}{}, lead {} (worst case {}) over {}; the missing tables could add at most {} votes: {}{}",
            name(&cert.leader),
            if cert.tie { " (tied)" } else { "" },
            cert.lead,
            cert.lead_worst,
            name(&cert.rival),
            cert.r_miss,
            match v {
                "decided" => "DECIDED whatever the missing sheets say",
                "decided_at_cap" => "decided only if the missing tables' turnout stays under the cap",
                "unknown" => "NO VERDICT: the table count is unknown, so nothing bounds what is missing",
                _ => "NOT decided",
            },
            cert.tipping_ratio().map(|r| format!(" (tipping turnout {})", pct_text(r))).unwrap_or_default()
        ),
    }
}

/// Formats a percentage with exactly two decimals. Only for values that
/// are exact at 4 decimals (the turnout cap, from parts per million); a
/// computed share is printed from its integers ([`pct2`]) so it is rounded
/// once.
pub fn fmt_pct(p: f64) -> String {
    format!("{p:.2}")
}

/// `num / den` with two decimals and `%`, rounded once, or `n/a`.
fn pct_text((num, den): (u64, u64)) -> String {
    pct2(num, den).map(|p| p + "%").unwrap_or_else(|| "n/a".into())
}

/// How to call an announced figure (`BoundCheck::what`, candidate ids
/// joined by `+`, or `valid`/`null`) for people: candidates by name.
pub fn figure_name(c: &ContestReport, what: &str) -> String {
    match what {
        "valid" => "valid votes".into(),
        "null" => "null votes".into(),
        _ => what
            .split('+')
            .map(|id| c.candidates.iter().find(|k| k.id == id).map_or(id, |k| k.name.as_str()))
            .collect::<Vec<_>>()
            .join(" + "),
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
