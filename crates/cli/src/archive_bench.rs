//! `airgram bench`: ingest and search at scale, measured against SQLite
//! FTS5 in the same run. Figures are printed, never asserted.
//!
//! 1. N synthetic documents are generated (not timed).
//! 2. They are ingested with durable commits (timed): docs/s, MB/s, size.
//! 3. A fixed query mix (term, AND, OR, phrase, field, date range, facets)
//!    runs as three readers (public, CONFIDENTIAL, TOP SECRET): top-10 and
//!    total, p50/p99 per query type.
//! 4. The same documents go into an FTS5 table with the label as a WHERE
//!    filter; the same queries run there; the ratio of latencies and the
//!    equality of boolean match sets are reported.

use airgram_access::{Label, Level, Reader};
use airgram_archive::{Archive, IngestOptions, Input};
use airgram_index::{SearchRequest, Sort};
use rusqlite::{params, Connection};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Clone)]
struct Q {
    kind: &'static str,
    /// airgram query syntax
    ours: String,
    /// FTS5 MATCH expression (None: no text condition)
    fts: Option<String>,
    /// Date range (days) for the date query
    days: Option<(i64, i64)>,
    facets: bool,
    /// Compare the full match sets (boolean queries).
    compare: bool,
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

fn query_mix(vocab: &[String], froms: &[String]) -> Vec<Q> {
    let pick = |i: usize| {
        vocab
            .get(i.min(vocab.len().saturating_sub(1)))
            .cloned()
            .unwrap_or_else(|| "cuba".into())
    };
    let mut qs = Vec::new();
    for k in 0..5 {
        let (a, b) = (pick(5 + k * 13), pick(40 + k * 29));
        qs.push(Q {
            kind: "term",
            ours: a.clone(),
            fts: Some(a.clone()),
            days: None,
            facets: false,
            compare: true,
        });
        qs.push(Q {
            kind: "and",
            ours: format!("{a} AND {b}"),
            fts: Some(format!("{a} AND {b}")),
            days: None,
            facets: false,
            compare: true,
        });
        qs.push(Q {
            kind: "or",
            ours: format!("{a} OR {b}"),
            fts: Some(format!("{a} OR {b}")),
            days: None,
            facets: false,
            compare: true,
        });
        qs.push(Q {
            kind: "phrase",
            ours: format!("\"{a} {b}\""),
            fts: Some(format!("\"{a} {b}\"")),
            days: None,
            facets: false,
            compare: true,
        });
        let from = froms
            .get(k % froms.len().max(1))
            .cloned()
            .unwrap_or_else(|| "PARIS".into());
        let from_l = from.to_lowercase();
        qs.push(Q {
            kind: "field",
            ours: format!("from:\"{from}\""),
            fts: Some(format!("sender : \"{from_l}\"")),
            days: None,
            facets: false,
            compare: true,
        });
        let y = 1960 + k as i64 * 2;
        let lo = airgram_index::query::days_from_civil(y, 3, 1);
        let hi = airgram_index::query::days_from_civil(y, 8, 31);
        qs.push(Q {
            kind: "date",
            ours: format!("date:{y}-03..{y}-08"),
            fts: None,
            days: Some((lo, hi)),
            facets: false,
            compare: true,
        });
        qs.push(Q {
            kind: "facets",
            ours: a.clone(),
            fts: Some(a),
            days: None,
            facets: true,
            compare: false,
        });
    }
    qs
}

struct Fts {
    conn: Connection,
}

impl Fts {
    fn create(path: &Path) -> rusqlite::Result<Fts> {
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
        Ok(Fts { conn })
    }

    fn visible_sql(labels: &[String]) -> String {
        let quoted: Vec<String> = labels.iter().map(|l| format!("'{}'", l.replace('\'', "''"))).collect();
        format!(
            "({})",
            if quoted.is_empty() {
                "NULL".into()
            } else {
                quoted.join(",")
            }
        )
    }

