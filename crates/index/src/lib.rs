//! Full-text and faceted search over record versions.
//!
//! Architecture invariant: **one tantivy index per access label** (a
//! partition). A search opens only the partitions the caller's labels
//! allow, and takes its term statistics, counts, facets, term expansions
//! and snippets from those partitions alone. So nothing a reader may not
//! see can influence what they get — not even a score. The caller (the
//! archive) decides which labels are visible, by asking the access crate;
//! this crate never sees a reader.
//!
//! A record can have several versions visible to one reader (a SECRET
//! original and its UNCLASSIFIED release). Each version document carries
//! `shadow`: the labels of that record's more complete versions. A search
//! excludes, inside the query, documents shadowed by a visible label, so a
//! reader meets each record once, in its most complete visible version.
//!
//! Following the store: the index is derived from the store and follows
//! its change log. Every commit records the log position it reflects (as
//! each partition's commit payload, and after all of them in `CURSOR`);
//! the archive applies the entries after it. The cursor is never ahead of
//! what the partitions hold, and applying an entry again is harmless.

mod durable;
mod pairs;
/// The search language, in its own crate so that it can be fuzzed and
/// reused without an index behind it.
pub use airgram_query as query;
mod words;

use airgram_access::Label;
use query::{Expr, Field as QField, QueryError};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::index::SegmentId;
use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, BooleanQuery, EnableScoring, Occur, PhraseQuery, Query, RangeQuery, RegexQuery,
    TermQuery, Weight,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, Searcher, SegmentOrdinal,
    SegmentReader, TantivyDocument, Term,
};
use words::Words;

pub use tantivy::TantivyError;

/// Everything the index holds about one version.
#[derive(Debug, Clone, Default)]
pub struct IndexDoc {
    pub id: String,
    pub seq: u64,
    /// Labels of this record's more complete versions.
    pub shadow: Vec<Label>,
    pub message_id: Option<String>,
    pub series: Option<String>,
    pub doc_type: Option<String>,
    pub classification: Option<String>,
    pub date: Option<String>,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub persons: Vec<String>,
    pub body: String,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    /// The record id as a number, with `seq` naming a version exactly
    /// (for deletes). Columns, not terms: an indexed value unique to every
    /// document (the id, or id and sequence as text) gave every segment
    /// and every merge a dictionary entry per document.
    key: Field,
    seq: Field,
    shadow: Field,
    message_id: Field,
    series: Field,
    doc_type: Field,
    classification: Field,
    day: Field,
    date: Field,
    sortkey: Field,
    from: Field,
    to: Field,
    subject: Field,
    persons: Field,
    /// Everything a bare word searches: body, subject, from, to, persons
    /// and message id, each a value of its own (tantivy leaves a position
    /// gap between values, so a phrase never spans two of them). One field
    /// makes a word one term lookup instead of a union over six.
    text: Field,
    /// Adjacent word pairs of `text`, hashed into 65,536 buckets: each
    /// bucket a document's values touch, once (see [`pairs`], whose
    /// segment plugin keeps them). Buckets, not the pairs themselves: a
    /// dictionary of every pair in the archive cost twice as much to build.
    pairs: Field,
    facets: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let text = indexed.clone().set_stored();
    let f = Fields {
        id: b.add_text_field("id", STORED),
        key: b.add_u64_field("key", FAST),
        seq: b.add_u64_field("seq", STORED | FAST),
        shadow: b.add_text_field("shadow", STRING),
        message_id: b.add_text_field("message_id", text.clone()),
        series: b.add_text_field("series", STRING | STORED),
        doc_type: b.add_text_field("doc_type", STRING | STORED),
        classification: b.add_text_field("classification", STRING | STORED),
        day: b.add_i64_field("day", FAST),
        date: b.add_text_field("date", STORED),
        sortkey: b.add_u64_field("sortkey", FAST),
        from: b.add_text_field("from", text.clone()),
        to: b.add_text_field("to", text.clone()),
        subject: b.add_text_field("subject", text.clone()),
        persons: b.add_text_field("persons", text),
        // Not stored: the body is in the store, and snippets are cut from
        // there (storing it here too cost ingest time and space).
        text: b.add_text_field("text", indexed),
        pairs: b.add_custom_field(pairs::FIELD, pairs::FIELD_TYPE, serde_json::json!({})),
        facets: b.add_facet_field("facets", FacetOptions::default()),
    };
    (b.build(), f)
}

/// Facet roots, as named in results.
pub const FACETS: &[(&str, &str)] = &[
    ("classification", "classification"),
    ("type", "type"),
    ("year", "year"),
    ("originator", "from"),
    ("addressee", "to"),
    ("series", "series"),
    ("person", "person"),
];

/// One partition: the index of every version carrying one label.
pub struct Partition {
    pub label: Label,
    index: Index,
    reader: IndexReader,
    writer: Option<IndexWriter>,
    f: Fields,
    /// The shadow labels present in this partition, for one searcher
    /// generation (see [`Partition::shadows`]).
    shadows: std::sync::Mutex<Option<(u64, Vec<String>)>>,
    /// Facet ordinals of each live segment, flattened (see [`FlatFacets`]).
    facets: SegmentCache<FlatFacets>,
}

/// Something built once per segment and kept while the segment lives
/// (a segment's flattened facets, its pair file).
pub(crate) struct SegmentCache<T>(std::sync::Mutex<HashMap<SegmentId, Arc<T>>>);

impl<T> Default for SegmentCache<T> {
    fn default() -> Self {
        SegmentCache(Default::default())
    }
}

impl<T> std::fmt::Debug for SegmentCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SegmentCache")
    }
}

impl<T> SegmentCache<T> {
    /// The value of segment `id`, built by `build` on first use.
    pub(crate) fn get(&self, id: SegmentId, build: impl FnOnce() -> tantivy::Result<T>) -> tantivy::Result<Arc<T>> {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(&id) {
            return Ok(v.clone());
        }
        let v = Arc::new(build()?);
        cache.insert(id, v.clone());
        Ok(v)
    }

    /// Lets go of the values of segments that are not `live` (merged away).
    pub(crate) fn retain(&self, live: impl Fn(&SegmentId) -> bool) {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|id, _| live(id));
    }
}

