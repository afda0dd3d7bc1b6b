//! Putting the scanned parts of a BU back together.
//!
//! Phones scan QR codes in whatever order the user points the camera and
//! often scan one twice, so parts are accepted in any order and identical
//! repeats are dropped; two *different* texts for the same part number mean
//! parts of different BUs were mixed, which is an error.

use std::collections::BTreeMap;

use super::chain::{self, ChainStatus};
use super::content::BuContent;
use super::keys::KeySet;
use super::part::{parse_part, BuPart, PartError};
use super::record::{BuRecord, ContentError};
use super::verify::{self, Verification};

/// A complete BU: all its parts, in order, and their joined content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// Format version (`VRQR`) shared by all parts.
    pub version: String,
    /// Signing-key version (`VRCH`) shared by all parts.
    pub key_version: Option<String>,
    /// The parts, part 1 first, one per number.
    pub parts: Vec<BuPart>,
    /// The content records of all parts, in order.
    pub content: BuContent,
}

/// Errors from [`assemble`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssembleError {
    /// No part was given.
    #[error("no QR part was given")]
    NoParts,
    /// Parts disagree on how many parts the BU has.
    #[error("part {index} says the BU has {total} parts, but another part says {expected}; were two BUs mixed?")]
    TotalMismatch {
        /// Part number of the disagreeing part.
        index: u32,
        /// Its count of parts.
        total: u32,
        /// The count of the first part given.
        expected: u32,
    },
    /// Parts disagree on the format or key version.
    #[error("part {index} has VRQR {version} VRCH {key_version:?}, unlike the other parts; were two BUs mixed?")]
    VersionMismatch {
        /// Part number of the disagreeing part.
        index: u32,
        /// Its VRQR.
        version: String,
        /// Its VRCH.
        key_version: Option<String>,
    },
    /// Two different texts claim the same part number.
    #[error("two different QR codes both claim to be part {index}; were two BUs mixed? rescan that part")]
    ConflictingDuplicate {
        /// The contested part number.
        index: u32,
    },
    /// Some parts were not given.
    #[error("missing part(s) {missing:?} of {total}; scan the remaining QR codes")]
    Missing {
        /// The first missing part numbers (at most 10 are listed).
        missing: Vec<u32>,
        /// Parts the BU has.
        total: u32,
    },
    /// A part other than the last carries a signature.
    #[error("part {index} of {total} carries ASSI, which only the last part may")]
    SignatureNotLast {
        /// The part carrying the signature.
        index: u32,
        /// Parts the BU has.
        total: u32,
    },
}

/// Errors from [`parse_payload`]: a part that does not parse, or parts that
/// do not assemble.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BuError {
    /// The `position`-th text given (1-based, in the caller's order) is not
    /// a valid BU part.
    #[error("QR code {position} given: {source}")]
    Part {
        /// Position of the text among those given.
        position: usize,
        /// What is wrong with it.
        source: PartError,
    },
    /// The parts do not form one complete BU.
    #[error(transparent)]
    Assemble(#[from] AssembleError),
}

/// Most missing part numbers an error lists; a corrupt `QRBU:1:4000000000`
/// must not make us build a huge list.
const MAX_LISTED_MISSING: usize = 10;

/// Orders parts, drops identical repeats and checks that they form one
/// complete BU.
pub fn assemble(parts: impl IntoIterator<Item = BuPart>) -> Result<Payload, AssembleError> {
    let mut by_index: BTreeMap<u32, BuPart> = BTreeMap::new();
    let mut first: Option<(u32, String, Option<String>)> = None;
    for part in parts {
        let (total, version, key_version) =
            first.get_or_insert_with(|| (part.total, part.version.clone(), part.key_version.clone()));
        if part.total != *total {
            return Err(AssembleError::TotalMismatch { index: part.index, total: part.total, expected: *total });
        }
        if part.version != *version || part.key_version != *key_version {
            return Err(AssembleError::VersionMismatch {
                index: part.index,
                version: part.version,
                key_version: part.key_version,
            });
        }
        if part.signature.is_some() && part.index != part.total {
            return Err(AssembleError::SignatureNotLast { index: part.index, total: part.total });
        }
        match by_index.get(&part.index) {
            Some(seen) if *seen == part => {}
            Some(_) => return Err(AssembleError::ConflictingDuplicate { index: part.index }),
            None => {
                by_index.insert(part.index, part);
            }
        }
    }
    let Some((total, version, key_version)) = first else { return Err(AssembleError::NoParts) };
    // Indexes are in 1..=total (checked by the part parser), so equal counts
    // mean nothing is missing.
    if by_index.len() as u64 != u64::from(total) {
        let missing: Vec<u32> = (1..=total).filter(|i| !by_index.contains_key(i)).take(MAX_LISTED_MISSING).collect();
        return Err(AssembleError::Missing { missing, total });
    }
    let parts: Vec<BuPart> = by_index.into_values().collect();
    let mut content = BuContent::default();
    for part in &parts {
        content.extend_from_data(&part.data);
    }
    Ok(Payload { version, key_version, parts, content })
}

/// Parses the texts of scanned QR codes (in any order, repeats allowed) and
/// assembles them into one BU.
pub fn parse_payload<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Payload, BuError> {
    let parts = texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| parse_part(t).map_err(|source| BuError::Part { position: i + 1, source }))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(assemble(parts)?)
}

impl Payload {
    /// The hashes the parts should have printed, recomputed from content.
    pub fn computed_hashes(&self) -> Vec<[u8; 64]> {
        chain::chain_hashes(self.parts.iter().map(|p| (p.data.as_str(), &p.hash)))
    }

    /// Whether every printed HASH matches the recomputed chain.
    pub fn chain_status(&self) -> ChainStatus {
        let printed: Vec<[u8; 64]> = self.parts.iter().map(|p| p.hash).collect();
        chain::status(&printed, &self.computed_hashes())
    }

    /// Checks the hash chain and the signature against `keys`.
    pub fn verify(&self, keys: &KeySet) -> Verification {
        verify::verify(self, keys)
    }

    /// Maps the content to a typed record.
    pub fn record(&self) -> Result<BuRecord, ContentError> {
        BuRecord::from_content(&self.content)
    }
}
