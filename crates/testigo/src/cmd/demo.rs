//! `testigo demo`: builds a demonstration log and prints its signed checkpoint.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::log::DataDir;

/// Options of `testigo demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Data directory (default: a fresh directory under the system's temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = match args.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("testigo-demo-{}", std::process::id())),
    };
    let d = DataDir::new(&dir);
    d.init("demo.testigo.example/log")?;
    let seq = d.sequencer()?;
    let entries: Vec<Vec<u8>> = (0..1000).map(|i| format!("demo entry {i}").into_bytes()).collect();
    let done = seq.submit(entries)?.wait()?;
    seq.shutdown();
    println!("Built a log of {} entries in {}", done.tree_size, d.log().display());
    println!("Verifier key ({}):", d.vkey().display());
    print!("{}", std::fs::read_to_string(d.vkey())?);
    println!("Signed checkpoint:");
    print!("{}", String::from_utf8_lossy(&done.checkpoint));
    Ok(ExitCode::SUCCESS)
}
