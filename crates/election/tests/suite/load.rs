//! Loading the election TOML and the tables CSV: the example files load, and
//! errors name the file, the line and what to fix.

use testigo_election::*;

const EXAMPLE_TOML: &str = include_str!("../../testdata/example-election.toml");
const EXAMPLE_CSV: &str = include_str!("../../testdata/example-tables.csv");
const OPERATOR: &str = "operator.testigo.example+dd9b5c34+ARl/ayPhbIUyxqvIOPrNXqeJvgx2spIDNAOb+os9No1h";

fn levels() -> Vec<String> {
    ["state", "municipality", "table"].map(String::from).to_vec()
}

#[test]
fn example_files_load() {
    let def = load_election(EXAMPLE_TOML, "example-election.toml").unwrap();
    assert_eq!(def.id, "ve-2024-presidential");
    assert_eq!(def.date, "2024-07-28");
    assert_eq!(def.total_tables, Some(30_026));
    assert_eq!(def.registry, Some(21_392_464));
    assert_eq!(def.contests[0].candidates[0].cards.len(), 2);
    assert_eq!(def.operator_verifier().unwrap().to_vkey(), OPERATOR);
    let geo = load_tables_csv(&def.levels, EXAMPLE_CSV, "example-tables.csv").unwrap();
    assert_eq!(geo.table_count(), 4);
    assert_eq!(geo.unit_count(), 2 + 2 + 3 + 3);
    let t = geo.find_table("010102003.01").unwrap();
    assert_eq!(geo.table_registered(t), None);
    let centre = geo.table_unit(t);
    assert_eq!(geo.unit_name(centre), "Liceo \"Andrés Bello\"");
    let names: Vec<&str> = geo.ancestors(t).map(|u| geo.unit_name(u)).collect();
    assert_eq!(names, ["Liceo \"Andrés Bello\"", "Antímano", "Libertador", "Distrito Capital"]);
    let state = geo.find_unit("01").unwrap();
    assert_eq!(geo.unit_children(state).count(), 1);
    assert_eq!(geo.registered_total(), 512 + 509 + 488);
}

#[test]
fn max_table_voters_defaults() {
    let text = EXAMPLE_TOML.replace("max_table_voters = 5000\n", "");
    assert_eq!(load_election(&text, "e.toml").unwrap().max_table_voters, DEFAULT_MAX_TABLE_VOTERS);
}

fn toml_err(from: &str, to: &str) -> LoadError {
    assert!(EXAMPLE_TOML.contains(from), "fixture lacks {from:?}");
    load_election(&EXAMPLE_TOML.replacen(from, to, 1), "e.toml").unwrap_err()
}

fn line_of(needle: &str) -> usize {
    EXAMPLE_TOML.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn toml_errors_name_file_and_line() {
    let e = toml_err("registry = 21392464", "registy = 21392464");
    assert_eq!((e.file.as_str(), e.line), ("e.toml", Some(line_of("registry ="))));
    assert!(e.message.contains("registy"), "{e}");
    assert!(e.to_string().starts_with(&format!("e.toml:{}: ", line_of("registry ="))), "{e}");

    let e = toml_err("total_tables = 30026", "total_tables = -1");
    assert_eq!(e.line, Some(line_of("total_tables")), "{e}");

    let e = toml_err("date = 2024-07-28", "date = \"28/07/2024\"");
    assert_eq!(e.line, Some(line_of("date =")));
    assert!(e.message.contains("2024-07-28"), "{e}");

    let e = toml_err("id = \"gonzalez\"", "id = \"maduro\"");
    assert_eq!(e.line, Some(line_of("id = \"gonzalez\"")));
    assert!(e.message.contains("used twice"), "{e}");

    let e = toml_err("{ id = \"unt\"", "{ id = \"psuv\"");
    assert_eq!(e.line, Some(line_of("id = \"unt\"")));

    let e =
        toml_err("operator = \"operator.testigo.example+dd9b5c34", "operator = \"operator.testigo.example+dd9b5c35");
    assert_eq!(e.line, Some(line_of("operator =")));
    assert!(e.message.contains("operator key"), "{e}");

    let e = toml_err("levels = [\"state\", ", "levels = [\"table\", ");
    assert_eq!(e.line, Some(line_of("levels =")));

    let e = toml_err("max_table_voters = 5000", "max_table_voters = 0");
    assert_eq!(e.line, Some(line_of("max_table_voters")));

    let e = load_election("id = \"x\"\n", "short.toml").unwrap_err();
    assert_eq!(e.file, "short.toml");
    assert!(e.message.contains("missing field"), "{e}");
}

fn csv_err(text: &str) -> LoadError {
    load_tables_csv(&levels(), text, "tables.csv").unwrap_err()
}

#[test]
fn csv_errors_name_file_and_line() {
    let e = csv_err("state,province,table\n");
    assert_eq!((e.file.as_str(), e.line), ("tables.csv", Some(1)));
    assert!(e.message.contains("unknown column \"province\""), "{e}");
    assert!(e.to_string().starts_with("tables.csv:1: "), "{e}");

    let e = csv_err("state,table\n");
    assert!(e.message.contains("missing column \"municipality\""), "{e}");

    let e = csv_err("state,municipality,table,table\n");
    assert!(e.message.contains("twice"), "{e}");

    let e = csv_err("state,municipality,table\nS1,M1,T1\nS1,M1,T2\nS1,M1,T1\n");
    assert_eq!(e.line, Some(4));
    assert!(e.message.contains("duplicate table id \"T1\" (first on line 2)"), "{e}");

    let e = csv_err("state,municipality,table\nS1,M1,T1\nS2,M1,T2\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("parent mismatch"), "{e}");

    let e = csv_err("state,municipality,table,registered\nS1,M1,T1,12\nS1,M1,T2,twelve\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("registered \"twelve\""), "{e}");

    let e = csv_err("state,municipality,table,registered\nS1,M1,T1,-3\n");
    assert_eq!(e.line, Some(2));

    let e = csv_err("state,municipality,table\nS1,M1,T1\nS1,M1\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("fields"), "{e}");

    let e = csv_err("state,municipality,table\nS1,,T1\n");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("empty \"municipality\""), "{e}");

    let e = csv_err("state,municipality,table\nS1,S1,T1\n");
    assert!(e.message.contains("unique across levels"), "{e}");

    let e = csv_err("state,state_name,municipality,table\nS1,One,M1,T1\nS1,Uno,M2,T2\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("named \"One\" on line 2"), "{e}");

    let e = csv_err("state,municipality,table\nS1,M 1,T1\n");
    assert!(e.message.contains("spaces"), "{e}");

    // A quoted name spanning lines is refused (names travel in one-line JSON
    // and must not carry control characters), at the line the record starts.
    let e = csv_err("state,state_name,municipality,table\nS1,\"Two\nlines\",M1,T1\n");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.contains("control characters"), "{e}");
    // After a multi-line record, lines are still counted in the file.
    let e = csv_err("state,state_name,municipality,table\n\"S\n1\",x,M1,T1\nS1,x,M1,T1\n");
    assert_eq!(e.line, Some(2), "{e}");
}

