//! Tile and entry-bundle addressing and encoding (c2sp.org/tlog-tiles).

use crate::hash::Hash;

/// Hashes in a full tile, and entries in a full bundle.
pub const TILE_WIDTH: u64 = 256;
/// Tile height: each tile spans 8 levels of the Merkle tree.
pub const TILE_HEIGHT: u8 = 8;
/// The largest entry a bundle can hold (its length is a big-endian uint16).
pub const MAX_ENTRY_SIZE: usize = 65_535;

/// Errors decoding tiles, bundles or paths.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TileError {
    /// A tile's byte length is not 32 × its width.
    #[error("tile {path} has {got} bytes; a tile of width {width} must have {}", width * 32)]
    BadTileLength {
        /// The tile's path.
        path: String,
        /// Bytes found.
        got: usize,
        /// Expected width.
        width: usize,
    },
    /// An entry bundle is truncated, has trailing bytes or the wrong count.
    #[error("entry bundle {path} is malformed: {why}")]
    BadBundle {
        /// The bundle's path.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// An entry is larger than a bundle can carry.
    #[error("entry of {0} bytes is larger than the {MAX_ENTRY_SIZE}-byte limit of c2sp.org/tlog-tiles entry bundles")]
    EntryTooLarge(usize),
    /// A path is not a valid tile or bundle path.
    #[error("{path:?} is not a c2sp.org/tlog-tiles tile or entry-bundle path: {why}")]
    BadPath {
        /// The path as given.
        path: String,
        /// Which part is wrong.
        why: String,
    },
}

/// Identifies a tile (`level` 0..=63) or, with `level == None`, an entry
/// bundle: its index and its width (256 for a full tile, 1..=255 for a partial one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Tile level, or `None` for an entry bundle.
    pub level: Option<u8>,
    /// Index of the tile within its level.
    pub index: u64,
    /// Number of hashes (or entries): 1..=256.
    pub width: u16,
}

/// Renders a tile index as `x001/x234/067`.
pub fn index_path(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

impl TileId {
    /// A hash tile.
    pub fn tile(level: u8, index: u64, width: u16) -> Self {
        TileId { level: Some(level), index, width }
    }
    /// An entry bundle.
    pub fn bundle(index: u64, width: u16) -> Self {
        TileId { level: None, index, width }
    }
    /// Whether the tile is full (256 wide).
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }
    /// The same tile at full width.
    pub fn full(&self) -> Self {
        TileId { width: TILE_WIDTH as u16, ..*self }
    }

    /// The path relative to the log prefix, e.g. `tile/0/x001/234.p/5` or `tile/entries/000`.
    pub fn path(&self) -> String {
        let level = match self.level {
            Some(l) => l.to_string(),
            None => "entries".to_string(),
        };
        let mut p = format!("tile/{level}/{}", index_path(self.index));
        if !self.is_full() {
            p.push_str(&format!(".p/{}", self.width));
        }
        p
    }

    /// Parses a path produced by [`TileId::path`], strictly (no leading zeros, groups of three).
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let bad = |why: &str| TileError::BadPath { path: path.to_string(), why: why.to_string() };
        let rest = path.strip_prefix("tile/").ok_or_else(|| bad("it must start with \"tile/\""))?;
        let (level_s, rest) = rest.split_once('/').ok_or_else(|| bad("it has no tile index after the level"))?;
        let level = if level_s == "entries" {
            None
        } else {
            match level_s.parse::<u8>() {
                Ok(l) if l <= 63 && l.to_string() == level_s => Some(l),
                _ => return Err(bad("the level must be \"entries\" or a number 0 to 63 without leading zeros")),
            }
        };
        let (index_s, width) = match rest.split_once(".p/") {
            Some((i, w)) => match w.parse::<u16>() {
                Ok(n) if (1..=255).contains(&n) && n.to_string() == w => (i, n),
                _ => {
                    return Err(bad("a partial width (after \".p/\") must be a number 1 to 255 without leading zeros"))
                }
            },
            None => (rest, TILE_WIDTH as u16),
        };
        let groups: Vec<&str> = index_s.split('/').collect();
        let mut index: u64 = 0;
        for (i, g) in groups.iter().enumerate() {
            let last = i + 1 == groups.len();
            let digits = if last { Some(*g) } else { g.strip_prefix('x') };
            let digits = digits
                .filter(|d| d.len() == 3 && d.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| bad("the index must be groups of three digits, each but the last prefixed by 'x'"))?;
            let d: u64 = digits.parse().map_err(|_| bad("index group is not a number"))?;
            index = index
                .checked_mul(1000)
                .and_then(|x| x.checked_add(d))
                .ok_or_else(|| bad("the index does not fit in 64 bits"))?;
        }
        let id = TileId { level, index, width };
        // Reject non-canonical forms such as a leading x000 group.
        if id.path() != path {
            return Err(bad(&format!("not the canonical spelling {:?} of that tile", id.path())));
        }
        Ok(id)
    }
}

/// Encodes hashes as tile bytes.
pub fn encode_tile(hashes: &[Hash]) -> Vec<u8> {
    hashes.concat()
}

/// Decodes tile bytes of the expected width.
pub fn decode_tile(id: &TileId, bytes: &[u8]) -> Result<Vec<Hash>, TileError> {
    let width = usize::from(id.width);
    if bytes.len() != width * 32 {
        return Err(TileError::BadTileLength { path: id.path(), got: bytes.len(), width });
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            h
        })
        .collect())
}

/// Appends one entry to bundle bytes (big-endian uint16 length prefix).
pub fn push_bundle_entry(bundle: &mut Vec<u8>, entry: &[u8]) -> Result<(), TileError> {
    let len = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLarge(entry.len()))?;
    bundle.extend_from_slice(&len.to_be_bytes());
    bundle.extend_from_slice(entry);
    Ok(())
}

/// Splits bundle bytes into exactly `id.width` entries.
pub fn decode_bundle<'a>(id: &TileId, bytes: &'a [u8]) -> Result<Vec<&'a [u8]>, TileError> {
    let bad = |why: String| TileError::BadBundle { path: id.path(), why };
    let mut out = Vec::with_capacity(usize::from(id.width));
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 2 {
            return Err(bad(format!("truncated length prefix after {} entries", out.len())));
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        if rest.len() < 2 + len {
            return Err(bad(format!("entry {} claims {len} bytes but only {} remain", out.len(), rest.len() - 2)));
        }
        out.push(&rest[2..2 + len]);
        rest = &rest[2 + len..];
    }
    if out.len() != usize::from(id.width) {
        return Err(bad(format!("holds {} entries, {} expected", out.len(), id.width)));
    }
    Ok(out)
}
