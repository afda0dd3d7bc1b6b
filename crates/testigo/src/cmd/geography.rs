//! `testigo geography add` and `testigo geography declare`: operator-signed
//! geography entries after `init` — tables a source names that the first
//! list missed, and per-unit totals declared by an outside source, so that
//! coverage has a real denominator.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use testigo_election::{Entry, Geography, GeographyChunk};
use testigo_store::DataDir;

use super::election::Target;

/// `testigo geography …`.
#[derive(Subcommand, Debug)]
pub enum GeographyCommand {
    /// Add the units and tables of a tables.csv (the layout `init` reads) that the log lacks.
    Add(AddArgs),
    /// Declare per-unit totals (tables, registered voters) from a CSV `unit,tables,registered,source`.
    Declare(DeclareArgs),
}

/// Where the current geography is read from, and where entries go.
#[derive(Args, Debug)]
pub struct Current {
    #[command(flatten)]
    target: Target,
    /// With --server: a copy of the log (`testigo mirror`) to read the current geography from.
    #[arg(long, requires = "server")]
    copy: Option<PathBuf>,
}

impl Current {
    fn geography(&self) -> anyhow::Result<Geography> {
        let dir = self.target.readable(self.copy.as_ref(), "the current geography")?;
        let replayed = testigo_replay::replay_data_dir(&DataDir::open_copy(&dir)?)?;
        Ok(replayed.replay.registry().geography().clone())
    }
}

/// Options of `testigo geography add`.
#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    current: Current,
    /// The tables.csv to add from (same columns as for `init`; docs/election-files.md).
    file: PathBuf,
}

/// Options of `testigo geography declare`.
#[derive(Args, Debug)]
pub struct DeclareArgs {
    #[command(flatten)]
    current: Current,
    /// Where the figures come from, for rows whose `source` cell is empty.
    #[arg(long)]
    source: Option<String>,
    /// CSV with the header `unit,tables,registered,source`.
    file: PathBuf,
}

/// Runs `testigo geography …`.
pub fn run(c: GeographyCommand) -> anyhow::Result<ExitCode> {
    match c {
        GeographyCommand::Add(a) => add(a),
        GeographyCommand::Declare(a) => declare(a),
    }
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn add(a: AddArgs) -> anyhow::Result<ExitCode> {
    let current = a.current.geography()?;
    let name = a.file.display().to_string();
    let file = testigo_election::load_tables_csv(current.levels(), &read(&a.file)?, &name)?;
    let chunks = testigo_datasets::geography::additions(&current, &file).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    if chunks.is_empty() {
        println!("{name}: every unit and table is already in the log; nothing to add");
        return Ok(ExitCode::SUCCESS);
    }
    let units: usize = chunks.iter().map(|c| c.units.len()).sum();
    let tables: usize = chunks.iter().map(|c| c.tables.len()).sum();
    log(&a.current, chunks, &format!("added {units} units and {tables} tables"))
}

fn declare(a: DeclareArgs) -> anyhow::Result<ExitCode> {
    let current = a.current.geography()?;
    let name = a.file.display().to_string();
    let chunks = testigo_datasets::geography::declarations(&current, &read(&a.file)?, &name, a.source.as_deref())
        .map_err(|e| anyhow::anyhow!(e))?;
    let units: usize = chunks.iter().map(|c| c.declared.len()).sum();
    log(&a.current, chunks, &format!("declared totals for {units} units"))
}

/// Signs and logs the chunks with the operator key; says what was done and where.
fn log(current: &Current, chunks: Vec<GeographyChunk>, what: &str) -> anyhow::Result<ExitCode> {
    let entries: Vec<Entry> = chunks.into_iter().map(Entry::Geography).collect();
    let indexes = current.target.record_all(&entries)?;
    println!(
        "{what} in {} geography entries (log indexes {}..={})",
        indexes.len(),
        indexes.first().copied().unwrap_or_default(),
        indexes.last().copied().unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
