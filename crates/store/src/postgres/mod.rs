//! The shared store: one PostgreSQL database that several servers read
//! and write at once.
//!
//! Concurrency: every write is one READ COMMITTED transaction on a
//! connection of its own. A number a write hands out is taken inside it,
//! under a row lock held to commit: the change log position, the batch
//! and the audit sequence are rows of `counters` taken with `UPDATE ...
//! RETURNING` (a second writer waits for the first to commit or roll
//! back, then reads its value: numbers commit in order, with no gaps, as
//! a sequence would not); a release's version number is taken after
//! locking its record's row. Counters are always taken in the order
//! batch, log, audit, so two writers never wait on each other in a cycle.
//!
//! Connections come from a small pool of our own (one per thread at a
//! time; the `postgres` client is blocking). The SQL is here and in
//! `schema.sql`; `migrate.rs` brings a database to the current layout.
//! Each concept's methods are in the file named after it.

mod accounts;
mod audit;
mod messages;
mod migrate;
mod migration;
mod records;
mod review;

use crate::{Change, ChangeLog, Clock, Result, Store, StoreError, SystemClock};
use postgres::config::Host;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::FromSql;
use postgres::{Client, Config, GenericClient, NoTls, Row, Transaction};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct PgStore {
    config: Config,
    /// What the store is, for messages: backend, host, port and database
    /// (never the password).
    name: String,
    /// Idle connections (see [`PgStore::conn`]).
    idle: Mutex<Vec<Client>>,
    /// The connection that LISTENs for log entries (see
    /// [`ChangeLog::wait_for_change`]), made on first use.
    listener: Mutex<Option<Client>>,
    clock: Arc<dyn Clock>,
}

/// The channel every log entry is announced on, at its commit.
const CHANGES_CHANNEL: &str = "airgram_changes";

/// At most this many idle connections are kept (more may be open at a
/// burst; the rest close when returned).
const IDLE_CONNECTIONS: usize = 32;

/// How long to wait for the server to answer a new connection, unless the
/// URL says otherwise: an unreachable database is reported, not waited on.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether an error means the database cannot be reached (now): the
/// connection could not be made or was lost, or the server is shutting
/// down, starting up or out of connections.
fn is_unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let c = code.code();
        // Class 08: connection exception; 57: operator intervention
        // (admin_shutdown, crash_shutdown, cannot_connect_now...).
        return c.starts_with("08") || c.starts_with("57") || *code == SqlState::TOO_MANY_CONNECTIONS;
    }
    // Refused, reset, timed out: the client's own I/O failed.
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// An error's message with its causes (the client's own says only "db
/// error"; the server's message is its source).
fn error_text(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        if is_unreachable(&e) {
            StoreError::Unavailable(error_text(&e))
        } else {
            StoreError::Backend(error_text(&e))
        }
    }
}

/// A connection from the pool, returned to it when dropped (unless it
/// was lost).
pub(crate) struct Conn<'a> {
    client: Option<Client>,
    pool: &'a Mutex<Vec<Client>>,
    /// Taken from the pool rather than made: it may have been cut while
    /// it waited there (a server restart).
    pooled: bool,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("held until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(c) = self.client.take() else { return };
        if c.is_closed() {
            return;
        }
        let mut idle = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(c);
        }
    }
}

/// A stored number as the store hands it out. Negative is not a number
/// the store ever wrote.
pub(crate) fn get_u64(row: &Row, i: usize) -> Result<u64> {
    let v: i64 = get(row, i)?;
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{} is negative ({v})", column_name(row, i))))
}

/// A column's value, or `Corrupt` if it is not what the layout says.
pub(crate) fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T> {
    row.try_get(i)
        .map_err(|e| StoreError::Corrupt(format!("{}: {}", column_name(row, i), error_text(&e))))
}

fn column_name(row: &Row, i: usize) -> &str {
    row.columns().get(i).map(|c| c.name()).unwrap_or("?")
}

