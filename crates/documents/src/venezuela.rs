//! The Venezuelan acta de escrutinio QR as a [`DocumentFormat`].

use std::collections::BTreeMap;

use serde::Serialize;
use testigo_election::{Contest, ElectionDef, QrCounts, QrReading};
use testigo_formats::venezuela_qr;
use testigo_formats::{venezuela_2024_candidates, venezuela_2024_cards, VENEZUELA_2024_CARD_COUNT};

use crate::format::{DocumentFormat, FormatInfo};
use crate::inspect::Inspection;

/// The format name of [`VenezuelaActaQr`] payloads.
pub const VENEZUELA_ACTA: &str = "venezuela_acta";

static INFO: FormatInfo = FormatInfo {
    name: VENEZUELA_ACTA,
    report_name: "venezuela-acta",
    title: "a Venezuelan acta",
    looks_like: "a Venezuelan acta QR (CENTRE.MM.1.0001!…)",
    codes: "Venezuelan acta codes",
};

/// The Venezuelan acta QR (`CCCCCCCCC.MM.1.0001!v1,…,vN!NULOS!X`): one code
/// per sheet, unsigned. Read for a contest, its counts are summed into
/// candidates through the contest's ballot cards, in the order the election
/// definition lists them (or, for a contest that lists no cards, taken as one
/// total per candidate).
#[derive(Clone, Debug, Default)]
pub struct VenezuelaActaQr {
    /// The ballot an inspection reads the QR against: an election's contest
    /// (`qr inspect --election`). Without one, the 2024 presidential ballot
    /// (38 cards) names the cards and candidates.
    pub ballot: Option<Contest>,
}

impl VenezuelaActaQr {
    /// Inspects against `contest`'s ballot instead of the 2024 one.
    pub fn for_contest(contest: &Contest) -> Self {
        VenezuelaActaQr { ballot: Some(contest.clone()) }
    }
}

/// One card's votes on a Venezuelan acta.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CardVotes {
    /// Position on the ballot, 1-based.
    pub card: usize,
    /// Party on the card, when the ballot is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// Votes.
    pub votes: u32,
}

/// One candidate's votes on a Venezuelan acta (when the ballot is known).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidateVotes {
    /// Candidate id (the CSV column code, `EG`, `NM`, … on the 2024 ballot).
    pub code: String,
    /// Full name.
    pub name: String,
    /// Sum of the candidate's cards.
    pub votes: u64,
}

/// The counts an inspected acta carries (the report's `counts`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActaCounts {
    /// Votes per card, in ballot order.
    pub cards: Vec<CardVotes>,
    /// Votes per candidate (2024 ballot only; empty otherwise).
    pub candidates: Vec<CandidateVotes>,
    /// Sum of the cards.
    pub valid: u64,
    /// Null votes.
    pub null: u32,
    /// The unexplained last field (always 0 so far).
    pub last: u32,
}

