//! Outcome certainty: can the missing sheets still change who leads?
//!
//! For a node (the nation or a unit) the *leader* is the candidate with the
//! most counted votes (ties: the earlier candidate in ballot order, and the
//! node is marked tied). Against each rival the *worst-case lead* is
//!
//! ```text
//! D = votes_min[leader] − votes_max[rival]
//! ```
//!
//! i.e. every conflicting table is taken at the variant worst for the leader
//! (per candidate bounds, see [`crate::tally`]). `R_miss` is the most votes
//! the missing tables could still add to anyone:
//!
//! - the registered voters of missing tables that declare them, plus
//! - for missing tables that do not (and, nationally, the tables the
//!   election declares beyond the geography, and in a unit the tables its
//!   declared count has beyond those listed): at most `max_table_voters`
//!   each (no sheet may carry more — larger counts are rejected), and
//!   when the election (or the unit) declares its registry, at most the
//!   registry minus the registered voters covered (reporting tables'
//!   registry, or their ballots where they declare none — a lower bound on
//!   their registry) minus the known registry of missing tables; the
//!   smaller of the two bounds is used.
//!
//! A unit whose table count is unknown — nobody declared it (a `geography`
//! entry's `declared`) and no ancestor's list is known complete, see
//! [`crate::tally::Denominators`] — may hold tables nobody listed, so nothing
//! bounds what is missing there unless a registry is declared for it
//! (then the registry remainder bounds it, as nationally). Without one its
//! bound is [`UnknownBound::Unbounded`]: `R_miss` counts only the listed
//! missing tables and no verdict is given.
//!
//! Verdicts: *decided whatever the missing sheets say* iff `D > R_miss`
//! against every rival (all missing voters voting for the closest rival
//! cannot close the gap); *decided at turnout cap τ* iff `D > τ·R_miss`; the
//! *tipping turnout* is `D / R_miss`, the turnout of the missing tables, all
//! for the rival, that would close the gap.

use crate::tally::{ContestTally, Node};
use testigo_election::ElectionDef;

/// Where the unknown part of `R_miss` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownBound {
    /// Every missing table declares its registered voters.
    None,
    /// Missing tables without a registry × `max_table_voters`.
    TableBound,
    /// The declared registry (the election's, or the unit's) minus the
    /// registered voters covered.
    RegistryRemainder,
    /// Nothing bounds them: the node's table count is unknown (nobody
    /// declared it and its list is not known to be complete) and no
    /// registry is declared for it. No verdict is possible.
    Unbounded,
}

/// The certainty verdict of one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NodeCertainty {
    /// The candidate with the most counted votes (None when no valid votes).
    pub leader: Option<usize>,
    /// Whether another candidate has as many counted votes.
    pub tie: bool,
    /// The rival with the smallest worst-case lead (None with one candidate).
    pub rival: Option<usize>,
    /// Counted lead over the runner-up (chosen variants).
    pub lead: i64,
    /// Worst-case lead `D` over [`Self::rival`].
    pub lead_worst: i64,
    /// `R_miss`: the most votes the missing tables could still add.
    pub r_miss: u64,
    /// The part of `R_miss` from declared registries of missing tables.
    pub r_miss_known: u64,
    /// Missing tables with no declared registry (nationally including
    /// undeclared tables).
    pub unknown_tables: u64,
    /// The part of `R_miss` bounding those tables.
    pub r_miss_unknown: u64,
    /// How the unknown part is bounded.
    pub unknown_bound: UnknownBound,
    /// `D > R_miss` against every rival.
    pub decided: bool,
    /// `D > τ·R_miss` against every rival.
    pub decided_at_cap: bool,
    /// `D / R_miss` in parts per million (None when nothing is missing; 0
    /// when the leader does not lead in the worst case).
    pub tipping_turnout_ppm: Option<u64>,
}

/// The certainty of the leader against one rival.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RivalCertainty {
    /// The rival's candidate position.
    pub rival: usize,
    /// Counted lead.
    pub lead: i64,
    /// Worst-case lead `D`.
    pub lead_worst: i64,
    /// `D > R_miss`.
    pub decided: bool,
    /// `D > τ·R_miss`.
    pub decided_at_cap: bool,
    /// `D / R_miss`, ppm.
    pub tipping_turnout_ppm: Option<u64>,
}

fn verdicts(d: i64, r_miss: u64, cap_ppm: u32) -> (bool, bool, Option<u64>) {
    let d128 = d as i128;
    let decided = d128 > r_miss as i128;
    let at_cap = d128 * 1_000_000 > cap_ppm as i128 * r_miss as i128;
    let tipping = match (r_miss, d) {
        (0, _) => None,
        (_, d) if d <= 0 => Some(0),
        (r, d) => Some(((d as u128 * 1_000_000) / r as u128) as u64),
    };
    (decided, at_cap, tipping)
}

