//! Word-pair buckets: which documents of a segment hold a pair of adjacent
//! words hashing to a bucket, kept in a file of each segment by a tantivy
//! segment plugin.
//!
//! A phrase over frequent words otherwise reads positions for every
//! document holding all its words; the buckets of its pairs narrow that to
//! the few documents that may hold it, and the phrase query decides.
//!
//! Why a plugin and not a field of bucket terms (as before): a term costs
//! tantivy a hash-table insert per document, and a document has as many
//! pairs as words, so the pair terms cost as much to index as all the
//! words did (16% of an ingest's CPU). Here a document's buckets are
//! appended to two arrays, and sorted by bucket once per segment.
//!
//! Layout of a segment's `pairs` file (integers little-endian):
//! - the lists, one per bucket present, in bucket order: document ids as
//!   gaps, in blocks of up to 128, each a byte of bit width then the gaps
//!   bit-packed at that width;
//! - the table: per bucket present, `bucket u16, count u32, offset u64`;
//! - the number of table entries (`u32`), then [`MAGIC`].

use std::any::Any;
use std::io::Write;
use std::sync::Arc;

use tantivy::directory::{OwnedBytes, TerminatingWrite};
use tantivy::index::SegmentComponent;
use tantivy::indexer::doc_id_mapping::{DocIdMapping, MappingType};
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::document::ErasedDocument;
use tantivy::schema::{Field, Schema, Value};
use tantivy::{
    DocId, DocSet, PluginMergeContext, PluginWriter, PluginWriterContext, Score, Segment, SegmentPlugin, SegmentReader,
    TantivyDocument, TantivyError, TERMINATED,
};

use crate::words::Words;

/// The file extension of a segment's pair lists.
const EXT: &str = "pairs";
/// The field that carries a document's buckets, and its type name.
pub(crate) const FIELD: &str = "pairs";
pub(crate) const FIELD_TYPE: &str = "airgram_pairs";
const MAGIC: &[u8; 4] = b"AGP1";
const ENTRY: usize = 2 + 4 + 8;
const BLOCK: usize = 128;

fn component() -> SegmentComponent {
    SegmentComponent::Custom(EXT.to_string())
}

fn corrupt(why: &str) -> TantivyError {
    TantivyError::InternalError(format!("pair lists: {why}"))
}

/// 2^64 over the golden ratio, odd: multiplying by it spreads bits upward.
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// A word's hash, eight bytes at a step. (FNV, which the previous layout
/// used, takes a dependent multiply a byte, and hashed each word twice.)
fn word_hash(w: &str) -> u64 {
    let mut h = (w.len() as u64).wrapping_mul(MIX);
    for chunk in w.as_bytes().chunks(8) {
        // Little-endian, by shifts: a copy into a buffer became a call.
        let v = chunk
            .iter()
            .enumerate()
            .fold(0u64, |v, (i, &c)| v | u64::from(c) << (8 * i));
        h = (h.rotate_left(29) ^ v).wrapping_mul(MIX);
    }
    h
}

/// The bucket of a pair, from its words' hashes: the top 16 bits of a
/// product, which mix every bit of both (the order of the words counts).
fn bucket_of(a: u64, b: u64) -> u16 {
    ((a.rotate_left(23) ^ b).wrapping_mul(MIX) >> 48) as u16
}

/// The bucket of two adjacent words. Part of the index layout: a change
/// needs a new `FORMAT`.
pub(crate) fn bucket(a: &str, b: &str) -> u16 {
    bucket_of(word_hash(a), word_hash(b))
}

/// The distinct pair buckets of one document's values, gathered value by
/// value, as the bytes of its pairs field (two a bucket).
pub(crate) struct DocPairs {
    /// One bit a bucket: seen in this document.
    seen: Vec<u64>,
    list: Vec<u16>,
    words: Words,
    /// `list` as the field's bytes, reused from document to document.
    bytes: Vec<u8>,
}

impl Default for DocPairs {
    fn default() -> Self {
        DocPairs {
            seen: vec![0; 1 << 10],
            list: Vec::new(),
            words: Words::default(),
            bytes: Vec::new(),
        }
    }
}

impl DocPairs {
    pub(crate) fn clear(&mut self) {
        for &b in &self.list {
            self.seen[usize::from(b >> 6)] = 0;
        }
        self.list.clear();
    }

