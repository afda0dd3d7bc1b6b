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
