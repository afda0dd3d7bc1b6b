//! The authority's announcements put to the test against the evidence.
//!
//! Plain data in, findings out: a [`Bulletin`] (national or one unit's
//! totals, as announced) is checked against a [`ContestTally`] with
//! [`check_bulletin`]; per-table official results are compared with
//! [`compare_tables`]; [`round_test`] is the round-percentage test on its own.
//!
//! # (a) Impossibility
//!
//! For each announced count (a candidate, or several candidates announced as
//! one figure, or the valid or null votes) the evidence gives an interval
//! the official figure must lie in:
//!
//! - lower bound: what the counted sheets already give (`votes_min`:
//!   conflicting tables at their lowest variant). If the bulletin says it
//!   covers only part of the tables (`tables_counted_percent` = p < 100),
//!   it may leave out up to `k = ceil(T·(100−p)/100)` tables (T = declared
//!   tables, else tables in the geography); the lower bound then subtracts
//!   the k reporting tables most favourable to that count.
//! - upper bound: `votes_max` (conflicting tables at their highest variant)
//!   plus the most the rest could add: `R_miss` (everything the missing
//!   tables could add; see [`crate::certainty`]), or, when the bulletin
//!   announces its valid votes V and this is lower, the valid votes the
//!   bulletin leaves outside the counted tables: V minus the counted valid
//!   votes (less the same exclusion allowance for valid votes). A candidate
//!   cannot get more from the rest than the rest's valid votes.
//!
//! The two upper ends rest on different things and are reported apart, so a
//! reader can tell which one a figure violates ([`BoundCheck::violates`]):
//!
//! - *the registry bound* ([`BoundCheck::range_registry`]): counted sheets
//!   plus every registered voter at the tables without a sheet. It needs
//!   nothing from the bulletin: a figure outside it is impossible whatever
//!   the missing sheets say.
//! - *the bulletin's own announced totals* ([`BoundCheck::range_announced`]):
//!   counted sheets plus the valid votes the bulletin's own valid total
//!   leaves outside them. A figure outside only this range contradicts the
//!   bulletin's other figures given the signed sheets, not the registry.
//!
//! `lower_bound..=upper_bound` is the narrower of the two (both hold if the
//! bulletin's totals are true), and `verdict` is judged against it, as
//! before; the finding carries the numbers.
//!
//! # (b) Round percentages
//!
//! A count `n` out of a total `T` is *round at k decimals* if some
//! percentage `p` with k decimals gives `n = round_half_up(p·T/100)`.
//! Chance model: had the true count been any integer in the window
//! `n ± w`, `w = floor(T·window_ppm/10⁶)` (default ±0.05% of T), all equally
//! likely, the probability of landing on a round value is (round values in
//! the window) / (2w+1), about `100·10^k / T`. Counts are assumed
//! independent, so the joint probability is the product over the round
//! counts; when the tested counts add up to the total, the last one is
//! (nearly) determined by the others, so the largest single probability is
//! left out of the product (a conservative choice).
//!
//! The probability holds *under that model* only, and the test was chosen
//! after the CNE's figures were seen to be round (post hoc): a pattern
//! looked for because it was noticed is always unlikely by chance, so the
//! p-value overstates the evidence. Every output says so
//! ([`ROUND_CAVEAT`]).
//!
//! # (c) Per-table comparison
//!
//! Official per-table figures (from a file, or from `official` sheets in the
//! log, see [`official_tables_from_evidence`]) are compared with the counted
//! variant of each table.

use crate::evidence::Evidence;
use crate::tally::{ContestTally, Independence, Node, TableState};
use serde::{Deserialize, Serialize};
use testigo_election::{ElectionDef, Geography, Source, TableIx};

/// One announced figure. The same type as in a logged `bulletin` entry: a
/// figure reads the same in a bulletin file and in the log, so there is one
/// definition (in `testigo-election`, which owns the log encoding).
pub use testigo_election::BulletinCount;

