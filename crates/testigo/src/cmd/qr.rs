//! `testigo qr`: read tally-sheet QR codes from a photo or from payload text.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use testigo_documents::{formats, inspect, BrazilBuQr};
use testigo_formats::brazil_bu::KeySet;
use testigo_scan::add_key_arg;

/// Subcommands of `testigo qr`.
#[derive(Subcommand, Debug)]
pub enum QrCommand {
    /// Detect the format of a sheet's QR codes and print JSON: format, table, counts, chain and signature status.
    Inspect(InspectArgs),
}

/// Options of `testigo qr inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A BU verification key, `[NAME@]VRCH=VALUE[#PIN]` (VALUE: 64 hex digits or a TSE `.pub` file;
    /// NAME: phase and state as in `sac`, `osp`; PIN: SHA-512 of the key file). Repeat for several.
    #[arg(long = "key", value_name = "KEY")]
    keys: Vec<String>,
    /// A JPEG or PNG photo of the sheet, or a text file with one QR payload per line.
    file: PathBuf,
}

/// Runs a `qr` subcommand.
pub fn run(c: QrCommand) -> anyhow::Result<ExitCode> {
    match c {
        QrCommand::Inspect(a) => inspect_cmd(a),
    }
}

/// Prints the report; exits 0 only when the payload parsed and every present
/// hash and signature holds (an unverifiable signature is not "holds").
fn inspect_cmd(a: InspectArgs) -> anyhow::Result<ExitCode> {
    let mut keys = KeySet::new();
    for k in &a.keys {
        add_key_arg(&mut keys, k)?;
    }
    let input = std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?;
    let report = inspect(&input, &formats().with(BrazilBuQr::new(keys)));
    println!("{}", report.to_json());
    Ok(if report.exit_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
