//! `testigo forensics`: election-forensics tests on per-table results, from
//! a data directory's log (the figures `testigo tally` counts) or from any
//! CSV. The tests are `testigo-forensics`; the JSON schema is
//! `crates/forensics/SCHEMA.md`. This command reads the input, prints the
//! report and writes the charts.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use testigo_forensics::{analyze, read_csv, CsvColumns, Options};

/// Options of `testigo forensics`.
#[derive(Args, Debug)]
pub struct ForensicsArgs {
    /// Data directory (or mirror) whose log to tabulate.
    #[arg(long, required_unless_present = "csv", conflicts_with = "csv")]
    dir: Option<PathBuf>,
    /// Contest identifier (with --dir; default: the first contest).
    #[arg(long, requires = "dir")]
    contest: Option<String>,
    /// Unit level whose units group the tables (with --dir; default: the top level).
    #[arg(long, requires = "dir")]
    level: Option<String>,
    /// A CSV with one row per table/station (UTF-8 or latin-1, header row first).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Column naming each unit (header name or 1-based number like `#1`; with --csv).
    #[arg(long, requires = "csv")]
    unit: Option<String>,
    /// Column of the group (prefecture, state…; with --csv).
    #[arg(long, requires = "csv")]
    group: Option<String>,
    /// Column of registered voters; sums allowed (`#4+#5`).
    #[arg(long, requires = "csv")]
    registered: Option<String>,
    /// Column(s) of voters (ballots cast), e.g. `#10+#11` (required with --csv).
    #[arg(long, requires = "csv")]
    voters: Option<String>,
    /// Column of valid votes.
    #[arg(long, requires = "csv")]
    valid: Option<String>,
    /// A candidate as NAME=COLUMNS (`United=#20`) or a header name alone (repeatable).
    #[arg(long, requires = "csv")]
    candidate: Vec<String>,
    /// The candidate whose share is tested (name; with --dir also an identifier). Default: most votes overall.
    #[arg(long)]
    leader: Option<String>,
    /// Seed of the bootstrap and the Monte Carlo null.
    #[arg(long, default_value_t = 2016)]
    seed: u64,
    /// Bootstrap resamples per interval.
    #[arg(long, default_value_t = 1000)]
    bootstrap: usize,
    /// Monte Carlo replicates of the integer-percentage null.
    #[arg(long, default_value_t = 1000)]
    replicates: usize,
    /// Print the JSON report (schema `testigo-forensics/1`, crates/forensics/SCHEMA.md).
    #[arg(long)]
    json: bool,
    /// Write the charts into this directory, each as SVG and as PNG (fingerprint, turnout,
    /// leader-share, second-digit, last-digit).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `testigo forensics`.
pub fn run(a: ForensicsArgs) -> anyhow::Result<ExitCode> {
    let data = if let Some(dir) = &a.dir {
        let (registry, _) = super::tally::load_registry(dir)?;
        testigo_forensics::log::from_registry(&registry, a.contest.as_deref(), a.level.as_deref(), a.leader.as_deref())?
    } else if let Some(csv) = &a.csv {
        let Some(voters) = a.voters.clone() else {
            bail!("--csv needs --voters COLUMNS (ballots cast), e.g. --voters '#10+#11' or a header name");
        };
        let bytes = std::fs::read(csv).with_context(|| format!("reading {}", csv.display()))?;
        let candidates = a
            .candidate
            .iter()
            .map(|c| match c.split_once('=') {
                Some((name, expr)) => (name.trim().to_string(), Some(expr.trim().to_string())),
                None => (c.trim().to_string(), None),
            })
            .collect();
        let cols = CsvColumns {
            unit: a.unit.clone(),
            group: a.group.clone(),
            registered: a.registered.clone(),
            voters,
            valid: a.valid.clone(),
            candidates,
            leader: a.leader.clone(),
        };
        read_csv(&bytes, &cols).with_context(|| format!("reading units from {}", csv.display()))?
    } else {
        bail!("give --dir DATA_DIR or --csv FILE");
    };
    if data.units.is_empty() {
        bail!("no units with counted figures: nothing to test");
    }
    let report =
        analyze(&data, &Options { seed: a.seed, bootstrap: a.bootstrap, level: 0.95, replicates: a.replicates });
    if let Some(out) = &a.out {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let svgs = testigo_forensics::plots::svgs(&report).map_err(anyhow::Error::msg)?;
        let labels = testigo_forensics::plots::Labels::english();
        let pngs = testigo_forensics::plots::pngs(&report, &labels).map_err(anyhow::Error::msg)?;
        let files = svgs.into_iter().map(|(n, s)| (n, s.into_bytes())).chain(pngs);
        for (name, bytes) in files {
            let path = out.join(name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if a.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    Ok(ExitCode::SUCCESS)
}
