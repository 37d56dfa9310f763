//! The audit log's hash chain, in SQLite.

use super::SqliteStore;
use crate::{audit_hash, AuditEntry, AuditLog, AuditNote, Result};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// Appends an entry to the hash chain inside the caller's write
/// transaction: the previous entry is read under the write lock, so no
/// two entries ever name the same predecessor.
pub(crate) fn append_audit(
    tx: &Connection,
    ts: &str,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
    outcome: &str,
) -> Result<()> {
    let prev: String = tx
        .query_row("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    let hash = audit_hash(&prev, ts, actor, action, object, detail, outcome);
    tx.prepare_cached(
        "INSERT INTO audit (ts, actor, action, object, detail, outcome, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![ts, actor, action, object, detail, outcome, prev, hash])?;
    Ok(())
}

pub(crate) fn append_note(tx: &Connection, ts: &str, n: &AuditNote, object: &str) -> Result<()> {
    append_audit(tx, ts, &n.actor, &n.action, object, &n.detail, "ok")
}

impl AuditLog for SqliteStore {
    fn audit(&self, actor: &str, action: &str, object: &str, detail: &str, outcome: &str) -> Result<()> {
        let ts = self.stamp();
        let mut c = self.wr();
        // Reads are audited on the read path: an fsync per read would cost
        // every classified search several milliseconds. In WAL mode with
        // NORMAL sync an entry survives a crash of the process at once and
        // a power loss from the next checkpoint; batches keep FULL.
        c.pragma_update(None, "synchronous", "NORMAL")?;
        let r = (|| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            append_audit(&tx, &ts, actor, action, object, detail, outcome)?;
            tx.commit()?;
            Ok(())
        })();
        c.pragma_update(None, "synchronous", "FULL")?;
        r
    }

    fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        let c = self.rd()?;
        let mut st = c.prepare(
            "SELECT seq, ts, actor, action, object, detail, outcome, prev_hash, hash FROM audit ORDER BY seq",
        )?;
        let rows = st.query_map([], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                ts: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                object: r.get(4)?,
                detail: r.get(5)?,
                outcome: r.get(6)?,
                prev_hash: r.get(7)?,
                hash: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
