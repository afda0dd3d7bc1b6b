//! `testigo qr`: read tally-sheet QR codes from a photo or from payload text.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use testigo_documents::{formats, inspect, BrazilBuQr, VenezuelaActaQr};
use testigo_election::{load_ballot, Contest, ElectionDef};
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
    /// A BU verification key: 64 hex digits alone (a 32-byte Ed25519 public key, tried for a BU of any
    /// state, phase and key version), or `[NAME@]VRCH=VALUE[#PIN]` for one slot (VALUE: 64 hex digits or
    /// a TSE `.pub` file; NAME: phase and state as in `sac`, `osp`; PIN: SHA-512 of the key file).
    /// Repeat for several.
    #[arg(long = "key", value_name = "KEY")]
    keys: Vec<String>,
    /// The election whose ballot an acta QR is read against: its election TOML file, a data directory
    /// or mirror, or a server URL. Without it, the 2024 Venezuelan presidential ballot (38 cards).
    #[arg(long, value_name = "FILE|DIR|URL")]
    election: Option<String>,
    /// The contest whose ballot to use (default: the election's only contest).
    #[arg(long)]
    contest: Option<String>,
    /// A JPEG or PNG photo of the sheet, or a text file with one QR payload per line.
    file: PathBuf,
}

/// The election definition at `spec`: an election TOML file, a data
/// directory or mirror (its logged definition), or a server's URL.
pub fn election_from(spec: &str) -> anyhow::Result<ElectionDef> {
    if spec.starts_with("http://") || spec.starts_with("https://") {
        let info = super::client::block_on(super::client::election(spec))??;
        return serde_json::from_value(info["election"].clone())
            .with_context(|| format!("{spec}/v1/election holds no election definition"));
    }
    let path = std::path::Path::new(spec);
    if path.is_dir() {
        let replayed = testigo_replay::replay_data_dir(&testigo_store::DataDir::open_copy(path)?)?;
        return replayed.replay.registry().election().cloned().with_context(|| format!("{spec} holds no election yet"));
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {spec}"))?;
    Ok(load_ballot(&text, spec)?)
}

/// The contest `wanted`, or the only one.
pub fn pick_contest<'a>(election: &'a ElectionDef, wanted: Option<&str>) -> anyhow::Result<&'a Contest> {
    match wanted {
        Some(id) => election.contests.iter().find(|c| c.id == id).with_context(|| {
            let ids: Vec<&str> = election.contests.iter().map(|c| c.id.as_str()).collect();
            format!("election {} has no contest {id:?} (it has: {})", election.id, ids.join(", "))
        }),
        None => match election.contests.as_slice() {
            [only] => Ok(only),
            _ => bail!("election {} has several contests; choose one with --contest", election.id),
        },
    }
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
    let mut formats = formats().with(BrazilBuQr::new(keys));
    if let Some(spec) = &a.election {
        let election = election_from(spec)?;
        formats = formats.with(VenezuelaActaQr::for_contest(pick_contest(&election, a.contest.as_deref())?));
    }
    let report = inspect(&input, &formats);
    println!("{}", report.to_json());
    Ok(if report.exit_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