    /// Adds the pairs of one value: words at adjacent positions (a word
    /// dropped as too long breaks the pair, as it breaks a phrase). Pairs
    /// never span two values.
    pub(crate) fn add_value(&mut self, text: &str) {
        use tantivy::tokenizer::{TokenStream as _, Tokenizer as _};
        let mut words = self.words.token_stream(text);
        let mut prev: Option<(usize, u64)> = None;
        while words.advance() {
            let t = words.token();
            let h = word_hash(&t.text);
            if let Some((pos, before)) = prev {
                if t.position == pos + 1 {
                    let b = bucket_of(before, h);
                    let (w, bit) = (usize::from(b >> 6), 1u64 << (b & 63));
                    if self.seen[w] & bit == 0 {
                        self.seen[w] |= bit;
                        self.list.push(b);
                    }
                }
            }
            prev = Some((t.position, h));
        }
    }

    pub(crate) fn bytes(&mut self) -> &[u8] {
        self.bytes.clear();
        self.bytes.extend(self.list.iter().flat_map(|b| b.to_le_bytes()));
        &self.bytes
    }
}

/// Registered on every partition's index: writes and merges the pair lists.
pub(crate) struct PairPlugin;

impl SegmentPlugin for PairPlugin {
    fn extensions(&self) -> &[&str] {
        &[EXT]
    }

    fn create_writer(&self, ctx: &PluginWriterContext) -> tantivy::Result<Box<dyn PluginWriter>> {
        let field = pairs_field(&ctx.segment.schema())?;
        Ok(Box::new(PairWriter {
            field,
            docs: Vec::new(),
            buckets: Vec::new(),
        }))
    }

    fn merge(&self, ctx: PluginMergeContext) -> tantivy::Result<()> {
        // Segments are stacked in order, less their deleted documents
        // (this index is never sorted): the new id of each old document.
        if ctx.doc_id_mapping.mapping_type() == MappingType::Shuffled {
            return Err(TantivyError::InvalidArgument(
                "pair lists do not support sorted indexes".into(),
            ));
        }
        let mut next: DocId = 0;
        let mut maps = Vec::with_capacity(ctx.readers.len());
        let mut sources = Vec::with_capacity(ctx.readers.len());
        for r in ctx.readers {
            let mut map = vec![DocId::MAX; r.max_doc() as usize];
            for d in r.doc_ids_alive() {
                map[d as usize] = next;
                next += 1;
            }
            maps.push(map);
            sources.push(SegmentPairs::open(r)?);
        }
        let mut cursors = vec![0usize; sources.len()];
        let mut out = ListWriter::new(ctx.target_segment)?;
        let mut docs = Vec::new();
        let mut merged = Vec::new();
        for bucket in 0..=u16::MAX {
            merged.clear();
            for ((src, at), map) in sources.iter().zip(cursors.iter_mut()).zip(&maps) {
                if src.bucket_at(*at) != Some(bucket) {
                    continue;
                }
                src.docs_at(*at, &mut docs)?;
                *at += 1;
                for &d in &docs {
                    match map.get(d as usize) {
                        Some(&n) if n != DocId::MAX => merged.push(n),
                        Some(_) => {}
                        None => return Err(corrupt("a document beyond its segment")),
                    }
                }
            }
            if !merged.is_empty() {
                out.list(bucket, &merged)?;
            }
        }
        // Every list read: a table out of bucket order would leave some behind.
        if sources.iter().zip(&cursors).any(|(src, &at)| at != src.n) {
            return Err(corrupt("a table out of bucket order"));
        }
        out.finish()
    }
}

fn pairs_field(schema: &Schema) -> tantivy::Result<Field> {
    schema
        .get_field(FIELD)
        .map_err(|_| TantivyError::SchemaError("no pairs field".into()))
}

struct PairWriter {
    field: Field,
    /// (document, bucket) in the order added, which is document order.
    docs: Vec<DocId>,
    buckets: Vec<u16>,
}

impl PluginWriter for PairWriter {
    fn add_document(&mut self, doc_id: DocId, doc: &dyn ErasedDocument, _: &Schema) -> tantivy::Result<()> {
        let Some(doc) = doc.as_any().downcast_ref::<TantivyDocument>() else {
            return Err(TantivyError::InvalidArgument(
                "pair lists index tantivy documents only".into(),
            ));
        };
        for v in doc.get_all(self.field) {
            if let Some(bytes) = v.as_custom() {
                for b in bytes.chunks_exact(2) {
                    self.buckets.push(u16::from_le_bytes([b[0], b[1]]));
                    self.docs.push(doc_id);
                }
            }
        }
        Ok(())
    }

