//! The layout of the embedded store, versioned by `PRAGMA user_version`
//! and brought up to date on open, one step after another, each in the
//! same transaction as the version it sets.
//!
//! `schema.sql` creates whatever is missing (every statement is `IF NOT
//! EXISTS`); a step changes what existing archives already hold.

use crate::Result;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

const SCHEMA: &str = include_str!("schema.sql");

/// The layout this build writes. 2: messages, series counters and the
/// number register (created by the schema, as every table is).
pub(crate) const CURRENT: u32 = 2;

/// Brings the database to [`CURRENT`]; gives whether sources are stored
/// compressed.
pub(crate) fn to_current(conn: &mut Connection) -> Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let at: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if at > CURRENT {
        return Err(crate::StoreError::Corrupt(format!(
            "the archive's layout is version {at}; this airgram reads up to {CURRENT}: use a newer airgram"
        )));
    }
    tx.execute_batch(SCHEMA)?;
    if at < 1 {
        journal_to_change_log(&tx)?;
    }
    tx.pragma_update(None, "user_version", CURRENT)?;
    let codec: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = 'source_codec'", [], |r| r.get(0))
        .optional()?;
    let packed = match codec {
        Some(c) => c == "zstd",
        None => {
            let records: i64 = tx.query_row("SELECT count(*) FROM records", [], |r| r.get(0))?;
            let c = if records == 0 { "zstd" } else { "raw" };
            tx.execute("INSERT INTO meta (key, value) VALUES ('source_codec', ?1)", [c])?;
            c == "zstd"
        }
    };
    tx.commit()?;
    Ok(packed)
}

/// Step 1: the index journal (records whose index documents were still to
/// be rewritten) becomes entries of the change log, which every process
/// follows.
fn journal_to_change_log(tx: &Connection) -> Result<()> {
    let exists: bool = tx
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'index_journal'",
            [],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if !exists {
        return Ok(());
    }
    let ids: Vec<String> = {
        let mut st = tx.prepare("SELECT record_id FROM index_journal ORDER BY record_id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let now = crate::Clock::now(&crate::SystemClock);
    for id in ids {
        super::log_change(tx, now, &crate::Change::Record(id))?;
    }
    tx.execute_batch("DROP TABLE index_journal")?;
    Ok(())
}
