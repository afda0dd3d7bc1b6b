//! `testigo synth`: a synthetic election from a seed (`testigo-synth`), as
//! the files `testigo init` reads, and optionally logged into a data
//! directory with its sheets signed by three synthetic observer keys.
//!
//! Keys are derived from the seed (SHA-256 of a label and the seed), so the
//! same seed gives the same files, keys included. They are test keys: never
//! use them for a real election.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use sha2::{Digest, Sha256};
use testigo_election::{encode_signed, Enrol, Entry, Role};
use testigo_note::{Signer, ALG_ED25519};
use testigo_synth::{generate, SynthConfig, ORGANISATIONS, SIGNERS};

use super::{election, local, tally::percent_ppm};

/// Options of `testigo synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Number of tables.
    #[arg(long)]
    tables: usize,
    /// Seed: the same seed gives the same election, sheets and keys.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory (created): election.toml, tables.csv, sheets.csv, operator.key, synth-*.key.
    #[arg(long)]
    out: PathBuf,
    /// Number of candidates.
    #[arg(long, default_value_t = 4)]
    candidates: usize,
    /// Percent of tables with no sheet.
    #[arg(long, default_value = "5")]
    missing: String,
    /// Percent of reporting tables with a second, agreeing sheet from another organisation.
    #[arg(long, default_value = "20")]
    corroborated: String,
    /// Percent of reporting tables with a disagreeing sheet from a third organisation.
    #[arg(long, default_value = "1")]
    conflicting: String,
    /// Also create the data directory OUT/data and log the election and every sheet into it.
    #[arg(long)]
    log: bool,
}

/// A test key derived from the seed.
fn derived_key(name: &str, seed: u64) -> anyhow::Result<Signer> {
    let mut h = Sha256::new();
    h.update(b"testigo synth key\0");
    h.update(name.as_bytes());
    h.update(seed.to_le_bytes());
    Ok(Signer::from_seed(name, ALG_ED25519, h.finalize().into())?)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Runs `testigo synth`.
pub fn run(a: SynthArgs) -> anyhow::Result<ExitCode> {
    if a.tables == 0 {
        bail!("--tables must be at least 1");
    }
    let operator = derived_key("operator.synth.example", a.seed)?;
    let mut cfg = SynthConfig::new(a.seed, a.tables);
    cfg.candidates = a.candidates;
    cfg.missing_ppm = percent_ppm(&a.missing)?;
    cfg.corroborated_ppm = percent_ppm(&a.corroborated)?;
    cfg.conflicting_ppm = percent_ppm(&a.conflicting)?;
    cfg.operator = Some(operator.verifier().to_vkey());
    let e = generate(&cfg)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    write(&a.out.join("election.toml"), &e.election_toml())?;
    write(&a.out.join("tables.csv"), &e.tables_csv())?;
    write(&a.out.join("sheets.csv"), &e.sheets_csv())?;
    let op_path = a.out.join("operator.key");
    testigo_store::write_secret(&op_path, &operator)?;
    let signers: Vec<Signer> = SIGNERS.iter().map(|n| derived_key(n, a.seed)).collect::<anyhow::Result<_>>()?;
    for s in &signers {
        testigo_store::write_secret(&a.out.join(format!("{}.key", s.name())), s)?;
    }
    println!(
        "wrote {}: {} tables, {} sheets (seed {}); create the log with\n  testigo init --dir DATA --election {} --tables {} --operator-key {}",
        a.out.display(),
        e.table_count(),
        e.sheet_count(),
        a.seed,
        a.out.join("election.toml").display(),
        a.out.join("tables.csv").display(),
        op_path.display()
    );
    if a.log {
        let dir = a.out.join("data");
        if dir.exists() {
            bail!("{} exists; remove it or choose another --out", dir.display());
        }
        election::init(election::InitArgs {
            dir: dir.clone(),
            election: a.out.join("election.toml"),
            tables: a.out.join("tables.csv"),
            operator_key: op_path,
            origin: None,
        })?;
        let now = testigo_store::unix_now();
        let mut entries = Vec::new();
        for (s, org) in signers.iter().zip(ORGANISATIONS) {
            entries.push(encode_signed(
                &Entry::Enrol(Enrol {
                    key: s.verifier().to_vkey(),
                    role: Role::Witness,
                    holder: format!("synthetic observer {}", s.name()),
                    organisation: org.to_string(),
                    scope: None,
                    valid_from: now - 60,
                    valid_until: now + 365 * 86_400,
                }),
                &operator,
            )?);
        }
        let node = local::open_node(&dir)?;
        local::submit_all(&node, entries, "synthetic enrolment")?;
        let mut sheets = Vec::with_capacity(e.sheet_count());
        let mut failed: Option<anyhow::Error> = None;
        e.for_each_sheet(|s| {
            let sheet = e.witness_sheet(&s, now);
            match encode_signed(&Entry::Sheet(sheet), &signers[s.organisation]) {
                Ok(b) => sheets.push(b),
                Err(err) => {
                    failed.get_or_insert(err.into());
                }
            }
        });
        if let Some(err) = failed {
            return Err(err.context("signing a synthetic sheet"));
        }
        let mut t = local::Tally::default();
        for chunk in sheets.chunks(2_000) {
            t.add(&node.submit_many(chunk.to_vec(), now)?);
        }
        node.shutdown();
        println!("logged {} sheets into {} ({} rejected)", t.accepted, dir.display(), t.rejected_total());
        if let Some((code, (n, msg))) = t.rejected.iter().next() {
            bail!("{n} synthetic sheets were rejected ({code}: {msg}): a bug in the generator or the checks");
        }
    }
    Ok(ExitCode::SUCCESS)
}