    fn serialize(self: Box<Self>, segment: &Segment, doc_id_map: Option<&DocIdMapping>) -> tantivy::Result<()> {
        if doc_id_map.is_some() {
            return Err(TantivyError::InvalidArgument(
                "pair lists do not support sorted indexes".into(),
            ));
        }
        // Counting sort by bucket; stable, so each list stays in document order.
        let mut starts = vec![0usize; (1 << 16) + 1];
        for &b in &self.buckets {
            starts[usize::from(b) + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut fill = starts.clone();
        let mut sorted = vec![0 as DocId; self.docs.len()];
        for (&b, &d) in self.buckets.iter().zip(&self.docs) {
            let (lo, at) = (starts[usize::from(b)], &mut fill[usize::from(b)]);
            // A bucket twice in one document (not from `DocPairs`) counts once.
            if *at > lo && sorted[*at - 1] == d {
                continue;
            }
            sorted[*at] = d;
            *at += 1;
        }
        let mut out = ListWriter::new(segment)?;
        for b in 0..=u16::MAX {
            let (lo, hi) = (starts[usize::from(b)], fill[usize::from(b)]);
            if lo < hi {
                out.list(b, &sorted[lo..hi])?;
            }
        }
        out.finish()
    }

    fn mem_usage(&self) -> usize {
        self.docs.capacity() * 4 + self.buckets.capacity() * 2
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Writes a segment's pair file: the lists as they come, then the table.
struct ListWriter {
    w: tantivy::directory::WritePtr,
    written: u64,
    table: Vec<u8>,
    block: Vec<u8>,
}

impl ListWriter {
    fn new(segment: &Segment) -> tantivy::Result<ListWriter> {
        Ok(ListWriter {
            w: segment.open_write(component())?,
            written: 0,
            table: Vec::new(),
            block: Vec::new(),
        })
    }

    /// The list of `bucket`: strictly increasing document ids.
    fn list(&mut self, bucket: u16, docs: &[DocId]) -> tantivy::Result<()> {
        self.table.extend(bucket.to_le_bytes());
        self.table.extend((docs.len() as u32).to_le_bytes());
        self.table.extend(self.written.to_le_bytes());
        self.block.clear();
        encode(docs, &mut self.block);
        self.w.write_all(&self.block)?;
        self.written += self.block.len() as u64;
        Ok(())
    }

    fn finish(mut self) -> tantivy::Result<()> {
        let n = (self.table.len() / ENTRY) as u32;
        self.w.write_all(&self.table)?;
        self.w.write_all(&n.to_le_bytes())?;
        self.w.write_all(MAGIC)?;
        self.w.terminate()?;
        Ok(())
    }
}

/// Appends strictly increasing ids as gaps, bit-packed in blocks.
fn encode(docs: &[DocId], out: &mut Vec<u8>) {
    let mut prev = 0;
    for chunk in docs.chunks(BLOCK) {
        let gaps: Vec<u32> = chunk
            .iter()
            .map(|&d| {
                let g = d - prev;
                prev = d;
                g
            })
            .collect();
        let width = 32 - gaps.iter().fold(0, |m, &g| m | g).leading_zeros();
        out.push(width as u8);
        let (mut acc, mut bits) = (0u64, 0u32);
        for g in gaps {
            acc |= u64::from(g) << bits;
            bits += width;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        if bits > 0 {
            out.push(acc as u8);
        }
    }
}

/// Reads `count` ids that [`encode`] wrote at the start of `data` into `out`.
fn decode(data: &[u8], count: usize, out: &mut Vec<DocId>) -> tantivy::Result<()> {
    out.clear();
    out.reserve(count);
    let mut at = 0;
    let mut prev: u32 = 0;
    while out.len() < count {
        let n = (count - out.len()).min(BLOCK);
        let width = u32::from(*data.get(at).ok_or_else(|| corrupt("a list ends early"))?);
        if width > 32 {
            return Err(corrupt("a bit width over 32"));
        }
        at += 1;
        let len = (n * width as usize).div_ceil(8);
        let bytes = data.get(at..at + len).ok_or_else(|| corrupt("a list ends early"))?;
        at += len;
        let mask = if width == 32 {
            u64::from(u32::MAX)
        } else {
            (1u64 << width) - 1
        };
        let (mut acc, mut bits, mut i) = (0u64, 0u32, 0);
        for _ in 0..n {
            while bits < width {
                acc |= u64::from(bytes[i]) << bits;
                i += 1;
                bits += 8;
            }
            let d = prev
                .checked_add((acc & mask) as u32)
                .ok_or_else(|| corrupt("an id out of range"))?;
            if !out.is_empty() && d == prev {
                return Err(corrupt("ids out of order"));
            }
            out.push(d);
            prev = d;
            acc >>= width;
            bits -= width;
        }
    }
    Ok(())
}

/// A segment's pair file, read.
pub(crate) struct SegmentPairs {
    bytes: OwnedBytes,
    /// Where the table starts, and its entries.
    table: usize,
    n: usize,
}

impl SegmentPairs {
    fn open(r: &SegmentReader) -> tantivy::Result<SegmentPairs> {
        let bytes = r
            .open_read(component())
            .map_err(|e| corrupt(&e.to_string()))?
            .read_bytes()?;
        let len = bytes.len();
        if len < 8 || &bytes[len - 4..] != MAGIC {
            return Err(corrupt("not a pair file"));
        }
        let n = u32::from_le_bytes(bytes[len - 8..len - 4].try_into().expect("four bytes")) as usize;
        let table = (len - 8)
            .checked_sub(n * ENTRY)
            .ok_or_else(|| corrupt("a table longer than its file"))?;
        Ok(SegmentPairs { bytes, table, n })
    }

    fn entry(&self, i: usize) -> &[u8] {
        let at = self.table + i * ENTRY;
        &self.bytes[at..at + ENTRY]
    }

    fn bucket_at(&self, i: usize) -> Option<u16> {
        (i < self.n).then(|| u16::from_le_bytes([self.entry(i)[0], self.entry(i)[1]]))
    }

    /// The ids of table entry `i`.
    fn docs_at(&self, i: usize, out: &mut Vec<DocId>) -> tantivy::Result<()> {
        let e = self.entry(i);
        let count = u32::from_le_bytes(e[2..6].try_into().expect("four bytes")) as usize;
        let offset = u64::from_le_bytes(e[6..14].try_into().expect("eight bytes"));
        let data = usize::try_from(offset)
            .ok()
            .and_then(|o| self.bytes[..self.table].get(o..))
            .ok_or_else(|| corrupt("a list outside its file"))?;
        decode(data, count, out)
    }

    /// The ids of the documents holding `bucket`.
    fn docs(&self, bucket: u16) -> tantivy::Result<Vec<DocId>> {
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.bucket_at(mid).expect("within the table").cmp(&bucket) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let mut out = Vec::new();
                    self.docs_at(mid, &mut out)?;
                    return Ok(out);
                }
            }
        }
        Ok(Vec::new())
    }
}

/// The pair files of live segments, kept open: tantivy maps a file only
/// while someone holds it, and mapping a segment's file again for every
/// phrase (and faulting its pages in) cost more than the phrase.
pub(crate) type PairFiles = crate::SegmentCache<SegmentPairs>;

/// The documents that may hold a pair of adjacent words: a filter (it
/// scores nothing, so a phrase scores the same with or without it).
#[derive(Clone, Debug)]
pub(crate) struct PairQuery {
    pub(crate) bucket: u16,
    pub(crate) files: Arc<PairFiles>,
}

impl Query for PairQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(PairWeight(self.clone())))
    }
}

