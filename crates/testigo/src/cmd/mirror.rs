//! `testigo mirror`: copies a log from any copy (directory or URL) into a
//! directory, verifying it exactly as `testigo verify` does at the log level;
//! tiles and bundles land before the checkpoint, so the copy is always
//! consistent and can be served by any static web server and verified itself.
//! Run it again to fetch only the new part (after a consistency check against
//! the copy's checkpoint).
//!
//! The copy is laid out as the log's URLs: `checkpoint`, `tile/…`, and with
//! `--photos` the sheets' photos at `blob/sha256/<hex>`, plus the verifier
//! key it was checked against in `log.vkey`, so `tally`, `report` and
//! `verify` read it like a data directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::ProgressBar;
use testigo_replay::photos::{photo_jobs, PhotoSource};
use testigo_store::{DataDir, DirBlobs};
use testigo_verify::{mirror, mirror_into, NoVisitor, Options, Progress, Source};

use super::verify::{open_source, progress_bar, show, TrustArgs};
use super::verify_photos::open_store;

/// Options of `testigo mirror`.
#[derive(Args, Debug)]
pub struct MirrorArgs {
    /// The log copy: a data directory, its `log/` directory, or an http(s) URL.
    pub source: String,
    /// The directory to copy into (created; must be empty or an earlier mirror of the same log), or a
    /// bucket, `s3://BUCKET/PREFIX` (configured as docs/object-storage.md says).
    pub dest: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Copy the sheets' photos too (into DEST/blob/sha256/), each checked against the hash the log names;
    /// photos already copied are kept.
    #[arg(long)]
    pub photos: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `testigo mirror`.
pub fn run(a: MirrorArgs) -> anyhow::Result<ExitCode> {
    let (key, policy) = a.trust.load()?;
    let source = open_source(&a.source)?;
    let bar = progress_bar(a.quiet, "mirroring");
    let cb = |p: Progress| show(&bar, p);
    let opts = Options { concurrency: a.trust.concurrency, progress: Some(&cb) };
    let bucket = match a.dest.to_str().filter(|d| testigo_objstore::is_object_url(d)) {
        Some(url) => Some(testigo_objstore::parse_url(url)?),
        None => None,
    };
    let mirrored = match &bucket {
        Some(b) => {
            let storage = b.log_storage();
            let readback = Source::storage(std::sync::Arc::new(b.log_storage()), b.url());
            mirror_into(&source, &storage, &readback, b.url(), &key, &policy, &mut NoVisitor, &opts)
        }
        None => mirror(&source, &a.dest, &key, &policy, &mut NoVisitor, &opts),
    };
    let report = mirrored.map_err(|e| {
        bar.abandon();
        anyhow::anyhow!("mirror FAILED: {e}")
    })?;
    bar.finish_and_clear();
    println!("mirrored {} into {}", report.origin, a.dest.display());
    println!("  size:    {} entries (root {})", report.size, report.root);
    match report.previous_size {
        Some(p) => println!(
            "  continued from the copy's size {p} (consistency proven); {} new entries",
            report.entries_verified
        ),
        None => println!("  new copy: {} entries verified", report.entries_verified),
    }
    if !report.cosigned_by.is_empty() {
        let by: Vec<&str> = report.cosigned_by.iter().map(|(n, _)| n.as_str()).collect();
        println!("  cosigned by: {}", by.join(", "));
    }
    println!("  fetched: {} objects, {} bytes", report.objects_fetched, report.bytes_fetched);
    // The key the copy was verified against, so that tally, report and verify read it directly.
    let vkey_path = a.dest.join("log.vkey");
    let vkey = format!("{}\n", key.to_vkey());
    match &bucket {
        Some(b) => testigo_tlog::storage::Storage::write_objects(
            &b.log_storage(),
            &[("log.vkey".to_string(), vkey.into_bytes())],
        )
        .with_context(|| format!("writing {}/log.vkey", b.url()))?,
        None => std::fs::write(&vkey_path, vkey).with_context(|| format!("writing {}", vkey_path.display()))?,
    }
    if a.photos {
        return copy_photos(&a, &source, bucket.as_ref());
    }
    println!("the election entries were not replayed: run `testigo verify {} --key ...` for that", a.dest.display());
    Ok(ExitCode::SUCCESS)
}

/// Copies every photo the mirrored log names; fails if one is missing from
/// the source or does not match its hash (after copying all the others).
fn copy_photos(a: &MirrorArgs, source: &Source, bucket: Option<&testigo_objstore::Bucket>) -> anyhow::Result<ExitCode> {
    let replayed = match bucket {
        Some(b) => super::tally::replay_bucket(b.url())?,
        None => testigo_replay::replay_data_dir(&DataDir::open_copy(&a.dest)?)?,
    };
    let jobs = photo_jobs(replayed.replay.registry());
    let store = open_store(&a.source, source, None)?;
    let bar = if a.quiet || jobs.is_empty() { ProgressBar::hidden() } else { ProgressBar::new(jobs.len() as u64) };
    let threads = if a.trust.concurrency > 0 { a.trust.concurrency } else { 8 };
    let dest = a.dest.join("blob").join("sha256");
    let photos: Box<dyn testigo_store::BlobStore> = match bucket {
        Some(b) => Box::new(b.photo_store()),
        None => Box::new(DirBlobs::new(&dest).with_context(|| format!("opening {} for photos", dest.display()))?),
    };
    let sum = testigo_replay::photos::copy_photos(&store, &jobs, photos.as_ref(), threads, &|| bar.inc(1))
        .with_context(|| format!("copying photos into {}", dest.display()))?;
    bar.finish_and_clear();
    println!(
        "  photos:  {} named, {} copied, {} already here, {} missing, {} failed (from {})",
        sum.named,
        sum.copied,
        sum.present,
        sum.missing.len(),
        sum.failed.len(),
        store.describe()
    );
    for h in &sum.missing {
        println!("  missing: {}", store.location(h));
    }
    for (_, why) in &sum.failed {
        println!("  FAILED:  {why}");
    }
    if !sum.missing.is_empty() || !sum.failed.is_empty() {
        bail!(
            "{} of {} photos were not copied (listed above); run again once the source has them",
            sum.missing.len() + sum.failed.len(),
            sum.named
        );
    }
    println!(
        "check the copy with `testigo verify {} --key {} --photos`",
        a.dest.display(),
        a.dest.join("log.vkey").display()
    );
    Ok(ExitCode::SUCCESS)
}
