//! Photo re-verification: every photo a log names is fetched, its SHA-256
//! checked against the hash the log names, and its QR codes read again with
//! [`testigo_documents::photo_codes`] and compared with the latest operator-signed
//! `reading` of that photo.
//!
//! A reading is the operator's attestation of what a photo shows, and tally
//! flags are derived from it; re-reading the photo independently checks that
//! attestation. Outcomes per photo ([`PhotoOutcome`]):
//! - agree: our codes equal the reading's codes;
//! - disagree: they differ (or the photo no longer decodes);
//! - tampered: the stored bytes do not hash to the logged hash;
//! - missing: the store does not have it (a mirror may legitimately lack photos);
//! - unread: named by a sheet but never read by the operator (e.g. a server
//!   run with `--no-read-photos`): hash checked, nothing to compare.
//!
//! Photos are up to 10 MiB and take ~0.1–1 s to decode, so a bounded number
//! of threads fetch and decode them, each holding one photo at a time.

use std::collections::BTreeMap;

use rayon::prelude::*;
use testigo_election::Registry;
use testigo_store::blobs::{blob_name, BlobStore};

/// Where the photos of a log are fetched from (a data directory, a mirror, a URL).
pub trait PhotoSource: Sync {
    /// The bytes stored under `sha256` (lowercase hex); `Ok(None)` if absent,
    /// `Err` if the store could not answer.
    fn fetch(&self, sha256: &str) -> Result<Option<Vec<u8>>, String>;
    /// Where the photo named `sha256` is looked for, for messages.
    fn location(&self, sha256: &str) -> String;
    /// The store as a whole, for messages.
    fn describe(&self) -> String;
}

/// One photo to check: its hash, where the log names it, and its latest reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoJob {
    /// The photo's SHA-256 in lowercase hex.
    pub sha256: String,
    /// The first log index naming the photo (a sheet, or its latest reading).
    pub named_at: u64,
    /// The latest reading: its log index and codes.
    pub reading: Option<(u64, Vec<String>)>,
}

/// What checking one photo found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoOutcome {
    /// Our codes equal the reading's.
    Agree,
    /// Ours differ from the reading's codes (`Err`: the photo did not decode).
    Disagree(Result<Vec<String>, String>),
    /// Hash and decode fine, but no reading was logged to compare with.
    Unread(Result<Vec<String>, String>),
    /// Not in the store.
    Missing,
    /// The bytes hash to this instead.
    Tampered(String),
    /// The store could not be read (not "absent"): network or disk error.
    Unfetchable(String),
}

/// The counts of a photo check.
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

/// The photos to check: every photo a sheet names and every photo read, with
/// its latest reading, in the order the log first names them.
pub fn photo_jobs(registry: &Registry) -> Vec<PhotoJob> {
    let mut named: BTreeMap<String, u64> = registry.photo_readings().map(|(h, index, _)| (h, index)).collect();
    for s in registry.sheets() {
        if let Some(h) = s.photo_sha256() {
            let at = named.entry(h).or_insert(s.index());
            *at = (*at).min(s.index());
        }
    }
    let mut jobs: Vec<PhotoJob> = named
        .into_iter()
        .map(|(sha256, named_at)| {
            let reading = registry.photo_reading(&sha256).map(|(i, c)| (i, c.to_vec()));
            PhotoJob { sha256, named_at, reading }
        })
        .collect();
    jobs.sort_by_key(|j| j.named_at);
    jobs
}

/// Fetches, hashes and reads one photo.
pub fn check_photo(source: &dyn PhotoSource, job: &PhotoJob) -> PhotoOutcome {
    let bytes = match source.fetch(&job.sha256) {
        Ok(Some(b)) => b,
        Ok(None) => return PhotoOutcome::Missing,
        Err(e) => return PhotoOutcome::Unfetchable(e),
    };
    let got = blob_name(&bytes);
    if got != job.sha256 {
        return PhotoOutcome::Tampered(got);
    }
    let ours = testigo_documents::photo_codes(&bytes).map_err(|e| e.to_string());
    drop(bytes);
    match &job.reading {
        None => PhotoOutcome::Unread(ours),
        Some((_, theirs)) if ours.as_ref() == Ok(theirs) => PhotoOutcome::Agree,
        Some(_) => PhotoOutcome::Disagree(ours),
    }
}

/// Checks every job on `threads` threads (decoding is CPU-bound and holds tens
/// of MiB per photo, so callers bound it), calling `done` after each photo.
/// Outcomes come back in the jobs' order.
pub fn check_photos(
    source: &dyn PhotoSource,
    jobs: &[PhotoJob],
    threads: usize,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<PhotoOutcome>, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build()?;
    Ok(pool.install(|| {
        jobs.par_iter()
            // One photo per task: the pool's size, not rayon's splitting, bounds the memory held.
            .with_max_len(1)
            .map(|job| {
                let outcome = check_photo(source, job);
                done();
                outcome
            })
            .collect()
    }))
}

/// One photo's finding as printed, and whether it fails the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The report line(s), indented for a report under a heading.
    pub line: Option<String>,
    /// Why the check fails because of this photo, if it does.
    pub failure: Option<String>,
}

fn codes_json(c: &[String]) -> String {
    serde_json::to_string(c).unwrap_or_else(|_| format!("{c:?}"))
}

