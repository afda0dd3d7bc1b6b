//! `testigo cosigner` (formerly `witness`): run a c2sp.org/tlog-witness for one or more logs, and
//! create witness (cosigner) keys.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use testigo_note::{Signer, ALG_COSIGNATURE_V1};
use testigo_store::{read_signer, write_secret};
use testigo_witness::{LogConfig, Witness};

use super::keys::vkey_path;
use super::log::read_vkey;

/// `testigo cosigner …`.
#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Run a witness: cosign each log's checkpoints that extend the last one it saw.
    Serve(ServeArgs),
    /// Create a witness cosigner key pair (c2sp.org/tlog-cosignature, type 0x04).
    Keygen(KeygenArgs),
}

/// Options of `testigo cosigner serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// State directory: the witness key (`witness.key`, created on first run), the latest cosigned
    /// checkpoint of each log, and evidence of forks.
    #[arg(long)]
    pub state: PathBuf,
    /// The witness's name, a domain-like name (e.g. `witness.ngo.example`); must match an existing key.
    #[arg(long)]
    pub name: String,
    /// Verifier key of a log to witness (file or key line; its name is the log's origin); repeatable.
    #[arg(long = "log", value_name = "VKEY", required = true)]
    pub logs: Vec<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub addr: SocketAddr,
}

/// Options of `testigo cosigner keygen`.
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Key name (e.g. `witness.ngo.example`).
    #[arg(long)]
    pub name: String,
    /// Private key file to create (must not exist); the verifier key goes to FILE.vkey.
    #[arg(long)]
    pub out: PathBuf,
}

/// Writes a new cosigner key pair to `path` and `path.vkey`.
fn create_key(path: &Path, name: &str) -> anyhow::Result<Signer> {
    let signer = Signer::generate_cosigner(name).with_context(|| format!("{name:?} is not a usable key name"))?;
    write_secret(path, &signer)?;
    let vp = vkey_path(path);
    std::fs::write(&vp, format!("{}\n", signer.verifier().to_vkey()))
        .with_context(|| format!("writing {}", vp.display()))?;
    Ok(signer)
}

/// Runs `testigo witness …`.
pub fn run(c: WitnessCommand) -> anyhow::Result<ExitCode> {
    match c {
        WitnessCommand::Keygen(a) => {
            let signer = create_key(&a.out, &a.name)?;
            println!("{}", signer.verifier().to_vkey());
            eprintln!(
                "private key in {} (keep it secret); verifier key in {}",
                a.out.display(),
                vkey_path(&a.out).display()
            );
            Ok(ExitCode::SUCCESS)
        }
        WitnessCommand::Serve(a) => serve(a),
    }
}

fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&a.state).with_context(|| format!("creating {}", a.state.display()))?;
    let key_file = a.state.join("witness.key");
    let signer = if key_file.exists() {
        let s = read_signer(&key_file)?;
        if s.name() != a.name {
            bail!(
                "{} holds the key of witness {:?}, not {:?}: use that --name or another --state",
                key_file.display(),
                s.name(),
                a.name
            );
        }
        if s.algorithm() != ALG_COSIGNATURE_V1 {
            bail!(
                "{} is not a cosigner key (type 0x04); create one with `testigo cosigner keygen`",
                key_file.display()
            );
        }
        s
    } else {
        create_key(&key_file, &a.name)?
    };
    let mut logs = Vec::new();
    for l in &a.logs {
        logs.push(LogConfig::from_key(read_vkey(l).context("--log")?));
    }
    let witness = Arc::new(Witness::open(signer, logs, &a.state)?);
    println!("witness key: {}", witness.verifier().to_vkey());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(a.addr)
            .await
            .with_context(|| format!("listening on {} (is another process using it? try --addr)", a.addr))?;
        println!("witness listening on http://{}", listener.local_addr()?);
        tokio::select! {
            r = testigo_witness::serve(listener, witness) => r.context("serving"),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
