//! `testigo verify`: an independent check of a whole election log from any
//! copy (a directory or an http(s) URL), trusting only the log's verifier key
//! and, optionally, a k-of-n set of witnesses.
//!
//! Two layers are checked:
//! - the log (`testigo-verify`): checkpoint signature, witness quorum, every
//!   tile and entry bundle recomputed up to the signed root, and consistency
//!   with the checkpoint this machine verified last time (state per log);
//! - the election (`testigo_election::Registry`): every entry is replayed in
//!   order, so every signature and the enrolment chain (key enrolled by the
//!   operator before use, not revoked, in scope) is checked. The server only
//!   logs entries it accepted, so an entry refused on replay is evidence of
//!   operator misbehaviour and fails the run, naming its index.
//!
//! The replay needs every entry, while the remembered state lets the log
//! layer skip entries verified before. So a run with a remembered state does
//! both: an incremental pass (consistency with the remembered checkpoint,
//! state moved forward) and a full pass feeding the registry; if the log grew
//! between the two, the two checkpoints are proven consistent with each other
//! too. A first run (nothing remembered) is a single full pass.
//!
//! With `--photos` (`verify_photos.rs`), every photo the log names is then
//! fetched, its hash checked, and its QR codes read again and compared with
//! the operator's latest `reading` of it.
//!
//! Over HTTP, the server's published tabulation (`GET /v1/tally`) is compared
//! byte for byte with the one recomputed from the replayed log.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use testigo_election::Registry;
use testigo_note::Verifier;
use testigo_replay::Replayer;
use testigo_tally::PublishedComparison;
use testigo_verify::{
    check_reports_consistent, verify_log, NoVisitor, Options, Progress, Rejected, Report, Source, Visitor,
    WitnessPolicy,
};

use super::log::read_vkey;
use super::verify_photos::{verify_photos, PhotoArgs};

/// Options shared by `verify` and `mirror`: the trust roots.
#[derive(Args, Debug, Clone)]
pub struct TrustArgs {
    /// The log's verifier key: a file (e.g. a data directory's `log.vkey`) or the key line itself.
    /// `--vkey` is accepted too, as in `testigo log check-receipt`.
    #[arg(long, alias = "vkey", value_name = "VKEY")]
    pub key: String,
    /// A trusted cosigner's key (file or key line, e.g. W/witness.key.vkey); repeat for several.
    /// `--witness` is the old spelling.
    #[arg(long = "cosigner", alias = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// How many of the --cosigner keys must have cosigned the checkpoint (default: all of them).
    #[arg(long, value_name = "K")]
    pub quorum: Option<usize>,
    /// Fetches in flight (0: 16 for HTTP, one per core for a directory).
    #[arg(long, default_value_t = 0)]
    pub concurrency: usize,
}

impl TrustArgs {
    /// The log key and the witness policy.
    pub fn load(&self) -> anyhow::Result<(Verifier, WitnessPolicy)> {
        let key = read_vkey(&self.key).context("--key")?;
        let mut witnesses = Vec::new();
        for w in &self.witnesses {
            witnesses.push(read_vkey(w).context("--cosigner")?);
        }
        let quorum = self.quorum.unwrap_or(witnesses.len());
        if quorum > witnesses.len() {
            bail!("--quorum {quorum} is more than the {} --cosigner keys given", witnesses.len());
        }
        Ok((key, WitnessPolicy { witnesses, quorum }))
    }
}

