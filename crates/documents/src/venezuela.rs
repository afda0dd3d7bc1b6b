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
/// per sheet, unsigned. Read for a contest, its card counts are summed into
/// candidates through the contest's ballot cards, in the order the election
/// definition lists them.
#[derive(Clone, Copy, Debug)]
pub struct VenezuelaActaQr {
    /// Cards on the ballot, hence counts in an acta QR, when inspecting
    /// (38 in 2024; reading for a contest counts the contest's cards). Card
    /// and candidate names in the inspection are the 2024 ones when this is
    /// 38, and omitted otherwise.
    pub inspect_cards: usize,
}

impl Default for VenezuelaActaQr {
    fn default() -> Self {
        VenezuelaActaQr { inspect_cards: VENEZUELA_2024_CARD_COUNT }
    }
}

/// One card's votes on a Venezuelan acta.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CardVotes {
    /// Position on the ballot, 1-based.
    pub card: usize,
    /// Party on the card (2024 ballot only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<&'static str>,
    /// Votes.
    pub votes: u32,
}

/// One candidate's votes on a Venezuelan acta (2024 ballot only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidateVotes {
    /// CSV column code (`EG`, `NM`, …).
    pub code: &'static str,
    /// Full name.
    pub name: &'static str,
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
        let qr = match venezuela_qr::parse(distinct[0], self.inspect_cards) {
            Ok(qr) => qr,
            Err(e) => {
                ins.errors.push(e.to_string());
                return ins;
            }
        };
        let ballot_2024 = qr.card_votes.len() == VENEZUELA_2024_CARD_COUNT;
        let cards = qr
            .card_votes
            .iter()
            .enumerate()
            .map(|(i, &votes)| CardVotes {
                card: i + 1,
                party: ballot_2024.then(|| venezuela_2024_cards()[i].party),
                votes,
            })
            .collect();
        let candidates = if ballot_2024 {
            let map: Vec<usize> = venezuela_2024_cards().iter().map(|c| c.candidate).collect();
            let totals = qr.candidate_totals(&map);
            venezuela_2024_candidates()
                .iter()
                .zip(totals)
                .map(|(c, votes)| CandidateVotes { code: c.code, name: c.name, votes })
                .collect()
        } else {
            Vec::new()
        };
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

fn counts(contest: &Contest, payload: &str) -> Result<QrCounts, String> {
    let card_owner: Vec<usize> =
        contest.candidates.iter().enumerate().flat_map(|(i, c)| std::iter::repeat_n(i, c.cards.len())).collect();
    if card_owner.is_empty() {
        return Err(format!("contest {} lists no ballot cards, so an acta QR cannot be read for it", contest.id));
    }
    let qr = venezuela_qr::parse(payload, card_owner.len()).map_err(|e| e.to_string())?;
    let mut votes = BTreeMap::new();
    for (&v, &owner) in qr.card_votes.iter().zip(&card_owner) {
        *votes.entry(contest.candidates[owner].id.clone()).or_insert(0u64) += u64::from(v);
    }
    Ok(QrCounts { table: Some(format!("{}.{:02}", qr.centre, qr.mesa)), votes, null: Some(u64::from(qr.null_votes)) })
}
