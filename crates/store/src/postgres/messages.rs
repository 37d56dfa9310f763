//! Messages and their numbers in PostgreSQL. A release locks the message's
//! row (so of two releasers one finds it released), then takes the next
//! number from its series' counter row with an upsert whose row lock lasts
//! to the commit: a second releaser of the same series waits, then reads
//! the committed value. So numbers commit in order with none skipped (a
//! rolled-back release frees its number for the next) and none repeated;
//! the register's primary key would refuse a repeat regardless.

use super::audit::append_note;
use super::{get, get_u64, int, PgStore};
use crate::{AuditNote, Messages, NumberEntry, Result, StoreError, StoredMessage};
use airgram_messaging::State;
use postgres::Transaction;

/// Moves message `id` from one of `from` to `to` inside `tx` (with a new
/// text, if given), or says why it cannot.
fn step(tx: &mut Transaction, id: u64, from: &[State], to: State, body: Option<&str>) -> Result<()> {
    let words: Vec<&str> = from.iter().map(|s| s.word()).collect();
    let moved = tx.execute(
        "UPDATE outgoing_messages SET state = $1, body = coalesce($2, body) WHERE id = $3 AND state = ANY($4)",
        &[&to.word(), &body, &int(id), &words],
    )?;
    if moved == 1 {
        return Ok(());
    }
    let now = tx.query_opt("SELECT state FROM outgoing_messages WHERE id = $1", &[&int(id)])?;
    Err(match now {
        None => StoreError::Conflict(format!("no message {id}")),
        Some(r) => StoreError::Conflict(format!("message {id} is {}", get::<&str>(&r, 0)?)),
    })
}

/// Takes the next number of `series` in `year` inside `tx`; the counter
/// row stays locked until `tx` ends.
fn next_in_series(tx: &mut Transaction, series: &str, year: i32) -> Result<u64> {
    let row = tx.query_one(
        "INSERT INTO series_counters (series, year, value) VALUES ($1, $2, 1)
         ON CONFLICT (series, year) DO UPDATE SET value = series_counters.value + 1 RETURNING value",
        &[&series, &year],
    )?;
    get_u64(&row, 0)
}

impl Messages for PgStore {
    fn add_draft(&self, body: &str, drafter: &str, audit: &AuditNote) -> Result<u64> {
        let ts = self.stamp();
        self.write(|tx| {
            let row = tx.query_one(
                "INSERT INTO outgoing_messages (state, body, drafter, created) VALUES ($1, $2, $3, $4) RETURNING id",
                &[&State::Draft.word(), &body, &drafter, &ts],
            )?;
            let id = get_u64(&row, 0)?;
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
        let row = self.run(|c| {
            Ok(c.query_opt(
                "SELECT id, state, body, drafter, created, series, year, number, dtg_at FROM outgoing_messages WHERE id = $1",
                &[&int(id)],
            )?)
        })?;
        let Some(r) = row else { return Ok(None) };
        let state: &str = get(&r, 1)?;
        let series: Option<String> = get(&r, 5)?;
        let year: Option<i32> = get(&r, 6)?;
        let number: Option<i64> = get(&r, 7)?;
        Ok(Some(StoredMessage {
            id: get_u64(&r, 0)?,
            state: State::parse(state).ok_or_else(|| StoreError::Corrupt(format!("message {id}: state {state:?}")))?,
            body: get(&r, 2)?,
            drafter: get(&r, 3)?,
            created: get(&r, 4)?,
            number: match (series, year, number) {
                (Some(s), Some(y), Some(n)) => Some((s, y, n.max(0) as u64)),
                _ => None,
            },
            dtg_at: get(&r, 8)?,
        }))
    }

    fn outgoing_count(&self) -> Result<u64> {
        let row = self.run(|c| Ok(c.query_one("SELECT count(*) FROM outgoing_messages", &[])?))?;
        get_u64(&row, 0)
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
                "INSERT INTO message_numbers (series, year, number, message_id, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&series, &year, &int(n), &int(id), &audit.actor, &ts],
            )?;
            tx.execute(
                "UPDATE outgoing_messages SET series = $1, year = $2, number = $3 WHERE id = $4",
                &[&series, &year, &int(n), &int(id)],
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
                "INSERT INTO message_numbers (series, year, number, void, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&series, &year, &int(n), &reason, &audit.actor, &ts],
            )?;
            append_note(tx, &ts, audit, &format!("{series} {year} {n}"))?;
            Ok(n)
        })
    }

    fn register(&self, series: &str, year: i32) -> Result<Vec<NumberEntry>> {
        let rows = self.run(|c| {
            Ok(c.query(
                "SELECT number, message_id, void, by_user, at FROM message_numbers
                 WHERE series = $1 AND year = $2 ORDER BY number",
                &[&series, &year],
            )?)
        })?;
        rows.iter()
            .map(|r| {
                let message: Option<i64> = get(r, 1)?;
                Ok(NumberEntry {
                    number: get_u64(r, 0)?,
                    message: message.map(|m| m.max(0) as u64),
                    void: get(r, 2)?,
                    by: get(r, 3)?,
                    at: get(r, 4)?,
                })
            })
            .collect()
    }

    fn transmit_message(&self, id: u64, post: &str, at: i64, audit: &AuditNote) -> Result<i64> {
        let ts = self.stamp();
        self.write(|tx| {
            step(tx, id, &[State::Released], State::Transmitted, None)?;
            // One station's groups are given one at a time, so the next
            // free minute is read and taken by one transmission at once.
            tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", &[&post])?;
            let minute = at - at.rem_euclid(60);
            let last: Option<i64> = get(
                &tx.query_one(
                    "SELECT max(dtg_at) FROM outgoing_messages WHERE post = $1 AND dtg_at >= $2",
                    &[&post, &minute],
                )?,
                0,
            )?;
            let dtg_at = last.map_or(minute, |l| l + 60);
            tx.execute(
                "UPDATE outgoing_messages SET post = $1, dtg_at = $2 WHERE id = $3",
                &[&post, &dtg_at, &int(id)],
            )?;
            append_note(tx, &ts, audit, &format!("message {id}"))?;
            Ok(dtg_at)
        })
    }
}
