//! `testigo mirror`: copies a log from any copy (directory or URL) into a
//! directory, verifying it exactly as `testigo verify` does at the log level;
//! tiles and bundles land before the checkpoint, so the copy is always
//! consistent and can be served by any static web server and verified itself.
//! Run it again to fetch only the new part (after a consistency check against
//! the copy's checkpoint).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use testigo_verify::{mirror, NoVisitor, Options, Progress};

use super::verify::{open_source, progress_bar, show, TrustArgs};

/// Options of `testigo mirror`.
#[derive(Args, Debug)]
pub struct MirrorArgs {
    /// The log copy: a data directory, its `log/` directory, or an http(s) URL.
    pub source: String,
    /// The directory to copy into (created; must be empty or an earlier mirror of the same log).
    pub dest: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `testigo mirror`.
pub fn run(a: MirrorArgs) -> anyhow::Result<ExitCode> {
    let (key, policy) = a.trust.load()?;
    let source = open_source(&a.source)?;
    let bar = progress_bar(a.quiet, "mirroring");
    let cb = |p: Progress| show(&bar, p);
    let opts = Options { concurrency: a.trust.concurrency, progress: Some(&cb) };
    let report = mirror(&source, &a.dest, &key, &policy, &mut NoVisitor, &opts).map_err(|e| {
        bar.abandon();
        anyhow::anyhow!("mirror FAILED: {e}")
    })?;
    bar.finish_and_clear();
    println!("mirrored {} into {}", report.origin, a.dest.display());
    println!("  size:    {} entries (root {})", report.size, report.root);
    match report.previous_size {
        Some(p) => println!(
            "  continued from the copy's size {p} (consistency proven); {} new entries",
            report.entries_verified
        ),
        None => println!("  new copy: {} entries verified", report.entries_verified),
    }
    if !report.cosigned_by.is_empty() {
        let by: Vec<&str> = report.cosigned_by.iter().map(|(n, _)| n.as_str()).collect();
        println!("  cosigned by: {}", by.join(", "));
    }
    println!("  fetched: {} objects, {} bytes", report.objects_fetched, report.bytes_fetched);
    println!("the election entries were not replayed: run `testigo verify {} --key ...` for that", a.dest.display());
    Ok(ExitCode::SUCCESS)
}
