//! Loading an election from the files an operator writes: a TOML definition
//! and a CSV of tables. Pure: the caller reads the files and passes the text.
//!
//! # The election file (TOML)
//!
//! ```toml
//! id = "ve-2024-presidential"          # short id; every sheet names it
//! name = "Elección Presidencial 2024"
//! date = 2024-07-28                     # or "2024-07-28"
//! levels = ["state", "municipality", "parish", "centre", "table"]  # top down; last = tables
//! total_tables = 30026                  # optional: tables the authority declares
//! registry = 21392464                   # optional: registered voters, whole election
//! max_table_voters = 5000               # optional, default 5000: larger counts are rejected
//! operator = "testigo.example+1a2b3c4d+AQ…"   # optional for `init --operator-key`: its verifier line
//!
//! [[contests]]
//! id = "president"
//! name = "Presidente"
//!
//! [[contests.candidates]]
//! id = "maduro"
//! name = "Nicolás Maduro"
//! cards = [{ id = "psuv", name = "PSUV" }, { id = "pcv", name = "PCV" }]  # optional
//!
//! [[contests.candidates]]
//! id = "gonzalez"
//! name = "Edmundo González"
//! ```
//!
//! Ids contain no spaces or control characters and are at most 128 bytes;
//! contest ids are unique in the election, candidate and card ids within their
//! contest. Unknown keys are errors (a typo must not be silently ignored).
//! Documented field by field for operators in `docs/election-files.md`
//! (with a runnable example in `docs/example/`); see also
//! `testdata/example-election.toml`.
//!
//! # The tables file (CSV)
//!
//! A header row, then one row per table. Columns, in any order:
//! - one column per level, named exactly as in `levels`, holding the code of
//!   the unit at that level (the last one holds the table id). Codes are the
//!   ids: a unit code must be unique across the election and always have the
//!   same parent, so where codes repeat between regions write composite codes
//!   (`13.05` for municipality 05 of state 13). Venezuelan table ids are
//!   `CCCCCCCCC.MM`, as in the sheets' QR codes;
//! - optionally `<level>_name` for a unit level (e.g. `state_name`): the
//!   unit's name (default: its code);
//! - optionally `registered`: the table's registered voters (empty = unknown).
//!
//! ```csv
//! state,state_name,municipality,parish,centre,table,registered
//! 01,Distrito Capital,01.01,01.01.01,010101001,010101001.01,512
//! ```

use crate::geography::{GeoError, Geography, Unit, UnitIx};
use crate::model::{BallotCard, Candidate, Contest, ElectionDef, Locus, DEFAULT_MAX_TABLE_VOTERS};
use serde::Deserialize;
use toml::Spanned;

