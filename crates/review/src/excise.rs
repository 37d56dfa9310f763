//! Excisions and the release text derived from them.
//!
//! An excision is a byte range of one field of the original record, with
//! the codes it rests on. [`apply`] replaces each with an omission marker in
//! FRUS style and then drops whatever else in the record was derived from
//! the excised words (persons named only there, cites made only there,
//! spans into the source, parser warnings), so that no field of the
//! release carries them.

use crate::codes::{self, Ground};
use airgram_model::Record;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One excision: `start..end` (bytes) of field `field` of the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excision {
    pub field: String,
    pub start: usize,
    pub end: usize,
    pub codes: Vec<String>,
    /// The excised text, filled in from the original when proposed; kept
    /// with the (classified) review event, never in the release.
    #[serde(default)]
    pub text: String,
}

impl Excision {
    /// `body:120..245:25X1,b1`: the form the CLI and the review page use.
    pub fn parse(spec: &str) -> Result<Excision, String> {
        let bad = || format!("bad excision {spec:?}: use FIELD:START..END:CODES, e.g. body:120..245:25X1");
        let mut parts = spec.trim().splitn(3, ':');
        let (field, range, codes) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let (a, b) = range.split_once("..").ok_or_else(bad)?;
        Ok(Excision {
            field: field.trim().to_string(),
            start: a.trim().parse().map_err(|_| bad())?,
            end: b.trim().parse().map_err(|_| bad())?,
            codes: codes
                .split([',', ';'])
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            text: String::new(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExciseError(pub String);

impl std::fmt::Display for ExciseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExciseError {}

/// Fields a reviewer may excise from. Date, classification, type and
/// message number stay: the release's own statement needs them.
pub const FIELDS: &[&str] = &[
    "body",
    "subject",
    "from",
    "to",
    "pass",
    "info",
    "refs",
    "drafted_by",
    "approved_by",
    "signed",
    "distribution",
    "persons",
];

/// Fields that hold people's names.
const NAME_FIELDS: &[&str] = &["drafted_by", "approved_by", "signed", "persons"];

/// The text of a field as excision offsets count it (list items one per line).
pub fn field_text(r: &Record, field: &str) -> Option<String> {
    Some(match field {
        "body" => r.body.clone(),
        "subject" => r.subject.clone().unwrap_or_default(),
        "from" => r.from.clone().unwrap_or_default(),
        "drafted_by" => r.drafted_by.clone().unwrap_or_default(),
        "approved_by" => r.approved_by.clone().unwrap_or_default(),
        "signed" => r.signed.clone().unwrap_or_default(),
        "to" => r.to.join("\n"),
        "pass" => r.pass.join("\n"),
        "info" => r.info.join("\n"),
        "refs" => r.refs.join("\n"),
        "distribution" => r.distribution.join("\n"),
        "persons" => r.persons.join("\n"),
        _ => return None,
    })
}

fn set_field(r: &mut Record, field: &str, text: String) {
    let opt = |t: String| (!t.trim().is_empty()).then_some(t);
    let list = |t: String| {
        t.split('\n')
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .collect()
    };
    match field {
        "body" => r.body = text,
        "subject" => r.subject = opt(text),
        "from" => r.from = opt(text),
        "drafted_by" => r.drafted_by = opt(text),
        "approved_by" => r.approved_by = opt(text),
        "signed" => r.signed = opt(text),
        "to" => r.to = list(text),
        "pass" => r.pass = list(text),
        "info" => r.info = list(text),
        "refs" => r.refs = list(text),
        "distribution" => r.distribution = list(text),
        "persons" => r.persons = list(text),
        _ => {}
    }
}

/// Every occurrence of `needle` in the excisable fields, as excisions with
/// `codes` (to withhold a name wherever it stands).
pub fn occurrences(r: &Record, needle: &str, codes: &[String]) -> Vec<Excision> {
    let mut out = Vec::new();
    if needle.trim().is_empty() {
        return out;
    }
    for f in FIELDS {
        let t = field_text(r, f).unwrap_or_default();
        for (i, _) in t.match_indices(needle) {
            out.push(Excision {
                field: f.to_string(),
                start: i,
                end: i + needle.len(),
                codes: codes.to_vec(),
                text: needle.to_string(),
            });
        }
    }
    out
}

/// Checks excisions against the original and fills in their text.
pub fn resolve(original: &Record, excisions: &mut [Excision]) -> Result<(), ExciseError> {
    for e in excisions.iter_mut() {
        let t = field_text(original, &e.field).ok_or_else(|| {
            ExciseError(format!(
                "field {:?} cannot be excised (one of {})",
                e.field,
                FIELDS.join(", ")
            ))
        })?;
        if e.start >= e.end || e.end > t.len() || !t.is_char_boundary(e.start) || !t.is_char_boundary(e.end) {
            return Err(ExciseError(format!(
                "excision {}:{}..{} is not a range of the field (length {})",
                e.field,
                e.start,
                e.end,
                t.len()
            )));
        }
        e.text = t[e.start..e.end].to_string();
    }
    Ok(())
}

/// Characters per typed line, for counting the lines an excision removes.
const LINE: usize = 80;

fn looks_like_name(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    (1..=4).contains(&words.len())
        && s.len() <= 40
        && !s.contains('\n')
        && words.iter().all(|w| {
            w.chars().next().is_some_and(|c| c.is_uppercase())
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '-' | ','))
        })
}

/// The omission marker for `text[start..end]` of `field`, FRUS style:
/// `[name withheld — (b)(6)]`, `[3 lines not declassified — 25X1]`,
/// `[1 paragraph (4 lines) not declassified — 25X1]`,
/// `[less than 1 line not declassified — (b)(1)]`.
pub fn marker(field: &str, text: &str, start: usize, end: usize, codes: &[String]) -> String {
    let cut = &text[start..end];
    let classified = codes.iter().any(|c| codes::ground(c) == Ground::Classification);
    let verb = if classified || codes.is_empty() {
        "not declassified"
    } else {
        "withheld"
    };
    let tail = if codes.is_empty() {
        String::new()
    } else {
        format!(" — {}", codes.join(", "))
    };
    let privacy = codes.iter().any(|c| codes::is_privacy(c));
    if NAME_FIELDS.contains(&field) || (privacy && looks_like_name(cut.trim())) {
        return format!("[name {verb}{tail}]");
    }
    let lines: usize = cut
        .split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.chars().count().div_ceil(LINE))
        .sum();
    let starts_para = start == 0 || text[..start].ends_with('\n');
    let ends_para = end == text.len() || text[end..].starts_with('\n');
    if starts_para && ends_para && field == "body" {
        let paras = cut.split("\n\n").filter(|p| !p.trim().is_empty()).count().max(1);
        let p = if paras == 1 { "paragraph" } else { "paragraphs" };
        let l = if lines == 1 { "line" } else { "lines" };
        return format!("[{paras} {p} ({lines} {l}) {verb}{tail}]");
    }
    if lines <= 1 && !(starts_para && ends_para) {
        return format!("[less than 1 line {verb}{tail}]");
    }
    let l = if lines == 1 { "line" } else { "lines" };
    format!("[{lines} {l} {verb}{tail}]")
}

/// Merges overlapping or touching ranges of one field, uniting their codes.
fn merged(mut es: Vec<&Excision>) -> Vec<(usize, usize, Vec<String>)> {
    es.sort_by_key(|e| (e.start, e.end));
    let mut out: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for e in es {
        match out.last_mut() {
            Some(last) if e.start <= last.1 => {
                last.1 = last.1.max(e.end);
                for c in &e.codes {
                    if !last.2.contains(c) {
                        last.2.push(c.clone());
                    }
                }
            }
            _ => out.push((e.start, e.end, e.codes.clone())),
        }
    }
    out
}

fn name_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphabetic())
        .filter(|t| t.chars().count() >= 3)
        .map(|t| t.to_lowercase())
        .collect()
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.to_lowercase())
        .collect()
}

