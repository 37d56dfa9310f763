//! Sources, versions and the links of the cite graph, in SQLite.

use super::codec::{pack, packed_record, raw_source, record_text, unpack};
use super::{log_change, SqliteStore};
use crate::review::{historic_rows, Dossier, Historic};
use crate::{fill_same, kind_parse, kind_str, SAME_AS_FIRST};
use crate::{Change, Committed, NewRecord, Presence, Records, Result, StoreError, Version, VersionRef};
use airgram_access::Label;
use airgram_model::Record;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

struct SqlitePresence(Connection);

impl Presence for SqlitePresence {
    fn has_record(&mut self, id: &str) -> Result<bool> {
        record_exists(&self.0, id)
    }
}

fn record_exists(conn: &Connection, id: &str) -> Result<bool> {
    let mut st = conn.prepare_cached("SELECT 1 FROM records WHERE id = ?1")?;
    Ok(st.exists([id])?)
}

/// Records the message id and cites of a version, for the cite graph.
pub(crate) fn link_version(tx: &Connection, record_id: &str, r: &Record) -> rusqlite::Result<()> {
    if let Some(m) = &r.message_id {
        tx.prepare_cached("INSERT OR IGNORE INTO messages (message_id, record_id) VALUES (?1, ?2)")?
            .execute(params![m, record_id])?;
    }
    let mut cite = tx.prepare_cached("INSERT OR IGNORE INTO cites (message_id, record_id) VALUES (?1, ?2)")?;
    for c in &r.cites {
        cite.execute(params![c, record_id])?;
    }
    Ok(())
}

/// Inserts a record's dossier (new records only).
pub(crate) fn put_dossier(tx: &Connection, d: &Dossier) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO dossier (record_id, origin, level, label, series, message_id, fingerprint, status, next_review, assignee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        d.record_id,
        d.origin,
        crate::review::level_rank(d.label.level),
        d.label.to_string(),
        d.series,
        d.message_id,
        d.fingerprint,
        d.status,
        d.next_review,
        d.assignee
    ])?;
    Ok(())
}

/// The review stamps parsed from a record, as historic events replacing
/// earlier ones (they are derived and re-derived with the parser).
pub(crate) fn replace_historic(tx: &Connection, record_id: &str, r: &Record) -> rusqlite::Result<()> {
    insert_historic(tx, record_id, &historic_rows(r), true)
}

fn insert_historic(tx: &Connection, record_id: &str, rows: &[Historic], replace: bool) -> rusqlite::Result<()> {
    if replace {
        tx.prepare_cached("DELETE FROM review_events WHERE record_id = ?1 AND state = 'historic'")?
            .execute([record_id])?;
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut ins = tx.prepare_cached(
        "INSERT INTO review_events (record_id, state, actor, created, decided, body) VALUES (?1, 'historic', ?2, ?3, ?3, ?4)",
    )?;
    for h in rows {
        ins.execute(params![record_id, h.actor, h.date, h.body])?;
    }
    Ok(())
}

/// Moves `last_batch`, inside the batch's own transaction.
pub(crate) fn set_last_batch(tx: &Connection, batch: u64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('last_batch', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
        [batch.to_string()],
    )?;
    Ok(())
}

/// A new record as the store writes it: source and derived records packed,
/// dossier and review stamps worked out (see `commit_batch`).
struct Encoded {
    source: Vec<u8>,
    /// Per version: its label, and its packed record or `None` when that
    /// equals the first's.
    versions: Vec<(String, Option<rusqlite::types::Value>)>,
    /// The dossier and review stamps of the first version.
    first: Option<(Dossier, Vec<Historic>)>,
}

impl Encoded {
    fn of(r: &NewRecord, packed_sources: bool) -> Encoded {
        let versions = r
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let packed = (i == 0 || v.record != r.versions[0].record)
                    .then(|| packed_record(&serde_json::to_string(&v.record).expect("records serialise"), &r.source));
                (v.label.to_string(), packed)
            })
            .collect();
        let first = crate::review::first_dossier(r);
        Encoded {
            source: if packed_sources {
                pack(&r.source)
            } else {
                r.source.clone()
            },
            versions,
            first,
        }
    }
}

/// A version's columns, and its record's source (for [`record_text`]).
pub(crate) const VERSION_COLUMNS: &str =
    "v.record_id, v.seq, v.kind, v.label, v.record, v.batch, r.source FROM versions v JOIN records r ON r.id = v.record_id";

/// The raw source of a stored record, inside a transaction.
pub(crate) fn stored_source(tx: &Connection, id: &str, packed: bool) -> Result<Vec<u8>> {
    let stored: Vec<u8> = tx.query_row("SELECT source FROM records WHERE id = ?1", [id], |r| r.get(0))?;
    raw_source(stored, packed).ok_or_else(|| StoreError::Corrupt(format!("source of {id} is unreadable")))
}

