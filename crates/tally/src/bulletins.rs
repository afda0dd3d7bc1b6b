//! The bulletin file: official announcements as a `testigo-bulletins/1`
//! JSON document, read by `testigo tally --bulletins`, `testigo report` and
//! `testigo publish`.
//!
//! ```json
//! { "schema": "testigo-bulletins/1",
//!   "note": "free text, for people",
//!   "bulletins": [ { "label": "...", "source": "...", "contest": "president",
//!                    "unit": null, "counts": [ { "candidates": ["NM"], "votes": 5150092, "percent": "51.20" } ],
//!                    "valid": 10058774, "null": null, "voters": null, "registry": null,
//!                    "tables_counted_percent": "80" } ] }
//! ```
//!
//! Each bulletin is a [`Bulletin`]; unknown fields are refused everywhere, so
//! a misspelt field is an error rather than a silently missing figure.
//! Parsing is a pure function of the text ([`parse_bulletins`]): reading the
//! file is the caller's business, so a server or a test can check a file it
//! holds in memory with exactly the rules the command line applies.

use serde::Deserialize;

use crate::official::Bulletin;

/// The schema id of a bulletin file.
pub const BULLETINS_SCHEMA: &str = "testigo-bulletins/1";

/// A file of official announcements.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulletinFile {
    /// Must be [`BULLETINS_SCHEMA`].
    pub schema: String,
    /// Free text: where the figures come from (for people; not used).
    #[serde(default)]
    pub note: Option<String>,
    /// The announcements, in order.
    pub bulletins: Vec<Bulletin>,
}

/// Why a text is not a usable bulletin file. The messages name the input
/// (`what`: a path, or e.g. "the embedded CNE bulletins") and the schema
/// expected, so the user knows which file to fix and how.
#[derive(Debug, thiserror::Error)]
pub enum BulletinFileError {
    /// Not JSON, or not of the bulletin file's shape (e.g. an unknown or
    /// misspelt field, a missing one, a number where text is expected).
    #[error("{what} is not a bulletin file (JSON with \"schema\": \"{schema}\")", schema = BULLETINS_SCHEMA)]
    Malformed {
        /// The input, as named by the caller.
        what: String,
        /// What the JSON parser found wrong (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A well-formed file of another schema (or another version).
    #[error("{what} has schema {found:?}; this testigo reads {schema:?}", schema = BULLETINS_SCHEMA)]
    WrongSchema {
        /// The input, as named by the caller.
        what: String,
        /// The schema the file declares.
        found: String,
    },
}

/// Parses a bulletin file; `what` names it in error messages (a path, or a
/// description of an embedded copy). Returns the bulletins in file order.
pub fn parse_bulletins(text: &str, what: &str) -> Result<Vec<Bulletin>, BulletinFileError> {
    let f: BulletinFile =
        serde_json::from_str(text).map_err(|source| BulletinFileError::Malformed { what: what.to_string(), source })?;
    if f.schema != BULLETINS_SCHEMA {
        return Err(BulletinFileError::WrongSchema { what: what.to_string(), found: f.schema });
    }
    Ok(f.bulletins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::official::BulletinCount;

    /// The project's copy of the CNE's two 2024 bulletins parses, figures intact.
    #[test]
    fn cne_file_parses() {
        let text = include_str!("../../../data/venezuela-2024/cne-bulletins.json");
        let b = parse_bulletins(text, "cne-bulletins.json").unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].label, "CNE bulletin 1 (2024-07-29)");
        assert_eq!(b[0].contest, "president");
        assert!(b[0].counts.iter().any(|c| c.candidates == ["NM"] && c.votes == 5_150_092));
    }

    #[test]
    fn minimal_file_and_optional_fields() {
        let text = r#"{"schema":"testigo-bulletins/1","bulletins":[{"label":"x","source":"s","contest":"president",
            "counts":[{"candidates":["a","b"],"votes":7,"percent":"1.5"}],"valid":9,"tables_counted_percent":"80"}]}"#;
        let b = parse_bulletins(text, "f.json").unwrap();
        assert_eq!(
            b,
            vec![Bulletin {
                label: "x".into(),
                source: "s".into(),
                contest: "president".into(),
                unit: None,
                counts: vec![BulletinCount {
                    candidates: vec!["a".into(), "b".into()],
                    votes: 7,
                    percent: Some("1.5".into())
                }],
                valid: Some(9),
                null: None,
                voters: None,
                registry: None,
                tables_counted_percent: Some("80".into()),
            }]
        );
        let empty = parse_bulletins(r#"{"schema":"testigo-bulletins/1","note":"n","bulletins":[]}"#, "e").unwrap();
        assert!(empty.is_empty());
    }

    /// The messages are the ones `testigo tally --bulletins` has always printed.
    #[test]
    fn errors_name_the_input_and_the_schema() {
        let e = parse_bulletins(r#"{"schema":"testigo-bulletins/1","bulettins":[]}"#, "typo.json").unwrap_err();
        assert_eq!(e.to_string(), "typo.json is not a bulletin file (JSON with \"schema\": \"testigo-bulletins/1\")");
        let cause = std::error::Error::source(&e).map(|c| c.to_string()).unwrap_or_default();
        assert!(cause.contains("bulettins"), "{cause}");
        let e = parse_bulletins(r#"{"schema":"other/9","bulletins":[]}"#, "schema.json").unwrap_err();
        assert_eq!(e.to_string(), "schema.json has schema \"other/9\"; this testigo reads \"testigo-bulletins/1\"");
        assert!(matches!(parse_bulletins("not json", "x"), Err(BulletinFileError::Malformed { .. })));
        // A logged entry's `date` is not a file field: `testigo publish --date` gives it.
        let dated = r#"{"schema":"testigo-bulletins/1","bulletins":[{"label":"x","source":"s","contest":"c",
            "date":"2024-07-29","counts":[]}]}"#;
        assert!(matches!(parse_bulletins(dated, "d"), Err(BulletinFileError::Malformed { .. })));
    }
}
