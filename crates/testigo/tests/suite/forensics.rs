//! `testigo forensics` end to end: on the Albania 2013 CSV (the published
//! 2BL figures, the JSON keys SCHEMA.md documents, well-formed SVG charts),
//! on a data directory built by `testigo synth --log`, and on bad input.

use crate::common::*;

use std::path::Path;

use serde_json::Value;

const ALBANIA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../forensics/tests/data/Albania2013.csv");

fn albania_args(extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "forensics",
        "--csv",
        ALBANIA,
        "--unit",
        "#1",
        "--group",
        "Prefectures",
        "--registered",
        "#6",
        "--voters",
        "Ballots",
        "--candidate",
        "PS=C041",
        "--candidate",
        "PD=#50",
        "--leader",
        "PS",
        "--replicates",
        "100",
        "--bootstrap",
        "100",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// Checks that a document is well-formed XML as far as tags go: every start
/// tag closed in order, one root, nothing after it but whitespace.
fn assert_well_formed(name: &str, text: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = text;
    let mut roots = 0;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let end = after.find('>').unwrap_or_else(|| panic!("{name}: unterminated tag"));
        let tag = &after[..end];
        if tag.starts_with('?') || tag.starts_with('!') {
        } else if let Some(close) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(close.trim()), "{name}: mismatched </{close}>");
        } else {
            let tag_name = tag.split_whitespace().next().unwrap_or("").trim_end_matches('/').to_string();
            if stack.is_empty() {
                roots += 1;
            }
            if !tag.ends_with('/') {
                stack.push(tag_name);
            }
        }
        rest = &after[end + 1..];
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
    assert_eq!(roots, 1, "{name}: {roots} root elements");
    assert!(text.contains("<svg"), "{name}: no <svg");
}

#[test]
fn albania_csv_json_and_charts() {
    let out = tempfile::tempdir().unwrap();
    let args = albania_args(&["--json", "--out", out.path().to_str().unwrap()]);
    let json = run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let v: Value = serde_json::from_str(&json).expect("--json prints JSON");
    assert_eq!(v["schema"], "testigo-forensics/1");
    assert_eq!(v["leader"], "PS");
    assert_eq!(v["units"], 5508);
    let b = &v["overall"]["digits"]["voters"]["second_digit"];
    assert_eq!(b["n"], 5506);
    assert_eq!(format!("{:.4}", b["mean"]["value"].as_f64().unwrap()), "4.4339");
    assert_eq!(format!("{:.3}", b["chi2"].as_f64().unwrap()), "44.952");
    // The keys SCHEMA.md documents.
    for g in std::iter::once(&v["overall"]).chain(v["groups"].as_array().unwrap()) {
        for k in [
            "integer_excess",
            "integer_excess_sd",
            "integer_excess_leader",
            "integer_excess_leader_sd",
            "integer_excess_turnout",
            "integer_excess_turnout_sd",
            "units",
            "rule",
        ] {
            assert!(!g["integer"][k].is_null(), "integer.{k} missing in {}", g["group"]);
        }
        for k in ["p05s", "skewness", "kurtosis", "n", "rule"] {
            assert!(!g["turnout"][k].is_null(), "turnout.{k} missing");
        }
        for k in ["second_digit", "last_digit", "c05s"] {
            assert!(!g["digits"]["leader"][k].is_null(), "digits.leader.{k} missing");
        }
    }
    assert_eq!(v["groups"].as_array().unwrap().len(), 12);
    assert_eq!(v["fingerprint"]["histogram"].as_array().unwrap().len(), 100);
    assert!(v["caveats"].as_array().unwrap().len() >= 3);
    let mut svgs = 0;
    for e in std::fs::read_dir(out.path()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "svg") {
            assert_well_formed(&p.display().to_string(), &std::fs::read_to_string(&p).unwrap());
            svgs += 1;
        }
    }
    assert_eq!(svgs, 5);
    // Text output carries the caveats.
    let text = run_ok(&albania_args(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(text.contains("2BL mean 4.4339") && text.contains("Caveats"), "{text}");
}

#[test]
fn bad_columns_are_named() {
    let mut args = albania_args(&[]);
    let i = args.iter().position(|a| a == "Ballots").unwrap();
    args[i] = "Ballotz".into();
    let out = bin().args(&args).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"Ballotz\"") && err.contains("\"Registered\""), "{err}");
}

fn synth(root: &Path) -> std::path::PathBuf {
    run_ok(&["synth", "--tables", "400", "--seed", "3", "--out", root.to_str().unwrap(), "--log"]);
    root.join("data")
}

#[test]
fn data_directory_by_level() {
    let root = tempfile::tempdir().unwrap();
    let dir = synth(root.path());
    let json =
        run_ok(&["forensics", "--dir", dir.to_str().unwrap(), "--json", "--replicates", "50", "--bootstrap", "50"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert!(v["units"].as_u64().unwrap() > 300, "{}", v["units"]);
    assert!(!v["groups"].as_array().unwrap().is_empty());
    // One unit per table `testigo tally` counts, and the national leader followed by default.
    let tally: Value = serde_json::from_str(&run_ok(&["tally", "--dir", dir.to_str().unwrap(), "--json"])).unwrap();
    let national = &tally["contests"][0]["national"];
    assert_eq!(v["units"], national["tables"]["reporting"]);
    let top = national["candidates"].as_array().unwrap().iter().max_by_key(|c| c["votes"].as_u64().unwrap()).unwrap();
    let names = &tally["contests"][0]["candidates"];
    let name = names.as_array().unwrap().iter().find(|c| c["id"] == top["id"]).map(|c| c["name"].clone());
    assert_eq!(Some(v["leader"].clone()), name, "{names}");
    // Groups partition the units.
    let in_groups: u64 = v["groups"].as_array().unwrap().iter().map(|g| g["units"].as_u64().unwrap()).sum();
    assert_eq!(in_groups, v["units"].as_u64().unwrap());
    let out = bin().args(["forensics", "--dir", dir.to_str().unwrap(), "--level", "nowhere"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a unit level"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
