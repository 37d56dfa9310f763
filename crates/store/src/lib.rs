//! Durable storage: verbatim sources, record versions with their labels,
//! users, and the hash-chained audit log.
//!
//! [`Store`] is the interface the archive uses; [`SqliteStore`] is the
//! embedded default (one file, nothing to install). A PostgreSQL store for
//! shared deployments implements the same trait.
//!
//! Invariants: the source is stored verbatim and never rewritten; versions
//! are derived from it and may be replaced by `reindex`. A batch commits in
//! one transaction, and `last_batch` moves only with it, so the index can
//! tell after a crash which of its documents the store never committed.

pub mod review;

pub use review::{fingerprint, Dossier, EventRow, QueueQuery, Referral, Settle};

use airgram_access::{Label, Level, VersionKind};
use airgram_model::Record;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Debug)]
pub enum StoreError {
    Sqlite(rusqlite::Error),
    Corrupt(String),
    /// Another action got there first (e.g. a second open proposal).
    Conflict(String),
    /// The caller's check before the commit point failed; nothing was stored.
    Aborted(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "store: {e}"),
            StoreError::Corrupt(m) => write!(f, "store is inconsistent: {m}"),
            StoreError::Conflict(m) => write!(f, "{m}"),
            StoreError::Aborted(m) => write!(f, "batch not committed: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A version to store.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub kind: VersionKind,
    pub label: Label,
    pub record: Record,
}

/// A record to store: its verbatim source and its first versions.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub id: String,
    pub source_path: String,
    pub source: Vec<u8>,
    pub versions: Vec<NewVersion>,
}

/// A stored version.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub record_id: String,
    pub seq: u64,
    pub kind: VersionKind,
    pub label: Label,
    pub record: Record,
    pub batch: u64,
}

impl airgram_access::Versioned for Version {
    fn kind(&self) -> VersionKind {
        self.kind
    }
    fn label(&self) -> &Label {
        &self.label
    }
    fn seq(&self) -> u64 {
        self.seq
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub clearance: Level,
    pub auths: Vec<String>,
    pub role: String,
    pub disabled: bool,
}

/// One audit entry: who did what to what, when, with what outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: u64,
    pub ts: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The archive's storage interface.
pub trait Store {
    /// The last batch committed (0 for an empty archive).
    fn last_batch(&self) -> Result<u64>;
    fn has_record(&self, id: &str) -> Result<bool>;
    /// A reader of its own for [`Store::has_record`], usable on another
    /// thread while this store commits (it sees committed batches only).
    fn presence(&self) -> Result<Box<dyn Presence>>;
    /// Stores records and their versions, and moves `last_batch` to
    /// `batch`, atomically. `before_commit` runs after everything is
    /// written and before the commit point; if it fails, nothing is stored.
    fn commit_batch(
        &mut self,
        batch: u64,
        records: &[NewRecord],
        before_commit: &mut dyn FnMut() -> Result<()>,
    ) -> Result<()>;
    fn versions(&self, id: &str) -> Result<Vec<Version>>;
    /// The body of one version (for search snippets: cheaper than
    /// reading the whole record).
    fn version_body(&self, id: &str, seq: u64) -> Result<Option<String>>;
    /// Source path and verbatim bytes.
    fn source(&self, id: &str) -> Result<Option<(String, Vec<u8>)>>;
    /// Records whose versions carry `message_id`.
    fn records_with_message(&self, message_id: &str) -> Result<Vec<String>>;
    /// Records some version of which cites `message_id`.
    fn records_citing(&self, message_id: &str) -> Result<Vec<String>>;
    fn record_ids(&self) -> Result<Vec<String>>;
    /// Every version, in record order (for reindexing and checks).
    fn all_versions(&self, f: &mut dyn FnMut(Version) -> Result<()>) -> Result<()>;
    /// Replaces the derived record of a version (after a parser upgrade).
    /// Replaces re-derived versions' records, in one transaction.
    fn update_versions(&mut self, batch: u64, vs: &[Version]) -> Result<()>;
    fn put_user(&mut self, u: &User) -> Result<()>;
    fn user(&self, name: &str) -> Result<Option<User>>;
    fn audit(&mut self, actor: &str, action: &str, object: &str, detail: &str, outcome: &str) -> Result<()>;
    fn audit_entries(&self) -> Result<Vec<AuditEntry>>;
    /// A user's password hash (PHC string), if one is set.
    fn password_hash(&self, name: &str) -> Result<Option<String>>;
    fn set_password_hash(&mut self, name: &str, phc: &str) -> Result<()>;
    /// Stores a session under the hash of its token.
    fn create_session(&mut self, token_hash: &str, user: &str, now: u64) -> Result<()>;
    /// The user of a live session, touching its idle clock; expired
    /// sessions are removed.
    fn session_user(&mut self, token_hash: &str, now: u64, idle_secs: u64, max_secs: u64) -> Result<Option<String>>;
    fn delete_session(&mut self, token_hash: &str) -> Result<()>;
    fn delete_sessions_of(&mut self, user: &str) -> Result<()>;
    /// Consecutive failed sign-ins under `name` (known or not) and when
    /// the last was, in seconds since 1970.
    fn sign_in_failures(&self, name: &str) -> Result<(u32, u64)>;
    /// Counts one more failed sign-in under `name`, and forgets names
    /// whose last failure is older than `forget_before`.
    fn add_sign_in_failure(&mut self, name: &str, now: u64, forget_before: u64) -> Result<()>;
    /// Forgets the failures under `name` (a sign-in, or an unlock).
    fn clear_sign_in_failures(&mut self, name: &str) -> Result<()>;