/// A number as PostgreSQL's BIGINT holds it (beyond its range, the
/// largest: no number the store hands out comes near).
pub(crate) fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PgStore {
    /// Opens the database at `url` (`postgres://USER@HOST:PORT/DB`),
    /// bringing it to the current layout.
    pub fn open(url: &str) -> Result<PgStore> {
        PgStore::open_with_clock(url, Arc::new(SystemClock))
    }

    pub fn open_with_clock(url: &str, clock: Arc<dyn Clock>) -> Result<PgStore> {
        // The parser's message never repeats the URL (and its password).
        let mut config = Config::from_str(url)
            .map_err(|e| StoreError::Backend(format!("bad PostgreSQL URL: {}", error_text(&e))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("airgram");
        }
        let s = PgStore {
            name: describe(&config),
            config,
            idle: Mutex::new(Vec::new()),
            listener: Mutex::new(None),
            clock,
        };
        migrate::to_current(&mut *s.conn()?).map_err(|e| s.named(e))?;
        Ok(s)
    }

    /// Names the database in a message that it cannot be reached.
    fn named(&self, e: StoreError) -> StoreError {
        named(&self.name, e)
    }

    /// A new connection, not from the pool.
    fn connect(&self) -> Result<Client> {
        connect(&self.config, &self.name)
    }

    /// A connection: an idle one from the pool, or a new one.
    pub(crate) fn conn(&self) -> Result<Conn<'_>> {
        let idle = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            std::iter::from_fn(|| idle.pop()).find(|c| !c.is_closed())
        };
        let pooled = idle.is_some();
        let client = match idle {
            Some(c) => c,
            None => self.connect()?,
        };
        Ok(Conn {
            client: Some(client),
            pool: &self.idle,
            pooled,
        })
    }

    /// A new connection; the idle ones are dropped, as they were made
    /// before whatever cut one of them and are likely cut too.
    fn reconnect(&self) -> Result<Conn<'_>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(Conn {
            client: Some(self.connect()?),
            pool: &self.idle,
            pooled: false,
        })
    }

    /// Runs `f` (reads, or one statement that may be repeated) on a
    /// connection. If an idle connection turns out to have been cut, `f`
    /// runs again once on a new one: the statement never reached a server.
    pub(crate) fn run<T>(&self, f: impl Fn(&mut Client) -> Result<T>) -> Result<T> {
        let mut c = self.conn()?;
        match f(&mut c) {
            Err(StoreError::Unavailable(_)) if c.pooled => {
                drop(c);
                f(&mut *self.reconnect()?).map_err(|e| self.named(e))
            }
            r => r.map_err(|e| self.named(e)),
        }
    }

    /// Runs `f` in a transaction and commits if it succeeds (dropping the
    /// transaction rolls it back). Only the BEGIN is tried again on a new
    /// connection: past it, what reached the server is not known.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Transaction) -> Result<T>) -> Result<T> {
        let mut c = self.conn()?;
        let pooled = c.pooled;
        let e = match c.transaction() {
            Ok(tx) => return run_in(tx, f).map_err(|e| self.named(e)),
            Err(e) => StoreError::from(e),
        };
        if !(pooled && matches!(e, StoreError::Unavailable(_))) {
            return Err(self.named(e));
        }
        drop(c);
        let mut c = self.reconnect()?;
        let tx = c.transaction().map_err(|e| self.named(e.into()))?;
        run_in(tx, f).map_err(|e| self.named(e))
    }

    /// Now, as an RFC 3339 UTC timestamp, by the store's clock.
    pub(crate) fn stamp(&self) -> String {
        airgram_model::calendar::rfc3339(self.clock.now())
    }

    pub fn count_versions(&self) -> Result<u64> {
        self.run(|c| get_u64(&c.query_one("SELECT count(*) FROM versions", &[])?, 0))
    }
}

/// The URL of another database on the same server: `url` with its
/// database replaced by `db`, user, host and parameters kept.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let rest = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[rest..].find('/').map(|i| rest + i).unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..host_end])
}

/// Names the database (`name`) in a message that it cannot be reached.
pub(crate) fn named(name: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(m) => StoreError::Unavailable(format!("{name}: {m}")),
        other => other,
    }
}

/// A new connection to the database `config` names (`name`, for messages).
fn connect(config: &Config, name: &str) -> Result<Client> {
    // Whatever stops a connection being made (refused, timed out, turned
    // away by the server) is the database being out of reach.
    config
        .connect(NoTls)
        .map_err(|e| StoreError::Unavailable(format!("{name}: {}", error_text(&e))))
}

