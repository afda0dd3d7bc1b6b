//! `testigo log …`: the stable scripting contract over a log directory
//! (layout: see `testigo_store::datadir`).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use testigo_note::Verifier;
pub use testigo_store::DataDir;

use super::verify::{run_log_only, LogVerifyArgs};
use testigo_tlog::reader::LogReader;
use testigo_tlog::storage::Storage;
use testigo_tlog::Receipt;

/// `testigo log` subcommands.
#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// Create a signing key and an empty log in DIR.
    Init {
        /// Data directory (created if missing).
        #[arg(long)]
        dir: PathBuf,
        /// Origin line of the log, also the key name (e.g. example.org/elections/2024).
        #[arg(long)]
        origin: String,
    },
    /// Append each line of standard input as one entry; print each index.
    Append(DirArg),
    /// Print the tlog-proof receipt of the entry at INDEX.
    Prove {
        /// Data directory.
        #[arg(long)]
        dir: PathBuf,
        /// Entry index.
        index: u64,
    },
    /// Verify any c2sp.org/tlog-tiles log (directory or URL) without interpreting its entries: checkpoint
    /// signature, cosigners, every tile and entry bundle, consistency with the last run. Same as
    /// `testigo verify --log-only`.
    Verify(LogVerifyArgs),
    /// Verify a receipt offline; prints the entry and exits 0 if it holds.
    CheckReceipt {
        /// The log's verifier key: a file holding the key line, or the line itself.
        #[arg(long)]
        vkey: String,
        /// Expected entry contents (a file); by default the entry carried in the receipt's extra line.
        #[arg(long)]
        entry: Option<PathBuf>,
        /// Receipt file (`-` for standard input).
        receipt: PathBuf,
    },
}

/// A `--dir` argument.
#[derive(Args, Debug)]
pub struct DirArg {
    /// Data directory.
    #[arg(long)]
    pub dir: PathBuf,
}

/// Reads a verifier key given as a file path or as the key line itself.
pub fn read_vkey(arg: &str) -> anyhow::Result<Verifier> {
    let text = if Path::new(arg).exists() {
        std::fs::read_to_string(arg).with_context(|| format!("reading {arg}"))?
    } else {
        arg.to_string()
    };
    Verifier::parse(text.trim()).with_context(|| format!("{arg:?} is neither a verifier key file nor a key line"))
}

/// Builds the receipt for `index` at the latest checkpoint; the entry rides in `extra`.
pub fn prove(storage: Arc<dyn Storage>, vkey: &Verifier, index: u64) -> anyhow::Result<Receipt> {
    let bytes = storage.read("checkpoint")?.context("the log has no checkpoint")?;
    let opened = testigo_tlog::checkpoint::open(&bytes, vkey, &[])?;
    let size = opened.checkpoint.size;
    if index >= size {
        bail!("index {index} is past the end of the log (size {size})");
    }
    let reader = LogReader::new(storage, 64);
    let entry = reader.entry(index, size)?;
    Ok(Receipt { extra: Some(entry), index, proof: reader.inclusion_proof(index, size)?, checkpoint: bytes })
}

/// Runs a `testigo log` subcommand.
pub fn run(cmd: LogCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LogCommand::Init { dir, origin } => {
            let d = DataDir::new(&dir);
            let signer = d.init(&origin)?;
            println!("{}", signer.verifier().to_vkey());
            eprintln!("created log {origin} in {}; verifier key in {}", d.log().display(), d.vkey().display());
        }
        LogCommand::Append(DirArg { dir }) => {
            let seq = DataDir::new(&dir).sequencer()?;
            let stdin = std::io::stdin();
            let mut out = std::io::stdout().lock();
            let mut chunk = Vec::new();
            let flush = |chunk: &mut Vec<Vec<u8>>, out: &mut dyn Write| -> anyhow::Result<()> {
                if chunk.is_empty() {
                    return Ok(());
                }
                let n = chunk.len() as u64;
                let done = seq.submit(std::mem::take(chunk))?.wait()?;
                for i in done.first_index..done.first_index + n {
                    writeln!(out, "{i}")?;
                }
                Ok(())
            };
            for line in stdin.lock().split(b'\n') {
                let mut line = line.context("reading standard input")?;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                chunk.push(line);
                if chunk.len() == 16_384 {
                    flush(&mut chunk, &mut out)?;
                }
            }
            flush(&mut chunk, &mut out)?;
            seq.shutdown();
        }
        LogCommand::Prove { dir, index } => {
            let d = DataDir::new(&dir);
            let vkey = read_vkey(&d.vkey().to_string_lossy())?;
            let receipt = prove(d.storage()?, &vkey, index)?;
            std::io::stdout().write_all(&receipt.to_text())?;
        }
        LogCommand::Verify(a) => return run_log_only(a),
        LogCommand::CheckReceipt { vkey, entry, receipt } => {
            let vkey = read_vkey(&vkey)?;
            let bytes = if receipt == Path::new("-") {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
                b
            } else {
                std::fs::read(&receipt).with_context(|| format!("reading {}", receipt.display()))?
            };
            let r = Receipt::parse(&bytes)?;
            let entry = match entry {
                Some(p) => std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?,
                None => r.extra.clone().context("the receipt carries no entry (extra line); pass --entry FILE")?,
            };
            let opened = r.verify(&entry, &vkey, &[]).context("receipt does NOT verify")?;
            println!(
                "OK: entry {} is in {} at tree size {}",
                r.index, opened.checkpoint.origin, opened.checkpoint.size
            );
            std::io::stdout().write_all(&entry)?;
            println!();
        }
    }
    Ok(ExitCode::SUCCESS)
}
