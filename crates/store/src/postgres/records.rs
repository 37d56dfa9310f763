//! Sources, versions and the links of the cite graph, in PostgreSQL.

use super::{counter, get, get_u64, int, log_change, named, next_number, PgStore};
use crate::review::{historic_rows, Dossier, Historic};
use crate::{fill_same, kind_parse, kind_str, VersionRow, SAME_AS_FIRST};
use crate::{Change, Committed, NewRecord, Presence, Records, Result, StoreError, Version, VersionRef};
use airgram_access::Label;
use airgram_model::Record;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{Client, Config, Row, Statement, Transaction};

const HAS_RECORD: &str = "SELECT 1 FROM records WHERE id = $1";

struct PgPresence {
    config: Config,
    client: Client,
    has_record: Statement,
    /// The store's name, for messages.
    name: String,
}

impl PgPresence {
    fn open(config: Config, name: String) -> Result<PgPresence> {
        let mut client = super::connect(&config, &name)?;
        let has_record = client.prepare(HAS_RECORD).map_err(|e| named(&name, e.into()))?;
        Ok(PgPresence {
            config,
            client,
            has_record,
            name,
        })
    }

    fn ask(&mut self, id: &str) -> Result<bool> {
        match self.client.query_opt(&self.has_record, &[&id]) {
            Ok(row) => Ok(row.is_some()),
            Err(e) => Err(named(&self.name, e.into())),
        }
    }
}

impl Presence for PgPresence {
    fn has_record(&mut self, id: &str) -> Result<bool> {
        match self.ask(id) {
            // Its connection was cut (a restart): once more on a new one,
            // as the pool would.
            Err(StoreError::Unavailable(_)) if self.client.is_closed() => {
                *self = PgPresence::open(self.config.clone(), self.name.clone())?;
                self.ask(id)
            }
            r => r,
        }
    }
}

/// A record as JSON (our own types: serialising them does not fail, but
/// if it did, the write fails rather than the process).
fn json(id: &str, r: &Record) -> Result<String> {
    serde_json::to_string(r).map_err(|e| StoreError::Backend(format!("record {id}: {e}")))
}

/// Records the message ids and cites of versions, for the cite graph: one
/// statement each, whatever their number.
pub(crate) fn link_versions<'a>(
    tx: &mut Transaction,
    versions: impl IntoIterator<Item = (&'a str, &'a Record)>,
) -> Result<()> {
    let (mut m_msg, mut m_rec, mut c_msg, mut c_rec) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, r) in versions {
        if let Some(m) = &r.message_id {
            m_msg.push(m.as_str());
            m_rec.push(id);
        }
        for c in &r.cites {
            c_msg.push(c.as_str());
            c_rec.push(id);
        }
    }
    for (table, msg, rec) in [("messages", m_msg, m_rec), ("cites", c_msg, c_rec)] {
        if msg.is_empty() {
            continue;
        }
        tx.execute(
            &format!(
                "INSERT INTO {table} (message_id, record_id) SELECT * FROM unnest($1::text[], $2::text[])
                 ON CONFLICT DO NOTHING"
            ),
            &[&msg, &rec],
        )?;
    }
    Ok(())
}

/// Inserts the review stamps parsed from records as historic events.
fn insert_historic(tx: &mut Transaction, rows: &[(&str, &Historic)]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sink = tx.copy_in("COPY review_events (record_id, state, actor, created, decided, body) FROM STDIN BINARY")?;
    let mut w = BinaryCopyInWriter::new(sink, &[Type::TEXT; 6]);
    for (id, h) in rows {
        w.write(&[id, &"historic", &h.actor, &h.date, &h.date, &h.body])?;
    }
    w.finish()?;
    Ok(())
}

