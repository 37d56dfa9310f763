//! Messages and their numbers in the embedded store. Write transactions
//! run one at a time (IMMEDIATE), so a number read and written inside one
//! is never taken twice.

use super::audit::append_note;
use super::SqliteStore;
use crate::{AuditNote, Messages, NumberEntry, Result, StoreError, StoredMessage};
use airgram_messaging::State;
use rusqlite::{params, OptionalExtension, Transaction};

/// Moves message `id` from one of `from` to `to` inside `tx` (with a new
/// text, if given), or says why it cannot.
fn step(tx: &Transaction, id: u64, from: &[State], to: State, body: Option<&str>) -> Result<()> {
    use rusqlite::types::Value;
    let marks: Vec<String> = (0..from.len()).map(|i| format!("?{}", i + 4)).collect();
    let sql = format!(
        "UPDATE outgoing_messages SET state = ?1, body = coalesce(?2, body) WHERE id = ?3 AND state IN ({})",
        marks.join(", ")
    );
    let mut args: Vec<Value> = vec![
        Value::Text(to.word().into()),
        body.map_or(Value::Null, |b| Value::Text(b.into())),
        Value::Integer(id as i64),
    ];
    args.extend(from.iter().map(|s| Value::Text(s.word().into())));
    if tx.execute(&sql, rusqlite::params_from_iter(args))? == 1 {
        return Ok(());
    }
    let now: Option<String> = tx
        .query_row("SELECT state FROM outgoing_messages WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    Err(match now {
        None => StoreError::Conflict(format!("no message {id}")),
        Some(s) => StoreError::Conflict(format!("message {id} is {s}")),
    })
}

/// Takes the next number of `series` in `year` inside `tx`.
fn next_in_series(tx: &Transaction, series: &str, year: i32) -> Result<u64> {
    let n: u64 = tx.query_row(
        "INSERT INTO series_counters (series, year, value) VALUES (?1, ?2, 1)
         ON CONFLICT (series, year) DO UPDATE SET value = value + 1 RETURNING value",
        params![series, year],
        |r| r.get(0),
    )?;
    Ok(n)
}

impl Messages for SqliteStore {
    fn add_draft(&self, body: &str, drafter: &str, audit: &AuditNote) -> Result<u64> {
        let ts = self.stamp();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO outgoing_messages (state, body, drafter, created) VALUES (?1, ?2, ?3, ?4)",
                params![State::Draft.word(), body, drafter, ts],
            )?;
            let id = tx.last_insert_rowid() as u64;
            append_note(tx, &ts, audit, &format!("message {id}"))?;
            Ok(id)
        })
    }

    fn edit_message(&self, id: u64, body: &str, from: &[State], to: State, audit: &AuditNote) -> Result<()> {
        let ts = self.stamp();
        self.write(|tx| {
            step(tx, id, from, to, Some(body))?;
            append_note(tx, &ts, audit, &format!("message {id}"))
        })
    }

    fn message(&self, id: u64) -> Result<Option<StoredMessage>> {
        let c = self.rd()?;
        let row = c
            .query_row(
                "SELECT id, state, body, drafter, created, series, year, number, dtg_at FROM outgoing_messages WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, u64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<i32>>(6)?,
                        r.get::<_, Option<u64>>(7)?,
                        r.get::<_, Option<i64>>(8)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, state, body, drafter, created, series, year, number, dtg_at)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredMessage {
            id,
            state: State::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("message {id}: state {state:?}")))?,
            body,
            drafter,
            created,
            number: match (series, year, number) {
                (Some(s), Some(y), Some(n)) => Some((s, y, n)),
                _ => None,
            },
            dtg_at,
        }))
    }

    fn outgoing_count(&self) -> Result<u64> {
        Ok(self
            .rd()?
            .query_row("SELECT count(*) FROM outgoing_messages", [], |r| r.get(0))?)
    }

    fn move_message(&self, id: u64, from: &[State], to: State, audit: &AuditNote) -> Result<()> {
        let ts = self.stamp();
        self.write(|tx| {
            step(tx, id, from, to, None)?;
            append_note(tx, &ts, audit, &format!("message {id}"))
        })
    }

    fn release_message(&self, id: u64, from: State, series: &str, year: i32, audit: &AuditNote) -> Result<u64> {
        let ts = self.stamp();
        self.write(|tx| {
            step(tx, id, &[from], State::Released, None)?;
            let n = next_in_series(tx, series, year)?;
            tx.execute(
                "INSERT INTO message_numbers (series, year, number, message_id, by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![series, year, n, id, audit.actor, ts],
            )?;
            tx.execute(
                "UPDATE outgoing_messages SET series = ?1, year = ?2, number = ?3 WHERE id = ?4",
                params![series, year, n, id],
            )?;
            append_note(tx, &ts, audit, &format!("message {id}"))?;
            Ok(n)
        })
    }

    fn void_number(&self, series: &str, year: i32, reason: &str, audit: &AuditNote) -> Result<u64> {
        let ts = self.stamp();
        self.write(|tx| {
            let n = next_in_series(tx, series, year)?;
            tx.execute(
                "INSERT INTO message_numbers (series, year, number, void, by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![series, year, n, reason, audit.actor, ts],
            )?;
            append_note(tx, &ts, audit, &format!("{series} {year} {n}"))?;
            Ok(n)
        })
    }

    fn register(&self, series: &str, year: i32) -> Result<Vec<NumberEntry>> {
        let c = self.rd()?;
        let mut st = c.prepare(
            "SELECT number, message_id, void, by, at FROM message_numbers WHERE series = ?1 AND year = ?2 ORDER BY number",
        )?;
        let rows = st.query_map(params![series, year], |r| {
            Ok(NumberEntry {
                number: r.get(0)?,
                message: r.get(1)?,
                void: r.get(2)?,
                by: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn transmit_message(&self, id: u64, post: &str, at: i64, audit: &AuditNote) -> Result<i64> {
        let ts = self.stamp();
        self.write(|tx| {
            step(tx, id, &[State::Released], State::Transmitted, None)?;
            let minute = at - at.rem_euclid(60);
            // The station's latest group at or after this minute; the
            // next free minute follows it.
            let last: Option<i64> = tx.query_row(
                "SELECT max(dtg_at) FROM outgoing_messages WHERE post = ?1 AND dtg_at >= ?2",
                params![post, minute],
                |r| r.get(0),
            )?;
            let dtg_at = last.map_or(minute, |l| l + 60);
            tx.execute(
                "UPDATE outgoing_messages SET post = ?1, dtg_at = ?2 WHERE id = ?3",
                params![post, dtg_at, id],
            )?;
            append_note(tx, &ts, audit, &format!("message {id}"))?;
            Ok(dtg_at)
        })
    }
}
