//! No source text leaves the body silently (issue 21).
//!
//! Invariant: every line between the body's first and last line is either
//! in the body or accounted for as something else: a field read from it
//! (its span), or a line set aside as a stamp, page furniture, a form or
//! a caption (an `aside_*` span naming which), or a warning naming it.
//! A line taken for a header field that holds more than a caption besides
//! the field's value is not a header line: it goes back to the body, with
//! a warning. The seed lost a paragraph because a sentence saying
//! "approved by" was taken for the form's approval line.

use super::lines::{Doc, Role};
use airgram_model::{Record, Span};

/// Letters a field's line may hold outside the field's own span: its
/// caption ("Contents and Classification Approved by" is 35). A line with
/// more is prose that happens to hold a label's words.
pub const CAPTION_LETTERS: usize = 48;

/// Fields that are mentions inside running text, not a line's own field:
/// a span of theirs does not account for the line around it.
const MENTIONS: &[&str] = &["body", "cites", "persons", "redactions"];

/// The span key for a line set aside in the body's stretch, by its role.
fn aside_key(role: Role) -> Option<&'static str> {
    match role {
        Role::Body => None,
        Role::Page => Some("aside_page"),
        Role::Form => Some("aside_form"),
        Role::Stamp => Some("aside_stamp"),
        Role::Furniture => Some("aside_furniture"),
        Role::Header => Some("aside_caption"),
    }
}

/// The spans of every field read from a line of its own (not mentions,
/// not set-aside lines), merged into sorted disjoint ranges.
fn field_cover(rec: &Record) -> Vec<Span> {
    let mut v: Vec<Span> = rec
        .spans
        .iter()
        .filter(|(k, _)| !MENTIONS.contains(&k.as_str()) && !k.starts_with("aside_"))
        .flat_map(|(_, s)| s.iter().copied())
        .filter(|s| s[0] < s[1])
        .collect();
    v.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(v.len());
    for s in v {
        match out.last_mut() {
            Some(last) if s[0] <= last[1] => last[1] = last[1].max(s[1]),
            _ => out.push(s),
        }
    }
    out
}

/// The part of `cover` inside `[a, b)`: (bytes covered, letters outside).
fn coverage(src: &str, a: usize, b: usize, cover: &[Span]) -> (usize, usize) {
    let first = cover.partition_point(|s| s[1] <= a);
    let mut covered = 0;
    let mut letters = 0;
    let mut pos = a;
    for s in cover[first..].iter().take_while(|s| s[0] < b) {
        let (x, y) = (s[0].max(a), s[1].min(b));
        letters += count_letters(src.get(pos..x.max(pos)).unwrap_or(""));
        covered += y.saturating_sub(x);
        pos = pos.max(y);
    }
    letters += count_letters(src.get(pos..b.max(pos)).unwrap_or(""));
    (covered, letters)
}

fn count_letters(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphabetic()).count()
}

