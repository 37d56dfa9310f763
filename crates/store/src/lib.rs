//! Durable storage: verbatim sources, record versions with their labels,
//! users, review, the hash-chained audit log and the change log.
//!
//! [`Store`] is what the archive uses, split by concept ([`Records`],
//! [`Accounts`], [`AuditLog`], [`ReviewStore`], [`ChangeLog`]); every
//! method takes `&self`, so one store serves many threads at once.
//! [`SqliteStore`] (in `sqlite/`) is the embedded default: one file,
//! nothing to install. [`conformance`] is the behaviour every store must
//! have, run against each.
//!
//! Invariants: the source is stored verbatim and never rewritten; versions
//! are derived from it and may be replaced by `reindex`. Every write that
//! changes what a reader may get appends to the change log in its own
//! transaction, and every number a write hands out (batch, version, audit
//! entry, log position) is taken inside that transaction, under the
//! store's own concurrency control.

pub mod conformance;
pub mod messages;
mod names;
pub mod postgres;
pub mod review;
pub mod sqlite;
#[cfg(any(test, feature = "test-db"))]
pub mod test_db;

pub use messages::{Messages, NumberEntry, StoredMessage};
pub use names::{EventState, Role, Status};
pub use postgres::PgStore;
pub use review::{fingerprint, Dossier, EventRow, QueueQuery, Referral, Settle};
pub use sqlite::SqliteStore;

use airgram_access::{Label, Level, VersionKind};
use airgram_model::Record;
use sha2::{Digest, Sha256};

/// What went wrong in a store, whatever the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The database cannot be reached or stays locked: try again later.
    /// The message names the database.
    Unavailable(String),
    /// The backend failed otherwise (its own message).
    Backend(String),
    Corrupt(String),
    /// Another action got there first (e.g. a second open proposal).
    Conflict(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unavailable(m) => write!(f, "store unavailable: {m}"),
            StoreError::Backend(m) => write!(f, "store: {m}"),
            StoreError::Corrupt(m) => write!(f, "store is inconsistent: {m}"),
            StoreError::Conflict(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for StoreError {}

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
    pub role: Role,
    pub disabled: bool,
}

/// The row a store keeps a user in: clearance by name, authorizations
/// comma-separated.
pub(crate) type UserRow = (String, String, String, String, bool);

impl User {
    /// A user as stored; a clearance the store should not hold is `Corrupt`.
    pub(crate) fn from_row((name, clearance, auths, role, disabled): UserRow) -> Result<User> {
        Ok(User {
            clearance: Level::parse(&clearance)
                .ok_or_else(|| StoreError::Corrupt(format!("user {name}: clearance {clearance:?}")))?,
            auths: auths.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect(),
            role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("user {name}: role {role:?}")))?,
            name,
            disabled,
        })
    }
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

/// A version without its record: enough to decide who gets it
/// (`airgram_access::choose_version`), cheap enough to ask per search hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRef {
    pub seq: u64,
    pub kind: VersionKind,
    pub label: Label,
}

impl airgram_access::Versioned for VersionRef {
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

/// Where a write landed: the batch it was numbered as, and its position
/// in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub batch: u64,
    pub pos: u64,
}

/// One entry of the change log: what a write changed, so that every
/// process deriving something from the store (a search index) can follow.
/// It names what changed, never the new state: a follower re-reads that
/// from the store, so applying an entry twice, or late, is harmless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Records ingested in this batch.
    Batch(u64),
    /// One record's versions (a release published, a relabel).
    Record(String),
    /// Every record whose id is in this range, both ends included (one
    /// chunk of a reindex).
    Range(String, String),
    /// A user's clearance, role or standing.
    User(String),
}

impl Change {
    /// The stored form: a kind and up to two arguments.
    pub fn encode(&self) -> (&'static str, String, String) {
        match self {
            Change::Batch(b) => ("batch", b.to_string(), String::new()),
            Change::Record(id) => ("record", id.clone(), String::new()),
            Change::Range(a, b) => ("range", a.clone(), b.clone()),
            Change::User(n) => ("user", n.clone(), String::new()),
        }
    }

    pub fn decode(kind: &str, a: String, b: String) -> Option<Change> {
        Some(match kind {
            "batch" => Change::Batch(a.parse().ok()?),
            "record" => Change::Record(a),
            "range" => Change::Range(a, b),
            "user" => Change::User(a),
            _ => return None,
        })
    }
}

