//! Table states, the counting rule, and aggregation at every level.
//!
//! # Table states (per table and contest)
//!
//! Only *evidence* sheets take part: current sheets (not superseded by their
//! signer's correction), and — unless [`TallyOptions::include_official`] —
//! not of source `official` (the authority's own figures are what the
//! evidence is compared with, see [`crate::official`]).
//!
//! Two sheets *agree* when every figure both report is equal: each
//! candidate's votes, null votes, and blank votes; a figure one of them does
//! not report is not compared. This is
//! [`testigo_election::SheetCounts::agrees_with`], the same definition the
//! registry uses to flag `conflicts_with_earlier`, so a table the registry
//! finds conflicting is one the tally finds conflicting too. Agreeing sheets
//! form a *variant*, whose figures are merged from its sheets (each figure
//! from the first sheet that reports it; see `variants.rs` for why the merge
//! keeps the grouping faithful to the pairwise rule). The *independent sources* of a variant are its
//! distinct organisations ([`Independence::Organisations`], the default) or
//! distinct keys ([`Independence::Keys`]).
//!
//! - [`TableState::Missing`]: no evidence sheet.
//! - [`TableState::Single`]: one variant with one independent source (one
//!   sheet, or several sheets from the same organisation that agree).
//! - [`TableState::Corroborated`]: one variant with two or more independent
//!   sources.
//! - [`TableState::Conflicting`]: two or more variants.
//!
//! # Which counts enter the totals
//!
//! Single and corroborated tables: their (only) variant. Conflicting tables:
//! the variant with the most independent sources; ties go to the variant
//! whose earliest sheet has the lowest log index. The alternatives are never
//! hidden: for every candidate the aggregates also carry `votes_min` and
//! `votes_max`, the totals with each conflicting table at its lowest and
//! highest variant for that candidate (bounds taken per candidate, so they
//! may be wider than any single consistent choice of variants), and
//! [`ContestTally::variants`] lists every variant of a table.
//!
//! A figure no sheet of the counted variant reports counts 0 in the totals;
//! the node says how many tables that happened at
//! ([`NodeCounts::null_not_reported`], [`NodeCounts::votes_not_reported`]),
//! and the highest votes take the figure at the most a sheet may carry for
//! the table ([`testigo_election::count_bound`]), so the bounds stay true.
//!
//! # Aggregates
//!
//! One pass over the tables accumulates into the table's unit, then one pass
//! over the units from the last to the first (parents are defined before
//! their children, so this is bottom-up) adds each unit into its parent; the
//! national root is an extra node after the last unit. Every field of a
//! node is therefore exactly the sum over its children.

use crate::certainty::{node_certainty, NodeCertainty};
use crate::evidence::{Evidence, SheetRow};
use crate::variants::Groups;
use testigo_election::{count_bound, ElectionDef, Flag, Geography, Source, TableIx, UnitIx};

/// No sheet / no position.
pub(crate) const NONE: u32 = u32::MAX;

/// Number of flag codes counted per node.
pub const FLAG_COUNT: usize = Flag::ALL.len();

/// What the evidence says about one table in one contest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum TableState {
    /// No evidence sheet.
    Missing,
    /// One independent source.
    Single,
    /// Two or more independent sources agree on every count.
    Corroborated,
    /// Current sheets disagree.
    Conflicting,
}

impl TableState {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TableState::Missing => "missing",
            TableState::Single => "single",
            TableState::Corroborated => "corroborated",
            TableState::Conflicting => "conflicting",
        }
    }
}

/// What makes two sources independent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Independence {
    /// Different organisations (as enrolled by the operator): two keys of one
    /// organisation agreeing still count as one source.
    #[default]
    Organisations,
    /// Different keys, whatever their organisation.
    Keys,
}

/// Choices that change the tally; all are stated in the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TallyOptions {
    /// What makes sources independent.
    pub independence: Independence,
    /// Whether `official` sheets count as evidence (default: no; they are
    /// what the evidence is checked against).
    pub include_official: bool,
    /// The turnout cap τ for the capped certainty verdict, in parts per
    /// million (default 900,000 = 90%): "decided if the missing tables turn
    /// out at most τ of their registered voters".
    pub turnout_cap_ppm: u32,
}

impl Default for TallyOptions {
    fn default() -> Self {
        TallyOptions { independence: Independence::Organisations, include_official: false, turnout_cap_ppm: 900_000 }
    }
}

