//! Memoranda and letters read by their labels when the header reader
//! found no sender or addressee: `FROM: Robert A. Barteaux` / `Chief,
//! Operations Group`, `MEMORANDUM FOR: Deputy Director for Operations`,
//! `TO: Mr. Winston M. Scott`. The labels are those of CIA and FBI
//! memoranda and of letters; a routing sheet's captions (`FROM: PROPER
//! FILE NO.`) carry no name and are not taken. The evidence goes into
//! the record's warnings.

use super::gazetteer;
use super::lines::{strip_md, Doc, Role};
use airgram_model::Record;

/// Lines from the document's start where a memorandum's labels are
/// looked for: cover and routing sheets often come first.
const HEAD_LINES: usize = 120;
/// Longest name and office a label's value holds.
const MAX_VALUE: usize = 70;
/// Words that make a value in capitals a sender or addressee, not a
/// form caption.
const OFFICE_WORDS: &[&str] = &[
    "CHIEF", "DIRECTOR", "DEPUTY", "ACTING", "SAC", "LEGAT", "ATTORNEY", "COUNSEL", "MR.", "FBI",
];

/// The value after `label` at the start of `t`, with its colon.
fn labelled<'a>(t: &'a str, label: &str) -> Option<&'a str> {
    let t = t.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let head = t.get(..label.len())?;
    if !head.eq_ignore_ascii_case(label) {
        return None;
    }
    let rest = t[label.len()..].trim_start();
    let v = rest.strip_prefix([':', ';'])?;
    Some(v.trim())
}

/// A sender's or addressee's name or office, not a caption or noise.
fn is_name(v: &str) -> bool {
    let letters = v.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if letters < 4 || v.len() > MAX_VALUE {
        return false;
    }
    // Most of it letters: OCR junk is mostly marks and digits.
    if letters * 3 < v.len() * 2 {
        return false;
    }
    let lower = v.chars().any(|c| c.is_ascii_lowercase());
    let upper = v.to_ascii_uppercase();
    lower
        || gazetteer::lookup(v).is_some()
        || OFFICE_WORDS.iter().any(|w| {
            upper
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
                .any(|x| x == *w)
        })
}

/// The value of a label: on its line, or alone on the next text line.
fn value_at<'a>(doc: &Doc<'a>, i: usize, v: &'a str) -> Option<(&'a str, usize)> {
    let v = v.trim_matches(|c: char| c == '|' || c == ' ' || c == '.' || c == ',');
    if !v.is_empty() {
        return is_name(v).then_some((v, i));
    }
    let k = (i + 1..doc.lines.len().min(i + 3)).find(|&k| !doc.lines[k].is_blank())?;
    let n = strip_md(doc.lines[k].text.trim()).trim_matches(|c: char| c == '|' || c == ' ');
    is_name(n).then_some((n, k))
}

/// Reads sender and addressee from a memorandum's labels into `rec`
/// where the header reader and the cable reader left them empty.
pub fn read(src: &str, doc: &Doc, rec: &mut Record) {
    if rec.from.is_some() && !rec.to.is_empty() {
        return;
    }
    let end = doc.lines.len().min(doc.doc_start + HEAD_LINES);
    for i in doc.doc_start..end {
        if matches!(doc.role[i], Role::Stamp | Role::Form) {
            continue;
        }
        let t = strip_md(doc.lines[i].text.trim());
        if rec.from.is_none() {
            if let Some((v, _)) = labelled(t, "FROM").and_then(|v| value_at(doc, i, v)) {
                rec.from = Some(v.to_string());
                rec.add_span("from", crate::text::sub_span(src, 0, v));
                rec.warnings.retain(|w| w != "no originator found");
                rec.warn("from read by FROM: label (memorandum)");
            }
        }
        if rec.to.is_empty() {
            let v = labelled(t, "MEMORANDUM FOR").or_else(|| labelled(t, "TO"));
            if let Some((v, _)) = v.and_then(|v| value_at(doc, i, v)) {
                rec.to.push(v.to_string());
                rec.add_span("to", crate::text::sub_span(src, 0, v));
                rec.warn("to read by MEMORANDUM FOR: or TO: label (memorandum)");
            }
        }
        if rec.from.is_some() && !rec.to.is_empty() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Record {
        let all = crate::text::lines(src);
        let doc = Doc::new(src, &all);
        let mut r = Record::default();
        read(src, &doc, &mut r);
        r
    }

    #[test]
    fn memorandum_labels() {
        let r = run("MEMORANDUM FOR: SA/DO/O\nATTENTION: Norbert A. Shepanek\nFROM: Robert A. Barteaux\nChief, Operations Group\n");
        assert_eq!(r.from.as_deref(), Some("Robert A. Barteaux"));
        assert!(
            r.to.is_empty(),
            "SA/DO/O in capitals is no name this reader takes: {:?}",
            r.to
        );
        let r = run("To: Mr. Winston M. Scott\nFrom:\nMichael K. Cline\n");
        assert_eq!(r.to, vec!["Mr. Winston M. Scott"]);
        assert_eq!(r.from.as_deref(), Some("Michael K. Cline"));
    }

    #[test]
    fn routing_sheet_captions_and_noise_are_not_names() {
        let r = run("FROM: PROPER FILE NO,\nTO: ALL ADDRESSEES\nFROM: 3 ¢ 7 2- | 9 Sa\n");
        assert_eq!(r.from, None);
        assert!(r.to.is_empty());
        // A label inside prose is no label.
        assert_eq!(run("a letter from: the Embassy\n").from, None);
    }

    #[test]
    fn offices_in_capitals_are_names() {
        assert_eq!(run("FROM: DIRECTOR, FBI\n").from.as_deref(), Some("DIRECTOR, FBI"));
        assert_eq!(run("TO : SAC, NEW ORLEANS\n").to, vec!["SAC, NEW ORLEANS"]);
    }
}
