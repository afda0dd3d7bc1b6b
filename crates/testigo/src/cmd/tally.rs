//! `testigo tally`: the results, computed from the log alone.
//!
//! The log is read without the writer lock (tiles and checkpoint only), so a
//! tally can run while `testigo serve` is writing: it counts the entries up
//! to the checkpoint it read. The numbers come from `testigo-tally`; the JSON
//! schema is `crates/tally/SCHEMA.md`.
//!
//! Official announcements reach the tally as a bulletin file (`--bulletins`):
//!
//! ```json
//! { "schema": "testigo-bulletins/1",
//!   "bulletins": [ { "label": "...", "source": "...", "contest": "president",
//!                    "unit": null, "counts": [ { "candidates": ["NM"], "votes": 5150092, "percent": "51.20" } ],
//!                    "valid": 10058774, "null": null, "voters": null, "registry": null,
//!                    "tables_counted_percent": "80" } ] }
//! ```
//!
//! The format and its checks are `testigo_tally::bulletins` (each bulletin is
//! `testigo_tally::Bulletin`; unknown fields are refused); this command only
//! reads the file.
//! `data/venezuela-2024/cne-bulletins.json` holds the CNE's two 2024 bulletins.
//!
//! Bulletins logged as signed `bulletin` entries (by an enrolled publisher
//! or importer key) are checked too, always, and first, each with its log
//! index and signer; a file bulletin identical to a logged one is skipped.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use testigo_election::Registry;
use testigo_store::DataDir;
pub use testigo_tally::{compute, Compute};
use testigo_tally::{parse_bulletins, Bulletin, Independence, TallyOptions, TallyReport};

/// Reads a bulletin file (format and checks: `testigo_tally::bulletins`).
pub fn read_bulletins(path: &Path) -> anyhow::Result<Vec<Bulletin>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(parse_bulletins(&text, &path.display().to_string())?)
}

/// Replays the log a `serve --storage` node keeps in a bucket (`s3://BUCKET/PREFIX`), opened
/// with the verifier key the node keeps beside it (`log.vkey`, as in a mirror).
pub fn replay_bucket(url: &str) -> anyhow::Result<testigo_replay::ReplayedDir> {
    use testigo_tlog::storage::Storage;
    let bucket = testigo_objstore::parse_url(url)?;
    let log = bucket.log_storage();
    let vkey = log.read("log.vkey")?.with_context(|| {
        format!("{url} holds no log.vkey: is it the --storage of a `testigo serve` (which writes it there)?")
    })?;
    // The replay reads the key from a data directory: a private one holding just the key.
    let tmp = std::env::temp_dir().join(format!("testigo-bucket-{}-{}", std::process::id(), testigo_store::unix_now()));
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let dir = DataDir::new(&tmp).with_log_storage(Arc::new(log)).with_photo_store(Arc::new(bucket.photo_store()));
    let replayed = std::fs::write(dir.vkey(), vkey)
        .with_context(|| format!("writing {}", dir.vkey().display()))
        .and_then(|()| testigo_replay::replay_data_dir(&dir));
    let _ = std::fs::remove_dir_all(&tmp);
    replayed.with_context(|| format!("replaying the log in {url}"))
}

/// Replays a data directory's log into a registry without taking the writer
/// lock: works while `testigo serve` runs. Returns the registry and the tree
/// size of the checkpoint it counted up to.
pub fn load_registry(dir: &Path) -> anyhow::Result<(Registry, u64)> {
    let replayed = match dir.to_str().filter(|s| testigo_objstore::is_object_url(s)) {
        Some(url) => replay_bucket(url)?,
        None => testigo_replay::replay_data_dir(&DataDir::open_copy(dir)?)?,
    };
    if let Some((i, r)) = replayed.replay.refused().first() {
        eprintln!(
            "warning: {} logged entries were refused on replay (first: #{i}, {r}); they count for nothing",
            replayed.replay.refused().len()
        );
    }
    let registry = replayed.replay.into_registry();
    if registry.election().is_none() {
        bail!("{} holds no election yet: create one with `testigo init`", dir.display());
    }
    Ok((registry, replayed.size))
}

/// Parses a percentage like `90` or `87.5` into parts per million.
pub fn percent_ppm(s: &str) -> anyhow::Result<u32> {
    let v: f64 = s.trim().parse().with_context(|| format!("{s:?} is not a percentage like 90 or 87.5"))?;
    if !(0.0..=100.0).contains(&v) {
        bail!("{s}% is not between 0 and 100");
    }
    Ok((v * 10_000.0).round() as u32)
}

/// How sources count as independent.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum IndependenceArg {
    /// Different enrolled organisations.
    Organisations,
    /// Different keys.
    Keys,
}