impl Partition {
    fn open(dir: &Path, label: Label, syncer: &Arc<durable::Syncer>) -> tantivy::Result<Partition> {
        std::fs::create_dir_all(dir)?;
        let (schema, f) = schema();
        let plugin: Arc<dyn tantivy::SegmentPlugin> = Arc::new(pairs::PairPlugin);
        let directory = durable::CommitDirectory::open(dir, syncer.clone())?;
        let index = Index::builder()
            .schema(schema)
            .register_plugin(plugin)
            .open_or_create(directory)?;
        // The same tokens as tantivy's default analyzer, in one pass.
        index.tokenizers().register("default", Words::default());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Partition {
            label,
            index,
            reader,
            writer: None,
            f,
            shadows: std::sync::Mutex::new(None),
            facets: Default::default(),
        })
    }

    /// The flattened facets of every segment of `searcher`, built on first
    /// use; segments merged away are dropped from the cache.
    fn flat_facets(
        &self,
        searcher: &Searcher,
        names: &std::sync::Mutex<FacetNames>,
    ) -> tantivy::Result<Vec<(SegmentId, Arc<FlatFacets>)>> {
        let live: Vec<SegmentId> = searcher.segment_readers().iter().map(|r| r.segment_id()).collect();
        self.facets.retain(|id| live.contains(id));
        searcher
            .segment_readers()
            .iter()
            .map(|r| {
                Ok((
                    r.segment_id(),
                    self.facets.get(r.segment_id(), || FlatFacets::build(r, names))?,
                ))
            })
            .collect()
    }

    /// The labels this partition's documents name as shadows (usually
    /// none: only releases have more complete versions). A search excludes
    /// only these: a clause for a term a segment lacks still costs a
    /// dictionary lookup per segment, and with thirty labels over hundreds
    /// of segments that was most of a cleared reader's search time.
    /// Deleted documents may leave a term behind; excluding it is harmless.
    fn shadows(&self, searcher: &Searcher) -> tantivy::Result<Vec<String>> {
        let generation = searcher.generation().generation_id();
        let mut cache = self.shadows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, v)) = cache.as_ref() {
            if *g == generation {
                return Ok(v.clone());
            }
        }
        let mut found = std::collections::BTreeSet::new();
        for seg in searcher.segment_readers() {
            let inv = seg.inverted_index(self.f.shadow)?;
            let mut terms = inv.terms().stream()?;
            while terms.advance() {
                found.insert(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        let v: Vec<String> = found.into_iter().collect();
        *cache = Some((generation, v.clone()));
        Ok(v)
    }

    /// Commits what this partition's writer holds, recording `payload`.
    fn commit(&mut self, payload: &str) -> tantivy::Result<()> {
        if let Some(w) = self.writer.as_mut() {
            let mut c = w.prepare_commit()?;
            c.set_payload(payload);
            c.commit()?;
            self.reader.reload()?;
        }
        Ok(())
    }

    fn writer(&mut self, wait: std::time::Duration) -> tantivy::Result<&mut IndexWriter> {
        if self.writer.is_none() {
            // Another process may be writing this partition (tantivy's lock
            // is a file lock): wait for it, up to `wait`.
            let start = std::time::Instant::now();
            let w = loop {
                // One indexing thread per partition: ingest already runs them side by side.
                match self.index.writer_with_num_threads(1, 64_000_000) {
                    Err(TantivyError::LockFailure(..)) if start.elapsed() < wait => {
                        std::thread::sleep(std::time::Duration::from_millis(20))
                    }
                    other => break other?,
                }
            };
            self.writer = Some(w);
        }
        Ok(self.writer.as_mut().expect("just set"))
    }

    /// Whether any document of record `id` is here (as of the last reload).
    fn holds(&self, id: &str) -> tantivy::Result<bool> {
        let searcher = self.reader.searcher();
        Ok(searcher.search(&key_is(self.f.key, id), &Count)? > 0)
    }

    /// Picks up the partition's latest commit.
    fn reload(&self) -> tantivy::Result<()> {
        self.reader.reload()
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Record ids and version sequence numbers in this partition.
    pub fn versions(&self) -> tantivy::Result<Vec<(String, u64)>> {
        let searcher = self.reader.searcher();
        let mut out = Vec::new();
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let store = seg.get_store_reader(16)?;
            for doc in seg.doc_ids_alive() {
                let d: TantivyDocument = store.get(doc)?;
                let _ = ord;
                let id = d
                    .get_first(self.f.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                let seq = d.get_first(self.f.seq).and_then(|v| v.as_u64()).unwrap_or(0);
                out.push((id, seq));
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Writes `FORMAT` durably: a temporary file synced, renamed into place,
/// and the directory synced, so the mark never reaches the disk before
/// what it vouches for, nor is it lost after its caller returns.
///
/// Its second line names this build of the index (the time it finished),
/// so that a process reading the directory can tell that another one
/// rebuilt it and reopen rather than reload.
fn write_format(dir: &Path) -> std::io::Result<()> {
    let built = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    write_durably(dir, "FORMAT", &format!("{FORMAT}\n{built}\n"))
}

/// Writes `dir/name` atomically and durably (a synced temporary file
/// renamed into place, the directory synced).
fn write_durably(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}

/// The `FORMAT` mark of `dir`: whether it names this layout, and the build.
fn read_format(dir: &Path) -> (bool, String) {
    let text = std::fs::read_to_string(dir.join("FORMAT")).unwrap_or_default();
    let mut lines = text.lines();
    let current = lines.next().map(str::trim) == Some(FORMAT);
    (current, lines.next().unwrap_or("").to_string())
}

/// A query for the documents of record `id`.
fn key_is(key: Field, id: &str) -> RangeQuery {
    let t = Term::from_field_u64(key, record_key(id));
    RangeQuery::new(Bound::Included(t.clone()), Bound::Included(t))
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn facet(root: &str, value: &str) -> Facet {
    Facet::from_path([root, value.trim()])
}

const FNV_OFFSET: u64 = 0xcbf29ce484222325;

/// FNV-1a over `bytes`, continuing from `h` (`FNV_OFFSET` to start).
fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, &c| (h ^ u64::from(c)).wrapping_mul(0x100000001b3))
}

/// A record id as a number: a record id is 16 hex digits (a SHA-256
/// prefix), read exactly; anything else is hashed.
fn record_key(id: &str) -> u64 {
    let hex = id.len() == 16 && id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    match u64::from_str_radix(id, 16) {
        Ok(k) if hex => k,
        _ => fnv(FNV_OFFSET, id.as_bytes()),
    }
}

/// Sort key for date order: the day, then a hash of the id, so that ties
/// never depend on where a document sits in the index.
fn sortkey(day: Option<i64>, id: &str) -> u64 {
    let d = day.unwrap_or(i64::MIN / 4).clamp(-(1 << 30), 1 << 30) + (1 << 30);
    let h = fnv(FNV_OFFSET, id.as_bytes());
    ((d as u64) << 32) | (h & 0xffff_ffff)
}

/// The layout of the partitions' schema, written to `index/FORMAT` only
/// once the partitions are complete in it: a rebuild removes the file
/// first and writes it after its last commit, so an index without it (a
/// rebuild interrupted, a directory deleted, another layout) is not read.
/// It is derived, so the archive rebuilds it from the store. 2: one catch-all text field; bodies no longer stored. 3: word
/// pairs. 4: word pairs in a segment plugin's file, not as terms. 5:
/// record ids and versions in columns, not terms.
/// 6: no batch column (the index follows the store's change log).
const FORMAT: &str = "6";

/// All partitions of an archive: `<dir>/<label key>/`.
pub struct Partitions {
    dir: PathBuf,
    parts: BTreeMap<Label, Partition>,
    tokenizer: TextAnalyzer,
    /// The pair buckets of the document being added.
    pairs: pairs::DocPairs,
    pair_files: Arc<pairs::PairFiles>,
    /// Makes commits durable with filesystem syncs every partition shares
    /// (see [`durable`]).
    syncer: Arc<durable::Syncer>,
    stale: bool,
    /// The build named in `FORMAT` when opened (see [`write_format`]).
    build: String,
    /// How long opening a writer waits for another process's.
    lock_wait: std::time::Duration,
    /// Every facet value met in any segment, numbered (see [`FlatFacets`]).
    facet_names: std::sync::Mutex<FacetNames>,
}

/// Facet values numbered across all segments of all partitions, so that
/// counts from different segments add up by number, not by string. Values
/// of partitions a reader may not see are numbered too, but only values
/// counted in visible documents reach a result.
#[derive(Default)]
struct FacetNames {
    ids: HashMap<Vec<u8>, u32>,
    /// (index into `FACETS`, value) by id.
    names: Vec<(usize, String)>,
}

impl FacetNames {
    /// The id of an encoded facet (`root \0 value`), if its root is one
    /// of `FACETS`.
    fn id(&mut self, encoded: &[u8]) -> Option<u32> {
        if let Some(id) = self.ids.get(encoded) {
            return Some(*id);
        }
        let sep = encoded.iter().position(|&b| b == 0)?;
        let fi = FACETS.iter().position(|(_, r)| str::as_bytes(r) == &encoded[..sep])?;
        let id = self.names.len() as u32;
        self.names
            .push((fi, String::from_utf8_lossy(&encoded[sep + 1..]).into_owned()));
        self.ids.insert(encoded.to_vec(), id);
        Some(id)
    }
}

impl Partitions {
    pub fn open(dir: &Path) -> tantivy::Result<Partitions> {
        std::fs::create_dir_all(dir)?;
        let mut parts = BTreeMap::new();
        let syncer = Arc::<durable::Syncer>::default();
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        let (current, build) = read_format(dir);
        let stale = !current;
        for e in entries.into_iter().filter(|_| !stale) {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(label) = Label::from_key(&name) {
                if e.path().join("meta.json").exists() {
                    parts.insert(label.clone(), Partition::open(&e.path(), label, &syncer)?);
                }
            }
        }
        let tokenizer = TextAnalyzer::from(Words::default());
        Ok(Partitions {
            dir: dir.to_path_buf(),
            parts,
            tokenizer,
            pairs: Default::default(),
            pair_files: Default::default(),
            syncer,
            stale,
            build,
            lock_wait: std::time::Duration::from_secs(60),
            facet_names: Default::default(),
        })
    }

    /// How long a write waits for another process's writer to let go
    /// (a minute unless set); past it the write fails with tantivy's
    /// `LockFailure`.
    pub fn set_lock_wait(&mut self, wait: std::time::Duration) {
        self.lock_wait = wait;
    }

    /// The change-log position the index reflects: every entry up to it is
    /// applied (0 when none is).
    pub fn cursor(&self) -> u64 {
        std::fs::read_to_string(self.dir.join("CURSOR"))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Whether another process changed the directory in a way reloading
    /// cannot pick up: a rebuild finished, or a partition appeared. (A
    /// rebuild still running, with no `FORMAT`, is not a change yet: the
    /// open readers keep the files they read.)
    pub fn changed_on_disk(&self) -> bool {
        let (current, build) = read_format(&self.dir);
        if !current {
            return false;
        }
        if build != self.build || self.stale {
            return true;
        }
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return false;
        };
        entries.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            Label::from_key(&name).is_some_and(|l| !self.parts.contains_key(&l)) && e.path().join("meta.json").exists()
        })
    }

    /// Picks up every partition's latest commit (this process's or
    /// another's).
    pub fn reload(&self) -> tantivy::Result<()> {
        for p in self.parts.values() {
            p.reload()?;
        }
        self.keep_live_pair_files();
        Ok(())
    }

    /// Whether the index on disk is not known complete in this layout (an
    /// older layout, a rebuild that did not finish, a new directory), and
    /// was not opened: it must be rebuilt, [`Partitions::clear`] to
    /// [`Partitions::finish_rebuild`].
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    pub fn labels(&self) -> Vec<&Label> {
        self.parts.keys().collect()
    }

    pub fn partition(&self, label: &Label) -> Option<&Partition> {
        self.parts.get(label)
    }

    /// The partition of `label`, opened (or created) on first use.
    fn part_in<'a>(
        parts: &'a mut BTreeMap<Label, Partition>,
        dir: &Path,
        syncer: &Arc<durable::Syncer>,
        label: &Label,
    ) -> tantivy::Result<&'a mut Partition> {
        if !parts.contains_key(label) {
            let p = Partition::open(&dir.join(label.key()), label.clone(), syncer)?;
            parts.insert(label.clone(), p);
        }
        Ok(parts.get_mut(label).expect("just inserted"))
    }

    /// Adds a version to the partition of `label` (uncommitted).
    pub fn add(&mut self, label: &Label, d: &IndexDoc) -> tantivy::Result<()> {
        let wait = self.lock_wait;
        self.pairs.clear();
        let pairs = &mut self.pairs;
        let p = Self::part_in(&mut self.parts, &self.dir, &self.syncer, label)?;
        let f = p.f;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_u64(f.key, record_key(&d.id));
        doc.add_u64(f.seq, d.seq);
        for s in &d.shadow {
            doc.add_text(f.shadow, s.key());
        }
        let day = d.date.as_deref().and_then(query::iso_day);
        if let Some(day) = day {
            doc.add_i64(f.day, day);
        }
        doc.add_u64(f.sortkey, sortkey(day, &d.id));
        doc.add_text(f.date, d.date.as_deref().unwrap_or(""));
        // A value of the catch-all field (and of its word pairs).
        let mut anywhere = |doc: &mut TantivyDocument, v: &str| {
            doc.add_text(f.text, v);
            pairs.add_value(v);
        };
        anywhere(&mut doc, &d.body);
        if let Some(m) = &d.message_id {
            doc.add_text(f.message_id, m);
            anywhere(&mut doc, m);
        }
        if let Some(s) = &d.series {
            doc.add_text(f.series, s);
            doc.add_facet(f.facets, facet("series", s));
        }
        if let Some(t) = &d.doc_type {
            doc.add_text(f.doc_type, t);
            doc.add_facet(f.facets, facet("type", t));
        }
        if let Some(c) = &d.classification {
            doc.add_text(f.classification, c);
            doc.add_facet(f.facets, facet("classification", c));
        }
        if let Some(y) = d.date.as_deref().and_then(|x| x.get(..4)) {
            doc.add_facet(f.facets, facet("year", y));
        }
        if let Some(fr) = &d.from {
            doc.add_text(f.from, fr);
            anywhere(&mut doc, fr);
            doc.add_facet(f.facets, facet("from", fr));
        }
        let to = d.to.join("; ");
        doc.add_text(f.to, &to);
        anywhere(&mut doc, &to);
        for t in &d.to {
            doc.add_facet(f.facets, facet("to", t));
        }
        if let Some(s) = &d.subject {
            doc.add_text(f.subject, s);
            anywhere(&mut doc, s);
        }
        let persons = d.persons.join("; ");
        doc.add_text(f.persons, &persons);
        anywhere(&mut doc, &persons);
        for pn in &d.persons {
            doc.add_facet(f.facets, facet("person", pn));
        }
        doc.add_custom(f.pairs, pairs.bytes());
        p.writer(wait)?.add_document(doc)?;
        Ok(())
    }

    /// Removes every version of record `id`, from every partition that
    /// holds one (uncommitted).
    pub fn delete_record(&mut self, id: &str) -> tantivy::Result<()> {
        let wait = self.lock_wait;
        for p in self.parts.values_mut() {
            if p.holds(id)? {
                let q = key_is(p.f.key, id);
                p.writer(wait)?.delete_query(Box::new(q))?;
            }
        }
        Ok(())
    }

    /// Commits every partition written to, recording that the index now
    /// reflects the change log up to `pos`; then `CURSOR` says so.
    ///
    /// Partitions commit one by one, so a crash can leave some committed
    /// and others not; `CURSOR` is written after all of them, so it is
    /// never ahead of any, and the entries after it are applied again.
    pub fn commit(&mut self, pos: u64) -> tantivy::Result<()> {
        // Each writer finishes its segment (postings serialised, files
        // synced) when committed. One partition after another, that left a
        // core idle for most of a commit; side by side, they keep both busy.
        let payload = pos.to_string();
        let done = std::thread::scope(|sc| {
            let commits: Vec<_> = self
                .parts
                .values_mut()
                .filter(|p| p.writer.is_some())
                .map(|p| sc.spawn(|| p.commit(&payload)))
                .collect();
            commits.into_iter().try_for_each(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(TantivyError::InternalError("an index commit panicked".into())))
            })
        });
        self.keep_live_pair_files();
        done?;
        write_durably(&self.dir, "CURSOR", &format!("{pos}\n"))?;
        Ok(())
    }

    /// After the readers reloaded: lets go of the pair files of segments
    /// merged away.
    fn keep_live_pair_files(&self) {
        let live: HashSet<SegmentId> = self
            .parts
            .values()
            .flat_map(|p| {
                p.reader
                    .searcher()
                    .segment_readers()
                    .iter()
                    .map(|r| r.segment_id())
                    .collect::<Vec<_>>()
            })
            .collect();
        self.pair_files.retain(|id| live.contains(id));
    }

    /// Lets the background merges that commits started run to the end,
    /// then reloads the readers (a process about to exit would otherwise
    /// cancel them and leave many small segments for every search).
    pub fn wait_merges(&mut self) -> tantivy::Result<()> {
        for p in self.parts.values_mut() {
            if let Some(w) = p.writer.take() {
                w.wait_merging_threads()?;
                p.reader.reload()?;
            }
        }
        self.keep_live_pair_files();
        Ok(())
    }

    /// Drops uncommitted work (a failed batch).
    pub fn abandon(&mut self) {
        for p in self.parts.values_mut() {
            if let Some(mut w) = p.writer.take() {
                let _ = w.rollback();
            }
        }
    }

    /// Deletes every partition, to rebuild them. The index is incomplete
    /// from here until [`Partitions::finish_rebuild`]: `FORMAT` goes first
    /// (durably), so a crash in between is found on the next open.
    pub fn clear(&mut self) -> tantivy::Result<()> {
        self.abandon();
        self.parts.clear();
        self.keep_live_pair_files();
        match std::fs::remove_file(self.dir.join("FORMAT")) {
            Ok(()) => sync_dir(&self.dir)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)?;
        }
        std::fs::create_dir_all(&self.dir)?;
        self.stale = true;
        Ok(())
    }

    /// Marks a rebuild complete, after its last commit.
    pub fn finish_rebuild(&mut self) -> tantivy::Result<()> {
        write_format(&self.dir)?;
        self.build = read_format(&self.dir).1;
        self.stale = false;
        Ok(())
    }

    /// Tokens with their positions.
    fn tokens_at(&self, s: &str) -> Vec<(String, usize)> {
        let mut a = self.tokenizer.clone();
        let mut ts = a.token_stream(s);
        let mut out = Vec::new();
        while ts.advance() {
            out.push((ts.token().text.clone(), ts.token().position));
        }
        out
    }

    fn tokens(&self, s: &str) -> Vec<String> {
        self.tokens_at(s).into_iter().map(|(t, _)| t).collect()
    }

    /// A word or phrase in one text field.
    fn text_query(&self, field: Field, s: &str) -> Box<dyn Query> {
        let toks = self.tokens(s);
        match toks.len() {
            0 => Box::new(BooleanQuery::new(vec![])),
            1 => Box::new(TermQuery::new(
                Term::from_field_text(field, &toks[0]),
                IndexRecordOption::WithFreqs,
            )),
            _ => Box::new(PhraseQuery::new(
                toks.iter().map(|t| Term::from_field_text(field, t)).collect(),
            )),
        }
    }

    /// A word or phrase anywhere: a phrase must also hold each of its word
    /// pairs, which picks the few documents whose positions are worth
    /// reading (the phrase query still decides).
    fn any_text(&self, f: &Fields, s: &str) -> Box<dyn Query> {
        let toks = self.tokens_at(s);
        if toks.len() < 2 {
            return self.text_query(f.text, s);
        }
        let mut subs: Vec<(Occur, Box<dyn Query>)> = toks
            .windows(2)
            .filter(|w| w[1].1 == w[0].1 + 1)
            .map(|w| {
                let q: Box<dyn Query> = Box::new(pairs::PairQuery {
                    bucket: pairs::bucket(&w[0].0, &w[1].0),
                    files: self.pair_files.clone(),
                });
                (Occur::Must, q)
            })
            .collect();
        subs.push((Occur::Must, self.text_query(f.text, s)));
        Box::new(BooleanQuery::new(subs))
    }

    fn build(&self, f: &Fields, e: &Expr) -> Result<Box<dyn Query>, QueryError> {
        Ok(match e {
            Expr::All => Box::new(AllQuery),
            Expr::Word(w) | Expr::Phrase(w) => self.any_text(f, w),
            Expr::Prefix(p) => {
                let toks = self.tokens(p);
                let Some(t) = toks.first() else {
                    return Ok(Box::new(BooleanQuery::new(vec![])));
                };
                let pat = format!("{}.*", regex_escape(t));
                Box::new(RegexQuery::from_pattern(&pat, f.text).expect("escaped pattern"))
            }
            Expr::Field(field, v) => match field {
                QField::From => self.text_query(f.from, v),
                QField::To => self.text_query(f.to, v),
                QField::Subject => self.text_query(f.subject, v),
                QField::Person => self.text_query(f.persons, v),
                QField::Message => self.text_query(f.message_id, v),
                QField::Type => raw(f.doc_type, &v.trim().to_lowercase()),
                QField::Classification => raw(f.classification, &v.trim().to_uppercase().replace('_', " ")),
                QField::Series => raw(f.series, &v.trim().to_uppercase()),
            },
            Expr::DateRange(lo, hi) => {
                let b = |x: &Option<i64>| match x {
                    Some(d) => Bound::Included(Term::from_field_i64(f.day, *d)),
                    None => Bound::Unbounded,
                };
                Box::new(RangeQuery::new(b(lo), b(hi)))
            }
            Expr::And(xs) => {
                let mut subs: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for x in xs {
                    match x {
                        Expr::Not(inner) => subs.push((Occur::MustNot, self.build(f, inner)?)),
                        _ => subs.push((Occur::Must, self.build(f, x)?)),
                    }
                }
                if subs.iter().all(|(o, _)| *o == Occur::MustNot) {
                    subs.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(subs))
            }
            Expr::Or(xs) => {
                let subs = xs
                    .iter()
                    .map(|x| Ok((Occur::Should, self.build(f, x)?)))
                    .collect::<Result<_, QueryError>>()?;
                Box::new(BooleanQuery::new(subs))
            }
            Expr::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery)),
                (Occur::MustNot, self.build(f, inner)?),
            ])),
        })
    }

    /// Runs a search over the partitions of `visible` labels only.
    /// `bodies_of` gives the bodies of the page's hits, by (id, seq), to
    /// cut their snippets from (the index does not store bodies): asked
    /// once a page, so a store across a network answers in one round trip.
    pub fn search(
        &self,
        visible: &[&Label],
        req: &SearchRequest,
        bodies_of: &BodiesOf<'_>,
    ) -> Result<SearchResult, SearchError> {
        let expr = query::parse(&req.query).map_err(SearchError::Query)?;
        let parts: Vec<&Partition> = visible.iter().filter_map(|l| self.parts.get(*l)).collect();
        let Some(first) = parts.first() else {
            let mut empty = SearchResult::default();
            if req.facets {
                empty.facets = FACETS.iter().map(|(name, _)| (name.to_string(), Vec::new())).collect();
            }
            return Ok(empty);
        };
        let f = first.f;
        let q = self.build(&f, &expr).map_err(SearchError::Query)?;
        let searchers: Vec<Searcher> = parts.iter().map(|p| p.reader.searcher()).collect();
        let stats = MultiStats::new(&searchers);
        let k = req.offset + req.limit;
        let mut total = 0usize;
        // (sort value, record key, partition, address); higher sort value
        // first, then lower key. The key is the record id as a number (a
        // fast field), so ties fall the same way in every index holding
        // the same records, however its segments were built: two nodes
        // that indexed them in other batches answer in one order.
        let mut cands: Vec<(f64, u64, usize, DocAddress)> = Vec::new();
        // A weight per partition: the query, less the documents shadowed by
        // a visible label. Term statistics are those of the visible
        // partitions together, looked up once and shared.
        let visible_keys: Vec<String> = parts.iter().map(|p| p.label.key()).collect();
        let mut weights: Vec<Box<dyn Weight>> = Vec::with_capacity(parts.len());
        for (p, searcher) in parts.iter().zip(&searchers) {
            let mut subs: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, q.box_clone())];
            for key in p.shadows(searcher)? {
                if visible_keys.contains(&key) {
                    let t = Term::from_field_text(f.shadow, &key);
                    subs.push((Occur::MustNot, Box::new(TermQuery::new(t, IndexRecordOption::Basic))));
                }
            }
            let pq: Box<dyn Query> = if subs.len() == 1 {
                q.box_clone()
            } else {
                Box::new(BooleanQuery::new(subs))
            };
            weights.push(pq.weight(EnableScoring::enabled_from_statistics_provider(&stats, searcher))?);
        }
        let flats: Option<HashMap<SegmentId, Arc<FlatFacets>>> = if req.facets {
            let mut m = HashMap::new();
            for (p, searcher) in parts.iter().zip(&searchers) {
                m.extend(p.flat_facets(searcher, &self.facet_names)?);
            }
            Some(m)
        } else {
            None
        };
        // One pass: top hits, the count and (if asked) the facet counts
        // together, for every partition.
        let tie = || (SortByStaticFastValue::<u64>::for_field("key"), Order::Asc);
        // With no words to rank by, every record scores alike: browsing
        // then lists newest first, as `sort: date` does, not in the order
        // of ingest.
        let sort = if req.query.trim().is_empty() {
            Sort::Date
        } else {
            req.sort
        };
        let per: Vec<PartitionFruit> = match sort {
            Sort::Relevance => {
                let top = TopDocs::with_limit(k.max(1)).order_by(((SortBySimilarityScore, Order::Desc), tie()));
                collect_all(&searchers, &weights, &(top, Count, FacetCounts(flats.as_ref())))?
                    .into_iter()
                    .map(|(top, n, fc)| {
                        let top = top
                            .into_iter()
                            .map(|((sc, key), a)| (sc as f64, key.unwrap_or(0), a))
                            .collect();
                        (top, n, fc)
                    })
                    .collect()
            }
            Sort::Date => {
                let by_date = (SortByStaticFastValue::<u64>::for_field("sortkey"), Order::Desc);
                let top = TopDocs::with_limit(k.max(1)).order_by((by_date, tie()));
                collect_all(&searchers, &weights, &(top, Count, FacetCounts(flats.as_ref())))?
                    .into_iter()
                    .map(|(top, n, fc)| {
                        let top = top
                            .into_iter()
                            .map(|((v, key), a)| (v.unwrap_or(0) as f64, key.unwrap_or(0), a))
                            .collect();
                        (top, n, fc)
                    })
                    .collect()
            }
        };
        let mut fruits = Vec::with_capacity(per.len());
        for (pi, (top, n, counts)) in per.into_iter().enumerate() {
            total += n;
            fruits.push(counts);
            cands.extend(top.into_iter().map(|(v, key, a)| (v, key, pi, a)));
        }
        let facet_counts = add_counts(fruits);
        cands.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| (a.1, a.2, a.3).cmp(&(b.1, b.2, b.3))));
        let page: Vec<(usize, DocAddress)> = cands
            .into_iter()
            .skip(req.offset)
            .take(req.limit)
            .map(|(_, _, pi, a)| (pi, a))
            .collect();
        let mut hits = Vec::with_capacity(page.len());
        for &(pi, addr) in &page {
            let d: TantivyDocument = searchers[pi].doc(addr)?;
            let get = |fl: Field| {
                d.get_first(fl)
                    .and_then(|x| x.as_str())
                    .map(str::to_string)
                    .filter(|x| !x.is_empty())
            };
            hits.push(Hit {
                id: get(f.id).unwrap_or_default(),
                label: parts[pi].label.clone(),
                seq: d.get_first(f.seq).and_then(|x| x.as_u64()).unwrap_or(0),
                message_id: get(f.message_id),
                date: get(f.date),
                doc_type: get(f.doc_type),
                classification: get(f.classification),
                from: get(f.from),
                to: get(f.to)
                    .map(|t| t.split("; ").map(str::to_string).collect())
                    .unwrap_or_default(),
                subject: get(f.subject),
                snippet: String::new(),
            });
        }
        let keys: Vec<(String, u64)> = hits.iter().map(|h| (h.id.clone(), h.seq)).collect();
        let mut bodies = bodies_of(&keys);
        bodies.resize(hits.len(), None);
        let mut snippet_gens: HashMap<usize, SnippetGenerator> = HashMap::new();
        for ((hit, &(pi, _)), body) in hits.iter_mut().zip(&page).zip(bodies) {
            let gen = match snippet_gens.entry(pi) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let mut g = SnippetGenerator::create(&searchers[pi], &q, f.text)?;
                    g.set_max_num_chars(200);
                    e.insert(g)
                }
            };
            let body = body.unwrap_or_default();
            let snip = gen.snippet(&body);
            hit.snippet = if snip.fragment().is_empty() {
                let head = body.char_indices().nth(200).map_or(body.len(), |(i, _)| i);
                snippet_html(&body, 0..head, &[])
            } else {
                snippet_html(&body, snip.fragment_range(), snip.highlighted())
            };
        }
        let mut facets = BTreeMap::new();
        if req.facets {
            let names = self.facet_names.lock().unwrap_or_else(|e| e.into_inner());
            let mut by_root: Vec<Vec<(String, u64)>> = vec![Vec::new(); FACETS.len()];
            for (id, n) in &facet_counts {
                // Ids are per encoded value, so each value comes once.
                let (fi, value) = &names.names[*id as usize];
                by_root[*fi].push((value.clone(), *n));
            }
            for (fi, (name, _)) in FACETS.iter().enumerate() {
                let mut vals = std::mem::take(&mut by_root[fi]);
                // Most frequent first; ties in name order, so the order is a
                // function of the counts alone.
                vals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                vals.truncate(req.facet_limit);
                facets.insert(name.to_string(), vals);
            }
        }
        Ok(SearchResult { total, hits, facets })
    }
}

