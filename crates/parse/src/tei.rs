//! FRUS TEI volumes: one record per `div[@type="document"]`.
//!
//! Each document is rendered to the same plain-text layout as the FRUS text
//! renditions (heading, source note, dateline, body, closer, notes) and read
//! by the same rules (`frus.rs`), so the two inputs cannot drift apart. The
//! markup then settles what text can only guess: the sender/addressee split
//! (`@type="from"/"to"`), the date (`date/@when`) and the people
//! (`persName/@corresp`, named from the volume's list of persons). Spans are
//! mapped back from the rendition to byte offsets in the XML file.

use crate::{frus, persons::Authority};
use airgram_model::Record;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::HashMap;

/// Text with a map from its offsets to offsets in the XML source.
#[derive(Default, Clone)]
struct Buf {
    text: String,
    /// (offset in `text`, offset in the XML) at the start of each chunk.
    map: Vec<(usize, usize)>,
}

impl Buf {
    fn push(&mut self, s: &str, xml_at: usize) {
        if s.is_empty() {
            return;
        }
        self.map.push((self.text.len(), xml_at));
        self.text.push_str(s);
    }
    /// Appends editorial text that has no counterpart in the source.
    fn push_synthetic(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn block_end(&mut self) {
        let t = self.text.trim_end_matches(' ');
        self.text.truncate(t.len());
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            if self.text.ends_with('\n') {
                self.text.push('\n');
            } else {
                self.text.push_str("\n\n");
            }
        }
    }
    fn append(&mut self, other: &Buf) {
        let base = self.text.len();
        self.map.extend(other.map.iter().map(|&(r, x)| (r + base, x)));
        self.text.push_str(&other.text);
    }
    /// Maps an offset in `text` to the XML.
    fn to_xml(&self, p: usize) -> usize {
        let i = self.map.partition_point(|&(r, _)| r <= p);
        match i.checked_sub(1).map(|i| self.map[i]) {
            Some((r, x)) => x + (p - r),
            None => self.map.first().map_or(0, |m| m.1),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Head,
    Source,
    Flow,
    Note,
}

#[derive(Default)]
struct Doc {
    id: String,
    start: usize,
    end: usize,
    div_depth: usize,
    head: Buf,
    source: Buf,
    flow: Buf,
    notes: Buf,
    /// Offsets in `head` where the sender (`@type="from"`) ends and the
    /// addressee (`@type="to"`) starts: the split falls between them.
    from_end: Option<usize>,
    to_start: Option<usize>,
    /// Stack depth of an open sender element.
    from_depth: Option<usize>,
    date: Option<String>,
    /// persName references: (id, in source note?).
    persons: Vec<(String, bool)>,
    /// Element stack inside the document: where text goes.
    stack: Vec<(Vec<u8>, Target)>,
    /// Open footnotes: (offset in `notes`, map length, where the anchor went,
    /// anchor offset there).
    open_notes: Vec<(usize, usize, Target, usize)>,
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

const BLOCKS: &[&[u8]] = &[
    b"p",
    b"dateline",
    b"signed",
    b"salute",
    b"item",
    b"row",
    b"head",
    b"opener",
    b"closer",
    b"list",
    b"table",
    b"lg",
    b"l",
    b"quote",
    b"postscript",
    b"label",
];

/// Elements open at once, at most. FRUS volumes nest a dozen deep; a
/// file nested deeper is not a volume, and is read as far as the bound.
/// (The reader keeps its stack on the heap, but what it builds from a
/// document must stay a size the rest of the archive can walk.)
pub const MAX_DEPTH: usize = 256;

/// Parses a TEI volume. Never fails: malformed XML, or XML nested past
/// [`MAX_DEPTH`], ends the volume with a warning on the last record (or
/// on a record of its own). Entities other than XML's five and character
/// references are left as written, never expanded (a DTD is not read).
pub fn parse_volume(path: &str, bytes: &[u8]) -> Vec<Record> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut div_depth = 0usize;
    let mut persons_depth: Option<usize> = None;
    let mut person_id: Option<String> = None;
    let mut person_names: HashMap<String, String> = HashMap::new();
    let mut docs: Vec<Doc> = Vec::new();
    let mut open: Vec<Doc> = Vec::new();
    let mut error: Option<String> = None;
    let mut depth = 0usize;
    loop {
        let before = reader.buffer_position() as usize;
        let line = || bytes[..before.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() + 1;
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                error = Some(format!("{path}:{}: malformed XML: {e}", line()));
                break;
            }
        };
        match &ev {
            Event::Start(_) if depth == MAX_DEPTH => {
                error = Some(format!(
                    "{path}:{}: elements nested more than {MAX_DEPTH} deep; read no further",
                    line()
                ));
                break;
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        match ev {
            Event::Start(e) => {
                let name = e.name().as_ref().to_vec();
                if name == b"div" {
                    div_depth += 1;
                    if attr(&e, b"xml:id").as_deref() == Some("persons") {
                        persons_depth = Some(div_depth);
                    }
                    if attr(&e, b"type").as_deref() == Some("document") {
                        open.push(Doc {
                            id: attr(&e, b"xml:id").unwrap_or_default(),
                            start: before,
                            div_depth,
                            ..Doc::default()
                        });
                        continue;
                    }
                }
                if persons_depth.is_some() && name == b"persName" {
                    person_id = attr(&e, b"xml:id");
                }
                if let Some(d) = open.last_mut() {
                    start_element(d, &e, &name);
                }
            }
            Event::Empty(e) => {
                if let Some(d) = open.last_mut() {
                    if e.name().as_ref() == b"lb" {
                        cur_buf(d).push_synthetic(" ");
                    }
                }
            }
            Event::End(e) => {
                let name = e.name().as_ref().to_vec();
                if name == b"div" {
                    if persons_depth == Some(div_depth) {
                        persons_depth = None;
                    }
                    if open.last().is_some_and(|d| d.div_depth == div_depth) {
                        if let Some(mut d) = open.pop() {
                            d.end = reader.buffer_position() as usize;
                            docs.push(d);
                        }
                    }
                    div_depth = div_depth.saturating_sub(1);
                    continue;
                }
                if name == b"persName" {
                    person_id = None;
                }
                if let Some(d) = open.last_mut() {
                    end_element(d, &name);
                }
            }
            Event::Text(t) => {
                let s = t
                    .unescape()
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                if let Some(pid) = &person_id {
                    person_names.entry(pid.clone()).or_default().push_str(&s);
                }
                if let Some(d) = open.last_mut() {
                    let s = collapse(&s);
                    cur_buf(d).push(&s, before);
                }
            }
            Event::CData(t) => {
                if let Some(d) = open.last_mut() {
                    let s = String::from_utf8_lossy(&t).into_owned();
                    cur_buf(d).push(&collapse(&s), before);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    // Documents left open by a truncated file are still reported.
    for mut d in open.drain(..) {
        d.end = bytes.len();
        docs.push(d);
    }
    let authority = Authority::new({
        let mut v: Vec<(String, String)> = person_names
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_string()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, n)| n)
    });
    let mut out: Vec<Record> = docs
        .into_iter()
        .map(|d| build(path, d, &person_names, &authority))
        .collect();
    if let Some(e) = error {
        match out.last_mut() {
            Some(r) => r.warn(e),
            None => {
                let mut r = Record::new(path);
                r.warn(e);
                out.push(r);
            }
        }
    }
    out
}

/// Whitespace in XML text is layout: runs become one space.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

fn target(d: &Doc) -> Target {
    d.stack.last().map_or(Target::Flow, |s| s.1)
}

fn cur_buf(d: &mut Doc) -> &mut Buf {
    match target(d) {
        Target::Head => &mut d.head,
        Target::Source => &mut d.source,
        Target::Flow => &mut d.flow,
        Target::Note => &mut d.notes,
    }
}

fn start_element(d: &mut Doc, e: &BytesStart, name: &[u8]) {
    let parent = target(d);
    let mut t = parent;
    match name {
        b"head" if d.stack.is_empty() => t = Target::Head,
        b"note" => {
            if attr(e, b"type").as_deref() == Some("source") {
                t = Target::Source;
            } else {
                let n = attr(e, b"n").unwrap_or_default();
                // The note's anchor stays in the text, as in the renditions.
                let marker = format!("[^{n}]");
                let anchor_at = match parent {
                    Target::Head => d.head.text.len(),
                    Target::Flow => d.flow.text.len(),
                    _ => 0,
                };
                match parent {
                    Target::Head => d.head.push_synthetic(&marker),
                    Target::Flow => d.flow.push_synthetic(&marker),
                    _ => {}
                }
                d.notes.block_end_single();
                d.open_notes
                    .push((d.notes.text.len(), d.notes.map.len(), parent, anchor_at));
                d.notes.push_synthetic(&format!("{marker} "));
                t = Target::Note;
            }
        }
        b"date" if d.date.is_none() && d.stack.iter().any(|s| s.0 == b"dateline") => {
            d.date = attr(e, b"when")
                .or_else(|| attr(e, b"from"))
                .or_else(|| attr(e, b"notBefore"));
        }
        b"persName" | b"gloss" => {
            if let Some(c) = attr(e, b"corresp") {
                let id = c.trim_start_matches('#').to_string();
                if !d.persons.iter().any(|p| p.0 == id) {
                    d.persons.push((id, parent == Target::Source));
                } else if parent != Target::Source {
                    // A person named in the source note and later in the text
                    // counts as named in the text.
                    if let Some(p) = d.persons.iter_mut().find(|p| p.0 == id) {
                        p.1 = false;
                    }
                }
            }
            if parent == Target::Head {
                match attr(e, b"type").as_deref() {
                    Some("to") if d.to_start.is_none() => d.to_start = Some(d.head.text.len()),
                    Some("from") if d.from_end.is_none() => d.from_depth = Some(d.stack.len()),
                    _ => {}
                }
            }
        }
        b"cell" => {
            let b = cur_buf(d);
            if !b.text.ends_with('\n') && !b.text.is_empty() && !b.text.ends_with("| ") {
                b.push_synthetic(" | ");
            }
        }
        _ => {}
    }
    d.stack.push((name.to_vec(), t));
}

impl Buf {
    fn block_end_single(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }
}

fn end_element(d: &mut Doc, name: &[u8]) {
    // Pop to the matching element (tolerates sloppy nesting).
    let Some(pos) = d.stack.iter().rposition(|s| s.0 == name) else {
        return;
    };
    let popped = d.stack.split_off(pos);
    if d.from_depth == Some(pos) {
        d.from_depth = None;
        d.from_end = Some(d.head.text.len());
    }
    let t = popped[0].1;
    if t == Target::Note && name == b"note" {
        if let Some((at, map_at, parent, anchor_at)) = d.open_notes.pop() {
            take_source_note(d, at, map_at, parent, anchor_at);
        }
        d.notes.block_end_single();
        return;
    }
    if BLOCKS.contains(&name) {
        match t {
            Target::Flow => d.flow.block_end(),
            Target::Note => cur_buf(d).push_synthetic(" "),
            _ => {}
        }
    }
}

/// A footnote whose text begins `Source:` is the source note even when it
/// is not typed so: move it out of the notes, and drop its anchor.
fn take_source_note(d: &mut Doc, at: usize, map_at: usize, parent: Target, anchor_at: usize) {
    if !d.source.text.trim().is_empty() {
        return;
    }
    let body_at = d.notes.text[at..].find(' ').map_or(d.notes.text.len(), |p| at + p + 1);
    let t = d.notes.text[body_at..].trim_start();
    if !(t.starts_with("Source:") || t.starts_with("[Source:")) {
        return;
    }
    let mut src = Buf::default();
    for &(r, x) in &d.notes.map[map_at..] {
        src.map.push((r.saturating_sub(body_at), x));
    }
    src.text = d.notes.text[body_at..].to_string();
    d.source = src;
    d.notes.text.truncate(at);
    d.notes.map.truncate(map_at);
    // The anchor `[^0]` stays: the heading reader drops footnote markers.
    let _ = (parent, anchor_at);
}

fn build(path: &str, d: Doc, person_names: &HashMap<String, String>, authority: &Authority) -> Record {
    // The rendition, in the order of the FRUS text files.
    let mut r = Buf::default();
    r.append(&d.head);
    let head_len = r.text.trim_end().len();
    r.text.truncate(head_len);
    r.push_synthetic("\n\n");
    if !d.source.text.trim().is_empty() {
        let src = trim_buf(&d.source);
        r.append(&src);
        r.push_synthetic("\n\n");
    }
    r.append(&d.flow);
    if !d.notes.text.trim().is_empty() {
        let t = r.text.trim_end().len();
        r.text.truncate(t);
        r.push_synthetic("\n\n----\nNotes:\n");
        r.append(&d.notes);
    }
    let mut rec = Record::new(format!("{path}#{}", d.id));
    frus::parse_text(&r.text, &mut rec, Some(authority));

    // The markup's answers.
    if d.to_start.is_some() || d.from_end.is_some() {
        let head = &d.head.text;
        let from_at = crate::frus::from_keyword(head);
        let split = match (d.from_end, d.to_start) {
            (Some(fe), _) => head.get(fe..).and_then(|r| r.find(" to ")).map(|p| fe + p),
            (None, Some(ts)) => head.get(..ts).and_then(|h| h.rfind(" to ")),
            _ => None,
        };
        if let (Some(fa), Some(split)) = (from_at, split) {
            if split > fa {
                let strip = |s: &str| {
                    let s = s.trim().trim_end_matches(',');
                    s.strip_prefix("the ")
                        .or_else(|| s.strip_prefix("The "))
                        .unwrap_or(s)
                        .trim()
                        .to_string()
                };
                rec.from = Some(strip(&head[fa..split]));
                let to = strip(&crate::text::strip_footnote_markers(&head[split + 4..]));
                if let Some(first) = rec.to.first_mut() {
                    *first = to;
                } else {
                    rec.to.push(to);
                }
            }
        }
    }
    if let Some(w) = &d.date {
        rec.date = Some(tei_date(w));
    } else if rec.doc_type.as_deref() != Some("editorial note") {
        rec.date = None;
    }
    rec.warnings.retain(|w| w != "no date found");
    if rec.date.is_none() && rec.doc_type.as_deref() != Some("editorial note") {
        rec.warn("no date found");
    }
    let mut persons: Vec<String> = Vec::new();
    for pass in [false, true] {
        for (id, in_source) in &d.persons {
            if *in_source == pass {
                if let Some(n) = person_names.get(id) {
                    let n = n.trim().trim_end_matches(',').to_string();
                    if !n.is_empty() && !persons.contains(&n) {
                        persons.push(n);
                    }
                }
            }
        }
    }
    if !d.persons.is_empty() {
        rec.persons = persons;
    }
    // Spans into the XML file, within the document's own XML: a chunk's
    // text can be longer than its markup (invalid UTF-8 read as U+FFFD,
    // three bytes for one), so an offset mapped past its chunk is held to
    // the document.
    let (lo, hi) = (d.start, d.end.max(d.start));
    let xml = |p: usize| r.to_xml(p).clamp(lo, hi);
    for spans in rec.spans.values_mut() {
        for s in spans.iter_mut() {
            let a = xml(s[0]);
            *s = [a, (xml(s[1].saturating_sub(1)) + 1).clamp(a, hi)];
        }
    }
    for red in &mut rec.redactions {
        red.start = xml(red.start);
        red.end = (xml(red.end.saturating_sub(1)) + 1).clamp(red.start, hi);
    }
    // The document's own XML: what the archive keeps as its source.
    rec.add_span("document", [d.start, d.end.max(d.start)]);
    rec
}

fn trim_buf(b: &Buf) -> Buf {
    let mut out = b.clone();
    let t = out.text.trim_end().len();
    out.text.truncate(t);
    let lead = out.text.len() - out.text.trim_start().len();
    if lead > 0 {
        out.text.drain(..lead);
        for m in &mut out.map {
            m.0 = m.0.saturating_sub(lead);
        }
    }
    out
}

/// `1958-11-17T17:00:00` -> `1958-11-17T17:00`; `...T05:40:00Z` keeps `Z`.
fn tei_date(w: &str) -> String {
    let w = w.trim();
    if w.len() >= 16 && w.as_bytes().get(10) == Some(&b'T') {
        let z = if w.ends_with('Z') { "Z" } else { "" };
        format!("{}{z}", &w[..16])
    } else {
        w.chars().take(10).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOL: &str = r##"<TEI><text><front>
<div type="section" xml:id="persons"><list>
<item><hi rend="strong"><persName xml:id="p_SDU1">Stikker, Dirk U.</persName>,</hi> Dutch PermRep</item>
<item><persName xml:id="p_BWR1">Burgess, W. Randolph</persName>, Ambassador</item>
</list></div></front><body>
<div type="chapter"><div type="document" xml:id="d43" n="43">
<head>43. Telegram From the <gloss type="from">Mission to the North Atlantic Treaty Organization</gloss> to the <gloss type="to">Department of State</gloss><note n="0" type="source">Source: Central Files. Secret; <gloss target="#t">Niact</gloss>. Repeated to Bonn and London.</note></head>
<dateline><placeName>Paris</placeName>, <date when="1958-11-17T17:00:00">November 17, 1958, 5 p.m.</date></dateline>
<p>Polto 1325. At meeting <persName corresp="#p_SDU1">Stikker</persName><note n="1">See Topol 12 &amp; more.</note> spoke. [3 <hi rend="italic">lines of source text not declassified</hi>]</p>
<closer><signed><persName corresp="#p_BWR1">Burgess</persName></signed></closer>
</div></div></body></text></TEI>"##;

    /// Issue 22: nesting past the bound ends the volume with a warning
    /// that names the line; what came before is kept. Entities declared
    /// in a DTD are never expanded (no billion laughs).
    #[test]
    fn deep_nesting_and_declared_entities_are_bounded() {
        let deep = format!(
            "<TEI><text><body><div type=\"document\" xml:id=\"d1\"><p>kept</p>\n{}</div></body></text></TEI>",
            "<hi>".repeat(100_000)
        );
        let recs = parse_volume("v.xml", deep.as_bytes());
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].subject.as_deref(), Some("kept"), "what came before is read");
        assert!(
            recs[0]
                .warnings
                .iter()
                .any(|w| w.contains("v.xml:2:") && w.contains("nested")),
            "{:?}",
            recs[0].warnings
        );
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<TEI><text><body><div type="document" xml:id="d1"><p>x &c; y</p></div></body></text></TEI>"#;
        let recs = parse_volume("v.xml", laughs.as_bytes());
        assert_eq!(recs.len(), 1);
        assert!(recs[0].body.len() < 100, "{}", recs[0].body);
    }

    /// Found by the fuzzer (issue 22): a byte that is not UTF-8 in a
    /// truncated document is read as U+FFFD, three bytes for one, and the
    /// subject's span ran past the end of the file.
    #[test]
    fn spans_stay_inside_the_file_when_text_is_longer_than_its_bytes() {
        let mut x = b"<TEI><text><body><div type=\"document\" xml:id=\"d1\">\n<head>1. Airgram From the D".to_vec();
        x.extend_from_slice(&[0x9f, 0x9f, 0x9f]);
        x.extend_from_slice(b"partment of State</head>");
        for r in parse_volume("v.xml", &x) {
            for (field, spans) in &r.spans {
                for s in spans {
                    assert!(s[0] <= s[1] && s[1] <= x.len(), "{field} {s:?} in {} bytes", x.len());
                }
            }
        }
    }

    #[test]
    fn reads_a_document() {
        let recs = parse_volume("v.xml", VOL.as_bytes());
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.source_path, "v.xml#d43");
        assert_eq!(r.doc_type.as_deref(), Some("telegram"));
        assert_eq!(r.date.as_deref(), Some("1958-11-17T17:00"));
        assert_eq!(
            r.from.as_deref(),
            Some("Mission to the North Atlantic Treaty Organization")
        );
        assert_eq!(r.to, vec!["Department of State"]);
        assert_eq!(r.classification, Some(airgram_model::Classification::Secret));
        assert_eq!(r.precedence.as_deref(), Some("NIACT"));
        assert_eq!(r.info, vec!["Bonn", "London"]);
        assert_eq!(r.message_id.as_deref(), Some("POLTO 1325"));
        assert_eq!(r.persons, vec!["Stikker, Dirk U.", "Burgess, W. Randolph"]);
        assert_eq!(r.signed.as_deref(), Some("Burgess"));
        assert_eq!(r.cites, vec!["TOPOL 12"]);
        assert_eq!(r.redactions.len(), 1);
        // Spans point into the XML.
        let span = r.spans["message_id"][0];
        assert_eq!(&VOL[span[0]..span[1]], "Polto 1325");
    }

    #[test]
    fn truncated_xml_still_yields_records() {
        let cut = &VOL[..VOL.find("<closer>").unwrap()];
        let recs = parse_volume("v.xml", cut.as_bytes());
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].message_id.as_deref(), Some("POLTO 1325"));
    }

    #[test]
    fn garbage_gives_a_warning_not_a_panic() {
        let recs = parse_volume("v.xml", b"<TEI><div type=\"document\" xml:id=\"d1\"><p>a</q></<<");
        assert!(!recs.is_empty());
    }
}
