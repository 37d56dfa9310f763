//! The archive: one directory holding the store (`archive.db`) and the
//! label-partitioned index (`index/`).
//!
//! Architecture invariant: every read path here resolves the caller to an
//! [`airgram_access::Reader`] and asks the access crate what it may see
//! before touching a record: search opens only visible partitions, `show`
//! and `graph` pick versions with [`choose_version`], and a record with no
//! visible version is reported exactly as a missing one ([`NOT_FOUND`]).
//!
//! Durability: the store is the truth and the index is derived from it.
//! Every write commits to the store first, with an entry in its change
//! log; the index follows the log (`follow.rs`), in this process at once
//! and in every other process that serves the archive within a second. A
//! crash at any moment leaves committed batches whole and uncommitted ones
//! absent, and an index behind the store catches up on the next open.

pub mod auth;
pub mod backup;
mod follow;
pub mod messages;
pub mod migrate;
pub mod review;
pub mod views;

pub use airgram_store::{EventState, Role, Status, StoreError};
pub use follow::Followed;

use airgram_access::{audited, choose_version, original_label, Label, Level, Reader, VersionKind};
use airgram_index::{IndexDoc, Partitions, SearchError, SearchRequest, SearchResult};
use airgram_model::Record;
use airgram_parse::{parse_text, tei, Authority};
use airgram_store::{NewRecord, NewVersion, SqliteStore, Store, User, Version};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// What a reader is told about a record that is missing *or* not visible.
pub const NOT_FOUND: &str = "no such record";

#[derive(Debug)]
pub enum ArchiveError {
    Store(StoreError),
    Index(airgram_index::TantivyError),
    Query(airgram_index::query::QueryError),
    Io(PathBuf, std::io::Error),
    NotFound(String),
    UnknownUser(String),
    Invalid(String),
    /// The caller may not do this (their role, or the two-person rule).
    Forbidden(String),
    /// Someone else acted first, or the state does not allow it.
    Conflict(String),
    /// The release disagrees with another release of the same text.
    Flagged(Vec<String>),
    /// A message id that names several records the reader may see (posts
    /// numbered their messages afresh each year): the key as typed, and
    /// those records, to choose from by id.
    Ambiguous(String, Vec<views::Node>),
    /// Too many failed sign-ins under a name: try again in this many
    /// seconds.
    Throttled(u64),
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArchiveError::Store(e) => write!(f, "{e}"),
            ArchiveError::Index(e) => write!(f, "index: {e}"),
            ArchiveError::Query(e) => write!(f, "bad query: {e}"),
            ArchiveError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            // The key is echoed as the caller typed it: nothing about the
            // archive's contents is in this message.
            ArchiveError::NotFound(k) => write!(f, "{NOT_FOUND}: {k}"),
            ArchiveError::UnknownUser(u) => write!(f, "no such user: {u}"),
            ArchiveError::Throttled(s) => write!(f, "too many failed sign-ins; try again in {s} s"),
            ArchiveError::Invalid(m) | ArchiveError::Forbidden(m) | ArchiveError::Conflict(m) => write!(f, "{m}"),
            ArchiveError::Ambiguous(k, nodes) => {
                write!(f, "{k} names {} records; show one by its id:", nodes.len())?;
                for n in nodes {
                    let or = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
                    write!(f, "\n  {}  {}  {}", n.id, or(&n.date), or(&n.subject))?;
                }
                Ok(())
            }
            ArchiveError::Flagged(flags) => write!(
                f,
                "the release disagrees with other releases (acknowledge to approve anyway): {}",
                flags.join("; ")
            ),
        }
    }
}

impl std::error::Error for ArchiveError {}

impl From<StoreError> for ArchiveError {
    fn from(e: StoreError) -> Self {
        ArchiveError::Store(e)
    }
}

impl From<airgram_index::TantivyError> for ArchiveError {
    fn from(e: airgram_index::TantivyError) -> Self {
        ArchiveError::Index(e)
    }
}

impl From<SearchError> for ArchiveError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Query(q) => ArchiveError::Query(q),
            SearchError::Index(i) => ArchiveError::Index(i),
        }
    }
}

pub type Result<T> = std::result::Result<T, ArchiveError>;

/// One document to ingest.
pub struct Input {
    pub source_path: String,
    /// The verbatim source (for TEI: the document's own XML).
    pub source: Vec<u8>,
    /// Already parsed (TEI volumes are parsed whole); else parsed here.
    pub parsed: Option<Record>,
    /// Explicit versions and labels; else derived from the markings and
    /// the ingest options.
    pub versions: Option<Vec<(VersionKind, Label)>>,
    /// A list of persons to name people by (a FRUS volume's), when parsed here.
    pub authority: Option<Arc<Authority>>,
}

impl Input {
    pub fn text(source_path: impl Into<String>, source: Vec<u8>) -> Input {
        Input {
            source_path: source_path.into(),
            source,
            parsed: None,
            versions: None,
            authority: None,
        }
    }
}

/// Files to ingest, read and (TEI volumes) split into documents one file
/// at a time: a million files need not be in memory at once, and the first
/// batch starts at once instead of after every file is read.
pub struct InputFiles {
    files: std::vec::IntoIter<PathBuf>,
    /// The documents of a TEI volume not yet taken.
    pending: VecDeque<Input>,
    /// Each directory's list of persons, loaded once.
    authorities: HashMap<PathBuf, Option<Arc<Authority>>>,
    failed: Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl InputFiles {
    /// How many files are left to read (a TEI volume holds many documents).
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Where the files that could not be read are reported (path, reason),
    /// as the iterator meets them.
    pub fn failures(&self) -> Arc<std::sync::Mutex<Vec<(String, String)>>> {
        self.failed.clone()
    }

    fn read(&mut self, f: PathBuf) {
        let bytes = match std::fs::read(&f) {
            Ok(b) => b,
            Err(e) => {
                let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
                failed.push((f.display().to_string(), e.to_string()));
                return;
            }
        };
        let shown = f.display().to_string();
        if f.extension().and_then(|e| e.to_str()) == Some("xml") {
            for r in tei::parse_volume(&shown, &bytes) {
                let span = r
                    .spans
                    .get("document")
                    .and_then(|v| v.first())
                    .copied()
                    .unwrap_or([0, 0]);
                let source = bytes.get(span[0]..span[1]).unwrap_or(&[]).to_vec();
                self.pending.push_back(Input {
                    source_path: r.source_path.clone(),
                    source,
                    parsed: Some(r),
                    versions: None,
                    authority: None,
                });
            }
        } else {
            // Parsed later, on every core, with the directory's list of
            // persons (loaded once per directory).
            let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
            let authority = self
                .authorities
                .entry(dir)
                .or_insert_with(|| airgram_parse::sibling_authority(&f).map(Arc::new))
                .clone();
            self.pending.push_back(Input {
                source_path: shown,
                source: bytes,
                parsed: None,
                versions: None,
                authority,
            });
        }
    }
}

impl Iterator for InputFiles {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        loop {
            if let Some(i) = self.pending.pop_front() {
                return Some(i);
            }
            let f = self.files.next()?;
            self.read(f);
        }
    }
}