/// The last batch, read inside `conn`'s transaction.
fn last_batch_in(conn: &Connection) -> Result<u64> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'last_batch'", [], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Takes the next batch number inside the caller's write transaction.
pub(crate) fn next_batch(tx: &Connection) -> Result<u64> {
    let batch = last_batch_in(tx)? + 1;
    set_last_batch(tx, batch)?;
    Ok(batch)
}

impl Records for SqliteStore {
    fn last_batch(&self) -> Result<u64> {
        last_batch_in(&*self.rd()?)
    }

    fn has_record(&self, id: &str) -> Result<bool> {
        record_exists(&*self.rd()?, id)
    }

    fn presence(&self) -> Result<Box<dyn Presence>> {
        // A connection of its own, kept by the screening thread for the
        // whole ingest: WAL lets it read the last committed batch while
        // the writer writes the next one.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(super::BUSY_WAIT)?;
        Ok(Box::new(SqlitePresence(conn)))
    }

    fn commit_batch(&self, records: &[NewRecord]) -> Result<Committed> {
        let packed_sources = self.packed_sources;
        // Rows go in in id order. Content ids are random, so most of the
        // B-trees a record touches (records, versions and dossier by id, the
        // foreign-key checks) see keys in order and find their pages where
        // the previous insert left them, not in a cold corner of the file.
        let mut order: Vec<&NewRecord> = records.iter().collect();
        order.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let order = &order;
        let now = self.clock.now();
        self.write(|tx| {
            let batch = next_batch(tx)?;
            // This thread's inserts are the slowest stage of a large ingest.
            // Compressing, serialising and fingerprinting cost about as much
            // again, so a second thread does them, a chunk ahead.
            std::thread::scope(|sc| -> Result<()> {
                let (encoded_tx, encoded_rx) = std::sync::mpsc::sync_channel::<Vec<Encoded>>(4);
                sc.spawn(move || {
                    for chunk in order.chunks(256) {
                        let e = chunk.iter().map(|r| Encoded::of(r, packed_sources)).collect();
                        if encoded_tx.send(e).is_err() {
                            break;
                        }
                    }
                });
                let mut encoded = encoded_rx.into_iter().flatten();
                let mut ins_rec =
                    tx.prepare_cached("INSERT INTO records (id, source_path, source, batch) VALUES (?1, ?2, ?3, ?4)")?;
                let mut ins_ver = tx.prepare_cached(
                    "INSERT INTO versions (record_id, seq, kind, label, record, batch) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?;
                for r in order {
                    let e = encoded
                        .next()
                        .ok_or_else(|| StoreError::Backend("the record encoder stopped".into()))?;
                    ins_rec.execute(params![r.id, r.source_path, e.source, batch])?;
                    for (i, (v, (label, stored))) in r.versions.iter().zip(e.versions).enumerate() {
                        // A version whose derived record equals the first's (a
                        // full release of the same text) stores a reference, and
                        // has no message id or cites the first did not link.
                        let same = stored.is_none();
                        ins_ver.execute(params![
                            r.id,
                            i as u64 + 1,
                            kind_str(v.kind),
                            label,
                            stored.unwrap_or_else(|| rusqlite::types::Value::Text(SAME_AS_FIRST.into())),
                            batch
                        ])?;
                        if !same {
                            link_version(tx, &r.id, &v.record)?;
                        }
                    }
                    if let Some((d, historic)) = e.first {
                        put_dossier(tx, &d)?;
                        insert_historic(tx, &r.id, &historic, false)?;
                    }
                }
                Ok(())
            })?;
            let pos = log_change(tx, now, &Change::Batch(batch))?;
            Ok(Committed { batch, pos })
        })
    }

    fn versions(&self, id: &str) -> Result<Vec<Version>> {
        let c = self.rd()?;
        let mut st = c.prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} WHERE v.record_id = ?1 ORDER BY v.seq"
        ))?;
        let rows = st.query_map([id], self.version_from_row())?;
        let mut out: Vec<Version> = Vec::new();
        for r in rows {
            let v = fill_same(r?, out.first())?;
            out.push(v);
        }
        Ok(out)
    }

    fn version_refs(&self, id: &str) -> Result<Vec<VersionRef>> {
        let c = self.rd()?;
        let mut st = c.prepare_cached("SELECT seq, kind, label FROM versions WHERE record_id = ?1 ORDER BY seq")?;
        let rows = st.query_map([id], |r| {
            Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, kind, label) = row?;
            out.push(VersionRef {
                seq,
                kind: kind_parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown version kind {kind:?} on {id}/{seq}")))?,
                label: Label::parse(&label)
                    .ok_or_else(|| StoreError::Corrupt(format!("bad label {label:?} on {id}/{seq}")))?,
            });
        }
        Ok(out)
    }

    fn version_body(&self, id: &str, seq: u64) -> Result<Option<String>> {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default)]
            body: String,
        }
        let c = self.rd()?;
        let mut st = c.prepare_cached(
            "SELECT v.record, r.source FROM versions v JOIN records r ON r.id = v.record_id
             WHERE v.record_id = ?1 AND v.seq = ?2",
        )?;
        let packed = self.packed_sources;
        let read = |r: &rusqlite::Row| record_text(r.get(0)?, || raw_source(r.get(1).ok()?, packed));
        let mut json: Option<String> = st.query_row(params![id, seq], read).optional()?;
        if json.as_deref() == Some(SAME_AS_FIRST) {
            json = st.query_row(params![id, 1], read).optional()?;
        }
        match json {
            Some(j) => {
                let b: Body =
                    serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(format!("record {id}/{seq}: {e}")))?;
                Ok(Some(b.body))
            }
            None => Ok(None),
        }
    }

    fn source(&self, id: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row: Option<(String, Vec<u8>)> = self
            .rd()?
            .query_row("SELECT source_path, source FROM records WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match row {
            Some((path, bytes)) if self.packed_sources => {
                let raw = unpack(&bytes).map_err(|e| StoreError::Corrupt(format!("source of {id}: {e}")))?;
                Ok(Some((path, raw)))
            }
            other => Ok(other),
        }
    }

    fn records_with_message(&self, message_id: &str) -> Result<Vec<String>> {
        self.ids(
            "SELECT record_id FROM messages WHERE message_id = ?1 ORDER BY record_id",
            [message_id],
        )
    }

    fn records_citing(&self, message_id: &str) -> Result<Vec<String>> {
        self.ids(
            "SELECT record_id FROM cites WHERE message_id = ?1 ORDER BY record_id",
            [message_id],
        )
    }

    fn record_ids(&self) -> Result<Vec<String>> {
        self.ids("SELECT id FROM records ORDER BY id", [])
    }

    fn records_of_batch(&self, batch: u64) -> Result<Vec<String>> {
        self.ids("SELECT id FROM records WHERE batch = ?1 ORDER BY id", [batch])
    }

    fn records_between(&self, first: &str, last: &str) -> Result<Vec<String>> {
        self.ids(
            "SELECT id FROM records WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
            [first, last],
        )
    }

    fn versions_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<Version>> {
        let c = self.rd()?;
        // The page's records first, then all their versions: a page never
        // ends inside a record.
        let mut st = c.prepare_cached(&format!(
            "SELECT {VERSION_COLUMNS} WHERE v.record_id IN
               (SELECT id FROM records WHERE ?1 IS NULL OR id > ?1 ORDER BY id LIMIT ?2)
             ORDER BY v.record_id, v.seq"
        ))?;
        let rows = st.query_map(
            params![after, limit.min(i64::MAX as usize) as i64],
            self.version_from_row(),
        )?;
        let mut out: Vec<Version> = Vec::new();
        let mut first = 0;
        for row in rows {
            let row = row?;
            if out.get(first).is_some_and(|v: &Version| v.record_id != row.0) {
                first = out.len();
            }
            let v = fill_same(row, out.get(first))?;
            out.push(v);
        }
        Ok(out)
    }

    fn update_versions(&self, vs: &[Version]) -> Result<Committed> {
        let packed = self.packed_sources;
        let now = self.clock.now();
        self.write(|tx| {
            let batch = next_batch(tx)?;
            for v in vs {
                let json = serde_json::to_string(&v.record).expect("records serialise");
                let source = stored_source(tx, &v.record_id, packed)?;
                tx.prepare_cached("UPDATE versions SET record = ?1, batch = ?2 WHERE record_id = ?3 AND seq = ?4")?
                    .execute(params![packed_record(&json, &source), batch, v.record_id, v.seq])?;
                link_version(tx, &v.record_id, &v.record)?;
                if v.seq == 1 {
                    // Re-derived: the dossier's dates and the historic stamps too;
                    // review status and decisions stay.
                    let d = crate::review::dossier_of(&v.record_id, &v.label, &v.record);
                    tx.prepare_cached(
                        "UPDATE dossier SET origin = ?1, series = ?2, message_id = ?3, fingerprint = ?4 WHERE record_id = ?5",
                    )?
                    .execute(params![d.origin, d.series, d.message_id, d.fingerprint, d.record_id])?;
                    replace_historic(tx, &v.record_id, &v.record)?;
                }
            }
            let first = vs.iter().map(|v| v.record_id.as_str()).min();
            let last = vs.iter().map(|v| v.record_id.as_str()).max();
            let pos = match (first, last) {
                (Some(a), Some(b)) => log_change(tx, now, &Change::Range(a.into(), b.into()))?,
                _ => super::log_head_in(tx)?,
            };
            Ok(Committed { batch, pos })
        })
    }
}

impl SqliteStore {
    /// The ids a one-parameter query lists.
    pub(crate) fn ids(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<String>> {
        let c = self.rd()?;
        let mut st = c.prepare_cached(sql)?;
        let rows = st.query_map(p, |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
