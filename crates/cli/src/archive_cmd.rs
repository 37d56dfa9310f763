//! The archive commands: ingest, search, show, graph, users, reindex, check,
//! audit.

use airgram_access::{Label, Level, Reader};
use airgram_archive::{Archive, ArchiveError, IngestOptions};
use airgram_index::{SearchRequest, Sort};
use anyhow::{anyhow, Context};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `--archive`, else `$AIRGRAM_ARCHIVE`, else `./airgram-archive`.
pub fn archive_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| std::env::var_os("AIRGRAM_ARCHIVE").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("airgram-archive"))
}

/// `--index-dir`, else `$AIRGRAM_INDEX_DIR` (for a PostgreSQL archive).
static INDEX_DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

pub fn set_index_dir(flag: Option<PathBuf>) {
    let _ = INDEX_DIR.set(flag.or_else(|| std::env::var_os("AIRGRAM_INDEX_DIR").map(PathBuf::from)));
}

pub fn index_dir() -> Option<&'static Path> {
    INDEX_DIR.get().and_then(|d| d.as_deref())
}

/// The archive `--archive` names: a directory or a PostgreSQL database.
pub fn open(dir: &Path) -> anyhow::Result<Archive> {
    Archive::open_named(dir, index_dir())
        .with_context(|| format!("opening the archive at {}", airgram_archive::shown(dir)))
}

/// The archive a reading command reads, which must exist: reading never
/// creates one (only `ingest`, `user add` and `restore` do), so a
/// mistyped or missing `--archive` says so instead of answering from a new
/// empty archive.
pub fn open_existing(dir: &Path) -> anyhow::Result<Archive> {
    let postgres = dir.to_str().is_some_and(airgram_archive::is_postgres_url);
    if !postgres && !dir.exists() {
        anyhow::bail!(
            "no archive at {}: name one with --archive DIR (or $AIRGRAM_ARCHIVE); `airgram ingest` creates one",
            dir.display()
        );
    }
    open(dir)
}

/// Refuses what only an embedded archive can do.
fn embedded_only(dir: &Path, what: &str) -> anyhow::Result<()> {
    if dir.to_str().is_some_and(airgram_archive::is_postgres_url) {
        anyhow::bail!("{what} works on an embedded archive; for PostgreSQL use pg_dump and pg_restore, then `airgram reindex` on each node");
    }
    Ok(())
}

