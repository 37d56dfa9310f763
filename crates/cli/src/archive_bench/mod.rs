//! `airgram bench`: ingest and search at scale, measured against real
//! alternatives in the same run. Figures are printed, never asserted.
//!
//! 1. N synthetic documents are generated (not timed).
//! 2. They are ingested with durable commits (timed) into each tier: the
//!    embedded SQLite archive always and, with `--archive postgres://…`, a
//!    PostgreSQL archive in a scratch database on that server.
//! 3. The same documents go into the alternatives: SQLite FTS5 always, and
//!    PostgreSQL's own full-text search beside the PostgreSQL tier.
//! 4. A fixed query mix (term, AND, OR, phrase, field, date range, facets)
//!    runs as three readers (public, CONFIDENTIAL, TOP SECRET) on each:
//!    p50/p99 per query type, the ratio of latencies, and the equality of
//!    boolean match sets between every tier and every alternative.
//! 5. Each tier's follower lag: a write by one process until another finds it.

mod fts5;
mod pg_fts;
mod scratch;

use airgram_access::{Label, Level, Reader};
use airgram_archive::{Archive, IngestOptions, Input};
use airgram_index::{SearchRequest, Sort};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a query asks, which each engine writes in its own syntax.
#[derive(Clone)]
enum Match {
    Term(String),
    And(String, String),
    Or(String, String),
    Phrase(String, String),
    /// The sender field holds this phrase.
    From(String),
    /// Dated within these days (inclusive).
    Days(i64, i64),
}

#[derive(Clone)]
struct Q {
    kind: &'static str,
    /// airgram query syntax
    ours: String,
    what: Match,
    facets: bool,
    /// Compare the full match sets (boolean queries).
    compare: bool,
}

/// The facet columns the alternatives count, as airgram's facets do.
const FACETS: [&str; 7] = [
    "classification",
    "doc_type",
    "year",
    "sender",
    "recipient",
    "series",
    "person",
];

/// One version as an alternative engine stores it: the archive's own parse
/// of the same bytes, one row per label that may see it.
struct Row {
    id: String,
    label: String,
    day: Option<i64>,
    classification: Option<String>,
    doc_type: Option<String>,
    series: Option<String>,
    year: Option<String>,
    sender: Option<String>,
    recipient: Option<String>,
    person: Option<String>,
    body: String,
    subject: Option<String>,
    recipients: String,
    persons: String,
    message_id: Option<String>,
}

/// A full-text engine the archive is measured against.
trait Alternative {
    fn name(&self) -> &'static str;
    /// Adds rows (timed by the caller).
    fn load(&mut self, rows: &[Row]) -> anyhow::Result<()>;
    /// After the last load: what a bulk load does last (timed as loading).
    fn finish(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Runs the query as a search page would: the top 10, the total of
    /// distinct records (returned), and the facet counts when asked.
    fn run(&mut self, q: &Q, labels: &[String]) -> anyhow::Result<u64>;
    /// Every matching record, to compare match sets.
    fn all_ids(&mut self, q: &Q, labels: &[String]) -> anyhow::Result<BTreeSet<String>>;
}

/// Where a tier keeps its archive.
enum Place {
    Sqlite(PathBuf),
    Postgres { url: String, index: PathBuf },
}

impl Place {
    fn name(&self) -> &'static str {
        match self {
            Place::Sqlite(_) => "sqlite",
            Place::Postgres { .. } => "postgres",
        }
    }

    fn open(&self) -> anyhow::Result<Archive> {
        Ok(match self {
            Place::Sqlite(dir) => Archive::open(dir)?,
            Place::Postgres { url, index } => Archive::open_named(Path::new(url), Some(index))?,
        })
    }

    /// Another process's view of the archive, as a second server has it: on
    /// SQLite the same directory; on PostgreSQL a node with an index
    /// directory of its own, provisioned as a copy of this one's.
    fn follower(&self) -> anyhow::Result<Archive> {
        Ok(match self {
            Place::Sqlite(dir) => Archive::open(dir)?,
            Place::Postgres { url, index } => {
                let mine = index.with_extension("follower");
                let _ = std::fs::remove_dir_all(&mine);
                copy_dir(index, &mine)?;
                Archive::open_named(Path::new(url), Some(&mine))?
            }
        })
    }
}

