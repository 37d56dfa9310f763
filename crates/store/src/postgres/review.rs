//! Review's dossiers, events and referrals, in PostgreSQL.

use super::audit::append_note;
use super::records::link_versions;
use super::{get, get_u64, int, log_change, next_number, PgStore};
use crate::review::{queue_filter, Arg, DOSSIER_COLS, EVENT_COLS, QUEUE_ORDER, REFERRAL_COLS};
use crate::{
    kind_str, AuditNote, Change, Dossier, EventRow, QueueQuery, Referral, Result, ReviewStore, Settle, StoreError,
};
use airgram_access::Label;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::Row;

impl ReviewStore for PgStore {
    fn dossier(&self, id: &str) -> Result<Option<Dossier>> {
        let row = self.run(|c| {
            Ok(c.query_opt(
                &format!("SELECT {DOSSIER_COLS} FROM dossier WHERE record_id = $1"),
                &[&id],
            )?)
        })?;
        row.as_ref().map(to_dossier).transpose()
    }

    fn dossier_labels(&self) -> Result<Vec<Label>> {
        let rows = self.run(|c| Ok(c.query("SELECT DISTINCT label FROM dossier ORDER BY label", &[])?))?;
        rows.iter()
            .map(|r| {
                let l: &str = get(r, 0)?;
                Label::parse(l).ok_or_else(|| StoreError::Corrupt(format!("bad label {l:?} in dossier")))
            })
            .collect()
    }

    fn queue_page(&self, q: &QueueQuery, offset: usize, limit: usize) -> Result<(usize, Vec<Dossier>)> {
        let (filter, args) = queue_filter(q, |n| format!("${n}"));
        let args: Vec<Box<dyn ToSql + Sync>> = args
            .into_iter()
            .map(|a| -> Box<dyn ToSql + Sync> {
                match a {
                    Arg::Text(t) => Box::new(t),
                    Arg::Int(i) => Box::new(i),
                }
            })
            .collect();
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let (total, rows) = self.run(|c| {
            let total = c.query_one(&format!("SELECT count(*) FROM dossier WHERE {filter}"), &params)?;
            let rows = c.query(
                &format!(
                    "SELECT {DOSSIER_COLS} FROM dossier WHERE {filter} ORDER BY {QUEUE_ORDER} LIMIT {} OFFSET {}",
                    limit.min(i64::MAX as usize),
                    offset.min(i64::MAX as usize)
                ),
                &params,
            )?;
            Ok((get_u64(&total, 0)?, rows))
        })?;
        let page = rows.iter().map(to_dossier).collect::<Result<Vec<_>>>()?;
        Ok((usize::try_from(total).unwrap_or(usize::MAX), page))
    }

    fn assign(&self, record_id: &str, assignee: Option<&str>) -> Result<()> {
        self.run(|c| {
            c.execute(
                "UPDATE dossier SET assignee = $1 WHERE record_id = $2",
                &[&assignee, &record_id],
            )?;
            Ok(())
        })
    }

    fn duplicates(&self, fingerprint: &str) -> Result<Vec<String>> {
        if fingerprint.is_empty() {
            return Ok(vec![]);
        }
        self.ids(
            "SELECT record_id FROM dossier WHERE fingerprint = $1 ORDER BY record_id",
            &[&fingerprint],
        )
    }

