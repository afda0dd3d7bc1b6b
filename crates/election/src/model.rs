//! The election definition: what is being voted on, how the territory is
//! divided, and who operates the log.
//!
//! This is the header carried by entry 0 of every log (see [`crate::entry`]);
//! the tables themselves travel separately as geography chunks because there
//! can be a million of them.

use crate::ids::{id_problem, name_problem};
use serde::{Deserialize, Serialize};
use testigo_note::{Verifier, ALG_ED25519};

/// Default bound on any count printed on one table's sheet
/// ([`ElectionDef::max_table_voters`]).
pub const DEFAULT_MAX_TABLE_VOTERS: u64 = 5_000;

/// Most hierarchy levels accepted (country-wide elections use 4–6).
pub const MAX_LEVELS: usize = 16;

/// Most contests in one election; sheets store the contest as a `u16`.
pub const MAX_CONTESTS: usize = 1_000;

/// An election: its identity, territorial hierarchy, contests and operator key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionDef {
    /// Short stable identifier, e.g. `ve-2024-presidential`; every sheet names it.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Election day, `YYYY-MM-DD`.
    pub date: String,
    /// Names of the hierarchy levels from the top down; the last one is the
    /// table (voting table / section), e.g. `["state", …, "centre", "table"]`.
    pub levels: Vec<String>,
    /// What is being voted on.
    pub contests: Vec<Contest>,
    /// The number of tables the authority declares; may exceed the tables
    /// enumerated in the geography when not all are known individually.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tables: Option<u64>,
    /// Total registered voters the authority declares for the whole election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<u64>,
    /// Any count on a sheet above this is impossible and the sheet is rejected.
    pub max_table_voters: u64,
    /// The operator's verifier key line (`name+hex8+base64`): it signs entry 0,
    /// the geography, enrolments and revocations.
    pub operator: String,
}

/// One contest (race) decided at every table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contest {
    /// Identifier, unique within the election.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Candidates in ballot order; sheets store votes in this order.
    pub candidates: Vec<Candidate>,
}

/// A candidate (or option) in a contest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Identifier, unique within the contest.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Ballot cards (party lines) whose votes add up to the candidate's, in
    /// the order printed; sheets carry the candidate total, and decoders of
    /// per-card formats (QR codes) use this list to sum the cards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<BallotCard>,
}

/// A ballot card: one of several lines on the ballot for the same candidate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotCard {
    /// Identifier, unique within the contest.
    pub id: String,
    /// Human-readable name (usually the party).
    pub name: String,
}

/// Where in an election definition a problem is, so loaders can point at the
/// line of the file it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locus {
    /// The definition as a whole.
    Election,
    /// The `id` field.
    Id,
    /// The `name` field.
    Name,
    /// The `date` field.
    Date,
    /// The `levels` list.
    Levels,
    /// The `max_table_voters` field.
    MaxTableVoters,
    /// The `operator` key.
    Operator,
    /// Contest number `.0` (0-based).
    Contest(usize),
    /// Candidate `.1` of contest `.0`.
    Candidate(usize, usize),
    /// Card `.2` of candidate `.1` of contest `.0`.
    Card(usize, usize, usize),
}

/// A problem with an election definition, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ModelError {
    /// Which part of the definition is wrong.
    pub locus: Locus,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn err(locus: Locus, message: impl Into<String>) -> ModelError {
    ModelError { locus, message: message.into() }
}

fn check_id(locus: Locus, what: &str, id: &str) -> Result<(), ModelError> {
    match id_problem(id) {
        Some(why) => Err(err(locus, format!("{what} id {id:?} is not usable: {why}"))),
        None => Ok(()),
    }
}

fn check_name(locus: Locus, what: &str, name: &str) -> Result<(), ModelError> {
    match name_problem(name) {
        Some(why) => Err(err(locus, format!("{what} name {name:?} is not usable: {why}"))),
        None => Ok(()),
    }
}

/// Accepts `YYYY-MM-DD` with a plausible month and day.
fn date_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    matches!((digits(0..4), digits(5..7), digits(8..10)), (Some(_), Some(1..=12), Some(1..=31)))
}

