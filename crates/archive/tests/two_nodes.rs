//! Two servers on one PostgreSQL archive, each with its own index (issue
//! 19): what one ingests the other finds once it follows the change log;
//! two reviewers approving one proposal on the two at once, exactly one
//! wins; the audit chain stays one chain.
//!
//! Needs a PostgreSQL server named by `AIRGRAM_TEST_PG` (the test command
//! starts one: `scripts/with-postgres`); without it these tests fail.

mod common;

use airgram_access::{Label, Level, Reader, VersionKind};
use airgram_archive::{Archive, ArchiveError, IngestOptions, Input, Role};
use airgram_index::SearchRequest;
use airgram_model::{Classification, Record};
use airgram_review::{Decision, Proposal};
use common::{Backend, Place};

const PW: &str = "correct horse";

fn record(i: usize, words: &str) -> Record {
    let mut r = Record::new(format!("r{i}.txt"));
    r.message_id = Some(format!("POLTO {i}"));
    r.classification = Some(Classification::Secret);
    r.date = Some("1962-10-03".into());
    r.body = words.into();
    r
}

fn input(r: &Record) -> Input {
    Input {
        source_path: r.source_path.clone(),
        source: serde_json::to_vec(r).unwrap(),
        parsed: Some(r.clone()),
        versions: Some(vec![(VersionKind::Original, Label::parse("SECRET").unwrap())]),
        authority: None,
    }
}

fn hits(a: &Archive, r: &Reader, q: &str) -> usize {
    let req = SearchRequest {
        query: q.into(),
        ..SearchRequest::default()
    };
    a.search(r, &req).unwrap().total
}

#[test]
fn two_nodes_share_one_archive_and_one_approval_wins() {
    let place = Place::new(Backend::Postgres);
    let one = place.node();
    let two = place.node();
    for name in ["ann", "bob", "cat"] {
        one.add_user(name, Level::TopSecret, vec![], Role::Reviewer).unwrap();
        one.set_password(name, PW).unwrap();
    }
    let r = record(1, "The council discussed the zanzibar question.");
    one.ingest([input(&r)], &IngestOptions::default(), |_| {}).unwrap();
    let ann = one.reader(Some("ann")).unwrap();
    assert_eq!(hits(&one, &ann, "zanzibar"), 1);
    // The other node's index learns of it from the log.
    assert_eq!(hits(&two, &ann, "zanzibar"), 0, "not followed yet");
    let f = two.follow().unwrap();
    assert_eq!((f.cursor, f.applied), (f.head, f.head), "every entry was new to it");
    assert_eq!(hits(&two, &ann, "zanzibar"), 1);

    // A proposal on node one; bob approves on node one while cat does on
    // node two, at the same moment.
    let id = airgram_archive::content_id(&serde_json::to_vec(&r).unwrap());
    let event = one
        .review_propose(&ann, &id, Proposal::new(Decision::Release))
        .unwrap()
        .event;
    let results: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = [("bob", &one), ("cat", &two)]
            .into_iter()
            .map(|(name, a)| {
                s.spawn(move || {
                    let who = a.reader(Some(name)).unwrap();
                    a.review_approve(&who, event, PW, false).map(|x| x.event)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(r, Err(ArchiveError::Conflict(_)))));
    // Both nodes serve the one release to the public, once followed.
    for a in [&one, &two] {
        a.follow().unwrap();
        assert_eq!(hits(a, &Reader::public(), "zanzibar"), 1);
        assert!(a.check().unwrap().is_empty(), "{:?}", a.check());
    }
    // One audit chain, whichever node wrote.
    assert!(one.audit_verify().unwrap().is_ok());
    assert_eq!(one.audit_entries().unwrap(), two.audit_entries().unwrap());
}

#[test]
fn a_node_with_no_index_rebuilds_it_from_the_database() {
    let place = Place::new(Backend::Postgres);
    let one = place.node();
    let recs: Vec<Record> = (0..30)
        .map(|i| record(i, &format!("item {i} of the zanzibar file")))
        .collect();
    one.ingest(recs.iter().map(input), &IngestOptions::default(), |_| {})
        .unwrap();
    let all = Reader::new("all", Level::TopSecret, Vec::<String>::new());
    // A node started later, and one whose index was deleted, build theirs.
    let two = place.node();
    assert_eq!(hits(&two, &all, "zanzibar"), 30);
    drop(two);
    let index = place.dir.path().join("node-1");
    std::fs::remove_dir_all(&index).unwrap();
    let two = place.node_in(&index);
    assert_eq!(hits(&two, &all, "zanzibar"), 30);
    assert!(two.check().unwrap().is_empty());
}
