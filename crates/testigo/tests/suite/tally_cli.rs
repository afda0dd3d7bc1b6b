//! `testigo tally`, `report` and `synth` end to end: the binary run on data
//! directories it built itself, the JSON checked against the sheets that went
//! in, determinism across runs and copies, and the Venezuela demo checked
//! against the totals of the opposition's two publications and the CNE's
//! bulletins (figures from `data/venezuela-2024/README.md` and the shared
//! data README it cites).

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::Value;

/// A logged synthetic election (seed 11) in `root`; returns the data directory.
fn synth(root: &Path, tables: &str, conflicting: &str) -> std::path::PathBuf {
    synth_logged(root, tables, "11", conflicting)
}

fn tally_json(dir: &Path, extra: &[&str]) -> (String, Value) {
    let mut args = vec!["tally", "--dir", dir.to_str().unwrap(), "--json"];
    args.extend(extra);
    let out = run_ok(&args);
    let v: Value = serde_json::from_str(&out).expect("tally --json prints JSON");
    (out, v)
}

/// Sheets of `sheets.csv`: (table, organisation, votes per candidate, null).
fn sheets_csv(root: &Path) -> Vec<(String, String, Vec<u64>, u64)> {
    let text = std::fs::read_to_string(root.join("sheets.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let nc = header.len() - 8;
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let votes = f[6..6 + nc].iter().map(|x| x.parse().unwrap()).collect();
            (f[1].to_string(), f[4].to_string(), votes, f[6 + nc].parse().unwrap())
        })
        .collect()
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn tally_matches_the_sheets_logged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(tmp.path(), "120", "0");
    let sheets = sheets_csv(tmp.path());
    let primary: Vec<_> = sheets.iter().filter(|s| s.1 == "observers-a").collect();
    let reporting: BTreeSet<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
    let corroborated = sheets.iter().filter(|s| s.1 == "observers-b").count() as u64;
    assert_eq!(primary.len(), reporting.len(), "one primary sheet per reporting table");
    assert!(corroborated > 0 && reporting.len() < 120, "the synthetic mix has corroborated and missing tables");

    let (_, v) = tally_json(&dir, &[]);
    assert_eq!(v["schema"], "testigo-tally/1");
    assert_eq!(v["election"]["tables"], 120);
    let c = &v["contests"][0];
    let n = &c["national"];
    assert_eq!(u(&n["tables"]["total"]), 120);
    assert_eq!(u(&n["tables"]["reporting"]), reporting.len() as u64);
    assert_eq!(u(&n["tables"]["missing"]), 120 - reporting.len() as u64);
    assert_eq!(u(&n["tables"]["corroborated"]), corroborated);
    assert_eq!(u(&n["tables"]["single"]), reporting.len() as u64 - corroborated);
    assert_eq!(u(&n["tables"]["conflicting"]), 0);
    assert_eq!(u(&n["tables"]["sheets"]), sheets.len() as u64);
    let mut valid = 0;
    for (k, cand) in n["candidates"].as_array().unwrap().iter().enumerate() {
        let want: u64 = primary.iter().map(|s| s.2[k]).sum();
        assert_eq!(u(&cand["votes"]), want, "candidate {}", cand["id"]);
        valid += want;
    }
    assert_eq!(u(&n["valid"]), valid);
    assert_eq!(u(&n["null"]), primary.iter().map(|s| s.3).sum::<u64>());
    // Default: the top level only (24 states in the synthetic country).
    let units = c["units"].as_array().unwrap();
    assert!(!units.is_empty() && units.iter().all(|x| x["level"] == "state"));
    let unit_tables: u64 = units.iter().map(|x| u(&x["tables"]["total"])).sum();
    assert_eq!(unit_tables, 120);

    // Drill-down: the municipality level, and the municipality votes add up.
    let (_, m) = tally_json(&dir, &["--level", "municipality"]);
    let munis = m["contests"][0]["units"].as_array().unwrap();
    assert!(munis.len() > units.len() && munis.iter().all(|x| x["level"] == "municipality"));
    assert_eq!(munis.iter().map(|x| u(&x["valid"])).sum::<u64>(), valid);
    let out = bin().args(["tally", "--dir", dir.to_str().unwrap(), "--level", "table"]).output().unwrap();
    assert!(!out.status.success(), "the table level is not a unit level");
    assert!(String::from_utf8_lossy(&out.stderr).contains("municipality"), "the error lists the levels");

    // Only the second organisation's key: exactly the corroborated tables.
    let (_, b) = tally_json(&dir, &["--signer", "synth-b.example"]);
    assert_eq!(u(&b["contests"][0]["national"]["tables"]["reporting"]), corroborated);
    let out = bin().args(["tally", "--dir", dir.to_str().unwrap(), "--signer", "nobody.example"]).output().unwrap();
    assert!(!out.status.success(), "an unknown signer is an error, not an empty tally");

    // The cap is reported; CSV has a header, the national row and one per state.
    let (_, capped) = tally_json(&dir, &["--turnout-cap", "75"]);
    assert_eq!(capped["options"]["turnout_cap_percent"], 75.0);
    let csv = run_ok(&["tally", "--dir", dir.to_str().unwrap(), "--csv"]);
    assert_eq!(csv.lines().count(), 2 + units.len());
    assert!(csv.starts_with("contest,level,unit,name,"));
    let text = run_ok(&["tally", "--dir", dir.to_str().unwrap()]);
    assert!(text.contains(&format!("{} of 120 reporting", reporting.len())), "{text}");
}

