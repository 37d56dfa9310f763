//! PostgreSQL's own full-text search, as a PostgreSQL archive would use it:
//! a `tsvector` per row (the `simple` configuration, which neither stems nor
//! drops stop words, as airgram and FTS5 do not), GIN indexes built after
//! the bulk load, `websearch_to_tsquery`, and the top 10 by `ts_rank`. One
//! row per version a label may see, the label a column filtered in WHERE.

use super::{Alternative, Match, Row, Q};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{Client, Statement};
use std::collections::{BTreeSet, HashMap};

pub(super) struct PgFts {
    client: Client,
    statements: HashMap<String, Statement>,
}

type Args = Vec<Box<dyn ToSql + Sync>>;

impl PgFts {
    pub(super) fn create(url: &str) -> anyhow::Result<PgFts> {
        let mut client = Client::connect(url, postgres::NoTls)?;
        client.batch_execute(
            "CREATE TABLE bench_fts (
                 id text NOT NULL, label text NOT NULL, day integer, classification text, doc_type text,
                 series text, year text, sender text, recipient text, person text,
                 body text, subject text, recipients text, persons text, message_id text,
                 doc tsvector GENERATED ALWAYS AS (
                     to_tsvector('simple', coalesce(body, '')) || to_tsvector('simple', coalesce(subject, ''))
                     || to_tsvector('simple', coalesce(sender, '')) || to_tsvector('simple', coalesce(recipients, ''))
                     || to_tsvector('simple', coalesce(persons, '')) || to_tsvector('simple', coalesce(message_id, ''))
                 ) STORED,
                 sender_doc tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(sender, ''))) STORED
             )",
        )?;
        Ok(PgFts {
            client,
            statements: HashMap::new(),
        })
    }

    /// The WHERE condition on the query's own arguments (from `$2`), the
    /// order of the top 10, and those arguments.
    fn condition(m: &Match) -> (String, String, Args) {
        let text = |col: &str, func: &str, arg: String| -> (String, String, Args) {
            (
                format!("{col} @@ {func}('simple', $2)"),
                format!("ts_rank({col}, {func}('simple', $2)) DESC"),
                vec![Box::new(arg)],
            )
        };
        match m {
            Match::Term(a) => text("doc", "websearch_to_tsquery", a.clone()),
            Match::And(a, b) => text("doc", "websearch_to_tsquery", format!("{a} {b}")),
            Match::Or(a, b) => text("doc", "websearch_to_tsquery", format!("{a} or {b}")),
            Match::Phrase(a, b) => text("doc", "websearch_to_tsquery", format!("\"{a} {b}\"")),
            Match::From(x) => text("sender_doc", "phraseto_tsquery", x.clone()),
            Match::Days(lo, hi) => (
                "day BETWEEN $2 AND $3".into(),
                "day DESC".into(),
                vec![Box::new(*lo as i32), Box::new(*hi as i32)],
            ),
        }
    }

    fn query(&mut self, sql: String, labels: &[String], args: &Args) -> anyhow::Result<Vec<postgres::Row>> {
        let st = match self.statements.get(&sql) {
            Some(st) => st.clone(),
            None => {
                let st = self.client.prepare(&sql)?;
                self.statements.insert(sql, st.clone());
                st
            }
        };
        let labels = labels.to_vec();
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&labels];
        params.extend(args.iter().map(|a| a.as_ref()));
        Ok(self.client.query(&st, &params)?)
    }
}

impl Alternative for PgFts {
    fn name(&self) -> &'static str {
        "pg_fts"
    }

    fn load(&mut self, rows: &[Row]) -> anyhow::Result<()> {
        let sink = self.client.copy_in(
            "COPY bench_fts (id, label, day, classification, doc_type, series, year, sender, recipient, person,
                             body, subject, recipients, persons, message_id) FROM STDIN (FORMAT binary)",
        )?;
        let mut types = vec![Type::TEXT; 15];
        types[2] = Type::INT4;
        let mut w = BinaryCopyInWriter::new(sink, &types);
        for r in rows {
            let day = r.day.map(|d| d as i32);
            w.write(&[
                &r.id,
                &r.label,
                &day,
                &r.classification,
                &r.doc_type,
                &r.series,
                &r.year,
                &r.sender,
                &r.recipient,
                &r.person,
                &r.body,
                &r.subject,
                &r.recipients,
                &r.persons,
                &r.message_id,
            ])?;
        }
        w.finish()?;
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        self.client.batch_execute(
            "CREATE INDEX bench_fts_doc ON bench_fts USING gin (doc);
             CREATE INDEX bench_fts_sender ON bench_fts USING gin (sender_doc);
             CREATE INDEX bench_fts_day ON bench_fts (day);
             CREATE INDEX bench_fts_label ON bench_fts (label);
             ANALYZE bench_fts;",
        )?;
        Ok(())
    }

    fn run(&mut self, q: &Q, labels: &[String]) -> anyhow::Result<u64> {
        let (cond, order, args) = Self::condition(&q.what);
        let visible = format!("FROM bench_fts WHERE {cond} AND label = ANY($1)");
        let top = self.query(format!("SELECT id {visible} ORDER BY {order} LIMIT 10"), labels, &args)?;
        std::hint::black_box(top);
        let total: i64 = self.query(format!("SELECT count(DISTINCT id) {visible}"), labels, &args)?[0].get(0);
        if q.facets {
            for col in super::FACETS {
                let sql = format!("SELECT {col}, count(*) {visible} GROUP BY {col} ORDER BY 2 DESC LIMIT 10");
                std::hint::black_box(self.query(sql, labels, &args)?);
            }
        }
        Ok(total as u64)
    }

    fn all_ids(&mut self, q: &Q, labels: &[String]) -> anyhow::Result<BTreeSet<String>> {
        let (cond, _, args) = Self::condition(&q.what);
        let sql = format!("SELECT DISTINCT id FROM bench_fts WHERE {cond} AND label = ANY($1)");
        Ok(self.query(sql, labels, &args)?.iter().map(|r| r.get(0)).collect())
    }
}
