//! The QR payload printed on a Venezuelan acta de escrutinio.
//!
//! Format: `CCCCCCCCC.MM.1.0001!v1,v2,…,vN!NULOS!X` — the 9-digit centre,
//! the 2-digit table, two more header parts whose meaning is unpublished
//! (always `1` and `0001` on the actas seen), one vote count per ballot card
//! in ballot order, the null votes, and a last field that has always been 0.
//! The number of cards depends on the election (38 in 2024,
//! [`crate::VENEZUELA_2024_CARD_COUNT`]), so callers pass it in.
//!
//! Parsing is strict: a QR that does not follow the format exactly is
//! rejected with the field at fault, because a lenient reader could turn a
//! misread code into plausible-looking numbers.

use std::fmt;

/// Digits of the centre code.
const CENTRE_DIGITS: usize = 9;
/// Digits of the table number.
const TABLE_DIGITS: usize = 2;

/// A decoded acta QR payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActaQr {
    /// Voting-centre code, exactly 9 digits (EEMMPPCCC).
    pub centre: String,
    /// Table number within the centre, printed as 2 digits (so at most 99
    /// for [`format`] to produce a payload [`parse`] accepts).
    pub mesa: u16,
    /// Third and fourth dot-separated header parts (`1`, `0001`), digits
    /// kept verbatim because their meaning is not published.
    pub header_rest: [String; 2],
    /// Votes per ballot card, in ballot order.
    pub card_votes: Vec<u32>,
    /// Null votes (third field).
    pub null_votes: u32,
    /// Fourth field, always 0 on the actas seen; meaning unpublished.
    pub last: u32,
}

/// Which field of the payload an error is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QrField {
    /// Dot-separated header part, 1-based (1 centre, 2 table, 3 and 4 rest).
    Header(usize),
    /// Vote count of a ballot card, 1-based in ballot order.
    Card(usize),
    /// The null-votes field.
    NullVotes,
    /// The last field.
    Last,
}

impl fmt::Display for QrField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrField::Header(i) => write!(f, "header part {i}"),
            QrField::Card(i) => write!(f, "card {i}"),
            QrField::NullVotes => f.write_str("null votes"),
            QrField::Last => f.write_str("last field"),
        }
    }
}

/// Errors from [`parse`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QrError {
    /// The payload does not have 4 `!`-separated fields.
    #[error("acta QR has {found} '!'-separated fields, expected 4 (CENTRE.MESA.x.y!votes!NULOS!X); was the code read whole?")]
    FieldCount {
        /// Fields found.
        found: usize,
    },
    /// The header does not have 4 `.`-separated parts.
    #[error("acta QR header has {found} '.'-separated parts, expected 4 (CCCCCCCCC.MM.1.0001)")]
    HeaderPartCount {
        /// Parts found.
        found: usize,
    },
    /// The centre is not exactly 9 digits.
    #[error("acta QR centre {found:?} is not 9 digits")]
    BadCentre {
        /// The centre part as found.
        found: String,
    },
    /// The table is not exactly 2 digits.
    #[error("acta QR table {found:?} is not 2 digits")]
    BadTable {
        /// The table part as found.
        found: String,
    },
    /// A field that must be a decimal number is not.
    #[error("acta QR {field} is {value:?}, expected digits only")]
    NotNumeric {
        /// The field at fault.
        field: QrField,
        /// The text found.
        value: String,
    },
    /// A count does not fit in 32 bits (no table has that many voters).
    #[error("acta QR {field} is {value}, too large for a vote count")]
    Overflow {
        /// The field at fault.
        field: QrField,
        /// The text found.
        value: String,
    },
    /// The number of card counts differs from the ballot's.
    #[error("acta QR has {found} card counts, but the ballot has {expected} cards; is it from another election?")]
    CardCount {
        /// Counts found.
        found: usize,
        /// Cards on the ballot.
        expected: usize,
    },
}

/// True if `s` is non-empty and all ASCII digits.
fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses a count field: digits only, fitting in a `u32`.
fn count(field: QrField, value: &str) -> Result<u32, QrError> {
    if !is_digits(value) {
        return Err(QrError::NotNumeric { field, value: value.to_string() });
    }
    value.parse().map_err(|_| QrError::Overflow { field, value: value.to_string() })
}

