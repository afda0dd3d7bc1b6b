//! Subcommands.

mod audit;
mod audit_log;
mod client;
mod demo;
mod demo_brazil;
mod election;
mod forensics;
mod geography;
mod import;
mod keys;
mod local;
pub mod log;
mod mirror;
mod publish;
mod qr;
mod report;
mod serve;
mod site;
mod submit;
mod synth;
pub mod tally;
mod verify;
mod verify_photos;
mod witness;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// testigo: provable election tally sheets in a C2SP transparency log.
#[derive(Parser, Debug)]
#[command(name = "testigo", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build the Venezuela 2024 demo from the opposition's published tally sheets, then serve it.
    Demo(demo::DemoArgs),
    /// Create a data directory for an election: the log, then the election and its tables as entries.
    Init(election::InitArgs),
    /// Create a key pair (for an operator, witness, importer or publisher).
    Keygen(keys::KeygenArgs),
    /// Enrol a key (operator-signed entry).
    Enroll(election::EnrollArgs),
    /// Revoke an enrolled key from this point of the log on (operator-signed entry).
    Revoke(election::RevokeArgs),
    /// Log the electoral authority's keys that sign Brazilian BU QR codes (operator-signed entry).
    Trust(election::TrustArgs),
    /// Sign a tally sheet and post it to a server, optionally with its photo.
    Submit(submit::SubmitArgs),
    /// Sign an authority's bulletins (testigo-bulletins/1 JSON) with a publisher key and log them.
    Publish(publish::PublishArgs),
    /// Bulk-import sheets from a file (testigo-csv, testigo-jsonl, acta QR payloads, the 2024 Venezuelan
    /// CSVs), signed by an importer key; or check a file against what the log holds of it (--check).
    Import(import::ImportArgs),
    /// Grow the geography after init: add units and tables, declare per-unit totals (operator-signed).
    #[command(subcommand)]
    Geography(geography::GeographyCommand),
    /// Serve a data directory: intake API, table views, photos, the log at its C2SP paths.
    Serve(serve::ServeArgs),
    /// Work with a transparency log directly (init, append, prove, check-receipt).
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Read tally-sheet QR codes (Venezuelan acta, Brazilian BU) from a photo or payload text.
    #[command(subcommand)]
    Qr(qr::QrCommand),
    /// Tabulate the log: results, coverage, certainty, official bulletins checked (text, JSON or CSV).
    Tally(tally::TallyArgs),
    /// Risk-limiting audits, offline: plan one on the log's counts, or simulate it with injected errors.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Election forensics: digit tests, turnout, the fingerprint, integer-percentage spikes (log or any CSV).
    Forensics(forensics::ForensicsArgs),
    /// Write a self-contained HTML report of the tally (inline CSS and SVG charts).
    Report(report::ReportArgs),
    /// Generate a synthetic election (election.toml, tables.csv, sheets.csv), optionally logged.
    Synth(synth::SynthArgs),
    /// Verify a log copy (directory, mirror or URL): every tile and entry, cosigners, the election replayed
    /// (`--log-only`: any C2SP tiled log, entries not interpreted).
    Verify(verify::VerifyArgs),
    /// Copy a log (directory or URL) into a directory, verifying it; re-run to fetch only what is new.
    Mirror(mirror::MirrorArgs),
    /// Write the public website as static files beside a copy of the log, for any static host or CDN.
    Site(site::SiteArgs),
    /// Run a cosigner (a c2sp.org/tlog-witness that cosigns the log's checkpoints), or create its key.
    /// Formerly `witness`, which still works; not to be confused with the witnesses who sign sheets.
    #[command(subcommand, alias = "witness")]
    Cosigner(witness::WitnessCommand),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Init(a) => election::init(a),
        Command::Keygen(a) => keys::keygen(a),
        Command::Enroll(a) => election::enroll(a),
        Command::Revoke(a) => election::revoke(a),
        Command::Trust(a) => election::trust(a),
        Command::Submit(a) => submit::run(a),
        Command::Publish(a) => publish::run(a),
        Command::Import(a) => import::run(a),
        Command::Geography(c) => geography::run(c),
        Command::Serve(a) => serve::run(a),
        Command::Log(c) => log::run(c),
        Command::Tally(a) => tally::run(a),
        Command::Audit(c) => audit::run(c),
        Command::Forensics(a) => forensics::run(a),
        Command::Report(a) => report::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Qr(c) => qr::run(c),
        Command::Verify(a) => verify::run(a),
        Command::Mirror(a) => mirror::run(a),
        Command::Site(a) => site::run(a),
        Command::Cosigner(c) => witness::run(c),
    }
}