#[test]
fn bulletins_are_checked_and_bad_files_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(&tmp.path().join("s"), "60", "5");
    let (_, v) = tally_json(&dir, &[]);
    let n = &v["contests"][0]["national"];
    let ids: Vec<String> = v["contests"][0]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let votes: Vec<u64> = n["candidates"].as_array().unwrap().iter().map(|c| u(&c["votes"])).collect();
    let counts = |f: &dyn Fn(usize, u64) -> u64| {
        ids.iter()
            .zip(&votes)
            .enumerate()
            .map(|(k, (id, &x))| format!("{{\"candidates\":[\"{id}\"],\"votes\":{}}}", f(k, x)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let file = |name: &str, label: &str, counts: String| {
        let p = tmp.path().join(name);
        std::fs::write(
            &p,
            format!(
                "{{\"schema\":\"testigo-bulletins/1\",\"bulletins\":[{{\"label\":\"{label}\",\"source\":\"test\",\
                 \"contest\":\"president\",\"counts\":[{counts}]}}]}}"
            ),
        )
        .unwrap();
        p
    };
    // The evidence's own counted figures are consistent with the evidence.
    let honest = file("honest.json", "honest", counts(&|_, x| x));
    let (_, h) = tally_json(&dir, &["--bulletins", honest.to_str().unwrap()]);
    let off = &h["contests"][0]["official"][0];
    assert_eq!(off["label"], "honest");
    assert_eq!(off["contradictions"], 0, "{off}");
    // Crediting the leader with fewer votes than its signed sheets already give is impossible.
    let lower = file("lower.json", "lower", counts(&|k, x| if k == 0 { x / 2 } else { x }));
    let (_, l) = tally_json(&dir, &["--bulletins", lower.to_str().unwrap()]);
    let off = &l["contests"][0]["official"][0];
    assert_eq!(off["contradictions"], 1, "{off}");
    assert_eq!(off["bounds"][0]["verdict"], "below_counted");

    // Unknown fields, wrong schema, unknown candidate: refused with a message.
    for (name, body, says) in [
        ("typo.json", "{\"schema\":\"testigo-bulletins/1\",\"bulettins\":[]}", "bulletin file"),
        ("schema.json", "{\"schema\":\"other/9\",\"bulletins\":[]}", "testigo-bulletins/1"),
        (
            "cand.json",
            "{\"schema\":\"testigo-bulletins/1\",\"bulletins\":[{\"label\":\"x\",\"source\":\"s\",\"contest\":\"president\",\"counts\":[{\"candidates\":[\"ZZ\"],\"votes\":1}]}]}",
            "ZZ",
        ),
    ] {
        let p = tmp.path().join(name);
        std::fs::write(&p, body).unwrap();
        let out = bin().args(["tally", "--dir", dir.to_str().unwrap(), "--bulletins", p.to_str().unwrap()]).output().unwrap();
        assert!(!out.status.success(), "{name} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{name}: {err}");
    }

    // The HTML report: self-contained, with the charts and the official check.
    let html_path = tmp.path().join("report.html");
    run_ok(&[
        "report",
        "--dir",
        dir.to_str().unwrap(),
        "--bulletins",
        lower.to_str().unwrap(),
        "--out",
        html_path.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.matches("<svg").count() >= 4, "results, certainty, coverage, official charts");
    assert!(html.contains("Official: lower") && html.contains("impossible: below what the signed sheets already give"));
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"), "nothing fetched");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn json_is_deterministic_and_works_while_serving() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(&tmp.path().join("s"), "200", "3");
    let (a, v) = tally_json(&dir, &["--level", "all"]);
    assert!(u(&v["contests"][0]["national"]["tables"]["conflicting"]) > 0, "the test needs conflicting tables");
    let (b, _) = tally_json(&dir, &["--level", "all"]);
    assert_eq!(a, b, "two runs differ");
    let copy = tmp.path().join("copy");
    copy_dir(&dir, &copy);
    let (c, _) = tally_json(&copy, &["--level", "all"]);
    assert_eq!(a, c, "a copied data directory tallies differently");
    // The tally reads the log without the writer lock: it runs while the server holds it.
    let server = Server::start(&dir, &[]);
    let (d, _) = tally_json(&dir, &["--level", "all"]);
    server.stop();
    assert_eq!(a, d);
    // A tampered tile is caught, not tallied.
    let tiles = dir.join("log").join("tile").join("entries").join("000.p");
    let entry_file = std::fs::read_dir(&tiles).ok().and_then(|mut r| r.next()).map(|e| e.unwrap().path());
    let target = entry_file.unwrap_or_else(|| dir.join("log").join("tile").join("entries").join("000"));
    let mut bytes = std::fs::read(&target).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&target, bytes).unwrap();
    let out = bin().args(["tally", "--dir", dir.to_str().unwrap(), "--json"]).output().unwrap();
    assert!(!out.status.success(), "a tampered log was tallied");
}

/// The opposition's publications as the demo logs them, one importer key each.
const V1_KEY: &str = "v1.resultadosconvzla.import.testigo.example";
const V2_KEY: &str = "v2.resultadosconvzla.import.testigo.example";

fn candidate(n: &Value, id: &str) -> u64 {
    u(&n["candidates"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["votes"])
}

#[test]
fn venezuela_demo_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = run_ok(&["demo", "--dir", dir.to_str().unwrap(), "--no-serve", "--quiet"]);
    assert!(out.contains("CNE bulletin 2"), "the demo prints the findings: {out}");
    assert!(out.contains("IMPOSSIBLE"), "{out}");
    // Each impossibility names its basis: Maduro's figure in bulletin 2 breaks
    // only the bulletin's own valid total, not the registry bound.
    assert!(out.contains("Nicolás Maduro announced 6408844:"), "{out}");
    assert!(out.contains("impossible only if the bulletin's own totals are true"), "{out}");
    assert!(out.contains("(chance about 9.9e-9 under the model)"), "{out}");
    assert!(out.contains("post hoc"), "{out}");

    // Per publication, through the signer filter (data/venezuela-2024/README.md).
    for (key, sheets, valid, null, eg, nm, others) in [
        (V1_KEY, 24_532, 10_659_128, 1_139, 7_156_462, 3_241_461, 261_205),
        (V2_KEY, 25_073, 10_887_262, 1_213, 7_303_480, 3_316_142, 267_640),
    ] {
        let (_, v) = tally_json(&dir, &["--signer", key]);
        let n = &v["contests"][0]["national"];
        assert_eq!(u(&n["tables"]["sheets"]), sheets, "{key}");
        assert_eq!(u(&n["tables"]["reporting"]), sheets, "{key}");
        assert_eq!(u(&n["valid"]), valid, "{key}");
        assert_eq!(u(&n["null"]), null, "{key}");
        assert_eq!(candidate(n, "EG"), eg, "{key}");
        assert_eq!(candidate(n, "NM"), nm, "{key}");
        let all: u64 = n["candidates"].as_array().unwrap().iter().map(|c| u(&c["votes"])).sum();
        assert_eq!(all - eg - nm, others, "{key}");
        assert_eq!(n["certainty"]["leader"], "EG");
    }

    // Both publications with the CNE's bulletins. The same organisation
    // published both, so tables in both are single-source; V2 has every V1
    // table but two, and agrees on all the tables they share.
    let bulletins = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/venezuela-2024/cne-bulletins.json");
    let (_, v) = tally_json(&dir, &["--bulletins", bulletins]);
    let c = &v["contests"][0];
    let n = &c["national"];
    assert_eq!(u(&n["tables"]["reporting"]), 25_075);
    assert_eq!(u(&n["tables"]["conflicting"]), 0);
    assert_eq!(u(&n["tables"]["total"]), 30_026);
    assert_eq!(n["certainty"]["leader"], "EG");
    assert_eq!(n["certainty"]["verdict"], "decided", "{}", n["certainty"]);
    // The demo logged the same two bulletins as signed entries: the file's
    // copies are not checked twice, and each check names its log entry.
    assert_eq!(c["official"].as_array().unwrap().len(), 2, "{}", c["official"]);
    let b1 = &c["official"][0];
    let b2 = &c["official"][1];
    for b in [b1, b2] {
        let logged = b["logged"].as_str().unwrap_or_default();
        assert!(logged.starts_with("log entry #"), "{b}");
        assert!(logged.contains("signed by cne-bulletins.publish.testigo.example+"), "{b}");
    }
    // Without the file, the logged bulletins alone give the same checks.
    let (_, plain) = tally_json(&dir, &[]);
    assert_eq!(plain["contests"][0]["official"], c["official"]);
    assert_eq!(b1["label"], "CNE bulletin 1 (2024-07-29)");
    // Bulletin 1: all three figures are exact one-decimal percentages of its total.
    let r1 = b1["round_percentages"].as_array().unwrap().iter().find(|r| r["decimals"] == 1).unwrap();
    assert_eq!((u(&r1["tested"]), u(&r1["exact"])), (3, 3), "{r1}");
    assert!(r1["joint_probability"].as_f64().unwrap() < 1e-6, "{r1}");
    // Bulletin 2 credits González with fewer votes than the signed sheets give him.
    assert!(u(&b2["contradictions"]) >= 1, "{b2}");
    let eg = b2["bounds"].as_array().unwrap().iter().find(|b| b["what"] == "EG").unwrap();
    assert_eq!(eg["verdict"], "below_counted", "{eg}");
    assert_eq!(u(&eg["official"]), 5_326_104);
    assert!(u(&eg["lower_bound"]) > 5_326_104, "{eg}");
    assert_eq!(eg["violates"], serde_json::json!(["registry", "announced"]), "{eg}");
    // Maduro's 6,408,844 is above what the bulletin's own valid total leaves
    // room for, but on the registry bound alone he could reach 6,734,404:
    // the basis is named, and both ranges are given.
    let nm = b2["bounds"].as_array().unwrap().iter().find(|b| b["what"] == "NM").unwrap();
    assert_eq!((nm["verdict"].as_str(), nm["upper_basis"].as_str()), (Some("above_possible"), Some("announced_valid")));
    assert_eq!(nm["violates"], serde_json::json!(["announced"]), "{nm}");
    assert_eq!(u(&nm["range_registry"][1]), 6_734_404, "{nm}");
    assert_eq!(u(&nm["range_announced"][1]), u(&nm["upper_bound"]), "{nm}");
    // La Guaira's turnout, 159,267 of 248,952 registered voters (63.97498…%),
    // is printed rounded once.
    let csv = run_ok(&["tally", "--dir", dir.to_str().unwrap(), "--csv"]);
    let guaira = csv.lines().find(|l| l.contains("LA GUAIRA")).unwrap();
    assert!(guaira.contains(",248952,") && guaira.contains(",63.97,"), "{guaira}");
}
