//! One message id, several records: posts numbered their messages afresh
//! each year, so `POLTO 7` of 1961 and `POLTO 7` of 1962 are different
//! messages. A citation means the latest sent on or before the citing
//! record, and never one sent after it; `show` by such an id lists the
//! records instead of picking one.

use airgram_access::{Label, Level, Reader, VersionKind};
use airgram_archive::{content_id, Archive, ArchiveError, IngestOptions, Input};
use airgram_model::Record;

fn record(path: &str, msg: &str, date: &str, cites: &[&str]) -> Record {
    let mut r = Record::new(path);
    r.message_id = Some(msg.into());
    r.date = Some(date.into());
    r.subject = Some(format!("{msg} of {date}"));
    r.body = format!("The report {msg} of {date}.");
    r.cites = cites.iter().map(|c| c.to_string()).collect();
    r
}

fn id(r: &Record) -> String {
    content_id(&serde_json::to_vec(r).unwrap())
}

fn archive(dir: &std::path::Path, docs: &[(&Record, &str)]) -> Archive {
    let a = Archive::open(dir).unwrap();
    let inputs = docs.iter().map(|(r, label)| Input {
        source_path: r.source_path.clone(),
        source: serde_json::to_vec(r).unwrap(),
        parsed: Some((*r).clone()),
        versions: Some(vec![(VersionKind::Original, Label::parse(label).unwrap())]),
        authority: None,
    });
    a.ingest(inputs, &IngestOptions::default(), |_| {}).unwrap();
    a
}

fn edges(a: &mut Archive, r: &Reader, key: &str) -> Vec<(String, String)> {
    let g = a.graph(r, key, 1).unwrap();
    g.edges.into_iter().map(|e| (e.from, e.to)).collect()
}

#[test]
fn a_cite_means_the_latest_message_of_that_number_sent_before_it() {
    let old = record("old.txt", "POLTO 7", "1961-03-01", &[]);
    let new = record("new.txt", "POLTO 7", "1962-05-01", &[]);
    let between = record("between.txt", "POLTO 9", "1962-01-10", &["POLTO 7"]);
    let after = record("after.txt", "POLTO 12", "1962-06-01", &["POLTO 7"]);
    let dir = tempfile::tempdir().unwrap();
    let mut a = archive(
        dir.path(),
        &[
            (&old, "SECRET"),
            (&new, "UNCLASSIFIED"),
            (&between, "UNCLASSIFIED"),
            (&after, "UNCLASSIFIED"),
        ],
    );
    let ts = Reader::new("ts", Level::TopSecret, Vec::<String>::new());
    let (old_id, new_id) = (id(&old), id(&new));

    // Each citation goes to the message sent before it, and `cited by`
    // agrees with the graph.
    assert_eq!(edges(&mut a, &ts, &id(&between)), vec![(id(&between), old_id.clone())]);
    assert_eq!(edges(&mut a, &ts, &id(&after)), vec![(id(&after), new_id.clone())]);
    let cited_by = |a: &mut Archive, r: &Reader, k: &str| -> Vec<String> {
        a.show(r, k).unwrap().cited_by.into_iter().map(|l| l.id).collect()
    };
    assert_eq!(cited_by(&mut a, &ts, &old_id), vec![id(&between)]);
    assert_eq!(cited_by(&mut a, &ts, &new_id), vec![id(&after)]);
    let links = a.resolve_cites(&ts, between.date.as_deref(), &between.cites).unwrap();
    assert_eq!(links, vec![Some(old_id.clone())]);

    // By message id: both records, oldest first, to choose from.
    match a.show(&ts, "POLTO 7") {
        Err(e @ ArchiveError::Ambiguous(..)) => {
            let ArchiveError::Ambiguous(_, ref nodes) = e else {
                unreachable!()
            };
            let want = vec![old_id.clone(), new_id.clone()];
            assert_eq!(nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>(), want);
            let msg = e.to_string();
            assert!(msg.starts_with("POLTO 7 names 2 records"), "{msg}");
            assert!(msg.contains(&old_id) && msg.contains(&new_id), "{msg}");
        }
        other => panic!("expected an ambiguity, got {other:?}"),
    }

    // The public sees one `POLTO 7`, of May 1962: `show` gives it, and the
    // January citation, which cannot mean a later message, leads nowhere,
    // as in an archive that holds only what the public sees.
    let public = Reader::public();
    assert_eq!(a.show(&public, "POLTO 7").unwrap().id, new_id);
    let g = a.graph(&public, &id(&between), 1).unwrap();
    assert!(g.edges.is_empty(), "{:?}", g.edges);
    assert_eq!(g.unresolved.len(), 1);
    assert_eq!(cited_by(&mut a, &public, &new_id), vec![id(&after)]);
}

#[test]
fn undated_records_and_ties_resolve_the_same_way_every_time() {
    let dated = record("dated.txt", "DEPTEL 3", "1963-02-01", &[]);
    let mut undated = record("undated.txt", "DEPTEL 3", "", &[]);
    undated.date = None;
    let mut citing = record("citing.txt", "DEPTEL 40", "", &["DEPTEL 3"]);
    citing.date = None;
    let dir = tempfile::tempdir().unwrap();
    let mut a = archive(
        dir.path(),
        &[
            (&dated, "CONFIDENTIAL"),
            (&undated, "CONFIDENTIAL"),
            (&citing, "CONFIDENTIAL"),
        ],
    );
    let r = Reader::new("c", Level::Confidential, Vec::<String>::new());
    // An undated citation means the earliest dated record of the number.
    assert_eq!(edges(&mut a, &r, &id(&citing)), vec![(id(&citing), id(&dated))]);
    // Cited before the dated one was sent: only the undated one can be meant.
    let links = a.resolve_cites(&r, Some("1950-01-01"), &citing.cites).unwrap();
    assert_eq!(links, vec![Some(id(&undated))]);
    // Cited by month: a record of that month is not after it.
    let links = a.resolve_cites(&r, Some("1963-02"), &citing.cites).unwrap();
    assert_eq!(links, vec![Some(id(&dated))]);
}

#[test]
fn a_message_id_naming_several_lists_them_oldest_first_undated_last() {
    let mut undated = record("undated.txt", "DEPTEL 3", "", &[]);
    undated.date = None;
    let dated: Vec<Record> = ["1966-07-01", "1963-02-01", "1965-01-09", "1964-02-01"]
        .iter()
        .enumerate()
        .map(|(i, d)| record(&format!("d{i}.txt"), "DEPTEL 3", d, &[]))
        .collect();
    let mut docs: Vec<(&Record, &str)> = dated.iter().map(|r| (r, "SECRET")).collect();
    docs.push((&undated, "SECRET"));
    let dir = tempfile::tempdir().unwrap();
    let a = archive(dir.path(), &docs);

    let mut want: Vec<&Record> = dated.iter().collect();
    want.sort_by_key(|r| r.date.clone());
    want.push(&undated);
    let want: Vec<String> = want.into_iter().map(id).collect();
    let mut by_id = want.clone();
    by_id.sort();
    assert_ne!(by_id, want, "the fixture must tell date order from id order");

    let r = Reader::new("s", Level::Secret, Vec::<String>::new());
    match a.show(&r, "deptel 3") {
        Err(ArchiveError::Ambiguous(key, nodes)) => {
            assert_eq!(key, "deptel 3", "the key as typed");
            let got: Vec<String> = nodes.into_iter().map(|n| n.id).collect();
            assert_eq!(got, want);
        }
        other => panic!("expected an ambiguity, got {other:?}"),
    }
}
