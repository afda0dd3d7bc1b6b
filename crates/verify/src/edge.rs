//! The right edge of a Merkle tree as tiles see it: at every tile level, the
//! hashes of the current (partial) tile. It is all a verifier must remember
//! to continue verifying a log from where it stopped.

use testigo_tlog::hash::{right_edge_root, Hash};
use testigo_tlog::reader::Fetch;
use testigo_tlog::tile::{decode_tile, TileId, TILE_WIDTH};

/// The right edge of a tree of `size` leaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Edge {
    /// Number of leaves.
    pub size: u64,
    /// `levels[k]`: the hashes at tile level k not yet gathered into a full
    /// level-k tile (level 0: leaf hashes). Each holds fewer than 256.
    pub levels: Vec<Vec<Hash>>,
}

impl Edge {
    /// The RFC 6962 root of the tree this edge describes.
    pub fn root(&self) -> Hash {
        right_edge_root(&self.levels)
    }

    /// Whether every level has the number of hashes `size` implies.
    pub fn is_well_formed(&self) -> bool {
        let mut level = 0u32;
        let mut ok = true;
        while level < 64 && (self.size >> (8 * level)) > 0 {
            let want = ((self.size >> (8 * level)) % TILE_WIDTH) as usize;
            ok &= self.levels.get(level as usize).map(Vec::len).unwrap_or(0) == want;
            level += 1;
        }
        ok && self.levels.iter().skip(level as usize).all(Vec::is_empty)
    }

    /// Reads the edge of a tree of `size` from its partial tiles (each level's
    /// partial tile, or the prefix of the full one if the partial is gone).
    pub fn load<F: Fetch + ?Sized>(fetch: &F, size: u64) -> Result<Edge, String> {
        let mut levels = Vec::new();
        let mut level = 0u32;
        while (size >> (8 * level)) > 0 {
            let width = ((size >> (8 * level)) % TILE_WIDTH) as u16;
            let mut hashes = Vec::new();
            if width > 0 {
                let id = TileId::tile(level as u8, size >> (8 * (level + 1)), width);
                let bytes = match fetch.fetch(&id.path()).map_err(|e| e.to_string())? {
                    Some(b) => b,
                    None => {
                        let full = fetch.fetch(&id.full().path()).map_err(|e| e.to_string())?;
                        let mut b = full.ok_or_else(|| format!("{} is missing", id.path()))?;
                        b.truncate(usize::from(width) * 32);
                        b
                    }
                };
                hashes = decode_tile(&id, &bytes).map_err(|e| e.to_string())?;
            }
            levels.push(hashes);
            level += 1;
        }
        Ok(Edge { size, levels })
    }
}
