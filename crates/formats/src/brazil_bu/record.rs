//! The typed view of a BU's content: header fields and per-office results.
//!
//! Only the fields later layers use are typed; every other record is kept,
//! in order, in an `other` list, so nothing printed is lost. The raw records
//! stay available as [`super::Payload::content`].

use std::collections::BTreeMap;

use super::content::{BuContent, Entry};

/// Section-level fields of a BU (records before the first `CARG`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuHeader {
    /// `ORIG`: origin (`VOTA` machine, `RED` recovered data, `SA` paper).
    pub origin: Option<String>,
    /// `TURN`: round.
    pub round: Option<u32>,
    /// `FASE`: `O` official, `S` simulated, `T` training.
    pub phase: Option<String>,
    /// `UNFE`: state (`ZZ` abroad).
    pub state: Option<String>,
    /// `MUNI`: municipality code.
    pub municipality: Option<u32>,
    /// `ZONA`: electoral zone.
    pub zone: Option<u32>,
    /// `SECA`: section.
    pub section: Option<u32>,
    /// `IDUE`: voting-machine serial number.
    pub machine_id: Option<String>,
    /// `APTO`: eligible voters.
    pub eligible: Option<u32>,
    /// `COMP`: voters present.
    pub present: Option<u32>,
    /// `FALT`: voters absent.
    pub absent: Option<u32>,
    /// Every other header record, in printed order.
    pub other: Vec<Entry>,
}

/// The votes of one party within a proportional office (`PART` block).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartyVotes {
    /// `PART`: party number.
    pub party: u32,
    /// Votes per candidate number (only candidates with votes are printed).
    pub candidate_votes: BTreeMap<u32, u32>,
    /// `LEGP`: party-list votes (votes for the party number only).
    pub list_votes: Option<u32>,
    /// `TOTP`: the party's total.
    pub total: Option<u32>,
}

/// The results of one office (`CARG` block).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Office {
    /// `CARG`: office code (1 President, 3 Governor, 5 Senator, 6 Federal
    /// Deputy, 7 State Deputy, 11 Mayor, 13 Councillor).
    pub office: u32,
    /// `TIPO`: 0 majoritarian, 1 proportional, 2 referendum.
    pub kind: Option<u32>,
    /// Votes per candidate number printed outside party blocks (the
    /// majoritarian layout).
    pub candidate_votes: BTreeMap<u32, u32>,
    /// Party blocks (the proportional layout), in printed order.
    pub parties: Vec<PartyVotes>,
    /// `APTA`: eligible voters for this office.
    pub eligible: Option<u32>,
    /// `NOMI`: nominal votes (for candidates).
    pub nominal: Option<u32>,
    /// `LEGC`: party-list votes.
    pub list_votes: Option<u32>,
    /// `BRAN`: blank votes.
    pub blank: Option<u32>,
    /// `NULO`: null votes.
    pub null: Option<u32>,
    /// `TOTC`: total votes.
    pub total: Option<u32>,
    /// Every other record of the office (`VERC`, `APTS`, …), in order.
    pub other: Vec<Entry>,
}

impl Office {
    /// Votes per candidate number, in or out of party blocks.
    pub fn all_candidate_votes(&self) -> BTreeMap<u32, u32> {
        let mut all = self.candidate_votes.clone();
        for p in &self.parties {
            all.extend(&p.candidate_votes);
        }
        all
    }

    /// Party-list votes (`LEGP`) per party number.
    pub fn party_list_votes(&self) -> BTreeMap<u32, u32> {
        self.parties.iter().filter_map(|p| Some((p.party, p.list_votes?))).collect()
    }
}

/// A BU's content, typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuRecord {
    /// Section-level fields.
    pub header: BuHeader,
    /// Offices in printed order.
    pub offices: Vec<Office>,
}