    // Review (see `review`).
    fn dossier(&self, id: &str) -> Result<Option<Dossier>>;
    /// The distinct labels of originals (to decide which a reviewer sees).
    fn dossier_labels(&self) -> Result<Vec<Label>>;
    /// Dossiers the query lists, in due order; `f` returns false to stop.
    fn queue(&self, q: &QueueQuery, f: &mut dyn FnMut(Dossier) -> Result<bool>) -> Result<()>;
    /// How many the query lists, and one page of them.
    fn queue_page(&self, q: &QueueQuery, offset: usize, limit: usize) -> Result<(usize, Vec<Dossier>)>;
    /// Assigns a record to a reviewer (or clears the assignment).
    fn assign(&mut self, record_id: &str, assignee: Option<&str>) -> Result<()>;
    /// Records with the same fingerprint (duplicate texts).
    fn duplicates(&self, fingerprint: &str) -> Result<Vec<String>>;
    /// Opens a proposal, audited in the same transaction (the entry's
    /// object gets `#<event>`, the event opened); [`StoreError::Conflict`]
    /// if the record has one open.
    fn propose(&mut self, record_id: &str, actor: &str, body: &str, audit: &AuditNote) -> Result<u64>;
    fn event(&self, id: u64) -> Result<Option<EventRow>>;
    fn events_of(&self, record_id: &str) -> Result<Vec<EventRow>>;
    /// Every event (historic stamps too, if asked) with its record's
    /// original label, oldest first (for reports).
    fn all_events(&self, historic: bool) -> Result<Vec<(EventRow, Label)>>;
    /// Approves or returns an open proposal, publishing its release,
    /// opening its referrals and writing its audit entry, atomically. False
    /// (and nothing written) if it was no longer open.
    fn settle(&mut self, s: &Settle) -> Result<bool>;
    fn referrals(&self, record_id: Option<&str>) -> Result<Vec<Referral>>;
    fn referral(&self, id: u64) -> Result<Option<Referral>>;
    /// Records an agency's answer, audited in the same transaction. False
    /// (and nothing written) if already answered or unknown.
    fn answer_referral(&mut self, id: u64, by: &str, response: &str, comment: &str, audit: &AuditNote) -> Result<bool>;
    /// Records whose index documents must be rewritten.
    fn journal(&self) -> Result<Vec<String>>;
    fn clear_journal(&mut self, record_id: &str) -> Result<()>;
}

/// Whether records exist, asked from another thread than the store's.
pub trait Presence: Send {
    fn has_record(&mut self, id: &str) -> Result<bool>;
}

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

pub struct SqliteStore {
    conn: Connection,
    /// Sources are stored zstd-compressed (archives made since the format
    /// gained compression); older archives keep them raw.
    packed_sources: bool,
}

/// Derived records and sources are text that compresses three- to
/// fourfold; writing a quarter of the bytes is most of what a batch costs
/// SQLite. Level 1: the fastest, and nearly the best ratio on this text.
fn pack(bytes: &[u8]) -> Vec<u8> {
    PACKER.with(|z| {
        // A compression context costs more to make than to use on a record:
        // one per thread, reused.
        z.borrow_mut()
            .compress(bytes)
            .expect("compressing to memory does not fail")
    })
}

thread_local! {
    static PACKER: std::cell::RefCell<zstd::bulk::Compressor<'static>> =
        std::cell::RefCell::new(zstd::bulk::Compressor::new(1).expect("a zstd context"));
}

fn unpack(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    unpack_against(bytes, &[]).unwrap_or_else(|| zstd::stream::decode_all(bytes))
}

/// Decompresses a frame that carries its size (as `pack` and
/// [`packed_record`] write them) in one call with a reused context (a new
/// one per record was most of the cost of reading a snippet's body),
/// against `dict` as raw content if it is not empty; `None` for a frame
/// without its size.
fn unpack_against(frame: &[u8], dict: &[u8]) -> Option<std::io::Result<Vec<u8>>> {
    let n = match zstd::zstd_safe::get_frame_content_size(frame) {
        Ok(Some(n)) if n <= 1 << 30 => n as usize,
        _ => return None,
    };
    let mut out = Vec::with_capacity(n);
    let done = UNPACKER.with(|z| z.borrow_mut().decompress_using_dict(&mut out, frame, dict));
    Some(
        done.map(|_| out)
            .map_err(|code| std::io::Error::other(zstd::zstd_safe::get_error_name(code))),
    )
}

thread_local! {
    static UNPACKER: std::cell::RefCell<zstd::zstd_safe::DCtx<'static>> =
        std::cell::RefCell::new(zstd::zstd_safe::DCtx::create());
}

/// A derived record repeats most of its source (the body, the headers), so
/// it is compressed with the raw source as a dictionary: a third of the
/// bytes of compressing it alone. Such a blob starts with this byte; a plain
/// zstd frame (older archives, and sources that cannot serve) starts with
/// zstd's magic number.
const AGAINST_SOURCE: u8 = b'S';

/// What zstd would read as a formatted dictionary rather than raw content.
const ZSTD_DICT_MAGIC: [u8; 4] = [0x37, 0xa4, 0x30, 0xec];

/// A derived record's JSON, compressed against `source` (the raw source).
fn packed_record(json: &str, source: &[u8]) -> rusqlite::types::Value {
    // Fewer than 8 bytes is no dictionary to zstd.
    if source.len() < 8 || source.starts_with(&ZSTD_DICT_MAGIC) {
        return rusqlite::types::Value::Blob(pack(json.as_bytes()));
    }
    let mut out = vec![0; 1 + zstd::zstd_safe::compress_bound(json.len())];
    out[0] = AGAINST_SOURCE;
    let n = PACKER.with(|z| {
        z.borrow_mut()
            .context_mut()
            .compress_using_dict(&mut out[1..], json.as_bytes(), source, 1)
            .expect("compressing to memory does not fail")
    });
    out.truncate(1 + n);
    rusqlite::types::Value::Blob(out)
}

/// A stored derived record: JSON as text (older archives, and the
/// same-as-first marker) or compressed JSON as a blob. `source` gives the
/// record's raw source, asked for only by a blob compressed against it.
fn record_text(v: rusqlite::types::Value, source: impl FnOnce() -> Option<Vec<u8>>) -> rusqlite::Result<String> {
    use rusqlite::types::{Type, Value};
    let unreadable = || rusqlite::Error::FromSqlConversionFailure(4, Type::Blob, "unreadable record".into());
    match v {
        Value::Text(t) => Ok(t),
        Value::Blob(b) => {
            let raw = match b.split_first() {
                Some((&AGAINST_SOURCE, frame)) => {
                    let source = source().ok_or_else(unreadable)?;
                    unpack_against(frame, &source)
                        .ok_or_else(unreadable)?
                        .map_err(|_| unreadable())?
                }
                _ => unpack(&b).map_err(|_| unreadable())?,
            };
            String::from_utf8(raw).map_err(|_| unreadable())
        }
        _ => Err(rusqlite::Error::InvalidColumnType(4, "record".into(), Type::Null)),
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL,
    source BLOB NOT NULL,
    batch INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    record_id TEXT NOT NULL REFERENCES records(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    record TEXT NOT NULL,
    batch INTEGER NOT NULL,
    PRIMARY KEY (record_id, seq)
);
-- Key-only tables: WITHOUT ROWID keeps one B-tree each, not a table and an
-- index of the same key (archives made before keep both; same queries).
CREATE TABLE IF NOT EXISTS messages (message_id TEXT NOT NULL, record_id TEXT NOT NULL, PRIMARY KEY (message_id, record_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cites (message_id TEXT NOT NULL, record_id TEXT NOT NULL, PRIMARY KEY (message_id, record_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    clearance TEXT NOT NULL,
    auths TEXT NOT NULL,
    role TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS credentials (name TEXT PRIMARY KEY REFERENCES users(name), phc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    name TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
";

/// Records the message id and cites of a version, for the cite graph.
fn link_version(tx: &rusqlite::Transaction, record_id: &str, r: &Record) -> rusqlite::Result<()> {
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
fn put_dossier(tx: &rusqlite::Transaction, d: &Dossier) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO dossier (record_id, origin, level, label, series, message_id, fingerprint, status, next_review, assignee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        d.record_id,
        d.origin,
        review::level_rank(d.label.level),
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

/// A review stamp parsed from a record, as the row of a historic event.
struct Historic {
    actor: String,
    date: String,
    body: String,
}

fn historic_rows(r: &Record) -> Vec<Historic> {
    r.reviews
        .iter()
        .map(|rv| Historic {
            actor: rv.office.clone().or(rv.reviewer.clone()).unwrap_or_default(),
            date: rv.date.clone().unwrap_or_default(),
            body: serde_json::to_string(rv).expect("stamps serialise"),
        })
        .collect()
}

/// The review stamps parsed from a record, as historic events replacing
/// earlier ones (they are derived and re-derived with the parser).
fn replace_historic(tx: &rusqlite::Transaction, record_id: &str, r: &Record) -> rusqlite::Result<()> {
    insert_historic(tx, record_id, &historic_rows(r), true)
}

fn insert_historic(
    tx: &rusqlite::Transaction,
    record_id: &str,
    rows: &[Historic],
    replace: bool,
) -> rusqlite::Result<()> {
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
fn set_last_batch(tx: &rusqlite::Transaction, batch: u64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('last_batch', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
        [batch.to_string()],
    )?;
    Ok(())
}

/// Stored in place of a version's record when it equals the first version's.
const SAME_AS_FIRST: &str = "=";

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
        let first = r.versions.first().map(|v| {
            let mut d = review::dossier_of(&r.id, &v.label, &v.record);
            // Open to the public in full already (unclassified, or ingested
            // as released): nothing to declassify.
            if r.versions
                .iter()
                .any(|v| v.kind != VersionKind::Redacted && v.label == Label::unclassified())
            {
                d.status = "released".into();
            }
            (d, historic_rows(&v.record))
        });
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

fn kind_str(k: VersionKind) -> &'static str {
    match k {
        VersionKind::Original => "original",
        VersionKind::Released => "released",
        VersionKind::Redacted => "redacted",
    }
}

/// A version kind as stored. An unknown one is an error, never a guess:
/// read as `Original`, a misread redacted version would open the verbatim
/// source and with it the excised text.
fn kind_parse(s: &str) -> Option<VersionKind> {
    match s {
        "original" => Some(VersionKind::Original),
        "released" => Some(VersionKind::Released),
        "redacted" => Some(VersionKind::Redacted),
        _ => None,
    }
}

/// The hash of an audit entry chains it to the one before.
pub fn audit_hash(
    prev: &str,
    ts: &str,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
    outcome: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [prev, ts, actor, action, object, detail, outcome] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    airgram_model::hex(&h.finalize())
}

/// An audit entry written by the action it records, in the action's own
/// transaction, so that neither commits without the other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditNote {
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
}

impl AuditNote {
    pub fn new(actor: &str, action: &str, object: &str, detail: &str) -> AuditNote {
        AuditNote {
            actor: actor.into(),
            action: action.into(),
            object: object.into(),
            detail: detail.into(),
        }
    }
}

/// Appends an entry to the hash chain inside the caller's transaction.
fn append_audit(tx: &Connection, actor: &str, action: &str, object: &str, detail: &str, outcome: &str) -> Result<()> {
    let prev: String = tx
        .query_row("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    let ts = now();
    let hash = audit_hash(&prev, &ts, actor, action, object, detail, outcome);
    tx.execute(
        "INSERT INTO audit (ts, actor, action, object, detail, outcome, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![ts, actor, action, object, detail, outcome, prev, hash],
    )?;
    Ok(())
}

fn append_note(tx: &Connection, n: &AuditNote, object: &str) -> Result<()> {
    append_audit(tx, &n.actor, &n.action, object, &n.detail, "ok")
}

/// Now, as an RFC 3339 UTC timestamp.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    airgram_model::calendar::rfc3339(secs)
}

impl SqliteStore {
    /// Writes a consistent copy of the database at `db` to `to` (which must
    /// not exist) while other connections read and write it: `VACUUM INTO`
    /// reads one snapshot in a read transaction, so a commit in flight is in
    /// the copy whole or not at all.
    pub fn snapshot(db: &Path, to: &Path) -> Result<()> {
        let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let to = to
            .to_str()
            .ok_or_else(|| StoreError::Corrupt(format!("{} is not a UTF-8 path", to.display())))?;
        conn.execute("VACUUM INTO ?1", [to])?;
        Ok(())
    }

    pub fn open(path: &Path) -> Result<SqliteStore> {
        let conn = Connection::open(path)?;
        // For a new archive (an existing one keeps its pages): records of
        // a kilobyte or two fill 8 KB pages better than 4 KB ones (at 100k
        // the database came out 8% smaller).
        conn.pragma_update(None, "page_size", 8192)?;
        // WAL with full sync: a committed batch survives a crash or power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A batch's dirty pages stay here until its commit: with a smaller
        // cache SQLite spills pages to the WAL in the middle of the
        // transaction and writes them again at its end. (At a million, 50k
        // per batch ran no faster with a cache four times this size.)
        conn.pragma_update(None, "cache_size", -262_144)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(review::SCHEMA)?;
        let codec: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'source_codec'", [], |r| r.get(0))
            .optional()?;
        let packed_sources = match codec {
            Some(c) => c == "zstd",
            None => {
                let records: i64 = conn.query_row("SELECT count(*) FROM records", [], |r| r.get(0))?;
                let c = if records == 0 { "zstd" } else { "raw" };
                conn.execute("INSERT INTO meta (key, value) VALUES ('source_codec', ?1)", [c])?;
                c == "zstd"
            }
        };
        let mut s = SqliteStore { conn, packed_sources };
        s.backfill_dossiers()?;
        Ok(s)
    }

    /// Reads a row of [`VERSION_COLUMNS`].
    fn version_from_row(&self) -> impl Fn(&rusqlite::Row) -> rusqlite::Result<VersionRow> {
        let packed = self.packed_sources;
        move |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                record_text(row.get(4)?, || raw_source(row.get(6).ok()?, packed))?,
                row.get(5)?,
            ))
        }
    }

    pub fn count_versions(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM versions", [], |r| r.get(0))?)
    }
}

/// A version's columns, and its record's source (for [`record_text`]).
const VERSION_COLUMNS: &str =
    "v.record_id, v.seq, v.kind, v.label, v.record, v.batch, r.source FROM versions v JOIN records r ON r.id = v.record_id";

type VersionRow = (String, u64, String, String, String, u64);

/// A stored source as its raw bytes.
fn raw_source(stored: Vec<u8>, packed: bool) -> Option<Vec<u8>> {
    if packed {
        unpack(&stored).ok()
    } else {
        Some(stored)
    }
}

/// The raw source of a stored record, inside a transaction.
fn stored_source(tx: &rusqlite::Transaction, id: &str, packed: bool) -> Result<Vec<u8>> {
    let stored: Vec<u8> = tx.query_row("SELECT source FROM records WHERE id = ?1", [id], |r| r.get(0))?;
    raw_source(stored, packed).ok_or_else(|| StoreError::Corrupt(format!("source of {id} is unreadable")))
}

/// A stored row as a version, taking the record of `first` where the row
/// refers to it.
fn fill_same(mut row: VersionRow, first: Option<&Version>) -> Result<Version> {
    if row.4 == SAME_AS_FIRST {
        let f = first
            .ok_or_else(|| StoreError::Corrupt(format!("{}/{} refers to a missing first version", row.0, row.1)))?;
        row.4 = "{}".into();
        let mut v = to_version(row)?;
        v.record = f.record.clone();
        return Ok(v);
    }
    to_version(row)
}

fn to_version(
    (record_id, seq, kind, label, record, batch): (String, u64, String, String, String, u64),
) -> Result<Version> {
    let label =
        Label::parse(&label).ok_or_else(|| StoreError::Corrupt(format!("bad label {label:?} on {record_id}")))?;
    let record: Record =
        serde_json::from_str(&record).map_err(|e| StoreError::Corrupt(format!("record {record_id}/{seq}: {e}")))?;
    let kind = kind_parse(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown version kind {kind:?} on {record_id}/{seq}")))?;
    Ok(Version {
        record_id,
        seq,
        kind,
        label,
        record,
        batch,
    })
}

impl Store for SqliteStore {
    fn last_batch(&self) -> Result<u64> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'last_batch'", [], |r| r.get(0))
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    fn has_record(&self, id: &str) -> Result<bool> {
        record_exists(&self.conn, id)
    }

    fn presence(&self) -> Result<Box<dyn Presence>> {
        use rusqlite::OpenFlags;
        // WAL lets this connection read the last committed batch while the
        // store's own connection writes the next one. (Stores live in
        // files: an archive is a directory.)
        let path = self.conn.path().unwrap_or_default();
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Box::new(SqlitePresence(conn)))
    }

    fn commit_batch(
        &mut self,
        batch: u64,
        records: &[NewRecord],
        before_commit: &mut dyn FnMut() -> Result<()>,
    ) -> Result<()> {
        let packed_sources = self.packed_sources;
        // Rows go in in id order. Content ids are random, so most of the
        // B-trees a record touches (records, versions and dossier by id, the
        // foreign-key checks) see keys in order and find their pages where
        // the previous insert left them, not in a cold corner of the file.
        let mut order: Vec<&NewRecord> = records.iter().collect();
        order.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let order = &order;
        let tx = self.conn.transaction()?;
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
                    .ok_or_else(|| StoreError::Aborted("the record encoder stopped".into()))?;
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
                        link_version(&tx, &r.id, &v.record)?;
                    }
                }
                if let Some((d, historic)) = e.first {
                    put_dossier(&tx, &d)?;
                    insert_historic(&tx, &r.id, &historic, false)?;
                }
            }
            set_last_batch(&tx, batch)?;
            Ok(())
        })?;
        // Dropping the transaction on an error rolls it back.
        before_commit()?;
        tx.commit()?;
        Ok(())
    }

    fn versions(&self, id: &str) -> Result<Vec<Version>> {
        let mut st = self.conn.prepare_cached(&format!(
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

    fn version_body(&self, id: &str, seq: u64) -> Result<Option<String>> {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default)]
            body: String,
        }
        let mut st = self.conn.prepare_cached(
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
            .conn
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
        let mut st = self
            .conn
            .prepare_cached("SELECT record_id FROM messages WHERE message_id = ?1 ORDER BY record_id")?;
        let rows = st.query_map([message_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn records_citing(&self, message_id: &str) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT record_id FROM cites WHERE message_id = ?1 ORDER BY record_id")?;
        let rows = st.query_map([message_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn all_versions(&self, f: &mut dyn FnMut(Version) -> Result<()>) -> Result<()> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {VERSION_COLUMNS} ORDER BY v.record_id, v.seq"))?;
        let rows = st.query_map([], self.version_from_row())?;
        let mut first: Option<Version> = None;
        for row in rows {
            let row = row?;
            if first.as_ref().is_some_and(|v| v.record_id != row.0) {
                first = None;
            }
            let v = fill_same(row, first.as_ref())?;
            if first.is_none() {
                first = Some(v.clone());
            }
            f(v)?;
        }
        Ok(())
    }

    fn record_ids(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("SELECT id FROM records ORDER BY id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn update_versions(&mut self, batch: u64, vs: &[Version]) -> Result<()> {
        let packed = self.packed_sources;
        let tx = self.conn.transaction()?;
        for v in vs {
            let json = serde_json::to_string(&v.record).expect("records serialise");
            let source = stored_source(&tx, &v.record_id, packed)?;
            tx.prepare_cached("UPDATE versions SET record = ?1, batch = ?2 WHERE record_id = ?3 AND seq = ?4")?
                .execute(params![packed_record(&json, &source), batch, v.record_id, v.seq])?;
            link_version(&tx, &v.record_id, &v.record)?;
            if v.seq == 1 {
                // Re-derived: the dossier's dates and the historic stamps too;
                // review status and decisions stay.
                let d = review::dossier_of(&v.record_id, &v.label, &v.record);
                tx.prepare_cached(
                    "UPDATE dossier SET origin = ?1, series = ?2, message_id = ?3, fingerprint = ?4 WHERE record_id = ?5",
                )?
                .execute(params![d.origin, d.series, d.message_id, d.fingerprint, d.record_id])?;
                replace_historic(&tx, &v.record_id, &v.record)?;
            }
        }
        set_last_batch(&tx, batch)?;
        tx.commit()?;
        Ok(())
    }

    fn put_user(&mut self, u: &User) -> Result<()> {
        self.conn.execute(
            "INSERT INTO users (name, clearance, auths, role, disabled) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(name) DO UPDATE SET clearance = ?2, auths = ?3, role = ?4, disabled = ?5",
            params![u.name, u.clearance.as_str(), u.auths.join(","), u.role, u.disabled],
        )?;
        Ok(())
    }

    fn password_hash(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT phc FROM credentials WHERE name = ?1", [name], |r| r.get(0))
            .optional()?)
    }

    fn set_password_hash(&mut self, name: &str, phc: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO credentials (name, phc) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET phc = ?2",
            params![name, phc],
        )?;
        Ok(())
    }

    fn create_session(&mut self, token_hash: &str, user: &str, now: u64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sessions (token_hash, user, created, last_seen) VALUES (?1, ?2, ?3, ?3)",
            params![token_hash, user, now],
        )?;
        Ok(())
    }

    fn session_user(&mut self, token_hash: &str, now: u64, idle_secs: u64, max_secs: u64) -> Result<Option<String>> {
        let row: Option<(String, u64, u64)> = self
            .conn
            .query_row(
                "SELECT user, created, last_seen FROM sessions WHERE token_hash = ?1",
                [token_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((user, created, last_seen)) = row else {
            return Ok(None);
        };
        if now.saturating_sub(last_seen) > idle_secs || now.saturating_sub(created) > max_secs {
            self.delete_session(token_hash)?;
            return Ok(None);
        }
        self.conn.execute(
            "UPDATE sessions SET last_seen = ?1 WHERE token_hash = ?2",
            params![now, token_hash],
        )?;
        Ok(Some(user))
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    fn delete_sessions_of(&mut self, user: &str) -> Result<()> {
        self.conn.execute("DELETE FROM sessions WHERE user = ?1", [user])?;
        Ok(())
    }

    fn sign_in_failures(&self, name: &str) -> Result<(u32, u64)> {
        Ok(self
            .conn
            .query_row(
                "SELECT failures, last FROM sign_in_failures WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, 0)))
    }

    fn add_sign_in_failure(&mut self, name: &str, now: u64, forget_before: u64) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM sign_in_failures WHERE last < ?1", [forget_before])?;
        tx.execute(
            "INSERT INTO sign_in_failures (name, failures, last) VALUES (?1, 1, ?2)
             ON CONFLICT(name) DO UPDATE SET failures = failures + 1, last = ?2",
            params![name, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn clear_sign_in_failures(&mut self, name: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sign_in_failures WHERE name = ?1", [name])?;
        Ok(())
    }

    fn user(&self, name: &str) -> Result<Option<User>> {
        let row: Option<(String, String, String, String, bool)> = self
            .conn
            .query_row(
                "SELECT name, clearance, auths, role, disabled FROM users WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        row.map(|(name, clearance, auths, role, disabled)| {
            Ok(User {
                clearance: Level::parse(&clearance)
                    .ok_or_else(|| StoreError::Corrupt(format!("user {name}: clearance {clearance:?}")))?,
                auths: auths.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect(),
                name,
                role,
                disabled,
            })
        })
        .transpose()
    }

    fn audit(&mut self, actor: &str, action: &str, object: &str, detail: &str, outcome: &str) -> Result<()> {
        // Reads are audited on the read path: an fsync per read would cost
        // every classified search several milliseconds. In WAL mode with
        // NORMAL sync an entry survives a crash of the process at once and
        // a power loss from the next checkpoint; batches keep FULL.
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let r = self.audit_tx(actor, action, object, detail, outcome);
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        r
    }

    fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        self.audit_entries_impl()
    }
    fn dossier(&self, id: &str) -> Result<Option<Dossier>> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {DOSSIER_COLS} FROM dossier WHERE record_id = ?1"),
                [id],
                dossier_row,
            )
            .optional()?;
        row.map(to_dossier).transpose()
    }

    fn dossier_labels(&self) -> Result<Vec<Label>> {
        let mut st = self.conn.prepare_cached("SELECT DISTINCT label FROM dossier")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for l in rows {
            let l = l?;
            out.push(Label::parse(&l).ok_or_else(|| StoreError::Corrupt(format!("bad label {l:?} in dossier")))?);
        }
        Ok(out)
    }

    fn queue(&self, q: &QueueQuery, f: &mut dyn FnMut(Dossier) -> Result<bool>) -> Result<()> {
        let (filter, args) = queue_filter(q);
        let mut st = self.conn.prepare(&format!(
            "SELECT {DOSSIER_COLS} FROM dossier WHERE {filter} ORDER BY {QUEUE_ORDER}"
        ))?;
        let rows = st.query_map(rusqlite::params_from_iter(args.iter()), dossier_row)?;
        for r in rows {
            if !f(to_dossier(r?)?)? {
                break;
            }
        }
        Ok(())
    }

    fn queue_page(&self, q: &QueueQuery, offset: usize, limit: usize) -> Result<(usize, Vec<Dossier>)> {
        let (filter, args) = queue_filter(q);
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM dossier WHERE {filter}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let mut st = self.conn.prepare(&format!(
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

    fn assign(&mut self, record_id: &str, assignee: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE dossier SET assignee = ?1 WHERE record_id = ?2",
            params![assignee, record_id],
        )?;
        Ok(())
    }

    fn duplicates(&self, fingerprint: &str) -> Result<Vec<String>> {
        if fingerprint.is_empty() {
            return Ok(vec![]);
        }
        let mut st = self
            .conn
            .prepare_cached("SELECT record_id FROM dossier WHERE fingerprint = ?1 ORDER BY record_id")?;
        let rows = st.query_map([fingerprint], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn propose(&mut self, record_id: &str, actor: &str, body: &str, audit: &AuditNote) -> Result<u64> {
        let tx = self.conn.transaction()?;
        let r = tx.execute(
            "INSERT INTO review_events (record_id, state, actor, created, body) VALUES (?1, 'proposed', ?2, ?3, ?4)",
            params![record_id, actor, now(), body],
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
        append_note(&tx, audit, &format!("{}#{id}", audit.object))?;
        tx.commit()?;
        Ok(id)
    }

    fn event(&self, id: u64) -> Result<Option<EventRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {EVENT_COLS} FROM review_events WHERE id = ?1"),
                [id],
                event_row,
            )
            .optional()?)
    }

    fn events_of(&self, record_id: &str) -> Result<Vec<EventRow>> {
        let mut st = self.conn.prepare_cached(&format!(
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
        let mut st = self.conn.prepare(&format!(
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

    fn settle(&mut self, s: &Settle) -> Result<bool> {
        let packed = self.packed_sources;
        let tx = self.conn.transaction()?;
        let ts = now();
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
        if let Some((batch, v)) = &s.publish {
            let seq: u64 = tx.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE record_id = ?1",
                [&record_id],
                |r| r.get(0),
            )?;
            let json = serde_json::to_string(&v.record).expect("records serialise");
            let source = stored_source(&tx, &record_id, packed)?;
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
            link_version(&tx, &record_id, &v.record)?;
            // The index learns of the release from the journal, so a crash
            // after this commit still reaches it on the next open.
            tx.execute(
                "INSERT OR IGNORE INTO index_journal (record_id) VALUES (?1)",
                [&record_id],
            )?;
            set_last_batch(&tx, *batch)?;
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
        append_note(&tx, &s.audit, &s.audit.object)?;
        tx.commit()?;
        Ok(true)
    }

    fn referrals(&self, record_id: Option<&str>) -> Result<Vec<Referral>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {REFERRAL_COLS} FROM referrals WHERE ?1 IS NULL OR record_id = ?1 ORDER BY due, id"
        ))?;
        let rows = st.query_map([record_id], referral_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn referral(&self, id: u64) -> Result<Option<Referral>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {REFERRAL_COLS} FROM referrals WHERE id = ?1"),
                [id],
                referral_row,
            )
            .optional()?)
    }

    fn answer_referral(&mut self, id: u64, by: &str, response: &str, comment: &str, audit: &AuditNote) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE referrals SET answered = ?1, answered_by = ?2, response = ?3, comment = ?4 WHERE id = ?5 AND answered IS NULL",
            params![now(), by, response, comment, id],
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
        append_note(&tx, audit, &audit.object)?;
        tx.commit()?;
        Ok(true)
    }

    fn journal(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT record_id FROM index_journal ORDER BY record_id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn clear_journal(&mut self, record_id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM index_journal WHERE record_id = ?1", [record_id])?;
        Ok(())
    }
}

impl SqliteStore {
    fn audit_tx(&mut self, actor: &str, action: &str, object: &str, detail: &str, outcome: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        append_audit(&tx, actor, action, object, detail, outcome)?;
        tx.commit()?;
        Ok(())
    }

    fn audit_entries_impl(&self) -> Result<Vec<AuditEntry>> {
        let mut st = self.conn.prepare(
            "SELECT seq, ts, actor, action, object, detail, outcome, prev_hash, hash FROM audit ORDER BY seq",
        )?;
        let rows = st.query_map([], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                ts: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                object: r.get(4)?,
                detail: r.get(5)?,
                outcome: r.get(6)?,
                prev_hash: r.get(7)?,
                hash: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

const DOSSIER_COLS: &str = "record_id, origin, label, series, message_id, fingerprint, status, next_review, assignee";

/// Undated records last; then by the date they fell due.
const QUEUE_ORDER: &str = "COALESCE(next_review, origin) IS NULL, COALESCE(next_review, origin), record_id";

/// The WHERE clause of a queue query and its arguments. The reviewer's
/// visible labels are part of the query, so nothing else is counted.
fn queue_filter(q: &QueueQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut args: Vec<Value> = Vec::new();
    let mut arg = |v: Value| {
        args.push(v);
        format!("?{}", args.len())
    };
    let mut w: Vec<String> = Vec::new();
    match q.state.as_str() {
        "pending" => w.push("status = 'pending'".into()),
        "referred" => w.push("status = 'referred'".into()),
        "mine" => w.push(format!(
            "assignee = {} AND status != 'released'",
            arg(Value::Text(q.assignee.clone().unwrap_or_default()))
        )),
        "all" => {}
        // Undated records count as due: nothing shows they are younger
        // than the cutoff, and falling due only puts them before a reviewer.
        _ => {
            let today = arg(Value::Text(q.today.clone()));
            let cutoff = arg(Value::Text(q.cutoff.clone()));
            w.push(format!(
                "status NOT IN ('released', 'pending', 'referred') AND \
                 ((next_review IS NOT NULL AND next_review <= {today}) OR \
                  (next_review IS NULL AND (origin IS NULL OR origin <= {cutoff})))"
            ));
        }
    }
    let labels: Vec<String> = q.labels.iter().map(|l| arg(Value::Text(l.clone()))).collect();
    w.push(if labels.is_empty() {
        "0".into()
    } else {
        format!("label IN ({})", labels.join(", "))
    });
    if let Some(l) = q.level {
        w.push(format!("level = {}", arg(Value::Integer(review::level_rank(l)))));
    }
    if let Some(s) = &q.series {
        w.push(format!("series = {}", arg(Value::Text(s.clone()))));
    }
    if let Some(y) = q.from_year {
        w.push(format!("origin >= {}", arg(Value::Text(format!("{y:04}")))));
    }
    if let Some(y) = q.to_year {
        w.push(format!("origin < {}", arg(Value::Text(format!("{:04}", y + 1)))));
    }
    if let Some(a) = &q.agency {
        w.push(format!(
            "record_id IN (SELECT record_id FROM referrals WHERE agency = {})",
            arg(Value::Text(a.clone()))
        ));
    }
    (w.join(" AND "), args)
}

type DossierRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn dossier_row(r: &rusqlite::Row) -> rusqlite::Result<DossierRow> {
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

fn to_dossier(
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

const REFERRAL_COLS: &str = "id, event_id, record_id, agency, sent, due, answered, answered_by, response, comment";

fn referral_row(r: &rusqlite::Row) -> rusqlite::Result<Referral> {
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

const EVENT_COLS: &str = "id, record_id, state, actor, decider, created, decided, body, note";

fn event_row(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
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
    fn backfill_dossiers(&mut self) -> Result<()> {
        let have: i64 = self.conn.query_row("SELECT count(*) FROM dossier", [], |r| r.get(0))?;
        let records: i64 = self.conn.query_row("SELECT count(*) FROM records", [], |r| r.get(0))?;
        if have > 0 || records == 0 {
            return Ok(());
        }
        let mut firsts = Vec::new();
        self.all_versions(&mut |v| {
            if v.seq == 1 {
                firsts.push(v);
            }
            Ok(())
        })?;
        let tx = self.conn.transaction()?;
        for v in &firsts {
            put_dossier(&tx, &review::dossier_of(&v.record_id, &v.label, &v.record))?;
            replace_historic(&tx, &v.record_id, &v.record)?;
        }
        tx.execute(
            "UPDATE dossier SET status = 'released' WHERE record_id IN
             (SELECT record_id FROM versions WHERE label = 'UNCLASSIFIED' AND kind != 'redacted')",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Checks the audit chain: the first entry whose hash or link is wrong.
pub fn verify_audit(entries: &[AuditEntry]) -> std::result::Result<usize, (u64, String)> {
    let mut prev = String::new();
    for e in entries {
        if e.prev_hash != prev {
            return Err((e.seq, "link to the previous entry is broken".into()));
        }
        let h = audit_hash(
            &e.prev_hash,
            &e.ts,
            &e.actor,
            &e.action,
            &e.object,
            &e.detail,
            &e.outcome,
        );
        if h != e.hash {
            return Err((e.seq, "entry was altered".into()));
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, msg: &str, cites: &[&str]) -> NewRecord {
        let mut r = Record::new(format!("{id}.txt"));
        r.message_id = Some(msg.into());
        r.cites = cites.iter().map(|c| c.to_string()).collect();
        NewRecord {
            id: id.into(),
            source_path: format!("{id}.txt"),
            source: b"verbatim".to_vec(),
            versions: vec![NewVersion {
                kind: VersionKind::Original,
                label: Label::parse("SECRET/NODIS").unwrap(),
                record: r,
            }],
        }
    }

    #[test]
    fn batches_store_records_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        assert_eq!(s.last_batch().unwrap(), 0);
        s.commit_batch(
            1,
            &[rec("a", "POLTO 1", &[]), rec("b", "TOPOL 2", &["POLTO 1"])],
            &mut || Ok(()),
        )
        .unwrap();
        assert_eq!(s.last_batch().unwrap(), 1);
        assert!(s.has_record("a").unwrap());
        assert_eq!(s.records_with_message("POLTO 1").unwrap(), vec!["a"]);
        assert_eq!(s.records_citing("POLTO 1").unwrap(), vec!["b"]);
        let v = s.versions("b").unwrap();
        assert_eq!(v[0].label.to_string(), "SECRET/NODIS");
        assert_eq!(s.source("a").unwrap().unwrap().1, b"verbatim");
    }

    /// Regression (issue 22): an unknown kind string was read as
    /// `Original`, and a visible original opens the verbatim source.
    #[test]
    fn an_unknown_version_kind_fails_closed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        s.commit_batch(1, &[rec("a", "POLTO 1", &[])], &mut || Ok(())).unwrap();
        s.conn.execute("UPDATE versions SET kind = 'Redacted '", []).unwrap();
        let e = s.versions("a").unwrap_err();
        assert!(
            matches!(e, StoreError::Corrupt(ref m) if m.contains("unknown version kind")),
            "{e}"
        );
    }

    /// Archives made before messages and cites lost their rowids, and
    /// before the assignee index went partial, keep their tables and work
    /// the same.
    #[test]
    fn archives_with_the_earlier_schema_work_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE messages; DROP TABLE cites; DROP INDEX dossier_assignee;
             CREATE TABLE messages (message_id TEXT NOT NULL, record_id TEXT NOT NULL, PRIMARY KEY (message_id, record_id));
             CREATE TABLE cites (message_id TEXT NOT NULL, record_id TEXT NOT NULL, PRIMARY KEY (message_id, record_id));
             CREATE INDEX dossier_assignee ON dossier (assignee);",
        )
        .unwrap();
        drop(conn);
        let mut s = SqliteStore::open(&path).unwrap();
        let rowid_tables: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name IN ('messages', 'cites') AND sql NOT LIKE '%WITHOUT ROWID%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rowid_tables, 2, "opening keeps an archive's tables");
        s.commit_batch(
            1,
            &[rec("a", "POLTO 1", &[]), rec("b", "TOPOL 2", &["POLTO 1"])],
            &mut || Ok(()),
        )
        .unwrap();
        assert_eq!(s.records_with_message("POLTO 1").unwrap(), vec!["a"]);
        assert_eq!(s.records_citing("POLTO 1").unwrap(), vec!["b"]);
        s.assign("b", Some("ann")).unwrap();
        let mine = QueueQuery {
            state: "mine".into(),
            labels: vec!["SECRET/NODIS".into()],
            assignee: Some("ann".into()),
            ..Default::default()
        };
        let (n, page) = s.queue_page(&mine, 0, 10).unwrap();
        assert_eq!((n, page[0].record_id.as_str()), (1, "b"));
    }

    /// A record with a body that repeats its source, as parsed ones do.
    fn rec_with_source(id: &str, source: &[u8]) -> NewRecord {
        let mut r = rec(id, "POLTO 9", &[]);
        r.source = source.to_vec();
        r.versions[0].record.body = String::from_utf8_lossy(source).into_owned();
        r
    }

    #[test]
    fn records_are_compressed_against_their_source_and_older_frames_still_read() {
        // Words that do not repeat much: the body compresses poorly alone.
        let text: String = (0..300u64).map(|i| format!("w{} ", i * 7919 % 100_003)).collect();
        let magic = [&ZSTD_DICT_MAGIC[..], text.as_bytes()].concat();
        for codec in ["zstd", "raw"] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.db");
            if codec == "raw" {
                // An archive from before sources were compressed.
                let conn = Connection::open(&path).unwrap();
                conn.execute_batch(SCHEMA).unwrap();
                conn.execute("INSERT INTO meta (key, value) VALUES ('source_codec', 'raw')", [])
                    .unwrap();
            }
            let mut s = SqliteStore::open(&path).unwrap();
            assert_eq!(s.packed_sources, codec == "zstd");
            let rs = [
                rec_with_source("a", text.as_bytes()),
                rec_with_source("m", &magic),
                rec_with_source("t", b"tiny"),
            ];
            s.commit_batch(1, &rs, &mut || Ok(())).unwrap();
            let blob = |id: &str| -> Vec<u8> {
                s.conn
                    .query_row("SELECT record FROM versions WHERE record_id = ?1", [id], |x| x.get(0))
                    .unwrap()
            };
            let json = serde_json::to_string(&rs[0].versions[0].record).unwrap();
            let against = blob("a");
            assert_eq!(against[0], AGAINST_SOURCE);
            assert!(
                against.len() * 2 < pack(json.as_bytes()).len(),
                "{} bytes",
                against.len()
            );
            // A source zstd would take for a formatted dictionary, and one
            // too short to be any: plain frames.
            assert!(zstd::zstd_safe::get_frame_content_size(&blob("m")).is_ok());
            assert!(zstd::zstd_safe::get_frame_content_size(&blob("t")).is_ok());
            // A plain frame, as archives wrote before, reads the same.
            s.conn
                .execute(
                    "UPDATE versions SET record = ?1 WHERE record_id = 'a'",
                    [pack(json.as_bytes())],
                )
                .unwrap();
            for r in &rs {
                let vs = s.versions(&r.id).unwrap();
                assert_eq!(vs[0].record, r.versions[0].record, "{codec} {}", r.id);
                assert_eq!(
                    s.version_body(&r.id, 1).unwrap().as_deref(),
                    Some(r.versions[0].record.body.as_str())
                );
            }
            let mut n = 0;
            s.all_versions(&mut |_| {
                n += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(n, 3);
        }
    }

    #[test]
    fn identical_versions_share_their_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let mut r = rec("a", "POLTO 1", &["TOPOL 2"]);
        let mut released = r.versions[0].clone();
        released.kind = VersionKind::Released;
        released.label = Label::unclassified();
        r.versions.push(released);
        s.commit_batch(1, &[r.clone(), rec("b", "POLTO 3", &[])], &mut || Ok(()))
            .unwrap();
        let stored: String = s
            .conn
            .query_row(
                "SELECT record FROM versions WHERE record_id = 'a' AND seq = 2",
                [],
                |x| x.get(0),
            )
            .unwrap();
        assert_eq!(stored, SAME_AS_FIRST);
        let vs = s.versions("a").unwrap();
        assert_eq!(vs[1].record, r.versions[0].record);
        assert_eq!(vs[1].kind, VersionKind::Released);
        let mut all = Vec::new();
        s.all_versions(&mut |v| {
            all.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].record.message_id.as_deref(), Some("POLTO 1"));
    }

    #[test]
    fn a_failed_batch_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        s.commit_batch(1, &[rec("a", "POLTO 1", &[])], &mut || Ok(())).unwrap();
        // A duplicate id fails the whole batch.
        assert!(s
            .commit_batch(2, &[rec("b", "POLTO 2", &[]), rec("a", "POLTO 1", &[])], &mut || Ok(()))
            .is_err());
        assert_eq!(s.last_batch().unwrap(), 1);
        assert!(!s.has_record("b").unwrap());
    }

    #[test]
    fn audit_chain_detects_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let mut s = SqliteStore::open(&path).unwrap();
        for i in 0..3 {
            s.audit("ann", "read", &format!("rec{i}"), "q=cuba", "ok").unwrap();
        }
        assert_eq!(verify_audit(&s.audit_entries().unwrap()), Ok(3));
        s.conn
            .execute("UPDATE audit SET object = 'other' WHERE seq = 2", [])
            .unwrap();
        assert_eq!(verify_audit(&s.audit_entries().unwrap()).unwrap_err().0, 2);
    }

    #[test]
    fn sessions_expire_when_idle_or_old_and_end_with_their_user() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        s.create_session("h1", "ann", 1000).unwrap();
        assert_eq!(s.session_user("h1", 1100, 600, 3600).unwrap().as_deref(), Some("ann"));
        // Idle for more than 600 s.
        assert_eq!(s.session_user("h1", 1800, 600, 3600).unwrap(), None);
        s.create_session("h2", "ann", 1000).unwrap();
        for t in (1500..4500).step_by(500) {
            let alive = s.session_user("h2", t, 600, 3600).unwrap().is_some();
            assert_eq!(alive, t - 1000 <= 3600, "at {t}");
        }
        s.create_session("h3", "bob", 1000).unwrap();
        s.delete_sessions_of("bob").unwrap();
        assert_eq!(s.session_user("h3", 1001, 600, 3600).unwrap(), None);
    }

    #[test]
    fn one_proposal_at_a_time_settles_once_and_publishes_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let mut r = rec("a", "POLTO 1", &[]);
        r.versions[0].record.date = Some("1962-10".into());
        r.versions[0].record.reviews = vec![airgram_model::Review {
            date: Some("1983".into()),
            office: Some("IN/CDR".into()),
            ..Default::default()
        }];
        s.commit_batch(1, &[r], &mut || Ok(())).unwrap();
        let d = s.dossier("a").unwrap().unwrap();
        assert_eq!((d.origin.as_deref(), d.status.as_str()), (Some("1962-10-01"), "open"));
        assert_eq!(s.events_of("a").unwrap()[0].state, "historic");
        let note = |who: &str, action: &str| AuditNote::new(who, action, "a", "");
        let e = s.propose("a", "ann", "{}", &note("ann", "review.propose")).unwrap();
        assert!(matches!(
            s.propose("a", "bob", "{}", &note("bob", "review.propose")),
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(s.dossier("a").unwrap().unwrap().status, "pending");
        let mut released = s.versions("a").unwrap()[0].record.clone();
        released.body = "[1 line not declassified]".into();
        let settle = Settle {
            event_id: e,
            state: "approved".into(),
            decider: "bob".into(),
            note: String::new(),
            publish: Some((
                2,
                NewVersion {
                    kind: VersionKind::Redacted,
                    label: Label::unclassified(),
                    record: released,
                },
            )),
            status: "partial".into(),
            next_review: Some("2030-01-01".into()),
            referrals: vec![("CIA".into(), "2027-01-01".into())],
            audit: note("bob", "review.approve"),
        };
        assert!(s.settle(&settle).unwrap());
        assert!(!s.settle(&settle).unwrap(), "a settled proposal stays settled");
        assert_eq!(s.versions("a").unwrap().len(), 2);
        assert_eq!(s.last_batch().unwrap(), 2);
        assert_eq!(s.journal().unwrap(), vec!["a"]);
        let refs = s.referrals(Some("a")).unwrap();
        assert_eq!(refs.len(), 1);
        let answer = note("bob", "review.answer");
        assert!(s.answer_referral(refs[0].id, "bob", "concur", "", &answer).unwrap());
        assert!(!s.answer_referral(refs[0].id, "bob", "concur", "", &answer).unwrap());
        // A new proposal may open once the first is settled.
        assert!(s.propose("a", "bob", "{}", &note("bob", "review.propose")).is_ok());
        // Each action that took effect wrote its entry in its own
        // transaction, and none that did not.
        let actions: Vec<String> = s.audit_entries().unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(
            actions,
            ["review.propose", "review.approve", "review.answer", "review.propose"]
        );
        assert_eq!(s.audit_entries().unwrap()[0].object, format!("a#{e}"));
        // Settled events cannot be rewritten or removed, even by hand.
        for sql in [
            format!("UPDATE review_events SET state = 'returned' WHERE id = {e}"),
            format!("UPDATE review_events SET body = '{{}}x' WHERE id = {e}"),
            format!("DELETE FROM review_events WHERE id = {e}"),
        ] {
            let err = s.conn.execute(&sql, []).unwrap_err().to_string();
            assert!(err.contains("immutable"), "{sql}: {err}");
        }
    }

    #[test]
    fn users_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let u = User {
            name: "ann".into(),
            clearance: Level::Secret,
            auths: vec!["NOFORN".into()],
            role: "reader".into(),
            disabled: false,
        };
        s.put_user(&u).unwrap();
        assert_eq!(s.user("ann").unwrap(), Some(u));
        assert_eq!(s.user("bob").unwrap(), None);
    }
}
