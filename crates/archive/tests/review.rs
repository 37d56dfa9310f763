//! The review workflow against a real archive: proposals, the two-person
//! rule with re-authentication, referrals, consistency flags, and the
//! guarantee that excised text reaches no reader of the release.
//!
//! The main flow, the race of two approvals, the workflow's state machine
//! and the excision property run on both stores: the embedded SQLite one,
//! and PostgreSQL (on the server named by `AIRGRAM_TEST_PG`) with each
//! process a node keeping its own index.

mod common;

use airgram_access::{Label, Level, Reader, VersionKind};
use airgram_archive::review::QueueFilter;
use airgram_archive::{Archive, ArchiveError, EventState, IngestOptions, Input, Role, Status};
use airgram_index::SearchRequest;
use airgram_model::{Classification, Record};
use airgram_review::{Decision, Excision, Proposal};
use common::{Backend, Place};
use proptest::prelude::*;

const PW: &str = "correct horse";

fn secret_record(path: &str, msg: &str, body: &str) -> Record {
    let mut r = Record::new(path);
    r.message_id = Some(msg.into());
    r.classification = Some(Classification::Secret);
    r.date = Some("1962-10-03".into());
    r.doc_type = Some("airgram".into());
    r.from = Some("USRO PARIS".into());
    r.to = vec!["SECSTATE WASHINGTON".into()];
    r.subject = Some("NATO council talks".into());
    r.body = body.into();
    r.cites = airgram_parse::msgid::find_cites(body)
        .into_iter()
        .map(|c| c.id)
        .collect();
    r
}

fn input(r: &Record, label: &str) -> Input {
    Input {
        source_path: r.source_path.clone(),
        source: serde_json::to_vec(r).unwrap(),
        parsed: Some(r.clone()),
        versions: Some(vec![(VersionKind::Original, Label::parse(label).unwrap())]),
        authority: None,
    }
}

fn archive(place: &Place, records: &[(Record, &str)]) -> Archive {
    let a = place.node();
    let opts = IngestOptions {
        batch_size: 100,
        ..Default::default()
    };
    a.ingest(records.iter().map(|(r, l)| input(r, l)), &opts, |_| {})
        .unwrap();
    for name in ["ann", "bob", "cat"] {
        a.add_user(name, Level::TopSecret, vec!["NODIS".into()], Role::Reviewer)
            .unwrap();
        a.set_password(name, PW).unwrap();
    }
    a.add_user("low", Level::Confidential, vec![], Role::Reviewer).unwrap();
    a.set_password("low", PW).unwrap();
    a.add_user("reader", Level::TopSecret, vec![], Role::Reader).unwrap();
    a
}

fn who(a: &Archive, name: &str) -> Reader {
    a.reader(Some(name)).unwrap()
}

fn excise(r: &Record, field: &str, needle: &str, code: &str) -> Excision {
    let text = airgram_review::excise::field_text(r, field).unwrap();
    let start = text.find(needle).expect("needle in field");
    Excision {
        field: field.into(),
        start,
        end: start + needle.len(),
        codes: vec![code.into()],
        text: String::new(),
    }
}

fn id_of(r: &Record) -> String {
    airgram_archive::content_id(&serde_json::to_vec(r).unwrap())
}

fn public_search(a: &mut Archive, q: &str) -> serde_json::Value {
    let req = SearchRequest {
        query: q.into(),
        facets: true,
        facet_limit: 50,
        ..Default::default()
    };
    airgram_archive::views::search_json(&a.search(&Reader::public(), &req).unwrap())
}