/// Documents per atomic ingest batch unless told otherwise. Every commit
/// writes a segment to each label's index it touches (some thirty in a
/// mixed archive), so small batches multiply files, fsyncs and merges:
/// at 100k documents, 25k per batch took 18% less CPU than 10k, and at a
/// million 50k took 9% less than 25k (100k: 1% less again, for twice the
/// memory). Memory grows with it: a 200k ingest peaked at 1.6 GB with 5k
/// per batch, 2.7 GB with 25k and 3.2 GB with 50k.
pub const DEFAULT_BATCH: usize = 50_000;

#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The texts are released versions (e.g. published FRUS): each record
    /// also gets an UNCLASSIFIED released version.
    pub released: bool,
    /// Overrides the label read from the markings.
    pub label: Option<Label>,
    /// Documents per atomic batch.
    pub batch_size: usize,
}

impl Default for IngestOptions {
    /// Batches of [`DEFAULT_BATCH`]: a derived default of 0 made every
    /// document a durable commit of its own, a thousand times slower.
    fn default() -> Self {
        IngestOptions {
            released: false,
            label: None,
            batch_size: DEFAULT_BATCH,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestSummary {
    pub new: usize,
    pub unchanged: usize,
    pub with_warnings: usize,
    pub failed: Vec<(String, String)>,
    pub bytes: u64,
}

/// The content id of a source: the first 16 hex digits of its SHA-256.
/// Content-derived, so the same text always gets the same id.
pub fn content_id(source: &[u8]) -> String {
    airgram_model::hex(&Sha256::digest(source)[..8])
}

pub use airgram_model::series_of;

/// An archive, shared by every thread of a process: every method takes
/// `&self`. Reads run side by side; writes take the store's own locks and,
/// for the index, one writer at a time.
pub struct Archive {
    /// The embedded archive's directory; for a shared store, this node's
    /// index directory.
    dir: PathBuf,
    /// Where this process keeps its derived index.
    index_dir: PathBuf,
    /// Behind the trait, so that a shared PostgreSQL store can replace the
    /// embedded one without touching the read paths.
    store: Arc<dyn Store>,
    /// What searches read: the partitions as last (re)loaded. A search
    /// takes the `Arc` and lets go of the lock at once.
    readers: RwLock<Arc<Partitions>>,
    /// One index writer at a time in this process (tantivy's file lock
    /// keeps other processes out).
    writing: Mutex<()>,
    /// How failed sign-ins slow the next.
    throttle: auth::Throttle,
}

/// Parses the inputs that are not parsed yet, on all cores, keeping order,
/// and gives each its versions: a new record ready to commit, and whether
/// its parse warned.
fn parse_all(chunk: Vec<(String, Input)>, opts: &IngestOptions) -> Vec<(NewRecord, bool)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let per = chunk.len().div_ceil(threads).max(1);
    let mut parts: Vec<Vec<(String, Input)>> = Vec::new();
    let mut it = chunk.into_iter().peekable();
    while it.peek().is_some() {
        parts.push(it.by_ref().take(per).collect());
    }
    std::thread::scope(|sc| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                sc.spawn(move || {
                    part.into_iter()
                        .map(|(id, input)| new_record(id, input, opts))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // A parser panic would be a bug; it must not lose the batch silently.
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("the parser does not panic"))
            .collect()
    })
}

/// One input parsed (unless it came parsed) and given its versions.
fn new_record(id: String, mut input: Input, opts: &IngestOptions) -> (NewRecord, bool) {
    let record = input
        .parsed
        .take()
        .unwrap_or_else(|| parse_text(&input.source_path, &input.source, input.authority.as_deref()));
    let warned = !record.warnings.is_empty();
    let versions = match input.versions {
        Some(vs) => vs
            .into_iter()
            .map(|(kind, label)| NewVersion {
                kind,
                label,
                record: record.clone(),
            })
            .collect(),
        None => versions_for(record, opts),
    };
    let r = NewRecord {
        id,
        source_path: input.source_path,
        source: input.source,
        versions,
    };
    (r, warned)
}

/// Versions and labels of a new record.
fn versions_for(record: Record, opts: &IngestOptions) -> Vec<NewVersion> {
    let label = opts.label.clone().unwrap_or_else(|| original_label(&record));
    // The record is cloned only for a second version.
    let release = ((opts.released || record.declassified) && label != Label::unclassified()).then(|| NewVersion {
        kind: VersionKind::Released,
        label: Label::unclassified(),
        record: record.clone(),
    });
    std::iter::once(NewVersion {
        kind: VersionKind::Original,
        label,
        record,
    })
    .chain(release)
    .collect()
}

fn index_doc(id: &str, seq: u64, shadow: Vec<Label>, r: &Record) -> IndexDoc {
    IndexDoc {
        id: id.to_string(),
        seq,
        shadow,
        message_id: r.message_id.clone(),
        series: r.message_id.as_deref().and_then(series_of),
        doc_type: r.doc_type.clone(),
        classification: r.classification.map(|c| c.to_string()),
        date: r.date.clone(),
        from: r.from.clone(),
        to: r.to.clone(),
        subject: r.subject.clone(),
        persons: r.persons.clone(),
        body: r.body.clone(),
    }
}

/// Which versions of a record the index holds, and each one's shadows.
///
/// A version whose text is identical to another's that every one of its
/// readers may also see (a full release of the same text at a lower or equal
/// label) is not indexed: searching the release finds the same words, so
/// indexing both would only cost time and space. Among the rest, a version
/// carries as shadows the labels of the versions more complete than it (see
/// `airgram_access::choose_version`: a more complete kind, a higher level,
/// or, among equals, a later version): readers who see one of those must
/// not meet it in search.
fn index_plan(versions: &[(VersionKind, &Label, &Record)]) -> Vec<Option<Vec<Label>>> {
    let covers = |j: usize, i: usize| {
        let (lj, li) = (versions[j].1, versions[i].1);
        j != i
            && versions[j].2 == versions[i].2
            && lj.level <= li.level
            && lj.caveats.is_subset(&li.caveats)
            && (lj != li || j > i)
    };
    let indexed: Vec<bool> = (0..versions.len())
        .map(|i| !(0..versions.len()).any(|j| covers(j, i)))
        .collect();
    (0..versions.len())
        .map(|i| {
            if !indexed[i] {
                return None;
            }
            let (k, l, _) = versions[i];
            Some(
                versions
                    .iter()
                    .enumerate()
                    .filter(|(j, (k2, l2, _))| {
                        indexed[*j]
                            && *j != i
                            && (*k2 < k || (*k2 == k && (l2.level > l.level || (l2.level == l.level && *j > i))))
                    })
                    .map(|(_, (_, l2, _))| (*l2).clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            )
        })
        .collect()
}

/// Indexes one record's versions by [`index_plan`].
fn index_versions(index: &mut Partitions, vs: &[Version]) -> Result<()> {
    let Some(first) = vs.first() else {
        return Ok(());
    };
    let plan: Vec<_> = vs.iter().map(|v| (v.kind, &v.label, &v.record)).collect();
    for (i, shadow) in kept(&plan) {
        let v = &vs[i];
        index.add(&v.label, &index_doc(&first.record_id, v.seq, shadow, &v.record))?;
    }
    Ok(())
}

/// The versions of `plan` that [`index_plan`] keeps: each one's position
/// in `plan`, and its shadows.
fn kept(plan: &[(VersionKind, &Label, &Record)]) -> impl Iterator<Item = (usize, Vec<Label>)> {
    index_plan(plan)
        .into_iter()
        .enumerate()
        .filter_map(|(i, shadow)| shadow.map(|s| (i, s)))
}

/// Walks the stored versions a record at a time (all of one record's
/// versions together), a page from the store at a time, so that no caller
/// holds them all.
fn each_record(store: &dyn Store, f: &mut dyn FnMut(&[Version]) -> Result<()>) -> Result<()> {
    let mut after: Option<String> = None;
    loop {
        let page = store.versions_page(after.as_deref(), 1_000)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(last.record_id.clone());
        for one in page.chunk_by(|a, b| a.record_id == b.record_id) {
            f(one)?;
        }
    }
}

impl Archive {
    /// Opens (creating if needed) the embedded archive in `dir`; an index
    /// that is missing, incomplete or behind the store is brought up to date.
    pub fn open(dir: &Path) -> Result<Archive> {
        std::fs::create_dir_all(dir).map_err(|e| ArchiveError::Io(dir.to_path_buf(), e))?;
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("archive.db"))?);
        Archive::open_with(store, dir, &dir.join("index"))
    }

    /// Opens what `--archive` names: a PostgreSQL URL (`postgres://...`)
    /// with this node's index in `index_dir` (by default a directory named
    /// after the database, in the working directory), else an embedded
    /// archive's directory.
    pub fn open_named(archive: &Path, index_dir: Option<&Path>) -> Result<Archive> {
        let Some(url) = archive.to_str().filter(|s| is_postgres_url(s)) else {
            return Archive::open(archive);
        };
        let index_dir = match index_dir {
            Some(d) => d.to_path_buf(),
            None => default_index_dir(url),
        };
        std::fs::create_dir_all(&index_dir).map_err(|e| ArchiveError::Io(index_dir.clone(), e))?;
        let store: Arc<dyn Store> = Arc::new(airgram_store::PgStore::open(url)?);
        Archive::open_with(store, &index_dir, &index_dir)
    }

    /// The store `--archive` names, alone (no index): a PostgreSQL
    /// database, or an embedded archive's, made if `create` and missing.
    pub fn store_named(archive: &Path, create: bool) -> Result<Arc<dyn Store>> {
        if let Some(url) = archive.to_str().filter(|s| is_postgres_url(s)) {
            return Ok(Arc::new(airgram_store::PgStore::open(url)?));
        }
        let db = archive.join("archive.db");
        if !db.exists() {
            if !create {
                return Err(ArchiveError::NotFound(format!("no archive at {}", archive.display())));
            }
            std::fs::create_dir_all(archive).map_err(|e| ArchiveError::Io(archive.to_path_buf(), e))?;
        }
        Ok(Arc::new(SqliteStore::open(&db)?))
    }

    /// Opens an archive on `store`, keeping its index in `index_dir` and
    /// what else it keeps on disk (the review policy) in `dir`.
    pub fn open_with(store: Arc<dyn Store>, dir: &Path, index_dir: &Path) -> Result<Archive> {
        let a = Archive {
            dir: dir.to_path_buf(),
            index_dir: index_dir.to_path_buf(),
            store,
            readers: RwLock::new(Arc::new(Partitions::open(index_dir)?)),
            writing: Mutex::new(()),
            throttle: auth::Throttle::ACCOUNT,
        };
        if a.index().is_stale() {
            if a.store.last_batch()? > 0 {
                eprintln!("airgram: the index is not complete in this layout; rebuilding it from the store");
            }
            a.rebuild_index()?;
        } else {
            // Behind the store after a crash, or after another process's
            // write: catch up, unless another process is writing the index
            // now (it catches up itself before it commits). A log the index
            // cannot follow is said, not fatal: reads still check every hit
            // against the store, and `reindex` must be able to open it.
            if let Err(e) = a.catch_up(std::time::Duration::ZERO) {
                eprintln!("airgram: the index could not catch up with the store: {e}");
            }
        }
        Ok(a)
    }

    /// What the archive's store is (for messages).
    pub fn describe(&self) -> String {
        self.store.describe()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The reader a user name stands for; `None` is the public.
    pub fn reader(&self, user: Option<&str>) -> Result<Reader> {
        let Some(name) = user else {
            return Ok(Reader::public());
        };
        match self.store.user(name)? {
            Some(u) if !u.disabled => Ok(Reader::new(&u.name, u.clearance, u.auths)),
            _ => Err(ArchiveError::UnknownUser(name.to_string())),
        }
    }

    pub fn add_user(&self, name: &str, clearance: Level, auths: Vec<String>, role: Role) -> Result<()> {
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ArchiveError::Invalid(format!("bad user name {name:?}")));
        }
        let auths = auths
            .iter()
            .map(|a| airgram_access::caveat(a))
            .filter(|a| !a.is_empty())
            .collect();
        self.store.put_user(&User {
            name: name.to_string(),
            clearance,
            auths,
            role,
            disabled: false,
        })?;
        self.store
            .audit("admin", "user.add", name, &format!("clearance={clearance}"), "ok")?;
        Ok(())
    }