/// One tier's archive and what was measured on it.
struct Tier {
    place: Place,
    archive: Archive,
    docs_per_s: f64,
    mb_per_s: f64,
    cpu_us_per_doc: Option<f64>,
    bytes: u64,
    times: Times,
    lags: Vec<f64>,
}

/// Latencies by query type and over all, in ms.
#[derive(Default)]
struct Times {
    by_kind: BTreeMap<&'static str, Vec<f64>>,
    all: Vec<f64>,
}

impl Times {
    fn add(&mut self, kind: &'static str, ms: f64) {
        self.by_kind.entry(kind).or_default().push(ms);
        self.all.push(ms);
    }

    fn p(&self, kind: Option<&str>, p: f64) -> f64 {
        let mut v = match kind {
            Some(k) => self.by_kind.get(k).cloned().unwrap_or_default(),
            None => self.all.clone(),
        };
        pct(&mut v, p)
    }
}

/// The documents the query vocabulary is drawn from: the first 200 of
/// every 200,000, at most 2,000, and their senders.
#[derive(Default)]
struct Sample {
    bodies: Vec<String>,
    froms: BTreeSet<String>,
}

/// Generates every document (not timed; about 2.3 GB at a million), as
/// `airgram ingest` takes a directory.
fn inputs(cfg: &airgram_generate::Config, mut sample: Option<&mut Sample>) -> Vec<Input> {
    airgram_generate::documents(cfg)
        .enumerate()
        .map(|(i, d)| {
            if let Some(s) = sample.as_deref_mut() {
                if i % 200_000 < 200 && s.bodies.len() < 2000 {
                    s.bodies.push(d.text.clone());
                    s.froms.insert(d.truth.from.clone());
                }
            }
            Input::text(d.truth.file, d.text.into_bytes())
        })
        .collect()
}

impl Tier {
    /// Ingests every document in one run: one pipeline, one wait for the
    /// merges at the end.
    fn ingest(
        place: Place,
        cfg: &airgram_generate::Config,
        batch_size: usize,
        sample: Option<&mut Sample>,
    ) -> anyhow::Result<Tier> {
        let archive = place.open()?;
        let inputs = inputs(cfg, sample);
        let done = inputs.len() as u64;
        let bytes: u64 = inputs.iter().map(|i| i.source.len() as u64).sum();
        let pb = crate::archive_cmd::progress(done, &format!("ingest ({})", place.name()));
        let t = Instant::now();
        let cpu0 = cpu_secs();
        let opts = IngestOptions {
            batch_size,
            ..IngestOptions::default()
        };
        archive.ingest(inputs, &opts, |n| pb.set_position(n as u64))?;
        // The merges the ingest started are ingest work too: waited for
        // here, they neither borrow the next load's time nor run under the
        // queries.
        pb.set_message("merging");
        archive.wait_merges()?;
        let secs = t.elapsed().as_secs_f64().max(1e-9);
        // CPU per document: on a shared machine whose speed drifts, wall
        // time alone cannot tell two runs apart; this says how much work
        // each did (this process's only: PostgreSQL's own is not in it).
        let cpu = cpu0.zip(cpu_secs()).map(|(a, b)| b - a);
        pb.finish_and_clear();
        Ok(Tier {
            bytes: match &place {
                Place::Sqlite(dir) => dir_size(dir),
                Place::Postgres { index, .. } => dir_size(index),
            },
            place,
            archive,
            docs_per_s: done as f64 / secs,
            mb_per_s: (bytes as f64 / 1e6 / secs * 10.0).round() / 10.0,
            cpu_us_per_doc: cpu.map(|c| (c * 1e6 / done.max(1) as f64).round()),
            times: Times::default(),
            lags: Vec::new(),
        })
    }

    fn figures(&self) -> serde_json::Value {
        json!({
            "ingest_docs_per_s": self.docs_per_s.round(),
            "ingest_mb_per_s": self.mb_per_s,
            "ingest_cpu_us_per_doc": self.cpu_us_per_doc,
            "search_p50_ms": self.times.p(None, 0.5),
            "search_p99_ms": self.times.p(None, 0.99),
            "follow_lag_p50_ms": pct(&mut self.lags.clone(), 0.5),
            "follow_lag_p99_ms": pct(&mut self.lags.clone(), 0.99),
        })
    }
}

