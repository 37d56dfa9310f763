//! Copying a store into this one as it is (see [`Migration`]), in SQLite.

use super::review::{dossier_row, to_dossier};
use super::SqliteStore;
use crate::review::{level_rank, DOSSIER_COLS};
use crate::{AuditEntry, Dossier, EventRow, Migration, Referral, Result, StoreError, User};
use rusqlite::params;

impl Migration for SqliteStore {
    fn all_users(&self) -> Result<Vec<(User, Option<String>)>> {
        let c = self.rd()?;
        let mut st = c.prepare(
            "SELECT u.name, u.clearance, u.auths, u.role, u.disabled, c.phc
             FROM users u LEFT JOIN credentials c ON c.name = u.name ORDER BY u.name",
        )?;
        let rows = st.query_map([], |r| {
            let user = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            Ok((user, r.get::<_, Option<String>>(5)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (user, phc) = row?;
            out.push((User::from_row(user)?, phc));
        }
        Ok(out)
    }

    fn all_dossiers(&self) -> Result<Vec<Dossier>> {
        let c = self.rd()?;
        let mut st = c.prepare(&format!("SELECT {DOSSIER_COLS} FROM dossier ORDER BY record_id"))?;
        let rows = st.query_map([], dossier_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(to_dossier(r?)?);
        }
        Ok(out)
    }

    fn import_review(&self, dossiers: &[Dossier], events: &[EventRow], referrals: &[Referral]) -> Result<()> {
        self.write(|tx| {
            for d in dossiers {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO dossier (record_id, origin, level, label, series, message_id, fingerprint, status, next_review, assignee)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    d.record_id,
                    d.origin,
                    level_rank(d.label.level),
                    d.label.to_string(),
                    d.series,
                    d.message_id,
                    d.fingerprint,
                    d.status,
                    d.next_review,
                    d.assignee
                ])?;
            }
            // Only historic stamps can be deleted; a store being filled
            // holds no other events yet.
            tx.execute("DELETE FROM review_events WHERE state = 'historic'", [])?;
            for e in events {
                tx.prepare_cached(
                    "INSERT INTO review_events (id, record_id, state, actor, decider, created, decided, body, note)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    e.id, e.record_id, e.state, e.actor, e.decider, e.created, e.decided, e.body, e.note
                ])?;
            }
            for r in referrals {
                tx.prepare_cached(
                    "INSERT INTO referrals (id, event_id, record_id, agency, sent, due, answered, answered_by, response, comment)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    r.id,
                    r.event_id,
                    r.record_id,
                    r.agency,
                    r.sent,
                    r.due,
                    r.answered,
                    r.answered_by,
                    r.response,
                    r.comment
                ])?;
            }
            Ok(())
        })
    }

    fn import_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        self.write(|tx| {
            let held: i64 = tx.query_row("SELECT count(*) FROM audit", [], |r| r.get(0))?;
            if held > 0 {
                return Err(StoreError::Conflict(format!(
                    "the audit log already holds {held} entries; a copy goes to an empty one"
                )));
            }
            for e in entries {
                tx.prepare_cached(
                    "INSERT INTO audit (seq, ts, actor, action, object, detail, outcome, prev_hash, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    e.seq,
                    e.ts,
                    e.actor,
                    e.action,
                    e.object,
                    e.detail,
                    e.outcome,
                    e.prev_hash,
                    e.hash
                ])?;
            }
            Ok(())
        })
    }
}
