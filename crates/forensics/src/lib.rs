//! Election forensics on per-unit results (issue 16): statistical tests that
//! look for the traces some manipulations leave in polling-station figures.
//!
//! Pure: callers pass a [`Dataset`] (from a CSV through [`read_csv`], or
//! built from a replayed log by the CLI) and get a [`Report`], which prints
//! as text ([`Report::to_text`]) or JSON ([`Report::to_json`], schema
//! `testigo-forensics/1` in `SCHEMA.md`), and charts as SVG strings
//! ([`plots::svgs`]).
//!
//! The tests, each overall and per group:
//! - digits of ballots cast and of the leader's votes: second-digit Benford
//!   (2BL, Mebane), last-digit uniformity, the share of counts ending in 0 or 5;
//! - turnout: the share of round percentages ending in 0 or 5, skewness, kurtosis;
//! - the turnout × leader-share fingerprint (Klimek, Yegorov, Hanel & Thurner 2012);
//! - integer-percentage spikes against a Monte Carlo null (Kobak, Shpilkin &
//!   Pshenichnikov 2016).
//!
//! None of them proves fraud: see [`CAVEATS`].

pub mod digits;
pub mod input;
pub mod kobak;
pub mod log;
pub mod plots;
pub mod stats;

use std::collections::BTreeMap;

use serde::Serialize;

pub use digits::{DigitReport, Estimate, TurnoutReport};
pub use input::{decode_text, read_csv, CsvColumns, Dataset, Unit};
pub use kobak::Kobak;

/// What can go wrong reading input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A column expression names no column.
    #[error("column {expr:?}: {why}")]
    Column {
        /// The expression as given.
        expr: String,
        /// Why it does not resolve.
        why: String,
    },
    /// A field is not a count.
    #[error("line {line}: column {expr:?} holds {value:?}, not a whole non-negative count; fix the file or choose another column")]
    Value {
        /// 1-based line in the file.
        line: u64,
        /// The expression.
        expr: String,
        /// The field.
        value: String,
    },
    /// The CSV itself is malformed.
    #[error("reading the CSV: {0}")]
    Csv(String),
    /// No candidates were named.
    #[error("no candidates: name at least one with --candidate NAME=COLUMN (the leader must be among them)")]
    NoCandidates,
    /// The leader is not a candidate.
    #[error("the leader {leader:?} is not among the candidates {candidates:?}; name it with --candidate first")]
    Leader {
        /// The leader asked for.
        leader: String,
        /// The candidates given.
        candidates: Vec<String>,
    },
}

/// How to run the tests.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Seed of the bootstrap and the Monte Carlo null.
    pub seed: u64,
    /// Bootstrap resamples per interval.
    pub bootstrap: usize,
    /// Interval level (e.g. 0.95).
    pub level: f64,
    /// Monte Carlo replicates of the integer-percentage null.
    pub replicates: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { seed: 2016, bootstrap: 1000, level: 0.95, replicates: 1000 }
    }
}

/// The JSON schema name.
pub const SCHEMA: &str = "testigo-forensics/1";

/// What the tests can and cannot show, printed with every report.
pub const CAVEATS: &[&str] = &[
    "No test here proves fraud, and passing them proves no honesty: they flag patterns that some manipulations leave and that honest counts rarely do, and honest elections can deviate for ordinary reasons (unit sizes, geography, strongholds).",
    "Digit tests are weak evidence: on small counts (a few hundred ballots) digits follow arithmetic more than Benford, second-digit expectations depend on how counts are distributed, and with many units tiny deviations become 'significant'.",
    "The fingerprint and the 100%/100% corner are descriptive: compare them with other elections of the same country rather than with a threshold.",
    "Integer-percentage excess is measured against a binomial null around each unit's own rates; an excess says that more units than chance landed on whole percentages, which suggests figures written to a target, not which ones.",
];

/// Digit tests of the two series of counts.
#[derive(Clone, Debug, Serialize)]
pub struct Digits {
    /// Ballots cast (voters) per unit.
    pub voters: DigitReport,
    /// The leader's votes per unit.
    pub leader: DigitReport,
}

/// One group's (or the whole data set's) results.
#[derive(Clone, Debug, Serialize)]
pub struct GroupReport {
    /// The group's name (`null` for the whole data set).
    pub group: Option<String>,
    /// Units in it.
    pub units: u64,
    /// Digit tests.
    pub digits: Digits,
    /// Turnout tests.
    pub turnout: TurnoutReport,
    /// Share of fingerprint units in the 100/100 corner.
    pub corner: Corner,
    /// Integer-percentage spikes.
    pub integer: IntegerReport,
}

