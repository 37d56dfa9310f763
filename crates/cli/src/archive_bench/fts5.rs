//! SQLite FTS5, loaded the way a straightforward FTS5 archive would be: one
//! row per version a label may see, the label a column filtered in WHERE.

use super::{Alternative, Match, Row, Q};
use rusqlite::{params, Connection};
use std::collections::BTreeSet;
use std::path::Path;

pub(super) struct Fts5 {
    conn: Connection,
    rows: i64,
}

impl Fts5 {
    pub(super) fn create(path: &Path) -> rusqlite::Result<Fts5> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE VIRTUAL TABLE docs USING fts5(body, subject, sender, recipients, persons, message_id);
             CREATE TABLE meta (rowid INTEGER PRIMARY KEY, id TEXT, label TEXT, day INTEGER, classification TEXT,
                                doc_type TEXT, series TEXT, year TEXT, sender TEXT, recipient TEXT, person TEXT);
             CREATE INDEX meta_label ON meta(label);
             CREATE INDEX meta_day ON meta(day);",
        )?;
        Ok(Fts5 { conn, rows: 0 })
    }

    /// The MATCH expression, or None for a query with no text condition.
    fn expression(m: &Match) -> Option<String> {
        Some(match m {
            Match::Term(a) => a.clone(),
            Match::And(a, b) => format!("{a} AND {b}"),
            Match::Or(a, b) => format!("{a} OR {b}"),
            Match::Phrase(a, b) => format!("\"{a} {b}\""),
            Match::From(x) => format!("sender : \"{}\"", x.to_lowercase()),
            Match::Days(..) => return None,
        })
    }

    fn visible_sql(labels: &[String]) -> String {
        let quoted: Vec<String> = labels.iter().map(|l| format!("'{}'", l.replace('\'', "''"))).collect();
        if quoted.is_empty() {
            "(NULL)".into()
        } else {
            format!("({})", quoted.join(","))
        }
    }

    /// The FROM-and-WHERE of a query and its arguments.
    fn condition(q: &Q, labels: &[String]) -> (String, Vec<rusqlite::types::Value>) {
        let vis = Self::visible_sql(labels);
        match (Self::expression(&q.what), &q.what) {
            (Some(e), _) => (
                format!("docs JOIN meta ON meta.rowid = docs.rowid WHERE docs MATCH ?1 AND meta.label IN {vis}"),
                vec![e.into()],
            ),
            (None, Match::Days(lo, hi)) => (
                format!("meta WHERE day BETWEEN ?1 AND ?2 AND label IN {vis}"),
                vec![(*lo).into(), (*hi).into()],
            ),
            (None, _) => unreachable!("only a date range has no MATCH expression"),
        }
    }
}

impl Alternative for Fts5 {
    fn name(&self) -> &'static str {
        "fts5"
    }

    fn load(&mut self, rows: &[Row]) -> anyhow::Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut ins_doc = tx.prepare_cached(
                "INSERT INTO docs (rowid, body, subject, sender, recipients, persons, message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut ins_meta = tx.prepare_cached(
                "INSERT INTO meta (rowid, id, label, day, classification, doc_type, series, year, sender, recipient, person)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for r in rows {
                self.rows += 1;
                ins_doc.execute(params![
                    self.rows,
                    r.body,
                    r.subject,
                    r.sender,
                    r.recipients,
                    r.persons,
                    r.message_id
                ])?;
                ins_meta.execute(params![
                    self.rows,
                    r.id,
                    r.label,
                    r.day,
                    r.classification,
                    r.doc_type,
                    r.series,
                    r.year,
                    r.sender,
                    r.recipient,
                    r.person
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn run(&mut self, q: &Q, labels: &[String]) -> anyhow::Result<u64> {
        let (from, args) = Self::condition(q, labels);
        let order = if matches!(q.what, Match::Days(..)) {
            "meta.day DESC"
        } else {
            "docs.rank"
        };
        let args = rusqlite::params_from_iter(args.iter());
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT meta.id FROM {from} ORDER BY {order} LIMIT 10"))?;
        let top: Vec<String> = st
            .query_map(args.clone(), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        std::hint::black_box(top);
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT count(DISTINCT meta.id) FROM {from}"))?;
        let total: u64 = st.query_row(args.clone(), |r| r.get(0))?;
        if q.facets {
            for col in super::FACETS {
                let sql =
                    format!("SELECT meta.{col}, count(*) FROM {from} GROUP BY meta.{col} ORDER BY 2 DESC LIMIT 10");
                let mut st = self.conn.prepare_cached(&sql)?;
                let rows: Vec<(Option<String>, i64)> = st
                    .query_map(args.clone(), |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                std::hint::black_box(rows);
            }
        }
        Ok(total)
    }

    fn all_ids(&mut self, q: &Q, labels: &[String]) -> anyhow::Result<BTreeSet<String>> {
        let (from, args) = Self::condition(q, labels);
        let mut st = self.conn.prepare(&format!("SELECT DISTINCT meta.id FROM {from}"))?;
        let rows = st.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