impl DocumentFormat for VenezuelaActaQr {
    fn info(&self) -> &'static FormatInfo {
        &INFO
    }

    /// A code starting with a digit and containing `!`.
    fn detects(&self, code: &str) -> bool {
        code.contains('!') && code.starts_with(|c: char| c.is_ascii_digit())
    }

    fn read(&self, _election: &ElectionDef, contest: &Contest, payload: &str) -> QrReading {
        QrReading { format: VENEZUELA_ACTA, signature: None, counts: counts(contest, payload) }
    }

    fn inspect(&self, codes: &[&str]) -> Inspection {
        let mut payloads: Vec<String> = codes.iter().map(|s| s.to_string()).collect();
        payloads.dedup();
        let mut ins = Inspection::new(payloads);
        let mut distinct: Vec<&str> = codes.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.is_empty() {
            return ins;
        }
        if distinct.len() > 1 {
            ins.errors.push(format!(
                "{} different acta QR payloads were given; an acta has one code, inspect one sheet at a time",
                distinct.len()
            ));
            return ins;
        }
        let (expected, names) = match &self.ballot {
            Some(contest) => (count_owners(contest).len(), ballot_names(contest)),
            None => (VENEZUELA_2024_CARD_COUNT, ballot_2024_names()),
        };
        let qr = match venezuela_qr::parse(distinct[0], expected) {
            Ok(qr) => qr,
            Err(e) => {
                ins.errors.push(e.to_string());
                if self.ballot.is_none() {
                    ins.errors.push(
                        "read against the 2024 presidential ballot; for another election pass \
                         --election FILE|DIR|URL"
                            .into(),
                    );
                }
                return ins;
            }
        };
        let cards = qr
            .card_votes
            .iter()
            .enumerate()
            .map(|(i, &votes)| CardVotes { card: i + 1, party: names.cards.get(i).cloned().flatten(), votes })
            .collect();
        let totals = qr.candidate_totals(&names.owner);
        let candidates = names
            .candidates
            .iter()
            .zip(totals.into_iter().chain(std::iter::repeat(0)))
            .map(|((code, name), votes)| CandidateVotes { code: code.clone(), name: name.clone(), votes })
            .collect();
        ins.table = Some(qr.table_id());
        ins.counts = Some(Box::new(ActaCounts {
            cards,
            candidates,
            valid: qr.valid_votes(),
            null: qr.null_votes,
            last: qr.last,
        }));
        ins.details = Some(Box::new(qr));
        ins
    }
}

/// A ballot's names, for an inspection: per count its card name (if the
/// ballot lists cards) and owner, and the candidates `(id, name)`.
struct BallotNames {
    cards: Vec<Option<String>>,
    owner: Vec<usize>,
    candidates: Vec<(String, String)>,
}

fn ballot_names(contest: &Contest) -> BallotNames {
    let owner = count_owners(contest);
    let has_cards = contest.candidates.iter().any(|c| !c.cards.is_empty());
    let cards = if has_cards {
        contest.candidates.iter().flat_map(|c| c.cards.iter().map(|d| Some(d.name.clone()))).collect()
    } else {
        vec![None; owner.len()]
    };
    let candidates = contest.candidates.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
    BallotNames { cards, owner, candidates }
}

fn ballot_2024_names() -> BallotNames {
    BallotNames {
        cards: venezuela_2024_cards().iter().map(|c| Some(c.party.to_string())).collect(),
        owner: venezuela_2024_cards().iter().map(|c| c.candidate).collect(),
        candidates: venezuela_2024_candidates().iter().map(|c| (c.code.to_string(), c.name.to_string())).collect(),
    }
}

/// Which candidate each of the QR's counts belongs to: the contest's ballot
/// cards in the order listed, or, where the contest lists no cards, one
/// count per candidate (the QR read as candidate totals).
fn count_owners(contest: &Contest) -> Vec<usize> {
    let by_card: Vec<usize> =
        contest.candidates.iter().enumerate().flat_map(|(i, c)| std::iter::repeat_n(i, c.cards.len())).collect();
    if by_card.is_empty() {
        (0..contest.candidates.len()).collect()
    } else {
        by_card
    }
}

fn counts(contest: &Contest, payload: &str) -> Result<QrCounts, String> {
    let card_owner = count_owners(contest);
    let has_cards = contest.candidates.iter().any(|c| !c.cards.is_empty());
    let qr = venezuela_qr::parse(payload, card_owner.len()).map_err(|e| match e {
        venezuela_qr::QrError::CardCount { found, expected } if !has_cards => format!(
            "the acta QR has {found} counts but contest {} has {expected} candidates and lists no ballot cards: \
             list each candidate's cards in ballot order in the election file (docs/election-files.md)",
            contest.id
        ),
        e => e.to_string(),
    })?;
    let mut votes = BTreeMap::new();
    for (&v, &owner) in qr.card_votes.iter().zip(&card_owner) {
        *votes.entry(contest.candidates[owner].id.clone()).or_insert(0u64) += u64::from(v);
    }
    Ok(QrCounts { table: Some(format!("{}.{:02}", qr.centre, qr.mesa)), votes, null: Some(u64::from(qr.null_votes)) })
}
