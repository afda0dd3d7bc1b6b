//! The Venezuelan CSV parser against the real published files (the gzip
//! copies in `data/venezuela-2024/`) and against broken variants of them.

use std::collections::HashMap;
use std::sync::OnceLock;

use testigo_formats::venezuela_csv::{parse, ActaRow, CsvError, CANDIDATE_COLUMNS};
use testigo_formats::{decode_text, decompress_gz, TextEncoding};

fn raw(name: &str) -> Vec<u8> {
    let path = format!("{}/../../data/venezuela-2024/{name}.gz", env!("CARGO_MANIFEST_DIR"));
    let gz = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    decompress_gz(&gz).unwrap()
}

fn v1() -> &'static [ActaRow] {
    static ROWS: OnceLock<Vec<ActaRow>> = OnceLock::new();
    ROWS.get_or_init(|| parse(&raw("RESULTADOS_2024_CSV_V1.csv")).unwrap())
}

fn v2() -> &'static [ActaRow] {
    static ROWS: OnceLock<Vec<ActaRow>> = OnceLock::new();
    ROWS.get_or_init(|| parse(&raw("RESULTADOS_2024_CSV_V2.csv")).unwrap())
}

/// (valid, null, EG, NM, others) as in the README's totals table.
fn totals(rows: &[ActaRow]) -> [u64; 5] {
    let col = |code: &str| rows.iter().map(|r| u64::from(r.votes_of(code).unwrap())).sum::<u64>();
    let others: u64 = CANDIDATE_COLUMNS.iter().filter(|c| !["EG", "NM"].contains(c)).map(|c| col(c)).sum();
    [
        rows.iter().map(|r| u64::from(r.valid_votes)).sum(),
        rows.iter().map(|r| u64::from(r.null_votes)).sum(),
        col("EG"),
        col("NM"),
        others,
    ]
}

#[test]
fn encodings_are_detected() {
    assert_eq!(decode_text(&raw("RESULTADOS_2024_CSV_V1.csv")).unwrap().1, TextEncoding::Utf8WithBom);
    assert_eq!(decode_text(&raw("RESULTADOS_2024_CSV_V2.csv")).unwrap().1, TextEncoding::Latin1);
}

#[test]
fn v1_matches_readme() {
    let rows = v1();
    assert_eq!(rows.len(), 24_532);
    assert_eq!(totals(rows), [10_659_128, 1_139, 7_156_462, 3_241_461, 261_205]);
    let re: u64 = rows.iter().map(|r| u64::from(r.registered.unwrap())).sum();
    assert_eq!(re, 17_745_239);
    let re_range = rows.iter().filter_map(|r| r.registered).fold((u32::MAX, 0), |(lo, hi), v| (lo.min(v), hi.max(v)));
    assert_eq!(re_range, (40, 1_451));
}

#[test]
fn v2_matches_readme() {
    let rows = v2();
    assert_eq!(rows.len(), 25_073);
    assert_eq!(totals(rows), [10_887_262, 1_213, 7_303_480, 3_316_142, 267_640]);
    assert!(rows.iter().all(|r| r.registered.is_none()));
}

#[test]
fn rows_are_well_formed() {
    for rows in [v1(), v2()] {
        let mut lines = HashMap::new();
        for r in rows {
            assert_eq!(r.centre.len(), 9);
            assert!(r.centre.bytes().all(|b| b.is_ascii_digit()));
            // The README says the state is the centre's first two digits.
            assert_eq!(r.centre[..2].parse::<u16>().unwrap(), r.state.code, "line {}", r.line);
            assert!((1..=24).contains(&r.state.code));
            // The README says valid votes equal the candidate sum in every row.
            assert_eq!(u64::from(r.valid_votes), r.candidate_sum(), "line {}", r.line);
            assert!(lines.insert((r.centre.clone(), r.mesa), r.line).is_none());
        }
    }
    let first = &v1()[0];
    assert_eq!((first.line, first.centre.as_str(), first.mesa), (2, "010113042", 1));
    assert_eq!(first.state.name, "DTTO. CAPITAL");
    assert_eq!((first.valid_votes, first.votes_of("EG")), (364, Some(232)));
    // V1 ends lines with CRLF, V2 with LF: both count lines the same.
    assert_eq!(v1().last().unwrap().line, 24_533);
    assert_eq!(v2().last().unwrap().line, 25_074);
}

