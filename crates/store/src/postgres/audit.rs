//! The audit log's hash chain, in PostgreSQL.

use super::{get, get_u64, int, next_number, PgStore};
use crate::{audit_hash, AuditEntry, AuditLog, AuditNote, Result, StoreError};
use postgres::Transaction;

/// Appends an entry to the hash chain inside the caller's write
/// transaction. Its sequence number is the `audit` counter, whose row
/// stays locked until this commits: the entry before it has committed by
/// then (or rolled back, and this one takes its number), so its hash is
/// read in a statement of its own, which sees it, and no two entries ever
/// name the same predecessor.
pub(crate) fn append_audit(
    tx: &mut Transaction,
    ts: &str,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
    outcome: &str,
) -> Result<()> {
    let seq = next_number(tx, "audit")?;
    let prev: String = if seq <= 1 {
        String::new()
    } else {
        let row = tx
            .query_opt("SELECT hash FROM audit WHERE seq = $1", &[&int(seq - 1)])?
            .ok_or_else(|| StoreError::Corrupt(format!("audit entry {} is missing", seq - 1)))?;
        get(&row, 0)?
    };
    let hash = audit_hash(&prev, ts, actor, action, object, detail, outcome);
    tx.execute(
        "INSERT INTO audit (seq, ts, actor, action, object, detail, outcome, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &int(seq),
            &ts,
            &actor,
            &action,
            &object,
            &detail,
            &outcome,
            &prev,
            &hash,
        ],
    )?;
    Ok(())
}

pub(crate) fn append_note(tx: &mut Transaction, ts: &str, n: &AuditNote, object: &str) -> Result<()> {
    append_audit(tx, ts, &n.actor, &n.action, object, &n.detail, "ok")
}

impl AuditLog for PgStore {
    fn audit(&self, actor: &str, action: &str, object: &str, detail: &str, outcome: &str) -> Result<()> {
        let ts = self.stamp();
        // Committed durably like every other write: the entry is the
        // record of a classified read.
        self.write(|tx| append_audit(tx, &ts, actor, action, object, detail, outcome))
    }

    fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        let rows = self.run(|c| {
            Ok(c.query(
                "SELECT seq, ts, actor, action, object, detail, outcome, prev_hash, hash FROM audit ORDER BY seq",
                &[],
            )?)
        })?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: get_u64(r, 0)?,
                    ts: get(r, 1)?,
                    actor: get(r, 2)?,
                    action: get(r, 3)?,
                    object: get(r, 4)?,
                    detail: get(r, 5)?,
                    outcome: get(r, 6)?,
                    prev_hash: get(r, 7)?,
                    hash: get(r, 8)?,
                })
            })
            .collect()
    }
}
