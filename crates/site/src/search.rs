//! Search over table ids, unit ids and unit names: accent- and
//! case-insensitive, every word of the query a prefix of some word of the
//! result. Built once per geography; the server answers from it, and the
//! static export writes it as shards a browser fetches one at a time.

use serde::Serialize;
use testigo_election::Geography;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// What a result points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// A unit of any level, by position ([`Geography::unit_at`]).
    Unit(usize),
    /// A table, by position ([`Geography::table_at`]).
    Table(usize),
}

/// Most results a static shard should hold (about 150 KB of JSON); only a
/// word shared by more results than this (`centro`, a state's code) makes a
/// bigger one, and a browser prefers a query's rarer words.
pub const SHARD_TARGETS: usize = 1000;

/// A shard of the static search index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShardKey {
    /// The word start it answers for.
    pub key: String,
    /// How many results it holds.
    pub targets: usize,
    /// Whether it was split: it then holds only results with a word equal
    /// to the key (longer words are in longer keys).
    pub split: bool,
}

fn distinct(targets: impl Iterator<Item = u32>) -> usize {
    let mut v: Vec<u32> = targets.collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// Most results one answer lists; the reader is asked to type more beyond it.
pub const MAX_RESULTS: usize = 50;

/// Shards over this many results are not written: a query made only of
/// such common words ("centro") is asked for one more word.
pub const SHARD_SKIP: usize = 5_000;

/// Lower case, accents dropped, anything but letters and digits a word break:
/// `"Simón Bolívar"` → `["simon", "bolivar"]`. Ids keep their dots and
/// dashes as one word too (`"010113042.01"`), so an id is found by any prefix.
pub fn words(text: &str) -> Vec<String> {
    let folded: String = text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect();
    let mut out: Vec<String> =
        folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect();
    let whole: String = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if !whole.contains(' ') && !out.contains(&whole) && !whole.is_empty() {
        out.insert(0, whole);
    }
    out
}

/// The index: every word of every table and unit, sorted for prefix lookup.
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    /// (word, target) sorted by word then target order.
    words: Vec<(Box<str>, u32)>,
    /// Targets: units first (geography order), then tables.
    units: u32,
}

impl SearchIndex {
    /// Indexes every unit (its id and name) and every table (its id).
    pub fn build(geo: &Geography) -> SearchIndex {
        let units = geo.unit_count() as u32;
        let mut all: Vec<(Box<str>, u32)> = Vec::with_capacity(geo.unit_count() * 3 + geo.table_count());
        for u in geo.units() {
            let target = u.get() as u32;
            let mut ws = words(geo.unit_id(u));
            ws.extend(words(geo.unit_name(u)));
            ws.sort();
            ws.dedup();
            all.extend(ws.into_iter().map(|w| (w.into_boxed_str(), target)));
        }
        for t in geo.tables() {
            let target = units + t.get() as u32;
            let mut ws = words(geo.table_id(t));
            ws.dedup();
            all.extend(ws.into_iter().map(|w| (w.into_boxed_str(), target)));
        }
        all.sort_unstable();
        SearchIndex { words: all, units }
    }

    fn hit(&self, target: u32) -> Hit {
        if target < self.units {
            Hit::Unit(target as usize)
        } else {
            Hit::Table((target - self.units) as usize)
        }
    }