/// The release of `original` with `excisions` applied. The original's
/// derived fields that could carry excised words are re-derived from what
/// is left or dropped.
pub fn apply(original: &Record, excisions: &[Excision]) -> Result<Record, ExciseError> {
    let mut checked = excisions.to_vec();
    resolve(original, &mut checked)?;
    let mut r = original.clone();
    let mut by_field: BTreeMap<&str, Vec<&Excision>> = BTreeMap::new();
    for e in &checked {
        by_field.entry(e.field.as_str()).or_default().push(e);
    }
    for (field, es) in &by_field {
        let text = field_text(original, field).expect("resolved");
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e, codes) in merged(es.clone()) {
            out.push_str(&text[at..s]);
            if *field != "persons" {
                out.push_str(&marker(field, &text, s, e, &codes));
            }
            at = e;
        }
        out.push_str(&text[at..]);
        if *field == "persons" {
            // A person's name is the whole item: an item touched by an
            // excision goes, rather than standing as a marker in facets.
            let cut: Vec<(usize, usize)> = merged(es.clone()).iter().map(|(s, e, _)| (*s, *e)).collect();
            let mut pos = 0;
            let mut keep = Vec::new();
            for item in text.split('\n') {
                let (a, b) = (pos, pos + item.len());
                if !cut.iter().any(|&(s, e)| s < b.max(a + 1) && e > a) {
                    keep.push(item.to_string());
                }
                pos = b + 1;
            }
            r.persons = keep;
        } else {
            set_field(&mut r, field, out);
        }
    }
    // Persons are derived from the text: one named in an excised passage
    // goes, even if the reviewer did not excise them from the list.
    let excised_words: std::collections::HashSet<String> = checked.iter().flat_map(|e| words(&e.text)).collect();
    r.persons
        .retain(|p| !name_tokens(p).iter().any(|t| excised_words.contains(t)));
    // Cites stay only where the release still shows them.
    let mut open = r.body.clone();
    for f in ["subject", "refs"] {
        open.push('\n');
        open.push_str(&field_text(&r, f).unwrap_or_default());
    }
    let shown: std::collections::HashSet<String> = airgram_parse::msgid::find_cites(&open)
        .into_iter()
        .map(|c| c.id)
        .collect();
    r.cites.retain(|c| shown.contains(c));
    // Spans point into the verbatim source, which a release does not open;
    // warnings may quote it.
    r.spans.clear();
    r.warnings.clear();
    for rv in &mut r.reviews {
        rv.raw.clear();
        rv.span = Default::default();
    }
    for red in &mut r.redactions {
        red.start = 0;
        red.end = 0;
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> Record {
        let mut r = Record::new("x.txt");
        r.subject = Some("Talks with Ivan Petrov".into());
        r.signed = Some("Finletter".into());
        r.persons = vec![
            "Petrov, Ivan".into(),
            "Finletter, Thomas K.".into(),
            "Rusk, Dean".into(),
        ];
        r.body = "1. Ambassador met Ivan Petrov on the tenth. See POLTO 534.\n\n\
                  2. The station reports the source is reliable and placed close to the Presidium; \
                  his reporting on missile deployments has been confirmed by two other sources.\n\n\
                  3. Rusk concurs. See TOPOL 594."
            .into();
        r.cites = vec!["POLTO 534".into(), "TOPOL 594".into()];
        r.spans.insert("subject".into(), vec![[0, 5]]);
        r
    }

    fn ex(r: &Record, field: &str, needle: &str, codes: &[&str]) -> Excision {
        let t = field_text(r, field).unwrap();
        let start = t.find(needle).unwrap();
        Excision {
            field: field.into(),
            start,
            end: start + needle.len(),
            codes: codes.iter().map(|c| c.to_string()).collect(),
            text: String::new(),
        }
    }

    #[test]
    fn excised_text_leaves_every_field() {
        let r = rec();
        let mut es = occurrences(&r, "Ivan Petrov", &["(b)(6)".into()]);
        assert_eq!(es.len(), 2, "subject and body");
        let para = "2. The station reports the source is reliable and placed close to the Presidium; \
                    his reporting on missile deployments has been confirmed by two other sources.";
        es.push(ex(&r, "body", para, &["25X1"]));
        let out = apply(&r, &es).unwrap();
        assert_eq!(out.subject.as_deref(), Some("Talks with [name withheld — (b)(6)]"));
        assert!(out
            .body
            .contains("Ambassador met [name withheld — (b)(6)] on the tenth"));
        assert!(
            out.body.contains("[1 paragraph (2 lines) not declassified — 25X1]"),
            "{}",
            out.body
        );
        assert!(!out.body.contains("Presidium"));
        assert_eq!(
            out.persons,
            vec!["Finletter, Thomas K.", "Rusk, Dean"],
            "Petrov was named only where excised"
        );
        assert_eq!(out.cites, r.cites, "both cites are still shown");
        assert!(out.spans.is_empty());
        let json = format!("{out:?}");
        assert!(!json.contains("Petrov") && !json.contains("Presidium"));
    }

    #[test]
    fn a_cite_made_only_in_an_excised_passage_goes() {
        let r = rec();
        let out = apply(&r, &[ex(&r, "body", "See TOPOL 594.", &["(b)(1)"])]).unwrap();
        assert_eq!(out.cites, vec!["POLTO 534"]);
        assert!(out
            .body
            .ends_with("Rusk concurs. [less than 1 line not declassified — (b)(1)]"));
    }

    #[test]
    fn name_fields_and_overlaps() {
        let r = rec();
        let out = apply(&r, &[ex(&r, "signed", "Finletter", &["(b)(6)"])]).unwrap();
        assert_eq!(out.signed.as_deref(), Some("[name withheld — (b)(6)]"));
        assert!(out.persons.iter().all(|p| !p.contains("Finletter")));
        // Overlapping excisions merge into one marker with both codes.
        let a = ex(&r, "body", "Ambassador met Ivan", &["25X1"]);
        let b = ex(&r, "body", "Ivan Petrov on", &["(b)(6)"]);
        let out = apply(&r, &[a, b]).unwrap();
        assert!(out
            .body
            .starts_with("1. [less than 1 line not declassified — 25X1, (b)(6)] the tenth"));
    }

    #[test]
    fn bad_ranges_are_refused_with_the_field_named() {
        let r = rec();
        let bad = Excision {
            field: "body".into(),
            start: 5,
            end: 100_000,
            codes: vec!["25X1".into()],
            text: String::new(),
        };
        assert!(apply(&r, &[bad]).unwrap_err().0.contains("body:5..100000"));
        let bad = Excision {
            field: "date".into(),
            start: 0,
            end: 1,
            codes: vec![],
            text: String::new(),
        };
        assert!(apply(&r, &[bad]).unwrap_err().0.contains("cannot be excised"));
    }

    #[test]
    fn excisions_parse_from_their_written_form() {
        let e = Excision::parse("body:120..245:25X1, b1").unwrap();
        assert_eq!((e.field.as_str(), e.start, e.end), ("body", 120, 245));
        assert_eq!(e.codes, vec!["25X1", "b1"]);
        assert!(Excision::parse("body:120-245:25X1")
            .unwrap_err()
            .contains("FIELD:START..END:CODES"));
        assert!(Excision::parse("body").is_err());
    }

    #[test]
    fn markers_count_lines() {
        let t = "a".repeat(200);
        assert_eq!(
            marker("body", &t, 0, 200, &["25X1".into()]),
            "[1 paragraph (3 lines) not declassified — 25X1]"
        );
        let t = format!("intro {}\nmore", "b".repeat(170));
        assert_eq!(
            marker("body", &t, 6, 176, &["(b)(3)".into()]),
            "[3 lines withheld — (b)(3)]"
        );
    }
}
