//! The PostgreSQL store: the conformance suite, and what only PostgreSQL
//! has (several servers on one database, its triggers, its layout row,
//! connections that are lost).
//!
//! Every test runs on a database of its own, made on the server named by
//! `AIRGRAM_TEST_PG` (e.g. `postgres://postgres@127.0.0.1:5433/postgres`)
//! and dropped afterwards. Without one the tests fail: a PostgreSQL test
//! never passes by not running.

use super::*;
use crate::conformance::rec;
use crate::*;
use airgram_access::{Label, Level, VersionKind};

pub(crate) use crate::test_db::TestDb;

fn test_db() -> TestDb {
    TestDb::new("t")
}

/// A fresh store on a database of its own (dropped with the guard), its
/// clock standing at 1,000,000,000 s.
fn fresh() -> (PgStore, TestDb) {
    let db = test_db();
    let s = PgStore::open_with_clock(&db.url, Arc::new(FixedClock::at(1_000_000_000))).unwrap();
    (s, db)
}

mod conformance {
    crate::conformance_tests!(super::fresh());
}

fn user(name: &str) -> User {
    User {
        name: name.into(),
        clearance: Level::Secret,
        auths: vec![],
        role: Role::Reader,
        disabled: false,
    }
}

#[test]
fn urls_name_their_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5433/postgres", "x"),
        "postgres://postgres@127.0.0.1:5433/x"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    // As the bench makes its scratch database's URL.
    assert_eq!(
        with_database("postgres://u:pw@h:5433/prod?sslmode=disable", "scratch"),
        "postgres://u:pw@h:5433/scratch?sslmode=disable"
    );
    assert_eq!(with_database("postgresql://u@h", "s"), "postgresql://u@h/s");
    assert_eq!(with_database("postgres://u@h:1/", "s"), "postgres://u@h:1/s");
}