    /// The inputs under `paths`, read one file at a time as ingest takes
    /// them, and the paths that could not be listed.
    pub fn inputs_from(paths: &[PathBuf]) -> (InputFiles, Vec<(String, String)>) {
        let mut files = Vec::new();
        let mut failed = Vec::new();
        for p in paths {
            match airgram_parse::input_files(p) {
                Ok(f) => files.extend(f),
                Err(e) => failed.push((p.display().to_string(), e.error.to_string())),
            }
        }
        let inputs = InputFiles {
            files: files.into_iter(),
            pending: VecDeque::new(),
            authorities: HashMap::new(),
            failed: Default::default(),
        };
        (inputs, failed)
    }

    /// Stores and indexes `inputs` in atomic batches.
    pub fn ingest<I>(
        &self,
        inputs: I,
        opts: &IngestOptions,
        mut progress: impl FnMut(usize) + Send,
    ) -> Result<IngestSummary>
    where
        I: IntoIterator<Item = Input>,
        I::IntoIter: Send,
    {
        let mut sum = IngestSummary::default();
        let size = opts.batch_size.max(1);
        let inputs = inputs.into_iter();
        let mut presence = self.store.presence()?;
        let trace = std::env::var_os("AIRGRAM_TRACE").is_some();
        // Three stages, each on its own thread, so that commits follow one
        // another with no gap: screening (content ids, and what the archive
        // already holds) feeds the parser, which feeds the commits on this
        // thread. Commits stay in order, one batch after another. Each hand-
        // over waits for its taker, so the parser holds at most one batch
        // beyond the one committing (a batch is a few hundred megabytes).
        std::thread::scope(|sc| {
            let (raw_tx, raw_rx) = std::sync::mpsc::sync_channel::<Vec<(String, Input)>>(0);
            let (parsed_tx, parsed_rx) = std::sync::mpsc::sync_channel::<Vec<(NewRecord, bool)>>(0);
            let screening = sc.spawn(move || -> Result<usize> {
                let mut seen: HashSet<String> = HashSet::new();
                let mut unchanged = 0;
                let mut chunk = Vec::new();
                for (done, input) in inputs.enumerate() {
                    let id = content_id(&input.source);
                    if presence.has_record(&id)? || !seen.insert(id.clone()) {
                        unchanged += 1;
                    } else {
                        chunk.push((id, input));
                    }
                    // A send fails only once the commits stopped (on an
                    // error they report).
                    if chunk.len() >= size && raw_tx.send(std::mem::take(&mut chunk)).is_err() {
                        return Ok(unchanged);
                    }
                    progress(done + 1);
                }
                if !chunk.is_empty() {
                    let _ = raw_tx.send(chunk);
                }
                Ok(unchanged)
            });
            sc.spawn(move || {
                for chunk in raw_rx {
                    if parsed_tx.send(parse_all(chunk, opts)).is_err() {
                        break;
                    }
                }
            });
            let (mut warned, mut bytes) = (0, 0);
            let committed = self.commit_batches(|| {
                let t = std::time::Instant::now();
                let parsed = parsed_rx.recv().ok()?;
                if trace {
                    eprintln!("waited {:.2?} for the parser", t.elapsed());
                }
                warned += parsed.iter().filter(|(_, w)| *w).count();
                bytes += parsed.iter().map(|(r, _)| r.source.len() as u64).sum::<u64>();
                Some(parsed.into_iter().map(|(r, _)| r).collect())
            });
            // Dropping the receiver stops the parser, and then the screening.
            drop(parsed_rx);
            let screened = screening
                .join()
                .unwrap_or_else(|_| Err(ArchiveError::Invalid("the ingest screening panicked".into())));
            sum.new = committed?;
            sum.unchanged = screened?;
            sum.with_warnings = warned;
            sum.bytes = bytes;
            Ok(sum)
        })
    }

