//! Tabulation benchmark: a synthetic election of N tables (default
//! 1,000,000) tabulated at every level plus certainty, timed, with peak RSS;
//! then, when Python's `duckdb` is importable, DuckDB doing only the GROUP BY
//! sums over the same data, for the ratio.
//!
//! ```text
//! cargo run --release -p testigo-tally --example tallybench -- [tables] [seed]
//! ```

use std::time::Instant;
use testigo_election::{FlagSet, Source};
use testigo_synth::{generate, SynthConfig, ORGANISATIONS, SIGNERS};
use testigo_tally::*;

fn vm_hwm_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let tables: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
    let seed: u64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(2024);
    let mut cfg = SynthConfig::new(seed, tables);
    cfg.missing_ppm = 50_000;
    cfg.corroborated_ppm = 100_000;
    cfg.conflicting_ppm = 5_000;

    let t0 = Instant::now();
    let e = generate(&cfg)?;
    let mut ev = Evidence::new(&e.def);
    let orgs: Vec<u32> = ORGANISATIONS.iter().map(|o| ev.intern_organisation(o)).collect();
    let keys: Vec<u32> = SIGNERS.iter().map(|k| ev.intern_signer(k)).collect();
    ev.reserve(e.sheet_count(), e.candidates());
    let mut push_err = None;
    e.for_each_sheet(|s| {
        let r = ev.push(NewSheet {
            not_reported: &[],
            index: s.index,
            table: s.table,
            contest: 0,
            source: Source::Witness,
            flags: FlagSet::default(),
            current: true,
            signer: keys[s.organisation],
            organisation: orgs[s.organisation],
            votes: s.votes,
            null: Some(s.null),
            blank: s.blank,
        });
        if let Err(err) = r {
            push_err.get_or_insert(err);
        }
    });
    if let Some(err) = push_err {
        return Err(err.into());
    }
    let gen_s = t0.elapsed().as_secs_f64();
    let hwm_gen = vm_hwm_mib();
    println!(
        "generated {} tables, {} units, {} sheets, {} candidates in {:.2} s (peak RSS so far {:.0} MiB)",
        e.table_count(),
        e.geo.unit_count(),
        ev.rows().len(),
        e.candidates(),
        gen_s,
        hwm_gen
    );

    // Best of 3: tabulate at every level + certainty.
    let mut best = f64::MAX;
    let mut tally = None;
    for _ in 0..3 {
        drop(tally.take()); // one tally alive at a time, so peak RSS is one run's
        let t = Instant::now();
        let r = tabulate(&e.def, &e.geo, &ev, &TallyOptions::default());
        best = best.min(t.elapsed().as_secs_f64());
        tally = Some(r);
    }
    let tally = tally.ok_or("no run")?;
    let hwm_tally = vm_hwm_mib();
    let ct = &tally.contests[0];
    let n = ct.counts(Node::National);
    let c = ct.certainty(Node::National);
    println!(
        "tabulate (every level + certainty): {:.3} s best of 3; peak RSS {:.0} MiB; national valid {}, reporting {}/{}, \
         conflicting {}, leader c{}, D {}, R_miss {}, verdict {}",
        best,
        hwm_tally,
        n.valid,
        n.reporting(),
        n.tables,
        n.conflicting,
        c.leader.map_or(0, |l| l + 1),
        c.lead_worst,
        c.r_miss,
        if c.decided { "decided" } else { "open" }
    );
    let t = Instant::now();
    let report = build_report(
        &e.def,
        &e.geo,
        &ev,
        &tally,
        &ReportOptions { levels: Some(vec![0, 1]), max_conflicts: Some(1_000) },
    );
    let json = report.to_json();
    println!(
        "report JSON for levels 0-1 ({} units): {:.3} s, {} bytes",
        report.contests[0].units.len(),
        t.elapsed().as_secs_f64(),
        json.len()
    );

    // DuckDB on the same data: one row per counted sheet with its unit codes.
    let dir = std::env::temp_dir().join(format!("tallybench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv_path = dir.join("sheets.csv");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
        write!(w, "state,municipality,centre,tab,registered")?;
        for k in 1..=e.candidates() {
            write!(w, ",c{k}")?;
        }
        writeln!(w, ",nulls")?;
        let mut err = None;
        e.for_each_sheet(|s| {
            if s.organisation != 0 {
                return; // one row per reporting table, as the tally counts
            }
            let mut anc: Vec<_> = e.geo.ancestors(s.table).collect();
            anc.reverse();
            let mut line = String::new();
            for u in &anc {
                line.push_str(e.geo.unit_id(*u));
                line.push(',');
            }
            line.push_str(e.geo.table_id(s.table));
            line.push(',');
            line.push_str(&e.geo.table_registered(s.table).unwrap_or(0).to_string());
            for v in s.votes {
                line.push(',');
                line.push_str(&v.to_string());
            }
            line.push(',');
            line.push_str(&s.null.to_string());
            if let Err(x) = writeln!(w, "{line}") {
                err.get_or_insert(x);
            }
        });
        if let Some(x) = err {
            return Err(x.into());
        }
    }
    let sums: Vec<String> = (1..=e.candidates()).map(|k| format!("sum(c{k})")).collect();
    let script = format!(
        r#"
import time, duckdb
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("SET enable_progress_bar = false")
src = "read_csv('{csv}', header=true, types={{'state':'VARCHAR','municipality':'VARCHAR','centre':'VARCHAR','tab':'VARCHAR'}})"
q = "SELECT state, municipality, centre, {sums}, sum(nulls), sum(registered), count(*) FROM {{src}} GROUP BY ROLLUP(state, municipality, centre)"
t = time.perf_counter()
con.execute("CREATE OR REPLACE TABLE r AS " + q.format(src=src))
n = con.execute("SELECT count(*) FROM r").fetchone()[0]
csv_s = time.perf_counter() - t
con.execute("CREATE TABLE s AS SELECT * FROM " + src)
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    con.execute("CREATE OR REPLACE TABLE r AS " + q.format(src="s"))
    best = min(best, time.perf_counter() - t)
print(f"{{csv_s:.3f}} {{best:.3f}} {{n}} {{duckdb.__version__}}")
"#,
        sums = sums.join(", "),
        csv = csv_path.display()
    );
    match std::process::Command::new("python3").arg("-c").arg(&script).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let f: Vec<&str> = text.lines().last().unwrap_or("").split_whitespace().collect();
            if let [csv_s, mem_s, groups, version] = f[..] {
                let (csv_s, mem_s): (f64, f64) = (csv_s.parse()?, mem_s.parse()?);
                println!(
                    "duckdb {version} (2 threads), GROUP BY ROLLUP sums only, {groups} groups: {csv_s:.3} s from the CSV, \
                     {mem_s:.3} s on a loaded table (best of 3)"
                );
                println!("ratio duckdb/testigo: {:.2}x (CSV), {:.2}x (loaded table)", csv_s / best, mem_s / best);
            } else {
                println!("duckdb output not understood: {text}");
            }
        }
        Ok(out) => println!("duckdb not run: {}", String::from_utf8_lossy(&out.stderr).trim()),
        Err(err) => println!("duckdb not run: {err}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("peak RSS (VmHWM) at exit: {:.0} MiB", vm_hwm_mib());
    Ok(())
}