/// Counts of one node (a unit, or the national root) in one contest. Every
/// field is a sum over the node's tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NodeCounts {
    /// Tables in the geography under the node.
    pub tables: u64,
    /// Tables with no evidence sheet.
    pub missing: u64,
    /// Tables with one independent source.
    pub single: u64,
    /// Tables whose sources agree.
    pub corroborated: u64,
    /// Tables whose sources disagree.
    pub conflicting: u64,
    /// Evidence sheets taken into account (current, non-official unless included).
    pub sheets: u64,
    /// Valid votes (sum of the candidates' votes) counted.
    pub valid: u64,
    /// Null votes counted.
    pub null: u64,
    /// Lowest null votes over the variants of conflicting tables.
    pub null_min: u64,
    /// Highest null votes over the variants of conflicting tables.
    pub null_max: u64,
    /// Blank votes counted (0 where not printed).
    pub blank: u64,
    /// Ballots counted: valid + null + blank.
    pub voters: u64,
    /// Reporting tables whose counted figures lack the null votes (no
    /// evidence sheet reports them): their null votes count 0, so `null`
    /// and `voters` are lower bounds when this is not 0.
    pub null_not_reported: u64,
    /// Reporting tables whose counted figures lack some candidate's votes:
    /// those count 0 in `votes` and at most the table's count bound in the
    /// highest votes.
    pub votes_not_reported: u64,
    /// Registered voters of all tables that declare them.
    pub registered: u64,
    /// Tables that do not declare registered voters.
    pub registry_unknown: u64,
    /// Registered voters of reporting tables that declare them.
    pub registered_reporting: u64,
    /// Ballots counted at reporting tables that declare registered voters
    /// (the turnout numerator).
    pub voters_registry_known: u64,
    /// Ballots counted at reporting tables without declared registered voters.
    pub voters_registry_unknown: u64,
    /// Registered voters of missing tables that declare them.
    pub registered_missing: u64,
    /// Missing tables that do not declare registered voters.
    pub missing_registry_unknown: u64,
    /// Evidence sheets raising each flag, in [`Flag::ALL`] order.
    pub flags: [u64; FLAG_COUNT],
}

impl NodeCounts {
    fn add(&mut self, o: &NodeCounts) {
        self.tables += o.tables;
        self.missing += o.missing;
        self.single += o.single;
        self.corroborated += o.corroborated;
        self.conflicting += o.conflicting;
        self.sheets += o.sheets;
        self.valid += o.valid;
        self.null += o.null;
        self.null_min += o.null_min;
        self.null_max += o.null_max;
        self.blank += o.blank;
        self.voters += o.voters;
        self.null_not_reported += o.null_not_reported;
        self.votes_not_reported += o.votes_not_reported;
        self.registered += o.registered;
        self.registry_unknown += o.registry_unknown;
        self.registered_reporting += o.registered_reporting;
        self.voters_registry_known += o.voters_registry_known;
        self.voters_registry_unknown += o.voters_registry_unknown;
        self.registered_missing += o.registered_missing;
        self.missing_registry_unknown += o.missing_registry_unknown;
        for (a, b) in self.flags.iter_mut().zip(o.flags) {
            *a += b;
        }
    }

    /// Tables with at least one evidence sheet.
    pub fn reporting(&self) -> u64 {
        self.single + self.corroborated + self.conflicting
    }
}

/// A node of the aggregation tree: a unit, or the national root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// The whole election.
    National,
    /// One unit of the geography.
    Unit(UnitIx),
}

/// One variant of a table: sheets that agree on every figure both report,
/// with the figures merged (each from the first sheet that reports it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// The evidence rows (positions in [`Evidence::rows`]) that carry it, in log order.
    pub sheets: Vec<u32>,
    /// Its votes, in candidate order (0 where no sheet of it reports them).
    pub votes: Vec<u64>,
    /// Candidate positions whose votes no sheet of it reports.
    pub not_reported: Vec<u16>,
    /// Null votes, if a sheet of it reports them.
    pub null: Option<u64>,
    /// Blank votes (0 where not printed).
    pub blank: u64,
    /// Number of independent sources.
    pub independent: u32,
    /// Whether it is the variant counted in the totals.
    pub chosen: bool,
}

