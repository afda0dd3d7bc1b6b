//! `testigo demo`: the Venezuelan 2024 presidential election built from the
//! opposition's published tally sheets, then served.
//!
//! The CSVs ship inside the binary (from `data/venezuela-2024/`, with their
//! origin in that folder's README), so the demo needs nothing else.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use testigo_datasets::venezuela::{self, Publication};
use testigo_election::{encode_signed, Enrol, Entry, Role};
use testigo_note::Signer;
use testigo_store::write_secret;
use testigo_store::DataDir;

use super::import::{import_publication, print_tally};
use super::local;
use super::serve::{print_urls, serve_node, ServeArgs};

const V1_GZ: &[u8] = include_bytes!("../../../../data/venezuela-2024/RESULTADOS_2024_CSV_V1.csv.gz");
const V2_GZ: &[u8] = include_bytes!("../../../../data/venezuela-2024/RESULTADOS_2024_CSV_V2.csv.gz");
const ORIGIN: &str = "demo.testigo.example/ve-2024";

/// Options of `testigo demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Data directory (default: `testigo/demo-ve-2024` under your data directory, e.g. ~/.local/share).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Build (or reuse) the data directory, print the findings, and exit without serving.
    #[arg(long)]
    no_serve: bool,
    /// Port to serve on (127.0.0.1).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Hide progress bars.
    #[arg(long)]
    quiet: bool,
    /// Instead: a small simulated Brazilian election whose sheets carry BU QR codes signed with
    /// keys generated for the demo (default directory `testigo/demo-br-sim`).
    #[arg(long)]
    brazil: bool,
}

fn default_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("testigo").join("demo-ve-2024")
}

/// The embedded CSVs, through the formats crate's gzip path (its default cap, far above
/// their ~4 MiB).
fn gunzip(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    testigo_formats::decompress_gz(bytes).context("embedded CSV")
}

fn importer(d: &DataDir, file: &str, name: &str) -> anyhow::Result<Signer> {
    let path = d.root().join("keys").join(file);
    std::fs::create_dir_all(path.parent().context("keys dir")?)?;
    let signer = Signer::generate(name)?;
    write_secret(&path, &signer)?;
    Ok(signer)
}