    fn propose(&self, record_id: &str, actor: &str, body: &str, audit: &AuditNote) -> Result<u64> {
        let ts = self.stamp();
        self.write(|tx| {
            // Of two proposals at once, the second waits on the first's
            // entry in `one_open_proposal`, then fails once it commits.
            let row = tx
                .query_one(
                    "INSERT INTO review_events (record_id, state, actor, created, body)
                     VALUES ($1, 'proposed', $2, $3, $4) RETURNING id",
                    &[&record_id, &actor, &ts, &body],
                )
                .map_err(|e| {
                    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                        StoreError::Conflict("the record already has a proposal awaiting a second reviewer".into())
                    } else {
                        e.into()
                    }
                })?;
            let id = get_u64(&row, 0)?;
            tx.execute(
                "UPDATE dossier SET status = 'pending' WHERE record_id = $1",
                &[&record_id],
            )?;
            append_note(tx, &ts, audit, &format!("{}#{id}", audit.object))?;
            Ok(id)
        })
    }

    fn event(&self, id: u64) -> Result<Option<EventRow>> {
        let row = self.run(|c| {
            Ok(c.query_opt(
                &format!("SELECT {EVENT_COLS} FROM review_events WHERE id = $1"),
                &[&int(id)],
            )?)
        })?;
        row.as_ref().map(event_row).transpose()
    }

    fn events_of(&self, record_id: &str) -> Result<Vec<EventRow>> {
        let rows = self.run(|c| {
            Ok(c.query(
                &format!("SELECT {EVENT_COLS} FROM review_events WHERE record_id = $1 ORDER BY id"),
                &[&record_id],
            )?)
        })?;
        rows.iter().map(event_row).collect()
    }

    fn all_events(&self, historic: bool) -> Result<Vec<(EventRow, Label)>> {
        let cols = EVENT_COLS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = self.run(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {cols}, d.label FROM review_events e JOIN dossier d ON d.record_id = e.record_id
                     WHERE $1::boolean OR e.state <> 'historic' ORDER BY e.id"
                ),
                &[&historic],
            )?)
        })?;
        rows.iter()
            .map(|r| {
                let e = event_row(r)?;
                let label: &str = get(r, 9)?;
                let label = Label::parse(label)
                    .ok_or_else(|| StoreError::Corrupt(format!("bad label {label:?} on {}", e.record_id)))?;
                Ok((e, label))
            })
            .collect()
    }

    fn settle(&self, s: &Settle) -> Result<bool> {
        let ts = self.stamp();
        let now = self.clock.now();
        let release = match &s.publish {
            Some(v) => Some(
                serde_json::to_string(&v.record)
                    .map_err(|e| StoreError::Backend(format!("release of event {}: {e}", s.event_id)))?,
            ),
            None => None,
        };
        self.write(|tx| {
            // Of two deciders at once, the second waits for the first's
            // row, then finds it no longer proposed.
            let settled = tx.query_opt(
                "UPDATE review_events SET state = $1, decider = $2, decided = $3, note = $4
                 WHERE id = $5 AND state = 'proposed' RETURNING record_id",
                &[&s.state, &s.decider, &ts, &s.note, &int(s.event_id)],
            )?;
            let Some(settled) = settled else {
                return Ok(false);
            };
            let record_id: String = get(&settled, 0)?;
            if let (Some(v), Some(json)) = (&s.publish, &release) {
                let batch = next_number(tx, "batch")?;
                // The record's row, locked to commit, numbers its versions:
                // of two releases of one record at once (from any server),
                // each gets its own.
                tx.execute("SELECT 1 FROM records WHERE id = $1 FOR UPDATE", &[&record_id])?;
                let seq: i64 = get(
                    &tx.query_one(
                        "SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE record_id = $1",
                        &[&record_id],
                    )?,
                    0,
                )?;
                tx.execute(
                    "INSERT INTO versions (record_id, seq, kind, label, record, batch) VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        &record_id,
                        &seq,
                        &kind_str(v.kind),
                        &v.label.to_string(),
                        json,
                        &int(batch),
                    ],
                )?;
                link_versions(tx, [(record_id.as_str(), &v.record)])?;
                // Every index follows the log, so a crash after this commit
                // still reaches them.
                log_change(tx, now, &Change::Record(record_id.clone()))?;
            }
            for (agency, due) in &s.referrals {
                tx.execute(
                    "INSERT INTO referrals (event_id, record_id, agency, sent, due) VALUES ($1, $2, $3, $4, $5)",
                    &[&int(s.event_id), &record_id, agency, &ts, due],
                )?;
            }
            tx.execute(
                "UPDATE dossier SET status = $1, next_review = $2 WHERE record_id = $3",
                &[&s.status, &s.next_review, &record_id],
            )?;
            append_note(tx, &ts, &s.audit, &s.audit.object)?;
            Ok(true)
        })
    }

    fn referrals(&self, record_id: Option<&str>) -> Result<Vec<Referral>> {
        let rows = self.run(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {REFERRAL_COLS} FROM referrals WHERE $1::text IS NULL OR record_id = $1 ORDER BY due, id"
                ),
                &[&record_id],
            )?)
        })?;
        rows.iter().map(referral_row).collect()
    }

    fn referral(&self, id: u64) -> Result<Option<Referral>> {
        let row = self.run(|c| {
            Ok(c.query_opt(
                &format!("SELECT {REFERRAL_COLS} FROM referrals WHERE id = $1"),
                &[&int(id)],
            )?)
        })?;
        row.as_ref().map(referral_row).transpose()
    }

    fn answer_referral(&self, id: u64, by: &str, response: &str, comment: &str, audit: &AuditNote) -> Result<bool> {
        let ts = self.stamp();
        self.write(|tx| {
            // Answers to one record's referrals are taken one at a time, on
            // its dossier's row: two agencies answering at once would each
            // see the other's referral open, and neither reopen the record.
            tx.execute(
                "SELECT 1 FROM dossier WHERE record_id = (SELECT record_id FROM referrals WHERE id = $1) FOR UPDATE",
                &[&int(id)],
            )?;
            let changed = tx.execute(
                "UPDATE referrals SET answered = $1, answered_by = $2, response = $3, comment = $4
                 WHERE id = $5 AND answered IS NULL",
                &[&ts, &by, &response, &comment, &int(id)],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            // The last answer puts the record back before the reviewers.
            tx.execute(
                "UPDATE dossier SET status = 'open', next_review = NULL WHERE status = 'referred'
                 AND record_id = (SELECT record_id FROM referrals WHERE id = $1)
                 AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.record_id = dossier.record_id AND r.answered IS NULL)",
                &[&int(id)],
            )?;
            append_note(tx, &ts, audit, &audit.object)?;
            Ok(true)
        })
    }
}

