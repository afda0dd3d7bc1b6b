//! What the "Questioning the numbers" page shows: election forensics of the
//! counted tables (`testigo-forensics`), what a risk-limiting audit would
//! hand-count (`testigo-audit`), and where each logged audit stands.
//!
//! Everything comes from the snapshot's own tabulation, so the page agrees
//! with `testigo forensics --dir`, `testigo audit plan` and `testigo audit
//! status` on the same log. The forensics (bootstrap and Monte Carlo) take a
//! noticeable fraction of a second on a national log, so a snapshot computes
//! them on the page's first view, not when it is built.

use testigo_audit::contest::{ContestBatches, Plan};
use testigo_audit::progress::Progress;
use testigo_election::Registry;
use testigo_forensics::Report;

use crate::i18n::{Tr, LANGS};

/// The risk limit of the audit plan the page shows.
pub const PLAN_RISK_LIMIT: f64 = 0.05;

/// Fewer counted tables than this and the page shows no forensics: the tests
/// say nothing on a handful of units.
pub const MIN_TABLES: u64 = 100;

/// The settings of the page's forensics: those of `testigo forensics` by
/// default, so anyone reruns them and gets the same numbers.
pub fn forensics_options() -> testigo_forensics::Options {
    testigo_forensics::Options::default()
}

/// The page's findings for the election's first contest.
pub struct Questions {
    /// Log entries replayed when they were computed.
    pub log_size: u64,
    /// Counted tables of the contest (units of the forensics, batches of the audit).
    pub tables: u64,
    /// The forensics, when at least [`MIN_TABLES`] tables are counted.
    pub forensics: Option<Report>,
    /// Per language (in [`LANGS`] order): the charts as (file name, bytes),
    /// each as SVG and as PNG (the fingerprint's SVG, a rectangle per cell,
    /// weighs ten times its PNG).
    pub charts: Vec<Vec<(String, Vec<u8>)>>,
    /// The audit plan at [`PLAN_RISK_LIMIT`] and the batches it was made of,
    /// or why there is none (e.g. fewer than two candidates with votes).
    pub plan: Result<(Plan, ContestBatches), String>,
}

impl Questions {
    /// Computes the findings from a snapshot's tabulation.
    pub fn compute(snap: &crate::Snapshot) -> Questions {
        let data = testigo_forensics::log::from_tally(
            &snap.election,
            &snap.geo,
            &snap.evidence,
            &snap.tally,
            None,
            None,
            None,
        );
        let tables = data.as_ref().map_or(0, |d| d.units.len() as u64);
        let forensics = data
            .ok()
            .filter(|d| d.units.len() as u64 >= MIN_TABLES)
            .map(|d| testigo_forensics::analyze(&d, &forensics_options()));
        let charts = match &forensics {
            Some(r) => LANGS
                .iter()
                .map(|&lang| {
                    let labels = chart_labels(Tr::new(lang));
                    let svgs = testigo_forensics::plots::svgs_labelled(r, &labels).unwrap_or_default();
                    let pngs = testigo_forensics::plots::pngs(r, &labels).unwrap_or_default();
                    svgs.into_iter().map(|(n, s)| (n, s.into_bytes())).chain(pngs).collect()
                })
                .collect(),
            None => Vec::new(),
        };
        let plan = match snap.tally.contests.first() {
            Some(ct) => {
                let batches = ContestBatches::from_tally(&snap.geo, &snap.evidence, ct);
                Plan::new(&batches, PLAN_RISK_LIMIT).map(|p| (p, batches)).map_err(|e| e.to_string())
            }
            None => Err("the election has no contest".into()),
        };
        Questions { log_size: snap.log_size, tables, forensics, charts, plan }
    }

    /// A chart in `lang`, by file name (`fingerprint.svg`, `fingerprint.png`).
    pub fn chart(&self, lang: crate::Lang, name: &str) -> Option<&[u8]> {
        let charts = self.charts.get(lang.index())?;
        charts.iter().find(|(n, _)| n == name).map(|(_, bytes)| bytes.as_slice())
    }
}

/// The words inside the charts, in the page's language.
fn chart_labels(tr: Tr) -> testigo_forensics::plots::Labels {
    testigo_forensics::plots::Labels {
        fingerprint: tr.t("chart-fingerprint"),
        turnout_axis: tr.t("chart-turnout-axis"),
        leader_share_axis: tr.t("chart-leader-share-axis"),
        units_axis: tr.t("chart-units-axis"),
        turnout: tr.t("chart-turnout"),
        leader_share: tr.t("chart-leader-share"),
        second_digit: tr.t("chart-second-digit"),
        last_digit: tr.t("chart-last-digit"),
        digit_axis: tr.t("chart-digit-axis"),
        share_axis: tr.t("chart-share-axis"),
    }
}

/// One logged audit as the page shows it.
pub struct AuditView {
    /// Log index of its `audit_seed` entry.
    pub index: u64,
    /// The seed entry.
    pub seed: testigo_election::AuditSeed,
    /// Hand counts logged for it.
    pub hand_counts: u64,
    /// Where it stands, recomputed from the log, or why it cannot be.
    pub progress: Result<Progress, String>,
}

/// Every audit the log opened, recomputed (none: an empty list, at no cost).
pub fn logged_audits(registry: &Registry) -> Vec<AuditView> {
    registry
        .audits()
        .iter()
        .map(|a| AuditView {
            index: a.index,
            seed: a.seed.clone(),
            hand_counts: registry.audit_counts().iter().filter(|c| c.count.audit == a.index).count() as u64,
            progress: testigo_audit::progress::of_logged(registry, a).map_err(|e| e.to_string()),
        })
        .collect()
}