/// The archive's parse of each document, as rows for the alternatives, and
/// every label among them.
fn rows(docs: &[airgram_generate::GeneratedDoc], labels: &mut BTreeSet<String>) -> Vec<Row> {
    let mut out = Vec::with_capacity(docs.len() * 2);
    for d in docs {
        let r = airgram_parse::parse_text(&d.truth.file, d.text.as_bytes(), None);
        let id = airgram_archive::content_id(d.text.as_bytes());
        let original = airgram_access::original_label(&r);
        let mut visible_at = vec![original.clone()];
        if r.declassified && original != Label::unclassified() {
            visible_at.push(Label::unclassified());
        }
        for l in visible_at {
            labels.insert(l.to_string());
            out.push(Row {
                id: id.clone(),
                label: l.to_string(),
                day: r.date.as_deref().and_then(airgram_index::query::iso_day),
                classification: r.classification.map(|c| c.to_string()),
                doc_type: r.doc_type.clone(),
                series: r.message_id.as_deref().and_then(airgram_archive::series_of),
                year: r.date.as_deref().and_then(|x| x.get(..4)).map(str::to_string),
                sender: r.from.clone(),
                recipient: r.to.first().cloned(),
                person: r.persons.first().cloned(),
                body: r.body.clone(),
                subject: r.subject.clone(),
                recipients: r.to.join("; "),
                persons: r.persons.join("; "),
                message_id: r.message_id.clone(),
            });
        }
    }
    out
}

/// Loads every alternative with the same documents, made again (the
/// generator is deterministic) a round at a time, after the archives'
/// ingests so that no load's disk writes land in another's time. Returns
/// each one's docs/s and every label.
fn load(
    alts: &mut [Box<dyn Alternative>],
    cfg: &airgram_generate::Config,
    count: u64,
) -> anyhow::Result<(Vec<f64>, BTreeSet<String>)> {
    let mut secs = vec![0.0f64; alts.len()];
    let mut labels = BTreeSet::new();
    let names: Vec<&str> = alts.iter().map(|a| a.name()).collect();
    let pb = crate::archive_cmd::progress(count, &format!("load ({})", names.join(", ")));
    let mut gen = airgram_generate::documents(cfg);
    let mut loaded = 0u64;
    loop {
        let docs: Vec<airgram_generate::GeneratedDoc> = gen.by_ref().take(200_000).collect();
        if docs.is_empty() {
            break;
        }
        // The parse is the archive's, not the alternative's work: untimed.
        let rows = rows(&docs, &mut labels);
        for (alt, s) in alts.iter_mut().zip(&mut secs) {
            let t = Instant::now();
            alt.load(&rows)?;
            *s += t.elapsed().as_secs_f64();
        }
        loaded += docs.len() as u64;
        pb.set_position(loaded);
    }
    for (alt, s) in alts.iter_mut().zip(&mut secs) {
        let t = Instant::now();
        alt.finish()?;
        *s += t.elapsed().as_secs_f64();
    }
    pb.finish_and_clear();
    Ok((
        secs.iter().map(|s| (count as f64 / s.max(1e-9)).round()).collect(),
        labels,
    ))
}

