//! `testigo import` from any source (issue "any source of sheets"): the same
//! tables imported from a second and a third source in each of testigo's
//! layouts (CSV, JSON Lines, acta QR payloads); a source that omits null
//! votes makes no conflict while a real disagreement is flagged; tables added
//! with `geography add` accept sheets afterwards; `import --check` passes on
//! the file imported and fails, naming the row, on a copy with one changed
//! digit; a unit whose table count nobody declared reports "unknown"
//! coverage in text, JSON, CSV and the HTML report, until `geography
//! declare` gives it one.

use crate::common::*;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// `testigo init` of `election` and `tables` into `root/D`, with a fixed operator key.
fn init(root: &Path, election: &Path, tables: &Path) -> PathBuf {
    let dir = root.join("D");
    let operator = write_key(root, &key("operator.example", 1));
    let arg = |p: &Path| p.to_str().unwrap().to_string();
    run_ok(&[
        "init",
        "--dir",
        &arg(&dir),
        "--election",
        &arg(election),
        "--tables",
        &arg(tables),
        "--operator-key",
        &arg(&operator),
    ]);
    dir
}

/// The documented example election (six tables, candidates NM, EG, OT; NM's
/// cards psuv, pcv and EG's untc, mpv, mud in the acta QR), with three
/// importer keys of three organisations. Returns (data dir, key files).
fn example(root: &Path) -> (PathBuf, Vec<PathBuf>) {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/example");
    let dir = init(root, &docs.join("election.toml"), &docs.join("tables.csv"));
    let mut keys = Vec::new();
    for (i, org) in ["Decoders", "Party", "Observers"].iter().enumerate() {
        let signer = key(&format!("importer{i}.example"), 10 + i as u8);
        let file = write_key(root, &signer);
        run_ok(&[
            "enroll",
            "--dir",
            dir.to_str().unwrap(),
            "--key",
            &signer.verifier().to_vkey(),
            "--role",
            "importer",
            "--holder",
            org,
            "--organisation",
            org,
        ]);
        keys.push(file);
    }
    (dir, keys)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn import(dir: &Path, key: &Path, format: &str, file: &Path) -> String {
    run_ok(&[
        "import",
        "--dir",
        dir.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--format",
        format,
        "--quiet",
        file.to_str().unwrap(),
    ])
}

fn tally(dir: &Path) -> Value {
    serde_json::from_str(&run_ok(&["tally", "--dir", dir.to_str().unwrap(), "--json", "--level", "all"])).unwrap()
}

/// The national state counts of the first contest.
fn states(t: &Value) -> (u64, u64, u64, u64) {
    let tables = &t["contests"][0]["national"]["tables"];
    let n = |k: &str| tables[k].as_u64().unwrap();
    (n("single"), n("corroborated"), n("conflicting"), n("missing"))
}

#[test]
fn three_sources_in_three_layouts_conflict_only_where_they_disagree() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, keys) = example(tmp.path());
    // Source 1: the full CSV, with image references.
    let a = tmp.path().join("decoders.csv");
    std::fs::write(
        &a,
        "table,NM,EG,OT,valid,null,source_ref\n\
         010101001.01,100,300,5,405,7,https://img.example/1.jpg\n\
         010113042.01,120,232,0,352,3,https://img.example/2.jpg\n\
         130501005.01,50,60,1,111,2,\n",
    )
    .unwrap();
    let out = import(&dir, &keys[0], "testigo-csv", &a);
    assert!(out.contains("3 sheets logged, 0 rejected"), "{out}");

    // Source 2: JSON Lines without null votes (and without OT at one table):
    // agrees on what it reports, except one real disagreement on NM.
    let b = tmp.path().join("party.jsonl");
    std::fs::write(
        &b,
        "{\"table\":\"010101001.01\",\"NM\":100,\"EG\":300,\"OT\":5}\n\
         \n\
         {\"table\":\"010113042.01\",\"NM\":121,\"EG\":232,\"OT\":0,\"null\":null}\n\
         {\"table\":\"130501005.01\",\"NM\":50,\"EG\":60}\n",
    )
    .unwrap();
    let out = import(&dir, &keys[1], "testigo-jsonl", &b);
    assert!(out.contains("3 sheets logged, 0 rejected") && out.contains("conflicts_with_earlier: 1"), "{out}");

    // Source 3: acta QR payloads (per-card counts; null votes in the code).
    let c = tmp.path().join("qr.txt");
    std::fs::write(&c, "010101001.01.1.0001!90,10,200,60,40!7!0\n010113042.01.1.0001!100,20,200,32,0!3!0\n").unwrap();
    let out = import(&dir, &keys[2], "venezuela-acta-qr", &c);
    // The QR carries no count for OT (no card), so OT reads 0: table 1's
    // sources 1 and 2 say 5, a real disagreement; at table 2 the QR agrees
    // with source 1 and so disagrees with source 2's NM.
    assert!(out.contains("2 sheets logged, 0 rejected") && out.contains("conflicts_with_earlier: 2"), "{out}");

    let t = tally(&dir);
    // 010113042.01: source 2 disagrees on NM; 010101001.01: source 3 on OT;
    // 130501005.01: source 2 omits null and OT, agrees with source 1.
    assert_eq!(states(&t), (0, 1, 2, 3), "{}", t["contests"][0]["national"]["tables"]);
    let conflicts = t["contests"][0]["conflicting_tables"].as_array().unwrap();
    assert_eq!(conflicts.len(), 2);
    // The QR sheet's payload was checked against its counts at every replay: no qr flags.
    let flags = &t["contests"][0]["national"]["flags"];
    for f in flags.as_array().unwrap() {
        if f["code"].as_str().unwrap().starts_with("qr_") {
            assert_eq!(f["sheets"], 0, "{f}");
        }
    }
    // Provenance: the first source's sheets carry the image URL.
    let entries = log_entries(&dir);
    let first = entries.iter().map(|e| String::from_utf8_lossy(e).into_owned()).find(|e| e.contains("decoders.csv"));
    assert!(first.unwrap().contains("\"reference\":\"https://img.example/1.jpg\""));
    // Each import logged a manifest with the file's digest and counts.
    let manifests: Vec<String> = entries
        .iter()
        .map(|e| String::from_utf8_lossy(e).into_owned())
        .filter(|e| e.starts_with("testigo/v1 import\n"))
        .collect();
    assert_eq!(manifests.len(), 3, "{manifests:?}");
    assert!(manifests[1].contains("\"name\":\"party.jsonl\"") && manifests[1].contains("\"rows\":3,\"sheets\":3"));
}

