//! The `airgram` command: a thin layer over the library crates.
//!
//! Exit codes: 0 success; 1 a check or bar failed (`eval --min`); 2 an input
//! could not be read or the command line was wrong.

use airgram_model::Record;
use airgram_parse::{input_files, read_path, AuthorityCache};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// jemalloc, not glibc's malloc: ingest allocates and frees in many threads
/// at once (parsers, thirty index writers, merges). In three back-to-back 1M
/// ingest pairs run in both orders it used 6% less CPU and, at 200k, a third
/// less peak memory. glibc's tunables and mimalloc were tried; mimalloc spent its
/// saving on zeroing pages in the kernel.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod archive_bench;
mod archive_cmd;
mod bench;
mod eval;
mod flags;
mod message_cmd;
mod review_cmd;
mod serve_bench;
mod wrk;

use archive_cmd::{Format, GraphFormat, SortArg};

#[derive(Parser)]
#[command(
    name = "airgram",
    version,
    about = "Archive, search and review classified diplomatic records"
)]
struct Cli {
    /// The archive: a directory (embedded), or a PostgreSQL database
    /// `postgres://USER@HOST:PORT/DB` shared by several servers
    /// [default: $AIRGRAM_ARCHIVE, else ./airgram-archive]
    #[arg(long, global = true)]
    archive: Option<PathBuf>,
    /// With a PostgreSQL archive: where this node keeps its search index,
    /// derived from the database [default: $AIRGRAM_INDEX_DIR, else
    /// ./<database>-index]
    #[arg(long, global = true)]
    index_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ParseFormat {
    Json,
    Jsonl,
    Text,
}

#[derive(Subcommand)]
enum Command {
    /// Parse transcriptions (.txt) and FRUS TEI volumes (.xml) into records.
    Parse {
        /// Files or directories (walked recursively for .txt and .xml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "json")]
        format: ParseFormat,
    },
    /// Score the parser against a gold directory (`<name>.txt` + `<name>.json`).
    Eval {
        gold_dir: PathBuf,
        /// Gold schema: FRUS renditions, FRUS TEI volumes, or OCR transcriptions.
        #[arg(long, value_enum, default_value = "frus")]
        kind: eval::KindArg,
        /// Fail (exit 1) when a field scores below a bound: `date=0.98`.
        #[arg(long = "min", value_name = "FIELD=VALUE")]
        mins: Vec<String>,
        /// Print the misses of each field.
        #[arg(long)]
        misses: bool,
    },
    /// Parse and store documents; re-ingesting the same content is a no-op.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The texts are released versions (e.g. published FRUS volumes).
        #[arg(long)]
        released: bool,
        /// Label every original at LEVEL[/CAVEAT...] instead of its markings.
        #[arg(long)]
        label: Option<String>,
        /// Documents per atomic batch.
        #[arg(long, default_value_t = airgram_archive::DEFAULT_BATCH)]
        batch_size: usize,
    },
    /// Search what the reader may see: words, "phrases", AND/OR/NOT, from: to:
    /// subject: type: classification: series: person: message: date:1962-10..1962-11
    Search {
        query: String,
        #[command(flatten)]
        who: flags::ReadAs,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, value_enum, default_value = "relevance")]
        sort: SortArg,
        /// Counts by classification, type, year, originator, addressee, series, person.
        #[arg(long)]
        facets: bool,
        #[command(flatten)]
        output: flags::TextOrJson,
    },
    /// Show a record by id or message id.
    Show {
        #[command(flatten)]
        key: flags::RecordKey,
        #[command(flatten)]
        who: flags::ReadAs,
        #[command(flatten)]
        output: flags::TextOrJson,
    },
    /// Every record a query matches, as you may see it, one JSON object a
    /// line (the shape of `show --format json`).
    Export {
        query: String,
        #[command(flatten)]
        who: flags::ReadAs,
        #[arg(long, default_value_t = 10_000)]
        limit: usize,
        /// jsonl: one JSON object a line; json: one JSON array.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: archive_cmd::ExportFormat,
    },
    /// The cite graph around a record.
    Graph {
        #[command(flatten)]
        key: flags::RecordKey,
        #[command(flatten)]
        who: flags::ReadAs,
        #[arg(long, default_value_t = 1)]
        depth: usize,
        /// text for people, json for programs, dot for Graphviz
        #[arg(long, value_enum, default_value = "text")]
        format: GraphFormat,
    },
    /// Declassification and FOIA review: queue, propose, approve, refer, history, report.
    Review {
        #[command(subcommand)]
        command: review_cmd::ReviewCommand,
    },
    /// Write messages: draft, clear, release and number (`message example` prints a draft).
    Message {
        #[command(subcommand)]
        command: message_cmd::MessageCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Re-derive every record from its verbatim source and rebuild the index.
    Reindex,
    /// Verify that store and index agree.
    Check,
    /// Copy the archive to a new directory while it stays in use: a
    /// consistent snapshot of the store and a manifest (the index is
    /// rebuilt on restore).
    Backup {
        /// The directory to create (or an empty one).
        to: PathBuf,
    },
    /// Copy the archive named by --archive into another, which must be
    /// empty: an embedded directory into PostgreSQL (or back). Sources,
    /// versions, users, review and the audit chain move as they are; the
    /// new archive's index is built from it.
    Migrate {
        /// The archive to fill: `postgres://USER@HOST:PORT/DB` or a directory.
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup as the archive named by --archive (a new or empty
    /// directory), check it against its manifest, and rebuild its index.
    Restore {
        /// A directory written by `airgram backup`.
        from: PathBuf,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The server under load over HTTP on loopback: searches from 1, 8 and
    /// many clients, readers and writers together, and a sign-in flood.
    BenchServe {
        /// Documents generated and ingested first.
        #[arg(long, default_value_t = 20_000)]
        count: u64,
        /// Length of the load run (the other phases take a sixth of it each,
        /// 2 to 10 s).
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        #[arg(long, default_value_t = 200)]
        readers: usize,
        #[arg(long, default_value_t = 5)]
        writers: usize,
        #[command(flatten)]
        output: flags::TextOrJson,
    },
    /// Serve the archive: pages for people, a JSON API for programs.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Served over TLS (directly or behind a proxy): mark cookies Secure
        /// and send Strict-Transport-Security.
        #[arg(long)]
        secure_cookies: bool,
        /// This server's name among several behind a proxy, sent on every
        /// response as `X-Airgram-Node` [default: $AIRGRAM_NODE]
        #[arg(long)]
        node: Option<String>,
        /// A proxy in front (repeatable): its `X-Forwarded-For` names the
        /// client, for the per-address sign-in throttle
        #[arg(long = "trusted-proxy", value_name = "ADDR")]
        trusted_proxies: Vec<std::net::IpAddr>,
    },
    /// Ingest and search N synthetic documents, against SQLite FTS5 in the
    /// same run; with `--archive postgres://…`, also a PostgreSQL archive
    /// against PostgreSQL's own full-text search, side by side (in a scratch
    /// database the bench creates on that server and drops after).
    Bench {
        #[arg(long, default_value_t = 100_000)]
        count: u64,
        #[arg(long, default_value_t = 1962)]
        seed: u64,
        /// Where to build the bench archives (default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Documents per atomic batch, as for `ingest`.
        #[arg(long, default_value_t = airgram_archive::DEFAULT_BATCH)]
        batch_size: usize,
        #[command(flatten)]
        output: flags::TextOrJson,
    },
    /// Measure parse throughput over a directory of documents.
    BenchParse {
        paths: Vec<PathBuf>,
        /// Passes over the input.
        #[arg(long, default_value_t = 3)]
        rounds: u32,
    },
    /// Write a deterministic synthetic corpus with its truth (`manifest.jsonl`).
    Generate {
        /// Documents to write.
        #[arg(long)]
        count: u64,
        /// Output directory: `<shard>/<id>.txt` and `manifest.jsonl`.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add or update a user.
    Add {
        name: String,
        #[arg(long)]
        clearance: String,
        /// Authorizations (caveats), comma-separated: NOFORN,EXDIS,...
        #[arg(long = "auth", value_delimiter = ',')]
        auths: Vec<String>,
        /// reader, reviewer, archivist, admin, drafter or releaser.
        #[arg(long, default_value = "reader")]
        role: String,
        /// Read a password for signing in to `serve` from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user and end their sessions.
    Disable { name: String },
    /// Lift a sign-in lockout: forget the name's failed sign-ins.
    Unlock { name: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; report the first broken link.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = archive_cmd::archive_dir(cli.archive.clone());
    archive_cmd::set_index_dir(cli.index_dir.clone());
    let result = match cli.command {
        Command::Ingest {
            paths,
            released,
            label,
            batch_size,
        } => archive_cmd::ingest(&dir, &paths, released, label, batch_size),
        Command::Search {
            query,
            who: flags::ReadAs { user },
            limit,
            offset,
            sort,
            facets,
            output: flags::TextOrJson { format },
        } => archive_cmd::search(
            &dir,
            archive_cmd::SearchArgs {
                query,
                user,
                limit,
                offset,
                sort,
                facets,
                format,
            },
        ),
        Command::Show {
            key: flags::RecordKey { key },
            who: flags::ReadAs { user },
            output: flags::TextOrJson { format },
        } => archive_cmd::show(&dir, &key, user.as_deref(), format),
        Command::Export {
            query,
            who: flags::ReadAs { user },
            limit,
            format,
        } => archive_cmd::export(&dir, &query, user.as_deref(), limit, format),
        Command::Graph {
            key: flags::RecordKey { key },
            who: flags::ReadAs { user },
            depth,
            format,
        } => archive_cmd::graph(&dir, &key, user.as_deref(), depth, format),
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    clearance,
                    auths,
                    role,
                    password_stdin,
                },
        } => archive_cmd::user_add(&dir, &name, &clearance, &auths, &role, password_stdin),
        Command::User {
            command: UserCommand::Disable { name },
        } => archive_cmd::user_disable(&dir, &name),
        Command::User {
            command: UserCommand::Unlock { name },
        } => archive_cmd::user_unlock(&dir, &name),
        Command::Review { command } => review_cmd::run(&dir, command),
        Command::Message { command } => message_cmd::run(&dir, command),
        Command::Serve {
            addr,
            secure_cookies,
            node,
            trusted_proxies,
        } => archive_cmd::serve(
            &dir,
            addr,
            secure_cookies,
            node.or_else(|| std::env::var("AIRGRAM_NODE").ok()).as_deref(),
            trusted_proxies,
        ),
        Command::Reindex => archive_cmd::reindex(&dir),
        Command::BenchServe {
            count,
            seconds,
            readers,
            writers,
            output: flags::TextOrJson { format },
        } => serve_bench::run(count, seconds, readers, writers, format == Format::Json),
        Command::Bench {
            count,
            seed,
            dir: bench_dir,
            batch_size,
            output: flags::TextOrJson { format },
        } => archive_bench::run(
            count,
            seed,
            bench_dir.as_deref(),
            batch_size,
            dir.to_str().filter(|s| airgram_archive::is_postgres_url(s)),
            format == Format::Json,
        ),
        Command::Check => archive_cmd::check(&dir),
        Command::Backup { to } => archive_cmd::backup(&dir, &to),
        Command::Restore { from } => archive_cmd::restore(&from, &dir),
        Command::Migrate { to } => archive_cmd::migrate(&dir, &to),
        Command::Audit {
            command: AuditCommand::Verify,
        } => archive_cmd::audit_verify(&dir),
        Command::Parse { paths, format } => parse_cmd(&paths, format),
        Command::Eval {
            gold_dir,
            kind,
            mins,
            misses,
        } => eval::run(&gold_dir, kind, &mins, misses),
        Command::BenchParse { paths, rounds } => bench::parse(&paths, rounds),
        Command::Generate { count, out, seed } => generate_cmd(count, &out, seed),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`airgram parse ... | head`) is not an error.
            if let Some(ioe) = e.downcast_ref::<io::Error>() {
                if ioe.kind() == io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("airgram: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn parse_cmd(paths: &[PathBuf], format: ParseFormat) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut cache = AuthorityCache::default();
    let mut failed = false;
    let mut records: Vec<Record> = Vec::new();
    let mut count = 0usize;
    for p in paths {
        let files = match input_files(p) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("airgram: cannot read {e}");
                failed = true;
                continue;
            }
        };
        for f in files {
            match read_path(&f, &mut cache) {
                Ok(recs) => {
                    for r in recs {
                        count += 1;
                        match format {
                            // JSON needs to know whether there are several.
                            ParseFormat::Json => records.push(r),
                            ParseFormat::Jsonl => {
                                serde_json::to_writer(&mut out, &r)?;
                                out.write_all(b"\n")?;
                            }
                            ParseFormat::Text => write_text(&mut out, &r)?,
                        }
                    }
                }
                Err(e) => {
                    eprintln!("airgram: cannot read {e}");
                    failed = true;
                }
            }
        }
    }
    if format == ParseFormat::Json {
        if records.len() == 1 {
            serde_json::to_writer_pretty(&mut out, &records[0])?;
        } else {
            serde_json::to_writer_pretty(&mut out, &records)?;
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let _ = count;
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn generate_cmd(count: u64, out: &std::path::Path, seed: u64) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let start = std::time::Instant::now();
    // Progress only for a person watching; logs and pipes get the summary alone.
    let tty = io::stderr().is_terminal();
    let cfg = airgram_generate::Config { count, seed };
    let s = airgram_generate::generate(&cfg, out, |n| {
        if tty && n % 10_000 == 0 {
            eprint!("\rgenerated {n}/{count}");
        }
    })?;
    if tty && count >= 10_000 {
        eprintln!();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "generated {} documents ({} bytes, {} shards) in {}: {secs:.1}s, {:.0} docs/s",
        s.docs,
        s.bytes,
        s.shards,
        out.display(),
        s.docs as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

fn write_text(out: &mut impl Write, r: &Record) -> io::Result<()> {
    writeln!(out, "== {}", r.source_path)?;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let list = |v: &[String]| v.join("; ");
    let fields: [(&str, String); 17] = [
        ("type", opt(&r.doc_type)),
        ("date", opt(&r.date)),
        (
            "classification",
            r.classification.map(|c| c.to_string()).unwrap_or_default(),
        ),
        ("handling", list(&r.handling)),
        ("precedence", opt(&r.precedence)),
        ("message", opt(&r.message_id)),
        ("from", opt(&r.from)),
        ("to", list(&r.to)),
        ("pass", list(&r.pass)),
        ("info", list(&r.info)),
        ("subject", opt(&r.subject)),
        ("refs", list(&r.refs)),
        ("cites", list(&r.cites)),
        ("drafted by", opt(&r.drafted_by)),
        ("approved by", opt(&r.approved_by)),
        ("signed", opt(&r.signed)),
        ("persons", list(&r.persons)),
    ];
    for (k, v) in fields {
        if !v.is_empty() {
            writeln!(out, "{k:>15}: {v}")?;
        }
    }
    if r.declassified {
        let dates: Vec<String> = r
            .reviews
            .iter()
            .map(|rv| {
                format!(
                    "{} {}",
                    rv.date.clone().unwrap_or_default(),
                    rv.office.clone().unwrap_or_default()
                )
            })
            .collect();
        writeln!(out, "{:>15}: yes ({})", "declassified", dates.join(", "))?;
    }
    for w in &r.warnings {
        writeln!(out, "{:>15}: {w}", "warning")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", r.body)?;
    writeln!(out)?;
    Ok(())
}