    /// Commits the batches `next` gives, in order, each atomically; gives
    /// how many records they held.
    ///
    /// The store commits a batch (and logs it) on this thread while the
    /// index writes the same batch on another; the index commits only
    /// after the store did, recording the batch's log position, so the
    /// index is never ahead of the store. While the index commits, the
    /// store already inserts the next batch. A batch the store committed
    /// but the index did not (a crash, a failed index write) is taken from
    /// the log on the next catch-up.
    fn commit_batches(&self, mut next: impl FnMut() -> Option<Vec<NewRecord>>) -> Result<usize> {
        let trace = std::env::var_os("AIRGRAM_TRACE").is_some();
        let (_writing, mut index) = self.index_writer(INGEST_LOCK_WAIT)?;
        let store = self.store.as_ref();
        // An empty batch (none are made today) is skipped, not taken for the end.
        let mut next_batch = || loop {
            match next() {
                Some(r) if r.is_empty() => continue,
                other => return other.map(Arc::new),
            }
        };
        let gone = || ArchiveError::Invalid("the index writer stopped".into());
        let outcome = std::thread::scope(|sc| -> Result<usize> {
            // Room for one batch waiting: the store inserts it while the
            // index commits the one before.
            type Todo = (Arc<Vec<NewRecord>>, std::sync::mpsc::Receiver<airgram_store::Committed>);
            let (todo_tx, todo_rx) = std::sync::mpsc::sync_channel::<Todo>(1);
            let index = &mut index;
            let indexing = sc.spawn(move || -> Result<()> {
                for (records, committed) in todo_rx {
                    let t = std::time::Instant::now();
                    add_new_records(index, &records)?;
                    drop(records);
                    // The store's commit, or nothing if it failed.
                    let Ok(c) = committed.recv() else {
                        index.abandon();
                        return Ok(());
                    };
                    fail_point("ingest.before_index_commit", c.batch)?;
                    // Other processes' entries before this batch's first.
                    self.apply_pending(index, Some(c.pos))?;
                    index.commit(c.pos)?;
                    if trace {
                        eprintln!("batch {}: indexed and committed in {:.2?}", c.batch, t.elapsed());
                    }
                }
                Ok(())
            });
            let mut committed = 0;
            let mut commit_all = || -> Result<()> {
                while let Some(records) = next_batch() {
                    let (done_tx, done_rx) = std::sync::mpsc::sync_channel(1);
                    todo_tx.send((records.clone(), done_rx)).map_err(|_| gone())?;
                    let t0 = std::time::Instant::now();
                    fail_point("ingest.before_store_commit", store.last_batch()? + 1)?;
                    let c = store.commit_batch(&records)?;
                    if trace {
                        eprintln!("batch {}: stored in {:.2?}", c.batch, t0.elapsed());
                    }
                    // The index may have stopped on an error of its own,
                    // reported when it is joined.
                    let _ = done_tx.send(c);
                    committed += records.len();
                    // Freeing a batch (a million or so allocations) would hold
                    // up the next batch's inserts: another thread does it.
                    std::thread::spawn(move || drop(records));
                }
                Ok(())
            };
            let outcome = commit_all();
            // No more batches: the index thread ends once it is done.
            drop(todo_tx);
            let joined = indexing
                .join()
                .unwrap_or_else(|_| Err(ArchiveError::Invalid("the index writer panicked".into())));
            // The index's own error first: the store side only sees that
            // the index stopped.
            match (outcome, joined) {
                (_, Err(e)) | (Err(e), Ok(())) => Err(e),
                (Ok(()), Ok(())) => Ok(committed),
            }
        });
        if outcome.is_err() {
            index.abandon();
        }
        self.finish_write(index)?;
        outcome
    }

