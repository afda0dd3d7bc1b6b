//! The audit's entries: `testigo audit open` (operator-signed `audit_seed`:
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
    /// `batch_comparison` (tables as batches) or `ballot_polling` (BRAVO).
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

/// Options of `testigo audit status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Data directory, or a mirror made by `testigo mirror` (read only).
    #[arg(long)]
    dir: PathBuf,
    /// Only the audit opened at this log index (default: every audit in the log).
    #[arg(long)]
    audit: Option<u64>,
    /// Print every audit as JSON (the document the server publishes at /v1/audits), after checking
    /// that every seed is bound to this log.
    #[arg(long, conflicts_with = "audit")]
    json: bool,
}

/// Runs `testigo audit status`: recomputes every logged audit from the log
/// alone — its seed's binding to the log, the tables the seed draws, the
/// hand counts, the risk measure and the verdict. Exits 1 if a seed is not
/// bound to this log.
pub fn status(a: StatusArgs) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open_copy(&a.dir)?;
    let replayed = testigo_replay::replay_data_dir(&dir)?;
    let reg = replayed.replay.registry();
    let election = reg.election().context("the log has no election")?;
    let audits: Vec<_> = reg.audits().iter().filter(|x| a.audit.is_none_or(|i| i == x.index)).collect();
    if audits.is_empty() {
        println!("no audit is opened in this log{}", a.audit.map(|i| format!(" at index {i}")).unwrap_or_default());
        return Ok(if a.audit.is_some() { ExitCode::FAILURE } else { ExitCode::SUCCESS });
    }
    let unbound = testigo_replay::audit_roots_mismatching(&dir, reg)?;
    if a.json {
        for (_, why) in &unbound {
            eprintln!("{why}");
        }
        println!("{}", serde_json::to_string_pretty(&testigo_audit::progress::audits_json(reg))?);
        return Ok(if unbound.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    let mut ok = true;
    for audit in audits {
        let seed = &audit.seed;
        let contest = &election.contests[audit.contest];
        println!(
            "audit opened at log index {}: contest {}, {}, risk limit {}%",
            audit.index,
            contest.id,
            seed.method,
            f64::from(seed.risk_limit_ppm) / 10_000.0
        );
        if let Some((_, why)) = unbound.iter().find(|(i, _)| *i == audit.index) {
            println!("  NOT BOUND: {why}");
            ok = false;
            continue;
        }
        println!("  seed: dice {:?} with the root of checkpoint size {}", seed.dice, seed.checkpoint_size);
        if seed.method != "batch_comparison" {
            println!("  ballot-polling audits are not recomputed from the log yet: use `testigo audit plan`");
            continue;
        }
        // The audit checks the outcome as the log stood when the seed was fixed.
        let p = testigo_audit::progress::of_logged(reg, audit)
            .map_err(|e| anyhow::anyhow!("audit at {}: {e}", audit.index))?;
        let name = |k: usize| contest.candidates.get(k).map_or("?", |c| c.name.as_str());
        println!(
            "  reported winner {} against {}; U = {:.6}; {} draws if no error is found",
            name(p.winner),
            name(p.runner_up),
            p.total_bound,
            p.initial_draws
        );
        for (k, d) in p.draws.iter().enumerate() {
            match d.counted {
                Some((index, taint)) => {
                    println!(
                        "  draw {:>3}: table {} counted by hand (log index {index}), taint {taint:.6}",
                        k + 1,
                        d.table
                    )
                }
                None => println!("  draw {:>3}: table {} to count by hand", k + 1, d.table),
            }
        }
        let verdict = match p.verdict {
            testigo_audit::Verdict::RiskLimitMet => "RISK LIMIT MET: the reported outcome stands".to_string(),
            testigo_audit::Verdict::FullHandCount => "FULL HAND COUNT REQUIRED".to_string(),
            testigo_audit::Verdict::DrawMore(_) if p.waiting => "waiting for the hand counts listed".to_string(),
            testigo_audit::Verdict::DrawMore(n) => format!("draw {n} more tables"),
        };
        println!("  risk measure P = {:.6}: {verdict}", p.p_value);
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
