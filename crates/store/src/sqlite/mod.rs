//! The embedded store: one SQLite file in WAL mode with full sync.
//!
//! Concurrency: writes go through one connection behind a mutex, each in
//! an IMMEDIATE transaction (the database's write lock is taken at BEGIN,
//! so other processes wait for it rather than failing at commit), which
//! makes every number taken inside a write (batch, version, audit entry,
//! log position) the next in commit order. Reads take a connection of
//! their own from a pool: WAL lets them run beside each other and beside
//! the writer, each on the last committed state.
//!
//! The SQL is here and in `schema.sql`; `migrate.rs` brings older
//! archives to the current layout. Each concept's methods are in the file
//! named after it.

mod accounts;
mod audit;
mod codec;
mod messages;
mod migrate;
mod migration;
mod records;
mod review;

use crate::{Change, ChangeLog, Clock, Result, Store, StoreError, SystemClock};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::VersionRow;
use codec::{raw_source, record_text};

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// Idle read connections (see [`SqliteStore::rd`]).
    readers: Mutex<Vec<Connection>>,
    clock: Arc<dyn Clock>,
    /// Sources are stored zstd-compressed (archives made since the format
    /// gained compression); older archives keep them raw.
    packed_sources: bool,
}

/// At most this many idle read connections are kept (more may be open at
/// a burst; the rest close when returned).
const IDLE_READERS: usize = 32;

/// How long a write waits for another process's write to finish.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked | C::CannotOpen) => StoreError::Unavailable(e.to_string()),
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

/// A read connection from the pool, returned to it when dropped.
pub(crate) struct Reader<'a> {
    conn: Option<Connection>,
    pool: &'a Mutex<Vec<Connection>>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("held until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let mut idle = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_READERS {
            idle.extend(self.conn.take());
        }
    }
}

impl SqliteStore {
    /// Writes a consistent copy of the database at `db` to `to` (which must
    /// not exist) while other connections read and write it: `VACUUM INTO`
    /// reads one snapshot in a read transaction, so a commit in flight is in
    /// the copy whole or not at all.
    pub fn snapshot(db: &Path, to: &Path) -> Result<()> {
        let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let to = to
            .to_str()
            .ok_or_else(|| StoreError::Corrupt(format!("{} is not a UTF-8 path", to.display())))?;
        conn.execute("VACUUM INTO ?1", [to])?;
        Ok(())
    }

    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::open_with_clock(path, Arc::new(SystemClock))
    }

    pub fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> Result<SqliteStore> {
        let named = |e: rusqlite::Error| match StoreError::from(e) {
            StoreError::Unavailable(m) => StoreError::Unavailable(format!("{}: {m}", path.display())),
            other => other,
        };
        let mut conn = Connection::open(path).map_err(named)?;
        // For a new archive (an existing one keeps its pages): records of
        // a kilobyte or two fill 8 KB pages better than 4 KB ones (at 100k
        // the database came out 8% smaller).
        conn.pragma_update(None, "page_size", 8192)?;
        // WAL with full sync: a committed batch survives a crash or power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A batch's dirty pages stay here until its commit: with a smaller
        // cache SQLite spills pages to the WAL in the middle of the
        // transaction and writes them again at its end. (At a million, 50k
        // per batch ran no faster with a cache four times this size.)
        conn.pragma_update(None, "cache_size", -262_144)?;
        conn.busy_timeout(BUSY_WAIT)?;
        let packed_sources = migrate::to_current(&mut conn)?;
        let s = SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            clock,
            packed_sources,
        };
        s.backfill_dossiers()?;
        Ok(s)
    }

    /// A read connection: an idle one from the pool, or a new one.
    pub(crate) fn rd(&self) -> Result<Reader<'_>> {
        let idle = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(BUSY_WAIT)?;
                c
            }
        };
        Ok(Reader {
            conn: Some(conn),
            pool: &self.readers,
        })
    }

    /// The write connection (one writer at a time in this process).
    pub(crate) fn wr(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in an IMMEDIATE transaction on the write connection and
    /// commits if it succeeds (dropping the transaction rolls it back).
    pub(crate) fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        let mut c = self.wr();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Now, as an RFC 3339 UTC timestamp, by the store's clock.
    pub(crate) fn stamp(&self) -> String {
        airgram_model::calendar::rfc3339(self.clock.now())
    }

    /// Reads a row of [`VERSION_COLUMNS`].
    fn version_from_row(&self) -> impl Fn(&rusqlite::Row) -> rusqlite::Result<VersionRow> {
        let packed = self.packed_sources;
        move |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                record_text(row.get(4)?, || raw_source(row.get(6).ok()?, packed))?,
                row.get(5)?,
            ))
        }
    }

    pub fn count_versions(&self) -> Result<u64> {
        Ok(self
            .rd()?
            .query_row("SELECT count(*) FROM versions", [], |r| r.get(0))?)
    }
}

/// Appends `change` to the log inside the caller's write transaction, at
/// the next position, and gives that position.
pub(crate) fn log_change(tx: &Connection, at: u64, change: &Change) -> Result<u64> {
    let (kind, a, b) = change.encode();
    let pos: u64 = tx.query_row("SELECT COALESCE(MAX(pos), 0) + 1 FROM changes", [], |r| r.get(0))?;
    tx.prepare_cached("INSERT INTO changes (pos, at, kind, a, b) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(rusqlite::params![pos, at, kind, a, b])?;
    Ok(pos)
}

/// The last position of the log, as `conn` sees it.
pub(crate) fn log_head_in(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(pos), 0) FROM changes", [], |r| r.get(0))?)
}

impl ChangeLog for SqliteStore {
    fn log_head(&self) -> Result<u64> {
        log_head_in(&*self.rd()?)
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Change)>> {
        let c = self.rd()?;
        let mut st = c.prepare_cached("SELECT pos, kind, a, b FROM changes WHERE pos > ?1 ORDER BY pos LIMIT ?2")?;
        let rows = st.query_map(rusqlite::params![after, limit.min(i64::MAX as usize) as i64], |r| {
            Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (pos, kind, a, b) = row?;
            let change = Change::decode(&kind, a, b)
                .ok_or_else(|| StoreError::Corrupt(format!("change {pos} has an unknown kind {kind:?}")))?;
            out.push((pos, change));
        }
        Ok(out)
    }
}

impl Store for SqliteStore {
    fn describe(&self) -> String {
        format!("SQLite database {}", self.path.display())
    }

    fn now(&self) -> u64 {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests;