/// The units in the fingerprint's top corner.
#[derive(Clone, Debug, Serialize)]
pub struct Corner {
    /// Units with both a turnout and a leader share (registered > 0, voters > 0).
    pub n: u64,
    /// Of them, units with turnout ≥ 0.95 and leader share ≥ 0.95.
    pub count: u64,
    /// count / n.
    pub share: f64,
}

/// The integer-percentage result in the flat keys the issue names.
#[derive(Clone, Debug, Serialize)]
pub struct IntegerReport {
    /// Units included.
    pub units: u64,
    /// The inclusion rule.
    pub rule: &'static str,
    /// Replicates of the null.
    pub replicates: usize,
    /// Excess of units with turnout or leader share integer.
    pub integer_excess: f64,
    /// Its Monte Carlo standard deviation.
    pub integer_excess_sd: f64,
    /// Excess of units with leader share integer.
    pub integer_excess_leader: f64,
    /// Its Monte Carlo standard deviation.
    pub integer_excess_leader_sd: f64,
    /// Excess of units with turnout integer.
    pub integer_excess_turnout: f64,
    /// Its Monte Carlo standard deviation.
    pub integer_excess_turnout_sd: f64,
    /// The three counts in full (observed, null mean, sd, z, p).
    pub detail: Kobak,
}

impl IntegerReport {
    fn new(k: Kobak, replicates: usize) -> Self {
        IntegerReport {
            units: k.units,
            rule: kobak::RULE,
            replicates,
            integer_excess: k.either.excess,
            integer_excess_sd: k.either.null_sd,
            integer_excess_leader: k.leader.excess,
            integer_excess_leader_sd: k.leader.null_sd,
            integer_excess_turnout: k.turnout.excess,
            integer_excess_turnout_sd: k.turnout.null_sd,
            detail: k,
        }
    }
}

/// The turnout × leader-share fingerprint.
#[derive(Clone, Debug, Serialize)]
pub struct Fingerprint {
    /// Bins per axis.
    pub bins: usize,
    /// Which units are plotted.
    pub rule: &'static str,
    /// Units plotted.
    pub n: u64,
    /// Units with turnout above 1 (plotted in the last turnout bin).
    pub turnout_over_one: u64,
    /// `histogram[i][j]`: units with turnout in bin i and leader share in bin j (bin k covers [k/bins, (k+1)/bins), the last one closed).
    pub histogram: Vec<Vec<u64>>,
    /// The thresholds of the corner.
    pub corner_rule: &'static str,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `testigo-forensics/1`.
    pub schema: &'static str,
    /// Candidate names.
    pub candidates: Vec<String>,
    /// The candidate the leader-share tests follow.
    pub leader: String,
    /// Units in the data set.
    pub units: u64,
    /// Seed, bootstrap resamples, interval level, replicates.
    pub settings: Settings,
    /// The whole data set.
    pub overall: GroupReport,
    /// Each group, in name order.
    pub groups: Vec<GroupReport>,
    /// The fingerprint (whole data set).
    pub fingerprint: Fingerprint,
    /// What the tests can and cannot show.
    pub caveats: &'static [&'static str],
}

/// The settings a report was computed with.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// Seed.
    pub seed: u64,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Interval level.
    pub level: f64,
    /// Monte Carlo replicates.
    pub replicates: usize,
}

/// The fingerprint's corner thresholds: Klimek et al.'s signature of ballot
/// stuffing is a cluster at 100 % turnout and 100 % for the winner; 0.95
/// leaves room for a few spoiled or absent ballots in a stuffed unit.
pub const CORNER: f64 = 0.95;

/// Turnout and leader share of a unit, if both exist (registered > 0, voters > 0).
pub fn rates(d: &Dataset, u: &Unit) -> Option<(f64, f64)> {
    let r = u.registered.filter(|&r| r > 0)?;
    if u.voters == 0 {
        return None;
    }
    Some((u.voters as f64 / r as f64, d.leader_votes(u) as f64 / u.voters as f64))
}

fn corner(d: &Dataset, units: &[&Unit]) -> Corner {
    let (mut n, mut count) = (0u64, 0u64);
    for u in units {
        if let Some((t, s)) = rates(d, u) {
            n += 1;
            if t >= CORNER && s >= CORNER {
                count += 1;
            }
        }
    }
    Corner { n, count, share: if n > 0 { count as f64 / n as f64 } else { f64::NAN } }
}

/// Bins per axis of the fingerprint.
pub const FINGERPRINT_BINS: usize = 100;

