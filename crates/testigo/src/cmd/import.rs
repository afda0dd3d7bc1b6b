//! `testigo import`: bulk import of a file of sheets, each row signed by an
//! importer key and logged as a `bulk_import` sheet naming the data set (file
//! name and SHA-256), row and the row's own reference, then an import
//! manifest (file digest, rows, sheets logged); and `testigo import --check`,
//! which tells whether a log holds exactly a file's rows. Layouts:
//! docs/import.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use testigo_datasets::general::{CheckReport, Layout, SheetFile};
use testigo_datasets::venezuela::{self, Publication};
use testigo_election::{encode_signed, Entry, ImportManifest, Sheet};
use testigo_formats::GzError;
use testigo_note::Signer;
use testigo_server::Node;
use testigo_store::DataDir;

use super::local::{self, Tally};

/// Formats `testigo import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The opposition's `RESULTADOS_2024_CSV_V1/V2.csv` (UTF-8 with BOM or latin-1; may be gzip-compressed).
    #[value(name = "venezuela-2024")]
    Venezuela2024,
    /// testigo's CSV: `table`, optional `contest`, one column per candidate id, optional `valid`, `null`,
    /// `blank`, `registered`, `source_ref`, `photo_sha256`, `qr`; an empty cell means not reported.
    #[value(name = "testigo-csv")]
    TestigoCsv,
    /// testigo's JSON Lines: one object per line with the keys of testigo-csv; null or absent: not reported.
    #[value(name = "testigo-jsonl")]
    TestigoJsonl,
    /// One Venezuelan acta QR payload per line: table, votes and null votes read from the code.
    #[value(name = "venezuela-acta-qr")]
    VenezuelaActaQr,
}

impl Format {
    fn layout(self) -> Option<Layout> {
        match self {
            Format::Venezuela2024 => None,
            Format::TestigoCsv => Some(Layout::TestigoCsv),
            Format::TestigoJsonl => Some(Layout::TestigoJsonl),
            Format::VenezuelaActaQr => Some(Layout::VenezuelaActaQr),
        }
    }
}

/// Options of `testigo import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Data directory (the server must not be running on it); with --check, a data directory or a mirror.
    #[arg(long)]
    dir: PathBuf,
    /// The importer's enrolled private key (not needed with --check).
    #[arg(long, required_unless_present = "check")]
    key: Option<PathBuf>,
    /// The file's format (docs/import.md).
    #[arg(long, value_enum, default_value = "venezuela-2024")]
    format: Format,
    /// The contest of rows that name none (needed when the election has several contests).
    #[arg(long)]
    contest: Option<String>,
    /// Log nothing: check that the log holds exactly this file's rows (its manifest's digest and row
    /// count, and every logged sheet equal to its row). Exit status 0 if so, 1 if not.
    #[arg(long)]
    check: bool,
    /// With --check: the name the file was imported under, when this copy is saved under another name
    /// (rows are then compared with that import's sheets).
    #[arg(long = "as", value_name = "NAME", requires = "check")]
    imported_as: Option<String>,
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
    /// Refuse a `.gz` file that decompresses to more than this many MiB (a guard against gzip
    /// bombs; the published CSVs are about 4 MiB).
    #[arg(long, default_value_t = DEFAULT_GZ_LIMIT_MIB)]
    max_gunzip_mib: u64,
    /// The CSV file (`.gz` is decompressed).
    file: PathBuf,
}

/// Default of `--max-gunzip-mib`: the formats crate's cap for decompressed data.
const DEFAULT_GZ_LIMIT_MIB: u64 = testigo_formats::DEFAULT_GZ_LIMIT / (1024 * 1024);

/// Reads a file, decompressing `.gz` (through [`testigo_formats::decompress_gz_limited`],
/// refusing more than `limit_mib` MiB of output); returns the published name (without `.gz`)
/// and bytes.
pub fn read_dataset(path: &Path, limit_mib: u64) -> anyhow::Result<(String, Vec<u8>)> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(stem) = name.strip_suffix(".gz") {
        let limit = limit_mib.saturating_mul(1024 * 1024);
        match testigo_formats::decompress_gz_limited(&raw, limit) {
            Ok(out) => Ok((stem.to_string(), out)),
            Err(GzError::TooLarge { .. }) => bail!(
                "{} decompresses to more than {limit_mib} MiB, the limit against gzip bombs; if you trust \
                 the file, pass a larger --max-gunzip-mib or decompress it yourself (gunzip -k) and import \
                 the .csv",
                path.display()
            ),
            Err(e) => Err(e).with_context(|| format!("{} is not valid gzip", path.display())),
        }
    } else {
        Ok((name, raw))
    }
}

