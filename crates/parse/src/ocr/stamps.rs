//! Later markings: review, release, sanitization and declassification
//! stamps. Each becomes a [`Review`]; their lines leave the body.

use super::lines::{strip_md, Doc, Role};
use crate::date;
use crate::text::{contains_ci, find_ci};
use airgram_model::{Record, Review};

/// Words of the check-box review forms (`( ) RELEASE ( ) DECLASSIFY`).
const FORM_WORDS: &[&str] = &[
    "REVIEWED BY",
    "RELEASE",
    "DECLASSIFY",
    "EXCISE",
    "DENY",
    "EXEMPTION",
    "AUTHORITY TO",
    "OADR",
    "DOWNGRADE",
    "CLASSIFY",
    "NON-RESPONSIVE",
    "FOI",
];

pub fn read_reviews(src: &str, doc: &mut Doc, rec: &mut Record) {
    let n = doc.lines.len();
    let mut i = 0;
    let mut review_spans = Vec::new();
    let keyed = doc.lines_matching(&doc.up, stamp_words());
    while i < n {
        if !keyed[i] {
            i += 1;
            continue;
        }
        let t = doc.lines[i].text.trim();
        let Some((kind, office)) = stamp_start(t) else {
            i += 1;
            continue;
        };
        let mut end = i + 1;
        match kind {
            Kind::ReviewForm => {
                // The block runs over check-box lines, dates and blanks.
                let mut k = i + 1;
                while k < n && k < i + 16 {
                    let u = doc.lines[k].text.trim();
                    if u.is_empty() {
                        k += 1;
                        continue;
                    }
                    if is_form_line(u) {
                        k += 1;
                        end = k;
                    } else {
                        break;
                    }
                }
            }
            Kind::Multi(words) => {
                let mut k = i + 1;
                while k < n && k < i + 5 {
                    let u = doc.lines[k].text.trim();
                    if u.is_empty() {
                        k += 1;
                        continue;
                    }
                    if u.len() < 60 && words.iter().any(|w| contains_ci(u, w)) {
                        k += 1;
                        end = k;
                    } else {
                        break;
                    }
                }
            }
            Kind::Single => {}
        }
        let a = doc.lines[i].span()[0];
        let b = doc.lines[end - 1].span()[1].max(a);
        let raw = &src[a..b];
        let mut r = Review {
            raw: raw.to_string(),
            span: [a, b],
            office: office.map(str::to_string),
            ..Review::default()
        };
        if r.office.is_none() {
            r.office = review_office(t).map(str::to_string);
        }
        r.date = stamp_date(raw);
        r.actions = actions(raw);
        r.exemptions = exemptions(raw);
        r.reviewer = reviewer(raw);
        review_spans.push([a, b]);
        rec.reviews.push(r);
        rec.declassified = true;
        for k in i..end {
            if matches!(doc.role[k], Role::Body | Role::Furniture) {
                doc.role[k] = Role::Stamp;
            }
        }
        i = end;
    }
    super::add_spans(rec, "reviews", review_spans);
    // A struck-through marking was cancelled by a later review.
    if let Some(p) = find_double_tilde(src) {
        if src[p + 2..].starts_with(|c: char| c.is_ascii_uppercase()) {
            rec.declassified = true;
            rec.add_span("declassified", [p, (p + 2).min(src.len())]);
        }
    }
}

/// `src.find("~~")`, by a `memchr` search for `~` (a substring searcher
/// costs more on text that has none).
fn find_double_tilde(src: &str) -> Option<usize> {
    let b = src.as_bytes();
    let mut from = 0;
    while let Some(p) = src.get(from..).and_then(|r| r.find('~')) {
        let p = from + p;
        if b.get(p + 1) == Some(&b'~') {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

enum Kind {
    ReviewForm,
    /// A stamp of several lines: continuation lines hold one of the words.
    Multi(&'static [&'static str]),
    Single,
}

/// Every stamp names one of these words (in any case: the pattern runs on
/// the capitals of the text); most lines name none.
fn stamp_words() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            "DEPARTMENT OF STATE|REVIEWED BY|RELEASE|OBJECTION|G3JECTION|ALL INFORMATION|SANITIZED|DECLASSIFIED",
        )
        .expect("valid regex")
    })
}

