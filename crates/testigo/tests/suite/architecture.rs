//! The workspace's layering, checked from `cargo metadata` and the sources,
//! so that a dependency pointing the wrong way fails the build's tests
//! instead of waiting for a review (ARCHITECTURE.md describes the layers).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Workspace crates and the workspace crates each depends on, transitively.
fn workspace_closure() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Resolved for this machine's platform only: a fresh machine's registry
    // cache holds just the packages this platform builds, and `--offline`
    // metadata for every platform would need the others downloaded too.
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc).arg("-vV").output().expect("run rustc -vV");
    let version = String::from_utf8(version.stdout).expect("rustc -vV prints UTF-8");
    let host = version.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV names the host");
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform", host])
        .current_dir(&root)
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: BTreeSet<&str> =
        meta["workspace_members"].as_array().unwrap().iter().filter_map(|m| m.as_str()).collect();
    let name_of: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    // Normal (non-dev, non-build) dependencies only: what ships in the library.
    let mut direct: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let id = node["id"].as_str().unwrap();
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()));
        direct.insert(id, deps.map(|d| d["pkg"].as_str().unwrap()).collect());
    }
    let mut closure = BTreeMap::new();
    for &m in &members {
        let mut seen = BTreeSet::new();
        let mut stack = vec![m];
        while let Some(id) = stack.pop() {
            for &d in direct.get(id).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(d) {
                    stack.push(d);
                }
            }
        }
        closure.insert(name_of[m].to_string(), seen.iter().map(|id| name_of[id].to_string()).collect());
    }
    closure
}

#[test]
fn offline_crates_do_not_depend_on_the_server_and_layers_point_one_way() {
    let closure = workspace_closure();
    let deps = |krate: &str| closure.get(krate).unwrap_or_else(|| panic!("{krate} is not a workspace member"));
    let offline = [
        "testigo-note",
        "testigo-tlog",
        "testigo-formats",
        "testigo-election",
        "testigo-documents",
        "testigo-scan",
        "testigo-datasets",
        "testigo-store",
        "testigo-replay",
        "testigo-tally",
        "testigo-synth",
        "testigo-verify",
        "testigo-site",
        "testigo-audit",
        "testigo-forensics",
        "testigo-objstore",
    ];
    for krate in offline {
        assert!(!deps(krate).contains("testigo-server"), "{krate} depends on testigo-server: {:?}", deps(krate));
    }
    // The log knows nothing of elections, nor of their documents.
    for lower in ["testigo-note", "testigo-tlog", "testigo-verify", "testigo-witness"] {
        for upper in ["testigo-election", "testigo-formats", "testigo-documents", "testigo-tally", "testigo-replay"] {
            assert!(!deps(lower).contains(upper), "{lower} depends on {upper}");
        }
    }
    // Object storage stores what the log and the photo store hand it: no election rules.
    for upper in [
        "testigo-election",
        "testigo-formats",
        "testigo-documents",
        "testigo-tally",
        "testigo-replay",
        "testigo-verify",
    ] {
        assert!(!deps("testigo-objstore").contains(upper), "testigo-objstore depends on {upper}");
    }
    // Photo reading knows pixels and QR codes, not what the codes mean: the
    // document formats use it, not the other way round.
    for upper in ["testigo-election", "testigo-documents", "testigo-tally", "testigo-replay"] {
        assert!(!deps("testigo-scan").contains(upper), "testigo-scan depends on {upper}");
    }
    // The rules do no I/O: no runtime, no network, no storage.
    for rules in ["testigo-election", "testigo-formats", "testigo-tally", "testigo-documents", "testigo-forensics"] {
        for io in ["tokio", "reqwest", "axum", "hyper", "testigo-store", "testigo-tlog"] {
            assert!(!deps(rules).contains(io), "{rules} depends on {io}");
        }
    }
    // Audit mathematics is pure: no runtime, network, storage or log.
    for io in ["tokio", "reqwest", "axum", "hyper", "testigo-store", "testigo-tlog", "testigo-replay"] {
        assert!(!deps("testigo-audit").contains(io), "testigo-audit depends on {io}");
    }
    // The website is rendered, not served, by its crate: no server, network or storage
    // (it opens checkpoints with the log crate, whose own dependencies include a runtime).
    for io in ["reqwest", "axum", "hyper", "testigo-store", "testigo-server"] {
        assert!(!deps("testigo-site").contains(io), "testigo-site depends on {io}");
    }
}

#[test]
fn the_cli_offline_commands_do_not_use_the_server_crate() {
    let cmd = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cmd");
    for file in [
        "verify.rs",
        "verify_photos.rs",
        "mirror.rs",
        "tally.rs",
        "report.rs",
        "qr.rs",
        "keys.rs",
        "log.rs",
        "site.rs",
        "audit.rs",
        "forensics.rs",
    ] {
        let text = std::fs::read_to_string(cmd.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!text.contains("testigo_server"), "src/cmd/{file} uses testigo_server: offline commands must not");
    }
}
