//! Archival transcriptions: OCR of originals with stamps and boilerplate.
//!
//! The reading follows what an archivist does with a photocopy: set aside
//! the finding aid (NARA's identification form, a microfiche header), the
//! page furniture (page markers, repeated classification lines, continuation
//! headers) and the later stamps (review, release, sanitization); read the
//! message header fields where the form of the document puts them; take the
//! rest as the body. Identification-form fields are fallbacks for what the
//! document itself does not show legibly.

mod account;
mod cable;
mod dtg;
mod fields;
mod gazetteer;
mod lines;
mod memo;
mod origin;
mod stamps;

use crate::text::{self, Line};
pub use account::unaccounted_lines;
use airgram_model::Record;
use lines::{Doc, Role};

/// The whitespace-separated words of a line with their byte offsets (the
/// cable and date-time-group readers').
fn words(t: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in t.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, &t[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &t[s..]));
    }
    out
}

/// Parses an archival transcription into `rec`. Never fails.
pub fn parse(src: &str, rec: &mut Record) {
    let all = text::lines(src);
    if all.iter().all(|l| l.is_blank()) {
        rec.warn("empty document");
        return;
    }
    let mut doc = Doc::new(src, &all);
    let form = fields::read_form(src, &doc);
    stamps::read_reviews(src, &mut doc, rec);
    fields::read_all(src, &mut doc, &form, rec);
    cable::read(&doc, rec);
    memo::read(src, &doc, rec);
    account::account_for_lines(src, &mut doc, rec);
    build_body(src, &doc, rec);
    let redactions = text::find_redactions(src);
    add_spans(rec, "redactions", redactions.iter().map(|r| [r.start, r.end]).collect());
    rec.redactions.extend(redactions);
    crate::persons::extract(src, rec, None);
}

/// Adds many spans of one field at once. `Record::add_span` checks each new
/// span against all before it; on documents with thousands of citations
/// that is quadratic, so bulk fields deduplicate with a set instead.
fn add_spans(rec: &mut Record, field: &str, spans: Vec<airgram_model::Span>) {
    if spans.is_empty() {
        return;
    }
    let v = rec.spans.entry(field.to_string()).or_default();
    let mut seen: std::collections::HashSet<airgram_model::Span> = v.iter().copied().collect();
    for sp in spans {
        if seen.insert(sp) {
            v.push(sp);
        }
    }
}

/// Joins the body lines into paragraphs: a blank line or left-out furniture
/// ends a paragraph only when the text before it ends a sentence, so that a
/// paragraph split by a page break (or by OCR's blank line after every line)
/// reads as one.
fn build_body(src: &str, doc: &Doc, rec: &mut Record) {
    let (Some(start), Some(end)) = (doc.body_start, doc.body_end) else {
        return;
    };
    let mut paras: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut broken = false;
    let mut first_span: Option<usize> = None;
    let mut last_span = 0;
    for i in start..end.min(doc.lines.len()) {
        let l: &Line = &doc.lines[i];
        if l.is_blank() || doc.role[i] != Role::Body {
            broken = true;
            continue;
        }
        let t = clean_body_line(l.trimmed());
        if t.is_empty() {
            continue;
        }
        if broken && !cur.is_empty() && ends_sentence(&cur) {
            paras.push(std::mem::take(&mut cur));
        }
        broken = false;
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(t);
        let sp = l.span();
        first_span.get_or_insert(sp[0]);
        last_span = sp[1];
    }
    if !cur.is_empty() {
        paras.push(cur);
    }
    rec.body = paras.join("\n\n");
    if let Some(a) = first_span {
        rec.add_span("body", [a, last_span.max(a)]);
    }
    let _ = src;
}

/// Drops Markdown emphasis that the transcription puts around whole lines.
fn clean_body_line(t: &str) -> &str {
    let t = t.trim();
    let t = t.strip_prefix("**").and_then(|x| x.strip_suffix("**")).unwrap_or(t);
    t.trim()
}

fn ends_sentence(s: &str) -> bool {
    s.trim_end().ends_with(['.', '!', '?', ':', '"', '\u{201d}', ')', ';'])
}

#[cfg(test)]
mod tests;