/// Settles every non-body line between the body's first and last line
/// before the body is built: a header line holding more than a field and
/// its caption goes back to the body (with a warning); every other line
/// set aside is recorded under its `aside_*` span.
pub fn account_for_lines(src: &str, doc: &mut Doc, rec: &mut Record) {
    let (Some(start), Some(end)) = (doc.body_start, doc.body_end) else {
        return;
    };
    let end = end.min(doc.lines.len());
    let is_body =
        |doc: &Doc, k: usize| doc.role[k] == Role::Body && !super::clean_body_line(doc.lines[k].text).is_empty();
    let Some(first) = (start..end).find(|&k| is_body(doc, k)) else {
        return;
    };
    let last = (first..end).rev().find(|&k| is_body(doc, k)).unwrap_or(first);
    let cover = field_cover(rec);
    let mut aside: Vec<(&'static str, Span)> = Vec::new();
    for k in first..=last {
        let l = doc.lines[k];
        if l.is_blank() || doc.role[k] == Role::Body {
            continue;
        }
        let [a, b] = l.span();
        let (covered, letters) = coverage(src, a, b, &cover);
        if doc.role[k] == Role::Header && letters > CAPTION_LETTERS {
            doc.role[k] = Role::Body;
            rec.warn(format!(
                "line {} was taken for a header line but holds more than a field and its caption; kept in the body",
                k + 1
            ));
            continue;
        }
        if covered == 0 || letters > CAPTION_LETTERS {
            if let Some(key) = aside_key(doc.role[k]) {
                aside.push((key, [a, b]));
            }
        }
    }
    for (key, sp) in aside {
        rec.add_span(key, sp);
    }
}

/// The lines of `src` between the body's first and last span that the
/// record does not account for: not in the body, not a field's line (a
/// field's span and at most a caption besides), not set aside under an
/// `aside_*` span, and named by no warning. The invariant says there are
/// none; the property tests check it on the record alone.
pub fn unaccounted_lines(src: &str, rec: &Record) -> Vec<Span> {
    let Some(body_spans) = rec.spans.get("body").filter(|v| !v.is_empty()) else {
        return Vec::new();
    };
    let lo = body_spans.iter().map(|s| s[0]).min().unwrap_or(0);
    let hi = body_spans.iter().map(|s| s[1]).max().unwrap_or(0).min(src.len());
    let body = squeeze(&rec.body);
    let cover = field_cover(rec);
    let aside: Vec<Span> = rec
        .spans
        .iter()
        .filter(|(k, _)| k.starts_with("aside_"))
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    let mut out = Vec::new();
    // The body keeps its lines in source order: look from where the last
    // one was found first, and only then through the whole body.
    let mut cursor = 0;
    for (n, l) in crate::text::lines(src).iter().enumerate() {
        if l.end < lo || l.start >= hi || l.is_blank() {
            continue;
        }
        let [a, b] = l.span();
        let t = squeeze(super::clean_body_line(l.text));
        if t.is_empty() {
            continue;
        }
        if let Some(p) = body.get(cursor..).and_then(|b| b.find(&t)) {
            cursor += p + t.len();
            continue;
        }
        if body.contains(&t) {
            continue;
        }
        if aside.iter().any(|s| s[0] < b && s[1] > a) {
            continue;
        }
        let (covered, letters) = coverage(src, a, b, &cover);
        if covered > 0 && letters <= CAPTION_LETTERS {
            continue;
        }
        let named = format!("line {} ", n + 1);
        if rec.warnings.iter().any(|w| w.contains(&named)) {
            continue;
        }
        out.push([a, b]);
    }
    out
}

/// Whitespace runs as one space: the body joins a paragraph's lines.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_counts_letters_outside_spans() {
        let src = "Approved by: Amb. Finletter";
        let (covered, letters) = coverage(src, 0, src.len(), &[[13, 27]]);
        assert_eq!(covered, 14);
        assert_eq!(letters, "Approvedby".len());
    }

    #[test]
    fn field_cover_merges_and_skips_mentions() {
        let mut r = Record::default();
        r.add_span("to", [5, 10]);
        r.add_span("info", [8, 14]);
        r.add_span("cites", [20, 30]);
        r.add_span("aside_stamp", [40, 50]);
        assert_eq!(field_cover(&r), vec![[5, 14]]);
    }

    #[test]
    fn a_line_missing_from_the_body_is_unaccounted() {
        let src = "First line of body.\nA lost sentence here.\nLast line of body.\n";
        let mut r = Record {
            body: "First line of body. Last line of body.".into(),
            ..Record::default()
        };
        r.add_span("body", [0, src.len() - 1]);
        assert_eq!(unaccounted_lines(src, &r), vec![[20, 41]]);
        r.add_span("aside_stamp", [20, 41]);
        assert!(unaccounted_lines(src, &r).is_empty());
    }

    #[test]
    fn a_field_span_accounts_only_for_a_short_line() {
        let long = "which UN believes approved by entire Politburo and much more prose that goes on";
        let src = format!("Body one.\n{long}\nBody two.\n");
        let mut r = Record {
            body: "Body one. Body two.".into(),
            ..Record::default()
        };
        r.add_span("body", [0, src.len() - 1]);
        let a = 10 + long.find("entire").unwrap();
        r.add_span("approved_by", [a, a + 16]);
        assert_eq!(unaccounted_lines(&src, &r).len(), 1);
    }
}
