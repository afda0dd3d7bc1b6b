//! `testigo audit plan` and `testigo audit simulate` end to end: on a
//! synthetic election logged by `testigo synth --log` (winner and runner-up
//! checked against `tally --json`, the draws against U), simulations
//! reproduced by their seed, and the Venezuela demo's plan.

use crate::common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// A logged synthetic election of 200 tables (seed 5); returns the data directory.
fn synth(root: &Path) -> std::path::PathBuf {
    synth_logged(root, "200", "5", "0")
}

/// The number after `label` in `text` (up to the next space, comma or semicolon).
fn number_after(text: &str, label: &str) -> f64 {
    let rest = &text[text.find(label).unwrap_or_else(|| panic!("{label:?} in {text}")) + label.len()..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    rest[..end].parse().unwrap_or_else(|e| panic!("{label:?} in {text}: {e}"))
}

/// The national candidates by votes, most first: (votes, id).
fn national_order(d: &str) -> Vec<(u64, String)> {
    let tally: Value = serde_json::from_str(&run_ok(&["tally", "--dir", d, "--json"])).unwrap();
    let mut cands: Vec<(u64, String)> = tally["contests"][0]["national"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["votes"].as_u64().unwrap(), c["id"].as_str().unwrap().to_string()))
        .collect();
    cands.sort_by(|a, b| b.cmp(a));
    cands
}

#[test]
fn plan_names_the_tally_leaders_and_draws_follow_from_u() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(tmp.path());
    let d = dir.to_str().unwrap();
    let tally: Value = serde_json::from_str(&run_ok(&["tally", "--dir", d, "--json"])).unwrap();
    let cands = national_order(d);

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
    // (The last line says how long the run took, which varies.)
    let plan = |o: &str| o.rsplit_once("(log entries counted").map_or(o.to_string(), |(p, _)| p.to_string());
    assert_eq!(plan(&run_ok(&["audit", "plan", "--dir", d, "--risk-limit", "5%"])), plan(&out));
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

/// The reported votes of a table, as the audit sees them (the counted
/// figures of the log as it stood at `size` entries).
fn reported(dir: &Path, size: u64, table: &str) -> Vec<(String, u64)> {
    let copy = testigo_store::DataDir::open_copy(dir).unwrap();
    let replayed = testigo_replay::replay_data_dir(&copy).unwrap();
    let reg = replayed.replay.registry();
    let election = reg.election().unwrap();
    let ev = testigo_tally::Evidence::from_registry_before(reg, size);
    let tally = testigo_tally::tabulate(election, reg.geography(), &ev, &Default::default());
    let t = reg.geography().find_table(table).unwrap();
    let v = tally.contests[0].counted(&ev, t).unwrap();
    election.contests[0].candidates.iter().map(|c| c.id.clone()).zip(v.votes).collect()
}

/// The tables `audit status` lists as still to count.
fn to_count(status: &str) -> Vec<String> {
    status
        .lines()
        .filter(|l| l.ends_with("to count by hand"))
        .map(|l| l.split("table ").nth(1).unwrap().split(' ').next().unwrap().to_string())
        .collect()
}

fn count(d: &str, key: &Path, audit: &str, table: &str, votes: &[(String, u64)]) {
    let mut args: Vec<String> =
        ["audit", "count", "--dir", d, "--key", key.to_str().unwrap(), "--audit", audit, "--table", table]
            .iter()
            .map(|s| s.to_string())
            .collect();
    for (id, n) in votes {
        args.push("--vote".into());
        args.push(format!("{id}={n}"));
    }
    run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
}

