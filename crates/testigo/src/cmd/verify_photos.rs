//! `testigo verify --photos`: after the log verifies, every photo the log
//! names is fetched, its SHA-256 checked against the hash the log names, and
//! its QR codes read again with [`testigo_scan::photo_codes`] and compared
//! with the latest operator-signed `reading` of that photo.
//!
//! A reading is the operator's attestation of what a photo shows, and tally
//! flags are derived from it; re-reading the photo independently checks that
//! attestation. Outcomes per photo:
//! - agree: our codes equal the reading's codes;
//! - disagree: they differ (or the photo no longer decodes): reported with
//!   both code lists and the reading's log index, and the run fails;
//! - tampered: the stored bytes do not hash to the logged hash: the run fails;
//! - missing: the store does not have it (a mirror may legitimately lack
//!   photos): the run fails unless `--allow-missing-photos`;
//! - unread: named by a sheet but never read by the operator (e.g. a server
//!   run with `--no-read-photos`): hash checked, nothing to compare.
//!
//! Photos are up to 10 MiB and take ~0.1–1 s to decode, so a bounded number
//! of worker threads fetch and decode them, each holding one photo at a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use testigo_election::Registry;
use testigo_verify::Source;

/// The options of `testigo verify` about photos.
#[derive(Args, Debug, Clone)]
pub struct PhotoArgs {
    /// After the log verifies, fetch every photo the log names (from SOURCE's `blob/sha256/{hex}` for a URL,
    /// from `<log dir>/../blobs/sha256/` for a directory), check its SHA-256 and read its QR codes again,
    /// comparing them with the operator's logged `reading` of it. A photo whose codes differ from the
    /// reading fails the run, showing both lists: different decoder versions can differ on badly degraded
    /// photos, so a human should judge each disagreement.
    #[arg(long)]
    pub photos: bool,
    /// Fetch the photos from here instead: a directory (a data directory, or its `blobs/` holding
    /// `sha256/`) or an http(s) URL under which `blob/sha256/{hex}` is served.
    #[arg(long, value_name = "DIR|URL", requires = "photos")]
    pub photos_from: Option<String>,
    /// Report photos absent from the store without failing (a mirror may not copy photos).
    #[arg(long, requires = "photos")]
    pub allow_missing_photos: bool,
}

/// One photo to check: its hash, where the log names it, and its latest reading.
#[derive(Debug)]
struct Job {
    sha256: String,
    /// The first log index naming the photo (a sheet, or its latest reading).
    named_at: u64,
    /// The latest reading: its log index and codes.
    reading: Option<(u64, Vec<String>)>,
}

/// What checking one photo found.
#[derive(Debug)]
enum Outcome {
    Agree,
    /// Ours differ from the reading's codes (`Err`: the photo did not decode).
    Disagree(Result<Vec<String>, String>),
    /// Hash and decode fine, but no reading was logged to compare with.
    Unread(Result<Vec<String>, String>),
    Missing,
    /// The bytes hash to this instead.
    Tampered(String),
    /// The store could not be read (not "absent"): network or disk error.
    Unfetchable(String),
}

/// The counts printed at the end.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PhotoSummary {
    /// Photos the log names.
    pub named: usize,
    /// Fetched with the right hash.
    pub checked: usize,
    /// Our codes equal the operator's reading.
    pub agree: usize,
    /// Our codes differ from the operator's reading.
    pub disagree: usize,
    /// Fetched and hashed, but no reading was logged.
    pub unread: usize,
    /// Not in the store.
    pub missing: usize,
    /// In the store with other bytes than the logged hash.
    pub tampered: usize,
    /// The store failed to answer.
    pub unfetchable: usize,
}

/// Where photos are fetched from: a source holding each photo at `sha256/{hex}`.
struct Store {
    source: Source,
}