/// An authority's announcement of totals for one contest, nationally or
/// for one unit: the figures that are checked, as a `testigo-bulletins/1`
/// file gives them (see [`crate::bulletins`]).
///
/// This is deliberately not [`testigo_election::Bulletin`], the log entry:
/// the entry also carries `signed_at` (required; set when a key signs it, so
/// a file cannot know it) and `date` (given to `testigo publish --date`, and
/// refused in a file as an unknown field). The figures and their counts
/// ([`BulletinCount`], shared) are the same, so the conversions both ways
/// (the `From` conversion and [`Bulletin::to_entry`]) lose nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bulletin {
    /// A label, e.g. `CNE bulletin 1 (2024-07-29)`.
    pub label: String,
    /// Where it was announced (publication, URL, broadcast).
    pub source: String,
    /// The contest id.
    pub contest: String,
    /// The unit id; None for the whole election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The announced figures.
    pub counts: Vec<BulletinCount>,
    /// Announced valid votes (the total of the candidates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<u64>,
    /// Announced null votes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null: Option<u64>,
    /// Announced voters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters: Option<u64>,
    /// Announced registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<u64>,
    /// Share of tables the announcement says it covers, percent as written (e.g. `"96.87"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables_counted_percent: Option<String>,
}

impl From<&testigo_election::Bulletin> for Bulletin {
    /// The figures of a logged bulletin (its `date` and `signed_at` are
    /// provenance, kept in [`LoggedBulletinRef`]).
    fn from(b: &testigo_election::Bulletin) -> Self {
        Bulletin {
            label: b.label.clone(),
            source: b.source.clone(),
            contest: b.contest.clone(),
            unit: b.unit.clone(),
            counts: b.counts.clone(),
            valid: b.valid,
            null: b.null,
            voters: b.voters,
            registry: b.registry,
            tables_counted_percent: b.tables_counted_percent.clone(),
        }
    }
}

impl Bulletin {
    /// The log entry payload for this bulletin, announced on `date` and
    /// signed at `signed_at` (unix seconds); converting back gives `self`.
    pub fn to_entry(&self, date: Option<String>, signed_at: u64) -> testigo_election::Bulletin {
        testigo_election::Bulletin {
            contest: self.contest.clone(),
            label: self.label.clone(),
            source: self.source.clone(),
            date,
            unit: self.unit.clone(),
            counts: self.counts.clone(),
            valid: self.valid,
            null: self.null,
            voters: self.voters,
            registry: self.registry,
            tables_counted_percent: self.tables_counted_percent.clone(),
            signed_at,
        }
    }
}

/// A bulletin read from a replayed log, with where it is in the log and who
/// signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedBulletinRef {
    /// The figures, ready for [`check_bulletin`].
    pub bulletin: Bulletin,
    /// Its log index.
    pub index: u64,
    /// The signing key, `name+keyid`.
    pub signer: String,
    /// The key holder, as enrolled.
    pub holder: String,
    /// The announcement date, as logged.
    pub date: Option<String>,
}

impl LoggedBulletinRef {
    /// One line saying where the bulletin is in the log and who put it there.
    pub fn provenance(&self) -> String {
        let date = self.date.as_deref().map(|d| format!(", announced {d}")).unwrap_or_default();
        format!("log entry #{}, signed by {} ({}){date}", self.index, self.signer, self.holder)
    }
}

/// Every official bulletin accepted into a replayed log, in log order.
pub fn logged_bulletins(registry: &testigo_election::Registry) -> Vec<LoggedBulletinRef> {
    registry
        .bulletins()
        .iter()
        .filter_map(|b| {
            let enr = registry.enrolments().get(b.signer)?;
            Some(LoggedBulletinRef {
                bulletin: Bulletin::from(&b.bulletin),
                index: b.index,
                signer: enr.key_label(),
                holder: enr.holder.clone(),
                date: b.bulletin.date.clone(),
            })
        })
        .collect()
}