    /// Waits for the index's background merges to finish (after a large
    /// ingest, before exiting or measuring searches). Writes already let
    /// their merges finish; this is kept for callers that say so.
    pub fn wait_merges(&self) -> Result<()> {
        self.refresh()
    }

    /// Searches as `reader`: only partitions of labels it may see.
    ///
    /// The index may lag the store by a follow interval (another process
    /// wrote). So before a hit leaves, the version it names is checked
    /// against the store: it must still exist under the label of the
    /// partition that found it, and the reader must still see that label.
    /// A hit that fails is dropped with its snippet, and counted out.
    pub fn search(&self, reader: &Reader, req: &SearchRequest) -> Result<SearchResult> {
        let index = self.index();
        let labels: Vec<Label> = index.labels().into_iter().cloned().collect();
        let visible = reader.visible(labels.iter());
        let store = &self.store;
        // A store that fails here fails the check below too, which says so.
        let bodies_of = |keys: &[(String, u64)]| store.version_bodies(keys).unwrap_or_default();
        let mut res = index.search(&visible, req, &bodies_of)?;
        let before = res.hits.len();
        let ids: Vec<String> = res.hits.iter().map(|h| h.id.clone()).collect();
        let refs = self.store.version_refs_of(&ids)?;
        let mut kept = Vec::with_capacity(before);
        for (h, refs) in std::mem::take(&mut res.hits).into_iter().zip(refs) {
            let current = refs
                .iter()
                .any(|v| v.seq == h.seq && v.label == h.label && reader.may_see(&v.label));
            if current {
                kept.push(h);
            }
        }
        res.total = res.total.saturating_sub(before - kept.len());
        res.hits = kept;
        let classified: Vec<String> = res
            .hits
            .iter()
            .filter(|h| audited(&h.label))
            .map(|h| format!("{}/{}", h.id, h.seq))
            .collect();
        if !classified.is_empty() {
            self.audit_read(reader, "search", &classified.join(","), &req.query)?;
        }
        Ok(res)
    }

    fn audit_read(&self, reader: &Reader, action: &str, object: &str, detail: &str) -> Result<()> {
        let who = reader.name.clone().unwrap_or_else(|| "public".into());
        self.store.audit(&who, action, object, detail, "ok")?;
        Ok(())
    }

    /// The version of record `id` that `reader` gets, if any.
    fn visible_version(&self, reader: &Reader, id: &str) -> Result<Option<Version>> {
        let versions = self.store.versions(id)?;
        Ok(choose_version(reader, &versions).cloned())
    }

    /// Resolves `key` (a record id or a message id) to a visible record.
    /// A message id that names several visible records is
    /// [`ArchiveError::Ambiguous`]: showing one of them silently would show
    /// a historian the wrong document.
    fn resolve(&self, reader: &Reader, key: &str) -> Result<Option<Version>> {
        let k = key.trim();
        if k.len() == 16 && k.bytes().all(|b| b.is_ascii_hexdigit()) {
            if let Some(v) = self.visible_version(reader, &k.to_ascii_lowercase())? {
                return Ok(Some(v));
            }
        }
        let mut named = self.visible_with_message(reader, &canonical_message(k))?;
        if named.len() > 1 {
            // Oldest first, undated last: the order a reader scans a file in.
            let mut nodes: Vec<views::Node> = named.iter().map(views::Node::of).collect();
            nodes.sort_by(|a, b| (a.date.is_none(), &a.date, &a.id).cmp(&(b.date.is_none(), &b.date, &b.id)));
            return Err(ArchiveError::Ambiguous(key.to_string(), nodes));
        }
        Ok(named.pop())
    }