pub(crate) fn node_certainty(t: &ContestTally, election: &ElectionDef, n: usize, cap_ppm: u32) -> NodeCertainty {
    let c = t.counts_ix(n);
    let r_miss_known = c.registered_missing;
    // Tables nobody listed: known in number (declared beyond the list), or
    // not known at all, when the node's table count is unknown.
    let undeclared = t.undeclared_ix(n);
    let unknown_tables = c.missing_registry_unknown + undeclared.unwrap_or(0);
    let table_bound =
        if undeclared.is_some() { unknown_tables.saturating_mul(election.max_table_voters) } else { u64::MAX };
    let open_count = undeclared.is_none();
    let registry = t.declared_registry_ix(n);
    let (r_miss_unknown, unknown_bound) = match (unknown_tables, registry) {
        (0, _) if !open_count => (0, UnknownBound::None),
        // Reported as the bounded part only, with no verdict (below).
        (_, None) if open_count => (0, UnknownBound::Unbounded),
        (_, Some(registry)) => {
            let covered = c.registered_reporting + c.voters_registry_unknown + r_miss_known;
            let rem = registry.saturating_sub(covered);
            if rem < table_bound {
                (rem, UnknownBound::RegistryRemainder)
            } else {
                (table_bound, UnknownBound::TableBound)
            }
        }
        (_, None) => (table_bound, UnknownBound::TableBound),
    };
    let r_miss = r_miss_known.saturating_add(r_miss_unknown);
    let (v, vmin, vmax) = t.votes_ix(n);
    let mut out = NodeCertainty {
        leader: None,
        tie: false,
        rival: None,
        lead: 0,
        lead_worst: 0,
        r_miss,
        r_miss_known,
        unknown_tables,
        r_miss_unknown,
        unknown_bound,
        decided: false,
        decided_at_cap: false,
        tipping_turnout_ppm: if r_miss == 0 { None } else { Some(0) },
    };
    let leader = match leader_of(v) {
        Some(l) => l,
        None => return out,
    };
    out.leader = Some(leader);
    let second = v.iter().enumerate().filter(|&(k, _)| k != leader).map(|(_, &x)| x).max();
    out.tie = second == Some(v[leader]);
    out.lead = v[leader] as i64 - second.unwrap_or(0) as i64;
    let rival = (0..v.len()).filter(|&k| k != leader).min_by_key(|&k| (vmin[leader] as i64 - vmax[k] as i64, k));
    match rival {
        None => {
            out.lead_worst = vmin[leader] as i64;
            out.decided = true;
            out.decided_at_cap = true;
            out.tipping_turnout_ppm = None;
        }
        Some(r) => {
            let d = vmin[leader] as i64 - vmax[r] as i64;
            let (decided, at_cap, tipping) = verdicts(d, r_miss, cap_ppm);
            out.rival = Some(r);
            out.lead_worst = d;
            out.decided = decided && !out.tie;
            out.decided_at_cap = at_cap && !out.tie;
            out.tipping_turnout_ppm = tipping;
        }
    }
    if out.unknown_bound == UnknownBound::Unbounded {
        out.decided = false;
        out.decided_at_cap = false;
        out.tipping_turnout_ppm = None;
    }
    out
}

/// The candidate with the most votes (lowest position on ties); None if all are 0.
pub(crate) fn leader_of(v: &[u64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (k, &x) in v.iter().enumerate() {
        if x > 0 && best.is_none_or(|b| x > v[b]) {
            best = Some(k);
        }
    }
    best
}

/// The leader's certainty against every rival at a node, in candidate order.
pub fn rivals(t: &ContestTally, node: Node, cap_ppm: u32) -> Vec<RivalCertainty> {
    let cert = t.certainty(node);
    let Some(leader) = cert.leader else {
        return Vec::new();
    };
    let (v, vmin, vmax) = (t.votes(node), t.votes_min(node), t.votes_max(node));
    (0..v.len())
        .filter(|&k| k != leader)
        .map(|k| {
            let d = vmin[leader] as i64 - vmax[k] as i64;
            let (decided, at_cap, tipping) = verdicts(d, cert.r_miss, cap_ppm);
            let bounded = cert.unknown_bound != UnknownBound::Unbounded;
            let (decided, at_cap, tipping) = (decided && bounded, at_cap && bounded, tipping.filter(|_| bounded));
            RivalCertainty {
                rival: k,
                lead: v[leader] as i64 - v[k] as i64,
                lead_worst: d,
                decided: decided && v[leader] > v[k],
                decided_at_cap: at_cap && v[leader] > v[k],
                tipping_turnout_ppm: tipping,
            }
        })
        .collect()
}