/// Gives the bodies of versions by (record id, seq), in the order asked;
/// `None` for one the store no longer has.
pub type BodiesOf<'a> = dyn Fn(&[(String, u64)]) -> Vec<Option<String>> + 'a;

/// Facet counts by facet id (see [`FacetNames`]).
type FacetFruit = Vec<(u32, u64)>;

/// Adds up facet counts by id (ids are dense: a vector, not a map).
fn add_counts(fruits: Vec<FacetFruit>) -> FacetFruit {
    let Some(max) = fruits.iter().flat_map(|f| f.iter().map(|x| x.0)).max() else {
        return Vec::new();
    };
    let mut sum = vec![0u64; max as usize + 1];
    for (id, n) in fruits.into_iter().flatten() {
        sum[id as usize] += n;
    }
    sum.into_iter()
        .enumerate()
        .filter(|(_, n)| *n > 0)
        .map(|(id, n)| (id as u32, n))
        .collect()
}

/// What one partition gives a search: (sort value, record key, address) of its top
/// hits, its count, its facet counts.
type PartitionFruit = (Vec<(f64, u64, DocAddress)>, usize, FacetFruit);

/// A segment of a partition: (partition, segment ordinal).
type Task = (usize, usize);

/// Facet ordinals of every document of a segment, in two flat arrays,
/// with each ordinal's facet id. Counting a broad match then reads memory
/// in order instead of decoding a multi-valued column document by
/// document, and adding up segments goes by number instead of by string.
/// About 40 bytes a document, built once per segment.
struct FlatFacets {
    /// Document `d`'s ordinals are `ords[starts[d]..starts[d + 1]]`.
    starts: Vec<u32>,
    ords: Vec<u32>,
    /// Facet id of each ordinal (`u32::MAX`: not a facet we report).
    ids: Vec<u32>,
}

