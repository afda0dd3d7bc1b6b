//! End to end: the Venezuela demo served on loopback by `testigo serve` and
//! verified over HTTP by a second process, `testigo verify URL`.

mod common;

use common::*;

#[test]
fn venezuela_demo_verified_over_http_by_a_second_process() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let d = dir.to_str().unwrap();
    run_ok(&["demo", "--dir", d, "--no-serve", "--quiet"]);
    let server = Server::start(&dir, &[]);
    let vkey = dir.join("log.vkey");
    let out = bin()
        .args(["verify", &server.url, "--key", vkey.to_str().unwrap(), "--no-state"])
        .output()
        .expect("run testigo verify");
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "verify failed: {text}");
    assert!(text.contains("log verified"), "{text}");
    assert!(text.contains(&server.url), "the report names the source: {text}");
    let sheets = text.lines().find(|l| l.trim_start().starts_with("sheets:")).unwrap_or_else(|| panic!("{text}"));
    assert_eq!(sheets.split_whitespace().last(), Some("49605"), "{text}");

    // A key with the log's name but another secret must be refused: the check is real.
    let name = std::fs::read_to_string(&vkey).unwrap().trim().split('+').next().unwrap().to_string();
    let other = key(&name, 7).verifier().to_vkey();
    let bad = bin().args(["verify", &server.url, "--key", &other, "--no-state"]).output().unwrap();
    assert!(!bad.status.success(), "verify accepted the demo under another key");
    server.stop();
}
