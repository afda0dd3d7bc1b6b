//! `testigo report`: one self-contained HTML file (inline CSS, inline SVG, no
//! script, nothing fetched) with the tally's findings: results, coverage by
//! top-level unit, certainty, and official bulletins against the evidence.
//!
//! Every number comes from the same `TallyReport` `testigo tally --json`
//! prints, so the page and the JSON always agree. The page itself is
//! `testigo_report::render_html`; this command computes the report and
//! writes the file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::tally::{compute, load_registry, TallyCommon};

/// Options of `testigo report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    common: TallyCommon,
    /// The HTML file to write.
    #[arg(long)]
    out: PathBuf,
    /// Add "Questioning the numbers": election forensics of the counted tables (digit tests,
    /// the fingerprint, integer percentages, with charts) and what a risk-limiting audit at 5% would
    /// hand-count for the reported margin (first contest).
    #[arg(long)]
    questions: bool,
}

/// Runs `testigo report`.
pub fn run(a: ReportArgs) -> anyhow::Result<ExitCode> {
    let c = a.common.compute(Vec::new())?;
    let (registry, size) = load_registry(&a.common.dir)?;
    let report = compute(&registry, &c)?;
    let html = if a.questions {
        testigo_report::render_html_with(&report, size, &questions(&registry)?)
    } else {
        testigo_report::render_html(&report, size)
    };
    std::fs::write(&a.out, html)
        .with_context(|| format!("writing the report to {} (does its folder exist?)", a.out.display()))?;
    println!("wrote {} ({} log entries counted)", a.out.display(), size);
    Ok(ExitCode::SUCCESS)
}

/// Forensics and an audit plan of the first contest, in words and charts.
fn questions(registry: &testigo_election::Registry) -> anyhow::Result<testigo_report::Questions> {
    let data = testigo_forensics::log::from_registry(registry, None, None, None)?;
    // The defaults of `testigo forensics`, as on the website: anyone reruns them and gets these numbers.
    let options = testigo_forensics::Options::default();
    let forensics = testigo_forensics::analyze(&data, &options);
    let mut paragraphs = forensics.plain_findings();
    let charts = testigo_forensics::plots::svgs(&forensics)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .map(|(name, svg)| (name.trim_end_matches(".svg").replace('-', " "), svg))
        .collect();
    let election = registry.election().context("the log has no election")?;
    let evidence = testigo_tally::Evidence::from_registry(registry);
    let tally = testigo_tally::tabulate(election, registry.geography(), &evidence, &Default::default());
    if let Some(ct) = tally.contests.first() {
        let batches = testigo_audit::contest::ContestBatches::from_tally(registry.geography(), &evidence, ct);
        if let Ok(plan) = testigo_audit::contest::Plan::new(&batches, 0.05) {
            let names = &election.contests[0].candidates;
            paragraphs.push(format!(
                "A risk-limiting audit of the paper at a 5% risk limit, with the {} counted tables as batches \
                 (Kaplan–Markov, tables drawn in proportion to their error bound), would hand-count {} draws \
                 (about {:.0} distinct tables) if it found no error, to confirm that {} beat {} as the counted \
                 sheets say; errors found would make it draw more, up to a full hand count. It checks the \
                 counted sheets against the paper, not the tables without a sheet (the certainty verdict \
                 answers for those).",
                batches.batches.len(),
                plan.draws,
                plan.expected_tables,
                names.get(plan.winner).map_or("?", |c| c.name.as_str()),
                names.get(plan.runner_up).map_or("?", |c| c.name.as_str()),
            ));
        }
    }
    Ok(testigo_report::Questions { paragraphs, charts })
}
