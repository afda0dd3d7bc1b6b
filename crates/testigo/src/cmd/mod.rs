//! Subcommands.

mod demo;
pub mod log;

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
    /// Work with a transparency log directly (init, append, prove, check-receipt).
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Build a demonstration log and print its signed checkpoint.
    Demo(demo::DemoArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Log(c) => log::run(c),
        Command::Demo(a) => demo::run(a),
    }
}
