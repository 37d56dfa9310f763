//! Review's dossiers, events and referrals, in SQLite.

use super::audit::append_note;
use super::codec::packed_record;
use super::records::{link_version, next_batch, put_dossier, replace_historic, stored_source};
use super::{log_change, SqliteStore};
use crate::{
    kind_str, AuditNote, Change, Dossier, EventRow, QueueQuery, Records, Referral, Result, ReviewStore, Settle, Status,
    StoreError,
};
use airgram_access::Label;
use rusqlite::{params, OptionalExtension};

impl ReviewStore for SqliteStore {
    fn dossier(&self, id: &str) -> Result<Option<Dossier>> {
        let row = self
            .rd()?
            .query_row(
                &format!("SELECT {DOSSIER_COLS} FROM dossier WHERE record_id = ?1"),
                [id],
                dossier_row,
            )
            .optional()?;
        row.map(to_dossier).transpose()
    }

    fn dossier_labels(&self) -> Result<Vec<Label>> {
        let c = self.rd()?;
        let mut st = c.prepare_cached("SELECT DISTINCT label FROM dossier")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for l in rows {
            let l = l?;
            out.push(Label::parse(&l).ok_or_else(|| StoreError::Corrupt(format!("bad label {l:?} in dossier")))?);
        }
        Ok(out)
    }

    fn queue_page(&self, q: &QueueQuery, offset: usize, limit: usize) -> Result<(usize, Vec<Dossier>)> {
        let (filter, args) = sqlite_queue_filter(q);
        let c = self.rd()?;
        let total: i64 = c.query_row(
            &format!("SELECT count(*) FROM dossier WHERE {filter}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let c = self.rd()?;
        let mut st = c.prepare(&format!(
            "SELECT {DOSSIER_COLS} FROM dossier WHERE {filter} ORDER BY {QUEUE_ORDER} LIMIT {} OFFSET {}",
            limit.min(i64::MAX as usize),
            offset.min(i64::MAX as usize)
        ))?;
        let rows = st.query_map(rusqlite::params_from_iter(args.iter()), dossier_row)?;
        let mut page = Vec::new();
        for r in rows {
            page.push(to_dossier(r?)?);
        }
        Ok((total as usize, page))
    }

    fn assign(&self, record_id: &str, assignee: Option<&str>) -> Result<()> {
        self.wr().execute(
            "UPDATE dossier SET assignee = ?1 WHERE record_id = ?2",
            params![assignee, record_id],
        )?;
        Ok(())
    }

    fn duplicates(&self, fingerprint: &str) -> Result<Vec<String>> {
        if fingerprint.is_empty() {
            return Ok(vec![]);
        }
        self.ids(
            "SELECT record_id FROM dossier WHERE fingerprint = ?1 ORDER BY record_id",
            [fingerprint],
        )
    }

    fn propose(&self, record_id: &str, actor: &str, body: &str, audit: &AuditNote) -> Result<u64> {
        let ts = self.stamp();
        self.write(|tx| {
            let r = tx.execute(
                "INSERT INTO review_events (record_id, state, actor, created, body) VALUES (?1, 'proposed', ?2, ?3, ?4)",
                params![record_id, actor, ts, body],
            );
            match r {
                Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                    return Err(StoreError::Conflict(
                        "the record already has a proposal awaiting a second reviewer".into(),
                    ));
                }
                r => {
                    r?;
                }
            }
            let id = tx.last_insert_rowid() as u64;
            tx.execute(
                "UPDATE dossier SET status = 'pending' WHERE record_id = ?1",
                [record_id],
            )?;
            append_note(tx, &ts, audit, &format!("{}#{id}", audit.object))?;
            Ok(id)
        })
    }

    fn event(&self, id: u64) -> Result<Option<EventRow>> {
        Ok(self
            .rd()?
            .query_row(
                &format!("SELECT {EVENT_COLS} FROM review_events WHERE id = ?1"),
                [id],
                event_row,
            )
            .optional()?)
    }

    fn events_of(&self, record_id: &str) -> Result<Vec<EventRow>> {
        let c = self.rd()?;
        let mut st = c.prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM review_events WHERE record_id = ?1 ORDER BY id"
        ))?;
        let rows = st.query_map([record_id], event_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn all_events(&self, historic: bool) -> Result<Vec<(EventRow, Label)>> {
        let cols = EVENT_COLS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let c = self.rd()?;
        let mut st = c.prepare(&format!(
            "SELECT {cols}, d.label FROM review_events e JOIN dossier d ON d.record_id = e.record_id
             WHERE ?1 OR e.state != 'historic' ORDER BY e.id"
        ))?;
        let rows = st.query_map([historic], |r| Ok((event_row(r)?, r.get::<_, String>(9)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (e, label) = row?;
            let label = Label::parse(&label)
                .ok_or_else(|| StoreError::Corrupt(format!("bad label {label:?} on {}", e.record_id)))?;
            out.push((e, label));
        }
        Ok(out)
    }

    fn settle(&self, s: &Settle) -> Result<bool> {
        let packed = self.packed_sources;
        let ts = self.stamp();
        let now = self.clock.now();
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE review_events SET state = ?1, decider = ?2, decided = ?3, note = ?4 WHERE id = ?5 AND state = 'proposed'",
                params![s.state, s.decider, ts, s.note, s.event_id],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            let record_id: String =
                tx.query_row("SELECT record_id FROM review_events WHERE id = ?1", [s.event_id], |r| {
                    r.get(0)
                })?;
            if let Some(v) = &s.publish {
                // Numbered here, under the write lock: of two releases of one
                // record published at once, each gets its own.
                let batch = next_batch(tx)?;
                let seq: u64 = tx.query_row(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE record_id = ?1",
                    [&record_id],
                    |r| r.get(0),
                )?;
                let json = serde_json::to_string(&v.record).expect("records serialise");
                let source = stored_source(tx, &record_id, packed)?;
                tx.execute(
                    "INSERT INTO versions (record_id, seq, kind, label, record, batch) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        record_id,
                        seq,
                        kind_str(v.kind),
                        v.label.to_string(),
                        packed_record(&json, &source),
                        batch
                    ],
                )?;
                link_version(tx, &record_id, &v.record)?;
                // Every index follows the log, so a crash after this commit
                // still reaches them.
                log_change(tx, now, &Change::Record(record_id.clone()))?;
            }
            for (agency, due) in &s.referrals {
                tx.execute(
                    "INSERT INTO referrals (event_id, record_id, agency, sent, due) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![s.event_id, record_id, agency, ts, due],
                )?;
            }
            tx.execute(
                "UPDATE dossier SET status = ?1, next_review = ?2 WHERE record_id = ?3",
                params![s.status, s.next_review, record_id],
            )?;
            append_note(tx, &ts, &s.audit, &s.audit.object)?;
            Ok(true)
        })
    }

