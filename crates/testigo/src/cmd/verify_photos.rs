//! `testigo verify --photos`: after the log verifies, every photo the log
//! names is fetched and checked by [`testigo_replay::photos`] (hash, QR codes
//! read again and compared with the operator's logged `reading`); this module
//! picks the store, shows progress and prints the findings. The run fails if a
//! photo was tampered with, unfetchable, read differently from the operator's
//! reading, or missing without `--allow-missing-photos`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use testigo_election::Registry;
pub use testigo_replay::photos::PhotoSummary;
use testigo_replay::photos::{check_photos, judge, photo_jobs, PhotoSource};
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

/// Where photos are fetched from: a source holding each photo at `sha256/{hex}`.
pub struct Store {
    source: Source,
}

impl Store {
    fn path(hex: &str) -> String {
        format!("sha256/{hex}")
    }
}

impl PhotoSource for Store {
    fn fetch(&self, sha256: &str) -> Result<Option<Vec<u8>>, String> {
        self.source.get(&Store::path(sha256)).map_err(|e| e.to_string())
    }
    fn location(&self, sha256: &str) -> String {
        self.source.location(&Store::path(sha256))
    }
    fn describe(&self) -> String {
        self.source.describe()
    }
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// The photo store for a verified SOURCE (as given on the command line), its
/// opened log `source`, or the `--photos-from` override.
pub fn open_store(source_arg: &str, source: &Source, from: Option<&str>) -> anyhow::Result<Store> {
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
    if testigo_objstore::is_object_url(source_arg) {
        // A bucket of `serve --storage`: the photos at `blob/sha256/`, beside the log.
        let blobs = testigo_objstore::parse_url(&format!("{}/blob", source_arg.trim_end_matches('/')))?;
        return Ok(Store { source: Source::storage(std::sync::Arc::new(blobs.log_storage()), blobs.url()) });
    }
    // A mirror's layout: the photos beside the log, as at the log's URLs.
    let log_dir = PathBuf::from(source.describe());
    let log_dir = std::fs::canonicalize(&log_dir).unwrap_or(log_dir);
    if log_dir.join("blob").join("sha256").is_dir() {
        return Ok(Store { source: Source::dir(log_dir.join("blob")) });
    }
    // The data directory's layout: D/log next to D/blobs/sha256.
    let root = log_dir.parent().map(|d| d.join("blobs")).unwrap_or_else(|| log_dir.join("..").join("blobs"));
    Ok(Store { source: Source::dir(root) })
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
    let jobs = photo_jobs(registry);
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
    let outcomes = check_photos(&store, &jobs, threads, &|| bar.inc(1))?;
    bar.finish_and_clear();

    let mut sum = PhotoSummary { named: jobs.len(), ..Default::default() };
    let mut failures: Vec<String> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for (job, outcome) in jobs.iter().zip(outcomes) {
        let finding = judge(&store, job, outcome, args.allow_missing_photos, &mut sum);
        lines.extend(finding.line);
        failures.extend(finding.failure);
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
        store.describe(),
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