    /// The visible versions of the records whose message id is `m`, in
    /// record id order. Only what the reader may see is looked at, so every
    /// choice made among them is one an archive of just those could make.
    fn visible_with_message(&self, reader: &Reader, m: &str) -> Result<Vec<Version>> {
        let mut out = Vec::new();
        for id in self.store.records_with_message(m)? {
            if let Some(v) = self.visible_version(reader, &id)? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// A record as `reader` may see it, or [`ArchiveError::NotFound`] —
    /// the same for a record that does not exist and one they may not see.
    pub fn show(&self, reader: &Reader, key: &str) -> Result<views::RecordView> {
        let v = self
            .resolve(reader, key)?
            .ok_or_else(|| ArchiveError::NotFound(key.to_string()))?;
        let all = self.store.versions(&v.record_id)?;
        let visible: Vec<&Version> = all.iter().filter(|x| reader.may_see(&x.label)).collect();
        let cited_by = self.cited_by(reader, &v)?;
        if audited(&v.label) {
            self.audit_read(
                reader,
                "show",
                &format!("{}/{}", v.record_id, v.seq),
                &v.label.to_string(),
            )?;
        }
        let mut view = views::RecordView::new(&v, &visible, cited_by);
        view.record.source_path = source_reference(reader, &v.record_id, &view.record.source_path);
        Ok(view)
    }

    /// Every record a query matches, as `reader` may see each (the version
    /// `show` gives), in the query's order, at most `limit`: for handing a
    /// result set to other tools. Each record goes through `show`, so the
    /// access rule and the audit apply as to any read.
    pub fn export(
        &self,
        reader: &Reader,
        query: &str,
        limit: usize,
        mut out: impl FnMut(views::RecordView) -> Result<()>,
    ) -> Result<usize> {
        let mut done = 0;
        let page = 500;
        while done < limit {
            let req = SearchRequest {
                query: query.to_string(),
                limit: page.min(limit - done),
                offset: done,
                ..SearchRequest::default()
            };
            let res = self.search(reader, &req)?;
            if res.hits.is_empty() {
                break;
            }
            for h in &res.hits {
                out(self.show(reader, &h.id)?)?;
                done += 1;
            }
        }
        Ok(done)
    }

    /// The verbatim source of a record the reader may see (its path as
    /// [`source_reference`] gives it).
    pub fn source(&self, reader: &Reader, key: &str) -> Result<(String, Vec<u8>)> {
        let v = self
            .resolve(reader, key)?
            .ok_or_else(|| ArchiveError::NotFound(key.to_string()))?;
        // The source is the original text: a reader gets it when they may
        // see the original or a release of it in full. A redacted release
        // never opens it. Decided from the visible versions alone, so the
        // answer cannot depend on what the reader may not see.
        let all = self.store.versions(&v.record_id)?;
        let open = all
            .iter()
            .any(|x| reader.may_see(&x.label) && matches!(x.kind, VersionKind::Original | VersionKind::Released));
        if !open {
            return Err(ArchiveError::NotFound(key.to_string()));
        }
        let src = self
            .store
            .source(&v.record_id)?
            .ok_or_else(|| ArchiveError::NotFound(key.to_string()))?;
        if audited(&v.label) {
            self.audit_read(reader, "source", &v.record_id, &v.label.to_string())?;
        }
        let (path, bytes) = src;
        Ok((source_reference(reader, &v.record_id, &path), bytes))
    }

    /// Visible records whose visible version cites `v`'s message and means
    /// `v` by it (see [`cited_one`]).
    fn cited_by(&self, reader: &Reader, v: &Version) -> Result<Vec<views::Link>> {
        let Some(m) = &v.record.message_id else {
            return Ok(vec![]);
        };
        let named = self.visible_with_message(reader, m)?;
        let mut out = Vec::new();
        for id in self.store.records_citing(m)? {
            if id == v.record_id {
                continue;
            }
            if let Some(c) = self.visible_version(reader, &id)? {
                let meant = cited_one(&named, c.record.date.as_deref());
                if c.record.cites.contains(m) && meant.is_some_and(|t| t.record_id == v.record_id) {
                    out.push((c.record.date.clone(), views::Link::of(&c)));
                }
            }
        }
        // Oldest first, as a reader follows a thread; undated last; the
        // message id and the id settle ties, so the order never depends
        // on the store's.
        out.sort_by(|(da, a), (db, b)| {
            (da.is_none(), da, &a.message_id, &a.id).cmp(&(db.is_none(), db, &b.message_id, &b.id))
        });
        Ok(out.into_iter().map(|(_, l)| l).collect())
    }

    /// Visible record a cite in a record dated `citing_date` resolves to, if
    /// any. An invisible target resolves to nothing, exactly like a missing
    /// one.
    fn resolve_cite(&self, reader: &Reader, cite: &str, citing_date: Option<&str>) -> Result<Option<Version>> {
        let named = self.visible_with_message(reader, cite)?;
        Ok(cited_one(&named, citing_date).cloned())
    }

    /// For each cite of a record dated `citing_date`, the id of the visible
    /// record it resolves to, if any (for linking; not a read of those
    /// records, so not audited).
    pub fn resolve_cites(
        &self,
        reader: &Reader,
        citing_date: Option<&str>,
        cites: &[String],
    ) -> Result<Vec<Option<String>>> {
        cites
            .iter()
            .map(|c| Ok(self.resolve_cite(reader, c, citing_date)?.map(|v| v.record_id)))
            .collect()
    }

    /// The cite graph around `key`, `depth` steps out, both directions.
    pub fn graph(&self, reader: &Reader, key: &str, depth: usize) -> Result<views::Graph> {
        let start = self
            .resolve(reader, key)?
            .ok_or_else(|| ArchiveError::NotFound(key.to_string()))?;
        let mut g = views::Graph::default();
        let mut queue = VecDeque::from([(start.clone(), 0usize)]);
        let mut seen: BTreeMap<String, ()> = BTreeMap::new();
        seen.insert(start.record_id.clone(), ());
        g.root = start.record_id.clone();
        while let Some((v, d)) = queue.pop_front() {
            g.nodes.push(views::Node::of(&v));
            if audited(&v.label) {
                self.audit_read(
                    reader,
                    "graph",
                    &format!("{}/{}", v.record_id, v.seq),
                    &v.label.to_string(),
                )?;
            }
            if d >= depth {
                continue;
            }
            for c in &v.record.cites {
                match self.resolve_cite(reader, c, v.record.date.as_deref())? {
                    Some(t) => {
                        g.edges.push(views::Edge {
                            from: v.record_id.clone(),
                            to: t.record_id.clone(),
                            cite: c.clone(),
                        });
                        if seen.insert(t.record_id.clone(), ()).is_none() {
                            queue.push_back((t, d + 1));
                        }
                    }
                    None => g.unresolved.push(views::Unresolved {
                        from: v.record_id.clone(),
                        cite: c.clone(),
                    }),
                }
            }
            for l in self.cited_by(reader, &v)? {
                if let Some(src) = self.visible_version(reader, &l.id)? {
                    if let Some(m) = &v.record.message_id {
                        g.edges.push(views::Edge {
                            from: src.record_id.clone(),
                            to: v.record_id.clone(),
                            cite: m.clone(),
                        });
                    }
                    if seen.insert(src.record_id.clone(), ()).is_none() {
                        queue.push_back((src, d + 1));
                    }
                }
            }
        }
        g.nodes.sort_by(|a, b| a.id.cmp(&b.id));
        g.edges.sort();
        g.edges.dedup();
        g.unresolved.sort();
        g.unresolved.dedup();
        Ok(g)
    }

    /// Re-derives every version from its verbatim source with the current
    /// parser, and rebuilds the index.
    pub fn reindex(&self, mut progress: impl FnMut(usize)) -> Result<usize> {
        // Record by record, a few thousand to a transaction: a million
        // records need neither fit in memory nor cost an fsync each. An
        // interrupted reindex leaves some versions re-derived and some not,
        // each consistent; the index is rebuilt from them on the next open
        // (it was not marked finished). Each chunk is logged, so other
        // processes re-read what it changed.
        const CHUNK: usize = 5_000;
        let (_writing, mut index) = self.index_writer(INGEST_LOCK_WAIT)?;
        let ids = self.store.record_ids()?;
        index.clear()?;
        let mut n = 0;
        let mut pos = self.store.log_head()?;
        for chunk in ids.chunks(CHUNK) {
            let mut updated: Vec<Version> = Vec::new();
            for id in chunk {
                let mut vs = self.store.versions(id)?;
                if vs.is_empty() {
                    continue;
                }
                let fresh = self.reparse(id)?;
                for v in &mut vs {
                    // A release in part is what two reviewers approved,
                    // excisions applied: it is a review product, not a
                    // parse, and re-deriving it from the source would put
                    // the excised text back.
                    if v.kind != VersionKind::Redacted {
                        v.record = fresh.clone();
                    }
                }
                n += vs.len();
                progress(n);
                updated.extend(vs);
            }
            let c = self.store.update_versions(&updated)?;
            fail_point("reindex.after_chunk", c.batch)?;
            pos = c.pos;
        }
        // The index is rebuilt from the store as it now is, up to the last
        // chunk's entry (and whatever others wrote before it).
        self.fill_index(&mut index, pos)?;
        self.finish_write(index)?;
        Ok(n)
    }

    /// A record parsed afresh from its stored source.
    fn reparse(&self, id: &str) -> Result<Record> {
        let (path, bytes) = self.store.source(id)?.unwrap_or_default();
        let mut r = if path.contains(".xml#") {
            tei::parse_volume(&path, &bytes)
                .into_iter()
                .next()
                .unwrap_or_else(|| Record::new(&path))
        } else {
            let auth = airgram_parse::sibling_authority(Path::new(&path));
            parse_text(&path, &bytes, auth.as_ref())
        };
        r.source_path = path;
        Ok(r)
    }

    /// Rebuilds the index from the stored versions as they are (no
    /// re-parse): the index is derived. Streams record by record, so a
    /// million records need not fit in memory.
    fn rebuild_index(&self) -> Result<()> {
        let (_writing, mut index) = self.index_writer(INGEST_LOCK_WAIT)?;
        index.clear()?;
        let pos = self.store.log_head()?;
        self.fill_index(&mut index, pos)?;
        self.finish_write(index)
    }

    /// Indexes every stored version into a cleared index and marks it
    /// complete as of log position `pos` (read before the walk: entries
    /// after it are applied again, which is harmless).
    fn fill_index(&self, index: &mut Partitions, pos: u64) -> Result<()> {
        each_record(self.store.as_ref(), &mut |vs| {
            index_versions(index, vs)?;
            fail_point("rebuild.after_record", 0)
        })?;
        index.commit(pos)?;
        index.finish_rebuild()?;
        Ok(())
    }

    /// Store and index agree: every stored version is indexed once, under
    /// its label, and nothing else is.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut expected: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        // What the index should hold, record by record, by the same plan
        // that wrote it.
        each_record(self.store.as_ref(), &mut |vs| {
            let plan: Vec<_> = vs.iter().map(|v| (v.kind, &v.label, &v.record)).collect();
            for (v, shadow) in vs.iter().zip(index_plan(&plan)) {
                if shadow.is_some() {
                    expected
                        .entry(v.label.key())
                        .or_default()
                        .push((v.record_id.clone(), v.seq));
                }
            }
            Ok(())
        })?;
        self.refresh()?;
        let index = self.index();
        let (cursor, head) = (index.cursor(), self.store.log_head()?);
        if cursor > head {
            problems.push(format!(
                "the index claims change {cursor}; the store's log ends at {head}"
            ));
        }
        for label in index.labels() {
            let p = index.partition(label).expect("listed");
            let got = p.versions()?;
            let want = expected.remove(&label.key()).unwrap_or_default();
            let mut want = want;
            want.sort();
            if got != want {
                problems.push(format!(
                    "partition {}: index holds {} versions, store {}",
                    label,
                    got.len(),
                    want.len()
                ));
            }
        }
        for (k, v) in expected {
            problems.push(format!("partition {k}: {} stored versions are not indexed", v.len()));
        }
        Ok(problems)
    }

    /// Verifies the audit chain: number of entries, or the first broken one.
    pub fn audit_verify(&self) -> Result<std::result::Result<usize, (u64, String)>> {
        Ok(airgram_store::verify_audit(&self.store.audit_entries()?))
    }

    pub fn audit_entries(&self) -> Result<Vec<airgram_store::AuditEntry>> {
        Ok(self.store.audit_entries()?)
    }
}

/// Whether `--archive` names a PostgreSQL database.
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// `--archive` as it may be shown: a PostgreSQL URL without its password.
pub fn shown(archive: &Path) -> String {
    let s = archive.display().to_string();
    if !is_postgres_url(&s) {
        return s;
    }
    let (scheme, rest) = s.split_once("://").unwrap_or(("postgres", &s));
    match rest.split_once('@') {
        Some((who, host)) => {
            let user = who.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => s.clone(),
    }
}

/// The index directory a node uses for a PostgreSQL archive when none is
/// named: `<database>-index` in the working directory.
pub fn default_index_dir(url: &str) -> PathBuf {
    let db = url
        .rsplit('/')
        .next()
        .and_then(|d| d.split('?').next())
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or("airgram");
    PathBuf::from(format!("{db}-index"))
}

/// Which of the records sharing a cited message id a record dated
/// `citing_date` means. Posts numbered their messages afresh each year, so
/// one id can name several records, and a citation points back in time: it
/// means the latest sent on or before the citing record. A record sent
/// after it is never what it cites (an archive holding a later message of
/// the same number would otherwise link a 1962 cable to one of 1973); an
/// undated record may be, after the dated ones. An undated citing record
/// means the earliest. Ties go to the lower record id.
fn cited_one<'v>(named: &'v [Version], citing_date: Option<&str>) -> Option<&'v Version> {
    let date = |v: &Version| v.record.date.clone();
    let Some(citing) = citing_date else {
        return named
            .iter()
            .min_by_key(|v| (v.record.date.is_none(), date(v), v.record_id.clone()));
    };
    let dated = named
        .iter()
        .filter(|v| v.record.date.as_deref().is_some_and(|d| not_after(d, citing)))
        // The latest date; among equal dates the lower id.
        .min_by(|a, b| date(b).cmp(&date(a)).then_with(|| a.record_id.cmp(&b.record_id)));
    dated.or_else(|| {
        named
            .iter()
            .filter(|v| v.record.date.is_none())
            .min_by_key(|v| &v.record_id)
    })
}