/// Why a bulletin cannot be checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OfficialError {
    /// The contest is not the tally's.
    #[error(
        "bulletin {label:?} is for contest {contest:?}, which is not the contest tallied (or not in the election)"
    )]
    WrongContest {
        /// Bulletin label.
        label: String,
        /// Its contest.
        contest: String,
    },
    /// A candidate id is unknown.
    #[error("bulletin {label:?} names candidate {candidate:?}, which is not in contest {contest:?}: use the election's candidate ids")]
    UnknownCandidate {
        /// Bulletin label.
        label: String,
        /// Contest.
        contest: String,
        /// The unknown id.
        candidate: String,
    },
    /// The unit id is unknown.
    #[error("bulletin {label:?} is for unit {unit:?}, which is not in the geography")]
    UnknownUnit {
        /// Bulletin label.
        label: String,
        /// The unit.
        unit: String,
    },
    /// A percentage is not a decimal number.
    #[error("bulletin {label:?}: {value:?} is not a percentage like 51.20")]
    BadPercent {
        /// Bulletin label.
        label: String,
        /// The text.
        value: String,
    },
}

/// What every round-percentage probability is and is not, said wherever
/// one is shown.
pub const ROUND_CAVEAT: &str = "a chance under the model (each count equally likely anywhere near its value, counts \
    independent), not the chance the figures were made up; the test was chosen after the figures were seen to be \
    round (post hoc), so this probability overstates the evidence";

/// The chance model of the round-percentage test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChanceModel {
    /// Half-width of the window, parts per million of the total (default 500 = ±0.05%).
    pub window_ppm: u32,
    /// Decimals of the percentages tested (default 1 and 2).
    pub max_decimals: u32,
}

impl Default for ChanceModel {
    fn default() -> Self {
        ChanceModel { window_ppm: 500, max_decimals: 2 }
    }
}

/// The impossibility check of one announced figure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BoundCheck {
    /// What: candidate ids joined by `+`, or `valid` / `null`.
    pub what: String,
    /// The announced figure.
    pub official: u64,
    /// What the counted sheets give (conflicting tables at their lowest).
    pub counted_min: u64,
    /// Subtracted for tables a partial bulletin may leave out.
    pub exclusion_allowance: u64,
    /// The least the official figure can be.
    pub lower_bound: u64,
    /// The most it can be: counted (conflicting at highest) + what the rest could add.
    pub upper_bound: u64,
    /// What bounds the rest: `r_miss`, or `announced_valid` (the bulletin's
    /// valid votes outside the counted tables).
    pub upper_basis: &'static str,
    /// `consistent`, `below_counted` or `above_possible`.
    pub verdict: &'static str,
    /// How far outside the interval (0 when consistent).
    pub excess: u64,
    /// `[lowest, highest]` the figure can be on the registry bound alone:
    /// counted sheets (less the exclusion allowance) up to counted
    /// (conflicting tables at their highest) plus `R_miss`, every registered
    /// voter at the tables without a sheet.
    pub range_registry: [u64; 2],
    /// `[lowest, highest]` the figure can be if the bulletin's own announced
    /// valid total is taken as true: up to counted plus the valid votes it
    /// leaves outside the counted tables. None when the bulletin announces no
    /// valid total, and for the `valid` and `null` figures themselves.
    pub range_announced: Option<[u64; 2]>,
    /// The ranges the figure falls outside: `registry` (impossible whatever
    /// the missing sheets say) and/or `announced` (contradicts the bulletin's
    /// own totals given the sheets); empty when consistent with both.
    pub violates: Vec<&'static str>,
}

impl BoundCheck {
    /// Whether the figure is outside the range the registry bound alone
    /// allows: impossible whatever the missing sheets say.
    pub fn violates_registry(&self) -> bool {
        self.violates.contains(&"registry")
    }