#[test]
fn v2_contains_v1_except_two_tables() {
    let v2: HashMap<(&str, u16), &ActaRow> = v2().iter().map(|r| ((r.centre.as_str(), r.mesa), r)).collect();
    let mut absent = Vec::new();
    let mut urls_differ = 0;
    for a in v1() {
        let Some(b) = v2.get(&(a.centre.as_str(), a.mesa)) else {
            absent.push((a.centre.clone(), a.mesa));
            continue;
        };
        assert_eq!((a.valid_votes, a.null_votes, a.candidate_votes), (b.valid_votes, b.null_votes, b.candidate_votes));
        // Same names from a UTF-8 and a latin-1 file: both decodings are right.
        assert_eq!((&a.state, &a.municipality, &a.parish), (&b.state, &b.municipality, &b.parish));
        urls_differ += usize::from(a.url != b.url);
    }
    absent.sort();
    assert_eq!(absent, [("210510003".to_string(), 1), ("210510003".to_string(), 3)]);
    assert_eq!(v2.len() - (v1().len() - absent.len()), 543);
    assert_eq!(urls_differ, 301);
}

const HEADER: &str = "COD_EDO,EDO,COD_MUN,MUN,COD_PAR,PAR,CENTRO,MESA,RE,VOTOS_VALIDOS,VOTOS_NULOS,\
                      EG,NM,LM,JABE,JOBR,AE,CF,DC,EM,BERA,URL";
const ROW1: &str =
    "1,DTTO. CAPITAL,1,MP. BLVNO LIBERTADOR,13,PQ. EL RECREO,10113042,1,666,364,0,232,120,5,0,0,3,1,1,0,2,u1";
const ROW2: &str = "1,DTTO. CAPITAL,1,MP. BLVNO LIBERTADOR,13,PQ. EL RECREO,10113042,2,600,10,1,5,5,0,0,0,0,0,0,0,0,u2";

/// Joins lines with CRLF (as V1 does), after checking that LF gives the
/// same result, line numbers included.
fn parse_lines(lines: &[&str]) -> Result<Vec<ActaRow>, CsvError> {
    let crlf = parse(lines.join("\r\n").as_bytes());
    assert_eq!(crlf, parse(lines.join("\n").as_bytes()));
    crlf
}

#[test]
fn small_file_parses_in_any_column_order() {
    let rows = parse_lines(&[HEADER, ROW1, ROW2]).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].line, 3);
    assert_eq!(rows[0].candidate_votes, [120, 5, 0, 0, 3, 1, 1, 232, 0, 2]);
    assert_eq!(rows[0].registered, Some(666));

    // Move URL to the front: columns are found by name.
    let move_url = |l: &str| {
        let (rest, url) = l.rsplit_once(',').unwrap();
        format!("{url},{rest}")
    };
    let moved: Vec<String> = [HEADER, ROW1, ROW2].iter().map(|l| move_url(l)).collect();
    let moved: Vec<&str> = moved.iter().map(String::as_str).collect();
    assert_eq!(parse_lines(&moved).unwrap(), rows);
}

#[test]
fn mismatched_totals_are_parsed_not_rejected() {
    let row = ROW1.replace(",364,0,", ",999,0,");
    let rows = parse_lines(&[HEADER, &row]).unwrap();
    assert_eq!(rows[0].valid_votes, 999);
    assert_ne!(u64::from(rows[0].valid_votes), rows[0].candidate_sum());
}