#[test]
fn import_check_passes_on_the_file_and_names_a_changed_digit() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, keys) = example(tmp.path());
    let file = tmp.path().join("decodes.csv");
    let body = "table,NM,EG,OT,null\n010101001.01,100,300,5,7\n010113042.01,120,232,0,\n";
    std::fs::write(&file, body).unwrap();
    import(&dir, &keys[0], "testigo-csv", &file);
    let check = |f: &Path| {
        run(&["import", "--dir", dir.to_str().unwrap(), "--format", "testigo-csv", "--check", f.to_str().unwrap()])
    };
    let ok = check(&file);
    assert!(ok.status.success() && text(&ok).contains("faithful"), "{}", text(&ok));

    let changed = tmp.path().join("copy").join("decodes.csv");
    std::fs::create_dir_all(changed.parent().unwrap()).unwrap();
    std::fs::write(&changed, body.replace("120,232", "120,233")).unwrap();
    let bad = check(&changed);
    let out = text(&bad);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains("a DIFFERENT file") && out.contains("NOT faithful"), "{out}");
    assert!(out.contains("line 3 differs") && out.contains("EG: 233 in the file, 232 in the log"), "{out}");

    // The same bytes under another name are the file imported.
    let renamed = tmp.path().join("renamed.csv");
    std::fs::write(&renamed, body).unwrap();
    let ok = check(&renamed);
    assert!(ok.status.success() && text(&ok).contains("faithful"), "{}", text(&ok));
    // A file that was never imported is not faithful.
    let other = tmp.path().join("other.csv");
    std::fs::write(&other, body.replace("100,300", "101,300")).unwrap();
    let out = check(&other);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("no import of a file of this name"), "{}", text(&out));
    assert!(text(&out).contains("--as NAME") && text(&out).contains("decodes.csv (2 rows"), "{}", text(&out));
    // Compared as the file imported under that name, the changed row is named.
    let out = run(&[
        "import",
        "--dir",
        dir.to_str().unwrap(),
        "--format",
        "testigo-csv",
        "--check",
        "--as",
        "decodes.csv",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("line 2 differs") && text(&out).contains("NM: 101 in the file, 100 in the log"));
}

#[test]
fn a_table_added_to_the_geography_accepts_sheets_afterwards() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, keys) = example(tmp.path());
    let file = tmp.path().join("new.csv");
    std::fs::write(&file, "table,NM,EG,OT\n020101001.01,1,2,3\n").unwrap();
    let args = ["import", "--dir", dir.to_str().unwrap(), "--key", keys[0].to_str().unwrap(), "--format"];
    let refused = run(&[&args[..], &["testigo-csv", "--quiet", file.to_str().unwrap()]].concat());
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("unknown_table"), "{}", text(&refused));

    let more = tmp.path().join("more.csv");
    std::fs::write(
        &more,
        "state,state_name,municipality,municipality_name,parish,parish_name,centre,centre_name,table,registered\n\
         01,Distrito Capital,01.01,Libertador,01.01.13,El Recreo,010113042,,010113042.01,666\n\
         02,Anzoátegui,02.01,Anaco,02.01.01,Anaco,020101001,,020101001.01,300\n",
    )
    .unwrap();
    let out = run_ok(&["geography", "add", "--dir", dir.to_str().unwrap(), more.to_str().unwrap()]);
    assert!(out.contains("added 4 units and 1 tables"), "{out}");
    // Adding again adds nothing; changing a logged table is refused.
    assert!(run_ok(&["geography", "add", "--dir", dir.to_str().unwrap(), more.to_str().unwrap()]).contains("nothing"));
    std::fs::write(&more, std::fs::read_to_string(&more).unwrap().replace(",666", ",667")).unwrap();
    let changed = run(&["geography", "add", "--dir", dir.to_str().unwrap(), more.to_str().unwrap()]);
    assert!(!changed.status.success() && text(&changed).contains("never change"), "{}", text(&changed));

    let out = import(&dir, &keys[0], "testigo-csv", &file);
    assert!(out.contains("1 sheets logged, 0 rejected"), "{out}");
    // verify replays the same log, geography entries after init included.
    let vkey = dir.join("log.vkey");
    run_ok(&["verify", "--key", vkey.to_str().unwrap(), "--no-state", dir.to_str().unwrap()]);
}

