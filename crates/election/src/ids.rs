//! Identifier rules and a compact string index.
//!
//! A million table ids must fit in little memory, so ids are stored once in a
//! single arena and the hash index holds only `u32` positions into it (rather
//! than a `HashMap<String, u32>`, which would store every id twice).

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Longest id accepted, in bytes: ids are codes, not prose.
pub const MAX_ID_BYTES: usize = 128;

/// Checks that `id` is usable as an identifier: non-empty, at most
/// [`MAX_ID_BYTES`], no whitespace and no control characters. Returns why not.
pub(crate) fn id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("ids must not be empty")
    } else if id.len() > MAX_ID_BYTES {
        Some("ids must be at most 128 bytes")
    } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("ids must not contain spaces or control characters")
    } else {
        None
    }
}

/// Checks a human-readable name: control characters cannot travel in a
/// signed note, and an empty name helps nobody.
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("names must not be empty")
    } else if name.chars().any(char::is_control) {
        Some("names must not contain control characters (tabs, newlines…)")
    } else {
        None
    }
}

/// Strings stored once in an arena, looked up by value through a hash table of
/// positions. Positions are dense `u32`s in insertion order.
///
/// Each table slot keeps 32 bits of the string's hash next to its position so
/// that growing the table never has to re-read (and re-hash) the arena.
#[derive(Clone, Default)]
pub(crate) struct StrIndex {
    arena: String,
    ends: Vec<usize>,
    table: HashTable<(u32, u32)>,
    // hashbrown's default (foldhash, randomly seeded): several times faster
    // than SipHash on short ids, which dominates loading a million tables.
    hasher: DefaultHashBuilder,
}

fn str_at<'a>(arena: &'a str, ends: &[usize], i: u32) -> &'a str {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &arena[start..ends[i]]
}

/// Spreads a stored 32-bit hash over the 64 bits hashbrown reads (it takes
/// bucket bits from the bottom and tag bits from the top).
fn widen(h: u32) -> u64 {
    (u64::from(h) << 32) | u64::from(h)
}

impl StrIndex {
    fn hash32(&self, s: &str) -> u32 {
        let h = self.hasher.hash_one(s);
        (h ^ (h >> 32)) as u32
    }

    /// Number of strings stored.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Makes room for `additional` more strings of about `bytes_each` bytes.
    pub(crate) fn reserve(&mut self, additional: usize, bytes_each: usize) {
        self.arena.reserve(additional.saturating_mul(bytes_each));
        self.ends.reserve(additional);
        self.table.reserve(additional, |&(_, h)| widen(h));
    }

    /// The string at position `i` (which must come from this index).
    pub(crate) fn get(&self, i: u32) -> &str {
        str_at(&self.arena, &self.ends, i)
    }

    /// The position of `s`, if stored.
    pub(crate) fn find(&self, s: &str) -> Option<u32> {
        let h = self.hash32(s);
        self.table.find(widen(h), |&(i, hi)| hi == h && str_at(&self.arena, &self.ends, i) == s).map(|&(i, _)| i)
    }

    /// Stores `s` and returns its new position, or `Err(position)` of the
    /// existing copy. Also refuses (with `Err(u32::MAX)`) past 2³²−2 entries.
    pub(crate) fn insert(&mut self, s: &str) -> Result<u32, u32> {
        let h = self.hash32(s);
        if let Some(&(i, _)) = self.table.find(widen(h), |&(i, hi)| hi == h && str_at(&self.arena, &self.ends, i) == s)
        {
            return Err(i);
        }
        let idx = match u32::try_from(self.ends.len()) {
            Ok(i) if i < u32::MAX => i,
            _ => return Err(u32::MAX),
        };
        self.arena.push_str(s);
        self.ends.push(self.arena.len());
        self.table.insert_unique(widen(h), (idx, h), |&(_, h)| widen(h));
        Ok(idx)
    }

    /// Approximate heap bytes used, for capacity planning.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.ends.capacity() * std::mem::size_of::<usize>() + self.table.capacity() * 9
    }
}

impl std::fmt::Debug for StrIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StrIndex({} ids)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_find_get() {
        let mut ix = StrIndex::default();
        assert_eq!(ix.insert("a"), Ok(0));
        assert_eq!(ix.insert("bc"), Ok(1));
        assert_eq!(ix.insert(""), Ok(2));
        assert_eq!(ix.insert("a"), Err(0));
        assert_eq!(ix.find("bc"), Some(1));
        assert_eq!(ix.find("b"), None);
        assert_eq!(ix.get(0), "a");
        assert_eq!(ix.get(1), "bc");
        assert_eq!(ix.get(2), "");
        for i in 0..10_000 {
            ix.insert(&format!("t{i}")).unwrap();
        }
        assert_eq!(ix.find("t9999"), Some(10_002));
        assert_eq!(ix.len(), 10_003);
    }

    #[test]
    fn id_rules() {
        assert!(id_problem("123456789.01").is_none());
        assert!(id_problem("").is_some());
        assert!(id_problem("a b").is_some());
        assert!(id_problem("a\u{7f}").is_some());
        assert!(id_problem(&"x".repeat(129)).is_some());
        assert!(name_problem("Nicolás Maduro").is_none());
        assert!(name_problem(" ").is_some());
        assert!(name_problem("a\tb").is_some());
    }
}