impl FlatFacets {
    fn build(r: &SegmentReader, names: &std::sync::Mutex<FacetNames>) -> tantivy::Result<FlatFacets> {
        let reader = r.facet_reader("facets")?;
        let mut ids = Vec::with_capacity(reader.num_facets());
        {
            let mut names = names.lock().unwrap_or_else(|e| e.into_inner());
            let mut terms = reader.facet_dict().stream()?;
            while terms.advance() {
                ids.push(names.id(terms.key()).unwrap_or(u32::MAX));
            }
        }
        let mut starts = Vec::with_capacity(r.max_doc() as usize + 1);
        let mut ords = Vec::new();
        starts.push(0);
        for doc in 0..r.max_doc() {
            ords.extend(reader.facet_ords(doc).map(|o| o as u32));
            starts.push(ords.len() as u32);
        }
        Ok(FlatFacets { starts, ords, ids })
    }
}

/// Counts the facet values of matching documents, when given the flat
/// facets of the segments searched.
struct FacetCounts<'a>(Option<&'a HashMap<SegmentId, Arc<FlatFacets>>>);

struct FacetSegment {
    flat: Option<Arc<FlatFacets>>,
    counts: Vec<u32>,
}

impl Collector for FacetCounts<'_> {
    type Fruit = FacetFruit;
    type Child = FacetSegment;

    fn for_segment(&self, _: SegmentOrdinal, r: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let flat = self.0.and_then(|m| m.get(&r.segment_id())).cloned();
        Ok(FacetSegment {
            counts: vec![0; flat.as_ref().map_or(0, |f| f.ids.len())],
            flat,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        Ok(add_counts(fruits))
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(f) = &self.flat {
            let (a, b) = (f.starts[doc as usize] as usize, f.starts[doc as usize + 1] as usize);
            for &o in &f.ords[a..b] {
                self.counts[o as usize] += 1;
            }
        }
    }

    fn harvest(self) -> FacetFruit {
        let Some(flat) = self.flat else {
            return Vec::new();
        };
        self.counts
            .iter()
            .zip(&flat.ids)
            .filter(|(n, id)| **n > 0 && **id != u32::MAX)
            .map(|(n, id)| (*id, u64::from(*n)))
            .collect()
    }
}

/// Searches at least this large (documents over the visible partitions)
/// run on every core: below it, starting threads costs more than it saves.
const PARALLEL_MIN_DOCS: u64 = 100_000;

/// Runs a collector over every visible partition with a prepared weight,
/// giving one fruit per partition. A large search splits the segments of
/// all partitions between the cores, in groups of about equal size; each
/// partition's fruits are merged in segment order, so the result does not
/// depend on the split.
fn collect_all<C>(searchers: &[Searcher], w: &[Box<dyn Weight>], c: &C) -> tantivy::Result<Vec<C::Fruit>>
where
    C: Collector + Sync,
    <C::Child as SegmentCollector>::Fruit: Send,
{
    let tasks: Vec<Task> = searchers
        .iter()
        .enumerate()
        .flat_map(|(p, s)| (0..s.segment_readers().len()).map(move |i| (p, i)))
        .collect();
    let size = |&(p, i): &Task| u64::from(searchers[p].segment_readers()[i].max_doc());
    let run = |ts: &[Task]| -> tantivy::Result<Vec<(Task, _)>> {
        ts.iter()
            .map(|&(p, i)| {
                Ok((
                    (p, i),
                    c.collect_segment(w[p].as_ref(), i as u32, &searchers[p].segment_readers()[i])?,
                ))
            })
            .collect()
    };
    let docs: u64 = tasks.iter().map(size).sum();
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(tasks.len());
    let mut fruits = if cores < 2 || docs < PARALLEL_MIN_DOCS {
        run(&tasks)?
    } else {
        let mut order = tasks.clone();
        order.sort_by_key(|t| std::cmp::Reverse(size(t)));
        let mut groups: Vec<(u64, Vec<Task>)> = vec![(0, Vec::new()); cores];
        for t in order {
            let g = groups.iter_mut().min_by_key(|g| g.0).expect("at least two groups");
            g.0 += size(&t);
            g.1.push(t);
        }
        let results: Vec<tantivy::Result<Vec<(Task, _)>>> = std::thread::scope(|sc| {
            let handles: Vec<_> = groups[1..].iter().map(|g| sc.spawn(|| run(&g.1))).collect();
            let mut out = vec![run(&groups[0].1)];
            out.extend(handles.into_iter().map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(TantivyError::InternalError("search thread".into())))
            }));
            out
        });
        let mut all = Vec::with_capacity(tasks.len());
        for r in results {
            all.extend(r?);
        }
        all
    };
    fruits.sort_by_key(|(t, _)| *t);
    let mut per: Vec<Vec<_>> = (0..searchers.len()).map(|_| Vec::new()).collect();
    for ((p, _), f) in fruits {
        per[p].push(f);
    }
    per.into_iter().map(|fs| c.merge_fruits(fs)).collect()
}