/// Builds the demo data directory from scratch.
fn build(dir: &Path, quiet: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let v1 = Publication::parse("RESULTADOS_2024_CSV_V1.csv", &gunzip(V1_GZ)?)?;
    let v2 = Publication::parse("RESULTADOS_2024_CSV_V2.csv", &gunzip(V2_GZ)?)?;
    let d = DataDir::new(dir);
    d.init(ORIGIN)?;
    let operator = Signer::generate("operator.demo.testigo.example")?;
    write_secret(&d.operator_key(), &operator)?;
    let importers = [
        importer(&d, "v1-importer.key", "v1.resultadosconvzla.import.testigo.example")?,
        importer(&d, "v2-importer.key", "v2.resultadosconvzla.import.testigo.example")?,
    ];
    let publisher = importer(&d, "cne-publisher.key", "cne-bulletins.publish.testigo.example")?;

    let def = venezuela::election(&operator.verifier().to_vkey());
    let mut entries = vec![encode_signed(&Entry::Election(def), &operator)?];
    for chunk in venezuela::split_chunk(venezuela::geography(&[&v1, &v2]), 500) {
        entries.push(encode_signed(&Entry::Geography(chunk), &operator)?);
    }
    let now = testigo_store::unix_now();
    for (k, what) in importers.iter().zip(["V1 (2 August 2024)", "V2 (6 August 2024)"]) {
        entries.push(encode_signed(
            &Entry::Enrol(Enrol {
                key: k.verifier().to_vkey(),
                role: Role::Importer,
                holder: format!("testigo demo importer of RESULTADOS_2024_CSV {what}"),
                organisation: "Comando Con Venezuela publication at resultadosconvzla.com".into(),
                scope: None,
                valid_from: now - 60,
                valid_until: now + 365 * 86_400,
            }),
            &operator,
        )?);
    }
    // The CNE's bulletins go into the log as entries signed by a publisher
    // key, so the findings about them come from the log like everything else.
    entries.push(encode_signed(
        &Entry::Enrol(Enrol {
            key: publisher.verifier().to_vkey(),
            role: Role::Publisher,
            holder: "CNE bulletins as published, transcribed by the testigo demo".into(),
            organisation: "testigo demo (figures from data/venezuela-2024/cne-bulletins.json)".into(),
            scope: None,
            valid_from: now - 60,
            valid_until: now + 365 * 86_400,
        }),
        &operator,
    )?);
    for b in testigo_tally::parse_bulletins(CNE_BULLETINS, "the embedded CNE bulletins")? {
        // The labels end with the announcement date, e.g. `(2024-07-29)`.
        let date = b.label.rsplit_once('(').and_then(|(_, d)| d.strip_suffix(')')).map(str::to_string);
        entries.push(encode_signed(&Entry::Bulletin(b.to_entry(date, now)), &publisher)?);
    }
    eprintln!("parsed and signed the election in {:.2} s", started.elapsed().as_secs_f64());
    let node = local::open_node(dir)?;
    local::submit_all(&node, entries, "demo operator entry")?;
    eprintln!("logged the election in {:.2} s", started.elapsed().as_secs_f64());
    for (p, k) in [(&v1, &importers[0]), (&v2, &importers[1])] {
        let t0 = std::time::Instant::now();
        let t = import_publication(&node, k, p, quiet)?;
        print_tally(&p.name, &t);
        eprintln!("  imported in {:.2} s", t0.elapsed().as_secs_f64());
    }
    node.shutdown();
    eprintln!("built in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Runs the demo.
pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    if a.brazil {
        return super::demo_brazil::run(a.dir, a.no_serve, a.port);
    }
    let dir = a.dir.clone().unwrap_or_else(default_dir);
    let d = DataDir::new(&dir);
    println!("testigo demo: Venezuela, presidential election of 28 July 2024");
    println!("data directory: {}", dir.display());
    let fresh = !d.key().exists();
    if fresh {
        if dir.exists() && std::fs::read_dir(&dir).map(|mut r| r.next().is_some()).unwrap_or(false) {
            bail!("{} exists and is not a testigo data directory; choose another with --dir", dir.display());
        }
        build(&dir, a.quiet)?;
    }
    let node = local::open_node(&dir)?;
    let expected = 24_532 + 25_073;
    let example = {
        let reg = node.registry();
        if reg.sheet_count() != expected {
            bail!(
                "{} holds {} sheets, not the demo's {expected}: it was interrupted or is another election; \
                 delete it or choose another --dir",
                dir.display(),
                reg.sheet_count()
            );
        }
        let geo = reg.geography();
        let registered: u64 = geo.tables().filter_map(|t| geo.table_registered(t)).sum();
        println!(
            "election: {} units in {} levels, {} tables seen (of {} declared), {} sheets from 2 publications",
            geo.unit_count(),
            geo.levels().len(),
            geo.table_count(),
            venezuela::TOTAL_TABLES,
            reg.sheet_count()
        );
        println!("registered voters printed on V1's tables: {registered} of the registry's {}", venezuela::REGISTRY);
        if !fresh {
            println!("(reused the existing data directory)");
        }
        let first = reg.sheets().next().map(|s| s.table_id().to_string());
        first
    };
    println!("log verifier key ({}):", d.vkey().display());
    print!("{}", std::fs::read_to_string(d.vkey())?);
    println!("signed checkpoint ({}):", d.log().join("checkpoint").display());
    print!("{}", String::from_utf8_lossy(&node.checkpoint()));
    print_findings(&node.registry())?;
    if a.no_serve {
        node.shutdown();
        return Ok(ExitCode::SUCCESS);
    }
    let args = ServeArgs::local(dir, SocketAddr::from((Ipv4Addr::LOCALHOST, a.port)));
    serve_node(node, &args, |addr| print_urls(addr, example.as_deref()))?;
    Ok(ExitCode::SUCCESS)
}

/// The CNE's two 2024 national bulletins (`data/venezuela-2024/cne-bulletins.json`).
const CNE_BULLETINS: &str = include_str!("../../../../data/venezuela-2024/cne-bulletins.json");

/// Prints the headline findings: the tally of both publications, its
/// certainty and the CNE's bulletins (logged as signed entries) checked
/// against the signed sheets, with the rules behind the numbers (the same as
/// `testigo tally`).
fn print_findings(registry: &testigo_election::Registry) -> anyhow::Result<()> {
    // A demo directory built before bulletins were logged has none: check
    // the embedded copy instead, so the findings stay the same.
    let logged = !registry.bulletins().is_empty();
    let c = super::tally::Compute {
        bulletins: if logged {
            Vec::new()
        } else {
            testigo_tally::parse_bulletins(CNE_BULLETINS, "the embedded CNE bulletins")?
        },
        ..Default::default()
    };
    let report = super::tally::compute(registry, &c)?;
    if logged {
        println!("\nfindings (`testigo tally --dir DIR`; the CNE bulletins are signed entries in the log):");
    } else {
        println!("\nfindings (`testigo tally --dir DIR --bulletins data/venezuela-2024/cne-bulletins.json`):");
    }
    print!("{}", report.to_text());
    println!("rules behind these numbers:");
    for a in &report.assumptions {
        println!("  - {a}");
    }
    Ok(())
}