/// The review stamps parsed from records, as historic events replacing
/// earlier ones (they are derived and re-derived with the parser).
pub(crate) fn replace_historic(tx: &mut Transaction, records: &[(&str, &Record)]) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = records.iter().map(|(id, _)| *id).collect();
    tx.execute(
        "DELETE FROM review_events WHERE record_id = ANY($1) AND state = 'historic'",
        &[&ids],
    )?;
    let stamps: Vec<(&str, Vec<Historic>)> = records.iter().map(|(id, r)| (*id, historic_rows(r))).collect();
    let rows: Vec<(&str, &Historic)> = stamps
        .iter()
        .flat_map(|(id, hs)| hs.iter().map(move |h| (*id, h)))
        .collect();
    insert_historic(tx, &rows)
}

/// A new record as the store writes it: its versions' records as JSON,
/// its dossier and review stamps worked out (see `commit_batch`).
struct Encoded {
    /// Per version: its label, and its record or `None` when that equals
    /// the first's.
    versions: Vec<(String, Option<String>)>,
    /// The dossier and review stamps of the first version.
    first: Option<(Dossier, Vec<Historic>)>,
}

impl Encoded {
    fn of(r: &NewRecord) -> Result<Encoded> {
        let mut versions = Vec::with_capacity(r.versions.len());
        for (i, v) in r.versions.iter().enumerate() {
            let record = if i == 0 || v.record != r.versions[0].record {
                Some(json(&r.id, &v.record)?)
            } else {
                None
            };
            versions.push((v.label.to_string(), record));
        }
        let first = crate::review::first_dossier(r);
        Ok(Encoded { versions, first })
    }
}

/// A version's columns.
const VERSION_COLUMNS: &str = "record_id, seq, kind, label, record, batch";

fn version_row(row: &Row) -> Result<VersionRow> {
    Ok((
        get(row, 0)?,
        get_u64(row, 1)?,
        get(row, 2)?,
        get(row, 3)?,
        get(row, 4)?,
        get_u64(row, 5)?,
    ))
}

/// Writes the batch's records with binary COPY (sources verbatim).
fn copy_records(tx: &mut Transaction, order: &[&NewRecord], batch: i64) -> Result<()> {
    let sink = tx.copy_in("COPY records (id, source_path, source, batch) FROM STDIN BINARY")?;
    let mut w = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::TEXT, Type::BYTEA, Type::INT8]);
    for r in order {
        w.write(&[&r.id, &r.source_path, &r.source, &batch])?;
    }
    w.finish()?;
    Ok(())
}

/// Writes the batch's versions with binary COPY. A version whose derived
/// record equals the first's (a full release of the same text) stores a
/// reference instead.
fn copy_versions(tx: &mut Transaction, order: &[&NewRecord], encoded: &[Encoded], batch: i64) -> Result<()> {
    let sink = tx.copy_in("COPY versions (record_id, seq, kind, label, record, batch) FROM STDIN BINARY")?;
    let types = [Type::TEXT, Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT, Type::INT8];
    let mut w = BinaryCopyInWriter::new(sink, &types);
    for (r, e) in order.iter().zip(encoded) {
        for (i, (v, (label, record))) in r.versions.iter().zip(&e.versions).enumerate() {
            let seq = i as i64 + 1;
            let record = record.as_deref().unwrap_or(SAME_AS_FIRST);
            w.write(&[&r.id, &seq, &kind_str(v.kind), label, &record, &batch])?;
        }
    }
    w.finish()?;
    Ok(())
}

/// Writes the batch's dossiers with binary COPY. The records are new (their
/// COPY succeeded), so none has a dossier yet.
fn copy_dossiers(tx: &mut Transaction, dossiers: &[&Dossier]) -> Result<()> {
    let sink = tx.copy_in(
        "COPY dossier (record_id, origin, level, label, series, message_id, fingerprint, status, next_review, assignee)
         FROM STDIN BINARY",
    )?;
    let mut types = [Type::TEXT; 10];
    types[2] = Type::INT8;
    let mut w = BinaryCopyInWriter::new(sink, &types);
    for d in dossiers {
        let level = crate::review::level_rank(d.label.level);
        let label = d.label.to_string();
        let row: [&(dyn ToSql + Sync); 10] = [
            &d.record_id,
            &d.origin,
            &level,
            &label,
            &d.series,
            &d.message_id,
            &d.fingerprint,
            &d.status,
            &d.next_review,
            &d.assignee,
        ];
        w.write(&row)?;
    }
    w.finish()?;
    Ok(())
}