fn raw(field: Field, v: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, v),
        IndexRecordOption::Basic,
    ))
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out
}

/// A snippet as HTML, cut once here for every reader of it (the pages,
/// the API, the CLI): whole words only (a fragment that starts or ends
/// inside a word of `body` loses that part-word), every run of white space
/// one space (a snippet is one line), the text escaped by [`html_escape`]
/// and the `highlighted` byte ranges (of the fragment, `range` of `body`)
/// in `<mark>`.
pub fn snippet_html(body: &str, range: std::ops::Range<usize>, highlighted: &[std::ops::Range<usize>]) -> String {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let Some(fragment) = body.get(range.clone()) else {
        return String::new();
    };
    let at = range.start;
    let mut start = 0;
    let mut end = fragment.len();
    // Cut a part-word at either end, unless the fragment would lose all.
    if word(body[..at].chars().next_back()) && word(fragment.chars().next()) {
        if let Some(i) = fragment.find(char::is_whitespace) {
            start = i;
        }
    }
    if word(body[range.end..].chars().next()) && word(fragment.chars().next_back()) {
        if let Some(i) = fragment.rfind(char::is_whitespace) {
            if i > start {
                end = i;
            }
        }
    }
    let mut out = String::new();
    let mut space = false;
    let mut open = false;
    for (i, c) in fragment[start..end].char_indices().map(|(i, c)| (i + start, c)) {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let inside = highlighted.iter().any(|r| r.start <= i && i < r.end);
        // A mark closes before the space and opens after it.
        if open && !inside {
            out.push_str("</mark>");
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        if inside && !open {
            out.push_str("<mark>");
        }
        open = inside;
        space = false;
        out.push_str(&html_escape(c.encode_utf8(&mut [0; 4])));
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

#[cfg(test)]
mod snippet_tests {
    use super::snippet_html;

    #[test]
    fn snippets_cut_at_word_boundaries_on_one_line_with_no_entities_but_markup() {
        let body = "The Secretary's view:\n\n   Khrushchev's <aide> said Berlin was calm.";
        // A fragment that starts inside "Secretary's" and ends inside "calm".
        let from = body.find("cretary").unwrap();
        let to = body.find("alm").unwrap();
        let b = body.find("Berlin").unwrap() - from;
        let s = snippet_html(body, from..to, std::slice::from_ref(&(b..b + 6)));
        assert_eq!(s, "view: Khrushchev's &lt;aide&gt; said <mark>Berlin</mark> was");
    }
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// BM25 statistics over the visible partitions only, each looked up once
/// per search however many weights ask.
struct MultiStats<'a> {
    searchers: &'a [Searcher],
    tokens: std::sync::Mutex<HashMap<Field, u64>>,
    freqs: std::sync::Mutex<HashMap<Term, u64>>,
}

impl<'a> MultiStats<'a> {
    fn new(searchers: &'a [Searcher]) -> Self {
        MultiStats {
            searchers,
            tokens: Default::default(),
            freqs: Default::default(),
        }
    }
}

impl Bm25StatisticsProvider for MultiStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let mut memo = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = memo.get(&field) {
            return Ok(*n);
        }
        let n = self
            .searchers
            .iter()
            .map(|s| s.total_num_tokens(field))
            .sum::<tantivy::Result<u64>>()?;
        memo.insert(field, n);
        Ok(n)
    }
    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searchers.iter().map(|s| s.total_num_docs()).sum()
    }
    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let mut memo = self.freqs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = memo.get(term) {
            return Ok(*n);
        }
        let n = self
            .searchers
            .iter()
            .map(|s| s.doc_freq(term))
            .sum::<tantivy::Result<u64>>()?;
        memo.insert(term.clone(), n);
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Date,
}

