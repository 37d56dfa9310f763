//! Copying a store into this one as it is (see [`Migration`]), in
//! PostgreSQL.

use super::accounts::user_row;
use super::review::to_dossier;
use super::{get, int, PgStore};
use crate::review::{level_rank, DOSSIER_COLS};
use crate::{AuditEntry, Dossier, EventRow, Migration, Referral, Result, StoreError, User};

impl Migration for PgStore {
    fn all_users(&self) -> Result<Vec<(User, Option<String>)>> {
        let rows = self.run(|c| {
            Ok(c.query(
                "SELECT u.name, u.clearance, u.auths, u.role, u.disabled, c.phc
                 FROM users u LEFT JOIN credentials c ON c.name = u.name ORDER BY u.name",
                &[],
            )?)
        })?;
        rows.iter()
            .map(|r| Ok((User::from_row(user_row(r)?)?, get(r, 5)?)))
            .collect()
    }

    fn all_dossiers(&self) -> Result<Vec<Dossier>> {
        let rows =
            self.run(|c| Ok(c.query(&format!("SELECT {DOSSIER_COLS} FROM dossier ORDER BY record_id"), &[])?))?;
        rows.iter().map(to_dossier).collect()
    }

    fn import_review(&self, dossiers: &[Dossier], events: &[EventRow], referrals: &[Referral]) -> Result<()> {
        self.write(|tx| {
            for d in dossiers {
                tx.execute(
                    "INSERT INTO dossier (record_id, origin, level, label, series, message_id, fingerprint, status, next_review, assignee)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                     ON CONFLICT (record_id) DO UPDATE SET origin = $2, level = $3, label = $4, series = $5,
                       message_id = $6, fingerprint = $7, status = $8, next_review = $9, assignee = $10",
                    &[
                        &d.record_id,
                        &d.origin,
                        &level_rank(d.label.level),
                        &d.label.to_string(),
                        &d.series,
                        &d.message_id,
                        &d.fingerprint,
                        &d.status,
                        &d.next_review,
                        &d.assignee,
                    ],
                )?;
            }
            // Only historic stamps can be deleted; a store being filled
            // holds no other events yet.
            tx.execute("DELETE FROM review_events WHERE state = 'historic'", &[])?;
            for e in events {
                tx.execute(
                    "INSERT INTO review_events (id, record_id, state, actor, decider, created, decided, body, note)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &int(e.id),
                        &e.record_id,
                        &e.state,
                        &e.actor,
                        &e.decider,
                        &e.created,
                        &e.decided,
                        &e.body,
                        &e.note,
                    ],
                )?;
            }
            for r in referrals {
                tx.execute(
                    "INSERT INTO referrals (id, event_id, record_id, agency, sent, due, answered, answered_by, response, comment)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    &[
                        &int(r.id),
                        &int(r.event_id),
                        &r.record_id,
                        &r.agency,
                        &r.sent,
                        &r.due,
                        &r.answered,
                        &r.answered_by,
                        &r.response,
                        &r.comment,
                    ],
                )?;
            }
            // Ids given explicitly do not move the sequences: new events
            // and referrals number on from the copied ones.
            tx.batch_execute(
                "SELECT setval(pg_get_serial_sequence('review_events', 'id'), COALESCE((SELECT max(id) FROM review_events), 0) + 1, false);
                 SELECT setval(pg_get_serial_sequence('referrals', 'id'), COALESCE((SELECT max(id) FROM referrals), 0) + 1, false);",
            )?;
            Ok(())
        })
    }

    fn import_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        self.write(|tx| {
            // The audit counter's row lock keeps other writers out of the
            // chain while it is copied.
            tx.execute("SELECT value FROM counters WHERE name = 'audit' FOR UPDATE", &[])?;
            let held: i64 = get(&tx.query_one("SELECT count(*) FROM audit", &[])?, 0)?;
            if held > 0 {
                return Err(StoreError::Conflict(format!(
                    "the audit log already holds {held} entries; a copy goes to an empty one"
                )));
            }
            for e in entries {
                tx.execute(
                    "INSERT INTO audit (seq, ts, actor, action, object, detail, outcome, prev_hash, hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &int(e.seq),
                        &e.ts,
                        &e.actor,
                        &e.action,
                        &e.object,
                        &e.detail,
                        &e.outcome,
                        &e.prev_hash,
                        &e.hash,
                    ],
                )?;
            }
            let last = entries.last().map_or(0, |e| int(e.seq));
            tx.execute("UPDATE counters SET value = $1 WHERE name = 'audit'", &[&last])?;
            Ok(())
        })
    }
}