/// Seconds since 1970, as the store stamps what it writes. Injected, so
/// that tests can move time and every node of a deployment can share one.
pub trait Clock: Send + Sync {
    fn now(&self) -> u64;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that stands still until moved (for tests).
#[derive(Debug, Default)]
pub struct FixedClock(pub std::sync::atomic::AtomicU64);

impl FixedClock {
    pub fn at(secs: u64) -> FixedClock {
        FixedClock(secs.into())
    }
    pub fn set(&self, secs: u64) {
        self.0.store(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Sources, versions and the links of the cite graph.
pub trait Records {
    /// The last batch committed (0 for an empty archive).
    fn last_batch(&self) -> Result<u64>;
    fn has_record(&self, id: &str) -> Result<bool>;
    /// A reader of its own for [`Records::has_record`], usable on another
    /// thread while this store commits (it sees committed batches only).
    fn presence(&self) -> Result<Box<dyn Presence>>;
    /// Stores records and their versions as the next batch, and logs it,
    /// atomically: the batch number and log position are taken inside the
    /// transaction.
    fn commit_batch(&self, records: &[NewRecord]) -> Result<Committed>;
    fn versions(&self, id: &str) -> Result<Vec<Version>>;
    /// A record's versions without their records, in order.
    fn version_refs(&self, id: &str) -> Result<Vec<VersionRef>>;
    /// The body of one version (for search snippets: cheaper than
    /// reading the whole record).
    fn version_body(&self, id: &str, seq: u64) -> Result<Option<String>>;
    /// [`Records::version_refs`] of several records, in the order asked: a
    /// search page's checks in one round trip where the store is remote.
    fn version_refs_of(&self, ids: &[String]) -> Result<Vec<Vec<VersionRef>>> {
        ids.iter().map(|id| self.version_refs(id)).collect()
    }
    /// [`Records::version_body`] of several versions, in the order asked
    /// (a search page's snippets).
    fn version_bodies(&self, keys: &[(String, u64)]) -> Result<Vec<Option<String>>> {
        keys.iter().map(|(id, seq)| self.version_body(id, *seq)).collect()
    }
    /// Source path and verbatim bytes.
    fn source(&self, id: &str) -> Result<Option<(String, Vec<u8>)>>;
    /// Records whose versions carry `message_id`.
    fn records_with_message(&self, message_id: &str) -> Result<Vec<String>>;
    /// Records some version of which cites `message_id`.
    fn records_citing(&self, message_id: &str) -> Result<Vec<String>>;
    fn record_ids(&self) -> Result<Vec<String>>;
    /// The records ingested in `batch`.
    fn records_of_batch(&self, batch: u64) -> Result<Vec<String>>;
    /// The records with ids from `first` to `last`, both included.
    fn records_between(&self, first: &str, last: &str) -> Result<Vec<String>>;
    /// Every version of the first `limit` records after `after` (all, from
    /// the start, for `None`), in record and version order: a page of a
    /// walk over the archive that never holds it all.
    fn versions_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<Version>>;
    /// Replaces re-derived versions' records (after a parser upgrade), in
    /// one transaction, as a batch of its own, and logs the range of
    /// records touched.
    fn update_versions(&self, vs: &[Version]) -> Result<Committed>;
}

/// Whether records exist, asked from another thread than the store's.
pub trait Presence: Send {
    fn has_record(&mut self, id: &str) -> Result<bool>;
}

/// Users, passwords, sessions and the per-name sign-in throttle.
pub trait Accounts {
    /// Creates or changes a user, and logs the change.
    fn put_user(&self, u: &User) -> Result<()>;
    fn user(&self, name: &str) -> Result<Option<User>>;
    /// A user's password hash (PHC string), if one is set.
    fn password_hash(&self, name: &str) -> Result<Option<String>>;
    fn set_password_hash(&self, name: &str, phc: &str) -> Result<()>;
    /// Stores a session under the hash of its token.
    fn create_session(&self, token_hash: &str, user: &str, now: u64) -> Result<()>;
    /// The user of a live session, touching its idle clock; expired
    /// sessions are removed.
    fn session_user(&self, token_hash: &str, now: u64, idle_secs: u64, max_secs: u64) -> Result<Option<String>>;
    fn delete_session(&self, token_hash: &str) -> Result<()>;
    fn delete_sessions_of(&self, user: &str) -> Result<()>;
    /// Consecutive failed sign-ins under `name` (known or not) and when
    /// the last was, in seconds since 1970.
    fn sign_in_failures(&self, name: &str) -> Result<(u32, u64)>;
    /// Counts one more failed sign-in under `name`, and forgets names
    /// whose last failure is older than `forget_before`.
    fn add_sign_in_failure(&self, name: &str, now: u64, forget_before: u64) -> Result<()>;
    /// Forgets the failures under `name` (a sign-in, or an unlock).
    fn clear_sign_in_failures(&self, name: &str) -> Result<()>;
}

/// The audit log: one hash chain in one total order.
pub trait AuditLog {
    /// Appends an entry (the next in the chain, taken in the write's own
    /// transaction).
    fn audit(&self, actor: &str, action: &str, object: &str, detail: &str, outcome: &str) -> Result<()>;
    fn audit_entries(&self) -> Result<Vec<AuditEntry>>;
}

/// What review keeps (see [`review`]).
pub trait ReviewStore {
    fn dossier(&self, id: &str) -> Result<Option<Dossier>>;
    /// The distinct labels of originals (to decide which a reviewer sees).
    fn dossier_labels(&self) -> Result<Vec<Label>>;
    /// How many the query lists, and one page of them, in due order.
    fn queue_page(&self, q: &QueueQuery, offset: usize, limit: usize) -> Result<(usize, Vec<Dossier>)>;
    /// Assigns a record to a reviewer (or clears the assignment).
    fn assign(&self, record_id: &str, assignee: Option<&str>) -> Result<()>;
    /// Records with the same fingerprint (duplicate texts).
    fn duplicates(&self, fingerprint: &str) -> Result<Vec<String>>;
    /// Opens a proposal, audited in the same transaction (the entry's
    /// object gets `#<event>`, the event opened); [`StoreError::Conflict`]
    /// if the record has one open.
    fn propose(&self, record_id: &str, actor: &str, body: &str, audit: &AuditNote) -> Result<u64>;
    fn event(&self, id: u64) -> Result<Option<EventRow>>;
    fn events_of(&self, record_id: &str) -> Result<Vec<EventRow>>;
    /// Every event (historic stamps too, if asked) with its record's
    /// original label, oldest first (for reports).
    fn all_events(&self, historic: bool) -> Result<Vec<(EventRow, Label)>>;
    /// Approves or returns an open proposal, publishing its release (as a
    /// batch of its own, logged), opening its referrals and writing its
    /// audit entry, atomically. False (and nothing written) if it was no
    /// longer open.
    fn settle(&self, s: &Settle) -> Result<bool>;
    fn referrals(&self, record_id: Option<&str>) -> Result<Vec<Referral>>;
    fn referral(&self, id: u64) -> Result<Option<Referral>>;
    /// Records an agency's answer, audited in the same transaction. False
    /// (and nothing written) if already answered or unknown.
    fn answer_referral(&self, id: u64, by: &str, response: &str, comment: &str, audit: &AuditNote) -> Result<bool>;
}

/// The change log: every write that changes what a reader may get, in
/// commit order, numbered 1, 2, 3... with no gaps. A position is taken
/// under a lock held to commit, so an entry numbered earlier never
/// commits later, and a follower that has read up to `p` will never
/// find a new entry at or below `p`.
pub trait ChangeLog {
    /// The position of the last entry (0 when there is none).
    fn log_head(&self) -> Result<u64>;
    /// Up to `limit` entries after position `after`, in order.
    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Change)>>;
    /// Returns when an entry may have been logged since the last call, or
    /// after `timeout`. A store that can announce commits (PostgreSQL's
    /// LISTEN/NOTIFY) wakes its followers at once; this default only
    /// sleeps. Either way a follower reads the log after each return, so
    /// a lost announcement costs at most `timeout`.
    fn wait_for_change(&self, timeout: std::time::Duration) -> Result<()> {
        std::thread::sleep(timeout);
        Ok(())
    }
}

/// Copying one store into another as it is (`airgram migrate`): review
/// events, referrals and audit entries keep their numbers, stamps and
/// hashes, so the audit chain verifies in the copy and every audit entry
/// still names the event it recorded.
pub trait Migration {
    /// Every user, with their password hash if one is set.
    fn all_users(&self) -> Result<Vec<(User, Option<String>)>>;
    /// Every record's dossier, in record order.
    fn all_dossiers(&self) -> Result<Vec<Dossier>>;
    /// Writes review state as another store held it: the dossiers replace
    /// those of the same records, the events replace every event (the
    /// historic stamps ingest derived included), and the referrals are
    /// added, each with its id.
    fn import_review(&self, dossiers: &[Dossier], events: &[EventRow], referrals: &[Referral]) -> Result<()>;
    /// Appends another store's audit entries as they are, to an empty log.
    fn import_audit(&self, entries: &[AuditEntry]) -> Result<()>;
}

/// The archive's storage: all of it, shareable between threads.
pub trait Store: Records + Accounts + AuditLog + ReviewStore + ChangeLog + Migration + Messages + Send + Sync {
    /// What the store is, for messages: its backend and where it lives.
    fn describe(&self) -> String;
    /// The store's clock (seconds since 1970).
    fn now(&self) -> u64;
}

/// Stored in place of a version's record when it equals the first version's.
pub(crate) const SAME_AS_FIRST: &str = "=";

pub(crate) fn kind_str(k: VersionKind) -> &'static str {
    match k {
        VersionKind::Original => "original",
        VersionKind::Released => "released",
        VersionKind::Redacted => "redacted",
    }
}

/// A version kind as stored. An unknown one is an error, never a guess:
/// read as `Original`, a misread redacted version would open the verbatim
/// source and with it the excised text.
pub(crate) fn kind_parse(s: &str) -> Option<VersionKind> {
    match s {
        "original" => Some(VersionKind::Original),
        "released" => Some(VersionKind::Released),
        "redacted" => Some(VersionKind::Redacted),
        _ => None,
    }
}

/// A stored version's columns as text and numbers: record id, sequence,
/// kind, label, record JSON (or [`SAME_AS_FIRST`]) and batch.
pub(crate) type VersionRow = (String, u64, String, String, String, u64);

/// A stored row as a version, taking the record of `first` where the row
/// refers to it.
pub(crate) fn fill_same(mut row: VersionRow, first: Option<&Version>) -> Result<Version> {
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