#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub limit: usize,
    pub offset: usize,
    pub sort: Sort,
    pub facets: bool,
    pub facet_limit: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            limit: 10,
            offset: 0,
            sort: Sort::Relevance,
            facets: false,
            facet_limit: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub id: String,
    /// The label of the partition the hit came from.
    pub label: Label,
    pub seq: u64,
    pub message_id: Option<String>,
    pub date: Option<String>,
    pub doc_type: Option<String>,
    pub classification: Option<String>,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub subject: Option<String>,
    /// HTML: escaped text with `<mark>` around hits.
    pub snippet: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchResult {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
}

#[derive(Debug)]
pub enum SearchError {
    Query(QueryError),
    Index(TantivyError),
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::Query(e) => write!(f, "bad query: {e}"),
            SearchError::Index(e) => write!(f, "index error: {e}"),
        }
    }
}

impl std::error::Error for SearchError {}

impl From<TantivyError> for SearchError {
    fn from(e: TantivyError) -> Self {
        SearchError::Index(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids a search of one partition finds, sorted.
    fn hit_ids(p: &Partitions, label: &Label, q: &str) -> Vec<String> {
        let req = SearchRequest {
            query: q.into(),
            ..Default::default()
        };
        let r = p.search(&[label], &req, &bodies).unwrap();
        let mut v: Vec<String> = r.hits.into_iter().map(|h| h.id).collect();
        v.sort();
        v
    }

    /// The bodies the store would give for a page's snippets.
    fn bodies(keys: &[(String, u64)]) -> Vec<Option<String>> {
        keys.iter()
            .map(|(id, _)| Some(format!("record {id}: cuba missiles")))
            .collect()
    }

    fn doc(id: &str, body: &str, date: &str) -> IndexDoc {
        IndexDoc {
            id: id.into(),
            seq: 1,
            body: body.into(),
            date: Some(date.into()),
            classification: Some("SECRET".into()),
            doc_type: Some("telegram".into()),
            from: Some("USRO PARIS".into()),
            to: vec!["SECSTATE WASHINGTON".into()],
            persons: vec!["Khrushchev".into()],
            series: Some("POLTO".into()),
            message_id: Some(format!("POLTO {id}")),
            ..IndexDoc::default()
        }
    }

    /// Regression (issue 19): two nodes that indexed the same records in
    /// other batches answered equal-scored hits in other orders, since
    /// ties fell by segment and address.
    #[test]
    fn ties_fall_by_record_id_however_the_segments_were_built() {
        let u = Label::unclassified();
        let ids = [
            "00000000000000a1",
            "00000000000000b2",
            "00000000000000c3",
            "00000000000000d4",
        ];
        let order = |batches: &[&[usize]], sort: Sort| {
            let dir = tempfile::tempdir().unwrap();
            let mut p = Partitions::open(dir.path()).unwrap();
            for (n, batch) in batches.iter().enumerate() {
                for &i in *batch {
                    p.add(&u, &doc(ids[i], "berlin wall", "1961-08-13")).unwrap();
                }
                p.commit(n as u64 + 1).unwrap();
            }
            let req = SearchRequest {
                query: "berlin".into(),
                limit: 3,
                sort,
                ..Default::default()
            };
            let r = p.search(&[&u], &req, &bodies).unwrap();
            r.hits.into_iter().map(|h| h.id).collect::<Vec<_>>()
        };
        // Equal scores: the lowest ids. (Equal days go by a hash of the
        // id, which the date sort key carries.)
        assert_eq!(order(&[&[3, 2, 1, 0]], Sort::Relevance), ids[..3].to_vec());
        for sort in [Sort::Relevance, Sort::Date] {
            let one = order(&[&[3, 2, 1, 0]], sort);
            assert_eq!(order(&[&[1], &[3, 0], &[2]], sort), one, "{sort:?}");
            assert_eq!(order(&[&[0], &[1], &[2], &[3]], sort), one, "{sort:?}");
        }
    }

    #[test]
    fn facets_count_across_segments_partitions_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Partitions::open(dir.path()).unwrap();
        let (u, s) = (Label::unclassified(), Label::parse("SECRET").unwrap());
        let mut a = doc("1", "berlin wall", "1961-08-13");
        a.persons = vec!["Khrushchev".into(), "Ulbricht".into()];
        a.to = vec!["AMEMBASSY BONN".into(), "USBER".into()];
        p.add(&u, &a).unwrap();
        p.commit(1).unwrap();
        // A second segment in the same partition, and a second partition.
        let mut b = doc("2", "berlin talks", "1962-01-05");
        b.persons = vec!["Ulbricht".into()];
        p.add(&u, &b).unwrap();
        p.add(&s, &doc("3", "berlin access", "1962-02-01")).unwrap();
        p.commit(2).unwrap();
        let req = SearchRequest {
            query: "berlin".into(),
            facets: true,
            ..Default::default()
        };
        let r = p.search(&[&u, &s], &req, &bodies).unwrap();
        assert_eq!(r.total, 3);
        let v = |name: &str| r.facets[name].clone();
        let pair = |x: &str, n: u64| (x.to_string(), n);
        assert_eq!(v("person"), vec![pair("Khrushchev", 2), pair("Ulbricht", 2)]);
        assert_eq!(v("year"), vec![pair("1962", 2), pair("1961", 1)]);
        assert_eq!(
            v("addressee"),
            vec![
                pair("SECSTATE WASHINGTON", 2),
                pair("AMEMBASSY BONN", 1),
                pair("USBER", 1)
            ]
        );
        assert_eq!(v("series"), vec![pair("POLTO", 3)]);
        // Only what matched is counted.
        let talks = p
            .search(
                &[&u, &s],
                &SearchRequest {
                    query: "talks".into(),
                    facets: true,
                    ..Default::default()
                },
                &bodies,
            )
            .unwrap();
        assert_eq!(talks.facets["person"], vec![pair("Ulbricht", 1)]);
    }

    #[test]
    fn partitions_search_only_what_is_visible() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Partitions::open(dir.path()).unwrap();
        let u = Label::unclassified();
        let s = Label::parse("SECRET").unwrap();
        p.add(&u, &doc("1", "cuba missiles quarantine", "1962-10-22")).unwrap();
        p.add(&s, &doc("2", "cuba missiles secret annex", "1962-11-07"))
            .unwrap();
        p.commit(1).unwrap();
        let req = SearchRequest {
            query: "cuba".into(),
            facets: true,
            ..Default::default()
        };
        let public = p.search(&[&u], &req, &bodies).unwrap();
        assert_eq!(public.total, 1);
        assert_eq!(public.hits[0].id, "1");
        assert_eq!(public.facets["classification"], vec![("SECRET".to_string(), 1)]);
        let both = p.search(&[&u, &s], &req, &bodies).unwrap();
        assert_eq!(both.total, 2);
        let annex = p
            .search(
                &[&u],
                &SearchRequest {
                    query: "annex OR anne*".into(),
                    ..Default::default()
                },
                &bodies,
            )
            .unwrap();
        assert_eq!(annex.total, 0);
        let ranged = p
            .search(
                &[&u, &s],
                &SearchRequest {
                    query: "date:1962-11..1962-12".into(),
                    ..Default::default()
                },
                &bodies,
            )
            .unwrap();
        assert_eq!(ranged.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), vec!["2"]);
        let by_date = p
            .search(
                &[&u, &s],
                &SearchRequest {
                    query: "".into(),
                    sort: Sort::Date,
                    ..Default::default()
                },
                &bodies,
            )
            .unwrap();
        assert_eq!(
            by_date.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            vec!["2", "1"]
        );
        assert!(both.hits.iter().any(|h| h.snippet.contains("<mark>cuba</mark>")));
    }

    #[test]
    fn shadowed_versions_give_way_to_the_more_complete_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Partitions::open(dir.path()).unwrap();
        let u = Label::unclassified();
        let s = Label::parse("SECRET").unwrap();
        let mut released = doc("7", "cuba release", "1962-10-22");
        released.seq = 2;
        released.shadow = vec![s.clone()];
        p.add(&u, &released).unwrap();
        p.add(&s, &doc("7", "cuba original", "1962-10-22")).unwrap();
        p.commit(1).unwrap();
        let req = SearchRequest {
            query: "cuba".into(),
            ..Default::default()
        };
        let public = p.search(&[&u], &req, &bodies).unwrap();
        assert_eq!((public.total, public.hits[0].seq), (1, 2));
        let cleared = p.search(&[&u, &s], &req, &bodies).unwrap();
        assert_eq!((cleared.total, cleared.hits[0].seq), (1, 1));
    }

    #[test]
    fn phrases_match_adjacent_words_within_one_value_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Partitions::open(dir.path()).unwrap();
        let u = Label::unclassified();
        let mut a = doc("1", "the berlin wall was built", "1961-08-13");
        a.subject = Some("access to berlin".into());
        p.add(&u, &a).unwrap();
        p.add(&u, &doc("2", "a wall in berlin", "1961-08-14")).unwrap();
        let long = "x".repeat(50);
        p.add(&u, &doc("3", &format!("berlin {long} wall"), "1961-08-15"))
            .unwrap();
        p.commit(1).unwrap();
        let ids = |q: &str| hit_ids(&p, &u, q);
        // Not 2 (both words, apart) nor 3 (a word too long to index sits
        // between them: no pair, no phrase).
        assert_eq!(ids("\"berlin wall\""), vec!["1"]);
        assert_eq!(ids("\"the berlin wall was\""), vec!["1"]);
        assert_eq!(ids("\"wall in berlin\""), vec!["2"]);
        // The subject ends with "berlin", the body starts with "the".
        assert!(ids("\"berlin the\"").is_empty());
        assert_eq!(ids("berlin AND wall"), vec!["1", "2", "3"]);
    }

    /// Pair lists live in segment files: a merge must carry them over,
    /// renumbered, without the deleted documents.
    #[test]
    fn phrases_survive_merges_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Partitions::open(dir.path()).unwrap();
        let u = Label::unclassified();
        let texts = [
            "the berlin wall was built",
            "a wall in berlin",
            "berlin wall again",
            "nothing here",
            "east berlin wall",
        ];
        for (i, b) in texts.iter().enumerate() {
            p.add(&u, &doc(&i.to_string(), b, "1961-08-13")).unwrap();
            // One segment each.
            p.commit(i as u64 + 1).unwrap();
        }
        p.delete_record("2").unwrap();
        p.commit(6).unwrap();
        let ids = |p: &Partitions, q: &str| hit_ids(p, &u, q);
        assert_eq!(ids(&p, "\"berlin wall\""), vec!["0", "4"]);
        let part = p.parts.get_mut(&u).unwrap();
        let segments = part.index.searchable_segment_ids().unwrap();
        assert!(segments.len() >= 2, "{segments:?}");
        part.writer(std::time::Duration::ZERO)
            .unwrap()
            .merge(&segments)
            .wait()
            .unwrap();
        part.reader.reload().unwrap();
        assert_eq!(part.reader.searcher().segment_readers().len(), 1);
        assert_eq!(ids(&p, "\"berlin wall\""), vec!["0", "4"]);
        assert_eq!(ids(&p, "\"wall in berlin\""), vec!["1"]);
        assert_eq!(ids(&p, "\"wall again\""), Vec::<String>::new());
        assert_eq!(ids(&p, "berlin"), vec!["0", "1", "4"]);
    }

    #[test]
    fn a_delete_takes_exactly_one_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Partitions::open(dir.path()).unwrap();
        let u = Label::unclassified();
        // Two versions of one record, a record whose id differs by a digit,
        // and one whose id is not a record id (hashed).
        let a = "0123456789abcdef";
        for (id, seq) in [(a, 1), (a, 2), ("0123456789abcdee", 1), ("doc-7", 1)] {
            let mut d = doc(id, "cuba", "1962-10-22");
            d.seq = seq;
            p.add(&u, &d).unwrap();
        }
        p.commit(1).unwrap();
        p.delete_record(a).unwrap();
        p.commit(2).unwrap();
        let held = p.partition(&u).unwrap().versions().unwrap();
        let want = [("0123456789abcdee", 1), ("doc-7", 1)];
        let mut want: Vec<(String, u64)> = want.iter().map(|(i, s)| (i.to_string(), *s)).collect();
        want.sort();
        assert_eq!(held, want);
        assert_eq!(record_key(a), 0x0123456789abcdef);
        assert_ne!(
            record_key("0123456789ABCDEF"),
            record_key(a),
            "only the archive's own spelling is read"
        );
    }

    /// The cursor moves with commits, after them; deleting a record
    /// removes its versions from every partition that holds one.
    #[test]
    fn commits_move_the_cursor_and_records_delete_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Partitions::open(dir.path()).unwrap();
        p.finish_rebuild().unwrap();
        assert_eq!(p.cursor(), 0);
        let (u, s) = (Label::unclassified(), Label::parse("SECRET").unwrap());
        p.add(&u, &doc("1", "kept", "1962-01-01")).unwrap();
        p.add(&u, &doc("2", "gone", "1962-01-02")).unwrap();
        p.add(&s, &doc("2", "gone", "1962-01-02")).unwrap();
        p.commit(7).unwrap();
        assert_eq!(p.cursor(), 7);
        p.delete_record("2").unwrap();
        p.commit(8).unwrap();
        let p = Partitions::open(dir.path()).unwrap();
        assert_eq!(p.cursor(), 8);
        assert_eq!(p.partition(&u).unwrap().num_docs(), 1);
        assert_eq!(p.partition(&s).unwrap().num_docs(), 0);
    }

    /// A reader of the directory sees another writer's commits by
    /// reloading, and a rebuild or a new partition as a change to reopen for.
    #[test]
    fn a_reader_follows_another_writer() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Partitions::open(dir.path()).unwrap();
        w.finish_rebuild().unwrap();
        let u = Label::unclassified();
        w.add(&u, &doc("1", "first", "1962-01-01")).unwrap();
        w.commit(1).unwrap();
        let r = Partitions::open(dir.path()).unwrap();
        assert!(!r.changed_on_disk());
        w.add(&u, &doc("2", "second", "1962-01-02")).unwrap();
        w.commit(2).unwrap();
        assert_eq!(r.partition(&u).unwrap().num_docs(), 1);
        r.reload().unwrap();
        assert_eq!(r.partition(&u).unwrap().num_docs(), 2);
        w.add(&Label::parse("SECRET").unwrap(), &doc("3", "third", "1962-01-03"))
            .unwrap();
        w.commit(3).unwrap();
        assert!(r.changed_on_disk(), "a new partition");
        let r = Partitions::open(dir.path()).unwrap();
        w.clear().unwrap();
        assert!(!r.changed_on_disk(), "a rebuild under way is not one yet");
        w.commit(3).unwrap();
        w.finish_rebuild().unwrap();
        assert!(r.changed_on_disk(), "a rebuild finished");
    }

    /// A new directory, or one whose rebuild never finished, is stale:
    /// its partitions are not read, and the archive rebuilds them.
    #[test]
    fn an_index_is_read_only_once_its_rebuild_is_marked_finished() {
        let dir = tempfile::tempdir().unwrap();
        let u = Label::unclassified();
        let mut p = Partitions::open(dir.path()).unwrap();
        assert!(p.is_stale(), "a new directory");
        p.clear().unwrap();
        p.add(&u, &doc("1", "kept", "1962-01-01")).unwrap();
        p.commit(1).unwrap();
        drop(p);
        let p = Partitions::open(dir.path()).unwrap();
        assert!(p.is_stale() && p.partition(&u).is_none(), "committed, but not finished");
        drop(p);
        let mut p = Partitions::open(dir.path()).unwrap();
        p.clear().unwrap();
        p.add(&u, &doc("1", "kept", "1962-01-01")).unwrap();
        p.commit(1).unwrap();
        p.finish_rebuild().unwrap();
        drop(p);
        let p = Partitions::open(dir.path()).unwrap();
        assert!(!p.is_stale());
        assert_eq!(p.partition(&u).unwrap().num_docs(), 1);
    }
}
