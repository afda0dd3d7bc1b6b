//! The content of a BU: its `KEY:value` records, in printed order.

/// One `KEY:value` record of BU content.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The key, such as `UNFE`, or a candidate number such as `93001`.
    pub key: String,
    /// The value (text after the first `:`; may itself contain `:`).
    pub value: String,
}

impl Entry {
    /// Builds an entry from anything string-like.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Entry { key: key.into(), value: value.into() }
    }
}

/// The records of a BU across all its parts, in order: the raw form that
/// the hash chain and signature cover, and the builder's input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuContent {
    /// The records, in printed order.
    pub entries: Vec<Entry>,
}

impl BuContent {
    /// Splits the content text of one or more parts (records separated by
    /// single spaces, already validated by the part parser) into records.
    pub(crate) fn extend_from_data(&mut self, data: &str) {
        for record in data.split(' ') {
            let (key, value) = record.split_once(':').unwrap_or((record, ""));
            self.entries.push(Entry::new(key, value));
        }
    }

    /// The value of the first record with `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|e| e.key == key).map(|e| e.value.as_str())
    }
}