/// Errors mapping content to a [`BuRecord`]. `entry` is the 1-based
/// position of the record in the content.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContentError {
    /// A record that must be a count or code is not a number.
    #[error("record {entry} ({key}:{value}) should be a number")]
    NotNumeric {
        /// Position of the record.
        entry: usize,
        /// Its key.
        key: String,
        /// Its value.
        value: String,
    },
    /// A field appears twice in the same scope.
    #[error("record {entry}: {key} appears twice in the same {scope}")]
    Duplicate {
        /// Position of the second record.
        entry: usize,
        /// The repeated key (or candidate/party number).
        key: String,
        /// "header", "office" or "party".
        scope: &'static str,
    },
    /// A vote record appears before any `CARG`.
    #[error("record {entry}: {key} appears before the first CARG; votes must belong to an office")]
    OutsideOffice {
        /// Position of the record.
        entry: usize,
        /// Its key.
        key: String,
    },
    /// `LEGP` or `TOTP` outside a `PART` block.
    #[error("record {entry}: {key} appears outside a PART block")]
    OutsideParty {
        /// Position of the record.
        entry: usize,
        /// Its key.
        key: String,
    },
}

/// True for candidate-number keys.
fn is_number_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a decimal `u32`.
fn number(entry: usize, key: &str, value: &str) -> Result<u32, ContentError> {
    if is_number_key(value) {
        if let Ok(n) = value.parse() {
            return Ok(n);
        }
    }
    Err(ContentError::NotNumeric { entry, key: key.to_string(), value: value.to_string() })
}

/// Sets a field once.
fn set_once<T>(slot: &mut Option<T>, v: T, entry: usize, key: &str, scope: &'static str) -> Result<(), ContentError> {
    if slot.is_some() {
        return Err(ContentError::Duplicate { entry, key: key.to_string(), scope });
    }
    *slot = Some(v);
    Ok(())
}

/// Keys that only make sense inside an office.
const OFFICE_ONLY: [&str; 3] = ["PART", "LEGP", "TOTP"];

impl BuHeader {
    fn set(&mut self, entry: usize, e: &Entry) -> Result<(), ContentError> {
        let (k, v) = (e.key.as_str(), e.value.as_str());
        let s = "header";
        match k {
            "ORIG" => set_once(&mut self.origin, v.to_string(), entry, k, s),
            "TURN" => set_once(&mut self.round, number(entry, k, v)?, entry, k, s),
            "FASE" => set_once(&mut self.phase, v.to_string(), entry, k, s),
            "UNFE" => set_once(&mut self.state, v.to_string(), entry, k, s),
            "MUNI" => set_once(&mut self.municipality, number(entry, k, v)?, entry, k, s),
            "ZONA" => set_once(&mut self.zone, number(entry, k, v)?, entry, k, s),
            "SECA" => set_once(&mut self.section, number(entry, k, v)?, entry, k, s),
            "IDUE" => set_once(&mut self.machine_id, v.to_string(), entry, k, s),
            "APTO" => set_once(&mut self.eligible, number(entry, k, v)?, entry, k, s),
            "COMP" => set_once(&mut self.present, number(entry, k, v)?, entry, k, s),
            "FALT" => set_once(&mut self.absent, number(entry, k, v)?, entry, k, s),
            _ if is_number_key(k) || OFFICE_ONLY.contains(&k) => {
                Err(ContentError::OutsideOffice { entry, key: k.to_string() })
            }
            _ => {
                self.other.push(e.clone());
                Ok(())
            }
        }
    }

    fn write(&self, out: &mut Vec<Entry>) {
        let text = [("ORIG", &self.origin), ("FASE", &self.phase), ("UNFE", &self.state)];
        let counts = [("TURN", self.round), ("MUNI", self.municipality), ("ZONA", self.zone), ("SECA", self.section)];
        out.extend(text.iter().filter_map(|(k, v)| Some(Entry::new(*k, v.as_deref()?))));
        out.extend(counts.iter().filter_map(|(k, v)| Some(Entry::new(*k, (*v)?.to_string()))));
        out.extend(self.machine_id.as_deref().map(|v| Entry::new("IDUE", v)));
        let voters = [("APTO", self.eligible), ("COMP", self.present), ("FALT", self.absent)];
        out.extend(voters.iter().filter_map(|(k, v)| Some(Entry::new(*k, (*v)?.to_string()))));
        out.extend(self.other.iter().cloned());
    }
}

/// An office being read, and whether a `PART` block is open.
struct OfficeReader {
    office: Office,
    party_open: bool,
}