impl Records for PgStore {
    fn last_batch(&self) -> Result<u64> {
        self.run(|c| counter(c, "batch"))
    }

    fn has_record(&self, id: &str) -> Result<bool> {
        self.run(|c| Ok(c.query_typed_opt(HAS_RECORD, &[(&id, Type::TEXT)])?.is_some()))
    }

    fn presence(&self) -> Result<Box<dyn Presence>> {
        // A connection of its own, kept by the screening thread for the
        // whole ingest: it reads committed batches while this store writes
        // the next one.
        Ok(Box::new(PgPresence::open(self.config.clone(), self.name.clone())?))
    }

    fn commit_batch(&self, records: &[NewRecord]) -> Result<Committed> {
        // Rows go in in id order: the B-trees by id see keys in order.
        let mut order: Vec<&NewRecord> = records.iter().collect();
        order.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let order = &order;
        let now = self.clock.now();
        self.write(|tx| {
            let batch = next_number(tx, "batch")?;
            // Serialising and fingerprinting cost about as much as sending
            // the sources: a second thread does them while they go.
            let (copied, encoded) = std::thread::scope(|sc| {
                let encoder = sc.spawn(move || order.iter().map(|r| Encoded::of(r)).collect::<Result<Vec<_>>>());
                let copied = copy_records(tx, order, int(batch));
                (copied, encoder.join())
            });
            copied?;
            let encoded = encoded.map_err(|_| StoreError::Backend("the record encoder failed".into()))??;
            copy_versions(tx, order, &encoded, int(batch))?;
            // A version that refers to the first has no message id or cites
            // the first did not link.
            link_versions(
                tx,
                order.iter().zip(&encoded).flat_map(|(r, e)| {
                    r.versions
                        .iter()
                        .zip(&e.versions)
                        .filter(|(_, (_, record))| record.is_some())
                        .map(|(v, _)| (r.id.as_str(), &v.record))
                }),
            )?;
            let firsts: Vec<(&str, &(Dossier, Vec<Historic>))> = order
                .iter()
                .zip(&encoded)
                .filter_map(|(r, e)| Some((r.id.as_str(), e.first.as_ref()?)))
                .collect();
            copy_dossiers(tx, &firsts.iter().map(|(_, (d, _))| d).collect::<Vec<_>>())?;
            let stamps: Vec<(&str, &Historic)> = firsts
                .iter()
                .flat_map(|(id, (_, hs))| hs.iter().map(move |h| (*id, h)))
                .collect();
            insert_historic(tx, &stamps)?;
            let pos = log_change(tx, now, &Change::Batch(batch))?;
            Ok(Committed { batch, pos })
        })
    }

    fn versions(&self, id: &str) -> Result<Vec<Version>> {
        let rows = self.run(|c| {
            Ok(c.query_typed(
                &format!("SELECT {VERSION_COLUMNS} FROM versions WHERE record_id = $1 ORDER BY seq"),
                &[(&id, Type::TEXT)],
            )?)
        })?;
        let mut out: Vec<Version> = Vec::with_capacity(rows.len());
        for row in &rows {
            let v = fill_same(version_row(row)?, out.first())?;
            out.push(v);
        }
        Ok(out)
    }

    fn version_refs(&self, id: &str) -> Result<Vec<VersionRef>> {
        Ok(self.version_refs_of(&[id.to_string()])?.pop().unwrap_or_default())
    }

