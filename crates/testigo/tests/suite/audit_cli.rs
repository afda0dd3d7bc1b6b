//! `testigo audit plan` and `testigo audit simulate` end to end: on a
//! synthetic election logged by `testigo synth --log` (winner and runner-up
//! checked against `tally --json`, the draws against U), simulations
//! reproduced by their seed, and the Venezuela demo's plan.

use crate::common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn synth(root: &Path) -> std::path::PathBuf {
    run_ok(&[
        "synth",
        "--tables",
        "200",
        "--seed",
        "5",
        "--out",
        root.to_str().unwrap(),
        "--missing",
        "10",
        "--corroborated",
        "30",
        "--conflicting",
        "0",
        "--log",
    ]);
    root.join("data")
}

/// The number after `label` in `text` (up to the next space, comma or semicolon).
fn number_after(text: &str, label: &str) -> f64 {
    let rest = &text[text.find(label).unwrap_or_else(|| panic!("{label:?} in {text}")) + label.len()..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    rest[..end].parse().unwrap_or_else(|e| panic!("{label:?} in {text}: {e}"))
}

#[test]
fn plan_names_the_tally_leaders_and_draws_follow_from_u() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(tmp.path());
    let d = dir.to_str().unwrap();
    let tally: Value = serde_json::from_str(&run_ok(&["tally", "--dir", d, "--json"])).unwrap();
    let mut cands: Vec<(u64, String)> = tally["contests"][0]["national"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["votes"].as_u64().unwrap(), c["id"].as_str().unwrap().to_string()))
        .collect();
    cands.sort_by(|a, b| b.cmp(a));

    let out = run_ok(&["audit", "plan", "--dir", d, "--risk-limit", "0.05"]);
    assert!(out.contains(&format!("reported winner: {} (", cands[0].1)), "{out}");
    assert!(out.contains(&format!("  {} votes", cands[0].0)), "{out}");
    assert!(out.contains(&format!("runner-up:       {} (", cands[1].1)), "{out}");
    let tables = &tally["contests"][0]["national"]["tables"];
    let counted = format!("tables counted (the batches): {} of {}", tables["reporting"], tables["total"]);
    assert!(out.contains(&counted), "{out}");
    let u = number_after(&out, "total error bound U: ");
    let draws = number_after(&out, "error bound):\n  ");
    assert!(u > 1.0, "{out}");
    assert_eq!(draws, (0.05f64.ln() / (1.0 - 1.0 / u).ln()).ceil(), "{out}");
    // The same risk limit as a percentage; a smaller one needs more draws.
    assert_eq!(run_ok(&["audit", "plan", "--dir", d, "--risk-limit", "5%"]), out);
    let strict = run_ok(&["audit", "plan", "--dir", d, "--risk-limit", "0.01"]);
    assert!(number_after(&strict, "error bound):\n  ") > draws, "{strict}");

    // Bad input is refused with what to do.
    let bad = bin().args(["audit", "plan", "--dir", d, "--risk-limit", "1.5"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("give one like 0.05"));
    let bad = bin().args(["audit", "plan", "--dir", d, "--contest", "nope"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("use one of: president"));
}

#[test]
fn simulations_reproduce_and_errors_escalate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(tmp.path());
    let d = dir.to_str().unwrap();
    let sim = |k: &str, taint: &str, seed: &str| {
        run_ok(&[
            "audit",
            "simulate",
            "--dir",
            d,
            "--risk-limit",
            "0.05",
            "--seed",
            seed,
            "--error-batches",
            k,
            "--error-taint",
            taint,
            "--trials",
            "100",
        ])
    };
    let clean = sim("0", "1", "s1");
    assert!(clean.contains("escalated beyond the initial draws: 0 (0.00%)"), "{clean}");
    assert!(clean.contains("full hand counts: 0 (0.00%)"), "{clean}");
    let bad = sim("60", "1", "s1");
    assert!(number_after(&bad, "full hand counts: ") > 50.0, "{bad}");
    assert_eq!(sim("60", "1", "s1"), bad, "the same seed reproduces the simulation");
    let moderate = sim("60", "0.4", "s1");
    assert!(number_after(&moderate, "escalated beyond the initial draws: ") > 0.0, "{moderate}");
}

#[test]
fn audit_plan_on_the_venezuela_demo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    run_ok(&["demo", "--dir", dir.to_str().unwrap(), "--no-serve", "--quiet"]);
    let out = run_ok(&["audit", "plan", "--dir", dir.to_str().unwrap(), "--risk-limit", "0.05"]);
    // Both publications' sheets, as `testigo tally` counts them (BENCHMARKS.md records the plan).
    assert!(out.contains("tables counted (the batches): 25075 of 25075"), "{out}");
    assert!(out.contains("reported winner: EG (Edmundo González Urrutia)  7304224 votes"), "{out}");
    assert!(out.contains("runner-up:       NM (Nicolás Maduro)  3316258 votes"), "{out}");
    assert!(out.contains("total error bound U: 5.509760"), "{out}");
    assert!(out.contains("  15 draws if no error is found"), "{out}");
    assert!(out.contains("about 44 ballots for either of the two, 46 ballots drawn in all"), "{out}");
}
