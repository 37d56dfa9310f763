//! Non-interference: for random labelled corpora, readers and queries,
//! every response a reader gets is byte-identical to the response of an
//! archive that holds only what that reader may see. If anything invisible
//! leaked — a count, a facet, a score that reorders hits, a snippet, a term
//! expansion, a graph edge, an export, an error — the two would differ.
//!
//! Each property runs on both stores: the embedded SQLite one, and
//! PostgreSQL (on the server named by `AIRGRAM_TEST_PG`) with each process
//! a node keeping its own index.

mod common;

use airgram_access::{Label, Level, Reader, VersionKind};
use airgram_archive::{Archive, IngestOptions, Input};
use airgram_index::{SearchRequest, Sort};
use airgram_model::{Classification, Record};
use common::{Backend, Place};
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "cuba",
    "berlin",
    "missile",
    "quarantine",
    "khrushchev",
    "castro",
    "nato",
    "council",
    "soviet",
    "moscow",
    "inspection",
    "verification",
    "bases",
    "turkey",
    "summit",
];
const CAVEATS: &[&str] = &["NODIS", "EXDIS", "NOFORN"];
const SERIES: &[&str] = &["POLTO", "TOPOL", "DEPTEL"];

#[derive(Debug, Clone)]
struct Doc {
    record: Record,
    versions: Vec<(VersionKind, Label)>,
}

fn arb_label() -> impl Strategy<Value = Label> {
    (0..4usize, proptest::collection::btree_set(0..CAVEATS.len(), 0..2))
        .prop_map(|(l, cs)| Label::new(Level::ALL[l], cs.into_iter().map(|c| CAVEATS[c].to_string())))
}

fn arb_doc(i: usize) -> impl Strategy<Value = Doc> {
    (
        proptest::collection::vec(0..WORDS.len(), 3..12),
        0..SERIES.len(),
        proptest::collection::vec((0..SERIES.len(), 0..6usize), 0..3),
        arb_label(),
        any::<bool>(),
        1..28u32,
        0..3usize,
    )
        .prop_map(move |(words, series, cites, label, released, day, person)| {
            let mut r = Record::new(format!("doc{i}.txt"));
            r.body = words.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" ");
            r.subject = Some(format!("{} {}", WORDS[words[0]], WORDS[words[1]]));
            // Numbers repeat (posts numbered afresh each year): which of
            // several records a key or a cite names must not depend on the
            // ones the reader may not see.
            r.message_id = Some(format!("{} {}", SERIES[series], i % 4));
            r.cites = cites.iter().map(|(s, n)| format!("{} {}", SERIES[*s], n)).collect();
            r.cites.dedup();
            r.date = Some(format!("1962-{:02}-{:02}", 10 + (i % 3), day));
            r.doc_type = Some(if i.is_multiple_of(2) { "telegram" } else { "airgram" }.into());
            r.from = Some(["USRO PARIS", "SECSTATE WASHINGTON"][i % 2].into());
            r.to = vec![["SECSTATE WASHINGTON", "AMEMBASSY BONN"][i % 2].into()];
            r.persons = vec![["Khrushchev", "Castro", "Spaak"][person].into()];
            r.classification = Some(match label.level {
                Level::Unclassified => Classification::Unclassified,
                Level::Confidential => Classification::Confidential,
                Level::Secret => Classification::Secret,
                Level::TopSecret => Classification::TopSecret,
            });
            let mut versions = vec![(VersionKind::Original, label.clone())];
            if released && label != Label::unclassified() {
                versions.push((VersionKind::Released, Label::unclassified()));
            }
            Doc { record: r, versions }
        })
}

fn arb_corpus() -> impl Strategy<Value = Vec<Doc>> {
    (2..10usize).prop_flat_map(|n| (0..n).map(arb_doc).collect::<Vec<_>>())
}

fn arb_reader() -> impl Strategy<Value = Reader> {
    (0..4usize, proptest::collection::btree_set(0..CAVEATS.len(), 0..3))
        .prop_map(|(l, cs)| Reader::new("reader", Level::ALL[l], cs.into_iter().map(|c| CAVEATS[c].to_string())))
}

