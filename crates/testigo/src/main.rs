//! The `testigo` command line: each subcommand wires the library crates together.

mod cmd;

use clap::Parser;

/// mimalloc instead of glibc's malloc: replaying a national log allocates
/// on every core at once, where glibc's arenas spent about an eighth of the
/// time (BENCHMARKS.md, "National scale").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The exit status of a process killed by SIGPIPE (128 + 13), which is what
/// a C tool writing into a closed pipe ends with.
const BROKEN_PIPE_EXIT: i32 = 141;

/// `testigo … | head`: once the reader is gone, stop quietly, as other
/// command-line tools do, instead of panicking in `println!` (Rust ignores
/// SIGPIPE, and resetting it would need `unsafe`).
fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        default(info);
    }));
}

/// Whether `e` comes from writing into a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn main() -> std::process::ExitCode {
    exit_quietly_on_broken_pipe();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TESTIGO_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never in a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // A failed write to stderr (a full disk) must not print again and panic: drop the line.
        .log_internal_errors(false)
        .init();
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::from(BROKEN_PIPE_EXIT as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