/// Signs `sheets` with `signer` and logs them through `node` in batches,
/// with a progress bar named `name`; returns what was accepted, flagged and
/// rejected.
fn import_sheets(
    node: &Node,
    signer: &Signer,
    name: &str,
    rows: usize,
    sheet: impl Fn(usize, u64) -> Sheet + Sync,
    quiet: bool,
) -> anyhow::Result<Tally> {
    const BATCH: usize = 4096;
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(rows as u64) };
    bar.set_style(
        ProgressStyle::with_template("{msg:>28} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(name.to_string());
    let now = testigo_store::unix_now();
    let mut tally = Tally::default();
    for start in (0..rows).step_by(BATCH) {
        let end = (start + BATCH).min(rows);
        // Signing is the CPU-heavy part: split it over the cores (results in row order).
        let signed: Vec<Vec<u8>> = (start..end)
            .into_par_iter()
            .map(|r| encode_signed(&Entry::Sheet(sheet(r, now)), signer))
            .collect::<Result<_, _>>()?;
        let outcomes = node.submit_many(signed, now)?;
        tally.add(&outcomes);
        bar.inc((end - start) as u64);
    }
    bar.finish_and_clear();
    Ok(tally)
}

/// Logs the manifest of an import after its sheets; returns its log index.
fn log_manifest(node: &Node, signer: &Signer, manifest: ImportManifest) -> anyhow::Result<u64> {
    let bytes = encode_signed(&Entry::Import(manifest), signer)?;
    Ok(local::submit_all(node, vec![bytes], "import manifest")?[0].0)
}

/// Signs every row of `publication` with `signer` and logs them through
/// `node` in batches, then the import's manifest; returns what was
/// accepted, flagged and rejected.
pub fn import_publication(
    node: &Node,
    signer: &Signer,
    publication: &Publication,
    quiet: bool,
) -> anyhow::Result<Tally> {
    let rows = &publication.rows;
    let tally = import_sheets(
        node,
        signer,
        &publication.name,
        rows.len(),
        |r, now| venezuela::sheet(publication, &rows[r], now),
        quiet,
    )?;
    let manifest = testigo_datasets::general::manifest(
        venezuela::ELECTION_ID,
        &publication.name,
        &publication.sha256,
        "venezuela-2024",
        rows.len() as u64,
        tally.accepted,
        testigo_store::unix_now(),
    );
    // A manifest records sheets logged; an import that logged none (every
    // row refused) leaves the log as it was.
    if tally.accepted > 0 {
        log_manifest(node, signer, manifest)?;
    }
    Ok(tally)
}

/// Prints an import summary.
pub fn print_tally(name: &str, t: &Tally) {
    println!("{name}: {} sheets logged, {} rejected", t.accepted, t.rejected_total());
    for (code, n) in &t.flags {
        println!("  flagged {code}: {n}");
    }
    for (code, (n, first)) in &t.rejected {
        println!("  rejected {code}: {n} (first: {first})");
    }
}

/// Runs `testigo import`.
pub fn run(a: ImportArgs) -> anyhow::Result<ExitCode> {
    let (name, bytes) = read_dataset(&a.file, a.max_gunzip_mib)?;
    if a.check {
        return check(&a, a.imported_as.as_deref().unwrap_or(&name), &bytes);
    }
    let Some(key) = &a.key else { bail!("give --key FILE: the importer's enrolled private key") };
    let signer = super::keys::load_signer(key)?;
    let node = local::open_node(&a.dir)?;
    let started = std::time::Instant::now();
    let result = import_file(&node, &signer, &a, &name, &bytes);
    node.shutdown();
    let (rows, tally) = result?;
    print_tally(&name, &tally);
    eprintln!("{rows} rows in {:.2} s", started.elapsed().as_secs_f64());
    Ok(if tally.rejected_total() == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// Imports one file through `node`; returns its row count and the outcome.
fn import_file(
    node: &Node,
    signer: &Signer,
    a: &ImportArgs,
    name: &str,
    bytes: &[u8],
) -> anyhow::Result<(usize, Tally)> {
    let Some(layout) = a.format.layout() else {
        let publication = Publication::parse(name, bytes)?;
        let tally = import_publication(node, signer, &publication, a.quiet)?;
        return Ok((publication.rows.len(), tally));
    };
    let election =
        node.registry().election().cloned().context("the data directory has no election: run `testigo init` first")?;
    let file = SheetFile::parse(layout, name, bytes, &election, a.contest.as_deref())?;
    let tally = import_sheets(
        node,
        signer,
        name,
        file.rows.len(),
        |r, now| file.sheet(&election, &file.rows[r], now),
        a.quiet,
    )?;
    if tally.accepted > 0 {
        log_manifest(node, signer, file.manifest(&election, tally.accepted, testigo_store::unix_now()))?;
    }
    Ok((file.rows.len(), tally))
}

/// `testigo import --check`: compares the file with what the log holds of it.
fn check(a: &ImportArgs, name: &str, bytes: &[u8]) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open_copy(&a.dir)?;
    let replayed = testigo_replay::replay_data_dir(&dir)?;
    let registry = replayed.replay.registry();
    let election = registry.election().context("the log has no election")?;
    let file = match a.format.layout() {
        Some(layout) => SheetFile::parse(layout, name, bytes, election, a.contest.as_deref())?,
        None => venezuela_as_sheet_file(name, bytes)?,
    };
    let manifests: Vec<(u64, ImportManifest)> =
        registry.imports().iter().map(|m| (m.index, m.manifest.clone())).collect();
    let mut logged: Vec<(u64, Sheet)> = Vec::new();
    testigo_replay::for_each_entry(&dir, replayed.size, |index, entry| {
        if let Entry::Sheet(s) = entry {
            // By name (an earlier or altered copy) or by digest (the same bytes under another name).
            if s.dataset.as_ref().is_some_and(|d| d.name == file.name || d.sha256 == file.sha256) {
                logged.push((index, s));
            }
        }
    })?;
    let refs: Vec<(u64, &Sheet)> = logged.iter().map(|(i, s)| (*i, s)).collect();
    let report = testigo_datasets::general::check(&file, election, &manifests, &refs);
    print_check(&file, &report);
    if report.manifests.is_empty() && !manifests.is_empty() {
        println!("  the log's imports (pass --as NAME to compare this file's rows with one of them):");
        for (index, m) in &manifests {
            println!("    {} ({} rows, SHA-256 {}), manifest at log index {index}", m.name, m.rows, m.sha256);
        }
    }
    Ok(if report.faithful() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The 2024 Venezuelan CSV read as a [`SheetFile`], so `--check` compares it
/// like any other layout.
fn venezuela_as_sheet_file(name: &str, bytes: &[u8]) -> anyhow::Result<SheetFile> {
    let publication = Publication::parse(name, bytes)?;
    let rows = publication
        .rows
        .iter()
        .map(|r| {
            let s = venezuela::sheet(&publication, r, 0);
            testigo_datasets::general::Row {
                line: r.line,
                table: s.table,
                contest: s.contest,
                votes: s.votes,
                not_reported: s.not_reported,
                valid: s.valid,
                null: s.null,
                blank: s.blank,
                registered: s.registered,
                source_ref: s.dataset.and_then(|d| d.reference),
                photo_sha256: s.photo_sha256,
                qr: s.qr,
            }
        })
        .collect();
    Ok(SheetFile { name: publication.name, sha256: publication.sha256, layout: Layout::TestigoCsv, rows })
}

fn print_check(file: &SheetFile, r: &CheckReport) {
    println!("{}: {} rows, SHA-256 {}", file.name, r.rows, file.sha256);
    if r.manifests.is_empty() {
        println!("  the log has no import of a file of this name or digest");
    }
    for (index, m) in &r.manifests {
        let same = if m.sha256 == file.sha256 { "this file" } else { "a DIFFERENT file" };
        println!(
            "  import manifest at log index {index}: {} ({} rows, {} sheets logged, read as {}), SHA-256 {} — {same}",
            m.name, m.rows, m.sheets, m.format, m.sha256
        );
    }
    println!("  logged sheets compared: {}; rows matching: {}", r.logged, r.matching);
    for d in r.differing.iter().take(20) {
        println!("  line {} differs from the sheet at log index {}: {}", d.line, d.index, d.what.join("; "));
    }
    if r.differing.len() > 20 {
        println!("  … and {} more differing rows", r.differing.len() - 20);
    }
    if !r.not_logged.is_empty() {
        let first: Vec<String> = r.not_logged.iter().take(10).map(u64::to_string).collect();
        println!(
            "  {} rows have no logged sheet (refused at import, or never imported); lines {}{}",
            r.not_logged.len(),
            first.join(", "),
            if r.not_logged.len() > 10 { ", …" } else { "" }
        );
    }
    if !r.not_in_file.is_empty() {
        println!("  {} logged sheets name lines this file does not have", r.not_in_file.len());
    }
    if r.faithful() {
        println!("faithful: the log holds exactly the rows of this file");
    } else {
        println!("NOT faithful: the log does not hold exactly this file (see above)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A gzip bomb: `mib` MiB of zeros, which compress about a thousandfold.
    fn bomb(mib: usize) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..mib {
            e.write_all(&zeros).unwrap();
        }
        e.finish().unwrap()
    }

    #[test]
    fn a_gzip_bomb_is_refused_with_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("bomb.csv.gz");
        let gz = bomb(64);
        assert!(gz.len() < 1024 * 1024, "{} bytes compressed", gz.len());
        std::fs::write(&path, &gz).unwrap();
        let err = read_dataset(&path, 8).unwrap_err().to_string();
        assert!(err.contains("more than 8 MiB") && err.contains("--max-gunzip-mib"), "{err}");
        // Under a limit it fits, the same file reads.
        let (name, bytes) = read_dataset(&path, 64).unwrap();
        assert_eq!((name.as_str(), bytes.len()), ("bomb.csv", 64 * 1024 * 1024));
    }

    #[test]
    fn plain_and_corrupt_files() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = tmp.path().join("a.csv");
        std::fs::write(&plain, b"x,y\n").unwrap();
        assert_eq!(read_dataset(&plain, 1).unwrap(), ("a.csv".to_string(), b"x,y\n".to_vec()));
        let broken = tmp.path().join("b.csv.gz");
        std::fs::write(&broken, b"not gzip").unwrap();
        assert!(read_dataset(&broken, 1).unwrap_err().to_string().contains("not valid gzip"));
    }
}