/// Parses an acta QR payload whose ballot has `expected_cards` cards.
///
/// The text must be exactly the payload: no surrounding whitespace.
pub fn parse(payload: &str, expected_cards: usize) -> Result<ActaQr, QrError> {
    let fields: Vec<&str> = payload.split('!').collect();
    let [header, votes, nulls, last] = fields[..] else {
        return Err(QrError::FieldCount { found: fields.len() });
    };
    let parts: Vec<&str> = header.split('.').collect();
    let [centre, mesa, rest3, rest4] = parts[..] else {
        return Err(QrError::HeaderPartCount { found: parts.len() });
    };
    if centre.len() != CENTRE_DIGITS || !is_digits(centre) {
        return Err(QrError::BadCentre { found: centre.to_string() });
    }
    if mesa.len() != TABLE_DIGITS || !is_digits(mesa) {
        return Err(QrError::BadTable { found: mesa.to_string() });
    }
    for (i, part) in [(3, rest3), (4, rest4)] {
        if !is_digits(part) {
            return Err(QrError::NotNumeric { field: QrField::Header(i), value: part.to_string() });
        }
    }
    let card_votes =
        votes.split(',').enumerate().map(|(i, v)| count(QrField::Card(i + 1), v)).collect::<Result<Vec<_>, _>>()?;
    if card_votes.len() != expected_cards {
        return Err(QrError::CardCount { found: card_votes.len(), expected: expected_cards });
    }
    Ok(ActaQr {
        centre: centre.to_string(),
        // Two digits always fit.
        mesa: mesa.parse().map_err(|_| QrError::BadTable { found: mesa.to_string() })?,
        header_rest: [rest3.to_string(), rest4.to_string()],
        card_votes,
        null_votes: count(QrField::NullVotes, nulls)?,
        last: count(QrField::Last, last)?,
    })
}

/// Writes the payload of `qr`, the inverse of [`parse`].
pub fn format(qr: &ActaQr) -> String {
    let votes: Vec<String> = qr.card_votes.iter().map(u32::to_string).collect();
    format!(
        "{}.{:02}.{}.{}!{}!{}!{}",
        qr.centre,
        qr.mesa,
        qr.header_rest[0],
        qr.header_rest[1],
        votes.join(","),
        qr.null_votes,
        qr.last
    )
}

impl ActaQr {
    /// Votes per candidate: card `i`'s votes go to candidate
    /// `card_to_candidate[i]`. The result has one entry per candidate up to
    /// the largest index in the mapping.
    ///
    /// Pass a mapping with one entry per card (such as
    /// [`crate::venezuela_2024_card_to_candidate`]); cards beyond the
    /// mapping's length are not counted, which [`Self::valid_votes`] exposes.
    pub fn candidate_totals(&self, card_to_candidate: &[usize]) -> Vec<u64> {
        let n = card_to_candidate.iter().max().map_or(0, |m| m + 1);
        let mut totals = vec![0u64; n];
        for (&votes, &candidate) in self.card_votes.iter().zip(card_to_candidate) {
            totals[candidate] += u64::from(votes);
        }
        totals
    }

    /// Valid votes: the sum of all card counts.
    pub fn valid_votes(&self) -> u64 {
        self.card_votes.iter().map(|&v| u64::from(v)).sum()
    }
}

impl ActaQr {
    /// The table's identifier as `CENTRE.MM` (such as `201301006.01`), the
    /// form the QR header prints.
    pub fn table_id(&self) -> String {
        format!("{}.{:02}", self.centre, self.mesa)
    }

    /// Compares the QR's counts with counts typed from the same sheet
    /// (by a witness, or from a published CSV row), returning every
    /// disagreement; an empty list means they agree.
    ///
    /// `card_to_candidate` maps each card to its candidate (see
    /// [`card_mapping`]); `typed.candidate_votes` must follow the same
    /// candidate order.
    pub fn cross_check(&self, card_to_candidate: &[usize], typed: &TypedCounts) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if let Some(centre) = &typed.centre {
            // The CSVs drop leading zeros; compare as numbers when both are digits.
            let same = match (centre.parse::<u64>(), self.centre.parse::<u64>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => *centre == self.centre,
            };
            if !same {
                out.push(Mismatch::Centre { qr: self.centre.clone(), typed: centre.clone() });
            }
        }
        if let Some(mesa) = typed.mesa {
            if mesa != self.mesa {
                out.push(Mismatch::Mesa { qr: self.mesa, typed: mesa });
            }
        }
        if card_to_candidate.len() != self.card_votes.len() {
            out.push(Mismatch::CardMapping { cards: self.card_votes.len(), mapped: card_to_candidate.len() });
            return out;
        }
        let totals = self.candidate_totals(card_to_candidate);
        if totals.len() != typed.candidate_votes.len() {
            out.push(Mismatch::CandidateCount { qr: totals.len(), typed: typed.candidate_votes.len() });
        }
        for (candidate, (&qr, &typed)) in totals.iter().zip(&typed.candidate_votes).enumerate() {
            if qr != typed {
                out.push(Mismatch::Candidate { candidate, qr, typed });
            }
        }
        if let Some(null) = typed.null_votes {
            if null != u64::from(self.null_votes) {
                out.push(Mismatch::NullVotes { qr: u64::from(self.null_votes), typed: null });
            }
        }
        out
    }
}

