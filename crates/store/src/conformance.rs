//! The behaviour every [`Store`] must have, written once and run against
//! each backend: [`conformance_tests!`](crate::conformance_tests) expands
//! to one `#[test]` per check, given an expression that makes a fresh,
//! empty store. SQLite runs it in `sqlite/tests.rs`; a new backend passes
//! it before anything else uses it.
//!
//! Each check takes a fresh store and panics, naming what failed.

use crate::*;

/// A record with one SECRET/NODIS original.
pub fn rec(id: &str, msg: &str, cites: &[&str]) -> NewRecord {
    let mut r = Record::new(format!("{id}.txt"));
    r.message_id = Some(msg.into());
    r.cites = cites.iter().map(|c| c.to_string()).collect();
    r.body = format!("The body of {id}.");
    NewRecord {
        id: id.into(),
        source_path: format!("{id}.txt"),
        source: format!("verbatim source of {id}").into_bytes(),
        versions: vec![NewVersion {
            kind: VersionKind::Original,
            label: Label::parse("SECRET/NODIS").unwrap(),
            record: r,
        }],
    }
}

/// Expands to one test per conformance check, each on a store `$make`
/// gives (a fresh, empty one every time).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            batches_store_records_and_links,
            batch_numbers_and_log_positions_come_from_the_store,
            a_failed_batch_leaves_nothing,
            identical_versions_share_their_record,
            pages_walk_every_version_once,
            version_refs_match_versions,
            the_change_log_names_what_changed,
            concurrent_writers_get_distinct_numbers_and_a_gapless_log,
            audit_chain_holds_under_concurrent_writers,
            sessions_expire_when_idle_or_old_and_end_with_their_user,
            one_proposal_at_a_time_settles_once_and_publishes_atomically,
            users_round_trip,
            the_store_stamps_by_its_clock,
            messages_move_only_from_the_states_named,
            release_numbers_are_gapless_and_never_repeated,
            concurrent_releases_number_one_series_without_gap_or_repeat,
            a_station_never_gives_two_messages_one_dtg,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let made = $make;
                $crate::conformance::$name(&made.0);
            }
        )*
    };
}

pub fn batches_store_records_and_links(s: &dyn Store) {
    assert_eq!(s.last_batch().unwrap(), 0);
    s.commit_batch(&[rec("a", "POLTO 1", &[]), rec("b", "TOPOL 2", &["POLTO 1"])])
        .unwrap();
    assert_eq!(s.last_batch().unwrap(), 1);
    assert!(s.has_record("a").unwrap());
    assert!(!s.has_record("c").unwrap());
    assert!(s.presence().unwrap().has_record("b").unwrap());
    assert_eq!(s.records_with_message("POLTO 1").unwrap(), vec!["a"]);
    assert_eq!(s.records_citing("POLTO 1").unwrap(), vec!["b"]);
    let v = s.versions("b").unwrap();
    assert_eq!(v[0].label.to_string(), "SECRET/NODIS");
    assert_eq!(s.source("a").unwrap().unwrap().1, b"verbatim source of a");
    assert_eq!(s.version_body("a", 1).unwrap().as_deref(), Some("The body of a."));
    assert_eq!(s.version_body("a", 2).unwrap(), None);
    assert_eq!(s.record_ids().unwrap(), vec!["a", "b"]);
}

pub fn batch_numbers_and_log_positions_come_from_the_store(s: &dyn Store) {
    let one = s.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
    let two = s
        .commit_batch(&[rec("b", "POLTO 2", &[]), rec("c", "POLTO 3", &[])])
        .unwrap();
    assert_eq!((one.batch, two.batch), (1, 2));
    assert!(two.pos > one.pos);
    assert_eq!(s.log_head().unwrap(), two.pos);
    assert_eq!(s.records_of_batch(2).unwrap(), vec!["b", "c"]);
    assert_eq!(s.records_between("a", "b").unwrap(), vec!["a", "b"]);
}

