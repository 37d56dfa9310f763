-- The shared store's tables (PostgreSQL 14 or later). Applied by
-- migrate.rs to a database whose layout is older than this build's, in
-- one transaction under an advisory lock.
--
-- Keys and what is ordered or compared by range are COLLATE "C": byte
-- order, as SQLite and Rust sort, whatever the database's locale.

CREATE TABLE IF NOT EXISTS airgram_layout (version INT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);

-- The numbers writes hand out: the change log position (`log`), the batch
-- and the audit sequence. A writer takes the next with UPDATE ...
-- RETURNING, which locks the row until it commits: never a sequence, which
-- would leave gaps and let a later number commit first.
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('log', 0), ('batch', 0), ('audit', 0)
    ON CONFLICT (name) DO NOTHING;

CREATE TABLE IF NOT EXISTS records (
    id TEXT COLLATE "C" PRIMARY KEY,
    source_path TEXT NOT NULL,
    -- Verbatim; compressed by PostgreSQL (see below).
    source BYTEA NOT NULL,
    batch BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_batch ON records (batch);
CREATE TABLE IF NOT EXISTS versions (
    record_id TEXT COLLATE "C" NOT NULL REFERENCES records(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    -- The derived record as JSON, or '=' when it equals the first version's.
    record TEXT NOT NULL,
    batch BIGINT NOT NULL,
    PRIMARY KEY (record_id, seq)
);
-- Sources and derived records are text that compresses well; lz4 costs a
-- fraction of the default pglz to compress and to read. A smaller tuple
-- target has records of a kilobyte or two compressed too (by default only
-- rows over 2 KB are).
ALTER TABLE records ALTER COLUMN source SET COMPRESSION lz4;
ALTER TABLE versions ALTER COLUMN record SET COMPRESSION lz4;
ALTER TABLE records SET (toast_tuple_target = 512);
ALTER TABLE versions SET (toast_tuple_target = 512);

CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (message_id, record_id)
);
CREATE TABLE IF NOT EXISTS cites (
    message_id TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (message_id, record_id)
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT COLLATE "C" PRIMARY KEY,
    clearance TEXT NOT NULL,
    auths TEXT NOT NULL,
    role TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS credentials (
    name TEXT COLLATE "C" PRIMARY KEY REFERENCES users(name),
    phc TEXT NOT NULL
);
-- `user` is a reserved word in PostgreSQL.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_name TEXT COLLATE "C" NOT NULL,
    created BIGINT NOT NULL,
    last_seen BIGINT NOT NULL
);
-- Signing a user out everywhere finds their sessions without a scan.
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_name);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    name TEXT COLLATE "C" PRIMARY KEY,
    failures BIGINT NOT NULL,
    last BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sign_in_failures_last ON sign_in_failures (last);