/// Counts typed from a sheet, to compare with its QR ([`ActaQr::cross_check`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TypedCounts {
    /// The centre code, if typed (leading zeros may be missing).
    pub centre: Option<String>,
    /// The table number, if typed.
    pub mesa: Option<u16>,
    /// Votes per candidate, in the mapping's candidate order.
    pub candidate_votes: Vec<u64>,
    /// Null votes, if typed.
    pub null_votes: Option<u64>,
}

/// One disagreement between a QR and typed counts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// The QR names another centre.
    #[error("the QR is from centre {qr}, the typed sheet says {typed}")]
    Centre {
        /// Centre in the QR.
        qr: String,
        /// Centre typed.
        typed: String,
    },
    /// The QR names another table.
    #[error("the QR is from table {qr}, the typed sheet says {typed}")]
    Mesa {
        /// Table in the QR.
        qr: u16,
        /// Table typed.
        typed: u16,
    },
    /// The card mapping does not cover the QR's cards.
    #[error("the QR has {cards} card counts but the candidate mapping covers {mapped} cards")]
    CardMapping {
        /// Cards in the QR.
        cards: usize,
        /// Cards in the mapping.
        mapped: usize,
    },
    /// The number of candidates differs.
    #[error("the QR yields {qr} candidates, the typed sheet has {typed}")]
    CandidateCount {
        /// Candidates from the QR.
        qr: usize,
        /// Candidates typed.
        typed: usize,
    },
    /// A candidate's votes differ.
    #[error("candidate {candidate}: the QR says {qr} votes, the typed sheet {typed}")]
    Candidate {
        /// Index of the candidate in ballot order.
        candidate: usize,
        /// Votes per the QR (sum of the candidate's cards).
        qr: u64,
        /// Votes typed.
        typed: u64,
    },
    /// Null votes differ.
    #[error("the QR says {qr} null votes, the typed sheet {typed}")]
    NullVotes {
        /// Null votes per the QR.
        qr: u64,
        /// Null votes typed.
        typed: u64,
    },
}

