//! `testigo site`: the public website as static files, beside a copy of the
//! log and its photos, for any static host or CDN.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use testigo_site::{CheckpointInfo, SiteConfig, Snapshot};
use testigo_store::{DataDir, DirBlobs};

use super::log::read_vkey;

/// Options of `testigo site`.
#[derive(Args, Debug)]
pub struct SiteArgs {
    /// The log copy: a data directory or a mirror made by `testigo mirror`.
    #[arg(long)]
    pub dir: PathBuf,
    /// Where to write the site (created; must be empty or an earlier export).
    #[arg(long)]
    pub out: PathBuf,
    /// The log's verifier key (file or key line) the pages tell readers to trust
    /// (default: the copy's own log.vkey).
    #[arg(long, value_name = "VKEY")]
    pub key: Option<String>,
    /// A cosigner's key (file or key line) the pages tell readers to trust; repeat for several.
    #[arg(long = "cosigner", alias = "witness", value_name = "VKEY")]
    pub cosigners: Vec<String>,
    /// How many of the --cosigner keys must have cosigned a checkpoint (default: all of them).
    #[arg(long, value_name = "K")]
    pub quorum: Option<usize>,
    /// Where the site will be published (e.g. https://results.example.org/), for the commands
    /// shown to observers.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `testigo site`.
pub fn run(a: SiteArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let copy = DataDir::open_copy(&a.dir)?;
    // A data directory keeps its log in log/ and photos in blobs/; a mirror is laid out as the URLs.
    let data_dir = a.dir.join("log").join("checkpoint").is_file();
    let log_dir = if data_dir { a.dir.join("log") } else { a.dir.clone() };
    let key = match &a.key {
        Some(k) => read_vkey(k).context("--key")?,
        None => {
            let path = a.dir.join("log.vkey");
            read_vkey(&path.display().to_string())
                .with_context(|| format!("no --key given and {} is unreadable", path.display()))?
        }
    };
    let mut cosigners = Vec::new();
    for c in &a.cosigners {
        cosigners.push(read_vkey(c).with_context(|| format!("--cosigner {c}"))?.to_vkey());
    }
    let quorum = a.quorum.unwrap_or(cosigners.len());
    if quorum > cosigners.len() {
        bail!("--quorum {quorum} is more than the {} --cosigner keys given", cosigners.len());
    }
    prepare_out(&a.out)?;
    let out = Out { root: a.out.clone(), made: Default::default() };

    let (registry, size) = super::tally::load_registry(&a.dir)?;
    let checkpoint = std::fs::read(log_dir.join("checkpoint")).context("reading the checkpoint")?;
    let config = SiteConfig { log_vkey: key.to_vkey(), cosigners, quorum, public_url: a.public_url.clone() };
    let info = CheckpointInfo::open(&checkpoint, &config).with_context(|| {
        format!("the checkpoint of {} does not verify with the log key {}", a.dir.display(), config.log_vkey)
    })?;
    if info.size != size {
        bail!("the log grew from {size} to {} entries while it was read: run `testigo site` again", info.size);
    }
    if info.cosigned.len() < quorum {
        bail!(
            "the checkpoint carries {} of the {quorum} cosignatures required: browsers would refuse it. \
             Wait for the cosigners, or lower --quorum",
            info.cosigned.len()
        );
    }
    let mut snap = Snapshot::build(&registry, config, Some(info)).context("the log holds no election")?;
    if let Ok(signer) = copy.signer() {
        snap = snap.with_sums_key(signer);
    }
    let built = started.elapsed();

    // The log first (tiles, then the checkpoint), so the pages never
    // reference entries the copy lacks.
    let mut log_files = 0u64;
    copy_tree(&log_dir.join("tile"), &a.out.join("tile"), &mut log_files)?;
    let mut photos = 0u64;
    let blobs = DirBlobs::reader(if data_dir { copy.blobs() } else { a.dir.join("blob").join("sha256") });
    for s in registry.sheets() {
        let Some(h) = s.photo_sha256() else { continue };
        let dest = format!("blob/sha256/{h}");
        if a.out.join(&dest).is_file() {
            continue;
        }
        if let Some(bytes) = testigo_store::BlobStore::get(&blobs, &h).with_context(|| format!("reading photo {h}"))? {
            out.write(&dest, &bytes)?;
            photos += 1;
        }
    }
    // The election and enrolment entries, one file each (what table pages prove).
    let reader = testigo_tlog::reader::LogReader::new(copy.storage()?, 64);
    for index in testigo_site::entries_served(&registry) {
        let bytes = reader.entry(index, size).with_context(|| format!("reading log entry {index}"))?;
        out.write(&format!("v1/entries/{index}"), &bytes)?;
        log_files += 1;
    }
    out.write("checkpoint", &checkpoint)?;
    out.write("log.vkey", format!("{}\n", key.to_vkey()).as_bytes())?;

    let sink = |path: &str, bytes: &[u8]| out.write(path, bytes);
    let mut stream = |path: &str, write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>| {
        let mut w = std::io::BufWriter::new(out.create(path)?);
        write(&mut w)
            .and_then(|()| std::io::Write::flush(&mut w))
            .with_context(|| format!("writing {}", a.out.join(path).display()))
    };
    let stats = testigo_site::export(&registry, &snap, &sink, &mut stream)?;
    if !a.quiet {
        println!(
            "wrote {} pages and {} files ({:.1} MB) for log size {size} to {}, with {log_files} log files and {photos} \
             photos, in {:.1} s (tabulation {:.1} s)",
            stats.pages,
            stats.files,
            stats.bytes as f64 / 1e6,
            a.out.display(),
            started.elapsed().as_secs_f64(),
            built.as_secs_f64()
        );
        println!("serve it with any static web server, e.g.: python3 -m http.server -d {}", a.out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates `out`, refusing a non-empty directory that is not an earlier export.
fn prepare_out(out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?.next().is_none();
        if !empty && !out.join("assets").join("site.css").is_file() {
            bail!("{} is not empty and not an earlier `testigo site` export: give a new directory", out.display());
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))
}

/// The export's directory: files written below it, each directory created
/// once (pages share a few directories; called from several threads).
struct Out {
    root: PathBuf,
    made: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl Out {
    /// The path of `rel`, its directory created.
    fn prepare(&self, rel: &str) -> anyhow::Result<PathBuf> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
            if !made.contains(parent) {
                std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
                made.insert(parent.to_path_buf());
            }
        }
        Ok(path)
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.prepare(rel)?;
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    }

    fn create(&self, rel: &str) -> anyhow::Result<std::fs::File> {
        let path = self.prepare(rel)?;
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))
    }
}

/// Copies a directory tree of log tiles (copies, not links: whoever edits
/// the export must not be able to touch the log it came from).
fn copy_tree(from: &Path, to: &Path, count: &mut u64) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(from) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", from.display())),
    };
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in entries {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            copy_tree(&src, &dst, count)?;
        } else {
            std::fs::copy(&src, &dst).with_context(|| format!("copying {}", src.display()))?;
            *count += 1;
        }
    }
    Ok(())
}