    /// One sentence naming the figure's basis and both ranges, for people
    /// (`what` is how to call the figure, e.g. a candidate's name).
    pub fn explain(&self, what: &str) -> String {
        let [rlo, rhi] = self.range_registry;
        let registry = format!(
            "the registry bound alone (counted sheets plus every registered voter at tables without a sheet) \
             allows {}..={}",
            rlo, rhi
        );
        let announced = self
            .range_announced
            .map(|[alo, ahi]| format!("the bulletin's own announced valid total, if true, allows {alo}..={ahi}"));
        let both = match &announced {
            Some(a) => format!("{registry}; {a}"),
            None => registry,
        };
        let judged = match (self.verdict, self.violates_registry()) {
            ("consistent", _) => "consistent with both".to_string(),
            ("below_counted", _) => {
                format!("IMPOSSIBLE: {} below what the signed sheets already give, on either basis", self.excess)
            }
            (_, true) => format!("IMPOSSIBLE on the registry bound: {} above it", self.official.saturating_sub(rhi)),
            _ => format!(
                "impossible only if the bulletin's own totals are true: {} above that range, but within the \
                 registry bound",
                self.excess
            ),
        };
        format!("{what} announced {}: {both}; {judged}", self.official)
    }
}

/// The round-percentage test of one count.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundTest {
    /// What: candidate ids joined by `+`.
    pub what: String,
    /// The count.
    pub votes: u64,
    /// The total it is a share of.
    pub total: u64,
    /// Decimals of the percentage.
    pub decimals: u32,
    /// The nearest percentage with that many decimals.
    pub percent: String,
    /// Whether the count is exactly round_half_up(percent·total/100).
    pub exact: bool,
    /// The count's exact share, percent, 6 decimals.
    pub share: String,
    /// Chance of landing on a round value under the model.
    pub probability: f64,
}

/// The round-percentage test of a bulletin at one number of decimals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundSummary {
    /// Decimals.
    pub decimals: u32,
    /// Counts tested.
    pub tested: usize,
    /// Counts that are exactly round.
    pub exact: usize,
    /// Product of the probabilities of the round counts (see module docs).
    pub joint_probability: Option<f64>,
    /// How the product was formed.
    pub note: String,
    /// What the probability is and is not ([`ROUND_CAVEAT`]): a chance
    /// under the model, of a test chosen after the figures were seen.
    pub caveat: &'static str,
    /// Per count.
    pub tests: Vec<RoundTest>,
}

/// All findings about one bulletin.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BulletinCheck {
    /// Label.
    pub label: String,
    /// Source.
    pub source: String,
    /// Unit id (`""` for national).
    pub unit: String,
    /// (a) per announced figure.
    pub bounds: Vec<BoundCheck>,
    /// Figures that contradict the evidence.
    pub contradictions: usize,
    /// (b) at 1..=max_decimals decimals.
    pub round_percentages: Vec<RoundSummary>,
    /// The chance model used.
    pub chance_model: ChanceModel,
    /// For a bulletin read from the log: which entry and who signed it
    /// ([`LoggedBulletinRef::provenance`]); None for one given as a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logged: Option<String>,
}

impl BulletinCheck {
    /// One paragraph for the text summary. Figures are named by `name`
    /// (candidate ids joined by `+`, or `valid`/`null`, as in [`BoundCheck::what`]).
    pub fn summary_named(&self, name: &dyn Fn(&str) -> String) -> String {
        let mut s = match &self.logged {
            Some(l) => format!("Official {} ({l}): ", self.label),
            None => format!("Official {}: ", self.label),
        };
        if self.contradictions == 0 {
            s.push_str("consistent with the evidence");
        } else {
            let registry = self.bounds.iter().filter(|b| b.violates_registry()).count();
            s.push_str(&format!(
                "{} figure(s) contradict the signed sheets ({} IMPOSSIBLE whatever the missing sheets say, {} only \
                 if the bulletin's own announced totals are true)",
                self.contradictions,
                registry,
                self.contradictions - registry
            ));
            for b in self.bounds.iter().filter(|b| b.verdict != "consistent") {
                s.push_str("; ");
                s.push_str(&b.explain(&name(&b.what)));
            }
        }
        for r in &self.round_percentages {
            if r.exact > 0 {
                s.push_str(&format!(
                    "; {}/{} counts are exact {}-decimal percentages of the total",
                    r.exact, r.tested, r.decimals
                ));
                if let Some(p) = r.joint_probability {
                    s.push_str(&format!(" (chance about {p:.1e} under the model)"));
                }
            }
        }
        if self.round_percentages.iter().any(|r| r.joint_probability.is_some()) {
            s.push_str(&format!(" [round-percentage chance: {}]", ROUND_CAVEAT));
        }
        s
    }