/// The options `testigo verify` shares with `testigo log verify`: the log
/// copy, its trust roots and the remembered state.
#[derive(Args, Debug)]
pub struct LogVerifyArgs {
    /// The log copy: a data directory, its `log/` directory, an http(s) URL (e.g. a `testigo serve`), or
    /// the bucket of `serve --storage` (`s3://BUCKET/PREFIX`, configured as docs/object-storage.md says).
    pub source: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Where to remember the last verified checkpoint of each log
    /// (default: the user's data directory, e.g. ~/.local/share/testigo/verify).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Remember nothing: verify from scratch, without a consistency check against an earlier run.
    #[arg(long, conflicts_with = "state")]
    pub no_state: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl LogVerifyArgs {
    /// The state directory to use, if any (`--state`, the default one, or none with `--no-state`).
    fn state_dir(&self) -> anyhow::Result<Option<PathBuf>> {
        if self.no_state {
            return Ok(None);
        }
        Ok(Some(match &self.state {
            Some(d) => d.clone(),
            None => default_state_dir()?,
        }))
    }
}

/// Options of `testigo verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub log: LogVerifyArgs,
    /// Check the log only (any c2sp.org/tlog-tiles log, whatever its entries hold): the checkpoint
    /// signature, the cosigners, every tile and entry bundle recomputed up to the signed root, and
    /// consistency with the checkpoint verified before; the entries are not interpreted, so no
    /// election rules are replayed. The same as `testigo log verify`.
    #[arg(long, conflicts_with = "photos")]
    pub log_only: bool,
    #[command(flatten)]
    pub photos: PhotoArgs,
}

/// Opens SOURCE: a URL as given; a directory as given if it holds a
/// `checkpoint`, else its `log/` (a data directory).
pub fn open_source(s: &str) -> anyhow::Result<Source> {
    if testigo_objstore::is_object_url(s) {
        // A log a node keeps in object storage (`serve --storage`), read straight from the bucket.
        let bucket = testigo_objstore::parse_url(s)?;
        let storage = std::sync::Arc::new(bucket.log_storage());
        return Ok(Source::storage(storage, bucket.url()));
    }
    let p = Path::new(s);
    let s = if !s.starts_with("http://") && !s.starts_with("https://") && !p.join("checkpoint").exists() {
        let log = p.join("log");
        if !log.join("checkpoint").exists() {
            bail!("{s} holds no `checkpoint` nor `log/checkpoint`: give a data directory, its log/ directory or an http(s) URL");
        }
        log.to_string_lossy().into_owned()
    } else {
        s.to_string()
    };
    Ok(Source::parse(&s)?)
}