impl OfficeReader {
    fn set(&mut self, entry: usize, e: &Entry) -> Result<(), ContentError> {
        let (k, v) = (e.key.as_str(), e.value.as_str());
        let o = &mut self.office;
        if is_number_key(k) {
            let candidate = number(entry, "candidate number", k)?;
            let votes = number(entry, k, v)?;
            let seen = o.candidate_votes.contains_key(&candidate)
                || o.parties.iter().any(|p| p.candidate_votes.contains_key(&candidate));
            if seen {
                return Err(ContentError::Duplicate { entry, key: k.to_string(), scope: "office" });
            }
            match o.parties.last_mut().filter(|_| self.party_open) {
                Some(p) => p.candidate_votes.insert(candidate, votes),
                None => o.candidate_votes.insert(candidate, votes),
            };
            return Ok(());
        }
        if k == "LEGP" || k == "TOTP" {
            let Some(p) = o.parties.last_mut().filter(|_| self.party_open) else {
                return Err(ContentError::OutsideParty { entry, key: k.to_string() });
            };
            let slot = if k == "LEGP" { &mut p.list_votes } else { &mut p.total };
            return set_once(slot, number(entry, k, v)?, entry, k, "party");
        }
        if k == "PART" {
            let party = number(entry, k, v)?;
            if o.parties.iter().any(|p| p.party == party) {
                return Err(ContentError::Duplicate { entry, key: format!("PART:{party}"), scope: "office" });
            }
            o.parties.push(PartyVotes { party, ..PartyVotes::default() });
            self.party_open = true;
            return Ok(());
        }
        // Any other record ends the current party block.
        self.party_open = false;
        let s = "office";
        match k {
            "TIPO" => set_once(&mut o.kind, number(entry, k, v)?, entry, k, s),
            "APTA" => set_once(&mut o.eligible, number(entry, k, v)?, entry, k, s),
            "NOMI" => set_once(&mut o.nominal, number(entry, k, v)?, entry, k, s),
            "LEGC" => set_once(&mut o.list_votes, number(entry, k, v)?, entry, k, s),
            "BRAN" => set_once(&mut o.blank, number(entry, k, v)?, entry, k, s),
            "NULO" => set_once(&mut o.null, number(entry, k, v)?, entry, k, s),
            "TOTC" => set_once(&mut o.total, number(entry, k, v)?, entry, k, s),
            _ => {
                o.other.push(e.clone());
                Ok(())
            }
        }
    }
}

impl Office {
    fn write(&self, out: &mut Vec<Entry>) {
        let count = |k: &str, v: u32| Entry::new(k, v.to_string());
        out.push(count("CARG", self.office));
        out.extend(self.kind.map(|v| count("TIPO", v)));
        out.extend(self.other.iter().cloned());
        out.extend(self.candidate_votes.iter().map(|(c, v)| count(&c.to_string(), *v)));
        for p in &self.parties {
            out.push(count("PART", p.party));
            out.extend(p.candidate_votes.iter().map(|(c, v)| count(&c.to_string(), *v)));
            out.extend(p.list_votes.map(|v| count("LEGP", v)));
            out.extend(p.total.map(|v| count("TOTP", v)));
        }
        let summary = [
            ("APTA", self.eligible),
            ("NOMI", self.nominal),
            ("LEGC", self.list_votes),
            ("BRAN", self.blank),
            ("NULO", self.null),
            ("TOTC", self.total),
        ];
        out.extend(summary.iter().filter_map(|(k, v)| Some(count(k, (*v)?))));
    }
}

impl BuRecord {
    /// Maps content records to the typed view.
    pub fn from_content(content: &BuContent) -> Result<Self, ContentError> {
        let mut header = BuHeader::default();
        let mut offices: Vec<OfficeReader> = Vec::new();
        for (i, e) in content.entries.iter().enumerate() {
            let entry = i + 1;
            if e.key == "CARG" {
                let office = Office { office: number(entry, "CARG", &e.value)?, ..Office::default() };
                offices.push(OfficeReader { office, party_open: false });
                continue;
            }
            match offices.last_mut() {
                Some(o) => o.set(entry, e)?,
                None => header.set(entry, e)?,
            }
        }
        Ok(BuRecord { header, offices: offices.into_iter().map(|o| o.office).collect() })
    }

    /// Writes the typed view back as content records in a canonical order.
    ///
    /// [`Self::from_content`] of the result equals `self` as long as the
    /// `other` lists hold no key that has a typed field (or starts an office
    /// or party block) in their scope.
    pub fn to_content(&self) -> BuContent {
        let mut entries = Vec::new();
        self.header.write(&mut entries);
        for o in &self.offices {
            o.write(&mut entries);
        }
        BuContent { entries }
    }
}