    /// [`BulletinCheck::summary_named`] with figures named by their ids.
    pub fn summary(&self) -> String {
        self.summary_named(&|w| w.to_string())
    }
}

/// Parses a decimal percentage into (numerator, 10^decimals).
fn parse_decimal(s: &str) -> Option<(u64, u64)> {
    let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 9 || int.len() > 9 {
        return None;
    }
    let scale = 10u64.pow(frac.len() as u32);
    let num = int.parse::<u64>().ok()? * scale + if frac.is_empty() { 0 } else { frac.parse::<u64>().ok()? };
    Some((num, scale))
}

fn round_div(num: u128, den: u128) -> u128 {
    (2 * num + den) / (2 * den)
}

/// The round-percentage test of `votes` out of `total` at `decimals` decimals.
pub fn round_test(what: &str, votes: u64, total: u64, decimals: u32, model: &ChanceModel) -> RoundTest {
    let s = 100u128 * 10u128.pow(decimals);
    let t = total.max(1) as u128;
    let n = votes as u128;
    let m = |q: u128| round_div(q * t, s);
    let q0 = round_div(n * s, t);
    let exact = (q0.saturating_sub(1)..=q0 + 1).any(|q| m(q) == n);
    let w = (total as u128 * model.window_ppm as u128) / 1_000_000;
    let (lo, hi) = (n.saturating_sub(w), n + w);
    let mut hits = 0u128;
    let mut last = None;
    let mut q = (lo * s / t).saturating_sub(1);
    while q <= hi * s / t + 1 {
        let x = m(q);
        if x >= lo && x <= hi && last != Some(x) {
            hits += 1;
            last = Some(x);
        }
        q += 1;
    }
    let probability = hits as f64 / (hi - lo + 1) as f64;
    let share_micro = round_div(n * 100_000_000, t);
    RoundTest {
        what: what.to_string(),
        votes,
        total,
        decimals,
        percent: format_fixed(q0, decimals),
        exact,
        share: format_fixed(share_micro, 6),
        probability,
    }
}

fn format_fixed(x: u128, decimals: u32) -> String {
    if decimals == 0 {
        return x.to_string();
    }
    let scale = 10u128.pow(decimals);
    format!("{}.{:0width$}", x / scale, x % scale, width = decimals as usize)
}

/// Tests every announced count at 1..=`model.max_decimals` decimals against
/// `total`.
pub fn round_summaries(counts: &[(String, u64)], total: u64, model: &ChanceModel) -> Vec<RoundSummary> {
    let partition = counts.iter().map(|(_, v)| v).sum::<u64>() == total && counts.len() > 1;
    (1..=model.max_decimals)
        .map(|k| {
            let tests: Vec<RoundTest> = counts.iter().map(|(w, v)| round_test(w, *v, total, k, model)).collect();
            let exact: Vec<f64> = tests.iter().filter(|t| t.exact).map(|t| t.probability).collect();
            let all = exact.len() == tests.len();
            let (joint, note) = if exact.is_empty() {
                (None, "no count is round".to_string())
            } else if partition && all {
                let max = exact.iter().cloned().fold(0.0f64, f64::max);
                let mut dropped = false;
                let p = exact.iter().fold(1.0, |acc, &p| {
                    if !dropped && p == max {
                        dropped = true;
                        acc
                    } else {
                        acc * p
                    }
                });
                (
                    Some(p),
                    "under the model; the counts add up to the total, so the least unlikely one is left out of the \
                     product"
                        .into(),
                )
            } else {
                (
                    Some(exact.iter().product()),
                    "under the model; product over the round counts, assumed independent".into(),
                )
            };
            RoundSummary {
                decimals: k,
                tested: tests.len(),
                exact: exact.len(),
                joint_probability: joint,
                note,
                caveat: ROUND_CAVEAT,
                tests,
            }
        })
        .collect()
}

