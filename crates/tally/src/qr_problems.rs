//! Why QR codes on current sheets could not be used, grouped by reason: the
//! tally's answer to "the table view says `unreadable`; why, and how often?".
//! A pure function of the registry, like everything else in the report.

use std::collections::BTreeMap;

use serde::Serialize;
use testigo_election::{QrOutcome, Registry};

use crate::report::TallyReport;

/// Example tables listed per reason; the count says how many there are.
const EXAMPLES: usize = 5;

/// One reason QR codes could not be used, with how many sheets it affects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QrProblem {
    /// `typed` (the payload signed into the sheet) or `photo` (the codes the
    /// operator's reading found in its photo).
    pub source: &'static str,
    /// What the decoder said, e.g. another election's ballot, a broken signature.
    pub why: String,
    /// Current sheets with this problem.
    pub sheets: u64,
    /// Up to five of their tables, in log order.
    pub tables: Vec<String>,
}

/// Per reason (`source`, `why`): the sheets affected and example tables.
type ByReason = BTreeMap<(&'static str, String), (u64, Vec<String>)>;

/// Adds to each contest of `report` the reasons its current sheets' QR codes
/// were `unreadable`, most frequent first.
pub fn add_qr_problems(report: &mut TallyReport, registry: &Registry) {
    QrProblems::of(registry).add_to(report);
}

/// The unusable QR codes of a registry's current sheets, per contest
/// position, copied out of it ([`add_qr_problems`] in two steps, so the
/// registry need not be held while the report is made).
#[derive(Clone, Debug, Default)]
pub struct QrProblems(Vec<(usize, Vec<QrProblem>)>);

impl QrProblems {
    /// Counts them.
    pub fn of(registry: &Registry) -> Self {
        QrProblems(by_contest(registry))
    }

    /// Adds them to their contests in `report`.
    pub fn add_to(&self, report: &mut TallyReport) {
        for (position, list) in &self.0 {
            if let Some(contest) = report.contests.get_mut(*position) {
                contest.qr_unreadable = list.clone();
            }
        }
    }
}

fn by_contest(registry: &Registry) -> Vec<(usize, Vec<QrProblem>)> {
    let mut by_contest: BTreeMap<usize, ByReason> = BTreeMap::new();
    for sheet in registry.sheets().filter(|s| s.is_current()) {
        for (source, check) in [("typed", sheet.qr_check()), ("photo", sheet.photo_qr_check())] {
            let Some(check) = check.filter(|c| c.outcome == QrOutcome::Unreadable) else { continue };
            let why = check.why.as_deref().unwrap_or("no reason recorded").to_string();
            let slot = by_contest.entry(sheet.contest_position()).or_default().entry((source, why)).or_default();
            slot.0 += 1;
            if slot.1.len() < EXAMPLES {
                slot.1.push(sheet.table_id().to_string());
            }
        }
    }
    by_contest
        .into_iter()
        .map(|(position, problems)| {
            let mut list: Vec<QrProblem> = problems
                .into_iter()
                .map(|((source, why), (sheets, tables))| QrProblem { source, why, sheets, tables })
                .collect();
            list.sort_by(|a, b| b.sheets.cmp(&a.sheets).then_with(|| a.why.cmp(&b.why)));
            (position, list)
        })
        .collect()
}