/// A logged audit from seed to verdict: opened on the current checkpoint
/// with public dice, its draws recomputed from the log, the board's signed
/// hand counts taken in, the verdict met when the paper agrees, escalation
/// when a table was misreported, and the same answer from a copy of the log.
#[test]
fn a_logged_audit_draws_takes_hand_counts_and_reaches_a_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(tmp.path());
    let d = dir.to_str().unwrap();
    let auditor = key("board.audit.example", 77);
    let auditor_file = write_key(tmp.path(), &auditor);
    enroll(&dir, &auditor, "auditor", None, &[]);
    let out = run_ok(&["audit", "open", "--dir", d, "--risk-limit", "0.05", "--dice", "6 2 5 1 3 3 4 6 1 2 5 4"]);
    let audit = out.split("log index ").nth(1).unwrap().split(':').next().unwrap().to_string();
    let size: u64 = number_after(&out, "checkpoint size ") as u64;

    let status = run_ok(&["audit", "status", "--dir", d]);
    assert!(status.contains("waiting for the hand counts listed"), "{status}");
    let drawn = to_count(&status);
    let initial: usize =
        status.split(" draws if no error").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(drawn.len(), initial, "{status}");
    // A witness key may not sign a hand count.
    let witness = key("not.an.auditor.example", 78);
    let witness_file = write_key(tmp.path(), &witness);
    enroll(&dir, &witness, "witness", None, &[]);
    let refused = bin()
        .args([
            "audit",
            "count",
            "--dir",
            d,
            "--key",
            witness_file.to_str().unwrap(),
            "--audit",
            &audit,
            "--table",
            &drawn[0],
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("wrong_role"));

    // The paper agrees with every drawn table: the risk limit is met.
    let mut distinct = drawn.clone();
    distinct.sort();
    distinct.dedup();
    for t in &distinct {
        count(d, &auditor_file, &audit, t, &reported(&dir, size, t));
    }
    let met = run_ok(&["audit", "status", "--dir", d]);
    assert!(met.contains("RISK LIMIT MET"), "{met}");
    assert!(to_count(&met).is_empty(), "{met}");
    // `verify` recomputes the verdict from the log, and so does the server.
    let vkey = dir.join("log.vkey");
    let verified = run_ok(&["verify", "--key", vkey.to_str().unwrap(), "--no-state", d]);
    let line =
        verified.lines().find(|l| l.contains(&format!("audit at {audit}:"))).unwrap_or_else(|| panic!("{verified}"));
    assert!(line.ends_with("risk_limit_met"), "{line}");
    // `tally` recomputes it too, in the same words.
    let tallied = run_ok(&["tally", "--dir", d]);
    assert!(tallied.lines().any(|l| l == line), "{line}\n---\n{tallied}");
    let server = Server::start(&dir, &[]);
    let doc: Value = reqwest::blocking::get(format!("{}/v1/audits", server.url)).unwrap().json().unwrap();
    // The website's questions page shows the same verdict beside the forensics, with its charts.
    let page = reqwest::blocking::get(format!("{}/en/questions.html", server.url)).unwrap().text().unwrap();
    assert!(page.contains(&format!("Audit opened at entry {audit}:")), "{page}");
    assert!(page.contains("Risk limit met: the hand counts confirm the reported outcome."), "{page}");
    assert!(page.contains("Second digit of ballots cast") && page.contains("charts/fingerprint.svg"), "{page}");
    let chart = reqwest::blocking::get(format!("{}/es/charts/fingerprint.svg", server.url)).unwrap();
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    let svg = chart.text().unwrap();
    assert!(svg.contains("<svg") && svg.contains("Huella"), "the chart speaks the page's language");
    let png = reqwest::blocking::get(format!("{}/pt/charts/turnout.png", server.url)).unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    assert!(png.bytes().unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
    let missing = reqwest::blocking::get(format!("{}/es/charts/nope.svg", server.url)).unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    server.stop();
    let served = &doc["audits"][0];
    assert_eq!(served["verdict"], "risk_limit_met", "{doc}");
    let served_tables: Vec<&str> =
        served["draws"].as_array().unwrap().iter().map(|d| d["table"].as_str().unwrap()).collect();
    let status_tables: Vec<String> = met
        .lines()
        .filter(|l| l.contains("  draw "))
        .map(|l| l.split("table ").nth(1).unwrap().split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(served_tables, status_tables);
    let printed: Value = serde_json::from_str(&run_ok(&["audit", "status", "--dir", d, "--json"])).unwrap();
    assert_eq!(printed, doc, "`audit status --json` prints what the server serves");
    // A copy of the log recomputes the same draws and verdict.
    let mirror = tmp.path().join("mirror");
    run_ok(&["mirror", d, mirror.to_str().unwrap(), "--key", dir.join("log.vkey").to_str().unwrap()]);
    let again = run_ok(&["audit", "status", "--dir", mirror.to_str().unwrap()]);
    assert_eq!(again, met);

    // The board recounts the first table and finds 30 of the winner's votes
    // were the runner-up's: the audit asks for more tables.
    let mut wrong = reported(&dir, size, &drawn[0]);
    // The national winner and runner-up (the audit's pair), by the tally.
    let national = national_order(d);
    let position = |id: &str| wrong.iter().position(|(c, _)| c == id).unwrap();
    let (winner, runner) = (position(&national[0].1), position(&national[1].1));
    let moved = wrong[winner].1.min(30);
    wrong[winner].1 -= moved;
    wrong[runner].1 += moved;
    count(d, &auditor_file, &audit, &drawn[0], &wrong);
    let escalated = run_ok(&["audit", "status", "--dir", d]);
    let draws = |s: &str| s.lines().filter(|l| l.contains("  draw ")).count();
    // The error's taint is shown, and the audit draws beyond its first round
    // (those draws may land on tables already counted: draws are with
    // replacement), ending in a verdict or waiting for more hand counts.
    let first = escalated.lines().find(|l| l.contains("draw   1:")).unwrap();
    assert!(first.contains(&drawn[0]) && !first.ends_with("taint 0.000000"), "{escalated}");
    assert!(draws(&escalated) > draws(&met), "{met}\n---\n{escalated}");

    // An audit whose seed names another root is not bound to this log:
    // `verify` and `audit status` both refuse it.
    let operator = testigo_store::DataDir::new(&dir).operator().unwrap();
    let bad = testigo_election::Entry::AuditSeed(testigo_election::AuditSeed {
        contest: "president".into(),
        method: "batch_comparison".into(),
        risk_limit_ppm: 50_000,
        dice: "1 1 1 1".into(),
        checkpoint_size: size,
        checkpoint_root: "00".repeat(32),
        signed_at: now(),
    });
    let server = Server::start(&dir, &[]);
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/submissions", server.url))
        .json(&serde_json::json!({ "entry": signed_entry(&bad, &operator) }))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().unwrap());
    server.stop();
    let refused = bin().args(["verify", "--key", vkey.to_str().unwrap(), "--no-state", d]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("after the results were known"));
    let status = bin().args(["audit", "status", "--dir", d]).output().unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&status.stdout).contains("NOT BOUND"));
}

/// `testigo report --questions` adds the forensics findings in words, with
/// their charts, and what an audit at 5% would hand-count.
#[test]
fn the_report_questions_the_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(tmp.path());
    let out = tmp.path().join("r.html");
    run_ok(&["report", "--dir", dir.to_str().unwrap(), "--out", out.to_str().unwrap(), "--questions"]);
    let html = std::fs::read_to_string(&out).unwrap();
    let section = &html[html.find("Questioning the numbers").expect("the section")..];
    for needle in
        ["Second digits of ballots cast", "Integer percentages", "risk-limiting audit", "No test here proves fraud"]
    {
        assert!(section.contains(needle) || html.contains(needle), "{needle}");
    }
    assert!(section.matches("<svg").count() >= 3, "charts embedded");
    assert!(!section.contains("<?xml"), "no XML declaration inside HTML");
    // Without the flag, no section.
    run_ok(&["report", "--dir", dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(!std::fs::read_to_string(&out).unwrap().contains("Questioning the numbers"));
}
