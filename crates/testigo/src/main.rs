//! The `testigo` command line: each subcommand wires the library crates together.

mod cmd;

use clap::Parser;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TESTIGO_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        // A failed write to stderr (a full disk) must not print again and panic: drop the line.
        .log_internal_errors(false)
        .init();
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
