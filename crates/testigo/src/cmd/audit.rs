//! `testigo audit`: risk-limiting audit planning and simulation, offline.
//!
//! The log is replayed as `testigo tally` does (no writer lock), the contest
//! tabulated with the default options, and every counted table becomes a
//! batch (`testigo_audit::contest`, which documents the choice of b_p). The
//! mathematics and the sampler are `testigo-audit` (`crates/audit/SAMPLING.md`);
//! this command only parses arguments and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use testigo_audit::contest::{contest_index, ContestBatches, Plan};
use testigo_audit::simulate::{run as simulate, Simulation};
use testigo_audit::Escalation;
use testigo_tally::{tabulate, Evidence, TallyOptions};

use super::tally::{load_registry, print_stdout};

/// `testigo audit` subcommands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// What a risk-limiting audit of the reported outcome would hand-count if it finds no error.
    Plan(PlanArgs),
    /// Simulate batch audits with errors injected into some tables (seeded, reproducible).
    Simulate(SimulateArgs),
    /// Open an audit in the log: contest, method, risk limit and public dice, bound to the current checkpoint.
    Open(super::audit_log::OpenArgs),
    /// Log an audit board's hand count of a drawn table (signed by an enrolled auditor key).
    Count(super::audit_log::CountArgs),
    /// Recompute every logged audit from the log: the tables drawn, hand counts, risk measure, verdict.
    Status(StatusArgs),
}

/// Options shared by the audit subcommands.
#[derive(Args, Debug)]
pub struct AuditCommon {
    /// Data directory, or a mirror made by `testigo mirror` (read only).
    #[arg(long)]
    dir: PathBuf,
    /// Contest id (default: the election's first contest).
    #[arg(long)]
    contest: Option<String>,
    /// Risk limit: the largest chance a wrong outcome escapes a full hand count, e.g. 0.05 or 5%.
    #[arg(long, default_value = "0.05")]
    risk_limit: String,
}

/// Options of `testigo audit plan`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    common: AuditCommon,
}

/// Options of `testigo audit simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    common: AuditCommon,
    /// Seed text (its UTF-8 bytes seed the SHA-256 generator of crates/audit/SAMPLING.md).
    #[arg(long)]
    seed: String,
    /// Tables whose reported counts are wrong in each simulated audit.
    #[arg(long, default_value_t = 0)]
    error_batches: usize,
    /// How wrong each of them is: its taint, the fraction of its error bound (1: as wrong as it can be).
    #[arg(long, default_value = "1")]
    error_taint: f64,
    /// Audits to simulate.
    #[arg(long, default_value_t = 100)]
    trials: u64,
    /// Draws after which an audit stops and counts every table by hand (default: the number of counted tables).
    #[arg(long)]
    max_draws: Option<u64>,
}

/// Runs `testigo audit`.
pub fn run(c: AuditCommand) -> anyhow::Result<ExitCode> {
    match c {
        AuditCommand::Plan(a) => plan(a),
        AuditCommand::Simulate(a) => run_simulation(a),
        AuditCommand::Open(a) => super::audit_log::open(a),
        AuditCommand::Count(a) => super::audit_log::count(a),
        AuditCommand::Status(a) => status(a),
    }
}

/// Parses a risk limit like `0.05` or `5%`.
fn risk_limit(s: &str) -> anyhow::Result<f64> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    }
    .with_context(|| format!("--risk-limit {s:?} is not a number like 0.05 or 5%"))?;
    if !(v > 0.0 && v < 1.0) {
        bail!("--risk-limit {s} is not strictly between 0 and 1 (0%–100%): give one like 0.05");
    }
    Ok(v)
}

/// The contest's batches, its plan and the names to print.
struct Loaded {
    contest: String,
    names: Vec<String>,
    batches: ContestBatches,
    plan: Plan,
    alpha: f64,
    size: u64,
    /// Seconds spent replaying the log (signatures checked, rules applied).
    replay_secs: f64,
    /// Seconds spent on the audit: tabulation, batches and plan.
    audit_secs: f64,
}