/// A bar on a terminal, nothing otherwise (logs stay clean).
pub fn progress(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

pub fn ingest(
    dir: &Path,
    paths: &[PathBuf],
    released: bool,
    label: Option<String>,
    batch_size: usize,
) -> anyhow::Result<ExitCode> {
    let label = match label {
        Some(l) => Some(
            Label::parse(&l).ok_or_else(|| anyhow!("bad --label {l:?}: use LEVEL[/CAVEAT...], e.g. SECRET/NOFORN"))?,
        ),
        None => None,
    };
    let archive = open(dir)?;
    let (inputs, failed_lists) = Archive::inputs_from(paths);
    let failed_reads = inputs.failures();
    let pb = progress(inputs.files() as u64, "ingest");
    let t = std::time::Instant::now();
    let opts = IngestOptions {
        released,
        label,
        batch_size,
    };
    let mut sum = archive.ingest(inputs, &opts, |n| {
        // A TEI volume holds many documents: the bar counts documents.
        if n as u64 > pb.length().unwrap_or(0) {
            pb.set_length(n as u64);
        }
        pb.set_position(n as u64)
    })?;
    pb.set_message("merging");
    // Exiting would cancel the merges the commits started, leaving many
    // small segments for every later search to visit.
    archive.wait_merges()?;
    pb.finish_and_clear();
    sum.failed.extend(failed_lists);
    sum.failed.extend(std::mem::take(
        &mut *failed_reads.lock().unwrap_or_else(|e| e.into_inner()),
    ));
    let secs = t.elapsed().as_secs_f64();
    println!(
        "ingested into {}: {} new, {} unchanged, {} with warnings, {} failed ({:.1} s)",
        dir.display(),
        sum.new,
        sum.unchanged,
        sum.with_warnings,
        sum.failed.len(),
        secs
    );
    for (p, why) in &sum.failed {
        println!("  failed {p}: {why}");
    }
    Ok(if sum.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn reader(archive: &Archive, user: Option<&str>) -> anyhow::Result<Reader> {
    Ok(archive.reader(user)?)
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Text,
    Json,
    Dot,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum SortArg {
    Relevance,
    Date,
}

pub struct SearchArgs {
    pub query: String,
    pub user: Option<String>,
    pub limit: usize,
    pub offset: usize,
    pub sort: SortArg,
    pub facets: bool,
    pub format: Format,
}

/// `<mark>` becomes bold on a terminal, `*...*` otherwise; entities decoded.
fn plain_snippet(s: &str, tty: bool) -> String {
    let (on, off) = if tty { ("\x1b[1m", "\x1b[0m") } else { ("*", "*") };
    s.replace("<mark>", on)
        .replace("</mark>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

pub fn search(dir: &Path, a: SearchArgs) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    let r = reader(&archive, a.user.as_deref())?;
    let req = SearchRequest {
        query: a.query,
        limit: a.limit,
        offset: a.offset,
        sort: if a.sort == SortArg::Date {
            Sort::Date
        } else {
            Sort::Relevance
        },
        facets: a.facets,
        facet_limit: 10,
    };
    let res = match archive.search(&r, &req) {
        Ok(r) => r,
        Err(ArchiveError::Query(e)) => {
            eprintln!("airgram: bad query: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    if a.format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &airgram_archive::views::search_json(&res))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let tty = std::io::stdout().is_terminal();
    writeln!(out, "{} result{}", res.total, if res.total == 1 { "" } else { "s" })?;
    for (i, h) in res.hits.iter().enumerate() {
        writeln!(
            out,
            "\n{:>3}. [{}] {}  {}  {} -> {}",
            a.offset + i + 1,
            h.classification.as_deref().unwrap_or("UNMARKED"),
            h.date.as_deref().unwrap_or("undated"),
            h.message_id.as_deref().unwrap_or("-"),
            h.from.as_deref().unwrap_or("?"),
            if h.to.is_empty() {
                "?".to_string()
            } else {
                h.to.join(", ")
            }
        )?;
        if let Some(s) = &h.subject {
            writeln!(out, "     {s}")?;
        }
        writeln!(out, "     {}", plain_snippet(&h.snippet, tty))?;
        writeln!(out, "     id {}", h.id)?;
    }
    if a.facets {
        for (name, vals) in &res.facets {
            let list: Vec<String> = vals.iter().map(|(v, n)| format!("{v} ({n})")).collect();
            writeln!(out, "\n{name}: {}", list.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Not-found and not-visible answer alike: same message, exit status 1. A
/// message id naming several records the reader may see lists them, exit 1;
/// asked for JSON, the list is also on stdout, in the HTTP API's shape
/// (`{code, message, records}`), for scripts to choose from.
fn not_found(e: ArchiveError, json: bool) -> anyhow::Result<ExitCode> {
    match e {
        ArchiveError::NotFound(_) => {
            eprintln!("airgram: {e}");
            Ok(ExitCode::from(1))
        }
        ArchiveError::Ambiguous(ref key, ref records) => {
            eprintln!("airgram: {e}");
            if json {
                let body = airgram_archive::views::Choices::new(key, records.clone());
                println!("{}", serde_json::to_string_pretty(&body)?);
            }
            Ok(ExitCode::from(1))
        }
        e => Err(e.into()),
    }
}

pub fn export(
    dir: &Path,
    query: &str,
    user: Option<&str>,
    limit: usize,
    format: ExportFormat,
) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    let r = reader(&archive, user)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let array = format == ExportFormat::Json;
    let mut first = true;
    let stdout_err = |e| ArchiveError::Io(PathBuf::from("<stdout>"), e);
    let res = archive.export(&r, query, limit, |v| {
        // An array is written as it goes, like the lines: one record in
        // memory at a time.
        if array {
            out.write_all(if first { b"[\n" } else { b",\n" }).map_err(stdout_err)?;
        }
        first = false;
        serde_json::to_writer(&mut out, &v).map_err(|e| ArchiveError::Invalid(e.to_string()))?;
        if array {
            Ok(())
        } else {
            writeln!(out).map_err(stdout_err)
        }
    });
    match res {
        Ok(n) => {
            if array {
                out.write_all(if first { b"[]\n" } else { b"\n]\n" })?;
            }
            out.flush()?;
            eprintln!("{n} record{} exported", if n == 1 { "" } else { "s" });
            Ok(ExitCode::SUCCESS)
        }
        Err(ArchiveError::Query(e)) => {
            eprintln!("airgram: bad query: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn show(dir: &Path, key: &str, user: Option<&str>, format: Format) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    let r = reader(&archive, user)?;
    let view = match archive.show(&r, key) {
        Ok(v) => v,
        Err(e) => return not_found(e, format == Format::Json),
    };
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &view)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rec = &view.record;
    writeln!(out, "{}  [{}]  {:?} version", view.id, view.label, view.version)?;
    let line = |k: &str, v: String| {
        if v.is_empty() {
            String::new()
        } else {
            format!("{k:>14}: {v}\n")
        }
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut head = String::new();
    head += &line("message", opt(&rec.message_id));
    head += &line("type", opt(&rec.doc_type));
    head += &line("date", opt(&rec.date));
    head += &line(
        "classification",
        rec.classification.map(|c| c.to_string()).unwrap_or_default(),
    );
    head += &line("handling", rec.handling.join(", "));
    head += &line("from", opt(&rec.from));
    head += &line("to", rec.to.join("; "));
    head += &line("pass", rec.pass.join("; "));
    head += &line("info", rec.info.join("; "));
    head += &line("subject", opt(&rec.subject));
    head += &line("refs", rec.refs.join(", "));
    head += &line("cites", rec.cites.join(", "));
    head += &line(
        "cited by",
        view.cited_by
            .iter()
            .map(|l| l.message_id.clone().unwrap_or(l.id.clone()))
            .collect::<Vec<_>>()
            .join(", "),
    );
    head += &line("persons", rec.persons.join("; "));
    write!(out, "{head}")?;
    writeln!(out, "\n{}", rec.body)?;
    Ok(ExitCode::SUCCESS)
}

pub fn graph(dir: &Path, key: &str, user: Option<&str>, depth: usize, format: GraphFormat) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    let r = reader(&archive, user)?;
    let g = match archive.graph(&r, key, depth) {
        Ok(g) => g,
        Err(e) => return not_found(e, format == GraphFormat::Json),
    };
    let mut out = std::io::stdout().lock();
    match format {
        GraphFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &g)?;
            writeln!(out)?;
        }
        GraphFormat::Dot => write!(out, "{}", g.to_dot())?,
        GraphFormat::Text => write!(out, "{}", g.to_text())?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn user_disable(dir: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    archive.disable_user(name)?;
    println!("user {name} disabled; their sessions are ended");
    Ok(ExitCode::SUCCESS)
}

pub fn user_unlock(dir: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    archive.unlock_user(name)?;
    println!("sign-ins under {name} are no longer delayed");
    Ok(ExitCode::SUCCESS)
}

pub fn serve(
    dir: &Path,
    addr: std::net::SocketAddr,
    secure_cookies: bool,
    node: Option<&str>,
    trusted_proxies: Vec<std::net::IpAddr>,
) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(airgram_server::serve(
        dir,
        index_dir(),
        addr,
        secure_cookies,
        node,
        trusted_proxies,
    ))?;
    Ok(ExitCode::SUCCESS)
}

pub fn user_add(
    dir: &Path,
    name: &str,
    clearance: &str,
    auths: &[String],
    role: &str,
    password_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let role = airgram_archive::Role::parse(role).ok_or_else(|| {
        let known: Vec<&str> = airgram_archive::Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow!("bad role {role:?}: one of {}", known.join(", "))
    })?;
    let level = Level::parse(clearance)
        .ok_or_else(|| anyhow!("bad clearance {clearance:?}: UNCLASSIFIED, CONFIDENTIAL, SECRET or TOP SECRET"))?;
    let archive = open(dir)?;
    archive.add_user(name, level, auths.to_vec(), role)?;
    if password_stdin {
        let mut pw = String::new();
        std::io::stdin().read_line(&mut pw)?;
        archive.set_password(name, pw.trim_end_matches(['\n', '\r']))?;
    }
    println!(
        "user {name}: {level}{}",
        if auths.is_empty() {
            String::new()
        } else {
            format!(" with {}", auths.join(","))
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub fn reindex(dir: &Path) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    let pb = progress(0, "reindex");
    let n = archive.reindex(|n| pb.set_position(n as u64))?;
    pb.set_message("merging");
    archive.wait_merges()?;
    pb.finish_and_clear();
    println!("reindexed {n} versions");
    Ok(ExitCode::SUCCESS)
}

pub fn backup(dir: &Path, to: &Path) -> anyhow::Result<ExitCode> {
    embedded_only(dir, "backup")?;
    let m = airgram_archive::backup::backup(dir, to)
        .with_context(|| format!("backing up {} to {}", dir.display(), to.display()))?;
    println!(
        "backed up {} records and {} audit entries to {} at {}",
        m.records,
        m.audit_entries,
        to.display(),
        m.taken
    );
    Ok(ExitCode::SUCCESS)
}

pub fn migrate(from: &Path, to: &Path) -> anyhow::Result<ExitCode> {
    let (shown_from, shown_to) = (airgram_archive::shown(from), airgram_archive::shown(to));
    let source = Archive::store_named(from, false).with_context(|| format!("opening {shown_from}"))?;
    let target = Archive::store_named(to, true).with_context(|| format!("opening {shown_to}"))?;
    let pb = progress(source.record_ids()?.len() as u64, "records");
    let moved = airgram_archive::migrate::copy(source.as_ref(), target.as_ref(), |n| pb.set_position(n as u64))
        .with_context(|| format!("copying {shown_from} into {shown_to}"))?;
    pb.finish_and_clear();
    drop((source, target));
    // The copy's index, built from it, then checked against it.
    let archive = open(to)?;
    let problems = archive.check()?;
    let verified = archive.audit_verify()?;
    println!(
        "copied {} records ({} versions), {} users, {} review events, {} referrals and {} audit entries from {shown_from} into {shown_to}; index built",
        moved.records, moved.versions, moved.users, moved.review_events, moved.referrals, moved.audit_entries
    );
    for p in &problems {
        println!("problem: {p}");
    }
    if let Err((seq, why)) = &verified {
        println!("problem: audit entry {seq}: {why}");
    }
    Ok(if problems.is_empty() && verified.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn restore(from: &Path, dir: &Path) -> anyhow::Result<ExitCode> {
    embedded_only(dir, "restore")?;
    let m = airgram_archive::backup::restore(from, dir)
        .with_context(|| format!("restoring {} to {}", from.display(), dir.display()))?;
    println!(
        "restored {} records and {} audit entries (backup of {}) to {}; index rebuilt",
        m.records,
        m.audit_entries,
        m.taken,
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn check(dir: &Path) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    let problems = archive.check()?;
    if problems.is_empty() {
        println!("ok: store and index agree");
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("problem: {p}");
        }
        Ok(ExitCode::from(1))
    }
}

pub fn audit_verify(dir: &Path) -> anyhow::Result<ExitCode> {
    let archive = open_existing(dir)?;
    match archive.audit_verify()? {
        Ok(n) => {
            println!("ok: {n} audit entries, chain intact");
            Ok(ExitCode::SUCCESS)
        }
        Err((seq, why)) => {
            println!("broken at entry {seq}: {why}");
            Ok(ExitCode::from(1))
        }
    }
}