/// Checks a bulletin against the tally of its contest.
pub fn check_bulletin(
    election: &ElectionDef,
    geo: &Geography,
    evidence: &Evidence,
    ct: &ContestTally,
    bulletin: &Bulletin,
    model: &ChanceModel,
) -> Result<BulletinCheck, OfficialError> {
    let contest = &election.contests.get(ct.contest).filter(|c| c.id == bulletin.contest).ok_or_else(|| {
        OfficialError::WrongContest { label: bulletin.label.clone(), contest: bulletin.contest.clone() }
    })?;
    let node = match &bulletin.unit {
        None => Node::National,
        Some(id) => Node::Unit(
            geo.find_unit(id)
                .ok_or_else(|| OfficialError::UnknownUnit { label: bulletin.label.clone(), unit: id.clone() })?,
        ),
    };
    let mut groups: Vec<(String, Vec<usize>, u64)> = Vec::new();
    for c in &bulletin.counts {
        let mut ks = Vec::new();
        for id in &c.candidates {
            ks.push(contest.candidate_position(id).ok_or_else(|| OfficialError::UnknownCandidate {
                label: bulletin.label.clone(),
                contest: contest.id.clone(),
                candidate: id.clone(),
            })?);
        }
        if let Some(p) = &c.percent {
            parse_decimal(p)
                .ok_or_else(|| OfficialError::BadPercent { label: bulletin.label.clone(), value: p.clone() })?;
        }
        groups.push((c.candidates.join("+"), ks, c.votes));
    }
    let excluded = match &bulletin.tables_counted_percent {
        None => 0,
        Some(p) => {
            let (num, scale) = parse_decimal(p)
                .ok_or_else(|| OfficialError::BadPercent { label: bulletin.label.clone(), value: p.clone() })?;
            let declared = election.total_tables.unwrap_or(geo.table_count() as u64).max(geo.table_count() as u64);
            let full = 100 * scale;
            let left_out = full.saturating_sub(num) as u128;
            ((declared as u128 * left_out).div_ceil(full as u128)) as usize
        }
    };
    let tables: Vec<TableIx> = geo
        .tables()
        .filter(|&t| ct.state(t) != TableState::Missing)
        .filter(|&t| match node {
            Node::National => true,
            Node::Unit(u) => geo.is_under(t, u),
        })
        .collect();
    let (vmin, vmax) = (ct.votes_min(node), ct.votes_max(node));
    let counts = ct.counts(node);
    let r_miss = ct.certainty(node).r_miss;
    // Lowest value of a per-table quantity over the table's variants (null
    // votes nobody reports taken at 0, the lowest they can be).
    let min_over_variants = |t: TableIx, f: &dyn Fn(&[u64], u64) -> u64| -> u64 {
        if ct.state(t) == TableState::Conflicting {
            ct.variants(evidence, t, Independence::Keys)
                .iter()
                .map(|v| f(&v.votes, v.null.unwrap_or(0)))
                .min()
                .unwrap_or(0)
        } else {
            ct.chosen(t).map_or(0, |c| {
                let row = &evidence.rows()[c as usize];
                f(evidence.votes(row), row.null.unwrap_or(0))
            })
        }
    };
    let allowance = |f: &dyn Fn(&[u64], u64) -> u64| -> u64 {
        if excluded == 0 {
            return 0;
        }
        let mut xs: Vec<u64> = tables.iter().map(|&t| min_over_variants(t, f)).collect();
        let k = excluded.min(xs.len());
        if k == 0 {
            return 0;
        }
        let n = xs.len();
        xs.select_nth_unstable(n - k);
        xs[n - k..].iter().sum()
    };
    let valid_allow = allowance(&|v: &[u64], _| v.iter().sum());
    let valid_min: u64 = vmin.iter().sum();
    // The valid votes the bulletin leaves outside the counted tables.
    let announced_rest = bulletin.valid.map(|v| v.saturating_sub(valid_min.saturating_sub(valid_allow)));
    let bound = |what: String, official: u64, counted_min: u64, counted_max: u64, allow: u64, rest: Option<u64>| {
        let lower = counted_min.saturating_sub(allow);
        // Each basis on its own, so the reader sees which one a figure breaks.
        let registry_upper = counted_max.saturating_add(r_miss);
        let announced_upper = rest.map(|r| counted_max.saturating_add(r));
        let (upper, upper_basis) = match announced_upper {
            Some(a) if a < registry_upper => (a, "announced_valid"),
            _ => (registry_upper, "r_miss"),
        };
        let (verdict, excess) = if official < lower {
            ("below_counted", lower - official)
        } else if official > upper {
            ("above_possible", official - upper)
        } else {
            ("consistent", 0)
        };
        let outside = |hi: u64| official < lower || official > hi;
        let mut violates = Vec::new();
        if outside(registry_upper) {
            violates.push("registry");
        }
        if announced_upper.is_some_and(outside) {
            violates.push("announced");
        }
        BoundCheck {
            what,
            official,
            counted_min,
            exclusion_allowance: allow,
            lower_bound: lower,
            upper_bound: upper,
            upper_basis,
            verdict,
            excess,
            range_registry: [lower, registry_upper],
            range_announced: announced_upper.map(|a| [lower, a]),
            violates,
        }
    };
    let mut bounds = Vec::new();
    for (what, ks, votes) in &groups {
        let lo: u64 = ks.iter().map(|&k| vmin[k]).sum();
        let hi: u64 = ks.iter().map(|&k| vmax[k]).sum();
        let allow = allowance(&|v: &[u64], _| ks.iter().map(|&k| v[k]).sum());
        bounds.push(bound(what.clone(), *votes, lo, hi, allow, announced_rest));
    }
    if let Some(valid) = bulletin.valid {
        bounds.push(bound("valid".into(), valid, valid_min, vmax.iter().sum(), valid_allow, None));
    }
    if let Some(null) = bulletin.null {
        let allow = allowance(&|_, n| n);
        bounds.push(bound("null".into(), null, counts.null_min, counts.null_max, allow, None));
    }
    let contradictions = bounds.iter().filter(|b| b.verdict != "consistent").count();
    let named: Vec<(String, u64)> = groups.iter().map(|(w, _, v)| (w.clone(), *v)).collect();
    let total = bulletin.valid.unwrap_or_else(|| named.iter().map(|(_, v)| v).sum());
    Ok(BulletinCheck {
        label: bulletin.label.clone(),
        source: bulletin.source.clone(),
        unit: bulletin.unit.clone().unwrap_or_default(),
        bounds,
        contradictions,
        round_percentages: round_summaries(&named, total, model),
        chance_model: *model,
        logged: None,
    })
}