#[test]
fn unknown_denominators_say_unknown_everywhere_until_declared() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/example");
    // The example election, declaring more tables than its list has: no
    // state's own list is then known to be complete.
    let toml =
        std::fs::read_to_string(docs.join("election.toml")).unwrap().replace("total_tables = 6", "total_tables = 9");
    std::fs::write(tmp.path().join("election.toml"), toml).unwrap();
    let dir = init(tmp.path(), &tmp.path().join("election.toml"), &docs.join("tables.csv"));
    let importer = key("importer.example", 9);
    let importer_file = write_key(tmp.path(), &importer);
    enroll(&dir, &importer, "importer", None, &[]);
    let file = tmp.path().join("s.csv");
    std::fs::write(&file, "table,NM,EG,OT,null\n010101001.01,100,300,5,7\n130501005.01,50,60,1,2\n").unwrap();
    import(&dir, &importer_file, "testigo-csv", &file);
    let d = dir.to_str().unwrap();

    let t = tally(&dir);
    let state = |t: &Value, id: &str| {
        t["contests"][0]["units"].as_array().unwrap().iter().find(|u| u["id"] == id).unwrap().clone()
    };
    let capital = state(&t, "01");
    assert_eq!(capital["tables"]["denominator"], "unknown");
    assert_eq!(capital["coverage_tables_percent"], Value::Null);
    assert_eq!(capital["certainty"]["verdict"], "unknown");
    assert_eq!(capital["certainty"]["unknown_bound"], "unbounded");
    // The nation has a declared count: its coverage and verdict stand.
    assert_eq!(t["contests"][0]["national"]["tables"]["denominator"], "declared");
    assert_ne!(t["contests"][0]["national"]["certainty"]["verdict"], "unknown");

    let text_out = run_ok(&["tally", "--dir", d]);
    assert!(text_out.contains("1/?") && text_out.contains("verdict unknown"), "{text_out}");
    let csv = run_ok(&["tally", "--dir", d, "--csv"]);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row = csv.lines().find(|l| l.split(',').nth(2) == Some("01")).unwrap_or_else(|| panic!("{csv}"));
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[col("coverage_tables_percent")], "unknown", "{row}");
    assert_eq!(cells[col("tables_denominator")], "unknown", "{row}");
    assert_eq!(cells[col("verdict")], "unknown", "{row}");
    let html_path = tmp.path().join("r.html");
    run_ok(&["report", "--dir", d, "--out", html_path.to_str().unwrap()]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("unknown"), "the report must say the coverage is unknown");

    // Declared totals give the state a denominator back.
    let totals = tmp.path().join("totals.csv");
    std::fs::write(&totals, "unit,tables,registered,source\n01,3,2099,Gazette 1\n").unwrap();
    let out = run_ok(&["geography", "declare", "--dir", d, totals.to_str().unwrap()]);
    assert!(out.contains("declared totals for 1 units"), "{out}");
    let t = tally(&dir);
    let capital = state(&t, "01");
    assert_eq!(capital["tables"]["denominator"], "declared");
    assert_eq!(capital["tables"]["total"], 3);
    assert!((capital["coverage_tables_percent"].as_f64().unwrap() - 100.0 / 3.0).abs() < 0.01);
    assert_ne!(capital["certainty"]["verdict"], "unknown");
    // Its municipality lies inside a complete list now (3 declared, 3 listed).
    assert_eq!(state(&t, "01.01")["tables"]["denominator"], "listed");
    // Miranda still has none.
    assert_eq!(state(&t, "13")["tables"]["denominator"], "unknown");
    // A declaration for a unit that does not exist is refused, naming it.
    std::fs::write(&totals, "unit,tables,registered,source\n99,3,,Gazette 1\n").unwrap();
    let bad = run(&["geography", "declare", "--dir", d, totals.to_str().unwrap()]);
    assert!(!bad.status.success() && text(&bad).contains("\"99\""), "{}", text(&bad));
}