pub fn a_failed_batch_leaves_nothing(s: &dyn Store) {
    s.commit_batch(&[rec("a", "POLTO 1", &[])]).unwrap();
    let head = s.log_head().unwrap();
    // A duplicate id fails the whole batch.
    assert!(s
        .commit_batch(&[rec("b", "POLTO 2", &[]), rec("a", "POLTO 1", &[])])
        .is_err());
    assert_eq!(s.last_batch().unwrap(), 1);
    assert!(!s.has_record("b").unwrap());
    assert_eq!(s.log_head().unwrap(), head, "a failed write logs nothing");
}

pub fn identical_versions_share_their_record(s: &dyn Store) {
    let mut r = rec("a", "POLTO 1", &["TOPOL 2"]);
    let mut released = r.versions[0].clone();
    released.kind = VersionKind::Released;
    released.label = Label::unclassified();
    r.versions.push(released);
    s.commit_batch(&[r.clone(), rec("b", "POLTO 3", &[])]).unwrap();
    let vs = s.versions("a").unwrap();
    assert_eq!(vs[1].record, r.versions[0].record);
    assert_eq!(vs[1].kind, VersionKind::Released);
    assert_eq!(s.version_body("a", 2).unwrap().as_deref(), Some("The body of a."));
}

pub fn pages_walk_every_version_once(s: &dyn Store) {
    let mut batch: Vec<NewRecord> = (0..25)
        .map(|i| rec(&format!("r{i:02}"), &format!("POLTO {i}"), &[]))
        .collect();
    let mut second = batch[3].versions[0].clone();
    second.kind = VersionKind::Released;
    second.label = Label::unclassified();
    batch[3].versions.push(second);
    s.commit_batch(&batch).unwrap();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = s.versions_page(after.as_deref(), 4).unwrap();
        let Some(last) = page.last() else { break };
        let records: std::collections::BTreeSet<&str> = page.iter().map(|v| v.record_id.as_str()).collect();
        assert!(records.len() <= 4, "a page holds at most `limit` records");
        after = Some(last.record_id.clone());
        seen.extend(page.into_iter().map(|v| (v.record_id, v.seq)));
    }
    assert_eq!(seen.len(), 26);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "in order, each once");
}

pub fn version_refs_match_versions(s: &dyn Store) {
    let mut r = rec("a", "POLTO 1", &[]);
    let mut released = r.versions[0].clone();
    released.kind = VersionKind::Released;
    released.label = Label::unclassified();
    r.versions.push(released);
    s.commit_batch(&[r]).unwrap();
    let full: Vec<VersionRef> = s
        .versions("a")
        .unwrap()
        .into_iter()
        .map(|v| VersionRef {
            seq: v.seq,
            kind: v.kind,
            label: v.label,
        })
        .collect();
    assert_eq!(s.version_refs("a").unwrap(), full);
    assert!(s.version_refs("zz").unwrap().is_empty());
    // The batched forms a search page uses: in the order asked, nothing
    // for what is not there, and a release's body through its first
    // version's record.
    s.commit_batch(&[rec("b", "POLTO 2", &[])]).unwrap();
    let ids = ["b", "zz", "a"].map(String::from);
    let b = s.version_refs("b").unwrap();
    assert_eq!(s.version_refs_of(&ids).unwrap(), vec![b, vec![], full]);
    let keys = [("a", 2), ("zz", 1), ("b", 1), ("a", 9), ("a", 1)].map(|(id, n)| (id.to_string(), n));
    let body = |id: &str| Some(format!("The body of {id}."));
    assert_eq!(
        s.version_bodies(&keys).unwrap(),
        vec![body("a"), None, body("b"), None, body("a")]
    );
    assert!(s.version_bodies(&[]).unwrap().is_empty());
}