#[test]
fn csv_loads_many_tables() {
    // 100,000 tables; `cargo test --release -- --ignored` times the million.
    let (geo, _) = load_many(100_000);
    assert_eq!(geo.unit_count(), 24 + 2_500);
}

#[test]
#[ignore = "timing: run with --release -- --ignored"]
fn csv_loads_a_million_tables_quickly() {
    let (geo, took) = load_many(1_000_000);
    eprintln!("1,000,000 tables loaded in {took:?}, ~{} MiB of geography", geo.heap_bytes() >> 20);
    assert!(took.as_millis() < 1_000, "took {took:?}");
}

/// Builds a CSV of `n` tables (40 per centre, 24 states) and times loading it.
fn load_many(n: usize) -> (Geography, std::time::Duration) {
    let mut csv = String::from("state,municipality,table,registered\n");
    for i in 0..n {
        let centre = i / 40;
        let state = centre % 24;
        csv.push_str(&format!(
            "{state:02},{state:02}{centre:07},{state:02}{centre:07}.{:02},{}\n",
            i % 40,
            300 + i % 200
        ));
    }
    let start = std::time::Instant::now();
    let geo = load_tables_csv(&levels(), &csv, "big.csv").unwrap();
    let took = start.elapsed();
    assert_eq!(geo.table_count(), n);
    let t = geo.find_table("050000005.03").unwrap();
    assert_eq!(geo.unit_id(geo.table_unit(t)), "050000005");
    assert_eq!(geo.table_registered(t), Some(300 + 203 % 200));
    (geo, took)
}

#[test]
fn the_operator_line_is_filled_in_checked_or_not_needed() {
    let without: String =
        EXAMPLE_TOML.lines().filter(|l| !l.starts_with("operator =")).map(|l| format!("{l}\n")).collect();
    // Logged as is, a definition needs its operator, and the error says both ways to give it.
    let e = load_election(&without, "e.toml").unwrap_err().to_string();
    assert!(e.contains("missing field `operator`") && e.contains("--operator-key"), "{e}");
    // For the operator's own key: filled in when absent, checked when present.
    assert_eq!(load_election_for_operator(&without, "e.toml", OPERATOR).unwrap().operator, OPERATOR);
    assert_eq!(load_election_for_operator(EXAMPLE_TOML, "e.toml", OPERATOR).unwrap().operator, OPERATOR);
    let other = "other.testigo.example+00000000+AAAA";
    let e = load_election_for_operator(EXAMPLE_TOML, "e.toml", other).unwrap_err();
    assert!(e.line.is_some() && e.message.contains("the operator key given is other.testigo.example"), "{e}");
    // For its ballot only: no operator needed, and the contests are still checked.
    let ballot = load_ballot(&without, "e.toml").unwrap();
    assert_eq!((ballot.operator.as_str(), ballot.contests[0].id.as_str()), ("", "president"));
    let twice = without.replacen("id = \"gonzalez\"", "id = \"maduro\"", 1);
    assert!(load_ballot(&twice, "e.toml").unwrap_err().message.contains("used twice"));
}