fn query_mix(vocab: &[String], froms: &[String]) -> Vec<Q> {
    let pick = |i: usize| {
        vocab
            .get(i.min(vocab.len().saturating_sub(1)))
            .cloned()
            .unwrap_or_else(|| "cuba".into())
    };
    let q = |kind, ours: String, what, facets, compare| Q {
        kind,
        ours,
        what,
        facets,
        compare,
    };
    let mut qs = Vec::new();
    for k in 0..5 {
        let (a, b) = (pick(5 + k * 13), pick(40 + k * 29));
        qs.push(q("term", a.clone(), Match::Term(a.clone()), false, true));
        qs.push(q(
            "and",
            format!("{a} AND {b}"),
            Match::And(a.clone(), b.clone()),
            false,
            true,
        ));
        qs.push(q(
            "or",
            format!("{a} OR {b}"),
            Match::Or(a.clone(), b.clone()),
            false,
            true,
        ));
        qs.push(q(
            "phrase",
            format!("\"{a} {b}\""),
            Match::Phrase(a.clone(), b.clone()),
            false,
            true,
        ));
        let from = froms
            .get(k % froms.len().max(1))
            .cloned()
            .unwrap_or_else(|| "PARIS".into());
        qs.push(q("field", format!("from:\"{from}\""), Match::From(from), false, true));
        let y = 1960 + k as i64 * 2;
        let lo = airgram_index::query::days_from_civil(y, 3, 1);
        let hi = airgram_index::query::days_from_civil(y, 8, 31);
        qs.push(q(
            "date",
            format!("date:{y}-03..{y}-08"),
            Match::Days(lo, hi),
            false,
            true,
        ));
        qs.push(q("facets", a.clone(), Match::Term(a), true, false));
    }
    qs
}

/// Best of three after one warm-up, in ms (noise from the other core), and
/// what the last run returned.
fn best_of_three<T>(mut f: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<(f64, T)> {
    let _ = f()?;
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = f()?;
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(r);
    }
    Ok((best, last.expect("three runs")))
}

pub fn run(
    count: u64,
    seed: u64,
    dir: Option<&Path>,
    batch_size: usize,
    postgres: Option<&str>,
    as_json: bool,
) -> anyhow::Result<std::process::ExitCode> {
    // As ingest takes it: a batch holds at least one document.
    let batch_size = batch_size.max(1);
    let tmp = tempfile::tempdir()?;
    let base = dir.map(Path::to_path_buf).unwrap_or_else(|| tmp.path().to_path_buf());
    let fresh = |name: &str| {
        let p = base.join(name);
        let _ = std::fs::remove_dir_all(&p);
        let _ = std::fs::remove_file(&p);
        p
    };
    let cfg = airgram_generate::Config { count, seed };
    let scratch = postgres.map(scratch::Scratch::create).transpose()?;

    let mut sample = Sample::default();
    let mut tiers = vec![Tier::ingest(
        Place::Sqlite(fresh("bench-archive")),
        &cfg,
        batch_size,
        Some(&mut sample),
    )?];
    if let Some(s) = &scratch {
        let index = fresh("bench-pg-index");
        let _ = std::fs::remove_dir_all(index.with_extension("follower"));
        let place = Place::Postgres {
            url: s.url.clone(),
            index,
        };
        let mut tier = Tier::ingest(place, &cfg, batch_size, None)?;
        tier.bytes += s.size()?;
        tiers.push(tier);
    }
    let mut alts: Vec<Box<dyn Alternative>> = vec![Box::new(fts5::Fts5::create(&fresh("bench-fts5.db"))?)];
    if let Some(s) = &scratch {
        alts.push(Box::new(pg_fts::PgFts::create(&s.url)?));
    }
    let (load_rates, all_labels) = load(&mut alts, &cfg, count)?;

    let vocab = vocabulary(&sample.bodies);
    let froms: Vec<String> = sample.froms.into_iter().collect();
    let qs = query_mix(&vocab, &froms);
    let trace = std::env::var_os("AIRGRAM_TRACE").is_some();
    let mut alt_times: Vec<Times> = alts.iter().map(|_| Times::default()).collect();
    // Per tier and alternative: the alternative's latency over the tier's,
    // query by query.
    let mut ratios: BTreeMap<(usize, usize), Vec<f64>> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for (rname, reader) in readers() {
        let labels: Vec<String> = all_labels
            .iter()
            .filter(|l| Label::parse(l).is_some_and(|x| reader.may_see(&x)))
            .cloned()
            .collect();
        for q in &qs {
            let req = SearchRequest {
                query: q.ours.clone(),
                limit: 10,
                offset: 0,
                sort: if q.kind == "date" { Sort::Date } else { Sort::Relevance },
                facets: q.facets,
                facet_limit: 10,
            };
            let mut totals = Vec::new();
            let mut mine = Vec::new();
            for t in &mut tiers {
                let (ms, r) = best_of_three(|| Ok(t.archive.search(&reader, &req)?))?;
                t.times.add(q.kind, ms);
                totals.push(r.total as u64);
                mine.push(ms);
            }
            let mut theirs = Vec::new();
            for (ai, (a, times)) in alts.iter_mut().zip(&mut alt_times).enumerate() {
                let (ms, n) = best_of_three(|| a.run(q, &labels))?;
                times.add(q.kind, ms);
                theirs.push(n);
                for (ti, my) in mine.iter().enumerate() {
                    ratios.entry((ti, ai)).or_default().push(ms / my.max(1e-6));
                }
            }
            if trace {
                eprintln!(
                    "{rname} {:?}: {mine:.2?} ms, {totals:?} hits; alternatives {theirs:?}",
                    q.ours
                );
            }
            if !q.compare {
                continue;
            }
            // Every tier finds what the first does.
            for (t, n) in tiers.iter().zip(&totals).skip(1) {
                if *n != totals[0] {
                    mismatches.push(format!(
                        "{rname} {:?}: {} {} vs {} {}",
                        q.ours,
                        tiers[0].place.name(),
                        totals[0],
                        t.place.name(),
                        n
                    ));
                }
            }
            // Every alternative finds what the tiers do; where the counts
            // differ, the sets say where.
            for (a, n) in alts.iter_mut().zip(&theirs) {
                if *n == totals[0] {
                    continue;
                }
                let big = SearchRequest {
                    limit: (totals[0] as usize).max(1),
                    ..req.clone()
                };
                let ids: BTreeSet<String> = tiers[0]
                    .archive
                    .search(&reader, &big)?
                    .hits
                    .into_iter()
                    .map(|h| h.id)
                    .collect();
                let fids = a.all_ids(q, &labels)?;
                if ids != fids {
                    mismatches.push(format!(
                        "{rname} {:?}: airgram {} vs {} {}",
                        q.ours,
                        ids.len(),
                        a.name(),
                        fids.len()
                    ));
                }
            }
        }
    }
    for t in &mut tiers {
        eprintln!(
            "follower lag ({}): {LAG_PROBES} writes, each found by a second process's follower",
            t.place.name()
        );
        let follower = t.place.follower()?;
        t.lags = follow_lag(&t.archive, follower)?;
    }
    let speedup = |tier: &str, alt: &str| -> Option<f64> {
        let ti = tiers.iter().position(|t| t.place.name() == tier)?;
        let ai = alts.iter().position(|a| a.name() == alt)?;
        ratios.get(&(ti, ai)).map(|r| pct(&mut r.clone(), 0.5))
    };
    report(Report {
        count,
        batch_size,
        tiers: &tiers,
        alts: &alts,
        alt_times: &alt_times,
        load_rates: &load_rates,
        speedup_vs_fts5: speedup("sqlite", "fts5"),
        speedup_vs_pg_fts: speedup("postgres", "pg_fts"),
        mismatches: &mismatches,
        as_json,
    })
}