    fn referrals(&self, record_id: Option<&str>) -> Result<Vec<Referral>> {
        let c = self.rd()?;
        let mut st = c.prepare_cached(&format!(
            "SELECT {REFERRAL_COLS} FROM referrals WHERE ?1 IS NULL OR record_id = ?1 ORDER BY due, id"
        ))?;
        let rows = st.query_map([record_id], referral_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn referral(&self, id: u64) -> Result<Option<Referral>> {
        Ok(self
            .rd()?
            .query_row(
                &format!("SELECT {REFERRAL_COLS} FROM referrals WHERE id = ?1"),
                [id],
                referral_row,
            )
            .optional()?)
    }

    fn answer_referral(&self, id: u64, by: &str, response: &str, comment: &str, audit: &AuditNote) -> Result<bool> {
        let ts = self.stamp();
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE referrals SET answered = ?1, answered_by = ?2, response = ?3, comment = ?4 WHERE id = ?5 AND answered IS NULL",
                params![ts, by, response, comment, id],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            // The last answer puts the record back before the reviewers.
            tx.execute(
                "UPDATE dossier SET status = 'open', next_review = NULL WHERE status = 'referred'
                 AND record_id = (SELECT record_id FROM referrals WHERE id = ?1)
                 AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.record_id = dossier.record_id AND r.answered IS NULL)",
                [id],
            )?;
            append_note(tx, &ts, audit, &audit.object)?;
            Ok(true)
        })
    }
}

use crate::review::{queue_filter, Arg, DOSSIER_COLS, EVENT_COLS, QUEUE_ORDER, REFERRAL_COLS};

/// A queue query's WHERE clause and its arguments, as SQLite binds them.
fn sqlite_queue_filter(q: &QueueQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let (w, args) = queue_filter(q, |n| format!("?{n}"));
    let args = args
        .into_iter()
        .map(|a| match a {
            Arg::Text(t) => Value::Text(t),
            Arg::Int(i) => Value::Integer(i),
        })
        .collect();
    (w, args)
}

type DossierRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    Status,
    Option<String>,
    Option<String>,
);

pub(crate) fn dossier_row(r: &rusqlite::Row) -> rusqlite::Result<DossierRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

pub(crate) fn to_dossier(
    (record_id, origin, label, series, message_id, fingerprint, status, next_review, assignee): DossierRow,
) -> Result<Dossier> {
    let label =
        Label::parse(&label).ok_or_else(|| StoreError::Corrupt(format!("bad label {label:?} on {record_id}")))?;
    Ok(Dossier {
        record_id,
        origin,
        label,
        series,
        message_id,
        fingerprint,
        status,
        next_review,
        assignee,
    })
}

pub(crate) fn referral_row(r: &rusqlite::Row) -> rusqlite::Result<Referral> {
    Ok(Referral {
        id: r.get(0)?,
        event_id: r.get(1)?,
        record_id: r.get(2)?,
        agency: r.get(3)?,
        sent: r.get(4)?,
        due: r.get(5)?,
        answered: r.get(6)?,
        answered_by: r.get(7)?,
        response: r.get(8)?,
        comment: r.get(9)?,
    })
}

pub(crate) fn event_row(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        record_id: r.get(1)?,
        state: r.get(2)?,
        actor: r.get(3)?,
        decider: r.get(4)?,
        created: r.get(5)?,
        decided: r.get(6)?,
        body: r.get(7)?,
        note: r.get(8)?,
    })
}

impl SqliteStore {
    /// Archives made before review existed get their dossiers and
    /// historic stamps from their original versions.
    pub(crate) fn backfill_dossiers(&self) -> Result<()> {
        let (have, records): (i64, i64) = self.rd()?.query_row(
            "SELECT (SELECT count(*) FROM dossier), (SELECT count(*) FROM records)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if have > 0 || records == 0 {
            return Ok(());
        }
        let mut firsts = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.versions_page(after.as_deref(), 1000)?;
            let Some(last) = page.last() else { break };
            after = Some(last.record_id.clone());
            firsts.extend(page.into_iter().filter(|v| v.seq == 1));
        }
        self.write(|tx| {
            for v in &firsts {
                put_dossier(tx, &crate::review::dossier_of(&v.record_id, &v.label, &v.record))?;
                replace_historic(tx, &v.record_id, &v.record)?;
            }
            tx.execute(
                "UPDATE dossier SET status = 'released' WHERE record_id IN
                 (SELECT record_id FROM versions WHERE label = 'UNCLASSIFIED' AND kind != 'redacted')",
                [],
            )?;
            Ok(())
        })
    }
}