/// Official figures for one table, in candidate order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialTable {
    /// Table id.
    pub table: String,
    /// Votes per candidate, in the contest's candidate order.
    pub votes: Vec<u64>,
    /// Null votes, if published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null: Option<u64>,
}

/// One table where the official figures differ from the counted evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableDifference {
    /// Table id.
    pub table: String,
    /// The table's evidence state.
    pub state: TableState,
    /// Official votes.
    pub official: Vec<u64>,
    /// Counted votes.
    pub evidence: Vec<u64>,
    /// Whether the official figures equal some other variant of a conflicting table.
    pub matches_other_variant: bool,
}

/// The per-table comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableComparison {
    /// Official tables given.
    pub official_tables: u64,
    /// Official tables naming no table of the geography (or with the wrong number of candidates).
    pub unknown: Vec<String>,
    /// Official tables with no evidence.
    pub official_only: u64,
    /// Tables with evidence but no official figures.
    pub evidence_only: u64,
    /// Tables where both agree (votes, and null where published).
    pub matching: u64,
    /// Tables where they differ.
    pub differing: u64,
    /// Sum over compared tables of official − evidence, per candidate.
    pub difference: Vec<i64>,
    /// The differing tables, by id (up to `max_listed`).
    pub differences: Vec<TableDifference>,
}