/// `a` is not after `b`, for ISO dates or prefixes of them (`1962-11` is
/// not after `1962-11-07`, nor that after it): compared to the shorter.
fn not_after(a: &str, b: &str) -> bool {
    let n = a.len().min(b.len());
    a.as_bytes()[..n] <= b.as_bytes()[..n]
}

/// Message ids cited in a text, with their byte ranges (for linking).
pub fn cites_in(text: &str) -> Vec<(usize, usize, String)> {
    airgram_parse::msgid::find_cites(text)
        .into_iter()
        .map(|c| (c.start, c.end, c.id))
        .collect()
}

/// `polto a-517` -> `POLTO A-517`.
pub fn canonical_message(k: &str) -> String {
    k.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase()
}

/// How long an ingest waits for another process's index writer.
const INGEST_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

/// Writes one batch of new records' versions to the index (by
/// [`index_plan`]), uncommitted.
fn add_new_records(index: &mut Partitions, records: &[NewRecord]) -> Result<()> {
    // Versions are added one partition after another (in batch order within
    // each). Each partition's writer has a term table of its own; fed in
    // turn, one table at a time stays in the cache, where fed in record
    // order all thirty-odd compete for it.
    let mut planned = Vec::with_capacity(records.len());
    for r in records {
        let plan: Vec<_> = r.versions.iter().map(|v| (v.kind, &v.label, &v.record)).collect();
        planned.extend(kept(&plan).map(|(i, shadow)| (&r.versions[i].label, r, i, shadow)));
    }
    planned.sort_by(|a, b| a.0.cmp(b.0));
    for (label, r, i, shadow) in planned {
        index.add(label, &index_doc(&r.id, i as u64 + 1, shadow, &r.versions[i].record))?;
    }
    Ok(())
}