/// Adds `outcome` to `sum` and says what to report: the verdict on one photo.
/// A missing photo fails the check unless `allow_missing` (a mirror may
/// legitimately lack photos); a disagreement, a tampered or an unfetchable
/// photo always does.
pub fn judge(
    source: &dyn PhotoSource,
    job: &PhotoJob,
    outcome: PhotoOutcome,
    allow_missing: bool,
    sum: &mut PhotoSummary,
) -> Finding {
    let h = &job.sha256;
    let at = job.named_at;
    let none = Finding { line: None, failure: None };
    match outcome {
        PhotoOutcome::Agree => {
            sum.checked += 1;
            sum.agree += 1;
            none
        }
        PhotoOutcome::Disagree(ours) => {
            sum.checked += 1;
            sum.disagree += 1;
            let (ri, theirs) = job.reading.as_ref().map(|(i, c)| (*i, c.as_slice())).unwrap_or((at, &[]));
            let ours = match ours {
                Ok(c) => codes_json(&c),
                Err(e) => format!("(the photo does not decode: {e})"),
            };
            Finding {
                line: Some(format!(
                    "  DISAGREE  reading at log index {ri} of photo {h}:\n    operator's reading: {}\n    this reader:        {ours}",
                    codes_json(theirs)
                )),
                failure: Some(format!("the reading at log index {ri} disagrees with photo {h}")),
            }
        }
        PhotoOutcome::Unread(ours) => {
            sum.checked += 1;
            sum.unread += 1;
            let ours = match ours {
                Ok(c) => codes_json(&c),
                Err(e) => format!("(does not decode: {e})"),
            };
            Finding {
                line: Some(format!(
                    "  unread    photo {h} (log index {at}): no reading logged; this reader reads {ours}"
                )),
                failure: None,
            }
        }
        PhotoOutcome::Missing => {
            sum.missing += 1;
            Finding {
                line: Some(format!("  MISSING   photo {h} (log index {at}): not at {}", source.location(h))),
                failure: (!allow_missing).then(|| format!("photo {h} (log index {at}) is missing")),
            }
        }
        PhotoOutcome::Tampered(got) => {
            sum.tampered += 1;
            Finding {
                line: Some(format!(
                    "  TAMPERED  photo {h} (log index {at}): the bytes at {} hash to {got}, not to the logged hash",
                    source.location(h)
                )),
                failure: Some(format!("photo {h} (log index {at}) does not match its hash")),
            }
        }
        PhotoOutcome::Unfetchable(why) => {
            sum.unfetchable += 1;
            Finding {
                line: Some(format!("  UNFETCHABLE photo {h} (log index {at}): {why}")),
                failure: Some(format!("photo {h} (log index {at}) could not be fetched")),
            }
        }
    }
}

/// What copying a log's photos into a mirror did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopySummary {
    /// Photos the log names.
    pub named: usize,
    /// Fetched, hash checked and written.
    pub copied: usize,
    /// Already in the mirror with the right hash (not fetched again).
    pub present: usize,
    /// Photos the source does not have.
    pub missing: Vec<String>,
    /// Photos the source holds with other bytes, or could not serve: `(sha256, why)`.
    pub failed: Vec<(String, String)>,
}

/// Copies every photo the log names from `source` into the photo store
/// `dest` (a mirror's `blob/sha256/`, or any other [`BlobStore`]): each is
/// fetched, its hash checked against the name, and stored through the
/// store's own durable stage-and-publish, so the copy never holds a wrong or
/// partial photo under a photo's name. Photos already in `dest` with the
/// right hash are kept; one held there with other bytes is reported, not
/// replaced. On `threads` threads (photos are fetched, not decoded).
pub fn copy_photos(
    source: &dyn PhotoSource,
    jobs: &[PhotoJob],
    dest: &dyn BlobStore,
    threads: usize,
    on_done: &(dyn Fn() + Sync),
) -> std::io::Result<CopySummary> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("testigo-photo-copy-{i}"))
        .build()
        .map_err(std::io::Error::other)?;
    enum Fate {
        Copied,
        Present,
        Missing,
        Failed(String),
    }
    let copy_one = |job: &PhotoJob| -> Fate {
        match dest.get(&job.sha256) {
            Ok(Some(held)) if blob_name(&held) == job.sha256 => return Fate::Present,
            Ok(Some(_)) => {
                return Fate::Failed(format!(
                    "the copy already holds other bytes under {}: delete that file and run again",
                    job.sha256
                ))
            }
            Ok(None) => {}
            Err(e) => return Fate::Failed(format!("cannot read {} in the copy: {e}", job.sha256)),
        }
        let bytes = match source.fetch(&job.sha256) {
            Ok(Some(b)) => b,
            Ok(None) => return Fate::Missing,
            Err(e) => return Fate::Failed(format!("cannot fetch {}: {e}", source.location(&job.sha256))),
        };
        let actual = blob_name(&bytes);
        if actual != job.sha256 {
            return Fate::Failed(format!("{} holds bytes hashing to {actual}", source.location(&job.sha256)));
        }
        match dest.put(&bytes) {
            Ok(_) => Fate::Copied,
            Err(e) => Fate::Failed(format!("cannot store {}: {e}", job.sha256)),
        }
    };
    let results: Vec<Fate> = pool.install(|| {
        jobs.par_iter()
            .map(|job| {
                let r = copy_one(job);
                on_done();
                r
            })
            .collect()
    });
    let mut sum = CopySummary { named: jobs.len(), ..CopySummary::default() };
    for (job, r) in jobs.iter().zip(results) {
        match r {
            Fate::Copied => sum.copied += 1,
            Fate::Present => sum.present += 1,
            Fate::Missing => sum.missing.push(job.sha256.clone()),
            Fate::Failed(why) => sum.failed.push((job.sha256.clone(), why)),
        }
    }
    Ok(sum)
}