fn excise_approve_publish_and_the_public_reads_the_release(backend: Backend) {
    let place = Place::new(backend);
    let body = "1. The Council met on the third. See POLTO 534.\n\n\
                2. Our source in the Presidium, Penkovsky, reports the missiles are operational.\n\n\
                3. Further talks are set for Monday.";
    let r = secret_record("a.txt", "POLTO A-517", body);
    let cited = secret_record("b.txt", "POLTO 534", "The earlier report on the Council.");
    let mut a = archive(&place, &[(r.clone(), "SECRET"), (cited, "UNCLASSIFIED")]);
    let id = id_of(&r);
    let (ann, bob) = (who(&a, "ann"), who(&a, "bob"));

    // Before review the public cannot see the record at all.
    assert!(matches!(a.show(&Reader::public(), &id), Err(ArchiveError::NotFound(_))));
    let before = public_search(&mut a, "council");
    assert_eq!(before["total"], 1);
    let counted = |v: &serde_json::Value| {
        v["facets"]["classification"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["count"].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(counted(&before), 1);
    let cleared = |a: &mut Archive| {
        let req = SearchRequest {
            query: "council".into(),
            ..Default::default()
        };
        let r = a.search(&who(a, "reader"), &req).unwrap();
        (r.total, r.hits.iter().map(|h| h.seq).collect::<Vec<_>>())
    };
    assert_eq!(cleared(&mut a), (2, vec![1, 1]));
    let q = a.review_queue(&ann, &QueueFilter::default()).unwrap();
    assert!(q.items.iter().any(|i| i.id == id), "a 1962 record is due");

    let mut p = Proposal::new(Decision::DeclassifyInPart);
    p.excisions = vec![excise(
        &r,
        "body",
        "2. Our source in the Presidium, Penkovsky, reports the missiles are operational.",
        "25x1",
    )];
    p.comment = "source protection".into();
    let proposed = a.review_propose(&ann, "POLTO A-517", p.clone()).unwrap();
    let preview = proposed.preview.clone().unwrap();
    assert!(
        preview.body.contains("[1 paragraph (1 line) not declassified — 25X1]"),
        "{}",
        preview.body
    );
    // Nothing is published yet.
    assert!(matches!(a.show(&Reader::public(), &id), Err(ArchiveError::NotFound(_))));
    // One open proposal per record.
    assert!(matches!(a.review_propose(&bob, &id, p), Err(ArchiveError::Conflict(_))));
    // The proposer cannot approve; a wrong password approves nothing.
    assert!(matches!(
        a.review_approve(&ann, proposed.event, PW, false),
        Err(ArchiveError::Forbidden(_))
    ));
    assert!(matches!(
        a.review_approve(&bob, proposed.event, "wrong horse", false),
        Err(ArchiveError::Forbidden(_))
    ));
    // A reviewer below the record's level meets no such event.
    let low = who(&a, "low");
    assert!(matches!(
        a.review_approve(&low, proposed.event, PW, false),
        Err(ArchiveError::NotFound(_))
    ));
    let approved = a.review_approve(&bob, proposed.event, PW, false).unwrap();
    assert_eq!(approved.published.as_deref(), Some("UNCLASSIFIED"));

    // The public reads the release, with its marker and without the passage.
    let shown = serde_json::to_string(&a.show(&Reader::public(), &id).unwrap()).unwrap();
    assert!(shown.contains("not declassified — 25X1"));
    assert!(!shown.contains("Penkovsky") && !shown.contains("Presidium"));
    assert!(shown.contains("\"version\":\"redacted\""));
    for q in [
        "penkovsky",
        "presidium",
        "penk*",
        "\"missiles are operational\"",
        "person:penkovsky",
    ] {
        assert_eq!(public_search(&mut a, q)["total"], 0, "{q}");
    }
    let hits = public_search(&mut a, "council");
    assert_eq!(hits["total"], 2);
    assert!(!hits.to_string().contains("Penkovsky"));
    // What searches cache per index generation (shadow labels, facets)
    // follows the publication: the public counts the release, and a
    // cleared reader still meets the record once, in its original.
    assert_eq!(counted(&hits), 2);
    assert_eq!(cleared(&mut a), (2, vec![1, 1]));
    // The cite in the open text still links.
    let g = a.graph(&Reader::public(), &id, 1).unwrap();
    assert_eq!(g.edges.len(), 1);
    // A release with excisions never opens the source.
    assert!(a.source(&Reader::public(), &id).is_err());
    // Cleared readers still get the original.
    let full = a.show(&who(&a, "reader"), &id).unwrap();
    assert!(full.record.body.contains("Penkovsky"));

    // The public history: dates, decision, codes; no comment, no names.
    let h = a.review_history(&Reader::public(), &id).unwrap();
    assert!(!h.full);
    let hj = serde_json::to_string(&h).unwrap();
    assert!(hj.contains("DECLASSIFY IN PART") && hj.contains("25X1"));
    assert!(!hj.contains("source protection") && !hj.contains("ann") && !hj.contains("Penkovsky"));
    let h = a.review_history(&ann, &id).unwrap();
    assert!(h.full && serde_json::to_string(&h).unwrap().contains("source protection"));
    assert_eq!(h.status, Some(Status::Partial));

    assert!(a.check().unwrap().is_empty());
    let audit = a.audit_entries().unwrap();
    for action in ["review.propose", "review.approve", "reauth"] {
        assert!(audit.iter().any(|e| e.action == action), "{action} audited");
    }
    assert!(a.audit_verify().unwrap().is_ok());

    // After a reopen the release is still served (store and index agree).
    drop(a);
    let mut a = place.node();
    assert_eq!(public_search(&mut a, "monday")["total"], 1);
    assert!(a.check().unwrap().is_empty());

    // Re-deriving everything from the sources (a parser upgrade) keeps the
    // release as approved: the excised passage does not come back.
    a.reindex(|_| {}).unwrap();
    assert_eq!(public_search(&mut a, "penkovsky")["total"], 0);
    let shown = serde_json::to_string(&a.show(&Reader::public(), &id).unwrap()).unwrap();
    assert!(shown.contains("not declassified — 25X1") && !shown.contains("Penkovsky"));
    assert!(a.check().unwrap().is_empty());
}

#[test]
fn on_sqlite_excise_approve_publish_and_the_public_reads_the_release() {
    excise_approve_publish_and_the_public_reads_the_release(Backend::Sqlite);
}

#[test]
fn on_postgres_excise_approve_publish_and_the_public_reads_the_release() {
    excise_approve_publish_and_the_public_reads_the_release(Backend::Postgres);
}

#[test]
fn referrals_hold_the_release_until_every_agency_answers() {
    let place = Place::new(Backend::Sqlite);
    let r = secret_record("a.txt", "POLTO 1", "Atomic matters for the DOE and the CIA.");
    let a = archive(&place, &[(r.clone(), "SECRET")]);
    let id = id_of(&r);
    let (ann, bob) = (who(&a, "ann"), who(&a, "bob"));
    let mut refer = Proposal::new(Decision::Refer);
    refer.agencies = vec!["CIA".into(), "DOE".into()];
    let e = a.review_propose(&ann, &id, refer).unwrap().event;
    let ok = a.review_approve(&bob, e, PW, false).unwrap();
    assert_eq!(ok.referrals, vec!["CIA", "DOE"]);
    let q = a
        .review_queue(
            &ann,
            &QueueFilter {
                state: "referred".into(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(q.items[0].referrals.len(), 2);
    for (agency, n) in [("CIA", 1), ("NSC", 0)] {
        let f = QueueFilter {
            state: "all".into(),
            agency: Some(agency.into()),
            ..Default::default()
        };
        assert_eq!(a.review_queue(&ann, &f).unwrap().total, n, "{agency}");
    }

    let e = a
        .review_propose(&ann, &id, Proposal::new(Decision::Release))
        .unwrap()
        .event;
    let err = a.review_approve(&bob, e, PW, false).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Conflict(m) if m.contains("CIA, DOE")),
        "{err}"
    );
    let refs = a.review_history(&ann, &id).unwrap().referrals;
    a.review_answer(&bob, refs[0].id, "concur", "").unwrap();
    assert!(
        a.review_answer(&bob, refs[0].id, "concur", "").is_err(),
        "answered once"
    );
    assert!(a.review_approve(&bob, e, PW, false).is_err(), "DOE has not answered");
    assert!(a.review_answer(&bob, refs[1].id, "maybe", "").is_err());
    a.review_answer(&bob, refs[1].id, "excise b3", "RD").unwrap();
    a.review_approve(&bob, e, PW, false).unwrap();
    assert_eq!(a.show(&Reader::public(), &id).unwrap().version, VersionKind::Released);
    // A full release can be read at its source.
    assert!(a.source(&Reader::public(), &id).is_ok());
}

#[test]
fn releases_that_disagree_are_flagged_before_approval() {
    let place = Place::new(Backend::Sqlite);
    let body = "The agent known as HOMER met the Counselor in Vienna.";
    let a1 = secret_record("a.txt", "POLTO 1", body);
    let a2 = secret_record("copy-of-a.txt", "POLTO 1", body);
    let a = archive(&place, &[(a1.clone(), "SECRET"), (a2.clone(), "SECRET")]);
    let (ann, bob) = (who(&a, "ann"), who(&a, "bob"));
    let mut p = Proposal::new(Decision::Excise);
    p.excisions = vec![excise(&a1, "body", "The agent known as HOMER", "25X1")];
    let e = a.review_propose(&ann, &id_of(&a1), p).unwrap().event;
    a.review_approve(&bob, e, PW, false).unwrap();
    // The duplicate released in full would show what the first excised.
    let proposed = a
        .review_propose(&ann, &id_of(&a2), Proposal::new(Decision::Release))
        .unwrap();
    assert_eq!(proposed.flags.len(), 1, "{:?}", proposed.flags);
    assert!(proposed.flags[0].contains("open here but excised"));
    let err = a.review_approve(&bob, proposed.event, PW, false).unwrap_err();
    assert!(matches!(err, ArchiveError::Flagged(_)));
    let ok = a.review_approve(&bob, proposed.event, PW, true).unwrap();
    assert_eq!(ok.flags_acknowledged.len(), 1);
}

#[test]
fn reviewers_see_only_what_their_clearance_allows() {
    let place = Place::new(Backend::Sqlite);
    let s = secret_record("s.txt", "POLTO 1", "secret text");
    let c = secret_record("c.txt", "POLTO 2", "confidential text");
    let n = secret_record("n.txt", "POLTO 3", "nodis text");
    let a = archive(
        &place,
        &[
            (s.clone(), "SECRET"),
            (c.clone(), "CONFIDENTIAL"),
            (n.clone(), "SECRET/NODIS"),
        ],
    );
    let low = who(&a, "low");
    let q = a.review_queue(&low, &QueueFilter::default()).unwrap();
    assert_eq!((q.total, q.items[0].id.clone()), (1, id_of(&c)));
    let ann = who(&a, "ann");
    assert_eq!(a.review_queue(&ann, &QueueFilter::default()).unwrap().total, 3);
    // A record above the reviewer answers as if missing.
    let e1 = a
        .review_propose(&low, &id_of(&s), Proposal::new(Decision::Release))
        .unwrap_err();
    let e2 = a
        .review_propose(&low, "0000000000000000", Proposal::new(Decision::Release))
        .unwrap_err();
    assert_eq!(e1.to_string().split(':').next(), e2.to_string().split(':').next());
    // Readers without a reviewing role do not review.
    let reader = who(&a, "reader");
    assert!(matches!(
        a.review_propose(&reader, &id_of(&c), Proposal::new(Decision::Release)),
        Err(ArchiveError::Forbidden(_))
    ));
    assert!(a.review_queue(&Reader::public(), &QueueFilter::default()).is_err());
    let rep = a.review_report(&ann).unwrap();
    assert_eq!(rep.queue_age.values().sum::<usize>(), 3);
    // Filters: by classification; assigned to me.
    let conf = QueueFilter {
        classification: Some(Level::Confidential),
        ..Default::default()
    };
    assert_eq!(a.review_queue(&ann, &conf).unwrap().total, 1);
    a.review_assign(&ann, &id_of(&c), Some("low")).unwrap();
    assert!(
        a.review_assign(&ann, &id_of(&s), Some("low")).is_err(),
        "low may not see it"
    );
    let mine = QueueFilter {
        state: "mine".into(),
        ..Default::default()
    };
    let q = a.review_queue(&low, &mine).unwrap();
    assert_eq!((q.total, q.items[0].assignee.as_deref()), (1, Some("low")));
    assert_eq!(a.review_queue(&ann, &mine).unwrap().total, 0);
}

#[test]
fn the_due_date_policy_is_configurable_and_a_bad_one_is_named() {
    let place = Place::new(Backend::Sqlite);
    let mut r = secret_record("a.txt", "POLTO 1", "text");
    r.date = Some("2005-06-01".into());
    let a = archive(&place, &[(r, "SECRET")]);
    let ann = who(&a, "ann");
    assert_eq!(
        a.review_queue(&ann, &QueueFilter::default()).unwrap().total,
        0,
        "not 25 years old"
    );
    let p = airgram_review::Policy {
        automatic_years: 20,
        ..Default::default()
    };
    std::fs::write(
        place.dir.path().join("policy.json"),
        serde_json::to_vec_pretty(&p).unwrap(),
    )
    .unwrap();
    assert_eq!(
        a.review_queue(&ann, &QueueFilter::default()).unwrap().total,
        1,
        "due at 20 years"
    );
    std::fs::write(
        place.dir.path().join("policy.json"),
        "{\n  \"automatic_years\": \"soon\"\n}",
    )
    .unwrap();
    let err = a.review_queue(&ann, &QueueFilter::default()).unwrap_err().to_string();
    assert!(err.contains("policy.json:2"), "{err}");
}

fn concurrent_approvals_settle_once(backend: Backend) {
    let place = Place::new(backend);
    let r = secret_record("a.txt", "POLTO 1", "Words to release.");
    let a = archive(&place, &[(r.clone(), "SECRET")]);
    let ann = who(&a, "ann");
    let e = a
        .review_propose(&ann, &id_of(&r), Proposal::new(Decision::Release))
        .unwrap()
        .event;
    drop(a);
    // Two reviewers, each with their own archive handle, approve at once.
    let results: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = ["bob", "cat"]
            .into_iter()
            .map(|name| {
                let place = &place;
                s.spawn(move || {
                    let a = place.node();
                    let r = a.reader(Some(name)).unwrap();
                    a.review_approve(&r, e, PW, false).map(|x| x.event)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(r, Err(ArchiveError::Conflict(_)))));
    let a = place.node();
    assert!(a.check().unwrap().is_empty());
    assert_eq!(a.show(&Reader::public(), &id_of(&r)).unwrap().versions.len(), 1);
}

#[test]
fn on_sqlite_concurrent_approvals_settle_once() {
    concurrent_approvals_settle_once(Backend::Sqlite);
}

#[test]
fn on_postgres_concurrent_approvals_settle_once() {
    concurrent_approvals_settle_once(Backend::Postgres);
}

// ---------------------------------------------------------------------
// Property: excised text reaches no reader of the release, through any
// channel.

const WORDS: &[&str] = &[
    "council", "berlin", "missile", "talks", "nato", "soviet", "bases", "summit",
];

#[derive(Debug, Clone)]
struct Case {
    open: Vec<Vec<usize>>,
    secret_at: usize,
    secret_len: usize,
    in_subject: bool,
    cite_in_secret: bool,
}

fn arb_case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(proptest::collection::vec(0..WORDS.len(), 2..8), 2..5),
        0..4usize,
        1..4usize,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(open, secret_at, secret_len, in_subject, cite_in_secret)| Case {
            secret_at: secret_at % (open.len() + 1),
            open,
            secret_len,
            in_subject,
            cite_in_secret,
        })
}

fn excised_text_is_found_through_no_channel(
    backend: Backend,
    case: Case,
    name_excised: bool,
) -> Result<(), TestCaseError> {
    let place = Place::new(backend);
    // Secret words occur only in the excised passage (and the subject).
    let secret: Vec<String> = (0..case.secret_len).map(|i| format!("zqx{i}nonce")).collect();
    let mut passage = format!("Source Oleg Penkovsky says {}", secret.join(" "));
    if case.cite_in_secret {
        passage.push_str(" as in TOPOL 77");
    }
    let mut paras: Vec<String> = case
        .open
        .iter()
        .map(|p| p.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "))
        .collect();
    paras.insert(case.secret_at, passage.clone());
    let body = paras.join("\n\n");
    let mut r = secret_record("a.txt", "POLTO 5", &body);
    r.persons = vec!["Penkovsky, Oleg".into(), "Rusk, Dean".into()];
    if case.in_subject {
        r.subject = Some(format!("Talks on {}", secret[0]));
    }
    let cited = secret_record("b.txt", "TOPOL 77", "The earlier cable on bases.");
    let mut a = archive(&place, &[(r.clone(), "SECRET/NODIS"), (cited, "UNCLASSIFIED")]);
    let (ann, bob) = (who(&a, "ann"), who(&a, "bob"));
    let mut p = Proposal::new(Decision::Excise);
    p.excisions = vec![excise(&r, "body", &passage, "25X1")];
    if case.in_subject {
        p.excisions.push(excise(&r, "subject", &secret[0], "(b)(1)"));
    }
    if name_excised {
        p.excisions.push(excise(&r, "persons", "Penkovsky, Oleg", "(b)(6)"));
    }
    let e = a.review_propose(&ann, &id_of(&r), p).unwrap().event;
    a.review_approve(&bob, e, PW, false).unwrap();

    let public = Reader::public();
    let forbidden: Vec<String> = secret
        .iter()
        .cloned()
        .chain(["penkovsky".to_string(), "oleg".to_string()])
        .collect();
    let leaks = |s: &str| {
        forbidden
            .iter()
            .find(|w| s.to_lowercase().contains(w.as_str()))
            .cloned()
    };
    let mut queries: Vec<String> = secret.clone();
    queries.extend([
        "zqx*".into(),
        "penk*".into(),
        "person:penkovsky".into(),
        "oleg".into(),
        format!("\"{}\"", secret.join(" ")),
    ]);
    for q in &queries {
        let res = public_search(&mut a, q);
        prop_assert_eq!(&res["total"], 0, "query {} found the excised text", q);
    }
    // Broad queries: snippets and facets of the release carry none of it.
    for q in [
        "",
        "talks",
        "council OR berlin OR missile OR nato OR soviet OR bases OR summit OR talks",
    ] {
        let res = public_search(&mut a, q).to_string();
        prop_assert!(leaks(&res).is_none(), "query {:?}: {}", q, res);
    }
    let id = id_of(&r);
    let shown = serde_json::to_string(&a.show(&public, &id).unwrap()).unwrap();
    prop_assert!(leaks(&shown).is_none(), "show: {}", shown);
    let g = a.graph(&public, &id, 2).unwrap();
    let gj = serde_json::to_string(&g).unwrap();
    prop_assert!(leaks(&gj).is_none());
    // A cite made only inside the passage is no edge of the release.
    prop_assert_eq!(g.edges.is_empty(), true);
    prop_assert!(g.unresolved.iter().all(|u| u.cite != "TOPOL 77"));
    let mut export = String::new();
    a.export(&public, "", 100, |v| {
        export.push_str(&serde_json::to_string(&v).unwrap());
        Ok(())
    })
    .unwrap();
    prop_assert!(export.contains(&id), "the release is exported");
    prop_assert!(leaks(&export).is_none(), "export: {}", export);
    let h = serde_json::to_string(&a.review_history(&public, &id).unwrap()).unwrap();
    prop_assert!(leaks(&h).is_none(), "history: {}", h);
    prop_assert!(a.source(&public, &id).is_err());
    prop_assert!(a.check().unwrap().is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn on_sqlite_excised_text_is_found_through_no_channel(case in arb_case(), name_excised in any::<bool>()) {
        excised_text_is_found_through_no_channel(Backend::Sqlite, case, name_excised)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn on_postgres_excised_text_is_found_through_no_channel(case in arb_case(), name_excised in any::<bool>()) {
        excised_text_is_found_through_no_channel(Backend::Postgres, case, name_excised)?;
    }
}

// ---------------------------------------------------------------------
// State machine: random sequences of propose, approve, return, refer and
// answer by three reviewers on two records, against a model.

#[derive(Debug, Clone)]
enum Op {
    Propose(usize, usize, usize),
    Approve(usize, usize),
    Return(usize, usize),
    Answer(usize, usize),
}

const REVIEWERS: [&str; 3] = ["ann", "bob", "cat"];
const DECISIONS: [Decision; 5] = [
    Decision::Release,
    Decision::Excise,
    Decision::Deny,
    Decision::Refer,
    Decision::NonResponsive,
];

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..2usize, 0..DECISIONS.len()).prop_map(|(a, r, d)| Op::Propose(a, r, d)),
        (0..3usize, 0..2usize).prop_map(|(a, r)| Op::Approve(a, r)),
        (0..3usize, 0..2usize).prop_map(|(a, r)| Op::Return(a, r)),
        (0..3usize, 0..2usize).prop_map(|(a, r)| Op::Answer(a, r)),
    ]
}

#[derive(Debug, Default, Clone)]
struct Model {
    pending: Option<(u64, usize, Decision)>,
    open_referrals: usize,
    releases: usize,
    settled: usize,
}

fn the_workflow_follows_its_model(backend: Backend, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let place = Place::new(backend);
    let recs: Vec<Record> = (0..2)
        .map(|i| secret_record(&format!("r{i}.txt"), &format!("POLTO {i}"), "alpha bravo charlie delta"))
        .collect();
    let a = archive(&place, &[(recs[0].clone(), "SECRET"), (recs[1].clone(), "SECRET")]);
    let ids: Vec<String> = recs.iter().map(id_of).collect();
    let mut model = [Model::default(), Model::default()];
    for op in &ops {
        match *op {
            Op::Propose(who_i, r, d) => {
                let mut p = Proposal::new(DECISIONS[d]);
                match DECISIONS[d] {
                    Decision::Excise => p.excisions = vec![excise(&recs[r], "body", "alpha", "25X1")],
                    Decision::Deny => p.codes = vec!["b1".into()],
                    Decision::Refer => p.agencies = vec!["CIA".into(), "NSC".into()],
                    _ => {}
                }
                let res = a.review_propose(&who(&a, REVIEWERS[who_i]), &ids[r], p);
                if model[r].pending.is_some() {
                    prop_assert!(matches!(res, Err(ArchiveError::Conflict(_))), "{:?}", res);
                } else {
                    let e = res.unwrap().event;
                    model[r].pending = Some((e, who_i, DECISIONS[d]));
                }
            }
            Op::Approve(who_i, r) => {
                let Some((e, proposer, d)) = model[r].pending else {
                    continue;
                };
                let res = a.review_approve(&who(&a, REVIEWERS[who_i]), e, PW, true);
                let releases = matches!(d, Decision::Release | Decision::Excise);
                if who_i == proposer {
                    prop_assert!(matches!(res, Err(ArchiveError::Forbidden(_))), "{:?}", res);
                } else if releases && model[r].open_referrals > 0 {
                    prop_assert!(matches!(res, Err(ArchiveError::Conflict(_))), "{:?}", res);
                } else {
                    let ok = res.unwrap();
                    prop_assert_eq!(ok.published.is_some(), releases);
                    model[r].pending = None;
                    model[r].settled += 1;
                    if releases {
                        model[r].releases += 1;
                    }
                    if d == Decision::Refer {
                        model[r].open_referrals += 2;
                    }
                }
            }
            Op::Return(who_i, r) => {
                let Some((e, _, _)) = model[r].pending else { continue };
                a.review_return(&who(&a, REVIEWERS[who_i]), e, "look again").unwrap();
                model[r].pending = None;
                model[r].settled += 1;
            }
            Op::Answer(who_i, r) => {
                let reader = who(&a, REVIEWERS[who_i]);
                let open = a
                    .review_history(&reader, &ids[r])
                    .unwrap()
                    .referrals
                    .into_iter()
                    .find(|x| x.answered.is_none());
                match open {
                    Some(x) => {
                        prop_assert!(model[r].open_referrals > 0);
                        a.review_answer(&reader, x.id, "concur", "").unwrap();
                        model[r].open_referrals -= 1;
                    }
                    None => prop_assert_eq!(model[r].open_referrals, 0),
                }
            }
        }
        // The archive agrees with the model after every step.
        let ann = who(&a, "ann");
        for r in 0..2 {
            let h = a.review_history(&ann, &ids[r]).unwrap();
            let proposed = h.reviews.iter().filter(|x| x.state == EventState::Proposed).count();
            let settled = h
                .reviews
                .iter()
                .filter(|x| x.state == EventState::Approved || x.state == EventState::Returned)
                .count();
            prop_assert_eq!(proposed, usize::from(model[r].pending.is_some()));
            prop_assert_eq!(settled, model[r].settled);
            prop_assert_eq!(
                h.referrals.iter().filter(|x| x.answered.is_none()).count(),
                model[r].open_referrals
            );
            let versions = a.show(&ann, &ids[r]).unwrap().versions.len();
            prop_assert_eq!(versions, 1 + model[r].releases);
            prop_assert_eq!(a.show(&Reader::public(), &ids[r]).is_ok(), model[r].releases > 0);
        }
    }
    prop_assert!(a.check().unwrap().is_empty());
    prop_assert!(a.audit_verify().unwrap().is_ok());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    #[test]
    fn on_sqlite_the_workflow_follows_its_model(ops in proptest::collection::vec(arb_op(), 1..14)) {
        the_workflow_follows_its_model(Backend::Sqlite, ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5, ..ProptestConfig::default() })]

    #[test]
    fn on_postgres_the_workflow_follows_its_model(ops in proptest::collection::vec(arb_op(), 1..14)) {
        the_workflow_follows_its_model(Backend::Postgres, ops)?;
    }
}