/// Test hook: `AIRGRAM_FAIL=<name>` makes the named step fail (at every
/// batch; `<name>@<batch>` at that batch only), and `...:abort` kills the
/// process there, to prove that a failure there leaves the archive
/// consistent.
fn fail_point(name: &str, batch: u64) -> Result<()> {
    let Ok(v) = std::env::var("AIRGRAM_FAIL") else {
        return Ok(());
    };
    let (point, abort) = match v.strip_suffix(":abort") {
        Some(p) => (p, true),
        None => (v.as_str(), false),
    };
    let hit = match point.split_once('@') {
        Some((p, at)) => p == name && at.parse() == Ok(batch),
        None => point == name,
    };
    match (hit, abort) {
        (false, _) => Ok(()),
        (true, false) => Err(ArchiveError::Invalid(format!("failpoint {name}"))),
        (true, true) => std::process::abort(),
    }
}

/// Where a record's source is, as `reader` may know it. The path ingest
/// read it from names the office's files (`/srv/intake/state/0001/…`):
/// staff, who sign in, get it; the public gets the record's own
/// reference instead, the address of its source in the archive.
pub fn source_reference(reader: &Reader, id: &str, path: &str) -> String {
    if reader.name.is_some() {
        path.to_string()
    } else {
        format!("/records/{id}/source")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> Label {
        Label::parse(s).unwrap()
    }

    #[test]
    fn dates_and_their_prefixes_compare_to_the_shorter() {
        assert!(not_after("1962-11-07", "1962-11-07"));
        assert!(not_after("1962-11-06", "1962-11-07"));
        assert!(!not_after("1962-11-08", "1962-11-07"));
        assert!(not_after("1962-11-30", "1962-11") && not_after("1962-11", "1962-11-01"));
        assert!(!not_after("1962-12-01", "1962-11"));
    }

    #[test]
    fn a_postgres_url_is_shown_without_its_password() {
        let shown = |s: &str| shown(Path::new(s));
        assert_eq!(
            shown("postgres://ann:s3cret@db:5432/airgram"),
            "postgres://ann@db:5432/airgram"
        );
        assert_eq!(shown("postgres://ann@db/airgram"), "postgres://ann@db/airgram");
        assert_eq!(shown("./airgram-archive"), "./airgram-archive");
        assert_eq!(
            default_index_dir("postgres://ann@db:5432/records"),
            PathBuf::from("records-index")
        );
        assert_eq!(
            default_index_dir("postgres://ann@db:5432/"),
            PathBuf::from("airgram-index")
        );
    }

    #[test]
    fn content_id_is_the_sha256_prefix() {
        // SHA-256("abc") = ba7816bf8f01cfea 414140de5dae2223 ...
        assert_eq!(content_id(b"abc"), "ba7816bf8f01cfea");
    }

    #[test]
    fn identical_releases_are_indexed_once_and_shadows_follow_completeness() {
        let text = Record::new("a");
        let mut other = Record::new("a");
        other.body = "[1 line not declassified]".into();
        let (s, u) = (l("SECRET"), l("UNCLASSIFIED"));
        // A full release of the same text: only the release is indexed.
        let plan = index_plan(&[(VersionKind::Original, &s, &text), (VersionKind::Released, &u, &text)]);
        assert_eq!(plan, vec![None, Some(vec![])]);
        // A release with excisions differs: both, the release shadowed.
        let plan = index_plan(&[(VersionKind::Original, &s, &text), (VersionKind::Redacted, &u, &other)]);
        assert_eq!(plan, vec![Some(vec![]), Some(vec![s.clone()])]);
        // A release that keeps a caveat covers only readers holding it.
        let (sn, cn, c) = (l("SECRET/NODIS"), l("CONFIDENTIAL/NODIS"), l("CONFIDENTIAL"));
        let plan = index_plan(&[(VersionKind::Original, &sn, &text), (VersionKind::Released, &cn, &text)]);
        assert_eq!(plan, vec![None, Some(vec![])]);
        let plan = index_plan(&[(VersionKind::Original, &c, &text), (VersionKind::Released, &cn, &text)]);
        assert_eq!(
            plan[0],
            Some(vec![]),
            "CONFIDENTIAL readers without NODIS still need the original"
        );
        // A later release at the same label shadows the earlier one.
        let plan = index_plan(&[
            (VersionKind::Original, &s, &text),
            (VersionKind::Redacted, &u, &other),
            (VersionKind::Redacted, &u, &Record::new("b")),
        ]);
        assert_eq!(plan[1], Some(vec![u.clone(), s.clone()]));
        assert_eq!(plan[2], Some(vec![s]));
    }
}