#[test]
fn bad_inputs_name_the_line() {
    let no_eg = HEADER.replace(",EG,", ",");
    let row_no_eg = ROW1.replace(",364,0,232,", ",364,0,");
    assert_eq!(parse_lines(&[&no_eg, &row_no_eg]), Err(CsvError::MissingColumn { column: "EG" }));

    assert_eq!(
        parse_lines(&[&HEADER.replace("URL", "FOO"), ROW1]),
        Err(CsvError::UnknownColumn { column: "FOO".into() })
    );
    assert_eq!(
        parse_lines(&[&HEADER.replace("URL", "EG"), ROW1]),
        Err(CsvError::DuplicateColumn { column: "EG".into() })
    );

    let non_numeric = ROW2.replace(",5,5,", ",5,x5,");
    assert_eq!(
        parse_lines(&[HEADER, ROW1, &non_numeric]),
        Err(CsvError::NotNumeric { line: 3, column: "NM", value: "x5".into() })
    );
    let empty = ROW2.replace(",600,", ",,");
    assert_eq!(
        parse_lines(&[HEADER, ROW1, &empty]),
        Err(CsvError::NotNumeric { line: 3, column: "RE", value: "".into() })
    );
    let huge = ROW2.replace(",600,", ",99999999999,");
    assert!(matches!(parse_lines(&[HEADER, ROW1, &huge]), Err(CsvError::OutOfRange { line: 3, column: "RE", .. })));

    assert_eq!(
        parse_lines(&[HEADER, ROW1, ROW2, ROW1]),
        Err(CsvError::DuplicateTable { centre: "010113042".into(), mesa: 1, first_line: 2, line: 4 })
    );
    // "010113042" and "10113042" are the same centre.
    let padded = ROW1.replace(",10113042,", ",010113042,");
    assert!(matches!(parse_lines(&[HEADER, ROW1, &padded]), Err(CsvError::DuplicateTable { line: 3, .. })));

    let truncated = &ROW2[..ROW2.len() - 10];
    assert_eq!(parse_lines(&[HEADER, ROW1, truncated]), Err(CsvError::FieldCount { line: 3, found: 18, expected: 22 }));
    let long_centre = ROW1.replace(",10113042,", ",1234567890,");
    assert_eq!(parse_lines(&[HEADER, &long_centre]), Err(CsvError::BadCentre { line: 2, value: "1234567890".into() }));
    assert_eq!(parse(b""), Err(CsvError::Empty));
    assert!(matches!(parse(b"\xEF\xBB\xBFCOD_EDO\xFF"), Err(CsvError::Text(_))));
}

#[test]
fn truncated_real_file_names_its_last_line() {
    let mut bytes = raw("RESULTADOS_2024_CSV_V2.csv");
    // Cut the last row in the middle (drop its URL and the last few counts).
    let len = bytes.len();
    let last_line_start = bytes[..len - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    bytes.truncate(last_line_start + 60);
    match parse(&bytes) {
        Err(CsvError::FieldCount { line, .. }) => assert_eq!(line, 25_074),
        other => panic!("expected a field-count error, got {other:?}"),
    }
}

/// The shipped copies are byte-for-byte the published files.
#[test]
fn shipped_csvs_match_published_hashes() {
    use sha2::{Digest, Sha256};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/venezuela-2024");
    for (file, want) in [
        ("RESULTADOS_2024_CSV_V1.csv.gz", "fd2712796bf8ec77dfe02e07cd864882c93f4079238c2d21b822b7b9a999f8ea"),
        ("RESULTADOS_2024_CSV_V2.csv.gz", "296d35bbda1d6bd12e7011ed93da1973a3f22beb73cc05dbb0554efc31b2deaa"),
    ] {
        let raw = decompress_gz(&std::fs::read(root.join(file)).unwrap()).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&raw)), want, "{file}");
    }
}