/// Runs `f` in `tx` and commits it if `f` succeeds.
fn run_in<T>(mut tx: Transaction, f: impl FnOnce(&mut Transaction) -> Result<T>) -> Result<T> {
    let out = f(&mut tx)?;
    tx.commit()?;
    Ok(out)
}

/// "PostgreSQL database DB on HOST:PORT", from what the URL names.
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    // Without a database name the server takes the user's.
    let db = config.get_dbname().or(config.get_user()).unwrap_or("postgres");
    format!("PostgreSQL database {db} on {host}:{port}")
}

/// Takes the next value of a counter (`batch`, `audit`) inside the
/// caller's transaction. Its row stays locked until that commits: a
/// second writer waits, then gets the next value, so values commit in
/// order and a rolled-back one is taken again.
pub(crate) fn next_number(tx: &mut Transaction, counter: &str) -> Result<u64> {
    let row = tx
        .query_opt(
            "UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value",
            &[&counter],
        )?
        .ok_or_else(|| StoreError::Corrupt(format!("the {counter} counter is missing")))?;
    get_u64(&row, 0)
}

/// A counter's last value, as `c` sees it.
pub(crate) fn counter(c: &mut impl GenericClient, counter: &str) -> Result<u64> {
    let row = c
        .query_opt("SELECT value FROM counters WHERE name = $1", &[&counter])?
        .ok_or_else(|| StoreError::Corrupt(format!("the {counter} counter is missing")))?;
    get_u64(&row, 0)
}

/// Appends `change` to the log inside the caller's write transaction, at
/// the next position (the `log` counter, locked to commit), and gives
/// that position.
pub(crate) fn log_change(tx: &mut Transaction, at: u64, change: &Change) -> Result<u64> {
    let (kind, a, b) = change.encode();
    let row = tx
        .query_opt(
            "WITH p AS (UPDATE counters SET value = value + 1 WHERE name = 'log' RETURNING value)
             INSERT INTO changes (pos, at, kind, a, b) SELECT value, $1, $2, $3, $4 FROM p RETURNING pos",
            &[&int(at), &kind, &a, &b],
        )?
        .ok_or_else(|| StoreError::Corrupt("the log counter is missing".into()))?;
    // Delivered when (and only if) the transaction commits; a
    // transaction's repeated notices come as one.
    tx.batch_execute(&format!("NOTIFY {CHANGES_CHANNEL}"))?;
    get_u64(&row, 0)
}

impl ChangeLog for PgStore {
    fn log_head(&self) -> Result<u64> {
        self.run(|c| counter(c, "log"))
    }

    /// Blocks on a connection of its own that LISTENs, until a commit
    /// that logged an entry is announced or `timeout` passes. Announcements
    /// that came meanwhile are taken together: one wake for a burst.
    fn wait_for_change(&self, timeout: Duration) -> Result<()> {
        let mut listener = self.listener.lock().unwrap_or_else(|p| p.into_inner());
        if !matches!(listener.as_ref(), Some(c) if !c.is_closed()) {
            let mut c = self.connect()?;
            c.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))?;
            *listener = Some(c);
        }
        let c = listener.as_mut().expect("made above");
        let waited = c.notifications().timeout_iter(timeout).next();
        let drained = waited.and_then(|_| c.notifications().iter().count());
        if let Err(e) = drained {
            *listener = None;
            return Err(self.named(e.into()));
        }
        Ok(())
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Change)>> {
        let rows = self.run(|c| {
            Ok(c.query(
                "SELECT pos, kind, a, b FROM changes WHERE pos > $1 ORDER BY pos LIMIT $2",
                &[&int(after), &int(limit as u64)],
            )?)
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let pos = get_u64(row, 0)?;
            let kind: String = get(row, 1)?;
            let change = Change::decode(&kind, get(row, 2)?, get(row, 3)?)
                .ok_or_else(|| StoreError::Corrupt(format!("change {pos} has an unknown kind {kind:?}")))?;
            out.push((pos, change));
        }
        Ok(out)
    }
}

impl Store for PgStore {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn now(&self) -> u64 {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests;
