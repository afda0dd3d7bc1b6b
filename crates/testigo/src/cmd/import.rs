//! `testigo import`: bulk import of a published CSV of sheets, each row signed
//! by an importer key and logged as a `bulk_import` sheet naming the data set
//! (file name and SHA-256) and row.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use testigo_datasets::venezuela::{self, Publication};
use testigo_election::{encode_signed, Entry};
use testigo_formats::GzError;
use testigo_note::Signer;
use testigo_server::Node;

use super::local::{self, Tally};

/// Formats `testigo import` reads.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// The opposition's `RESULTADOS_2024_CSV_V1/V2.csv` (UTF-8 with BOM or latin-1; may be gzip-compressed).
    #[value(name = "venezuela-2024")]
    Venezuela2024,
}

/// Options of `testigo import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Data directory (the server must not be running on it).
    #[arg(long)]
    dir: PathBuf,
    /// The importer's enrolled private key.
    #[arg(long)]
    key: PathBuf,
    /// The file's format.
    #[arg(long, value_enum, default_value = "venezuela-2024")]
    format: Format,
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

/// Signs every row of `publication` with `signer` and logs them through
/// `node` in batches; returns what was accepted, flagged and rejected.
pub fn import_publication(
    node: &Node,
    signer: &Signer,
    publication: &Publication,
    quiet: bool,
) -> anyhow::Result<Tally> {
    const BATCH: usize = 4096;
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(publication.rows.len() as u64) };
    bar.set_style(
        ProgressStyle::with_template("{msg:>28} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(publication.name.clone());
    let now = testigo_store::unix_now();
    let mut tally = Tally::default();
    for rows in publication.rows.chunks(BATCH) {
        // Signing is the CPU-heavy part: split it over the cores (results in row order).
        let signed: Vec<Vec<u8>> = rows
            .par_iter()
            .map(|r| encode_signed(&Entry::Sheet(venezuela::sheet(publication, r, now)), signer))
            .collect::<Result<_, _>>()?;
        let outcomes = node.submit_many(signed, now)?;
        tally.add(&outcomes);
        bar.inc(rows.len() as u64);
    }
    bar.finish_and_clear();
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
    let signer = super::keys::load_signer(&a.key)?;
    let (name, bytes) = read_dataset(&a.file, a.max_gunzip_mib)?;
    let publication = match a.format {
        Format::Venezuela2024 => Publication::parse(&name, &bytes)?,
    };
    let node = local::open_node(&a.dir)?;
    let started = std::time::Instant::now();
    let tally = import_publication(&node, &signer, &publication, a.quiet);
    node.shutdown();
    let tally = tally?;
    print_tally(&publication.name, &tally);
    eprintln!("{} rows in {:.2} s", publication.rows.len(), started.elapsed().as_secs_f64());
    Ok(if tally.rejected_total() == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
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