/// The tally of one contest: per-table states, per-node counts and certainty.
#[derive(Clone, Debug)]
pub struct ContestTally {
    /// The contest's position in the election.
    pub contest: usize,
    candidates: usize,
    units: usize,
    counts: Vec<NodeCounts>,
    votes: Vec<u64>,
    votes_min: Vec<u64>,
    votes_max: Vec<u64>,
    state: Vec<TableState>,
    chosen: Vec<u32>,
    start: Vec<u32>,
    order: Vec<u32>,
    certainty: Vec<NodeCertainty>,
    /// Tables the election declares beyond those in the geography (all
    /// missing, registry unknown); counted only in the national coverage and
    /// certainty, not in [`NodeCounts`].
    pub undeclared_tables: u64,
    /// Per node (units, then the national root): tables its denominator says
    /// exist beyond those listed, or None when nobody declared how many
    /// tables the unit has and its list is not known to be complete
    /// ([`Denominators`]).
    undeclared: Vec<Option<u64>>,
    /// Per node: registered voters declared for it (the election's registry
    /// nationally, a unit's declared total).
    declared_registry: Vec<Option<u64>>,
}

/// What a node's coverage is measured against, per unit, derived from the
/// log alone:
///
/// - the nation: the election's `total_tables` (or, when it declares none,
///   the tables the geography lists) and its `registry`;
/// - a unit with declared totals (a `geography` entry's `declared`): its
///   declared tables and registered voters;
/// - a unit without: complete when an ancestor's list is known complete
///   (its declared table count, or the election's, equals the tables
///   listed under it: every table under it is then listed), else unknown —
///   the tables nobody placed could lie in it, so no coverage and no verdict
///   can be claimed for it.
#[derive(Clone, Debug, Default)]
pub struct Denominators {
    /// Per unit position: (declared tables, declared registered voters).
    pub declared: Vec<(Option<u64>, Option<u64>)>,
}

impl Denominators {
    /// The declarations in force in `geo`.
    pub fn of(geo: &Geography) -> Self {
        Denominators {
            declared: geo.units().map(|u| geo.declared(u).map_or((None, None), |d| (d.tables, d.registered))).collect(),
        }
    }
}

/// The tally of every contest of an election.
#[derive(Clone, Debug)]
pub struct Tally {
    /// The options used.
    pub options: TallyOptions,
    /// One per contest, in election order.
    pub contests: Vec<ContestTally>,
}

/// Parent node of each unit (the root is `units`).
pub(crate) fn parents(geo: &Geography) -> Vec<u32> {
    let root = geo.unit_count() as u32;
    geo.units().map(|u| geo.unit_parent(u).map_or(root, |p| p.get() as u32)).collect()
}

/// Tabulates every contest: table states, aggregates at every node, and
/// outcome certainty. Pure and deterministic: the same inputs give the same
/// numbers.
pub fn tabulate(election: &ElectionDef, geo: &Geography, evidence: &Evidence, options: &TallyOptions) -> Tally {
    let parent = parents(geo);
    let tables: Vec<(u32, Option<u64>)> =
        geo.tables().map(|t| (geo.table_unit(t).get() as u32, geo.table_registered(t))).collect();
    let denominators = Denominators::of(geo);
    let contests = (0..election.contests.len())
        .map(|ci| tabulate_contest(election, ci, &parent, &tables, &denominators, evidence, options))
        .collect();
    Tally { options: *options, contests }
}

fn counted(row: &SheetRow, ci: usize, options: &TallyOptions) -> bool {
    row.contest as usize == ci && row.current && (options.include_official || row.source != Source::Official)
}