-- `seq` is the `audit` counter, taken in the entry's own transaction.
CREATE TABLE IF NOT EXISTS audit (
    seq BIGINT PRIMARY KEY,
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
    record_id TEXT COLLATE "C" PRIMARY KEY REFERENCES records(id),
    origin TEXT COLLATE "C",
    level BIGINT NOT NULL,
    label TEXT COLLATE "C" NOT NULL,
    series TEXT COLLATE "C",
    message_id TEXT COLLATE "C",
    fingerprint TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'open',
    next_review TEXT COLLATE "C",
    assignee TEXT COLLATE "C"
);
-- Only assigned records: the queue asks for one assignee's, and most
-- records are nobody's.
CREATE INDEX IF NOT EXISTS dossier_assignee ON dossier (assignee) WHERE assignee IS NOT NULL;
CREATE INDEX IF NOT EXISTS dossier_due ON dossier (status, next_review, origin);
CREATE INDEX IF NOT EXISTS dossier_fingerprint ON dossier (fingerprint);
-- Event ids need not be gapless: a sequence will do.
CREATE TABLE IF NOT EXISTS review_events (
    id BIGSERIAL PRIMARY KEY,
    record_id TEXT COLLATE "C" NOT NULL REFERENCES records(id),
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    decider TEXT,
    created TEXT NOT NULL,
    decided TEXT,
    body TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS review_events_record ON review_events (record_id);
-- One open proposal per record: of two reviewers proposing at once (on
-- any server), one wins.
CREATE UNIQUE INDEX IF NOT EXISTS one_open_proposal ON review_events (record_id) WHERE state = 'proposed';
-- Events are immutable: a proposal is written once and settled once (its
-- state, decider, time and note set together); what it proposed never
-- changes, and no event but a re-derived historic stamp is ever deleted
-- (nor are they all, by TRUNCATE).
CREATE OR REPLACE FUNCTION review_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'review events are immutable' USING ERRCODE = 'restrict_violation';
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'historic' THEN
            RAISE EXCEPTION 'review events are immutable' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state <> 'proposed' OR NEW.state NOT IN ('approved', 'returned')
        OR NEW.body IS DISTINCT FROM OLD.body OR NEW.actor IS DISTINCT FROM OLD.actor
        OR NEW.created IS DISTINCT FROM OLD.created OR NEW.record_id IS DISTINCT FROM OLD.record_id
        OR NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'review events are immutable' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER review_events_immutable BEFORE UPDATE OR DELETE ON review_events
    FOR EACH ROW EXECUTE FUNCTION review_events_immutable();
CREATE OR REPLACE TRIGGER review_events_kept BEFORE TRUNCATE ON review_events
    FOR EACH STATEMENT EXECUTE FUNCTION review_events_immutable();
CREATE TABLE IF NOT EXISTS referrals (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES review_events(id),
    record_id TEXT COLLATE "C" NOT NULL REFERENCES records(id),
    agency TEXT COLLATE "C" NOT NULL,
    sent TEXT NOT NULL,
    due TEXT COLLATE "C" NOT NULL,
    answered TEXT,
    answered_by TEXT,
    response TEXT,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS referrals_record ON referrals (record_id);

-- The change log (see ChangeLog). `pos` is the `log` counter, taken in
-- the write's own transaction: an entry numbered earlier has always
-- committed first.
CREATE TABLE IF NOT EXISTS changes (
    pos BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL
);

-- Messages being written (see Messages): the text as JSON, the state as
-- the messaging crate's word, the number once released.
CREATE TABLE IF NOT EXISTS outgoing_messages (
    id BIGSERIAL PRIMARY KEY,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    drafter TEXT NOT NULL,
    created TEXT NOT NULL,
    series TEXT,
    year INTEGER,
    number BIGINT,
    -- Once transmitted: the sending station, and the minute of its
    -- date-time group, which no other message of the station holds.
    post TEXT,
    dtg_at BIGINT,
    UNIQUE (post, dtg_at)
);
-- Each series' last number, by counting year (0 for a continuous series):
-- taken with UPDATE ... RETURNING, so the row stays locked to the commit.
CREATE TABLE IF NOT EXISTS series_counters (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (series, year)
);
-- Every number handed out, for a message or voided: never deleted.
CREATE TABLE IF NOT EXISTS message_numbers (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    number BIGINT NOT NULL,
    message_id BIGINT REFERENCES outgoing_messages(id),
    void TEXT,
    by_user TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (series, year, number)
);
CREATE OR REPLACE FUNCTION message_numbers_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the number register is kept'; END $$;
CREATE OR REPLACE TRIGGER message_numbers_kept BEFORE UPDATE OR DELETE ON message_numbers
    FOR EACH ROW EXECUTE FUNCTION message_numbers_kept();
CREATE OR REPLACE TRIGGER message_numbers_not_truncated BEFORE TRUNCATE ON message_numbers
    FOR EACH STATEMENT EXECUTE FUNCTION message_numbers_kept();