/// The kind of stamp line `t` opens, for a line holding a stamp word.
fn stamp_start(t: &str) -> Option<(Kind, Option<&str>)> {
    if t.is_empty() || t.len() > 200 {
        return None;
    }
    if let Some(p) = find_ci(t, "DEPARTMENT OF STATE") {
        let rest = t[p + 19..].trim();
        let tok = rest.split_whitespace().next().unwrap_or("");
        if tok.contains('/') && tok.len() <= 20 && tok.bytes().all(|b| b.is_ascii_uppercase() || b == b'/') {
            return Some((Kind::ReviewForm, Some(tok)));
        }
    }
    if starts_ci(strip_md(t), "REVIEWED BY") {
        return Some((Kind::ReviewForm, None));
    }
    if contains_ci(t, "RELEASE UNDER THE PRESIDENT JOHN F") {
        return Some((Kind::Single, Some("NARA")));
    }
    if contains_ci(t, "Released under the John F") {
        return Some((
            Kind::Multi(&["Assassination", "Records", "Collection", "USC", "Date", "Case"]),
            Some("NARA"),
        ));
    }
    if contains_ci(t, "NO OBJECTION TO") || contains_ci(t, "HAS NO OBJECTION") || contains_ci(t, "HAS NO G3JECTION") {
        return Some((
            Kind::Multi(&["DECLASSIFICATION", "RELEASE", "DOCUMENT", "INFORMATION"]),
            Some("CIA"),
        ));
    }
    if contains_ci(t, "ALL INFORMATION CONTAINED") {
        return Some((
            Kind::Multi(&["HEREIN", "UNCLASSIFIED", "EXCEPT", "OTHERWISE", "DATE", " BY "]),
            Some("FBI"),
        ));
    }
    let up_words: Vec<&str> = t
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    if up_words.contains(&"SANITIZED") {
        return Some((Kind::Multi(&["NLK", "NLJ", "NARA", "Authority", "By", "Date"]), None));
    }
    if up_words.contains(&"DECLASSIFIED") && t.len() < 80 {
        return Some((
            Kind::Multi(&["Authority", "NARS", "NARA", "By", "Date", "E.O.", "NLK", "NLJ"]),
            None,
        ));
    }
    None
}

fn starts_ci(s: &str, p: &str) -> bool {
    s.len() >= p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
}

fn is_form_line(u: &str) -> bool {
    let s = strip_md(u);
    if s.len() > 90 {
        return false;
    }
    if s.starts_with("( )") || s.starts_with('(') && s.get(2..3) == Some(")") {
        return true;
    }
    // A date standing alone on the stamp.
    if s.len() <= 10 && date::find_numeric(s).is_some() {
        return true;
    }
    FORM_WORDS.iter().any(|w| contains_ci(s, w)) && !s.contains('\t')
}

/// Offices named on a stamp line: `NARS`, `NLK`, `NLJ`.
fn review_office(t: &str) -> Option<&'static str> {
    for (k, v) in [
        ("NARS", "NARS"),
        ("NARA", "NARA"),
        ("NLK", "NLK"),
        ("NLJ", "NLJ"),
        ("CIA", "CIA"),
        ("FBI", "FBI"),
    ] {
        if t.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == k) {
            return Some(v);
        }
    }
    None
}

fn stamp_date(raw: &str) -> Option<String> {
    let w = date::find_written(raw).map(|f| (f.start, f.iso));
    let n = date::find_numeric(raw).map(|f| (f.start, f.iso));
    let best = match (w, n) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a.1 } else { b.1 }),
        (a, b) => a.or(b).map(|x| x.1),
    };
    best.or_else(|| {
        // A release banner gives only its year.
        let t = raw.trim_start_matches(|c: char| !c.is_ascii_digit());
        let y = t.get(..4)?;
        (y.bytes().all(|b| b.is_ascii_digit()) && (y.starts_with("19") || y.starts_with("20"))).then(|| y.to_string())
    })
}

/// Ticked boxes (`(X) RELEASE`) and stated actions.
fn actions(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let b = raw.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'(' && i + 2 < b.len() && matches!(b[i + 1], b'X' | b'x') && b[i + 2] == b')' {
            let rest = raw[i + 3..].trim_start();
            let end = rest.find(['(', '\n']).unwrap_or(rest.len());
            let act = rest[..end].trim();
            if !act.is_empty() && act.len() < 40 {
                push(&act.to_ascii_uppercase());
            }
        }
    }
    let checkbox = raw.contains("( )");
    if !checkbox {
        for (w, a) in [
            ("SANITIZED", "SANITIZE"),
            ("DECLASSIFIED", "DECLASSIFY"),
            ("DECLASSIFICATION", "DECLASSIFY"),
            ("RELEASE", "RELEASE"),
        ] {
            if raw.contains(w) || (w == "RELEASE" && contains_ci(raw, "released")) {
                push(a);
            }
        }
    }
    out
}

fn exemptions(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let Some(r) = raw.get(i..) else {
            i += 1;
            continue;
        };
        if r.starts_with("(b)(") {
            let end = raw[i..]
                .find(|c: char| c.is_whitespace() || c == ',')
                .map_or(raw.len(), |e| i + e);
            out.push(raw[i..end].to_string());
            i = end;
            continue;
        }
        if r.starts_with("25X") && b.get(i + 3).is_some_and(|c| c.is_ascii_digit()) {
            out.push(raw[i..i + 4].to_string());
            i += 4;
            continue;
        }
        for p in ["E.O. ", "EO "] {
            if r.starts_with(p) && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
                let d = raw[i + p.len()..].bytes().take_while(|c| c.is_ascii_digit()).count();
                if d == 5 {
                    out.push(format!("E.O. {}", &raw[i + p.len()..i + p.len() + 5]));
                }
            }
        }
        i += 1;
    }
    out
}

fn reviewer(raw: &str) -> Option<String> {
    let p = find_ci(raw, "REVIEWED BY")
        .map(|p| p + 11)
        .or_else(|| find_ci(raw, " By ").map(|p| p + 4))?;
    let rest = raw[p..].trim_start_matches([':', ' ']);
    let end = rest.find(['\n', ',']).unwrap_or(rest.len());
    let end = find_ci(&rest[..end], "DATE").unwrap_or(end);
    let name = rest[..end].trim();
    if name.is_empty() || name.contains("[Signature]") || name.len() > 40 || !name.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    Some(name.to_string())
}