/// A problem in an input file, with where it is and what to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", location(file, line))]
pub struct LoadError {
    /// The file name given by the caller.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn location(file: &str, line: &Option<usize>) -> String {
    match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileElection {
    id: Spanned<String>,
    name: Spanned<String>,
    date: Spanned<toml::Value>,
    levels: Spanned<Vec<String>>,
    #[serde(default)]
    contests: Vec<FileContest>,
    total_tables: Option<u64>,
    registry: Option<u64>,
    max_table_voters: Option<Spanned<u64>>,
    operator: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileContest {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    candidates: Vec<FileCandidate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCandidate {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    cards: Vec<FileCard>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCard {
    id: Spanned<String>,
    name: String,
}

impl FileElection {
    /// The byte offset in the file a [`Locus`] refers to.
    fn offset(&self, locus: Locus) -> Option<usize> {
        Some(match locus {
            Locus::Election => return None,
            Locus::Id => self.id.span().start,
            Locus::Name => self.name.span().start,
            Locus::Date => self.date.span().start,
            Locus::Levels => self.levels.span().start,
            Locus::MaxTableVoters => self.max_table_voters.as_ref()?.span().start,
            Locus::Operator => self.operator.as_ref()?.span().start,
            Locus::Contest(c) => self.contests.get(c)?.id.span().start,
            Locus::Candidate(c, k) => self.contests.get(c)?.candidates.get(k)?.id.span().start,
            Locus::Card(c, k, d) => self.contests.get(c)?.candidates.get(k)?.cards.get(d)?.id.span().start,
        })
    }
}

/// Parses and validates an election definition file (format in the module
/// docs). Errors name `file_name` and the line to fix.
pub fn load_election(toml_text: &str, file_name: &str) -> Result<ElectionDef, LoadError> {
    load(toml_text, file_name, OperatorRule::Required)
}

/// What the file's `operator` field must be.
#[derive(Clone, Copy)]
enum OperatorRule<'a> {
    /// Present and valid: the definition as it will be logged.
    Required,
    /// This verifier key line: filled in when absent, checked when present.
    Signer(&'a str),
    /// Anything or nothing: only the ballot is read.
    NotNeeded,
}

/// Like [`load_election`], for the operator holding the key whose verifier
/// line is `operator`: the file may leave `operator` out (it is filled in),
/// and if it names one, it must be this one.
pub fn load_election_for_operator(toml_text: &str, file_name: &str, operator: &str) -> Result<ElectionDef, LoadError> {
    load(toml_text, file_name, OperatorRule::Signer(operator))
}

/// Reads an election file only for its ballot (`qr inspect --election`):
/// like [`load_election`], but the file may leave `operator` out (it is then
/// empty in the result, which is not a definition to log).
pub fn load_ballot(toml_text: &str, file_name: &str) -> Result<ElectionDef, LoadError> {
    load(toml_text, file_name, OperatorRule::NotNeeded)
}

fn load(toml_text: &str, file_name: &str, rule: OperatorRule<'_>) -> Result<ElectionDef, LoadError> {
    let at = |offset: Option<usize>, message: String| LoadError {
        file: file_name.to_string(),
        line: offset.map(|o| line_of(toml_text, o)),
        message,
    };
    let file: FileElection =
        toml::from_str(toml_text).map_err(|e| at(e.span().map(|s| s.start), e.message().trim_end().to_string()))?;
    let date = match file.date.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => match &dt.date {
            Some(d) => d.to_string(),
            None => String::new(),
        },
        _ => String::new(),
    };
    let def = ElectionDef {
        id: file.id.get_ref().clone(),
        name: file.name.get_ref().clone(),
        date,
        levels: file.levels.get_ref().clone(),
        contests: file
            .contests
            .iter()
            .map(|c| Contest {
                id: c.id.get_ref().clone(),
                name: c.name.clone(),
                candidates: c
                    .candidates
                    .iter()
                    .map(|k| Candidate {
                        id: k.id.get_ref().clone(),
                        name: k.name.clone(),
                        cards: k
                            .cards
                            .iter()
                            .map(|d| BallotCard { id: d.id.get_ref().clone(), name: d.name.clone() })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        total_tables: file.total_tables,
        registry: file.registry,
        max_table_voters: file.max_table_voters.as_ref().map_or(DEFAULT_MAX_TABLE_VOTERS, |m| *m.get_ref()),
        operator: match (&file.operator, rule) {
            (Some(named), OperatorRule::Signer(signer)) if named.get_ref() != signer => {
                return Err(at(
                    Some(named.span().start),
                    format!(
                        "the election names operator {} but the operator key given is {signer}; \
                         put the key's verifier line here, or remove the line to use the key given",
                        named.get_ref()
                    ),
                ))
            }
            (Some(named), _) => named.get_ref().clone(),
            (None, OperatorRule::Signer(signer)) => signer.to_string(),
            (None, OperatorRule::NotNeeded) => String::new(),
            (None, OperatorRule::Required) => {
                return Err(at(
                    None,
                    "missing field `operator`: add operator = \"<the operator's verifier key line>\" \
                     (printed by `testigo keygen`), or let `testigo init --operator-key FILE` fill it in"
                        .into(),
                ))
            }
        },
    };
    match def.validate() {
        // Reading a ballot only: an absent operator is fine.
        Err(e) if matches!(rule, OperatorRule::NotNeeded) && def.operator.is_empty() && e.locus == Locus::Operator => {}
        Err(e) => return Err(at(file.offset(e.locus), e.message)),
        Ok(()) => {}
    }
    Ok(def)
}

/// Which CSV column holds what.
struct Columns {
    code: Vec<usize>,
    name: Vec<Option<usize>>,
    registered: Option<usize>,
}

fn columns(levels: &[String], headers: &csv::StringRecord) -> Result<Columns, String> {
    let unit_levels = levels.len() - 1;
    let mut code = vec![None; levels.len()];
    let mut name = vec![None; unit_levels];
    let mut registered = None;
    for (i, h) in headers.iter().enumerate() {
        let slot = if let Some(l) = levels.iter().position(|l| l == h) {
            &mut code[l]
        } else if let Some(l) = h.strip_suffix("_name").and_then(|b| levels[..unit_levels].iter().position(|l| l == b))
        {
            &mut name[l]
        } else if h == "registered" {
            &mut registered
        } else {
            return Err(format!(
                "unknown column {h:?}: columns are the levels ({}), <level>_name for a unit level, and registered",
                levels.join(", ")
            ));
        };
        if slot.replace(i).is_some() {
            return Err(format!("column {h:?} appears twice"));
        }
    }
    let code = code
        .iter()
        .zip(levels)
        .map(|(c, l)| c.ok_or_else(|| format!("missing column {l:?}: every level needs a column of codes")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Columns { code, name, registered })
}

/// Parses a tables CSV (format in the module docs) into a geography for
/// `levels`. Errors name `file_name`, the line, and what to fix.
pub fn load_tables_csv(levels: &[String], csv_text: &str, file_name: &str) -> Result<Geography, LoadError> {
    let err = |line: Option<u64>, message: String| LoadError {
        file: file_name.to_string(),
        line: line.and_then(|l| usize::try_from(l).ok()),
        message,
    };
    if levels.len() < 2 {
        return Err(err(None, "the election needs at least two levels (e.g. state and table)".into()));
    }
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let csv_err = |e: csv::Error| {
        let line = e.position().map(|p| p.line());
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("row has {len} fields but the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "the file is not valid UTF-8: save it as UTF-8".to_string(),
            _ => e.to_string(),
        };
        err(line, message)
    };
    let headers = reader.headers().map_err(csv_err)?.clone();
    let cols = columns(levels, &headers).map_err(|m| err(Some(1), m))?;
    let unit_levels = levels.len() - 1;
    let mut geo = Geography::new(levels.to_vec());
    // One row per line is the common case; 16 bytes covers `CCCCCCCCC.MM`.
    geo.reserve_tables(csv_text.bytes().filter(|&b| b == b'\n').count(), 16);
    // Line where each unit / table first appeared, to point at both copies.
    let mut unit_line: Vec<u64> = Vec::new();
    let mut table_line: Vec<u64> = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut unit = Unit { id: String::new(), parent: None, level: 0, name: String::new() };
    while reader.read_record(&mut record).map_err(csv_err)? {
        let line = record.position().map_or(0, |p| p.line());
        let at = |m: String| err(Some(line), m);
        let mut parent: Option<UnitIx> = None;
        for level in 0..unit_levels {
            let code = record.get(cols.code[level]).unwrap_or("");
            let given_name = cols.name[level].and_then(|c| record.get(c)).filter(|n| !n.is_empty());
            if code.is_empty() {
                return Err(at(format!("empty {:?} code", levels[level])));
            }
            if let Some(u) = geo.find_unit(code) {
                let first = unit_line[u.get()];
                if geo.unit_level(u) != level {
                    return Err(at(format!(
                        "code {code:?} is a {:?} here but a {:?} on line {first}: unit codes must be unique across levels",
                        levels[level],
                        levels[geo.unit_level(u)]
                    )));
                }
                if geo.unit_parent(u) != parent {
                    let was = geo.unit_parent(u).map_or("", |p| geo.unit_id(p));
                    let now = parent.map_or("", |p| geo.unit_id(p));
                    return Err(at(format!(
                        "parent mismatch: {:?} {code:?} is under {was:?} on line {first} but under {now:?} here; \
                         use composite codes (e.g. {now}.{code}) when codes repeat between regions",
                        levels[level]
                    )));
                }
                if let Some(n) = given_name.filter(|n| *n != geo.unit_name(u)) {
                    return Err(at(format!(
                        "{:?} {code:?} is named {:?} on line {first} but {n:?} here",
                        levels[level],
                        geo.unit_name(u)
                    )));
                }
                parent = Some(u);
            } else {
                unit.id.clear();
                unit.id.push_str(code);
                unit.parent = parent.map(|p| geo.unit_id(p).to_string());
                unit.level = level as u32;
                unit.name.clear();
                unit.name.push_str(given_name.unwrap_or(code));
                parent = Some(geo.add_unit(&unit).map_err(|e| at(e.to_string()))?);
                unit_line.push(line);
            }
        }
        let table_id = record.get(cols.code[unit_levels]).unwrap_or("");
        if table_id.is_empty() {
            return Err(at(format!("empty {:?} id", levels[unit_levels])));
        }
        let registered = match cols.registered.and_then(|c| record.get(c)).unwrap_or("") {
            "" => None,
            r => Some(r.parse::<u64>().map_err(|_| {
                at(format!("registered {r:?} is not a whole number of voters (digits only, or empty if unknown)"))
            })?),
        };
        let Some(parent) = parent else {
            return Err(at("table without a unit".into()));
        };
        match geo.add_table(table_id, parent, registered) {
            Ok(_) => table_line.push(line),
            Err(GeoError::DuplicateTable(id)) => {
                let first = geo.find_table(&id).map_or(0, |t| table_line[t.get()]);
                return Err(at(format!("duplicate table id {id:?} (first on line {first}): table ids must be unique")));
            }
            Err(e) => return Err(at(e.to_string())),
        }
    }
    Ok(geo)
}