struct PairWeight(PairQuery);

impl PairWeight {
    fn docs(&self, reader: &SegmentReader) -> tantivy::Result<Vec<DocId>> {
        let file = self.0.files.get(reader.segment_id(), || SegmentPairs::open(reader))?;
        file.docs(self.0.bucket)
    }
}

impl Weight for PairWeight {
    fn scorer(&self, reader: &SegmentReader, _: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = self.docs(reader)?;
        Ok(Box::new(ConstScorer::new(ListDocSet { docs, at: 0 }, 0.0)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let bucket = self.0.bucket;
        if self.docs(reader)?.binary_search(&doc).is_err() {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} has no pair in bucket {bucket}"
            )));
        }
        Ok(Explanation::new("a pair bucket (a filter)", 0.0))
    }
}

/// Strictly increasing ids, seeking by binary search.
struct ListDocSet {
    docs: Vec<DocId>,
    at: usize,
}

impl DocSet for ListDocSet {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc() < target {
            self.at += self.docs[self.at..].partition_point(|&d| d < target);
        }
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.at) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BERLIN_WALL: u16 = 43383;
    const OF_THE: u16 = 55211;

    #[test]
    fn pair_buckets_keep_their_layout() {
        assert_eq!(bucket("berlin", "wall"), BERLIN_WALL);
        assert_eq!(bucket("of", "the"), OF_THE);
        assert_ne!(bucket("berlin", "wall"), bucket("wall", "berlin"));
        // Words longer than a step, and steps that differ only in length.
        assert_ne!(bucket("plenipotentiary", "x"), bucket("plenipotentiarz", "x"));
        assert_ne!(bucket("a", "b"), bucket("a\0", "b"));
    }

    /// Buckets spread: 200,000 distinct pairs of made-up words fill the
    /// 65,536 buckets about evenly (about 3 a bucket).
    #[test]
    fn pair_buckets_spread() {
        let mut load = vec![0u32; 1 << 16];
        for i in 0..200_000u32 {
            load[usize::from(bucket(&format!("w{}", i % 977), &format!("v{}", i / 977)))] += 1;
        }
        let used = load.iter().filter(|&&n| n > 0).count();
        let max = *load.iter().max().unwrap();
        assert!(used > 60_000, "{used} buckets used");
        assert!(max < 20, "a bucket holds {max}");
    }

    #[test]
    fn lists_round_trip_at_every_width() {
        let cases: Vec<Vec<DocId>> = vec![
            vec![],
            vec![0],
            vec![0, 1, 2, 3],
            (0..1000).map(|i| i * 7 + 3).collect(),
            vec![5, 1 << 20, (1 << 31) + 7, u32::MAX - 1],
            (0..300).map(|i| i * i).collect(),
        ];
        for docs in cases {
            let mut buf = Vec::new();
            encode(&docs, &mut buf);
            let mut back = Vec::new();
            decode(&buf, docs.len(), &mut back).unwrap();
            assert_eq!(back, docs);
        }
    }

    #[test]
    fn damaged_lists_are_errors_not_panics() {
        let docs: Vec<DocId> = (0..500).map(|i| i * 3).collect();
        let mut buf = Vec::new();
        encode(&docs, &mut buf);
        let mut out = Vec::new();
        for cut in [0, 1, buf.len() / 2, buf.len() - 1] {
            assert!(decode(&buf[..cut], docs.len(), &mut out).is_err(), "cut at {cut}");
        }
        let mut wide = buf.clone();
        wide[0] = 40;
        assert!(decode(&wide, docs.len(), &mut out).is_err());
    }

    #[test]
    fn seeking_lands_on_the_first_id_not_below() {
        let mut s = ListDocSet {
            docs: vec![2, 4, 9, 30],
            at: 0,
        };
        assert_eq!(s.doc(), 2);
        assert_eq!(s.seek(3), 4);
        assert_eq!(s.seek(4), 4);
        assert_eq!(s.advance(), 9);
        assert_eq!(s.seek(31), TERMINATED);
        assert_eq!(s.advance(), TERMINATED);
        assert_eq!(s.size_hint(), 0);
    }

    /// A segment written with a bucket twice in one document, and merged,
    /// still reads back: each document once per list.
    #[test]
    fn a_repeated_bucket_is_written_once() {
        let (schema, f) = crate::schema();
        let index = tantivy::Index::builder()
            .schema(schema)
            .register_plugin(Arc::new(PairPlugin))
            .create_in_ram()
            .unwrap();
        let mut w: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for _ in 0..2 {
            let mut doc = TantivyDocument::default();
            doc.add_custom(f.pairs, &[7, 0, 7, 0, 9, 0]);
            w.add_document(doc).unwrap();
            w.commit().unwrap();
        }
        let files = Arc::new(PairFiles::default());
        let hits = |index: &tantivy::Index| {
            let searcher = index.reader().unwrap().searcher();
            let q = PairQuery {
                bucket: 7,
                files: files.clone(),
            };
            searcher.search(&q, &tantivy::collector::Count).unwrap()
        };
        assert_eq!(hits(&index), 2);
        let ids = index.searchable_segment_ids().unwrap();
        assert_eq!(ids.len(), 2);
        w.merge(&ids).wait().unwrap();
        assert_eq!(hits(&index), 2);
    }

    #[test]
    fn a_document_counts_each_bucket_once() {
        let mut p = DocPairs::default();
        p.add_value("the berlin wall");
        p.add_value("the berlin wall");
        assert_eq!(p.list, vec![bucket("the", "berlin"), bucket("berlin", "wall")]);
        p.clear();
        assert!(p.seen.iter().all(|&w| w == 0));
        // A word too long to index breaks the pair around it.
        p.add_value(&format!("berlin {} wall", "x".repeat(40)));
        assert!(p.list.is_empty());
    }
}