fn arb_query() -> impl Strategy<Value = String> {
    let w = || (0..WORDS.len()).prop_map(|i| WORDS[i].to_string());
    prop_oneof![
        w(),
        (w(), w()).prop_map(|(a, b)| format!("{a} {b}")),
        (w(), w()).prop_map(|(a, b)| format!("{a} OR {b}")),
        (w(), w()).prop_map(|(a, b)| format!("{a} -{b}")),
        (w(), w()).prop_map(|(a, b)| format!("\"{a} {b}\"")),
        w().prop_map(|a| format!("{}*", &a[..2])),
        Just("from:\"USRO PARIS\"".to_string()),
        Just("type:airgram".to_string()),
        Just("classification:secret".to_string()),
        Just("series:TOPOL".to_string()),
        Just("person:castro".to_string()),
        Just("date:1962-11..1962-12".to_string()),
        Just("".to_string()),
        Just("(cuba OR berlin) AND NOT moscow".to_string()),
    ]
}

fn build(place: &Place, docs: &[&Doc]) -> Archive {
    let a = place.node();
    let inputs = docs.iter().map(|d| Input {
        source_path: d.record.source_path.clone(),
        source: serde_json::to_vec(&d.record).unwrap(),
        parsed: Some(d.record.clone()),
        versions: Some(d.versions.clone()),
        authority: None,
    });
    let opts = IngestOptions {
        batch_size: 1000,
        ..IngestOptions::default()
    };
    a.ingest(inputs, &opts, |_| {}).unwrap();
    a
}

/// Everything a reader can learn, as bytes.
fn responses(a: &mut Archive, r: &Reader, q: &str, sort: Sort, offset: usize, keys: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let req = SearchRequest {
        query: q.to_string(),
        limit: 3,
        offset,
        sort,
        facets: true,
        facet_limit: 10,
    };
    match a.search(r, &req) {
        Ok(res) => out.extend(serde_json::to_vec(&airgram_archive::views::search_json(&res)).unwrap()),
        Err(e) => out.extend(format!("error {e}").into_bytes()),
    }
    // An export of the query's records.
    let mut exported = Vec::new();
    match a.export(r, q, 5, |v| {
        exported.extend(serde_json::to_vec(&v).unwrap());
        Ok(())
    }) {
        Ok(n) => out.extend(format!("exported {n}").into_bytes()),
        Err(e) => out.extend(format!("error {e}").into_bytes()),
    }
    out.extend(exported);
    for k in keys {
        match a.show(r, k) {
            Ok(v) => out.extend(serde_json::to_vec(&v).unwrap()),
            Err(e) => out.extend(format!("error {e}").into_bytes()),
        }
        match a.graph(r, k, 2) {
            Ok(g) => out.extend(serde_json::to_vec(&g).unwrap()),
            Err(e) => out.extend(format!("error {e}").into_bytes()),
        }
        match a.source(r, k) {
            Ok(s) => out.extend(s.1),
            Err(e) => out.extend(format!("error {e}").into_bytes()),
        }
    }
    out
}

