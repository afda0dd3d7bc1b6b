//! Which tables changed since a page was rendered, answered without the
//! registry's lock. While the intake applies a batch (holding the registry
//! for writing), a cached table page may be served only if no batch applied
//! since it was last confirmed touched its table: a sheet already applied,
//! and soon acknowledged, must never be hidden by an older page.
//!
//! Tables are tracked by a hash of their id into a fixed number of buckets
//! (no per-table memory, no lock): two tables sharing a bucket only send a
//! reader the slow way, never serve a stale page.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Buckets of table ids: 512 KB, and at a few hundred sheets per batch a
/// page's bucket is touched by about one batch in a hundred.
const BUCKETS: usize = 1 << 16;

/// The registry's change epochs: one per applied batch, per table bucket.
pub struct TableChanges {
    /// The epoch of the last batch applied (0 before any).
    epoch: AtomicU64,
    /// The epoch of the last batch that may have changed any table's page
    /// (entries without a table, a registry rebuilt from the log).
    any: AtomicU64,
    /// Per bucket of table ids, the epoch of the last batch that touched one.
    buckets: Box<[AtomicU64]>,
}

impl Default for TableChanges {
    fn default() -> Self {
        TableChanges {
            epoch: AtomicU64::new(0),
            any: AtomicU64::new(0),
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl TableChanges {
    /// The current epoch. Read while holding the registry (for reading or
    /// writing), it names the state the holder sees: batches are recorded
    /// under the write lock.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Records a batch just applied, before the registry's write lock is
    /// released: each entry's table id, or `None` for an entry that may
    /// change any table's page. A batch that applied nothing is not recorded.
    pub fn record<'a>(&self, touched: impl IntoIterator<Item = Option<&'a str>>) {
        let mut touched = touched.into_iter().peekable();
        if touched.peek().is_none() {
            return;
        }
        let now = self.epoch.load(Ordering::Acquire) + 1;
        for table in touched {
            match table {
                Some(id) => self.buckets[bucket(id)].fetch_max(now, Ordering::AcqRel),
                None => self.any.fetch_max(now, Ordering::AcqRel),
            };
        }
        self.epoch.store(now, Ordering::Release);
    }

    /// Whether no batch recorded after `epoch` touched `table` (or anything).
    pub fn unchanged_since(&self, table: &str, epoch: u64) -> bool {
        self.any.load(Ordering::Acquire) <= epoch && self.buckets[bucket(table)].load(Ordering::Acquire) <= epoch
    }
}

/// The bucket of a table id.
pub(crate) fn bucket(table: &str) -> usize {
    // Fixed keys: the same id always lands in the same bucket.
    let mut h = std::hash::DefaultHasher::new();
    table.hash(&mut h);
    (h.finish() as usize) % BUCKETS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_unchanged_until_a_batch_touches_it_or_anything() {
        let c = TableChanges::default();
        let seen = c.epoch();
        assert!(c.unchanged_since("01.1", seen));
        c.record([]);
        assert_eq!(c.epoch(), seen, "an empty batch is no change");
        c.record([Some("01.2")]);
        assert!(!c.unchanged_since("01.2", seen));
        let after = c.epoch();
        assert!(c.unchanged_since("01.2", after));
        // Another table is unchanged unless it shares the bucket.
        if bucket("01.1") != bucket("01.2") {
            assert!(c.unchanged_since("01.1", seen));
        }
        c.record([None]);
        assert!(!c.unchanged_since("01.1", after), "an entry without a table changes every page");
        assert!(c.unchanged_since("01.1", c.epoch()));
    }
}
