//! Figures the CNE (Venezuela's electoral authority) announced for 2024.
//!
//! The CNE never published per-table results, only national bulletins. We
//! keep their figures as data, copied from `data/venezuela-2024/README.md`,
//! so that later layers can compute — not hard-code — how they compare with
//! the tables the opposition published.

/// Registry and infrastructure figures the CNE gave for 2024.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CneRegistry {
    /// Eligible Venezuelans in the registry, including those abroad.
    pub eligible: u64,
    /// Of [`Self::eligible`], those registered abroad.
    pub eligible_abroad: u64,
    /// Registered voters quoted in the 2 August 2024 bulletin.
    pub registered_bulletin_2: u64,
    /// Voting tables, one voting machine each.
    pub tables: u64,
    /// Voting centres (the CNE gave an approximate number).
    pub centres_approx: u64,
}

/// One national results bulletin of the CNE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CneBulletin {
    /// Bulletin number (1 or 2).
    pub number: u8,
    /// Date announced, ISO 8601.
    pub date: &'static str,
    /// Share of actas the CNE said it had counted, as announced (percent).
    pub actas_percent: &'static str,
    /// Votes cast (valid + null), when announced.
    pub voters: Option<u64>,
    /// Valid votes: the sum of the candidates' votes (bulletin 1 calls it
    /// the "total").
    pub valid: u64,
    /// Null votes, when announced.
    pub null: Option<u64>,
    /// Votes per candidate, by CSV column code; candidates the bulletin did
    /// not name individually are missing.
    pub candidates: &'static [(&'static str, u64)],
    /// Votes of the candidates not in [`Self::candidates`], announced as one
    /// figure ("the eight others").
    pub others_combined: Option<u64>,
    /// "Electores en actas": registered voters of the counted tables.
    pub electors_in_actas: Option<u64>,
}

/// The CNE's registry figures for 2024.
pub fn venezuela_2024_cne_registry() -> CneRegistry {
    CneRegistry {
        eligible: 21_392_464,
        eligible_abroad: 69_211,
        registered_bulletin_2: 21_321_805,
        tables: 30_026,
        centres_approx: 15_797,
    }
}

static BULLETINS: [CneBulletin; 2] = [
    CneBulletin {
        number: 1,
        date: "2024-07-29",
        actas_percent: "80",
        voters: None,
        valid: 10_058_774,
        null: None,
        candidates: &[("NM", 5_150_092), ("EG", 4_445_978)],
        others_combined: Some(462_704),
        electors_in_actas: None,
    },
    CneBulletin {
        number: 2,
        date: "2024-08-02",
        actas_percent: "96.87",
        voters: Some(12_386_669),
        valid: 12_335_884,
        null: Some(50_785),
        candidates: &[
            ("NM", 6_408_844),
            ("EG", 5_326_104),
            ("LM", 152_360),
            ("AE", 116_421),
            ("BERA", 92_903),
            ("JOBR", 84_231),
            ("JABE", 64_452),
            ("CF", 40_902),
            ("EM", 29_611),
            ("DC", 20_056),
        ],
        others_combined: None,
        electors_in_actas: Some(20_654_431),
    },
];

/// The two national bulletins of 2024, in order.
pub fn venezuela_2024_cne_bulletins() -> &'static [CneBulletin] {
    &BULLETINS
}

#[cfg(test)]
mod tests {
    use super::*;

    // The figures are copied by hand; these identities catch a typo.
    #[test]
    fn bulletins_add_up() {
        for b in venezuela_2024_cne_bulletins() {
            let named: u64 = b.candidates.iter().map(|(_, v)| v).sum();
            assert_eq!(named + b.others_combined.unwrap_or(0), b.valid, "bulletin {}", b.number);
            if let (Some(voters), Some(null)) = (b.voters, b.null) {
                assert_eq!(b.valid + null, voters);
            }
        }
    }

    #[test]
    fn codes_are_candidates() {
        let codes: Vec<&str> = crate::venezuela_2024_candidates().iter().map(|c| c.code).collect();
        for b in venezuela_2024_cne_bulletins() {
            assert!(b.candidates.iter().all(|(c, _)| codes.contains(c)));
        }
    }
}
