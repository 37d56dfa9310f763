//! The SQLite store: the conformance suite, and what only SQLite has (its
//! files, its older layouts, its compression, its triggers).

use super::codec::{pack, AGAINST_SOURCE, ZSTD_DICT_MAGIC};
use super::*;
use crate::conformance::rec;
use crate::*;
use airgram_access::{Label, VersionKind};
use rusqlite::Connection;
use std::sync::Arc;

/// A fresh store in a temporary directory (kept while the store is), its
/// clock standing at 1,000,000,000 s.
fn fresh() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open_with_clock(&dir.path().join("a.db"), Arc::new(FixedClock::at(1_000_000_000))).unwrap();
    (s, dir)
}

mod conformance {
    crate::conformance_tests!(super::fresh());
}

/// Regression (issue 22): an unknown kind string was read as
/// `Original`, and a visible original opens the verbatim source.
#[test]
fn an_unknown_version_kind_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    s.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
    s.wr().execute("UPDATE versions SET kind = 'Redacted '", []).unwrap();
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
    let s = SqliteStore::open(&path).unwrap();
    let rowid_tables: i64 = s
        .wr()
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('messages', 'cites') AND sql NOT LIKE '%WITHOUT ROWID%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rowid_tables, 2, "opening keeps an archive's tables");
    s.commit_batch(&[rec("a", "POLTO 1", &[]), rec("b", "TOPOL 2", &["POLTO 1"])])
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
            conn.execute_batch(include_str!("schema.sql")).unwrap();
            conn.execute("INSERT INTO meta (key, value) VALUES ('source_codec', 'raw')", [])
                .unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.packed_sources, codec == "zstd");
        let rs = [
            rec_with_source("a", text.as_bytes()),
            rec_with_source("m", &magic),
            rec_with_source("t", b"tiny"),
        ];
        s.commit_batch(&rs).unwrap();
        let blob = |id: &str| -> Vec<u8> {
            s.wr()
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
        s.wr()
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
        assert_eq!(s.versions_page(None, 10).unwrap().len(), 3);
    }
}

#[test]
fn identical_versions_share_their_record() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    let mut r = rec("a", "POLTO 1", &["TOPOL 2"]);
    let mut released = r.versions[0].clone();
    released.kind = VersionKind::Released;
    released.label = Label::unclassified();
    r.versions.push(released);
    s.commit_batch(&[r.clone(), rec("b", "POLTO 3", &[])]).unwrap();
    let stored: String = s
        .wr()
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
    let all = s.versions_page(None, 10).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].record.message_id.as_deref(), Some("POLTO 1"));
}

#[test]
fn audit_chain_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let s = SqliteStore::open(&path).unwrap();
    for i in 0..3 {
        s.audit("ann", "read", &format!("rec{i}"), "q=cuba", "ok").unwrap();
    }
    assert_eq!(verify_audit(&s.audit_entries().unwrap()), Ok(3));
    s.wr()
        .execute("UPDATE audit SET object = 'other' WHERE seq = 2", [])
        .unwrap();
    assert_eq!(verify_audit(&s.audit_entries().unwrap()).unwrap_err().0, 2);
}

#[test]
fn settled_review_events_cannot_be_rewritten_even_by_hand() {
    let (s, _dir) = fresh();
    s.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
    let e = s
        .propose("a", "ann", "{}", &AuditNote::new("ann", "review.propose", "a", ""))
        .unwrap();
    for sql in [
        format!("UPDATE review_events SET body = '{{}}x' WHERE id = {e}"),
        format!("DELETE FROM review_events WHERE id = {e}"),
    ] {
        let err = s.wr().execute(&sql, []).unwrap_err().to_string();
        assert!(err.contains("immutable"), "{sql}: {err}");
    }
}

/// Archives of layout 0 kept an index journal of records whose index
/// documents were still to be rewritten; opened now, each becomes an entry
/// of the change log, and the layout version moves to the current one.
#[test]
fn an_archive_of_the_previous_layout_opens_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let s = SqliteStore::open(&path).unwrap();
    s.commit_batch(&[rec("a", "POLTO 1", &[]), rec("b", "POLTO 2", &[])])
        .unwrap();
    drop(s);
    // Back to layout 0 as it was: no change log, a journal naming b.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE changes; PRAGMA user_version = 0;
         CREATE TABLE index_journal (record_id TEXT PRIMARY KEY);
         INSERT INTO index_journal VALUES ('b');",
    )
    .unwrap();
    drop(conn);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.changes_after(0, 10).unwrap(), vec![(1, Change::Record("b".into()))]);
    let (version, journal): (u32, i64) = s
        .wr()
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema WHERE name = 'index_journal')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((version, journal), (migrate::CURRENT, 0));
    assert_eq!(s.versions("b").unwrap().len(), 1);
    // A store of a later layout is refused, not misread.
    s.wr()
        .pragma_update(None, "user_version", migrate::CURRENT + 1)
        .unwrap();
    drop(s);
    let e = SqliteStore::open(&path).err().unwrap();
    assert!(e.to_string().contains("newer airgram"), "{e}");
}
