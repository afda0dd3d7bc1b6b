//! The 2024 Venezuelan presidential ballot: 10 candidates, 38 party cards.
//!
//! Venezuelan voters pick a *card* (a party's picture of its candidate); a
//! candidate backed by several parties appears on several cards, and the
//! acta's QR code counts votes per card. The opposition's CSVs only give
//! candidate totals. This table links the two so that a QR payload can be
//! reduced to candidate totals and compared with a CSV row.
//!
//! Candidates are listed in ballot order (the order of their first card),
//! and every per-candidate array in this crate uses that order.

/// One presidential candidate of 2024.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Column code used by the opposition's CSV files (`EG`, `NM`, …).
    pub code: &'static str,
    /// Full name, as the dataset README gives it.
    pub name: &'static str,
    /// Parties whose cards carry this candidate, in ballot (QR) order.
    pub parties: &'static [&'static str],
}

/// One card of the 2024 ballot: a party supporting a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BallotCard {
    /// Party acronym printed on the card.
    pub party: &'static str,
    /// Index of the candidate in [`venezuela_2024_candidates`].
    pub candidate: usize,
}

/// Number of cards on the 2024 ballot, hence of vote counts in an acta QR.
pub const VENEZUELA_2024_CARD_COUNT: usize = 38;

static CANDIDATES: [Candidate; 10] = [
    Candidate {
        code: "NM",
        name: "Nicolás Maduro",
        parties: &["PSUV", "PCV", "TUPAMARO", "PPT", "MSV", "PODEMOS", "MEP", "APC", "ORA", "UPV", "EV", "PVV", "PFV"],
    },
    Candidate { code: "LM", name: "Luis Eduardo Martínez", parties: &["AD", "COPEI", "MR", "BR", "DDP", "UNE"] },
    Candidate { code: "JABE", name: "Javier Bertucci", parties: &["EL CAMBIO"] },
    Candidate { code: "JOBR", name: "José Brito", parties: &["PV", "VU", "UVV", "MPJ"] },
    Candidate {
        code: "AE",
        name: "Antonio Ecarri",
        parties: &["AP", "MOVEV", "CMC", "FV", "ALIANZA DEL LÁPIZ", "MIN UNIDAD"],
    },
    Candidate { code: "CF", name: "Claudio Fermín", parties: &["SPV"] },
    Candidate { code: "DC", name: "Daniel Ceballos", parties: &["VPA", "AREPA"] },
    Candidate { code: "EG", name: "Edmundo González Urrutia", parties: &["UNTC", "MPV", "MUD"] },
    Candidate { code: "EM", name: "Enrique Márquez", parties: &["CENTRADOS"] },
    Candidate { code: "BERA", name: "Benjamín Rausseo", parties: &["CONDE"] },
];

/// Shorthand for the card table below.
const fn card(party: &'static str, candidate: usize) -> BallotCard {
    BallotCard { party, candidate }
}

// Written out (rather than derived from CANDIDATES) so that it reads like the
// published ballot; a unit test checks the two tables agree.
static CARDS: [BallotCard; VENEZUELA_2024_CARD_COUNT] = [
    card("PSUV", 0),
    card("PCV", 0),
    card("TUPAMARO", 0),
    card("PPT", 0),
    card("MSV", 0),
    card("PODEMOS", 0),
    card("MEP", 0),
    card("APC", 0),
    card("ORA", 0),
    card("UPV", 0),
    card("EV", 0),
    card("PVV", 0),
    card("PFV", 0),
    card("AD", 1),
    card("COPEI", 1),
    card("MR", 1),
    card("BR", 1),
    card("DDP", 1),
    card("UNE", 1),
    card("EL CAMBIO", 2),
    card("PV", 3),
    card("VU", 3),
    card("UVV", 3),
    card("MPJ", 3),
    card("AP", 4),
    card("MOVEV", 4),
    card("CMC", 4),
    card("FV", 4),
    card("ALIANZA DEL LÁPIZ", 4),
    card("MIN UNIDAD", 4),
    card("SPV", 5),
    card("VPA", 6),
    card("AREPA", 6),
    card("UNTC", 7),
    card("MPV", 7),
    card("MUD", 7),
    card("CENTRADOS", 8),
    card("CONDE", 9),
];

/// The 10 candidates of 2024 in ballot order: Maduro (NM), Martínez (LM),
/// Bertucci (JABE), Brito (JOBR), Ecarri (AE), Fermín (CF), Ceballos (DC),
/// González (EG), Márquez (EM), Rausseo (BERA).
///
/// This is the order of [`crate::venezuela_csv::ActaRow::candidate_votes`]
/// and of [`crate::venezuela_qr::ActaQr::candidate_totals`] with
/// [`venezuela_2024_card_to_candidate`]; the demo builds its election
/// definition from it.
pub fn venezuela_2024_candidates() -> &'static [Candidate] {
    &CANDIDATES
}

/// The 38 cards of 2024 in the order of the acta QR's vote counts.
pub fn venezuela_2024_cards() -> &'static [BallotCard] {
    &CARDS
}

/// For each of the 38 cards in QR order, the index of its candidate: the
/// mapping [`crate::venezuela_qr::ActaQr::candidate_totals`] expects.
pub fn venezuela_2024_card_to_candidate() -> Vec<usize> {
    CARDS.iter().map(|c| c.candidate).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_agree_with_candidates() {
        let from_candidates: Vec<(&str, usize)> =
            CANDIDATES.iter().enumerate().flat_map(|(i, c)| c.parties.iter().map(move |p| (*p, i))).collect();
        let cards: Vec<(&str, usize)> = CARDS.iter().map(|c| (c.party, c.candidate)).collect();
        assert_eq!(from_candidates, cards);
    }

    #[test]
    fn card_counts_per_candidate() {
        let counts: Vec<usize> = CANDIDATES.iter().map(|c| c.parties.len()).collect();
        assert_eq!(counts, [13, 6, 1, 4, 6, 1, 2, 3, 1, 1]);
    }
}