/// A progress bar over entries, driven by the verifier's callback.
pub fn progress_bar(quiet: bool, what: &str) -> ProgressBar {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} entries {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Updates `bar` from a progress report.
pub fn show(bar: &ProgressBar, p: Progress) {
    bar.set_length(p.entries_total);
    bar.set_position(p.entries_done);
}

/// The election replay ([`Replayer`]) as a visitor of the verified entries:
/// an entry the rules refuse fails the run, since the server logs only what
/// it accepted. It also keeps every entry's leaf hash (32 bytes an entry),
/// so that an audit's seed can be checked against the root of the tree at
/// the size it commits to.
struct Replay(Replayer, Vec<testigo_tlog::hash::Hash>);

impl Visitor for Replay {
    fn entries(&mut self, first: u64, entries: &[&[u8]]) -> Result<(), Rejected> {
        self.1.extend(entries.iter().map(|e| testigo_tlog::hash::leaf_hash(e)));
        self.0.entries(first, entries);
        match self.0.refused().first() {
            Some((index, r)) => Err(Rejected {
                index: *index,
                why: format!(
                    "refused on replay ({}): {r}; the log holds an entry the election rules refuse, which the operator must never log{}",
                    r.code(),
                    if *index == 0 { NOT_AN_ELECTION } else { "" }
                ),
            }),
            None => Ok(()),
        }
    }
}

/// What to do when entry 0 is not an election definition.
const NOT_AN_ELECTION: &str = " (if this is not a testigo election log, check the log alone with \
     `testigo verify --log-only` or `testigo log verify`)";

/// The default state directory.
fn default_state_dir() -> anyhow::Result<PathBuf> {
    let base = dirs::data_dir().context("no user data directory known: pass --state DIR or --no-state")?;
    Ok(base.join("testigo").join("verify"))
}

/// Prints what the log layer established: origin, source, size, root,
/// consistency with the remembered checkpoint, the state file and the cosigners.
fn print_log_report(
    report: &Report,
    source: &Source,
    previous: Option<&Report>,
    state: Option<&Path>,
    key: &Verifier,
    policy: &WitnessPolicy,
) {
    println!("  source:        {}", source.describe());
    println!("  size:          {} entries", report.size);
    println!("  root:          {}", report.root);
    if let Some(inc) = previous {
        match inc.previous_size {
            Some(p) => println!("  consistent with the checkpoint of size {p} verified before"),
            None => println!("  (no earlier checkpoint remembered)"),
        }
    }
    if let Some(d) = state {
        println!("  remembered in: {}", testigo_verify::state_path(d, key).display());
    }
    if policy.witnesses.is_empty() {
        println!("  cosigners:     none required");
    } else {
        let by: Vec<String> = report.cosigned_by.iter().map(|(n, ts)| format!("{n} (t={ts})")).collect();
        println!("  cosigners:     {} of {} required cosigned: {}", by.len(), policy.quorum, by.join(", "));
    }
    println!("  fetched:       {} objects, {} bytes", report.objects_fetched, report.bytes_fetched);
}

/// Runs `testigo verify --log-only` and `testigo log verify`: the log layer
/// alone, with no visitor, so entries of any content verify.
pub fn run_log_only(a: LogVerifyArgs) -> anyhow::Result<ExitCode> {
    let (key, policy) = a.trust.load()?;
    let source = open_source(&a.source)?;
    let state = a.state_dir()?;
    let bar = progress_bar(a.quiet, "verifying");
    let cb = |p: Progress| show(&bar, p);
    let opts = Options { concurrency: a.trust.concurrency, progress: Some(&cb) };
    let report = verify_log(&source, &key, &policy, state.as_deref(), &mut NoVisitor, &opts).map_err(|e| {
        bar.abandon();
        anyhow::anyhow!("log verification FAILED: {e}")
    })?;
    bar.finish_and_clear();
    println!("log verified: {} (log only: the entries were not interpreted)", report.origin);
    print_log_report(&report, &source, state.is_some().then_some(&report), state.as_deref(), &key, &policy);
    let new = match report.previous_size {
        Some(p) => format!("entries {p}..{} (those after the checkpoint verified before)", report.size),
        None => format!("all {} entries", report.size),
    };
    println!(
        "  recomputed:    {} hash tiles and {} entry bundles covering {new}, up to the signed root",
        report.tiles_verified, report.bundles_verified
    );
    println!(
        "  entries:       not interpreted: each entry's bytes are in the tree, but nothing checked what they say \
         (for a testigo election log, run `testigo verify` without --log-only to replay the election rules)"
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `testigo verify`.
pub fn run(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    if a.log_only {
        return run_log_only(a.log);
    }
    let VerifyArgs { log: a, photos, .. } = a;
    let (key, policy) = a.trust.load()?;
    let source = Arc::new(open_source(&a.source)?);
    let state = a.state_dir()?;
    let remembered = match &state {
        Some(d) => testigo_verify::load_state(d, &key).map_err(|e| anyhow::anyhow!("verifier state: {e}"))?,
        None => None,
    };
    let bar = progress_bar(a.quiet, "verifying");
    let cb = |p: Progress| show(&bar, p);
    let opts = Options { concurrency: a.trust.concurrency, progress: Some(&cb) };
    let mut replay = Replay(Replayer::new(), Vec::new());
    let fail = |e: testigo_verify::VerifyError| {
        bar.abandon();
        anyhow::anyhow!("verification FAILED: {e}")
    };
    let (report, incremental) = match (&state, remembered.is_some()) {
        // Something remembered: the incremental pass checks consistency with it and moves it forward...
        (Some(d), true) => {
            let inc = verify_log(&source, &key, &policy, Some(d), &mut NoVisitor, &opts).map_err(fail)?;
            // ...and a full pass replays every entry.
            bar.set_message("replaying");
            let full = verify_log(&source, &key, &policy, None, &mut replay, &opts).map_err(fail)?;
            check_reports_consistent(&source, &inc, &full)?;
            (full, Some(inc))
        }
        // Nothing remembered: one full pass, remembered afterwards.
        (d, _) => (verify_log(&source, &key, &policy, d.as_deref(), &mut replay, &opts).map_err(fail)?, None),
    };
    bar.finish_and_clear();
    let reg = replay.0.registry();
    let Some(election) = reg.election() else {
        bail!(
            "entry 0: the log holds no election definition (size {}): it is not a testigo election log{NOT_AN_ELECTION}",
            report.size
        );
    };
    println!("log verified: {}", report.origin);
    print_log_report(&report, &source, incremental.as_ref(), state.as_deref(), &key, &policy);
    println!("election {} ({}): every entry replayed, none refused", election.id, election.name);
    println!("  tables:        {}", reg.geography().table_count());
    println!("  enrolments:    {}", reg.enrolments().len());
    println!("  sheets:        {}", reg.sheet_count());
    for (k, n) in replay.0.kinds() {
        println!("  entries {k:<10} {n}");
    }
    if replay.0.flags().is_empty() {
        println!("  flags:         none");
    } else {
        for (f, n) in replay.0.flags() {
            println!("  flag {f:<24} {n}");
        }
    }
    // Risk-limiting audits, recomputed from the log like everything else
    // (the same function behind the server's /v1/audits), each seed bound
    // to this log: its checkpoint root is the tree's at that size.
    for audit in reg.audits() {
        let size = usize::try_from(audit.seed.checkpoint_size).unwrap_or(usize::MAX);
        let root = replay.1.get(..size).map(testigo_tlog::hash::tree_hash).map(hex::encode);
        if root.as_deref() != Some(audit.seed.checkpoint_root.as_str()) {
            bail!(
                "the audit opened at log index {} commits to root {} at size {}, but this log's root there is {}: \
                 its sample could have been chosen after the results were known",
                audit.index,
                audit.seed.checkpoint_root,
                audit.seed.checkpoint_size,
                root.unwrap_or_else(|| "beyond the log".into())
            );
        }
        match testigo_audit::progress::of_logged(reg, audit) {
            Ok(p) => println!("  audit at {}: {}", audit.index, p.summary()),
            Err(e) => println!("  audit at {}: {e}", audit.index),
        }
    }
    compare_tally(&a.source, reg, report.size)?;
    if photos.photos {
        verify_photos(&photos, &a.source, &source, reg, a.trust.concurrency, a.quiet)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Fetches the tabulation a `testigo serve` publishes at `/v1/tally` (for an
/// http(s) SOURCE) and compares it byte for byte with the one recomputed from
/// the verified log, when both cover the same number of entries.
fn compare_tally(source: &str, registry: &Registry, verified_size: u64) -> anyhow::Result<()> {
    let Some(base) =
        source.strip_suffix('/').or(Some(source)).filter(|s| s.starts_with("http://") || s.starts_with("https://"))
    else {
        println!("  tally:         recompute it with `testigo tally` (a directory publishes no summary)");
        return Ok(());
    };
    let url = format!("{base}/v1/tally");
    let fetched = super::client::block_on(async {
        let r = reqwest::get(&url).await?;
        let status = r.status();
        anyhow::Ok((status, r.text().await?))
    })?;
    let (status, body) = match fetched {
        Ok(x) => x,
        Err(e) => {
            println!("  tally:         not compared ({url} unreachable: {e})");
            return Ok(());
        }
    };
    if status.as_u16() == 404 {
        println!("  tally:         not compared (the server publishes no summary at {url})");
        return Ok(());
    }
    match testigo_tally::compare_published(&body, registry, verified_size).with_context(|| url.clone())? {
        PublishedComparison::OtherSize(size) => {
            println!(
                "  tally:         not compared (the server now covers {size} entries; this run verified {verified_size})"
            );
            return Ok(());
        }
        PublishedComparison::Differs => bail!(
            "{url}: the tally the server publishes differs from the one recomputed from the verified log \
             (size {verified_size}): do not trust the server's results"
        ),
        PublishedComparison::Equal => {}
    }
    println!("  tally:         the server's published tabulation ({url}) equals the recomputed one");
    Ok(())
}
