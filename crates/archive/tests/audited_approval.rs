//! Regression (issue 22): approval committed the decision, then replayed
//! the index journal, then wrote the audit entry in a transaction of its
//! own. An index error between them published the release unaudited and
//! told the reviewer the approval had failed. Now the entry commits with
//! the decision, and the change log reaches the index on the next open.
//!
//! Its own test binary: the failpoint is a process-wide variable.

use airgram_access::{Label, Level, Reader, VersionKind};
use airgram_archive::{Archive, IngestOptions, Input, Role};
use airgram_index::SearchRequest;
use airgram_model::{Classification, Record};
use airgram_review::{Decision, Proposal};

const PW: &str = "correct horse";

#[test]
fn an_approval_whose_index_update_fails_stands_audited_and_reaches_the_index_on_reopen() {
    std::env::set_var("AIRGRAM_FAIL", "approve.before_replay");
    let dir = tempfile::tempdir().unwrap();
    let mut r = Record::new("a.txt");
    r.message_id = Some("POLTO A-517".into());
    r.classification = Some(Classification::Secret);
    r.date = Some("1962-11-07".into());
    r.body = "The council discussed Berlin contingency planning.".into();
    let mut a = Archive::open(dir.path()).unwrap();
    let input = Input {
        source_path: r.source_path.clone(),
        source: serde_json::to_vec(&r).unwrap(),
        parsed: Some(r.clone()),
        versions: Some(vec![(VersionKind::Original, Label::parse("SECRET").unwrap())]),
        authority: None,
    };
    let opts = IngestOptions {
        batch_size: 10,
        ..Default::default()
    };
    a.ingest([input], &opts, |_| {}).unwrap();
    for name in ["ann", "bob"] {
        a.add_user(name, Level::TopSecret, vec![], Role::Reviewer).unwrap();
        a.set_password(name, PW).unwrap();
    }
    let (ann, bob) = (
        Reader::new("ann", Level::TopSecret, Vec::<String>::new()),
        Reader::new("bob", Level::TopSecret, Vec::<String>::new()),
    );
    let public_hits = |a: &mut Archive| {
        let req = SearchRequest {
            query: "contingency".into(),
            limit: 10,
            ..Default::default()
        };
        a.search(&Reader::public(), &req).unwrap().total
    };
    let e = a
        .review_propose(&ann, "POLTO A-517", Proposal::new(Decision::Release))
        .unwrap()
        .event;
    let approved = a.review_approve(&bob, e, PW, false);
    assert!(approved.is_ok(), "the decision stands: {approved:?}");
    let audited = a.audit_entries().unwrap();
    assert!(
        audited.iter().any(|x| x.action == "review.approve" && x.actor == "bob"),
        "the approval is audited: {audited:?}"
    );
    assert_eq!(public_hits(&mut a), 0, "the index has not taken the release yet");
    drop(a);
    let mut a = Archive::open(dir.path()).unwrap();
    assert_eq!(public_hits(&mut a), 1, "the change log reached the index on reopen");
    assert!(a.check().unwrap().is_empty());
    assert!(a.audit_verify().unwrap().is_ok());
}
