//! `testigo publish`: sign an authority's bulletins (a `testigo-bulletins/1`
//! file) with an enrolled publisher key and log them, so the official figures
//! are checked against the evidence by everyone who replays the log.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use testigo_election::{encode_signed, Entry};

use super::{keys, local};

/// Options of `testigo publish`.
#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    to: local::Destination,
    /// The enrolled publisher (or importer) private key.
    #[arg(long)]
    key: PathBuf,
    /// Announcement date, `YYYY-MM-DD`, recorded with every bulletin of the file.
    #[arg(long)]
    date: Option<String>,
    /// The bulletins file (JSON, schema `testigo-bulletins/1`; see `testigo tally --help`).
    file: PathBuf,
}

/// Signs and logs every bulletin of the file; prints each log index.
pub fn run(a: PublishArgs) -> anyhow::Result<ExitCode> {
    let signer = keys::load_signer(&a.key)?;
    let now = testigo_store::unix_now();
    let entries: Vec<Vec<u8>> = super::tally::read_bulletins(&a.file)?
        .into_iter()
        .map(|b| encode_signed(&Entry::Bulletin(b.to_entry(a.date.clone(), now)), &signer))
        .collect::<Result<_, _>>()?;
    let n = entries.len();
    let indices = a.to.record(entries, "bulletin")?;
    for i in &indices {
        println!("{i}");
    }
    eprintln!("logged {n} bulletin(s); `testigo tally` now checks them against the sheets");
    Ok(ExitCode::SUCCESS)
}
