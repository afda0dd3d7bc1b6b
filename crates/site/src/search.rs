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

/// One static shard: its key (a word start) and each target with all its words.
pub type Shard<'a> = (String, Vec<(Hit, Vec<&'a str>)>);

/// Most results one answer lists; the reader is asked to type more beyond it.
pub const MAX_RESULTS: usize = 50;

/// Characters of a word that choose its shard in the static export.
pub const SHARD_PREFIX: usize = 2;

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

    /// The static export's shards: for each distinct first [`SHARD_PREFIX`]
    /// characters of a word, every target having a word with that start, with
    /// all its words, so a browser answers any query from the one shard its
    /// first word selects.
    pub fn shards(&self) -> Vec<Shard<'_>> {
        let mut words_of: Vec<Vec<&str>> = vec![Vec::new(); self.units as usize + self.table_total()];
        for (w, t) in &self.words {
            words_of[*t as usize].push(w);
        }
        let mut shards: Vec<(String, Vec<u32>)> = Vec::new();
        for (w, t) in &self.words {
            let key: String = w.chars().take(SHARD_PREFIX).collect();
            match shards.last_mut() {
                Some((k, ts)) if *k == key => ts.push(*t),
                _ => shards.push((key, vec![*t])),
            }
        }
        shards
            .into_iter()
            .map(|(key, mut ts)| {
                ts.sort_unstable();
                ts.dedup();
                let entries = ts.into_iter().map(|t| (self.hit(t), words_of[t as usize].clone())).collect();
                (key, entries)
            })
            .collect()
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