    /// Targets with a word starting with `prefix`, in target order, without repeats.
    fn with_prefix(&self, prefix: &str) -> Vec<u32> {
        let start = self.words.partition_point(|(w, _)| &**w < prefix);
        let mut out: Vec<u32> =
            self.words[start..].iter().take_while(|(w, _)| w.starts_with(prefix)).map(|(_, t)| *t).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The answer to `query`: at most [`MAX_RESULTS`] hits (units before
    /// tables, each in geography order) and whether there were more.
    pub fn query(&self, query: &str) -> (Vec<Hit>, bool) {
        let mut qwords = words(query);
        // The whole-query word was added for ids; a multi-word query matches word by word.
        qwords.retain(|w| !w.contains(' '));
        if qwords.is_empty() {
            return (Vec::new(), false);
        }
        // Start from the rarest word's candidates, then intersect.
        let mut sets: Vec<Vec<u32>> = qwords.iter().map(|w| self.with_prefix(w)).collect();
        sets.sort_by_key(Vec::len);
        let mut result = sets[0].clone();
        for other in &sets[1..] {
            result.retain(|t| other.binary_search(t).is_ok());
        }
        let more = result.len() > MAX_RESULTS;
        result.truncate(MAX_RESULTS);
        (result.into_iter().map(|t| self.hit(t)).collect(), more)
    }

    /// The static export's shard keys: word starts chosen so that no shard
    /// holds more than [`SHARD_TARGETS`] results where that can be helped.
    /// Words are grouped by their first character; a group
    /// over the limit is split by one more character, recursively, and then
    /// keeps only the words equal to its key (`split`). A browser answers a
    /// query word from the longest key that starts it, and a query from its
    /// word with the smallest shard.
    pub fn shard_keys(&self) -> Vec<ShardKey> {
        let mut out = Vec::new();
        self.split_keys(0, self.words.len(), 1, &mut out);
        out
    }

    /// Keys for `self.words[lo..hi]`, all sharing their first `len - 1`
    /// characters and all at least `len` characters long.
    fn split_keys(&self, lo: usize, hi: usize, len: usize, out: &mut Vec<ShardKey>) {
        let mut i = lo;
        while i < hi {
            let key: String = self.words[i].0.chars().take(len).collect();
            let mut j = i;
            while j < hi && self.words[j].0.starts_with(key.as_str()) {
                j += 1;
            }
            let targets = distinct(self.words[i..j].iter().map(|(_, t)| *t));
            // Words longer than the key can go to longer keys; words equal to it cannot.
            let longer = self.words[i..j].iter().any(|(w, _)| w.chars().count() > len);
            if targets <= SHARD_TARGETS || !longer {
                out.push(ShardKey { key, targets, split: false });
            } else {
                let exact_end = i + self.words[i..j].iter().take_while(|(w, _)| **w == *key).count();
                let exact = distinct(self.words[i..exact_end].iter().map(|(_, t)| *t));
                out.push(ShardKey { key, targets: exact, split: true });
                self.split_keys(exact_end, j, len + 1, out);
            }
            i = j;
        }
    }

    /// Every target's words, for writing shards (one pass over the index).
    pub fn words_by_target(&self) -> Vec<Vec<&str>> {
        let mut words_of: Vec<Vec<&str>> = vec![Vec::new(); self.units as usize + self.table_total()];
        for (w, t) in &self.words {
            words_of[*t as usize].push(w);
        }
        words_of
    }

    /// The results of shard `k` with all their words (`words_of` from
    /// [`SearchIndex::words_by_target`]): those having a word starting with
    /// the key, or, for a split key, equal to it.
    pub fn shard<'a>(&'a self, k: &ShardKey, words_of: &[Vec<&'a str>]) -> Vec<(Hit, Vec<&'a str>)> {
        let start = self.words.partition_point(|(w, _)| **w < *k.key);
        let mut targets: Vec<u32> = self.words[start..]
            .iter()
            .take_while(|(w, _)| if k.split { **w == *k.key } else { w.starts_with(k.key.as_str()) })
            .map(|(_, t)| *t)
            .collect();
        targets.sort_unstable();
        targets.dedup();
        targets.into_iter().map(|t| (self.hit(t), words_of[t as usize].clone())).collect()
    }

    fn table_total(&self) -> usize {
        self.words.iter().map(|(_, t)| *t as usize + 1).max().unwrap_or(0).saturating_sub(self.units as usize)
    }
}

/// One result as the static shards carry it.
#[derive(Serialize)]
pub struct ShardEntry<'a> {
    /// `u` (unit) or `t` (table).
    pub k: &'static str,
    /// The path below the language (`u/ID/`, `t/ID/`).
    pub p: String,
    /// What the result shows.
    pub l: &'a str,
    /// Where it is (parent unit's name), for telling namesakes apart.
    pub c: &'a str,
    /// A unit's level (the page names it in its language).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v: Option<usize>,
    /// Its words.
    pub w: Vec<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_accents_and_case() {
        assert_eq!(words("Simón BOLÍVAR"), vec!["simon", "bolivar"]);
        assert_eq!(words("010113042.01"), vec!["010113042.01", "010113042", "01"]);
        assert_eq!(words("São Paulo"), vec!["sao", "paulo"]);
        assert_eq!(words("  "), Vec::<String>::new());
    }
}
