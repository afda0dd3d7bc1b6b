//! The audit's entries (these commands write to the log; `testigo audit
//! status`, which only reads, lives with the offline ones in `audit.rs`):
//! `testigo audit open` (operator-signed `audit_seed`:
//! the contest, method, risk limit, public dice and the current checkpoint
//! the seed commits to) and `testigo audit count` (an auditor's signed hand
//! count of a drawn table). The mathematics lives in `testigo-audit`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use testigo_election::{encode_signed, AuditCount, AuditSeed, Entry};
use testigo_store::DataDir;

use super::election::Target;
use super::{keys, local};

/// Options of `testigo audit open`.
#[derive(Args, Debug)]
pub struct OpenArgs {
    #[command(flatten)]
    target: Target,
    /// A copy of the log to read the current checkpoint from, with --server (default: --dir).
    #[arg(long)]
    copy: Option<PathBuf>,
    /// The contest to audit (default: the election's first).
    #[arg(long)]
    contest: Option<String>,
    /// `batch_comparison` (tables as batches, the only method the log records; BRAVO ballot
    /// polling is planned and simulated by `audit plan` and `audit simulate` for comparison).
    #[arg(long, default_value = "batch_comparison")]
    method: String,
    /// The risk limit, as a fraction (0.05 for 5%).
    #[arg(long)]
    risk_limit: f64,
    /// The public random input, as announced (e.g. the digits of dice rolled in public, after every
    /// sheet to audit is in the log).
    #[arg(long)]
    dice: String,
}

/// Options of `testigo audit count`.
#[derive(Args, Debug)]
pub struct CountArgs {
    #[command(flatten)]
    to: local::Destination,
    /// The auditor's enrolled private key.
    #[arg(long)]
    key: PathBuf,
    /// Log index of the audit (`audit open` printed it).
    #[arg(long)]
    audit: u64,
    /// The table counted by hand.
    #[arg(long)]
    table: String,
    /// Votes found for a candidate, `ID=N`; repeat for each candidate (unlisted: 0).
    #[arg(long = "vote", value_name = "ID=N")]
    votes: Vec<String>,
}

/// Converts a risk limit given as a fraction into parts per million (the
/// entry carries no floats), refusing what is not strictly between 0 and 1.
pub fn risk_limit_ppm(risk_limit: f64) -> anyhow::Result<u32> {
    if !(risk_limit > 0.0 && risk_limit < 1.0) {
        bail!("--risk-limit {risk_limit}: give a fraction strictly between 0 and 1, e.g. 0.05 for 5%");
    }
    // In range by the check above: at most 999,999.5 before rounding.
    Ok(((risk_limit * 1e6).round() as u32).clamp(1, 999_999))
}

/// Runs `testigo audit open`.
pub fn open(a: OpenArgs) -> anyhow::Result<ExitCode> {
    let copy = a.target.readable(a.copy.as_ref(), "the current checkpoint")?;
    let dir = DataDir::open_copy(&copy)?;
    let replayed = testigo_replay::replay_data_dir(&dir)?;
    let election = replayed.replay.registry().election().context("the log has no election")?;
    let contest = match &a.contest {
        Some(c) => c.clone(),
        None => election.contests.first().map(|c| c.id.clone()).context("the election has no contest")?,
    };
    // The seed commits to the checkpoint the audit is about: every sheet in it.
    let reader = testigo_tlog::reader::LogReader::new(dir.storage()?, 64);
    let root = reader.root(replayed.size)?;
    let seed = AuditSeed {
        contest,
        method: a.method.clone(),
        risk_limit_ppm: risk_limit_ppm(a.risk_limit)?,
        dice: a.dice.clone(),
        checkpoint_size: replayed.size,
        checkpoint_root: hex::encode(root),
        signed_at: testigo_store::unix_now(),
    };
    let index = a.target.record_all(&[Entry::AuditSeed(seed.clone())])?[0];
    println!(
        "audit opened at log index {index}: contest {}, {}, risk limit {} ppm, seed committed to checkpoint size {} \
         (root {})",
        seed.contest, seed.method, seed.risk_limit_ppm, seed.checkpoint_size, seed.checkpoint_root
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `testigo audit count`.
pub fn count(a: CountArgs) -> anyhow::Result<ExitCode> {
    let signer = keys::load_signer(&a.key)?;
    let mut votes = BTreeMap::new();
    for v in &a.votes {
        let (id, n) = v.split_once('=').with_context(|| format!("--vote {v:?}: write ID=N"))?;
        let n: u64 = n.trim().parse().with_context(|| format!("--vote {v:?}: {n:?} is not a whole number"))?;
        if votes.insert(id.trim().to_string(), n).is_some() {
            bail!("--vote {id} is given twice");
        }
    }
    let entry = Entry::AuditCount(AuditCount {
        audit: a.audit,
        table: a.table.clone(),
        votes,
        signed_at: testigo_store::unix_now(),
    });
    let bytes = encode_signed(&entry, &signer)?;
    let index = a.to.record(vec![bytes], "audit")?[0];
    println!("hand count of table {} for the audit at {} logged at index {index}", a.table, a.audit);
    Ok(ExitCode::SUCCESS)
}
