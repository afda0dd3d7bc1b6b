//! `testigo keygen` and the key-file helpers other commands share.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use testigo_note::{Signer, Verifier};
use testigo_store::{read_signer, write_secret};

/// Options of `testigo keygen`.
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Key name: who holds it, as a domain-like name (e.g. `ana.witness.example.org`).
    #[arg(long)]
    pub name: String,
    /// Private key file to create (mode 0600; must not exist). The verifier key goes to FILE.vkey.
    #[arg(long)]
    pub out: PathBuf,
}

/// Creates a key pair, writes both files and prints the verifier key line.
pub fn keygen(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let signer = Signer::generate(&args.name).with_context(|| format!("{:?} is not a usable key name", args.name))?;
    write_secret(&args.out, &signer)?;
    let vkey_path = vkey_path(&args.out);
    std::fs::write(&vkey_path, format!("{}\n", signer.verifier().to_vkey()))
        .with_context(|| format!("writing {}", vkey_path.display()))?;
    println!("{}", signer.verifier().to_vkey());
    eprintln!("private key in {} (keep it secret); verifier key in {}", args.out.display(), vkey_path.display());
    Ok(ExitCode::SUCCESS)
}

/// `FILE.vkey` beside a private key file.
pub fn vkey_path(key: &Path) -> PathBuf {
    let mut s = key.as_os_str().to_owned();
    s.push(".vkey");
    PathBuf::from(s)
}

/// Loads a private key file.
pub fn load_signer(path: &Path) -> anyhow::Result<Signer> {
    read_signer(path)
}

/// Reads a verifier key given as a file path or as the key line itself.
pub fn read_vkey(arg: &str) -> anyhow::Result<Verifier> {
    super::log::read_vkey(arg)
}
