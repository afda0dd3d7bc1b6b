//! The SHA-512 hash chain linking the parts of a BU (format 1.5).
//!
//! `HASH_1 = SHA512(data_1)` and `HASH_i = SHA512(data_1 " HASH:" HASH_1 " "
//! … data_(i-1) " HASH:" HASH_(i-1) " " data_i)`: each hash covers the whole
//! printed text before it, so a missing, reordered or foreign part breaks
//! every later hash.

use sha2::{Digest, Sha512};

/// Whether the printed hashes match the ones recomputed from the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainStatus {
    /// Every part's HASH matches.
    Valid,
    /// Part `part` (1-based) is the first whose HASH does not match.
    BrokenAt {
        /// The first mismatching part.
        part: u32,
    },
}

/// The running hash of the printed text, part after part.
#[derive(Clone, Default)]
pub(crate) struct Chain {
    hasher: Sha512,
    parts: usize,
}

impl Chain {
    /// Adds the next part's `data_i` and returns the hash it should print.
    pub(crate) fn next(&mut self, data: &str) -> [u8; 64] {
        if self.parts > 0 {
            self.hasher.update(b" ");
        }
        self.parts += 1;
        self.hasher.update(data.as_bytes());
        self.hasher.clone().finalize().into()
    }

    /// Adds the ` HASH:<hex>` record that the part actually printed.
    pub(crate) fn printed(&mut self, hash: &[u8; 64]) {
        self.hasher.update(b" HASH:");
        self.hasher.update(hex::encode_upper(hash).as_bytes());
    }
}

/// Recomputes the chain: for each part, given its `data_i` and the HASH it
/// printed, the hash it should have printed.
///
/// The printed hashes of earlier parts are part of what later hashes cover
/// (the chain hashes the printed text), so they are inputs too.
pub fn chain_hashes<'a>(parts: impl IntoIterator<Item = (&'a str, &'a [u8; 64])>) -> Vec<[u8; 64]> {
    let mut chain = Chain::default();
    parts
        .into_iter()
        .map(|(data, printed)| {
            let h = chain.next(data);
            chain.printed(printed);
            h
        })
        .collect()
}

/// Compares printed hashes with the recomputed chain.
pub(crate) fn status(printed: &[[u8; 64]], computed: &[[u8; 64]]) -> ChainStatus {
    match printed.iter().zip(computed).position(|(p, c)| p != c) {
        // Part counts are u32 (QRBU:i:n), so the position fits.
        Some(i) => ChainStatus::BrokenAt { part: u32::try_from(i + 1).unwrap_or(u32::MAX) },
        None => ChainStatus::Valid,
    }
}