fn load(a: &AuditCommon) -> anyhow::Result<Loaded> {
    let alpha = risk_limit(&a.risk_limit)?;
    let started = std::time::Instant::now();
    let (registry, size) = load_registry(&a.dir)?;
    let replay_secs = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let election = registry.election().ok_or_else(|| anyhow!("{} holds no election yet", a.dir.display()))?;
    let ci = contest_index(election, a.contest.as_deref()).map_err(|e| anyhow!(e))?;
    let evidence = Evidence::from_registry(&registry);
    let tally = tabulate(election, registry.geography(), &evidence, &TallyOptions::default());
    let ct = tally.contests.get(ci).ok_or_else(|| anyhow!("contest {ci} was not tabulated"))?;
    let batches = ContestBatches::from_tally(registry.geography(), &evidence, ct);
    let contest = &election.contests[ci];
    let plan = Plan::new(&batches, alpha).with_context(|| {
        format!(
            "cannot plan an audit of contest {} from the {} counted tables of {}",
            contest.id,
            batches.batches.len(),
            a.dir.display()
        )
    })?;
    Ok(Loaded {
        contest: format!("{} ({})", contest.id, contest.name),
        names: contest.candidates.iter().map(|c| format!("{} ({})", c.id, c.name)).collect(),
        batches,
        plan,
        alpha,
        size,
        replay_secs,
        audit_secs: started.elapsed().as_secs_f64(),
    })
}

fn pct(n: u64, d: u64) -> String {
    format!("{:.2}%", 100.0 * n as f64 / d.max(1) as f64)
}

fn plan(a: PlanArgs) -> anyhow::Result<ExitCode> {
    let l = load(&a.common)?;
    let (p, b) = (&l.plan, &l.batches);
    let (vw, vr) = (b.totals[p.winner], b.totals[p.runner_up]);
    let votes: u64 = b.totals.iter().sum();
    let mut s = String::new();
    s.push_str(&format!("contest: {}\n", l.contest));
    s.push_str(&format!(
        "tables counted (the batches): {} of {}; b_p = registered voters for {}, counted ballots for {}\n",
        b.batches.len(),
        b.tables,
        b.registered_bounds,
        b.counted_bounds
    ));
    s.push_str(&format!("reported winner: {}  {vw} votes ({})\n", l.names[p.winner], pct(vw, votes)));
    s.push_str(&format!("runner-up:       {}  {vr} votes ({})\n", l.names[p.runner_up], pct(vr, votes)));
    s.push_str(&format!(
        "margin: {} votes, {} of the two's votes, {} of {} ballots counted\n",
        vw - vr,
        pct(vw - vr, vw + vr),
        pct(vw - vr, b.ballots),
        b.ballots
    ));
    s.push_str(&format!("total error bound U: {:.6}\n", p.total_bound));
    s.push_str(&format!("risk limit: {}\n", l.alpha));
    s.push_str(&format!(
        "batch comparison audit (Kaplan-Markov/MACRO, tables drawn in proportion to their error bound):\n  \
         {} draws if no error is found, about {:.1} distinct tables to hand-count\n",
        p.draws, p.expected_tables
    ));
    s.push_str(&format!(
        "ballot polling (BRAVO, winner against runner-up):\n  \
         about {} ballots for either of the two, {} ballots drawn in all\n",
        p.bravo_pair_ballots, p.bravo_ballots
    ));
    s.push_str(&format!(
        "(log entries counted: {}; the replay took {:.2} s, the audit's tabulation and plan {:.0} ms)\n",
        l.size,
        l.replay_secs,
        1000.0 * l.audit_secs
    ));
    print_stdout(&s)?;
    Ok(ExitCode::SUCCESS)
}

fn run_simulation(a: SimulateArgs) -> anyhow::Result<ExitCode> {
    let l = load(&a.common)?;
    let sim = Simulation {
        escalation: Escalation {
            risk_limit: l.alpha,
            max_draws: a.max_draws.unwrap_or(l.batches.batches.len() as u64),
        },
        error_batches: a.error_batches,
        taint: a.error_taint,
        trials: a.trials,
    };
    let o = simulate(&l.plan.audit, &sim, a.seed.as_bytes())
        .context("simulating: give --error-batches at most the number of counted tables and --error-taint in (0, 1]")?;
    let s = format!(
        "contest: {}\ntables counted: {}; U = {:.6}; risk limit {}\n\
         simulated {} audits, {} tables wrong by taint {} each (seed {:?})\n\
         initial draws: {}\nescalated beyond the initial draws: {} ({})\nfull hand counts: {} ({})\n\
         mean draws: {:.1}; mean distinct tables hand-counted: {:.1}\n",
        l.contest,
        l.batches.batches.len(),
        l.plan.total_bound,
        l.alpha,
        o.trials,
        a.error_batches,
        a.error_taint,
        a.seed,
        o.initial_draws,
        o.escalated,
        pct(o.escalated, o.trials),
        o.full_counts,
        pct(o.full_counts, o.trials),
        o.mean_draws,
        o.mean_distinct
    );
    print_stdout(&s)?;
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
    let dir = testigo_store::DataDir::open_copy(&a.dir)?;
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