fn tabulate_contest(
    election: &ElectionDef,
    ci: usize,
    parent: &[u32],
    tables: &[(u32, Option<u64>)],
    denominators: &Denominators,
    evidence: &Evidence,
    options: &TallyOptions,
) -> ContestTally {
    let nc = election.contests[ci].candidates.len();
    let units = parent.len();
    let nodes = units + 1;
    let nt = tables.len();
    let rows = evidence.rows();

    // Group the evidence sheets by table (counting sort keeps log order).
    let mut start = vec![0u32; nt + 1];
    for r in rows.iter().filter(|r| counted(r, ci, options)) {
        if (r.table as usize) < nt {
            start[r.table as usize + 1] += 1;
        }
    }
    for i in 0..nt {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut order = vec![0u32; start[nt] as usize];
    for (pos, r) in rows.iter().enumerate() {
        if counted(r, ci, options) && (r.table as usize) < nt {
            let slot = &mut fill[r.table as usize];
            order[*slot as usize] = pos as u32;
            *slot += 1;
        }
    }
    drop(fill);

    let mut counts = vec![NodeCounts::default(); nodes];
    let mut votes = vec![0u64; nodes * nc];
    let mut votes_min = vec![0u64; nodes * nc];
    let mut votes_max = vec![0u64; nodes * nc];
    let mut state = vec![TableState::Missing; nt];
    let mut chosen = vec![NONE; nt];
    // Scratch for tables with several sheets: their variants.
    let mut groups = Groups::default();
    let mut lo_hi: Vec<(u64, u64)> = vec![(0, 0); nc];

    for (t, &(unit, registered)) in tables.iter().enumerate() {
        let n = unit as usize;
        let c = &mut counts[n];
        c.tables += 1;
        match registered {
            Some(r) => c.registered += r,
            None => c.registry_unknown += 1,
        }
        let sheets = &order[start[t] as usize..start[t + 1] as usize];
        if sheets.is_empty() {
            c.missing += 1;
            match registered {
                Some(r) => c.registered_missing += r,
                None => c.missing_registry_unknown += 1,
            }
            continue;
        }
        let single = sheets.len() == 1;
        let (st, pick, variant) = if single {
            (TableState::Single, sheets[0], 0)
        } else {
            classify(evidence, sheets, options.independence, &mut groups)
        };
        state[t] = st;
        chosen[t] = pick;
        match st {
            TableState::Single => c.single += 1,
            TableState::Corroborated => c.corroborated += 1,
            _ => c.conflicting += 1,
        }
        c.sheets += sheets.len() as u64;
        for &s in sheets {
            for f in rows[s as usize].flags.iter() {
                c.flags[f as usize] += 1;
            }
        }
        // The counted figures: the one sheet's, or the chosen variant's merge.
        let row = &rows[pick as usize];
        let counts = evidence.counts(row);
        let (v, null, blank) = if single {
            (counts.votes, counts.null, counts.blank)
        } else {
            (groups.votes(variant), groups.null(variant), groups.blank(variant))
        };
        let reports = |k: usize| if single { counts.reports(k) } else { groups.reports(variant, k) };
        // What a figure nobody reports could be at most: no sheet may carry more.
        let bound = count_bound(election.max_table_voters, registered);
        let valid: u64 = v.iter().sum();
        let blank = blank.unwrap_or(0);
        let voters = valid + null.unwrap_or(0) + blank;
        c.valid += valid;
        c.null += null.unwrap_or(0);
        c.blank += blank;
        c.voters += voters;
        c.null_not_reported += u64::from(null.is_none());
        c.votes_not_reported += u64::from((0..nc).any(|k| !reports(k)));
        match registered {
            Some(r) => {
                c.registered_reporting += r;
                c.voters_registry_known += voters;
            }
            None => c.voters_registry_unknown += voters,
        }
        let base = n * nc;
        if st == TableState::Conflicting {
            let (mut nmin, mut nmax) = (u64::MAX, 0u64);
            lo_hi.iter_mut().for_each(|x| *x = (u64::MAX, 0));
            for g in 0..groups.len() {
                let gn = groups.null(g);
                nmin = nmin.min(gn.unwrap_or(0));
                nmax = nmax.max(gn.unwrap_or(bound));
                for (k, x) in lo_hi.iter_mut().enumerate() {
                    let (lo, hi) =
                        if groups.reports(g, k) { (groups.votes(g)[k], groups.votes(g)[k]) } else { (0, bound) };
                    *x = (x.0.min(lo), x.1.max(hi));
                }
            }
            c.null_min += nmin;
            c.null_max += nmax;
            for k in 0..nc {
                votes[base + k] += v[k];
                votes_min[base + k] += lo_hi[k].0;
                votes_max[base + k] += lo_hi[k].1;
            }
        } else {
            c.null_min += null.unwrap_or(0);
            c.null_max += null.unwrap_or(bound);
            for k in 0..nc {
                votes[base + k] += v[k];
                votes_min[base + k] += v[k];
                votes_max[base + k] += if reports(k) { v[k] } else { bound };
            }
        }
    }

    // Bottom-up: children have higher positions than their parents.
    for u in (0..units).rev() {
        let p = parent[u] as usize;
        let child = counts[u];
        counts[p].add(&child);
        let (cb, pb) = (u * nc, p * nc);
        for k in 0..nc {
            votes[pb + k] += votes[cb + k];
            votes_min[pb + k] += votes_min[cb + k];
            votes_max[pb + k] += votes_max[cb + k];
        }
    }

    let undeclared_tables = election.total_tables.map_or(0, |d| d.saturating_sub(nt as u64));
    // Denominators, top down (parents come before their children).
    let mut undeclared = vec![None; nodes];
    let mut declared_registry = vec![None; nodes];
    let mut complete = vec![false; nodes];
    undeclared[units] = Some(undeclared_tables);
    declared_registry[units] = election.registry;
    complete[units] = undeclared_tables == 0;
    for u in 0..units {
        let (tables_declared, registered) = denominators.declared.get(u).copied().unwrap_or((None, None));
        let listed = counts[u].tables;
        match tables_declared {
            Some(d) => {
                undeclared[u] = Some(d.saturating_sub(listed));
                complete[u] = d <= listed;
            }
            None if complete[parent[u] as usize] => {
                undeclared[u] = Some(0);
                complete[u] = true;
            }
            None => {}
        }
        declared_registry[u] = registered;
    }
    let mut tally = ContestTally {
        contest: ci,
        candidates: nc,
        units,
        counts,
        votes,
        votes_min,
        votes_max,
        state,
        chosen,
        start,
        order,
        certainty: Vec::new(),
        undeclared_tables,
        undeclared,
        declared_registry,
    };
    let certainty = (0..nodes).map(|n| node_certainty(&tally, election, n, options.turnout_cap_ppm)).collect();
    tally.certainty = certainty;
    tally
}

/// Splits a table's sheets into variants (in `groups`); returns the state,
/// the chosen sheet (the first of the chosen variant) and the chosen variant.
fn classify(
    evidence: &Evidence,
    sheets: &[u32],
    independence: Independence,
    groups: &mut Groups,
) -> (TableState, u32, usize) {
    let rows = evidence.rows();
    let nc = evidence.votes(&rows[sheets[0] as usize]).len();
    groups.group(evidence, sheets, nc);
    let source_of = |s: u32| {
        let r = &rows[s as usize];
        match independence {
            Independence::Organisations => r.organisation,
            Independence::Keys => r.signer,
        }
    };
    // The first variant with the most independent sources: variants are in
    // order of first appearance, so the first wins ties by lowest log index.
    let mut best = (0u32, 0usize);
    for v in 0..groups.len() {
        let n = independent_sources(sheets, &groups.variant_of, v as u32, source_of);
        if n > best.0 {
            best = (n, v);
        }
    }
    let st = match (groups.len(), best.0) {
        (1, n) if n >= 2 => TableState::Corroborated,
        (1, _) => TableState::Single,
        _ => TableState::Conflicting,
    };
    (st, groups.reps[best.1], best.1)
}

fn independent_sources(sheets: &[u32], variant_of: &[u32], v: u32, source_of: impl Fn(u32) -> u32) -> u32 {
    let mut seen: Vec<u32> = Vec::new();
    for (&s, &sv) in sheets.iter().zip(variant_of) {
        if sv == v {
            let src = source_of(s);
            if !seen.contains(&src) {
                seen.push(src);
            }
        }
    }
    seen.len() as u32
}

impl ContestTally {
    /// Number of candidates.
    pub fn candidates(&self) -> usize {
        self.candidates
    }

    fn ix(&self, node: Node) -> usize {
        match node {
            Node::National => self.units,
            Node::Unit(u) => u.get(),
        }
    }

    pub(crate) fn counts_ix(&self, n: usize) -> &NodeCounts {
        &self.counts[n]
    }

    pub(crate) fn votes_ix(&self, n: usize) -> (&[u64], &[u64], &[u64]) {
        let r = n * self.candidates..(n + 1) * self.candidates;
        (&self.votes[r.clone()], &self.votes_min[r.clone()], &self.votes_max[r])
    }

    /// Counts of a node.
    pub fn counts(&self, node: Node) -> &NodeCounts {
        &self.counts[self.ix(node)]
    }

    /// Counted votes per candidate (candidate order).
    pub fn votes(&self, node: Node) -> &[u64] {
        let i = self.ix(node) * self.candidates;
        &self.votes[i..i + self.candidates]
    }

    /// Votes per candidate with every conflicting table at its lowest variant
    /// for that candidate.
    pub fn votes_min(&self, node: Node) -> &[u64] {
        let i = self.ix(node) * self.candidates;
        &self.votes_min[i..i + self.candidates]
    }

    /// Votes per candidate with every conflicting table at its highest variant
    /// for that candidate.
    pub fn votes_max(&self, node: Node) -> &[u64] {
        let i = self.ix(node) * self.candidates;
        &self.votes_max[i..i + self.candidates]
    }

    /// Tables the node's denominator says exist beyond those the geography
    /// lists under it; None when it is unknown ([`Denominators`]).
    pub fn undeclared(&self, node: Node) -> Option<u64> {
        self.undeclared[self.ix(node)]
    }

    /// Registered voters declared for the node (the election's registry
    /// nationally, a unit's declared total), if any.
    pub fn declared_registry(&self, node: Node) -> Option<u64> {
        self.declared_registry[self.ix(node)]
    }

    pub(crate) fn undeclared_ix(&self, n: usize) -> Option<u64> {
        self.undeclared[n]
    }

    pub(crate) fn declared_registry_ix(&self, n: usize) -> Option<u64> {
        self.declared_registry[n]
    }

    /// Outcome certainty of a node.
    pub fn certainty(&self, node: Node) -> &NodeCertainty {
        &self.certainty[self.ix(node)]
    }

    /// A table's state.
    pub fn state(&self, table: TableIx) -> TableState {
        self.state[table.get()]
    }

    /// All table states, by table position.
    pub fn states(&self) -> &[TableState] {
        &self.state
    }

    /// The evidence row counted for a table (None when missing).
    pub fn chosen(&self, table: TableIx) -> Option<u32> {
        Some(self.chosen[table.get()]).filter(|&c| c != NONE)
    }

    /// The evidence rows considered for a table, in log order.
    pub fn sheets(&self, table: TableIx) -> &[u32] {
        let t = table.get();
        &self.order[self.start[t] as usize..self.start[t + 1] as usize]
    }

    /// Every variant of a table, in order of first appearance in the log,
    /// grouped as the tally groups them ([`crate::tally`]).
    pub fn variants(&self, evidence: &Evidence, table: TableIx, independence: Independence) -> Vec<Variant> {
        let rows = evidence.rows();
        let chosen = self.chosen(table);
        let sheets = self.sheets(table);
        let Some(&first) = sheets.first() else {
            return Vec::new();
        };
        let mut groups = Groups::default();
        groups.group(evidence, sheets, evidence.votes(&rows[first as usize]).len());
        let mut out: Vec<Variant> = (0..groups.len())
            .map(|g| Variant {
                sheets: Vec::new(),
                votes: groups.votes(g).to_vec(),
                not_reported: groups.not_reported(g),
                null: groups.null(g),
                blank: groups.blank(g).unwrap_or(0),
                independent: 0,
                chosen: false,
            })
            .collect();
        for (&s, &g) in sheets.iter().zip(&groups.variant_of) {
            out[g as usize].sheets.push(s);
        }
        for v in &mut out {
            let mut seen: Vec<u32> = Vec::new();
            for &s in &v.sheets {
                let r = &rows[s as usize];
                let src = match independence {
                    Independence::Organisations => r.organisation,
                    Independence::Keys => r.signer,
                };
                if !seen.contains(&src) {
                    seen.push(src);
                }
            }
            v.independent = seen.len() as u32;
            v.chosen = chosen.is_some_and(|c| v.sheets.contains(&c));
        }
        out
    }

    /// The figures counted for a table (the chosen variant, merged from its
    /// sheets); None if the table is missing.
    pub fn counted(&self, evidence: &Evidence, table: TableIx) -> Option<Variant> {
        let c = self.chosen(table)?;
        if self.sheets(table).len() > 1 {
            return self.variants(evidence, table, Independence::Keys).into_iter().find(|v| v.chosen);
        }
        let row = &evidence.rows()[c as usize];
        Some(Variant {
            sheets: vec![c],
            votes: evidence.votes(row).to_vec(),
            not_reported: evidence.not_reported(row).to_vec(),
            null: row.null,
            blank: row.blank.unwrap_or(0),
            independent: 1,
            chosen: true,
        })
    }

    /// Per-candidate votes of one table as counted (the chosen variant); None
    /// if the table is missing.
    pub fn table_votes<'e>(&self, evidence: &'e Evidence, table: TableIx) -> Option<&'e [u64]> {
        self.chosen(table).map(|c| evidence.votes(&evidence.rows()[c as usize]))
    }

    /// Number of units (the national root is not one).
    pub fn unit_count(&self) -> usize {
        self.units
    }
}
