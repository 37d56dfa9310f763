-- The embedded store's tables (SQLite). Applied on every open; changes to
-- existing archives are steps in migrate.rs.

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

-- Review (see review.rs).

CREATE TABLE IF NOT EXISTS dossier (
    record_id TEXT PRIMARY KEY REFERENCES records(id),
    origin TEXT,
    level INTEGER NOT NULL,
    label TEXT NOT NULL,
    series TEXT,
    message_id TEXT,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    next_review TEXT,
    assignee TEXT
);
-- Only assigned records: the queue asks for one assignee's, and most
-- records are nobody's (archives made before index every row).
CREATE INDEX IF NOT EXISTS dossier_assignee ON dossier (assignee) WHERE assignee IS NOT NULL;
CREATE INDEX IF NOT EXISTS dossier_due ON dossier (status, next_review, origin);
CREATE INDEX IF NOT EXISTS dossier_fingerprint ON dossier (fingerprint);
CREATE TABLE IF NOT EXISTS review_events (
    id INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL REFERENCES records(id),
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    decider TEXT,
    created TEXT NOT NULL,
    decided TEXT,
    body TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS review_events_record ON review_events (record_id);
-- One open proposal per record: of two reviewers proposing at once, one wins.
CREATE UNIQUE INDEX IF NOT EXISTS one_open_proposal ON review_events (record_id) WHERE state = 'proposed';
-- Events are immutable: a proposal is written once and settled once (its
-- state, decider, time and note set together); what it proposed never
-- changes, and no event but a re-derived historic stamp is ever deleted.
CREATE TRIGGER IF NOT EXISTS review_events_settle_once BEFORE UPDATE ON review_events
WHEN OLD.state != 'proposed' OR NEW.state NOT IN ('approved', 'returned')
  OR NEW.body IS NOT OLD.body OR NEW.actor IS NOT OLD.actor OR NEW.created IS NOT OLD.created
  OR NEW.record_id IS NOT OLD.record_id OR NEW.id IS NOT OLD.id
BEGIN SELECT RAISE(ABORT, 'review events are immutable'); END;
CREATE TRIGGER IF NOT EXISTS review_events_kept BEFORE DELETE ON review_events
WHEN OLD.state != 'historic'
BEGIN SELECT RAISE(ABORT, 'review events are immutable'); END;
CREATE TABLE IF NOT EXISTS referrals (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES review_events(id),
    record_id TEXT NOT NULL REFERENCES records(id),
    agency TEXT NOT NULL,
    sent TEXT NOT NULL,
    due TEXT NOT NULL,
    answered TEXT,
    answered_by TEXT,
    response TEXT,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS referrals_record ON referrals (record_id);

-- The change log (see ChangeLog). `pos` is taken as one more than the
-- last inside a write transaction, which SQLite runs one at a time: an
-- entry numbered earlier has always committed first.
CREATE TABLE IF NOT EXISTS changes (
    pos INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL
);

-- Messages being written (see Messages): the text as JSON, the state as
-- the messaging crate's word, the number once released.
CREATE TABLE IF NOT EXISTS outgoing_messages (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    drafter TEXT NOT NULL,
    created TEXT NOT NULL,
    series TEXT,
    year INTEGER,
    number INTEGER,
    -- Once transmitted: the sending station, and the minute of its
    -- date-time group, which no other message of the station holds.
    post TEXT,
    dtg_at INTEGER,
    UNIQUE (post, dtg_at)
);
-- Each series' last number, by counting year (0 for a continuous series).
CREATE TABLE IF NOT EXISTS series_counters (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (series, year)
);
-- Every number handed out, for a message or voided: never deleted.
CREATE TABLE IF NOT EXISTS message_numbers (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    message_id INTEGER REFERENCES outgoing_messages(id),
    void TEXT,
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (series, year, number)
);
CREATE TRIGGER IF NOT EXISTS message_numbers_kept BEFORE DELETE ON message_numbers
BEGIN SELECT RAISE(ABORT, 'the number register is kept'); END;
CREATE TRIGGER IF NOT EXISTS message_numbers_fixed BEFORE UPDATE ON message_numbers
BEGIN SELECT RAISE(ABORT, 'the number register is kept'); END;
