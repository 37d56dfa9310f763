//! The index follows the store's change log.
//!
//! The log names what changed (a batch, a record, a range of records),
//! never the new state; applying an entry re-reads the records it names
//! from the store and replaces their index documents. So an entry applied
//! twice, or late, leaves the same index, and the index commit records the
//! last position applied (`Partitions::commit`). A position missing from
//! the log is a bug in the store: the follower stops and says so, rather
//! than skip what it may have held.
//!
//! Every process that serves an archive runs [`Archive::follow`] in a
//! loop with [`Archive::wait_for_change`]: woken by the store when it can
//! announce commits (PostgreSQL), on a timer regardless. Each follow
//! reloads the index when another process committed to it, and applies
//! the entries no process has applied yet.

use crate::{index_versions, Archive, ArchiveError, Result};
use airgram_index::{Partitions, TantivyError};
use airgram_store::Change;
use std::collections::BTreeSet;
use std::sync::{Arc, MutexGuard};
use std::time::Duration;

/// Entries read from the log at a time; each page is applied and
/// committed before the next is read.
const PAGE: usize = 10_000;

/// What one [`Archive::follow`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Followed {
    /// The log's last position.
    pub head: u64,
    /// The position the index reflects now.
    pub cursor: u64,
    /// Entries this call applied.
    pub applied: u64,
}

impl Archive {
    /// Returns when the store announces a logged write, or after `every`
    /// (a store that cannot announce just sleeps). For a follower's loop:
    /// a failure to listen is slept off, then the loop follows anyway.
    pub fn wait_for_change(&self, every: Duration) {
        if self.store.wait_for_change(every).is_err() {
            std::thread::sleep(every);
        }
    }

    /// The partitions searches read now.
    pub(crate) fn index(&self) -> Arc<Partitions> {
        self.readers.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The index for writing, with this process's writer token: opened
    /// afresh (another process may have changed the directory), waiting up
    /// to `wait` for another process's writer.
    pub(crate) fn index_writer(&self, wait: Duration) -> Result<(MutexGuard<'_, ()>, Partitions)> {
        let token = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        Ok((token, self.open_writer(wait)?))
    }

    fn open_writer(&self, wait: Duration) -> Result<Partitions> {
        let mut index = Partitions::open(&self.index_dir)?;
        index.set_lock_wait(wait);
        Ok(index)
    }

    /// Ends a write: lets the merges it started finish and the writers go
    /// (so that other processes may write), and shows readers the result.
    pub(crate) fn finish_write(&self, mut index: Partitions) -> Result<()> {
        index.wait_merges()?;
        drop(index);
        self.refresh()
    }

    /// Shows searches what the index directory holds now: reloads the
    /// partitions, or reopens them after a rebuild or a new partition.
    pub fn refresh(&self) -> Result<()> {
        let current = self.index();
        if current.changed_on_disk() {
            let fresh = Arc::new(Partitions::open(&self.index_dir)?);
            *self.readers.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        } else {
            current.reload()?;
        }
        Ok(())
    }

    /// Brings the index to the head of the change log and shows it to
    /// searches. If another process or thread is writing the index now,
    /// does only the showing: that writer applies the log before it
    /// commits, and the next call finds whatever is left.
    pub fn follow(&self) -> Result<Followed> {
        self.refresh()?;
        let head = self.store.log_head()?;
        let cursor = self.index().cursor();
        if cursor >= head {
            return Ok(Followed {
                head,
                cursor,
                applied: 0,
            });
        }
        let Ok(token) = self.writing.try_lock() else {
            return Ok(Followed {
                head,
                cursor,
                applied: 0,
            });
        };
        let applied = self.catch_up_with(token, Duration::ZERO)?;
        Ok(Followed {
            head,
            cursor: self.index().cursor(),
            applied,
        })
    }

    /// Applies the log's entries after the index's cursor, waiting up to
    /// `wait` for another process's index writer; gives how many it
    /// applied (none if that writer kept the index past the wait: it
    /// applies them itself).
    pub(crate) fn catch_up(&self, wait: Duration) -> Result<u64> {
        let token = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        self.catch_up_with(token, wait)
    }

    fn catch_up_with(&self, token: MutexGuard<'_, ()>, wait: Duration) -> Result<u64> {
        let mut index = self.open_writer(wait)?;
        let before = index.cursor();
        match self.apply_pending(&mut index, None) {
            Ok(()) => {}
            Err(ArchiveError::Index(TantivyError::LockFailure(..))) => {
                index.abandon();
                return Ok(0);
            }
            Err(e) => {
                index.abandon();
                return Err(e);
            }
        }
        let applied = index.cursor() - before;
        self.finish_write(index)?;
        drop(token);
        Ok(applied)
    }

    /// Applies the log's entries after the index's cursor, and before
    /// position `until` if given (the caller's own write, which it indexes
    /// itself), committing a page at a time.
    pub(crate) fn apply_pending(&self, index: &mut Partitions, until: Option<u64>) -> Result<()> {
        let mut cursor = index.cursor();
        loop {
            let room = match until {
                Some(u) if u <= cursor + 1 => return Ok(()),
                Some(u) => PAGE.min((u - cursor - 1) as usize),
                None => PAGE,
            };
            let page = self.store.changes_after(cursor, room)?;
            if page.is_empty() {
                return Ok(());
            }
            let mut ids = BTreeSet::new();
            for (pos, change) in &page {
                if *pos != cursor + 1 {
                    return Err(ArchiveError::Invalid(format!(
                        "the store's change log goes from {cursor} to {pos}: an entry is missing, and the index cannot \
                         know what it held; stopping here (`airgram reindex` rebuilds the index from the store)"
                    )));
                }
                cursor = *pos;
                match change {
                    Change::Batch(b) => ids.extend(self.store.records_of_batch(*b)?),
                    Change::Record(id) => {
                        ids.insert(id.clone());
                    }
                    Change::Range(first, last) => ids.extend(self.store.records_between(first, last)?),
                    // Readers are resolved from the store on every request.
                    Change::User(_) => {}
                }
            }
            for id in &ids {
                index.delete_record(id)?;
                index_versions(index, &self.store.versions(id)?)?;
            }
            index.commit(cursor)?;
        }
    }
}