/// The card-to-candidate mapping for a ballot where candidate `i` has
/// `cards_per_candidate[i]` consecutive cards (the Venezuelan layout: the
/// election model's candidates list their cards in ballot order).
pub fn card_mapping(cards_per_candidate: &[usize]) -> Vec<usize> {
    cards_per_candidate.iter().enumerate().flat_map(|(i, &n)| std::iter::repeat_n(i, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{venezuela_2024_card_to_candidate, VENEZUELA_2024_CARD_COUNT};
    use proptest::prelude::*;

    const EXAMPLE: &str = include_str!("../testdata/venezuela_acta_example.txt");

    #[test]
    fn readme_example() {
        let qr = parse(EXAMPLE.trim_end(), VENEZUELA_2024_CARD_COUNT).unwrap();
        assert_eq!(qr.table_id(), "201301006.01");
        assert_eq!(qr.mesa, 1);
        let totals = qr.candidate_totals(&venezuela_2024_card_to_candidate());
        // Maduro 188, González 167, valid 368 (README; matches the CSV row).
        assert_eq!(totals[0], 188);
        assert_eq!(totals[7], 167);
        assert_eq!(qr.valid_votes(), 368);
        assert_eq!(totals.iter().sum::<u64>(), 368);
        assert_eq!(format(&qr), EXAMPLE.trim_end());
        assert_eq!(card_mapping(&[13, 6, 1, 4, 6, 1, 2, 3, 1, 1]), venezuela_2024_card_to_candidate());
    }

    #[test]
    fn cross_check_finds_each_disagreement() {
        let qr = parse(EXAMPLE.trim_end(), VENEZUELA_2024_CARD_COUNT).unwrap();
        let map = venezuela_2024_card_to_candidate();
        let totals = qr.candidate_totals(&map);
        let agree = TypedCounts {
            centre: Some("201301006".into()),
            mesa: Some(1),
            candidate_votes: totals.clone(),
            null_votes: Some(0),
        };
        assert_eq!(qr.cross_check(&map, &agree), []);
        let mut typed = agree.clone();
        typed.candidate_votes[7] += 1;
        typed.null_votes = Some(3);
        typed.mesa = Some(2);
        typed.centre = Some("201301007".into());
        assert_eq!(
            qr.cross_check(&map, &typed),
            [
                Mismatch::Centre { qr: "201301006".into(), typed: "201301007".into() },
                Mismatch::Mesa { qr: 1, typed: 2 },
                Mismatch::Candidate { candidate: 7, qr: 167, typed: 168 },
                Mismatch::NullVotes { qr: 0, typed: 3 },
            ]
        );
        // Leading zeros dropped by the CSV still match.
        let qr2 = parse(&EXAMPLE.trim_end().replacen("201301006", "010101001", 1), 38).unwrap();
        let csv_like = TypedCounts { centre: Some("10101001".into()), ..TypedCounts::default() };
        assert!(!qr2.cross_check(&map, &csv_like).iter().any(|m| matches!(m, Mismatch::Centre { .. })));
        assert_eq!(qr.cross_check(&map[..37], &agree), [Mismatch::CardMapping { cards: 38, mapped: 37 }]);
    }

    #[test]
    fn strict_errors() {
        let good = EXAMPLE.trim_end();
        let cases: Vec<(String, QrError)> = vec![
            (good.replacen("!0!0", "!0", 1), QrError::FieldCount { found: 3 }),
            (format!("{good}!0"), QrError::FieldCount { found: 5 }),
            (good.replacen(".1.0001", ".1", 1), QrError::HeaderPartCount { found: 3 }),
            (good.replacen("201301006", "20130100", 1), QrError::BadCentre { found: "20130100".into() }),
            (good.replacen("201301006", "2013010X6", 1), QrError::BadCentre { found: "2013010X6".into() }),
            (good.replacen(".01.", ".1.", 1), QrError::BadTable { found: "1".into() }),
            (
                good.replacen(".0001!", ".00A1!", 1),
                QrError::NotNumeric { field: QrField::Header(4), value: "00A1".into() },
            ),
            (good.replacen("!140,", "!14O,", 1), QrError::NotNumeric { field: QrField::Card(1), value: "14O".into() }),
            (
                good.replacen("!140,", "!-140,", 1),
                QrError::NotNumeric { field: QrField::Card(1), value: "-140".into() },
            ),
            (good.replacen("!140,7,", "!140,,", 1), QrError::NotNumeric { field: QrField::Card(2), value: "".into() }),
            (good.replacen("!140,", "!140,0,", 1), QrError::CardCount { found: 39, expected: 38 }),
            (good.replacen("!140,7,", "!140,", 1), QrError::CardCount { found: 37, expected: 38 }),
            (good.replacen("!0!0", "!x!0", 1), QrError::NotNumeric { field: QrField::NullVotes, value: "x".into() }),
            (good.replacen("!0!0", "!0!", 1), QrError::NotNumeric { field: QrField::Last, value: "".into() }),
            (
                good.replacen("!140,", "!99999999999,", 1),
                QrError::Overflow { field: QrField::Card(1), value: "99999999999".into() },
            ),
            (format!(" {good}"), QrError::BadCentre { found: " 201301006".into() }),
            (format!("{good}\n"), QrError::NotNumeric { field: QrField::Last, value: "0\n".into() }),
        ];
        for (text, want) in cases {
            assert_eq!(parse(&text, VENEZUELA_2024_CARD_COUNT), Err(want), "{text}");
        }
    }

    fn arb_acta() -> impl Strategy<Value = ActaQr> {
        (
            "[0-9]{9}",
            0u16..100,
            ("[0-9]{1,3}", "[0-9]{1,5}"),
            prop::collection::vec(any::<u32>(), 1..60),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(|(centre, mesa, (a, b), card_votes, null_votes, last)| ActaQr {
                centre,
                mesa,
                header_rest: [a, b],
                card_votes,
                null_votes,
                last,
            })
    }

    proptest! {
        #[test]
        fn round_trip(qr in arb_acta()) {
            let text = format(&qr);
            prop_assert_eq!(parse(&text, qr.card_votes.len()), Ok(qr));
        }

        #[test]
        fn never_panics(text in "[0-9.!,]{0,80}", n in 0usize..50) {
            let _ = parse(&text, n);
        }
    }
}