    fn version_refs_of(&self, ids: &[String]) -> Result<Vec<Vec<VersionRef>>> {
        let rows = self.run(|c| {
            Ok(c.query_typed(
                "SELECT record_id, seq, kind, label FROM versions WHERE record_id = ANY($1) ORDER BY record_id, seq",
                &[(&ids, Type::TEXT_ARRAY)],
            )?)
        })?;
        let mut by_id: std::collections::HashMap<&str, Vec<VersionRef>> = std::collections::HashMap::new();
        for row in &rows {
            let id: &str = get(row, 0)?;
            let seq = get_u64(row, 1)?;
            let kind: &str = get(row, 2)?;
            let label: &str = get(row, 3)?;
            by_id.entry(id).or_default().push(VersionRef {
                seq,
                kind: kind_parse(kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown version kind {kind:?} on {id}/{seq}")))?,
                label: Label::parse(label)
                    .ok_or_else(|| StoreError::Corrupt(format!("bad label {label:?} on {id}/{seq}")))?,
            });
        }
        Ok(ids
            .iter()
            .map(|id| by_id.remove(id.as_str()).unwrap_or_default())
            .collect())
    }

    fn version_body(&self, id: &str, seq: u64) -> Result<Option<String>> {
        Ok(self.version_bodies(&[(id.to_string(), seq)])?.pop().flatten())
    }

    fn version_bodies(&self, keys: &[(String, u64)]) -> Result<Vec<Option<String>>> {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default)]
            body: String,
        }
        let ids: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let seqs: Vec<i64> = keys.iter().map(|k| int(k.1)).collect();
        // The first version's record comes along for a version that refers
        // to it: one round trip for the page either way.
        let rows = self.run(|c| {
            Ok(c.query_typed(
                "SELECT k.i, CASE WHEN v.record = $3 THEN f.record ELSE v.record END
                 FROM unnest($1::text[], $2::int8[]) WITH ORDINALITY AS k(id, seq, i)
                 JOIN versions v ON v.record_id = k.id AND v.seq = k.seq
                 LEFT JOIN versions f ON f.record_id = v.record_id AND f.seq = 1",
                &[
                    (&ids, Type::TEXT_ARRAY),
                    (&seqs, Type::INT8_ARRAY),
                    (&SAME_AS_FIRST, Type::TEXT),
                ],
            )?)
        })?;
        let mut out = vec![None; keys.len()];
        for row in &rows {
            let i = get_u64(row, 0)? as usize;
            let Some(j) = get::<Option<&str>>(row, 1)? else {
                continue;
            };
            let Some((id, seq)) = i.checked_sub(1).and_then(|i| keys.get(i)) else {
                continue;
            };
            let b: Body =
                serde_json::from_str(j).map_err(|e| StoreError::Corrupt(format!("record {id}/{seq}: {e}")))?;
            out[i - 1] = Some(b.body);
        }
        Ok(out)
    }

    fn source(&self, id: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row = self.run(|c| {
            Ok(c.query_typed_opt(
                "SELECT source_path, source FROM records WHERE id = $1",
                &[(&id, Type::TEXT)],
            )?)
        })?;
        row.map(|r| Ok((get(&r, 0)?, get(&r, 1)?))).transpose()
    }

    fn records_with_message(&self, message_id: &str) -> Result<Vec<String>> {
        self.ids(
            "SELECT record_id FROM messages WHERE message_id = $1 ORDER BY record_id",
            &[&message_id],
        )
    }

    fn records_citing(&self, message_id: &str) -> Result<Vec<String>> {
        self.ids(
            "SELECT record_id FROM cites WHERE message_id = $1 ORDER BY record_id",
            &[&message_id],
        )
    }

    fn record_ids(&self) -> Result<Vec<String>> {
        self.ids("SELECT id FROM records ORDER BY id", &[])
    }

    fn records_of_batch(&self, batch: u64) -> Result<Vec<String>> {
        self.ids("SELECT id FROM records WHERE batch = $1 ORDER BY id", &[&int(batch)])
    }

    fn records_between(&self, first: &str, last: &str) -> Result<Vec<String>> {
        self.ids(
            "SELECT id FROM records WHERE id BETWEEN $1 AND $2 ORDER BY id",
            &[&first, &last],
        )
    }

    fn versions_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<Version>> {
        // The page's records first, then all their versions: a page never
        // ends inside a record.
        let rows = self.run(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM versions WHERE record_id IN
                       (SELECT id FROM records WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2)
                     ORDER BY record_id, seq"
                ),
                &[&after, &int(limit as u64)],
            )?)
        })?;
        let mut out: Vec<Version> = Vec::with_capacity(rows.len());
        let mut first = 0;
        for row in &rows {
            let row = version_row(row)?;
            if out.get(first).is_some_and(|v: &Version| v.record_id != row.0) {
                first = out.len();
            }
            let v = fill_same(row, out.get(first))?;
            out.push(v);
        }
        Ok(out)
    }

    fn update_versions(&self, vs: &[Version]) -> Result<Committed> {
        let now = self.clock.now();
        // Of two updates to one version, the later wins (as if applied one
        // after the other); each version is then written once.
        let mut at: std::collections::HashMap<(&str, u64), usize> = std::collections::HashMap::new();
        let mut latest: Vec<&Version> = Vec::new();
        for v in vs {
            match at.get(&(v.record_id.as_str(), v.seq)) {
                Some(&i) => latest[i] = v,
                None => {
                    at.insert((v.record_id.as_str(), v.seq), latest.len());
                    latest.push(v);
                }
            }
        }
        let jsons = latest
            .iter()
            .map(|v| json(&v.record_id, &v.record))
            .collect::<Result<Vec<_>>>()?;
        self.write(|tx| {
            let batch = next_number(tx, "batch")?;
            if !latest.is_empty() {
                let ids: Vec<&str> = latest.iter().map(|v| v.record_id.as_str()).collect();
                let seqs: Vec<i64> = latest.iter().map(|v| int(v.seq)).collect();
                tx.execute(
                    "UPDATE versions v SET record = u.record, batch = $1
                     FROM unnest($2::text[], $3::int8[], $4::text[]) AS u(record_id, seq, record)
                     WHERE v.record_id = u.record_id AND v.seq = u.seq",
                    &[&int(batch), &ids, &seqs, &jsons],
                )?;
            }
            link_versions(tx, vs.iter().map(|v| (v.record_id.as_str(), &v.record)))?;
            // Re-derived: the dossier's dates and the historic stamps too;
            // review status and decisions stay.
            let firsts: Vec<&Version> = latest.iter().copied().filter(|v| v.seq == 1).collect();
            if !firsts.is_empty() {
                let ds: Vec<Dossier> = firsts
                    .iter()
                    .map(|v| crate::review::dossier_of(&v.record_id, &v.label, &v.record))
                    .collect();
                let ids: Vec<&str> = ds.iter().map(|d| d.record_id.as_str()).collect();
                let origins: Vec<Option<&str>> = ds.iter().map(|d| d.origin.as_deref()).collect();
                let series: Vec<Option<&str>> = ds.iter().map(|d| d.series.as_deref()).collect();
                let messages: Vec<Option<&str>> = ds.iter().map(|d| d.message_id.as_deref()).collect();
                let prints: Vec<&str> = ds.iter().map(|d| d.fingerprint.as_str()).collect();
                tx.execute(
                    "UPDATE dossier d SET origin = u.origin, series = u.series, message_id = u.message_id,
                       fingerprint = u.fingerprint
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                       AS u(record_id, origin, series, message_id, fingerprint)
                     WHERE d.record_id = u.record_id",
                    &[&ids, &origins, &series, &messages, &prints],
                )?;
                let records: Vec<(&str, &Record)> = firsts.iter().map(|v| (v.record_id.as_str(), &v.record)).collect();
                replace_historic(tx, &records)?;
            }
            let first = vs.iter().map(|v| v.record_id.as_str()).min();
            let last = vs.iter().map(|v| v.record_id.as_str()).max();
            let pos = match (first, last) {
                (Some(a), Some(b)) => log_change(tx, now, &Change::Range(a.into(), b.into()))?,
                _ => counter(tx, "log")?,
            };
            Ok(Committed { batch, pos })
        })
    }
}

impl PgStore {
    /// The ids a query lists.
    pub(crate) fn ids(&self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<Vec<String>> {
        let rows = self.run(|c| Ok(c.query(sql, p)?))?;
        rows.iter().map(|r| get(r, 0)).collect()
    }
}