fn a_reader_learns_nothing_beyond_their_access(
    backend: Backend,
    docs: Vec<Doc>,
    reader: Reader,
    queries: Vec<String>,
    date_sort: bool,
    offset: usize,
) -> Result<(), TestCaseError> {
    let full_place = Place::new(backend);
    let mut full = build(&full_place, &docs.iter().collect::<Vec<_>>());
    // The reference archive: only the versions this reader may see.
    let visible: Vec<Doc> = docs
        .iter()
        .filter_map(|d| {
            let vs: Vec<_> = d.versions.iter().filter(|(_, l)| reader.may_see(l)).cloned().collect();
            (!vs.is_empty()).then(|| Doc {
                record: d.record.clone(),
                versions: vs,
            })
        })
        .collect();
    let ref_place = Place::new(backend);
    let mut reference = build(&ref_place, &visible.iter().collect::<Vec<_>>());
    // Keys: every record's message id and content id, visible or not,
    // and one that never existed.
    let mut keys: Vec<String> = docs.iter().filter_map(|d| d.record.message_id.clone()).collect();
    keys.extend(
        docs.iter()
            .map(|d| airgram_archive::content_id(&serde_json::to_vec(&d.record).unwrap())),
    );
    keys.push("POLTO 999".into());
    let sort = if date_sort { Sort::Date } else { Sort::Relevance };
    for q in &queries {
        let a = responses(&mut full, &reader, q, sort, offset, &keys);
        let b = responses(&mut reference, &reader, q, sort, offset, &keys);
        prop_assert!(
            a == b,
            "query {q:?} differs:\nfull: {}\nref:  {}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn on_sqlite_a_reader_learns_nothing_beyond_their_access(
        docs in arb_corpus(),
        reader in arb_reader(),
        queries in proptest::collection::vec(arb_query(), 1..4),
        date_sort in any::<bool>(),
        offset in 0..2usize,
    ) {
        a_reader_learns_nothing_beyond_their_access(Backend::Sqlite, docs, reader, queries, date_sort, offset)?;
    }
}

proptest! {
    // Fewer cases: each makes two databases on the server.
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    #[test]
    fn on_postgres_a_reader_learns_nothing_beyond_their_access(
        docs in arb_corpus(),
        reader in arb_reader(),
        queries in proptest::collection::vec(arb_query(), 1..4),
        date_sort in any::<bool>(),
        offset in 0..2usize,
    ) {
        a_reader_learns_nothing_beyond_their_access(Backend::Postgres, docs, reader, queries, date_sort, offset)?;
    }
}

/// Records beyond a first corpus (other names and texts).
fn arb_more() -> impl Strategy<Value = Vec<Doc>> {
    (1..6usize).prop_flat_map(|n| (0..n).map(|i| arb_doc(100 + i)).collect::<Vec<_>>())
}

/// A server whose index lags the store (another process wrote since it
/// last followed the change log) never answers more than the reader may
/// see: each hit is a record the store lets the reader see, and no count
/// exceeds an up-to-date one. Once it follows, every response equals that
/// of the process that wrote.
fn a_lagging_follower_never_widens_access_and_then_converges(
    backend: Backend,
    docs: Vec<Doc>,
    more: Vec<Doc>,
    reader: Reader,
    queries: Vec<String>,
) -> Result<(), TestCaseError> {
    let place = Place::new(backend);
    let mut lagging = build(&place, &docs.iter().collect::<Vec<_>>());
    // Another process, on the same archive, adds the rest.
    let mut writer = place.node();
    let inputs = more.iter().map(|d| Input {
        source_path: d.record.source_path.clone(),
        source: serde_json::to_vec(&d.record).unwrap(),
        parsed: Some(d.record.clone()),
        versions: Some(d.versions.clone()),
        authority: None,
    });
    writer.ingest(inputs, &IngestOptions::default(), |_| {}).unwrap();
    for q in &queries {
        let req = SearchRequest {
            query: q.clone(),
            limit: 50,
            facets: true,
            ..SearchRequest::default()
        };
        let (Ok(stale), Ok(fresh)) = (lagging.search(&reader, &req), writer.search(&reader, &req)) else {
            continue;
        };
        prop_assert!(stale.total <= fresh.total, "{q:?}: {} > {}", stale.total, fresh.total);
        for h in &stale.hits {
            prop_assert!(
                writer.show(&reader, &h.id).is_ok(),
                "{q:?}: {} is not the reader's",
                h.id
            );
        }
    }
    let followed = lagging.follow().unwrap();
    prop_assert_eq!(followed.cursor, followed.head);
    let mut keys: Vec<String> = docs
        .iter()
        .chain(&more)
        .filter_map(|d| d.record.message_id.clone())
        .collect();
    keys.push("POLTO 999".into());
    for q in &queries {
        let a = responses(&mut lagging, &reader, q, Sort::Relevance, 0, &keys);
        let b = responses(&mut writer, &reader, q, Sort::Relevance, 0, &keys);
        prop_assert!(
            a == b,
            "query {q:?} differs after following:\nfollower: {}\nwriter:   {}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn on_sqlite_a_lagging_follower_never_widens_access_and_then_converges(
        docs in arb_corpus(),
        more in arb_more(),
        reader in arb_reader(),
        queries in proptest::collection::vec(arb_query(), 1..4),
    ) {
        a_lagging_follower_never_widens_access_and_then_converges(Backend::Sqlite, docs, more, reader, queries)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// On PostgreSQL the lagging process is a second node with an index
    /// of its own, which the writer's commits never touch.
    #[test]
    fn on_postgres_a_lagging_follower_never_widens_access_and_then_converges(
        docs in arb_corpus(),
        more in arb_more(),
        reader in arb_reader(),
        queries in proptest::collection::vec(arb_query(), 1..4),
    ) {
        a_lagging_follower_never_widens_access_and_then_converges(Backend::Postgres, docs, more, reader, queries)?;
    }
}