impl ElectionDef {
    /// Checks the definition is internally consistent: usable ids, no
    /// duplicates, at least two levels, at least one contest with candidates,
    /// a positive `max_table_voters`, a valid Ed25519 operator key.
    pub fn validate(&self) -> Result<(), ModelError> {
        check_id(Locus::Id, "election", &self.id)?;
        check_name(Locus::Name, "election", &self.name)?;
        if !date_ok(&self.date) {
            return Err(err(Locus::Date, format!("date {:?} must be a calendar date like 2024-07-28", self.date)));
        }
        if self.levels.len() < 2 || self.levels.len() > MAX_LEVELS {
            return Err(err(
                Locus::Levels,
                format!(
                    "levels must list 2 to {MAX_LEVELS} names from the top down, ending with the table level \
                     (e.g. [\"state\", \"table\"]); got {}",
                    self.levels.len()
                ),
            ));
        }
        for (i, level) in self.levels.iter().enumerate() {
            check_id(Locus::Levels, "level", level)?;
            if level.ends_with("_name") || level == "registered" {
                return Err(err(Locus::Levels, format!("level name {level:?} is reserved for CSV columns")));
            }
            if self.levels[..i].contains(level) {
                return Err(err(Locus::Levels, format!("level {level:?} is listed twice")));
            }
        }
        if self.max_table_voters == 0 {
            return Err(err(Locus::MaxTableVoters, "max_table_voters must be positive (the default is 5000)"));
        }
        if self.contests.is_empty() || self.contests.len() > MAX_CONTESTS {
            return Err(err(Locus::Election, format!("an election needs 1 to {MAX_CONTESTS} contests")));
        }
        for (ci, contest) in self.contests.iter().enumerate() {
            contest.validate(ci)?;
            if self.contests[..ci].iter().any(|c| c.id == contest.id) {
                return Err(err(Locus::Contest(ci), format!("contest id {:?} is used twice", contest.id)));
            }
        }
        // Last, so that a ballot read without an operator (`load_ballot`) is checked whole.
        self.operator_verifier()?;
        Ok(())
    }

    /// Parses the operator key; it must be a plain Ed25519 note key.
    pub fn operator_verifier(&self) -> Result<Verifier, ModelError> {
        let v = Verifier::parse(&self.operator)
            .map_err(|e| err(Locus::Operator, format!("operator key is not a valid verifier key line: {e}")))?;
        if v.algorithm() != ALG_ED25519 {
            return Err(err(Locus::Operator, "operator key must be an Ed25519 (type 0x01) note key"));
        }
        Ok(v)
    }

    /// The contest with this id and its position.
    pub fn contest(&self, id: &str) -> Option<(usize, &Contest)> {
        self.contests.iter().enumerate().find(|(_, c)| c.id == id)
    }

    /// The level index of tables (the last level).
    pub fn table_level(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }
}

impl Contest {
    fn validate(&self, ci: usize) -> Result<(), ModelError> {
        let here = Locus::Contest(ci);
        check_id(here, "contest", &self.id)?;
        check_name(here, "contest", &self.name)?;
        if self.candidates.is_empty() {
            return Err(err(here, format!("contest {:?} has no candidates", self.id)));
        }
        let mut card_ids: Vec<&str> = Vec::new();
        for (ki, cand) in self.candidates.iter().enumerate() {
            let at = Locus::Candidate(ci, ki);
            check_id(at, "candidate", &cand.id)?;
            check_name(at, "candidate", &cand.name)?;
            if self.candidates[..ki].iter().any(|c| c.id == cand.id) {
                return Err(err(at, format!("candidate id {:?} is used twice in contest {:?}", cand.id, self.id)));
            }
            for (di, card) in cand.cards.iter().enumerate() {
                let at = Locus::Card(ci, ki, di);
                check_id(at, "card", &card.id)?;
                check_name(at, "card", &card.name)?;
                if card_ids.contains(&card.id.as_str()) {
                    return Err(err(at, format!("card id {:?} is used twice in contest {:?}", card.id, self.id)));
                }
                card_ids.push(&card.id);
            }
        }
        Ok(())
    }

    /// The position of a candidate in ballot order (the index into a sheet's
    /// stored votes).
    pub fn candidate_position(&self, id: &str) -> Option<usize> {
        self.candidates.iter().position(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(date_ok("2024-07-28"));
        assert!(!date_ok("2024-13-01"));
        assert!(!date_ok("2024-7-28"));
        assert!(!date_ok("2024-07-2x"));
        assert!(!date_ok("+024-07-28"));
    }
}