    /// Top 10 ids, total distinct matches, facet counts (when asked).
    fn run(&self, q: &Q, labels: &[String]) -> rusqlite::Result<(Vec<String>, u64)> {
        let vis = Self::visible_sql(labels);
        let (top_sql, count_sql) = match (&q.fts, q.days) {
            (Some(_), _) => (
                format!(
                    "SELECT meta.id FROM docs JOIN meta ON meta.rowid = docs.rowid WHERE docs MATCH ?1 AND meta.label IN {vis} ORDER BY docs.rank LIMIT 10"
                ),
                format!(
                    "SELECT count(DISTINCT meta.id) FROM docs JOIN meta ON meta.rowid = docs.rowid WHERE docs MATCH ?1 AND meta.label IN {vis}"
                ),
            ),
            (None, Some(_)) => (
                format!("SELECT id FROM meta WHERE day BETWEEN ?1 AND ?2 AND label IN {vis} ORDER BY day DESC LIMIT 10"),
                format!("SELECT count(DISTINCT id) FROM meta WHERE day BETWEEN ?1 AND ?2 AND label IN {vis}"),
            ),
            _ => unreachable!("every query has text or dates"),
        };
        let bind = |st: &mut rusqlite::Statement| -> rusqlite::Result<Vec<rusqlite::types::Value>> {
            let _ = st;
            Ok(match (&q.fts, q.days) {
                (Some(m), _) => vec![m.clone().into()],
                (None, Some((lo, hi))) => vec![lo.into(), hi.into()],
                _ => vec![],
            })
        };
        let mut st = self.conn.prepare_cached(&top_sql)?;
        let args = bind(&mut st)?;
        let top: Vec<String> = st
            .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = self.conn.prepare_cached(&count_sql)?;
        let total: u64 = st.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
        if q.facets {
            for col in [
                "classification",
                "doc_type",
                "year",
                "sender",
                "recipient",
                "series",
                "person",
            ] {
                let sql = format!(
                    "SELECT meta.{col}, count(*) FROM docs JOIN meta ON meta.rowid = docs.rowid WHERE docs MATCH ?1 AND meta.label IN {vis} GROUP BY meta.{col} ORDER BY 2 DESC LIMIT 10"
                );
                let mut st = self.conn.prepare_cached(&sql)?;
                let _rows: Vec<(Option<String>, i64)> = st
                    .query_map(rusqlite::params_from_iter(args.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
            }
        }
        Ok((top, total))
    }

    fn all_ids(&self, q: &Q, labels: &[String]) -> rusqlite::Result<BTreeSet<String>> {
        let vis = Self::visible_sql(labels);
        let out = match (&q.fts, q.days) {
            (Some(m), _) => {
                let sql = format!(
                    "SELECT DISTINCT meta.id FROM docs JOIN meta ON meta.rowid = docs.rowid WHERE docs MATCH ?1 AND meta.label IN {vis}"
                );
                let mut st = self.conn.prepare(&sql)?;
                let rows = st.query_map([m], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
            (None, Some((lo, hi))) => {
                let sql = format!("SELECT DISTINCT id FROM meta WHERE day BETWEEN ?1 AND ?2 AND label IN {vis}");
                let mut st = self.conn.prepare(&sql)?;
                let rows = st.query_map(params![lo, hi], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
            _ => BTreeSet::new(),
        };
        Ok(out)
    }
}

pub fn run(
    count: u64,
    seed: u64,
    dir: Option<&Path>,
    batch_size: usize,
    as_json: bool,
) -> anyhow::Result<std::process::ExitCode> {
    // As ingest takes it: a batch holds at least one document.
    let batch_size = batch_size.max(1);
    let tmp = tempfile::tempdir()?;
    let base = dir.map(Path::to_path_buf).unwrap_or_else(|| tmp.path().to_path_buf());
    let arch_dir = base.join("bench-archive");
    let fts_path = base.join("bench-fts5.db");
    let _ = std::fs::remove_dir_all(&arch_dir);
    let _ = std::fs::remove_file(&fts_path);
    let archive = Archive::open(&arch_dir)?;
    let fts = Fts::create(&fts_path)?;
    let cfg = airgram_generate::Config { count, seed };
    // The documents sampled for the query vocabulary: the first 200 of
    // every 200,000, at most 2,000.
    let sampled = |i: usize| i % 200_000 < 200;
    let mut sample_bodies = Vec::new();
    let mut froms = BTreeSet::new();
    // Generation is not timed: every document is made before the clock
    // starts (about 2.3 GB at a million), and ingested in one run, as
    // `airgram ingest` takes a directory: one pipeline, one wait for the
    // merges at the end.
    let inputs: Vec<Input> = airgram_generate::documents(&cfg)
        .enumerate()
        .map(|(i, d)| {
            if sampled(i) && sample_bodies.len() < 2000 {
                sample_bodies.push(d.text.clone());
                froms.insert(d.truth.from.clone());
            }
            Input::text(d.truth.file, d.text.into_bytes())
        })
        .collect();
    let done = inputs.len() as u64;
    let bytes: u64 = inputs.iter().map(|i| i.source.len() as u64).sum();
    let pb = crate::archive_cmd::progress(done, "ingest");
    let t = Instant::now();
    let cpu0 = cpu_secs();
    let opts = IngestOptions {
        batch_size,
        ..IngestOptions::default()
    };
    archive.ingest(inputs, &opts, |n| pb.set_position(n as u64))?;
    // The merges the ingest started are ingest work too: waited for here,
    // they neither borrow the FTS5 load's time nor run under the queries.
    pb.set_message("merging");
    let merging = Instant::now();
    archive.wait_merges()?;
    let ingest_secs = t.elapsed().as_secs_f64();
    // CPU per document: on a shared machine whose speed drifts, wall time
    // alone cannot tell two runs apart; this says how much work each did.
    let ingest_cpu = cpu0.zip(cpu_secs()).map(|(a, b)| b - a);
    let ingest_dps = done as f64 / ingest_secs.max(1e-9);
    let cpu_us_per_doc = ingest_cpu.map(|c| c * 1e6 / done.max(1) as f64);
    let trace = std::env::var_os("AIRGRAM_TRACE").is_some();
    if trace {
        eprintln!(
            "waited {:.2?} for merges; ingest {ingest_dps:.0} docs/s, {:.0} s of CPU ({:.0} µs per document)",
            merging.elapsed(),
            ingest_cpu.unwrap_or(0.0),
            cpu_us_per_doc.unwrap_or(0.0)
        );
    }
    pb.finish_and_clear();
    // FTS5 gets the same documents, made again (the generator is
    // deterministic) a round at a time, after the archive's ingest, so that
    // neither load's disk writes land in the other's time.
    let pb = crate::archive_cmd::progress(done, "FTS5 load");
    let mut gen = airgram_generate::documents(&cfg);
    let mut fts_secs = 0.0f64;
    let mut loaded = 0u64;
    loop {
        let docs: Vec<airgram_generate::GeneratedDoc> = gen.by_ref().take(200_000).collect();
        if docs.is_empty() {
            break;
        }
        let t = Instant::now();
        load_fts(&fts, &docs)?;
        fts_secs += t.elapsed().as_secs_f64();
        loaded += docs.len() as u64;
        pb.set_position(loaded);
    }
    pb.finish_and_clear();
    let archive_bytes = dir_size(&arch_dir);
    let vocab = vocabulary(&sample_bodies);
    let froms: Vec<String> = froms.into_iter().collect();
    let qs = query_mix(&vocab, &froms);

    // Label keys per reader for FTS5's WHERE.
    let all_labels: Vec<String> = {
        let mut st = fts.conn.prepare("SELECT DISTINCT label FROM meta")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut ours: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut theirs: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut ratios = Vec::new();
    let mut all_ours = Vec::new();
    let mut all_theirs = Vec::new();
    let mut sets_equal = true;
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
            // Warm once, then time the best of three (noise from the other core).
            let _ = archive.search(&reader, &req)?;
            let mut best = f64::MAX;
            let mut total = 0;
            for _ in 0..3 {
                let t = Instant::now();
                let r = archive.search(&reader, &req)?;
                best = best.min(t.elapsed().as_secs_f64() * 1000.0);
                total = r.total;
            }
            let _ = fts.run(q, &labels)?;
            let mut fbest = f64::MAX;
            let mut ftotal = 0;
            for _ in 0..3 {
                let t = Instant::now();
                let (_, n) = fts.run(q, &labels)?;
                fbest = fbest.min(t.elapsed().as_secs_f64() * 1000.0);
                ftotal = n;
            }
            if trace {
                eprintln!("{rname} {:?}: {best:.2} ms, {total} hits; fts5 {fbest:.1} ms", q.ours);
            }
            ours.entry(q.kind).or_default().push(best);
            theirs.entry(q.kind).or_default().push(fbest);
            all_ours.push(best);
            all_theirs.push(fbest);
            ratios.push(fbest / best.max(1e-6));
            if q.compare && total as u64 != ftotal {
                // Counts differ: compare the sets to say where.
                let big = SearchRequest {
                    limit: total.max(1),
                    ..req.clone()
                };
                let ids: BTreeSet<String> = archive.search(&reader, &big)?.hits.into_iter().map(|h| h.id).collect();
                let fids = fts.all_ids(q, &labels)?;
                if ids != fids {
                    sets_equal = false;
                    mismatches.push(format!(
                        "{rname} {:?}: airgram {} vs fts5 {}",
                        q.ours,
                        ids.len(),
                        fids.len()
                    ));
                }
            }
        }
    }
    let speedup = pct(&mut ratios.clone(), 0.5);
    eprintln!("follower lag: {LAG_PROBES} writes, each found by a second process's follower");
    let mut lags = follow_lag(&archive, &arch_dir)?;
    let report = json!({
        "machine": machine(),
        "count": done,
        "batch_size": batch_size,
        "ingest_docs_per_s": ingest_dps.round(),
        "ingest_mb_per_s": (bytes as f64 / 1e6 / ingest_secs.max(1e-9) * 10.0).round() / 10.0,
        "ingest_cpu_us_per_doc": cpu_us_per_doc.map(f64::round),
        "archive_bytes": archive_bytes,
        "fts5_load_docs_per_s": (done as f64 / fts_secs.max(1e-9)).round(),
        "search_p50_ms": pct(&mut all_ours.clone(), 0.5),
        "search_p99_ms": pct(&mut all_ours.clone(), 0.99),
        "fts5_p50_ms": pct(&mut all_theirs.clone(), 0.5),
        "fts5_p99_ms": pct(&mut all_theirs.clone(), 0.99),
        "speedup_vs_fts5": speedup,
        "match_sets_equal": sets_equal,
        "follow_lag_p50_ms": pct(&mut lags, 0.5),
        "follow_lag_p99_ms": pct(&mut lags, 0.99),
        "mismatches": mismatches,
        "per_type": ours.iter().map(|(k, v)| {
            let mut v = v.clone();
            let mut f = theirs.get(k).cloned().unwrap_or_default();
            (k.to_string(), json!({"p50_ms": pct(&mut v, 0.5), "p99_ms": pct(&mut v, 0.99), "fts5_p50_ms": pct(&mut f, 0.5), "fts5_p99_ms": pct(&mut f, 0.99)}))
        }).collect::<serde_json::Map<_, _>>(),
    });
    if as_json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let m = &report["machine"];
        println!(
            "airgram bench: {done} documents in batches of {batch_size}, on {} ({} cores, {} GB)",
            m["cpu"].as_str().unwrap_or("an unknown CPU"),
            m["cores"],
            m["memory_gb"]
        );
        let cpu = report["ingest_cpu_us_per_doc"]
            .as_f64()
            .map(|c| format!("  {c:.0} µs CPU/doc"))
            .unwrap_or_default();
        println!(
            "ingest   {:>10.0} docs/s  {:>6.1} MB/s{cpu}  archive {:.1} MB   (FTS5 load {:.0} docs/s)",
            ingest_dps,
            report["ingest_mb_per_s"].as_f64().unwrap_or(0.0),
            archive_bytes as f64 / 1e6,
            report["fts5_load_docs_per_s"].as_f64().unwrap_or(0.0)
        );
        println!(
            "\n{:<8} {:>10} {:>10} {:>12} {:>12}",
            "query", "p50 ms", "p99 ms", "fts5 p50", "fts5 p99"
        );
        for (k, v) in report["per_type"].as_object().into_iter().flatten() {
            println!(
                "{:<8} {:>10.3} {:>10.3} {:>12.3} {:>12.3}",
                k,
                v["p50_ms"].as_f64().unwrap_or(0.0),
                v["p99_ms"].as_f64().unwrap_or(0.0),
                v["fts5_p50_ms"].as_f64().unwrap_or(0.0),
                v["fts5_p99_ms"].as_f64().unwrap_or(0.0)
            );
        }
        println!(
            "{:<8} {:>10.3} {:>10.3} {:>12.3} {:>12.3}",
            "all",
            report["search_p50_ms"].as_f64().unwrap_or(0.0),
            report["search_p99_ms"].as_f64().unwrap_or(0.0),
            report["fts5_p50_ms"].as_f64().unwrap_or(0.0),
            report["fts5_p99_ms"].as_f64().unwrap_or(0.0)
        );
        println!(
            "\nspeedup vs FTS5 (median of per-query ratios): {speedup:.1}x   boolean match sets equal: {sets_equal}"
        );
        println!(
            "follower lag (write committed to found by another process): p50 {:.1} ms, p99 {:.1} ms",
            report["follow_lag_p50_ms"].as_f64().unwrap_or(0.0),
            report["follow_lag_p99_ms"].as_f64().unwrap_or(0.0)
        );
        for m in report["mismatches"].as_array().into_iter().flatten() {
            println!("  mismatch {m}");
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Writes the follower-lag probe makes.
const LAG_PROBES: usize = 20;

/// How long a write by one process takes to be found by another's search:
/// a second `Archive` on the same store follows the change log on a timer,
/// as a server does (`airgram_server::FOLLOW_EVERY`), while this process
/// ingests one record at a time; each lag runs from the ingest's return
/// to the first search of the follower that finds the record.
fn follow_lag(writer: &Archive, dir: &Path) -> anyhow::Result<Vec<f64>> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let follower = std::sync::Arc::new(Archive::open(dir)?);
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let following = {
        let (f, stop) = (follower.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _ = f.follow();
                std::thread::sleep(airgram_server::FOLLOW_EVERY);
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

/// Loads documents into FTS5 the way a straightforward FTS5 archive would:
/// one row per visible-at-label version, the label as a column.
fn load_fts(fts: &Fts, docs: &[airgram_generate::GeneratedDoc]) -> rusqlite::Result<()> {
    let tx = fts.conn.unchecked_transaction()?;
    {
        let mut ins_doc = tx.prepare_cached(
            "INSERT INTO docs (rowid, body, subject, sender, recipients, persons, message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut ins_meta = tx.prepare_cached(
            "INSERT INTO meta (rowid, id, label, day, classification, doc_type, series, year, sender, recipient, person)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut rowid: i64 = tx.query_row("SELECT coalesce(max(rowid), 0) FROM meta", [], |r| r.get(0))?;
        for d in docs {
            // The same parse the archive made of the same bytes.
            let r = airgram_parse::parse_text(&d.truth.file, d.text.as_bytes(), None);
            let id = airgram_archive::content_id(d.text.as_bytes());
            let original = airgram_access::original_label(&r);
            let mut labels = vec![original.clone()];
            if r.declassified && original != Label::unclassified() {
                labels.push(Label::unclassified());
            }
            let day = r.date.as_deref().and_then(airgram_index::query::iso_day);
            for l in labels {
                rowid += 1;
                ins_doc.execute(params![
                    rowid,
                    r.body,
                    r.subject,
                    r.from,
                    r.to.join("; "),
                    r.persons.join("; "),
                    r.message_id
                ])?;
                ins_meta.execute(params![
                    rowid,
                    id,
                    l.to_string(),
                    day,
                    r.classification.map(|c| c.to_string()),
                    r.doc_type,
                    r.message_id.as_deref().and_then(airgram_archive::series_of),
                    r.date.as_deref().and_then(|x| x.get(..4)),
                    r.from,
                    r.to.first(),
                    r.persons.first()
                ])?;
            }
        }
    }
    tx.commit()
}