/// Options shared by `testigo tally` and `testigo report`.
#[derive(Args, Debug, Clone)]
pub struct TallyCommon {
    /// Data directory, a mirror made by `testigo mirror`, or the bucket of `serve --storage`
    /// (`s3://BUCKET/PREFIX`) (read only: works while `testigo serve` runs on it).
    #[arg(long)]
    pub dir: PathBuf,
    /// Official bulletins to check against the evidence (JSON, schema `testigo-bulletins/1`).
    #[arg(long)]
    pub bulletins: Option<PathBuf>,
    /// Turnout cap for the capped certainty verdict, percent of the missing tables' registered voters.
    #[arg(long, default_value = "90")]
    pub turnout_cap: String,
    /// What makes two sheets independent.
    #[arg(long, value_enum, default_value = "organisations")]
    pub independence: IndependenceArg,
    /// Count `official` sheets as evidence too (normally they are what is checked).
    #[arg(long)]
    pub include_official: bool,
    /// Count only sheets signed by keys with this name (repeatable), e.g. one importer's publication.
    #[arg(long)]
    pub signer: Vec<String>,
}

impl TallyCommon {
    /// The computation these options ask for (levels given separately).
    pub fn compute(&self, levels: Vec<String>) -> anyhow::Result<Compute> {
        Ok(Compute {
            tally: TallyOptions {
                independence: match self.independence {
                    IndependenceArg::Organisations => Independence::Organisations,
                    IndependenceArg::Keys => Independence::Keys,
                },
                include_official: self.include_official,
                turnout_cap_ppm: percent_ppm(&self.turnout_cap)?,
            },
            levels,
            signers: self.signer.clone(),
            bulletins: match &self.bulletins {
                Some(p) => read_bulletins(p)?,
                None => Vec::new(),
            },
        })
    }
}

/// Options of `testigo tally`.
#[derive(Args, Debug)]
pub struct TallyArgs {
    #[command(flatten)]
    common: TallyCommon,
    /// Print the JSON report (schema `testigo-tally/1`, crates/tally/SCHEMA.md).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print one CSV row per unit (national first).
    #[arg(long)]
    csv: bool,
    /// List the units of this level (repeatable; `all` for every level). Default: the top level.
    #[arg(long)]
    level: Vec<String>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `testigo tally`.
pub fn run(a: TallyArgs) -> anyhow::Result<ExitCode> {
    let c = a.common.compute(a.level.clone())?;
    let (registry, size) = load_registry(&a.common.dir)?;
    let report = compute(&registry, &c)?;
    let text = if a.json {
        report.to_json() + "\n"
    } else if a.csv {
        report.to_csv()
    } else {
        let mut t = report.to_text();
        if !a.level.is_empty() {
            t.push_str(&units_text(&report));
        }
        t.push_str(&audits_text(&registry));
        t.push_str(&format!("(log entries counted: {size})\n"));
        t
    };
    match &a.out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?,
        None => print_stdout(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The risk-limiting audits opened in the log, recomputed from it (empty
/// when there are none). Whether each seed is bound to this log (its
/// checkpoint root) is for `verify` and `audit status`, which read the tiles.
fn audits_text(registry: &testigo_election::Registry) -> String {
    let mut s = String::new();
    for audit in registry.audits() {
        if s.is_empty() {
            s.push_str(
                "\nrisk-limiting audits (seeds bound to the log by `testigo verify` / `testigo audit status`):\n",
            );
        }
        match testigo_audit::progress::of_logged(registry, audit) {
            Ok(p) => s.push_str(&format!("  audit at {}: {}\n", audit.index, p.summary())),
            Err(e) => s.push_str(&format!("  audit at {}: {e}\n", audit.index)),
        }
    }
    s
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to standard output"),
        _ => Ok(()),
    }
}

/// One line per listed unit (the drill-down of `--level`).
fn units_text(report: &TallyReport) -> String {
    let mut s = String::new();
    for c in &report.contests {
        s.push_str(&format!("\n{} by unit:\n", c.name));
        for u in &c.units {
            let leader = u.certainty.leader.as_deref().unwrap_or("-");
            // Rounded once from the integers, not from the 4-decimal JSON value.
            let share = u.candidates.iter().find(|r| r.id == leader).and_then(|r| {
                let (n, d) = u.share_ratio(r);
                testigo_tally::report::pct2(n, d)
            });
            s.push_str(&format!(
                "  {:<10} {:<12} {:<28} {:>5}/{:<5} tables  valid {:>9}  leader {} {}  {}\n",
                u.level,
                u.id,
                u.name,
                u.tables.reporting,
                u.tables.total,
                u.valid,
                leader,
                share.map(|p| p + "%").unwrap_or_default(),
                u.certainty.verdict
            ));
        }
    }
    s
}