pub fn the_change_log_names_what_changed(s: &dyn Store) {
    assert_eq!(s.log_head().unwrap(), 0);
    let c = s
        .commit_batch(&[rec("a", "POLTO 1", &[]), rec("b", "POLTO 2", &[])])
        .unwrap();
    s.put_user(&User {
        name: "ann".into(),
        clearance: Level::Secret,
        auths: vec![],
        role: Role::Reader,
        disabled: false,
    })
    .unwrap();
    let mut vs = s.versions("a").unwrap();
    vs.extend(s.versions("b").unwrap());
    let re = s.update_versions(&vs).unwrap();
    assert_eq!(re.batch, c.batch + 1);
    let log = s.changes_after(0, 100).unwrap();
    assert_eq!(
        log.iter().map(|(_, ch)| ch.clone()).collect::<Vec<_>>(),
        vec![
            Change::Batch(c.batch),
            Change::User("ann".into()),
            Change::Range("a".into(), "b".into())
        ]
    );
    let positions: Vec<u64> = log.iter().map(|(p, _)| *p).collect();
    assert_eq!(positions, vec![1, 2, 3], "numbered from 1 with no gaps");
    assert_eq!(s.changes_after(1, 1).unwrap(), vec![log[1].clone()]);
    assert!(s.changes_after(3, 10).unwrap().is_empty());
}