impl Store {
    fn path(hex: &str) -> String {
        format!("sha256/{hex}")
    }
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// The photo store for a verified SOURCE (as given on the command line), its
/// opened log `source`, or the `--photos-from` override.
fn open_store(source_arg: &str, source: &Source, from: Option<&str>) -> anyhow::Result<Store> {
    let http = |base: &str| -> anyhow::Result<Store> {
        let url = format!("{}/blob", base.trim_end_matches('/'));
        Ok(Store { source: Source::http(&url, Duration::from_secs(120), 4)? })
    };
    if let Some(from) = from {
        if is_url(from) {
            return http(from);
        }
        let p = Path::new(from);
        for root in [p.join("blobs"), p.to_path_buf()] {
            if root.join("sha256").is_dir() {
                return Ok(Store { source: Source::dir(root) });
            }
        }
        bail!("--photos-from {from}: holds neither blobs/sha256/ nor sha256/: give a data directory, its blobs/ directory or an http(s) URL");
    }
    if is_url(source_arg) {
        return http(source_arg);
    }
    // The data directory's layout: D/log next to D/blobs/sha256.
    let log_dir = PathBuf::from(source.describe());
    let log_dir = std::fs::canonicalize(&log_dir).unwrap_or(log_dir);
    let root = log_dir.parent().map(|d| d.join("blobs")).unwrap_or_else(|| log_dir.join("..").join("blobs"));
    Ok(Store { source: Source::dir(root) })
}

/// The photos to check: every photo a sheet names and every photo read, with its latest reading.
fn jobs(registry: &Registry) -> Vec<Job> {
    let mut named: BTreeMap<String, u64> = registry.photo_readings().map(|(h, index, _)| (h, index)).collect();
    for s in registry.sheets() {
        if let Some(h) = s.photo_sha256() {
            let at = named.entry(h).or_insert(s.index());
            *at = (*at).min(s.index());
        }
    }
    let mut jobs: Vec<Job> = named
        .into_iter()
        .map(|(sha256, named_at)| {
            let reading = registry.photo_reading(&sha256).map(|(i, c)| (i, c.to_vec()));
            Job { sha256, named_at, reading }
        })
        .collect();
    jobs.sort_by_key(|j| j.named_at);
    jobs
}

/// Fetches, hashes and reads one photo.
fn check(store: &Store, job: &Job) -> Outcome {
    let bytes = match store.source.get(&Store::path(&job.sha256)) {
        Ok(Some(b)) => b,
        Ok(None) => return Outcome::Missing,
        Err(e) => return Outcome::Unfetchable(e.to_string()),
    };
    let got = hex::encode(Sha256::digest(&bytes));
    if got != job.sha256 {
        return Outcome::Tampered(got);
    }
    let ours = testigo_scan::photo_codes(&bytes).map_err(|e| e.to_string());
    drop(bytes);
    match &job.reading {
        None => Outcome::Unread(ours),
        Some((_, theirs)) if ours.as_ref() == Ok(theirs) => Outcome::Agree,
        Some(_) => Outcome::Disagree(ours),
    }
}

fn codes_json(c: &[String]) -> String {
    serde_json::to_string(c).unwrap_or_else(|_| format!("{c:?}"))
}

/// Checks every photo the verified log names; prints one line per problem
/// and a summary. Fails (after reporting everything) if a photo was tampered
/// with, unfetchable, read differently from the operator's reading, or
/// missing without `--allow-missing-photos`.
pub fn verify_photos(
    args: &PhotoArgs,
    source_arg: &str,
    source: &Source,
    registry: &Registry,
    concurrency: usize,
    quiet: bool,
) -> anyhow::Result<PhotoSummary> {
    let store = open_store(source_arg, source, args.photos_from.as_deref())?;
    let jobs = jobs(registry);
    // Decoding is CPU-bound and takes tens of MiB per photo: about one thread per core,
    // plus one so a fetch overlaps the decodes. `--concurrency` overrides, capped at two per
    // core so a value meant for tile fetches (dozens) does not hold dozens of photos in memory.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let threads = if concurrency > 0 { concurrency.min(2 * cores) } else { cores + 1 }.min(jobs.len()).max(1);
    let bar = if quiet || jobs.is_empty() { ProgressBar::hidden() } else { ProgressBar::new(jobs.len() as u64) };
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} photos eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("photos");
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let outcome = check(&store, job);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(outcome);
                }
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());

    let mut sum = PhotoSummary { named: jobs.len(), ..Default::default() };
    let mut failures: Vec<String> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for (job, outcome) in jobs.iter().zip(results) {
        let h = &job.sha256;
        let at = job.named_at;
        let loc = store.source.location(&Store::path(h));
        // A panicking worker leaves no outcome: report it rather than pass silently.
        let outcome = outcome.unwrap_or_else(|| Outcome::Unfetchable("the check did not complete".into()));
        match outcome {
            Outcome::Agree => {
                sum.checked += 1;
                sum.agree += 1;
            }
            Outcome::Disagree(ours) => {
                sum.checked += 1;
                sum.disagree += 1;
                let (ri, theirs) = job.reading.as_ref().map(|(i, c)| (*i, c.as_slice())).unwrap_or((at, &[]));
                let ours = match ours {
                    Ok(c) => codes_json(&c),
                    Err(e) => format!("(the photo does not decode: {e})"),
                };
                lines.push(format!(
                    "  DISAGREE  reading at log index {ri} of photo {h}:\n    operator's reading: {}\n    this reader:        {ours}",
                    codes_json(theirs)
                ));
                failures.push(format!("the reading at log index {ri} disagrees with photo {h}"));
            }
            Outcome::Unread(ours) => {
                sum.checked += 1;
                sum.unread += 1;
                let ours = match ours {
                    Ok(c) => codes_json(&c),
                    Err(e) => format!("(does not decode: {e})"),
                };
                lines.push(format!(
                    "  unread    photo {h} (log index {at}): no reading logged; this reader reads {ours}"
                ));
            }
            Outcome::Missing => {
                sum.missing += 1;
                lines.push(format!("  MISSING   photo {h} (log index {at}): not at {loc}"));
                if !args.allow_missing_photos {
                    failures.push(format!("photo {h} (log index {at}) is missing"));
                }
            }
            Outcome::Tampered(got) => {
                sum.tampered += 1;
                lines.push(format!(
                    "  TAMPERED  photo {h} (log index {at}): the bytes at {loc} hash to {got}, not to the logged hash"
                ));
                failures.push(format!("photo {h} (log index {at}) does not match its hash"));
            }
            Outcome::Unfetchable(why) => {
                sum.unfetchable += 1;
                lines.push(format!("  UNFETCHABLE photo {h} (log index {at}): {why}"));
                failures.push(format!("photo {h} (log index {at}) could not be fetched"));
            }
        }
    }
    let mut extra = String::new();
    for (n, what) in
        [(sum.tampered, "tampered"), (sum.unread, "not read by the operator"), (sum.unfetchable, "unfetchable")]
    {
        if n > 0 {
            extra.push_str(&format!(", {n} {what}"));
        }
    }
    println!(
        "photos: {} checked of {} named, from {}: {} agree, {} disagree, {} missing{extra}",
        sum.checked,
        sum.named,
        store.source.describe(),
        sum.agree,
        sum.disagree,
        sum.missing,
    );
    for l in &lines {
        println!("{l}");
    }
    if sum.disagree > 0 {
        println!(
            "  a disagreement means the operator attested codes this reader does not see (or the reverse); \
             decoder versions can differ on badly degraded photos, so judge each photo by eye"
        );
    }
    if sum.missing > 0 && args.allow_missing_photos {
        println!("  missing photos allowed (--allow-missing-photos)");
    }
    if let Some(first) = failures.first() {
        let more = match failures.len() {
            1 => String::new(),
            n => format!(" (and {} more problems listed above)", n - 1),
        };
        bail!(
            "photo verification FAILED: {first}{more}{}",
            if sum.missing > 0 && !args.allow_missing_photos {
                "; pass --allow-missing-photos if the copy legitimately lacks photos"
            } else {
                ""
            }
        );
    }
    Ok(sum)
}
