//! Benchmark of every forensics test on a generated election: writes a CSV of
//! `--units` stations (default 1,000,000), reads it back through the column
//! expressions, and runs the whole analysis with 1,000 bootstrap resamples
//! and 1,000 Monte Carlo replicates of the integer-percentage null.
//!
//! `cargo run --release -p testigo-forensics --example forensicsbench -- [--units N] [--replicates R] [--csv PATH]`

// A benchmark, not library code: a failure should stop it with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::time::Instant;

use testigo_forensics::stats::binomial;
use testigo_forensics::{analyze, read_csv, CsvColumns, Options};
use testigo_rng::RngCore;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let units: usize = arg("--units").map_or(1_000_000, |s| s.parse().unwrap());
    let replicates: usize = arg("--replicates").map_or(1000, |s| s.parse().unwrap());
    let path = arg("--csv").unwrap_or_else(|| std::env::temp_dir().join("forensicsbench.csv").display().to_string());
    let t0 = Instant::now();
    let mut rng = testigo_rng::seeded(16);
    let uniform = |r: &mut testigo_rng::ChaCha8Rng| (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut csv = String::with_capacity(units * 40);
    csv.push_str("station,state,registered,voters,valid,A,B\n");
    for i in 0..units {
        let registered = 100 + (uniform(&mut rng) * 1400.0) as u64;
        let turnout = 0.4 + 0.4 * uniform(&mut rng);
        let share = 0.3 + 0.4 * uniform(&mut rng);
        let voters = binomial(&mut rng, registered, turnout);
        let a = binomial(&mut rng, voters, share);
        let null = binomial(&mut rng, voters - a, 0.02);
        let _ = writeln!(csv, "s{i},state{},{registered},{voters},{},{a},{}", i % 32, voters - null, voters - a - null);
    }
    std::fs::write(&path, &csv).unwrap();
    let generated = t0.elapsed();
    let t1 = Instant::now();
    let bytes = std::fs::read(&path).unwrap();
    let cols = CsvColumns {
        unit: Some("station".into()),
        group: Some("state".into()),
        registered: Some("#3".into()),
        voters: "#4".into(),
        valid: Some("valid".into()),
        candidates: vec![("A".into(), None), ("B".into(), Some("#7".into()))],
        leader: Some("A".into()),
    };
    let data = read_csv(&bytes, &cols).unwrap();
    let parsed = t1.elapsed();
    let t2 = Instant::now();
    let no_mc = analyze(&data, &Options { replicates: 0, ..Options::default() });
    let without_mc = t2.elapsed();
    let t3 = Instant::now();
    let report = analyze(&data, &Options { replicates, ..Options::default() });
    let full = t3.elapsed();
    let t4 = Instant::now();
    let svgs = testigo_forensics::plots::svgs(&report).unwrap();
    let charts = t4.elapsed();
    assert_eq!(no_mc.units, report.units);
    let i = &report.overall.integer;
    println!(
        "units {units}, threads {}, generate+write CSV {:.2}s, read CSV {:.2}s, analysis without MC {:.2}s, \
         full analysis ({replicates} replicates, 1000 bootstrap resamples) {:.2}s, {} charts {:.2}s; \
         total read+analyze+charts {:.2}s",
        rayon::current_num_threads(),
        generated.as_secs_f64(),
        parsed.as_secs_f64(),
        without_mc.as_secs_f64(),
        full.as_secs_f64(),
        svgs.len(),
        charts.as_secs_f64(),
        (parsed + full + charts).as_secs_f64()
    );
    println!(
        "integer_excess {:.1} ± {:.1} (observed {}, null mean {:.1}); 2BL mean {:.4}",
        i.integer_excess,
        i.integer_excess_sd,
        i.detail.either.observed,
        i.detail.either.null_mean,
        report.overall.digits.voters.second_digit.mean.value
    );
}