/// Writers on several threads at once: every batch number is taken once,
/// and the log is 1..n with no gap and no repeat.
pub fn concurrent_writers_get_distinct_numbers_and_a_gapless_log(s: &dyn Store) {
    let threads = 4;
    let each = 6;
    let committed: Vec<Committed> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                sc.spawn(move || {
                    (0..each)
                        .map(|i| s.commit_batch(&[rec(&format!("t{t}i{i}"), "POLTO 1", &[])]).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let n = (threads * each) as u64;
    let mut batches: Vec<u64> = committed.iter().map(|c| c.batch).collect();
    batches.sort();
    assert_eq!(batches, (1..=n).collect::<Vec<_>>());
    let log = s.changes_after(0, 1000).unwrap();
    assert_eq!(
        log.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        (1..=n).collect::<Vec<_>>()
    );
    for c in &committed {
        assert_eq!(
            log[c.pos as usize - 1].1,
            Change::Batch(c.batch),
            "each write got its own position"
        );
    }
}

pub fn audit_chain_holds_under_concurrent_writers(s: &dyn Store) {
    std::thread::scope(|sc| {
        for t in 0..4 {
            sc.spawn(move || {
                for i in 0..10 {
                    s.audit(&format!("user{t}"), "read", &format!("rec{i}"), "q=cuba", "ok")
                        .unwrap();
                }
            });
        }
    });
    let entries = s.audit_entries().unwrap();
    assert_eq!(verify_audit(&entries), Ok(40));
}

pub fn sessions_expire_when_idle_or_old_and_end_with_their_user(s: &dyn Store) {
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
    s.create_session("h4", "bob", 1000).unwrap();
    s.delete_session("h4").unwrap();
    assert_eq!(s.session_user("h4", 1001, 600, 3600).unwrap(), None);
}

pub fn one_proposal_at_a_time_settles_once_and_publishes_atomically(s: &dyn Store) {
    let mut r = rec("a", "POLTO 1", &[]);
    r.versions[0].record.date = Some("1962-10".into());
    r.versions[0].record.reviews = vec![airgram_model::Review {
        date: Some("1983".into()),
        office: Some("IN/CDR".into()),
        ..Default::default()
    }];
    s.commit_batch(&[r]).unwrap();
    let d = s.dossier("a").unwrap().unwrap();
    assert_eq!((d.origin.as_deref(), d.status.as_str()), (Some("1962-10-01"), "open"));
    assert_eq!(s.events_of("a").unwrap()[0].state, EventState::Historic);
    let note = |who: &str, action: &str| AuditNote::new(who, action, "a", "");
    let e = s.propose("a", "ann", "{}", &note("ann", "review.propose")).unwrap();
    assert!(matches!(
        s.propose("a", "bob", "{}", &note("bob", "review.propose")),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.dossier("a").unwrap().unwrap().status, Status::Pending);
    let mut released = s.versions("a").unwrap()[0].record.clone();
    released.body = "[1 line not declassified]".into();
    let settle = Settle {
        event_id: e,
        state: EventState::Approved,
        decider: "bob".into(),
        note: String::new(),
        publish: Some(NewVersion {
            kind: VersionKind::Redacted,
            label: Label::unclassified(),
            record: released,
        }),
        status: Status::Partial,
        next_review: Some("2030-01-01".into()),
        referrals: vec![("CIA".into(), "2027-01-01".into())],
        audit: note("bob", "review.approve"),
    };
    let head = s.log_head().unwrap();
    assert!(s.settle(&settle).unwrap());
    assert!(!s.settle(&settle).unwrap(), "a settled proposal stays settled");
    assert_eq!(s.versions("a").unwrap().len(), 2);
    assert_eq!(s.last_batch().unwrap(), 2);
    assert_eq!(
        s.changes_after(head, 10).unwrap(),
        vec![(head + 1, Change::Record("a".into()))],
        "the release is logged once, with its decision"
    );
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
}

pub fn users_round_trip(s: &dyn Store) {
    let u = User {
        name: "ann".into(),
        clearance: Level::Secret,
        auths: vec!["NOFORN".into()],
        role: Role::Reader,
        disabled: false,
    };
    s.put_user(&u).unwrap();
    assert_eq!(s.user("ann").unwrap(), Some(u));
    assert_eq!(s.user("bob").unwrap(), None);
    s.set_password_hash("ann", "$argon2id$x").unwrap();
    assert_eq!(s.password_hash("ann").unwrap().as_deref(), Some("$argon2id$x"));
    s.add_sign_in_failure("ann", 100, 0).unwrap();
    s.add_sign_in_failure("ann", 105, 0).unwrap();
    assert_eq!(s.sign_in_failures("ann").unwrap(), (2, 105));
    s.clear_sign_in_failures("ann").unwrap();
    assert_eq!(s.sign_in_failures("ann").unwrap(), (0, 0));
}

/// `$make` must give this store a clock standing at 1,000,000,000 s.
pub fn the_store_stamps_by_its_clock(s: &dyn Store) {
    assert_eq!(s.now(), 1_000_000_000);
    s.audit("ann", "read", "x", "", "ok").unwrap();
    assert_eq!(s.audit_entries().unwrap()[0].ts, "2001-09-09T01:46:40Z");
}

fn note(actor: &str, action: &str) -> AuditNote {
    AuditNote::new(actor, action, "message", "")
}

pub fn messages_move_only_from_the_states_named(s: &dyn Store) {
    use airgram_messaging::State as M;
    let id = s.add_draft("{\"v\":1}", "ann", &note("ann", "message.draft")).unwrap();
    let m = s.message(id).unwrap().unwrap();
    assert_eq!((m.state, m.drafter.as_str(), m.number), (M::Draft, "ann", None));
    s.edit_message(id, "{\"v\":2}", &[M::Draft], M::Draft, &note("ann", "message.edit"))
        .unwrap();
    s.move_message(id, &[M::Draft], M::InClearance, &note("ann", "message.submit"))
        .unwrap();
    // Another process moved it first: the step is refused, nothing changes.
    let e = s
        .move_message(id, &[M::Draft], M::InClearance, &note("bob", "message.submit"))
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(ref m) if m.contains("in-clearance")),
        "{e}"
    );
    assert!(matches!(
        s.move_message(99, &[M::Draft], M::Deleted, &note("bob", "message.delete")),
        Err(StoreError::Conflict(_))
    ));
    let m = s.message(id).unwrap().unwrap();
    assert_eq!((m.state, m.body.as_str()), (M::InClearance, "{\"v\":2}"));
    assert_eq!(s.message(99).unwrap(), None);
    assert_eq!(s.outgoing_count().unwrap(), 1);
    // Each step that happened is audited, and only those.
    let actions: Vec<String> = s.audit_entries().unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["message.draft", "message.edit", "message.submit"]);
}

pub fn release_numbers_are_gapless_and_never_repeated(s: &dyn Store) {
    use airgram_messaging::State as M;
    let draft = |who: &str| {
        let id = s.add_draft("{}", who, &note(who, "message.draft")).unwrap();
        s.move_message(id, &[M::Draft], M::Cleared, &note(who, "message.clear"))
            .unwrap();
        id
    };
    let (a, b, c) = (draft("ann"), draft("ann"), draft("bob"));
    let rel = |id, series: &str, year| s.release_message(id, M::Cleared, series, year, &note("rel", "message.release"));
    assert_eq!(rel(a, "POLTO A", 1962).unwrap(), 1);
    // A spoiled number is voided, never reused, never a gap.
    assert_eq!(
        s.void_number("POLTO A", 1962, "typed over", &note("rel", "message.void"))
            .unwrap(),
        2
    );
    assert_eq!(rel(b, "POLTO A", 1962).unwrap(), 3);
    // Each series and year counts for itself.
    assert_eq!(rel(c, "POLTO A", 1963).unwrap(), 1);
    // A released message is not released again, and takes no number trying.
    assert!(matches!(rel(a, "POLTO A", 1962), Err(StoreError::Conflict(_))));
    let reg = s.register("POLTO A", 1962).unwrap();
    let summary: Vec<(u64, Option<u64>, Option<&str>)> =
        reg.iter().map(|e| (e.number, e.message, e.void.as_deref())).collect();
    assert_eq!(
        summary,
        [(1, Some(a), None), (2, None, Some("typed over")), (3, Some(b), None)]
    );
    assert_eq!(s.message(b).unwrap().unwrap().number, Some(("POLTO A".into(), 1962, 3)));
    assert_eq!(s.message(b).unwrap().unwrap().state, M::Released);
    assert!(verify_audit(&s.audit_entries().unwrap()).is_ok());
}

/// Releasers on several threads at once, each with its own messages, all
/// in one series: the numbers are 1..n, each once, each message one.
pub fn concurrent_releases_number_one_series_without_gap_or_repeat(s: &dyn Store) {
    use airgram_messaging::State as M;
    let threads = 8;
    let each = 5;
    let numbered: Vec<(u64, u64)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                sc.spawn(move || {
                    (0..each)
                        .map(|_| {
                            let who = format!("rel{t}");
                            let id = s.add_draft("{}", &who, &note(&who, "message.draft")).unwrap();
                            s.move_message(id, &[M::Draft], M::Cleared, &note(&who, "message.clear"))
                                .unwrap();
                            let n = s
                                .release_message(id, M::Cleared, "PARIS", 1962, &note(&who, "message.release"))
                                .unwrap();
                            (n, id)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let n = (threads * each) as u64;
    let mut numbers: Vec<u64> = numbered.iter().map(|x| x.0).collect();
    numbers.sort();
    assert_eq!(numbers, (1..=n).collect::<Vec<_>>());
    let reg = s.register("PARIS", 1962).unwrap();
    assert_eq!(reg.len() as u64, n);
    for (num, id) in numbered {
        assert_eq!(reg[num as usize - 1].message, Some(id));
    }
    assert!(verify_audit(&s.audit_entries().unwrap()).is_ok());
}

pub fn a_station_never_gives_two_messages_one_dtg(s: &dyn Store) {
    use airgram_messaging::State as M;
    let released = || {
        let id = s.add_draft("{}", "ann", &note("ann", "message.draft")).unwrap();
        s.move_message(id, &[M::Draft], M::Cleared, &note("ann", "message.clear"))
            .unwrap();
        s.release_message(id, M::Cleared, "PARIS", 1962, &note("bob", "message.release"))
            .unwrap();
        id
    };
    let at = 1_000_000_000 + 17; // within a minute
    let send = |id, post: &str| s.transmit_message(id, post, at, &note("com", "message.transmit"));
    let (a, b, c) = (released(), released(), released());
    assert_eq!(send(a, "PARIS").unwrap(), 1_000_000_000 - 1_000_000_000 % 60);
    assert_eq!(send(b, "PARIS").unwrap(), send_minute(at) + 60, "the next free minute");
    assert_eq!(send(c, "BONN").unwrap(), send_minute(at), "another station's own");
    assert!(matches!(send(a, "PARIS"), Err(StoreError::Conflict(_))), "sent once");
    let m = s.message(b).unwrap().unwrap();
    assert_eq!((m.state, m.dtg_at), (M::Transmitted, Some(send_minute(at) + 60)));
    let d = s.add_draft("{}", "ann", &note("ann", "message.draft")).unwrap();
    assert!(
        matches!(send(d, "PARIS"), Err(StoreError::Conflict(_))),
        "only a released message"
    );
}

fn send_minute(at: i64) -> i64 {
    at - at.rem_euclid(60)
}