struct Report<'a> {
    count: u64,
    batch_size: usize,
    tiers: &'a [Tier],
    alts: &'a [Box<dyn Alternative>],
    alt_times: &'a [Times],
    load_rates: &'a [f64],
    speedup_vs_fts5: Option<f64>,
    speedup_vs_pg_fts: Option<f64>,
    mismatches: &'a [String],
    as_json: bool,
}

/// Prints the figures: the top-level keys are the last tier's (the
/// PostgreSQL one when there is one), with every tier and alternative
/// beside them.
fn report(r: Report) -> anyhow::Result<std::process::ExitCode> {
    let main = r.tiers.last().expect("the SQLite tier is always measured");
    let sqlite = &r.tiers[0];
    let mut per_type = serde_json::Map::new();
    for kind in main.times.by_kind.keys() {
        let mut row = serde_json::Map::new();
        row.insert("p50_ms".into(), json!(main.times.p(Some(kind), 0.5)));
        row.insert("p99_ms".into(), json!(main.times.p(Some(kind), 0.99)));
        for t in r.tiers {
            row.insert(format!("{}_p50_ms", t.place.name()), json!(t.times.p(Some(kind), 0.5)));
            row.insert(format!("{}_p99_ms", t.place.name()), json!(t.times.p(Some(kind), 0.99)));
        }
        for (a, times) in r.alts.iter().zip(r.alt_times) {
            row.insert(format!("{}_p50_ms", a.name()), json!(times.p(Some(kind), 0.5)));
            row.insert(format!("{}_p99_ms", a.name()), json!(times.p(Some(kind), 0.99)));
        }
        per_type.insert(kind.to_string(), row.into());
    }
    let mut out = json!({
        "machine": machine(),
        "store": main.place.name(),
        "count": r.count,
        "batch_size": r.batch_size,
        "ingest_docs_per_s": main.docs_per_s.round(),
        "sqlite_ingest_docs_per_s": sqlite.docs_per_s.round(),
        "ingest_mb_per_s": main.mb_per_s,
        "ingest_cpu_us_per_doc": main.cpu_us_per_doc,
        "archive_bytes": main.bytes,
        "search_p50_ms": main.times.p(None, 0.5),
        "search_p99_ms": main.times.p(None, 0.99),
        "speedup_vs_fts5": r.speedup_vs_fts5,
        "speedup_vs_pg_fts": r.speedup_vs_pg_fts,
        "match_sets_equal": r.mismatches.is_empty(),
        "follow_lag_p50_ms": pct(&mut main.lags.clone(), 0.5),
        "follow_lag_p99_ms": pct(&mut main.lags.clone(), 0.99),
        "mismatches": r.mismatches,
        "tiers": r.tiers.iter().map(|t| (t.place.name().to_string(), t.figures())).collect::<serde_json::Map<_, _>>(),
        "per_type": per_type,
    });
    for ((a, times), rate) in r.alts.iter().zip(r.alt_times).zip(r.load_rates) {
        out[format!("{}_load_docs_per_s", a.name())] = json!(rate);
        out[format!("{}_p50_ms", a.name())] = json!(times.p(None, 0.5));
        out[format!("{}_p99_ms", a.name())] = json!(times.p(None, 0.99));
    }
    if r.as_json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let m = &out["machine"];
    println!(
        "airgram bench: {} documents in batches of {}, on {} ({} cores, {} GB)",
        r.count,
        r.batch_size,
        m["cpu"].as_str().unwrap_or("an unknown CPU"),
        m["cores"],
        m["memory_gb"]
    );
    for t in r.tiers {
        let cpu = t
            .cpu_us_per_doc
            .map(|c| format!("  {c:.0} µs CPU/doc"))
            .unwrap_or_default();
        println!(
            "ingest {:<9} {:>9.0} docs/s {:>6.1} MB/s{cpu}  archive {:.1} MB",
            t.place.name(),
            t.docs_per_s,
            t.mb_per_s,
            t.bytes as f64 / 1e6
        );
    }
    for (a, rate) in r.alts.iter().zip(r.load_rates) {
        println!("load   {:<9} {rate:>9.0} docs/s", a.name());
    }
    let names: Vec<&str> = r
        .tiers
        .iter()
        .map(|t| t.place.name())
        .chain(r.alts.iter().map(|a| a.name()))
        .collect();
    let times: Vec<&Times> = r.tiers.iter().map(|t| &t.times).chain(r.alt_times).collect();
    print!("\n{:<8}", "p50/p99");
    for n in &names {
        print!(" {n:>19}");
    }
    println!("  (ms)");
    let kinds: Vec<Option<&str>> = main.times.by_kind.keys().map(|k| Some(*k)).chain([None]).collect();
    for kind in kinds {
        print!("{:<8}", kind.unwrap_or("all"));
        for t in &times {
            print!(" {:>9.3} {:>9.3}", t.p(kind, 0.5), t.p(kind, 0.99));
        }
        println!();
    }
    println!();
    for (name, s) in [
        ("sqlite vs fts5", r.speedup_vs_fts5),
        ("postgres vs pg_fts", r.speedup_vs_pg_fts),
    ] {
        if let Some(s) = s {
            println!("speedup {name} (median of per-query ratios): {s:.1}x");
        }
    }
    println!("boolean match sets equal: {}", r.mismatches.is_empty());
    for t in r.tiers {
        println!(
            "follower lag ({}: write committed to found by another process): p50 {:.1} ms, p99 {:.1} ms",
            t.place.name(),
            pct(&mut t.lags.clone(), 0.5),
            pct(&mut t.lags.clone(), 0.99)
        );
    }
    for m in r.mismatches {
        println!("  mismatch {m}");
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Copies a directory tree (a node's index, provisioned from another's).
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

pub(crate) fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

/// CPU seconds this process has used (user and system, all threads), where
/// the system says (Linux): less noisy than wall time on a shared machine,
/// for comparing runs.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(ticks / 100.0)
}

fn dir_size(p: &Path) -> u64 {
    let mut n = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let m = e.metadata();
            match m {
                Ok(m) if m.is_dir() => n += dir_size(&e.path()),
                Ok(m) => n += m.len(),
                Err(_) => {}
            }
        }
    }
    n
}