pub(crate) fn to_dossier(r: &Row) -> Result<Dossier> {
    let record_id: String = get(r, 0)?;
    let label: &str = get(r, 2)?;
    let label =
        Label::parse(label).ok_or_else(|| StoreError::Corrupt(format!("bad label {label:?} on {record_id}")))?;
    Ok(Dossier {
        origin: get(r, 1)?,
        label,
        series: get(r, 3)?,
        message_id: get(r, 4)?,
        fingerprint: get(r, 5)?,
        status: get(r, 6)?,
        next_review: get(r, 7)?,
        assignee: get(r, 8)?,
        record_id,
    })
}

pub(crate) fn referral_row(r: &Row) -> Result<Referral> {
    Ok(Referral {
        id: get_u64(r, 0)?,
        event_id: get_u64(r, 1)?,
        record_id: get(r, 2)?,
        agency: get(r, 3)?,
        sent: get(r, 4)?,
        due: get(r, 5)?,
        answered: get(r, 6)?,
        answered_by: get(r, 7)?,
        response: get(r, 8)?,
        comment: get(r, 9)?,
    })
}

pub(crate) fn event_row(r: &Row) -> Result<EventRow> {
    Ok(EventRow {
        id: get_u64(r, 0)?,
        record_id: get(r, 1)?,
        state: get(r, 2)?,
        actor: get(r, 3)?,
        decider: get(r, 4)?,
        created: get(r, 5)?,
        decided: get(r, 6)?,
        body: get(r, 7)?,
        note: get(r, 8)?,
    })
}
