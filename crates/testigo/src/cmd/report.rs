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
}

/// Runs `testigo report`.
pub fn run(a: ReportArgs) -> anyhow::Result<ExitCode> {
    let c = a.common.compute(Vec::new())?;
    let (registry, size) = load_registry(&a.common.dir)?;
    let report = compute(&registry, &c)?;
    let html = testigo_report::render_html(&report, size);
    std::fs::write(&a.out, html)
        .with_context(|| format!("writing the report to {} (does its folder exist?)", a.out.display()))?;
    println!("wrote {} ({} log entries counted)", a.out.display(), size);
    Ok(ExitCode::SUCCESS)
}