fn readers() -> Vec<(&'static str, Reader)> {
    let all: Vec<String> = airgram_access::CONTROL_CAVEATS.iter().map(|s| s.to_string()).collect();
    vec![
        ("public", Reader::public()),
        ("confidential", Reader::new("bench-c", Level::Confidential, [])),
        ("top-secret", Reader::new("bench-ts", Level::TopSecret, all)),
    ]
}

/// Words of the generated corpus at several frequency ranks.
fn vocabulary(bodies: &[String]) -> Vec<String> {
    let mut freq: HashMap<String, usize> = HashMap::new();
    for b in bodies {
        let mut seen = BTreeSet::new();
        for w in b.split(|c: char| !c.is_alphanumeric()) {
            if w.len() >= 4 && w.chars().all(|c| c.is_ascii_alphabetic()) {
                seen.insert(w.to_lowercase());
            }
        }
        for w in seen {
            *freq.entry(w).or_default() += 1;
        }
    }
    let mut v: Vec<(String, usize)> = freq.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().map(|x| x.0).collect()
}

/// Writes the follower-lag probe makes.
const LAG_PROBES: usize = 20;

/// How long a write by one process takes to be found by another's search:
/// a second `Archive` on the same store follows the change log as a
/// server does (woken by the store, `airgram_server::FOLLOW_EVERY` at the
/// latest), while this process
/// ingests one record at a time; each lag runs from the ingest's return
/// to the first search of the follower that finds the record.
fn follow_lag(writer: &Archive, follower: Archive) -> anyhow::Result<Vec<f64>> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let follower = std::sync::Arc::new(follower);
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let following = {
        let (f, stop) = (follower.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _ = f.follow();
                f.wait_for_change(airgram_server::FOLLOW_EVERY);
            }
        })
    };
    let public = Reader::public();
    let mut lags = Vec::with_capacity(LAG_PROBES);
    for i in 0..LAG_PROBES {
        let word = format!("lagprobe{i}x{}", std::process::id());
        let text = format!("UNCLASSIFIED\n\nSUBJECT: {word}\n\n1. A probe of the follower, {word}.\n");
        writer.ingest(
            [Input::text(format!("probe-{word}.txt"), text.into_bytes())],
            &IngestOptions::default(),
            |_| {},
        )?;
        let t = Instant::now();
        let req = SearchRequest {
            query: word.clone(),
            ..SearchRequest::default()
        };
        while follower.search(&public, &req)?.total == 0 {
            anyhow::ensure!(t.elapsed() < Duration::from_secs(30), "the follower never found {word}");
            std::thread::sleep(Duration::from_millis(1));
        }
        lags.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = following.join();
    Ok(lags)
}

/// What the figures were measured on: the same build runs half again as
/// fast on one CPU as on another, so a figure without its machine is no
/// figure. Linux only (`/proc`); elsewhere the CPU is null.
pub(crate) fn machine() -> serde_json::Value {
    let read = |path: &str, key: &str| -> Option<String> {
        let text = std::fs::read_to_string(path).ok()?;
        let line = text.lines().find(|l| l.starts_with(key))?;
        Some(line.split_once(':')?.1.trim().to_string())
    };
    let memory_gb = read("/proc/meminfo", "MemTotal")
        .and_then(|kb| kb.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| (kb / 1024.0 / 1024.0).round() as u64);
    json!({
        "cpu": read("/proc/cpuinfo", "model name"),
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "memory_gb": memory_gb,
    })
}