fn fingerprint(d: &Dataset) -> Fingerprint {
    let bins = FINGERPRINT_BINS;
    let mut histogram = vec![vec![0u64; bins]; bins];
    let (mut n, mut over) = (0u64, 0u64);
    let bin = |x: f64| ((x * bins as f64) as usize).min(bins - 1);
    for u in &d.units {
        if let Some((t, s)) = rates(d, u) {
            n += 1;
            if t > 1.0 {
                over += 1;
            }
            histogram[bin(t)][bin(s)] += 1;
        }
    }
    Fingerprint {
        bins,
        rule:
            "units with registered > 0 and voters > 0; turnout = voters/registered, leader share = leader votes/voters",
        n,
        turnout_over_one: over,
        histogram,
        corner_rule: "turnout >= 0.95 and leader share >= 0.95",
    }
}

fn group_report(d: &Dataset, name: Option<String>, units: &[&Unit], k: Kobak, o: &Options, salt: u64) -> GroupReport {
    let boot = digits::Boot { resamples: o.bootstrap, level: o.level, seed: o.seed };
    GroupReport {
        group: name,
        units: units.len() as u64,
        digits: Digits {
            voters: digits::digit_report(units.iter().map(|u| u.voters), boot, digits::salt(&[salt, 10])),
            leader: digits::digit_report(units.iter().map(|u| d.leader_votes(u)), boot, digits::salt(&[salt, 20])),
        },
        turnout: digits::turnout_report(
            units.iter().filter_map(|u| u.registered.map(|r| (u.voters, r))),
            boot,
            digits::salt(&[salt, 30]),
        ),
        corner: corner(d, units),
        integer: IntegerReport::new(k, o.replicates),
    }
}

/// Runs every test.
pub fn analyze(d: &Dataset, o: &Options) -> Report {
    let mut by_group: BTreeMap<&str, Vec<&Unit>> = BTreeMap::new();
    for u in &d.units {
        if let Some(g) = &u.group {
            by_group.entry(g.as_str()).or_default().push(u);
        }
    }
    let index: BTreeMap<&str, usize> = by_group.keys().enumerate().map(|(i, g)| (*g, i)).collect();
    let kunits: Vec<kobak::KobakUnit> = d
        .units
        .iter()
        .filter_map(|u| {
            let r = u.registered?;
            (r >= kobak::MIN_REGISTERED && u.voters > 0 && u.voters <= r).then(|| kobak::KobakUnit {
                registered: r,
                voters: u.voters,
                leader: d.leader_votes(u).min(u.voters),
                group: u.group.as_deref().and_then(|g| index.get(g).copied()).unwrap_or(0),
            })
        })
        .collect();
    let (k_all, k_groups) = kobak::kobak(&kunits, index.len(), o.replicates, o.seed);
    let all: Vec<&Unit> = d.units.iter().collect();
    let overall = group_report(d, None, &all, k_all, o, 0);
    let groups = by_group
        .iter()
        .zip(k_groups)
        .enumerate()
        .map(|(i, ((name, units), k))| group_report(d, Some((*name).to_string()), units, k, o, i as u64 + 1))
        .collect();
    Report {
        schema: SCHEMA,
        candidates: d.candidates.clone(),
        leader: d.candidates.get(d.leader).cloned().unwrap_or_default(),
        units: d.units.len() as u64,
        settings: Settings { seed: o.seed, bootstrap: o.bootstrap, level: o.level, replicates: o.replicates },
        overall,
        groups,
        fingerprint: fingerprint(d),
        caveats: CAVEATS,
    }
}