/// Two servers on one database, each writing from several threads at
/// once: batches, audit entries and user changes. Every number is taken
/// once, the change log is 1..n with no gap or repeat, and the audit
/// chain holds.
#[test]
fn two_servers_writing_at_once_share_one_log_and_one_chain() {
    let (a, db) = fresh();
    let b = PgStore::open_with_clock(&db.url, Arc::new(FixedClock::at(1_000_000_000))).unwrap();
    let stores = [&a, &b];
    let (threads, each) = (3, 8);
    let committed: Vec<Committed> = std::thread::scope(|sc| {
        let mut batches = Vec::new();
        for (n, s) in stores.iter().enumerate() {
            for t in 0..threads {
                let s: &PgStore = s;
                batches.push(sc.spawn(move || {
                    (0..each)
                        .map(|i| {
                            s.commit_batch(&[rec(&format!("s{n}t{t}i{i}"), "POLTO 1", &["TOPOL 2"])])
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                }));
                sc.spawn(move || {
                    for i in 0..each {
                        s.audit(&format!("user{n}{t}"), "read", &format!("rec{i}"), "q=cuba", "ok")
                            .unwrap();
                    }
                });
                sc.spawn(move || {
                    for i in 0..each {
                        s.put_user(&user(&format!("u{n}{t}{i}"))).unwrap();
                    }
                });
            }
        }
        batches.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let writers = (stores.len() * threads * each) as u64;
    let mut numbers: Vec<u64> = committed.iter().map(|c| c.batch).collect();
    numbers.sort();
    assert_eq!(numbers, (1..=writers).collect::<Vec<_>>(), "batch numbers are distinct");
    let log = b.changes_after(0, 10_000).unwrap();
    assert_eq!(
        log.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        (1..=2 * writers).collect::<Vec<_>>(),
        "the log is 1..n with no gap or repeat"
    );
    for c in &committed {
        assert_eq!(
            log[c.pos as usize - 1].1,
            Change::Batch(c.batch),
            "each write got its own position"
        );
    }
    let users = log.iter().filter(|(_, c)| matches!(c, Change::User(_))).count() as u64;
    assert_eq!(users, writers);
    for s in stores {
        assert_eq!(s.log_head().unwrap(), 2 * writers);
        assert_eq!(s.last_batch().unwrap(), writers);
    }
    let entries = a.audit_entries().unwrap();
    assert_eq!(verify_audit(&entries), Ok(writers as usize));
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=writers).collect::<Vec<_>>()
    );
    assert_eq!(a.records_citing("TOPOL 2").unwrap().len() as u64, writers);
}

/// Reviewers on two servers proposing for one record at once: one
/// proposal opens, the rest are told another got there first; settled
/// from both at once, it settles once and publishes one release.
#[test]
fn of_proposals_and_decisions_from_two_servers_one_wins() {
    let (a, db) = fresh();
    let b = PgStore::open(&db.url).unwrap();
    a.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
    let note = AuditNote::new("ann", "review.propose", "a", "");
    let results: Vec<Result<u64>> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..6)
            .map(|i| {
                let s = if i % 2 == 0 { &a } else { &b };
                let note = &note;
                sc.spawn(move || s.propose("a", "ann", "{}", note))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let opened: Vec<u64> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    assert_eq!(opened.len(), 1, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || matches!(r, Err(StoreError::Conflict(_)))));
    let mut release = a.versions("a").unwrap()[0].record.clone();
    release.body = "[1 line not declassified]".into();
    let settle = Settle {
        event_id: opened[0],
        state: EventState::Approved,
        decider: "bob".into(),
        note: String::new(),
        publish: Some(NewVersion {
            kind: VersionKind::Redacted,
            label: Label::unclassified(),
            record: release,
        }),
        status: Status::Partial,
        next_review: None,
        referrals: vec![],
        audit: AuditNote::new("bob", "review.approve", "a", ""),
    };
    let settled: Vec<bool> = std::thread::scope(|sc| {
        let hs: Vec<_> = [&a, &b, &a, &b]
            .into_iter()
            .map(|s| {
                let settle = &settle;
                sc.spawn(move || s.settle(settle).unwrap())
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(settled.iter().filter(|s| **s).count(), 1, "{settled:?}");
    assert_eq!(b.versions("a").unwrap().len(), 2);
    let actions: Vec<String> = b.audit_entries().unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["review.propose", "review.approve"]);
    assert_eq!(verify_audit(&b.audit_entries().unwrap()), Ok(2));
}

/// Two agencies answering a record's two referrals at once, on two
/// servers: the last answer, whichever it is, reopens the record.
#[test]
fn answers_at_once_reopen_the_record_once_all_are_in() {
    let (a, db) = fresh();
    let b = PgStore::open(&db.url).unwrap();
    for round in 0..5 {
        let id = format!("r{round}");
        a.commit_batch(&[rec(&id, "POLTO 1", &[])]).unwrap();
        let e = a
            .propose(&id, "ann", "{}", &AuditNote::new("ann", "review.propose", &id, ""))
            .unwrap();
        let settle = Settle {
            event_id: e,
            state: EventState::Approved,
            decider: "bob".into(),
            note: String::new(),
            publish: None,
            status: Status::Referred,
            next_review: None,
            referrals: vec![("CIA".into(), "2027-01-01".into()), ("DOD".into(), "2027-01-01".into())],
            audit: AuditNote::new("bob", "review.approve", &id, ""),
        };
        assert!(a.settle(&settle).unwrap());
        let refs = a.referrals(Some(&id)).unwrap();
        std::thread::scope(|sc| {
            for (s, r) in [&a, &b].into_iter().zip(&refs) {
                let note = AuditNote::new("agency", "review.answer", &id, "");
                sc.spawn(move || assert!(s.answer_referral(r.id, "x", "concur", "", &note).unwrap()));
            }
        });
        assert_eq!(a.dossier(&id).unwrap().unwrap().status, Status::Open, "round {round}");
    }
    assert!(verify_audit(&a.audit_entries().unwrap()).is_ok());
}

#[test]
fn settled_review_events_cannot_be_rewritten_or_deleted_even_by_hand() {
    let (s, _db) = fresh();
    let mut r = rec("a", "POLTO 1", &[]);
    r.versions[0].record.reviews = vec![airgram_model::Review {
        date: Some("1983".into()),
        office: Some("IN/CDR".into()),
        ..Default::default()
    }];
    s.commit_batch(&[r]).unwrap();
    let note = |action: &str| AuditNote::new("ann", action, "a", "");
    let open = s.propose("a", "ann", "{}", &note("review.propose")).unwrap();
    let mut c = s.conn().unwrap();
    let refused = |c: &mut Client, sql: &str| {
        let err = c.batch_execute(sql).map(|_| ()).map_err(|e| error_text(&e));
        assert!(
            err.as_ref().is_err_and(|e| e.contains("review events are immutable")),
            "{sql}: {err:?}"
        );
    };
    // What an open proposal proposed never changes, nor does it go.
    refused(
        &mut c,
        &format!("UPDATE review_events SET body = '{{}}x' WHERE id = {open}"),
    );
    refused(&mut c, &format!("DELETE FROM review_events WHERE id = {open}"));
    refused(&mut c, "TRUNCATE review_events CASCADE");
    // Settled, it stays settled.
    let settle = Settle {
        event_id: open,
        state: EventState::Returned,
        decider: "bob".into(),
        note: "no".into(),
        publish: None,
        status: Status::Open,
        next_review: None,
        referrals: vec![],
        audit: note("review.return"),
    };
    assert!(s.settle(&settle).unwrap());
    for sql in [
        format!("UPDATE review_events SET state = 'approved' WHERE id = {open}"),
        format!("UPDATE review_events SET note = 'yes' WHERE id = {open}"),
        format!("UPDATE review_events SET state = 'proposed' WHERE id = {open}"),
        format!("DELETE FROM review_events WHERE id = {open}"),
    ] {
        refused(&mut c, &sql);
    }
    assert_eq!(s.event(open).unwrap().unwrap().state, EventState::Returned);
    // Historic stamps are derived: re-deriving replaces them.
    c.batch_execute("DELETE FROM review_events WHERE state = 'historic'")
        .unwrap();
    assert_eq!(s.events_of("a").unwrap().len(), 1);
}

/// Reopened, a database keeps what it holds and its layout; a database of
/// a newer layout is refused, not misread.
#[test]
fn reopening_keeps_the_data_and_refuses_a_newer_layout() {
    let db = test_db();
    let s = PgStore::open(&db.url).unwrap();
    s.commit_batch(&[rec("a", "POLTO 1", &[]), rec("b", "TOPOL 2", &["POLTO 1"])])
        .unwrap();
    s.audit("ann", "read", "a", "", "ok").unwrap();
    drop(s);
    let s = PgStore::open(&db.url).unwrap();
    assert_eq!(s.record_ids().unwrap(), vec!["a", "b"]);
    assert_eq!(s.last_batch().unwrap(), 1);
    assert_eq!(s.log_head().unwrap(), 1);
    assert_eq!(verify_audit(&s.audit_entries().unwrap()), Ok(1));
    let layout = |s: &PgStore| {
        let mut c = s.conn().unwrap();
        let rows: Vec<i32> = c
            .query("SELECT version FROM airgram_layout", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        rows
    };
    assert_eq!(layout(&s), vec![migrate::CURRENT]);
    let c = s.commit_batch(&[rec("c", "POLTO 3", &[])]).unwrap();
    assert_eq!((c.batch, c.pos), (2, 2), "numbering goes on where it was");
    s.conn()
        .unwrap()
        .execute("UPDATE airgram_layout SET version = $1", &[&(migrate::CURRENT + 1)])
        .unwrap();
    drop(s);
    let e = PgStore::open(&db.url).err().unwrap();
    assert!(
        matches!(e, StoreError::Corrupt(ref m) if m.contains("newer airgram")),
        "{e}"
    );
}

/// Two servers starting at once on a new database: one makes the tables,
/// the other finds them made.
#[test]
fn servers_opening_at_once_make_the_layout_once() {
    let db = test_db();
    let opened: Vec<Result<PgStore>> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..4).map(|_| sc.spawn(|| PgStore::open(&db.url))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for s in &opened {
        assert!(s.is_ok(), "{:?}", s.as_ref().err());
    }
    let s = opened.into_iter().next().unwrap().unwrap();
    assert_eq!(s.changes_after(0, 10).unwrap(), vec![]);
    s.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
}

#[test]
fn identical_versions_share_their_record_and_big_columns_are_lz4() {
    let (s, _db) = fresh();
    let mut r = rec("a", "POLTO 1", &["TOPOL 2"]);
    let mut released = r.versions[0].clone();
    released.kind = VersionKind::Released;
    released.label = Label::unclassified();
    r.versions.push(released);
    s.commit_batch(&[r.clone(), rec("b", "POLTO 3", &[])]).unwrap();
    let mut c = s.conn().unwrap();
    let stored: String = c
        .query_one("SELECT record FROM versions WHERE record_id = 'a' AND seq = 2", &[])
        .unwrap()
        .get(0);
    assert_eq!(stored, SAME_AS_FIRST);
    let all = s.versions_page(None, 10).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].record, r.versions[0].record);
    assert_eq!(s.dossier("a").unwrap().unwrap().status, Status::Released);
    let methods: Vec<String> = c
        .query(
            "SELECT attname::text || '=' || attcompression::text FROM pg_attribute
             WHERE (attrelid, attname) IN (('records'::regclass, 'source'), ('versions'::regclass, 'record'))
             ORDER BY attname",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(methods, ["record=l", "source=l"]);
}

/// Regression (issue 22, as in SQLite): an unknown kind string fails
/// closed rather than reading as `Original`.
#[test]
fn an_unknown_version_kind_fails_closed() {
    let (s, _db) = fresh();
    s.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
    s.conn()
        .unwrap()
        .execute("UPDATE versions SET kind = 'Redacted '", &[])
        .unwrap();
    let e = s.versions("a").unwrap_err();
    assert!(
        matches!(e, StoreError::Corrupt(ref m) if m.contains("unknown version kind")),
        "{e}"
    );
    assert!(matches!(s.version_refs("a"), Err(StoreError::Corrupt(_))));
}

#[test]
fn audit_chain_detects_tampering() {
    let (s, _db) = fresh();
    for i in 0..3 {
        s.audit("ann", "read", &format!("rec{i}"), "q=cuba", "ok").unwrap();
    }
    assert_eq!(verify_audit(&s.audit_entries().unwrap()), Ok(3));
    s.conn()
        .unwrap()
        .execute("UPDATE audit SET object = 'other' WHERE seq = 2", &[])
        .unwrap();
    assert_eq!(verify_audit(&s.audit_entries().unwrap()).unwrap_err().0, 2);
}

/// A re-derived first version updates its dossier and replaces its
/// historic stamps; decisions stay.
#[test]
fn update_versions_rederives_dossiers_and_stamps() {
    let (s, _db) = fresh();
    s.commit_batch(&[rec("a", "POLTO 1", &[]), rec("b", "POLTO 2", &[])])
        .unwrap();
    let e = s
        .propose("a", "ann", "{}", &AuditNote::new("ann", "review.propose", "a", ""))
        .unwrap();
    let mut vs = s.versions("a").unwrap();
    vs[0].record.date = Some("1962-10".into());
    vs[0].record.cites = vec!["TOPOL 9".into()];
    vs[0].record.reviews = vec![airgram_model::Review {
        date: Some("1990".into()),
        office: Some("IN/CDR".into()),
        ..Default::default()
    }];
    let c = s.update_versions(&vs).unwrap();
    assert_eq!(c.batch, 2);
    assert_eq!(
        s.changes_after(1, 10).unwrap(),
        vec![(c.pos, Change::Range("a".into(), "a".into()))]
    );
    assert_eq!(s.versions("a").unwrap()[0].record, vs[0].record);
    assert_eq!(s.versions("a").unwrap()[0].batch, 2);
    let d = s.dossier("a").unwrap().unwrap();
    assert_eq!(
        (d.origin.as_deref(), d.status.as_str()),
        (Some("1962-10-01"), "pending")
    );
    let states: Vec<EventState> = s.events_of("a").unwrap().into_iter().map(|e| e.state).collect();
    assert_eq!(states, [EventState::Proposed, EventState::Historic]);
    assert_eq!(s.event(e).unwrap().unwrap().state, EventState::Proposed);
    assert_eq!(s.records_citing("TOPOL 9").unwrap(), vec!["a"]);
    // Nothing to update still takes a batch, and logs nothing.
    let none = s.update_versions(&[]).unwrap();
    assert_eq!((none.batch, none.pos), (3, c.pos));
}

/// The queue's filters bind as PostgreSQL spells them, and its order is
/// the same as SQLite's (byte order, undated last).
#[test]
fn queues_filter_and_order_as_in_sqlite() {
    let (s, _db) = fresh();
    let mut rs: Vec<NewRecord> = ["b", "a", "c", "B"].iter().map(|id| rec(id, "POLTO 1", &[])).collect();
    rs[0].versions[0].record.date = Some("1962-10".into());
    rs[1].versions[0].record.date = Some("1950-01-02".into());
    s.commit_batch(&rs).unwrap();
    s.assign("c", Some("ann")).unwrap();
    let q = |state: &str| QueueQuery {
        state: state.into(),
        today: "2020-01-01".into(),
        cutoff: "1995-01-01".into(),
        labels: vec!["SECRET/NODIS".into()],
        assignee: Some("ann".into()),
        ..Default::default()
    };
    let (n, page) = s.queue_page(&q("due"), 0, 10).unwrap();
    let ids: Vec<&str> = page.iter().map(|d| d.record_id.as_str()).collect();
    assert_eq!((n, ids), (4, vec!["a", "b", "B", "c"]));
    let (n, page) = s.queue_page(&q("due"), 1, 2).unwrap();
    assert_eq!((n, page.len(), page[0].record_id.as_str()), (4, 2, "b"));
    let (n, page) = s.queue_page(&q("mine"), 0, 10).unwrap();
    assert_eq!((n, page[0].record_id.as_str()), (1, "c"));
    let mut by_year = q("all");
    by_year.from_year = Some(1960);
    by_year.level = Some(Level::Secret);
    assert_eq!(s.queue_page(&by_year, 0, 10).unwrap().0, 1);
    let mut hidden = q("all");
    hidden.labels = vec![];
    assert_eq!(s.queue_page(&hidden, 0, 10).unwrap().0, 0);
    assert_eq!(s.record_ids().unwrap(), vec!["B", "a", "b", "c"]);
    assert_eq!(s.dossier_labels().unwrap(), vec![Label::parse("SECRET/NODIS").unwrap()]);
}

/// A server that cannot be reached is `Unavailable`, naming the database
/// (and never the password).
#[test]
fn an_unreachable_database_is_unavailable_and_named() {
    let e = PgStore::open("postgres://ann:sekrit@127.0.0.1:1/archive")
        .err()
        .unwrap();
    match e {
        StoreError::Unavailable(m) => {
            assert!(m.contains("archive") && m.contains("127.0.0.1:1"), "{m}");
            assert!(!m.contains("sekrit"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    let (s, db) = fresh();
    let with_password = db
        .url
        .replacen("postgres://postgres@", "postgres://postgres:sekrit@", 1);
    let named = PgStore::open(&with_password).unwrap().describe();
    assert!(named.contains(&db.name) && !named.contains("sekrit"), "{named}");
    assert_eq!(s.describe(), named);
}

/// Connections cut by the server (a restart, an administrator) are
/// replaced: the next read and write work, and so does a presence reader.
#[test]
fn connections_cut_by_the_server_are_replaced() {
    let (s, db) = fresh();
    s.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
    let mut presence = s.presence().unwrap();
    assert!(presence.has_record("a").unwrap());
    // Several idle connections in the pool.
    std::thread::scope(|sc| {
        for _ in 0..3 {
            sc.spawn(|| s.record_ids().unwrap());
        }
    });
    let mut admin = Client::connect(&db.admin, NoTls).unwrap();
    let mut cut_all = || {
        let cut = admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                &[&db.name],
            )
            .unwrap();
        // The server takes a moment to end them.
        std::thread::sleep(std::time::Duration::from_millis(200));
        cut
    };
    assert!(cut_all() >= 2);
    s.audit("ann", "read", "a", "", "ok").unwrap();
    s.commit_batch(&[rec("b", "POLTO 2", &[])]).unwrap();
    std::thread::scope(|sc| {
        for _ in 0..3 {
            sc.spawn(|| s.record_ids().unwrap());
        }
    });
    assert!(cut_all() >= 2);
    assert_eq!(s.record_ids().unwrap(), vec!["a", "b"]);
    assert_eq!(verify_audit(&s.audit_entries().unwrap()), Ok(1));
    assert!(presence.has_record("b").unwrap());
}

#[test]
fn a_commit_by_another_server_wakes_a_waiting_follower_at_once() {
    let (s, db) = fresh();
    let other = PgStore::open(&db.url).unwrap();
    // The first wait starts listening; nothing has been written since.
    let t = std::time::Instant::now();
    s.wait_for_change(Duration::from_millis(300)).unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(250),
        "no announcement, so it waited"
    );
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        other.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
    });
    let t = std::time::Instant::now();
    s.wait_for_change(Duration::from_secs(30)).unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "woken by the commit, not the timeout"
    );
    writer.join().unwrap();
    assert_eq!(s.log_head().unwrap(), 1);
    // A burst is one wake: the next wait has nothing pending.
    let t = std::time::Instant::now();
    s.wait_for_change(Duration::from_millis(300)).unwrap();
    assert!(t.elapsed() >= Duration::from_millis(250));
}