/// Compares per-table official figures with the counted evidence.
pub fn compare_tables(
    geo: &Geography,
    evidence: &Evidence,
    ct: &ContestTally,
    official: &[OfficialTable],
    max_listed: usize,
) -> TableComparison {
    let nc = ct.candidates();
    let mut seen = vec![false; geo.table_count()];
    let mut out = TableComparison {
        official_tables: official.len() as u64,
        unknown: Vec::new(),
        official_only: 0,
        evidence_only: 0,
        matching: 0,
        differing: 0,
        difference: vec![0; nc],
        differences: Vec::new(),
    };
    let mut sorted: Vec<&OfficialTable> = official.iter().collect();
    sorted.sort_by(|a, b| a.table.cmp(&b.table));
    for o in sorted {
        let Some(t) = geo.find_table(&o.table).filter(|_| o.votes.len() == nc) else {
            out.unknown.push(o.table.clone());
            continue;
        };
        seen[t.get()] = true;
        let Some(c) = ct.chosen(t) else {
            out.official_only += 1;
            continue;
        };
        let row = &evidence.rows()[c as usize];
        let ev = evidence.votes(row);
        for ((d, &ov), &e) in out.difference.iter_mut().zip(&o.votes).zip(ev) {
            *d += ov as i64 - e as i64;
        }
        // Null votes are compared only where both report them.
        let same_null = |evidence_null: Option<u64>| o.null.zip(evidence_null).is_none_or(|(a, b)| a == b);
        if ev == o.votes.as_slice() && same_null(row.null) {
            out.matching += 1;
        } else {
            out.differing += 1;
            if out.differences.len() < max_listed {
                let other = ct
                    .variants(evidence, t, Independence::Keys)
                    .iter()
                    .any(|v| !v.chosen && v.votes == o.votes.as_slice() && same_null(v.null));
                out.differences.push(TableDifference {
                    table: o.table.clone(),
                    state: ct.state(t),
                    official: o.votes.clone(),
                    evidence: ev.to_vec(),
                    matches_other_variant: other,
                });
            }
        }
    }
    out.evidence_only = geo.tables().filter(|&t| !seen[t.get()] && ct.state(t) != TableState::Missing).count() as u64;
    out
}

/// The official per-table figures recorded in the log as current `official`
/// sheets of the tally's contest (the latest per table when several).
pub fn official_tables_from_evidence(geo: &Geography, evidence: &Evidence, contest: usize) -> Vec<OfficialTable> {
    let mut latest: Vec<Option<usize>> = vec![None; geo.table_count()];
    for (i, r) in evidence.rows().iter().enumerate() {
        if r.contest as usize == contest && r.current && r.source == Source::Official {
            if let Some(slot) = latest.get_mut(r.table as usize) {
                *slot = Some(i);
            }
        }
    }
    geo.tables()
        .filter_map(|t| {
            latest[t.get()].map(|i| {
                let r = &evidence.rows()[i];
                OfficialTable { table: geo.table_id(t).to_string(), votes: evidence.votes(r).to_vec(), null: r.null }
            })
        })
        .collect()
}