impl Report {
    /// The report as JSON (schema `testigo-forensics/1`, `SCHEMA.md`); NaN (a
    /// statistic with no units) is written as `null`.
    pub fn to_json(&self) -> String {
        // serde_json writes non-finite floats as null.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The report as plain text.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let lvl = self.settings.level * 100.0;
        let _ = writeln!(
            s,
            "Election forensics: {} units, leader {} (seed {}, {} bootstrap resamples, {} null replicates)\n",
            self.units, self.leader, self.settings.seed, self.settings.bootstrap, self.settings.replicates
        );
        let ci = |e: &Estimate| format!("{:.4} [{:.4}, {:.4}]", e.value, e.ci[0], e.ci[1]);
        for g in std::iter::once(&self.overall).chain(&self.groups) {
            let _ = writeln!(s, "== {} ({} units) ==", g.group.as_deref().unwrap_or("all units"), g.units);
            for (label, r) in [("ballots cast", &g.digits.voters), ("leader votes", &g.digits.leader)] {
                let (b, l) = (&r.second_digit, &r.last_digit);
                let _ = writeln!(
                    s,
                    "  {label}: 2BL mean {} (Benford {:.4}), chi2 {:.3} p {:.4} (n {}, {}); last digit mean {} (4.5), chi2 {:.3} p {:.4} (n {}); C05s {} (0.2, n {})",
                    ci(&b.mean), b.expected_mean, b.chi2, b.p, b.n, b.rule, ci(&l.mean), l.chi2, l.p, l.n, ci(&r.c05s), r.c05s_n
                );
            }
            let t = &g.turnout;
            let _ = writeln!(
                s,
                "  turnout: mean {:.4}, P05s {} (0.2), skewness {:.3} (0), kurtosis {:.3} (3) (n {})",
                t.mean,
                ci(&t.p05s),
                t.skewness,
                t.kurtosis,
                t.n
            );
            let _ = writeln!(
                s,
                "  corner (turnout and leader share >= 0.95): {} of {} units ({:.4})",
                g.corner.count, g.corner.n, g.corner.share
            );
            let i = &g.integer;
            let _ = writeln!(
                s,
                "  integer percentages (n {}): excess {:.1} ± {:.1} (either), {:.1} ± {:.1} (leader), {:.1} ± {:.1} (turnout); observed {} vs null {:.1}, p {:.4}\n",
                i.units,
                i.integer_excess,
                i.integer_excess_sd,
                i.integer_excess_leader,
                i.integer_excess_leader_sd,
                i.integer_excess_turnout,
                i.integer_excess_turnout_sd,
                i.detail.either.observed,
                i.detail.either.null_mean,
                i.detail.either.p
            );
        }
        let _ = writeln!(
            s,
            "Intervals: {lvl:.0}% bootstrap percentile; ± is the Monte Carlo standard deviation of the null."
        );
        let _ = writeln!(
            s,
            "Rules: digit tests on {}; C05s on {}; {}; integer test: {}.",
            digits::RULE_GE10,
            digits::RULE_ALL,
            digits::RULE_TURNOUT,
            kobak::RULE
        );
        let _ = writeln!(s, "\nCaveats:");
        for c in CAVEATS {
            let _ = writeln!(s, "- {c}");
        }
        s
    }
}

impl Report {
    /// The findings in plain words, for a page: what each test says about
    /// the whole data set, with the numbers it rests on and its caveat. The
    /// [`CAVEATS`] follow as their own lines.
    pub fn plain_findings(&self) -> Vec<String> {
        let o = &self.overall;
        let d = &o.digits.voters;
        let p_text = |p: f64| if p < 0.001 { "p < 0.001".to_string() } else { format!("p = {p:.3}") };
        let departs = |p: f64| {
            if p < 0.001 {
                "depart clearly from"
            } else if p < 0.05 {
                "depart somewhat from"
            } else {
                "are consistent with"
            }
        };
        let i = &o.integer;
        let z = if i.integer_excess_sd > 0.0 { i.integer_excess / i.integer_excess_sd } else { 0.0 };
        let mut out = vec![
            format!(
                "Second digits of ballots cast ({} tables with at least 10 ballots): mean {:.4} against Benford's {:.4}; \
                 χ² {:.3} with {} degrees of freedom, {}: the second digits {} Benford's. A weak test on counts of a \
                 few hundred: turnout and table size shape second digits too.",
                d.second_digit.n,
                d.second_digit.mean.value,
                d.second_digit.expected_mean,
                d.second_digit.chi2,
                d.second_digit.df,
                p_text(d.second_digit.p),
                departs(d.second_digit.p)
            ),
            format!(
                "Last digits of ballots cast ({} tables): χ² {:.3}, {}: the last digits {} uniform ones; {:.1}% end in \
                 0 or 5 (20% expected).",
                d.last_digit.n,
                d.last_digit.chi2,
                p_text(d.last_digit.p),
                departs(d.last_digit.p),
                100.0 * d.c05s.value
            ),
            format!(
                "Fingerprint (turnout against the leader's share, {} tables): {} of them ({:.2}%) have both turnout and \
                 the leader's share at 95% or more, the corner where ballot stuffing shows up in other elections.",
                o.corner.n,
                o.corner.count,
                100.0 * o.corner.share
            ),
            format!(
                "Integer percentages ({} tables; {}): {:.0} more tables than chance gives (over {} simulated \
                 elections) have a whole-percentage turnout or leader share, {:.1} Monte Carlo standard deviations \
                 ({:.0}) from none{}.",
                i.units,
                i.rule,
                i.integer_excess,
                i.replicates,
                z,
                i.integer_excess_sd,
                if z.abs() < 3.29 { ": not significant at the 0.1% level" } else { ": significant at the 0.1% level" }
            ),
        ];
        out.extend(self.caveats.iter().map(|c| (*c).to_string()));
        out
    }
}
