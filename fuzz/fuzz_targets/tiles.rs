//! Tiles, entry bundles and their paths (c2sp.org/tlog-tiles), as a
//! verifier fetches them from a log it does not trust. The first 10 bytes
//! pick a `TileId` (level or bundle, index, width); the rest is the tile or
//! bundle body, and the whole input is also tried as a `tile/...` path.
//! Never panics, and:
//! - a decoded tile re-encodes to the same bytes;
//! - a decoded bundle has exactly `width` entries and re-encodes to the same bytes;
//! - a parsed path prints back to itself, and every `TileId::path` parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testigo_tlog::tile::{decode_bundle, decode_tile, encode_tile, push_bundle_entry, TileId};

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        if let Ok(id) = TileId::parse_path(path) {
            assert_eq!(id.path(), path);
            assert!((1..=256).contains(&id.width));
            assert!(id.level.map_or(true, |l| l <= 63));
        }
    }
    if data.len() < 10 {
        return;
    }
    let (head, body) = data.split_at(10);
    let level = match head[0] % 66 {
        64 | 65 => None,
        l => Some(l),
    };
    let index = u64::from_le_bytes(head[1..9].try_into().unwrap());
    // Mostly small widths, so decodable inputs are reachable; 0 is hit too.
    let width = match head[9] {
        255 => 256,
        w => u16::from(w),
    };
    let id = TileId { level, index, width };
    let path = id.path();
    if (1..=256).contains(&width) && level.map_or(true, |l| l <= 63) {
        assert_eq!(TileId::parse_path(&path), Ok(id), "{path}");
    }
    if let Ok(hashes) = decode_tile(&id, body) {
        assert_eq!(hashes.len(), usize::from(width));
        assert_eq!(encode_tile(&hashes), body);
    }
    if let Ok(entries) = decode_bundle(&id, body) {
        assert_eq!(entries.len(), usize::from(width));
        let mut again = Vec::new();
        for e in &entries {
            push_bundle_entry(&mut again, e).unwrap();
        }
        assert_eq!(again, body);
    }
});
