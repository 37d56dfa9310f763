//! The lines of a transcription and what each one is: page furniture, the
//! identification form, a stamp, a header field or body text.

use crate::text::{contains_ci, Line};
use airgram_model::Classification;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Body,
    /// Page separators, NARA footers, continuation headers.
    Page,
    /// NARA identification form or microfiche header.
    Form,
    /// Review, release and declassification stamps.
    Stamp,
    /// Classification lines, form numbers, code-room notes.
    Furniture,
    /// A message header field or the signature.
    Header,
}

pub struct Doc<'a> {
    pub lines: Vec<Line<'a>>,
    pub role: Vec<Role>,
    /// Lines `[start, end)` of the identification form.
    pub form: Option<(usize, usize)>,
    /// First line after the form (or 0).
    pub doc_start: usize,
    pub body_start: Option<usize>,
    pub body_end: Option<usize>,
    /// Continuation markers: page number and span.
    pub page_marks: Vec<(u32, [usize; 2])>,
    /// Transcript page blocks (`## Page N`, `---- Page N`).
    pub transcript_pages: u32,
}

impl<'a> Doc<'a> {
    pub fn new(_src: &'a str, all: &[Line<'a>]) -> Doc<'a> {
        let lines = all.to_vec();
        let n = lines.len();
        let mut d = Doc {
            lines,
            role: vec![Role::Body; n],
            form: None,
            doc_start: 0,
            body_start: None,
            body_end: None,
            page_marks: Vec::new(),
            transcript_pages: 0,
        };
        d.mark_pages();
        d.find_form();
        d.mark_furniture();
        d
    }

    fn mark_pages(&mut self) {
        for i in 0..self.lines.len() {
            let t = self.lines[i].text.trim();
            if let Some(p) = transcript_page(t) {
                self.role[i] = Role::Page;
                self.transcript_pages = self.transcript_pages.max(p);
            } else if t.len() >= 3 && t.bytes().all(|b| b == b'-')
                || is_footer(t)
                || i < 3 && t.starts_with("# ") && is_record_number(t[2..].trim())
                || is_record_number(t.trim_matches(|c: char| !c.is_ascii_alphanumeric())) && t.len() < 24
                || is_cia_page_head(t)
            {
                self.role[i] = Role::Page;
            }
        }
    }

    /// The NARA identification form: from the top to the first page break
    /// after `IDENTIFICATION FORM`, or to its `COMMENTS` field where the
    /// transcription has no page breaks.
    fn find_form(&mut self) {
        let n = self.lines.len();
        let mut seen = 0;
        let mut head = None;
        for i in 0..n {
            let t = self.lines[i].text;
            if t.trim().is_empty() {
                continue;
            }
            seen += 1;
            if seen > 25 {
                break;
            }
            if contains_ci(t, "IDENTIFICATION FORM") || contains_ci(t, "ASSASSINATION SYSTEM") {
                head = Some(i);
                break;
            }
        }
        let Some(h) = head else {
            // A microfiche header: item number and date lines at the top.
            self.microfiche_header();
            return;
        };
        let limit = (h + 160).min(n);
        let mut end = None;
        let mut comments = None;
        for i in h..limit {
            let t = self.lines[i].text.trim();
            if self.role[i] == Role::Page && (transcript_page(t).is_some() || t.starts_with("---")) {
                end = Some(i);
                break;
            }
            if comments.is_none() && starts_label(t, "COMMENTS") {
                comments = Some(i);
            }
            if is_footer(t) && comments.is_some() {
                end = Some(i + 1);
                break;
            }
        }
        let end = end.or_else(|| {
            let c = comments?;
            // The comment runs on until a blank line.
            let mut e = c + 1;
            while e < n && !self.lines[e].is_blank() && e < c + 3 {
                e += 1;
            }
            Some(e)
        });
        let end = end.unwrap_or(limit.min(h + 40)).min(n);
        for r in &mut self.role[..end] {
            if *r == Role::Body {
                *r = Role::Form;
            }
        }
        self.form = Some((0, end));
        self.doc_start = end;
    }

    /// `01103` / `1962/11/07` at the top of a microfiche item.
    fn microfiche_header(&mut self) {
        let mut k = 0;
        for i in 0..self.lines.len().min(12) {
            let t = strip_md(self.lines[i].text.trim());
            if t.is_empty() {
                continue;
            }
            let item = t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit());
            let date = t.len() == 10 && crate::date::find_numeric(t).is_some_and(|f| f.end - f.start == 10);
            if item || date {
                self.role[i] = Role::Form;
                k = i + 1;
            } else {
                break;
            }
        }
        if k > 0 {
            self.form = Some((0, k));
            self.doc_start = k;
        }
    }

    fn mark_furniture(&mut self) {
        for i in self.doc_start..self.lines.len() {
            if self.role[i] != Role::Body {
                continue;
            }
            let t = self.lines[i].text.trim();
            if t.is_empty() {
                continue;
            }
            if let Some(p) = continuation_marker(t) {
                self.role[i] = Role::Page;
                let sp = self.lines[i].span();
                self.page_marks.push((p, sp));
            } else if is_furniture(t) {
                self.role[i] = Role::Furniture;
            }
        }
    }
}

/// `## Page 3` or `-------- Page 3`.
fn transcript_page(t: &str) -> Option<u32> {
    let r = if let Some(r) = t.strip_prefix("## Page ") {
        r
    } else if t.starts_with("-----") {
        t.trim_start_matches('-').trim().strip_prefix("Page ")?
    } else {
        return None;
    };
    r.trim().parse().ok()
}

/// NARA release footers: `NW 65990 Docld:32395650 Page 2`, `DocId:32300094 Page 2`.
fn is_footer(t: &str) -> bool {
    t.len() < 70
        && t.as_bytes().windows(3).any(|w| w.eq_ignore_ascii_case(b"doc"))
        && (contains_ci(t, "docid") || contains_ci(t, "docld") || contains_ci(t, "doc id:"))
}

/// `176-10036-10012`, `104-10071-10105`.
pub fn is_record_number(t: &str) -> bool {
    let p: Vec<&str> = t.split('-').collect();
    p.len() == 3
        && p[0].len() == 3
        && p[1].len() == 5
        && (4..=5).contains(&p[2].len())
        && p.iter().all(|x| x.bytes().all(|b| b.is_ascii_digit()))
}

/// CIA page heads such as `13-00000`, `14-00000`.
fn is_cia_page_head(t: &str) -> bool {
    t.len() == 8 && t.ends_with("-00000") && t[..2].bytes().all(|b| b.is_ascii_digit())
}

/// Strips Markdown emphasis, headings and strike-through around a line.
pub fn strip_md(t: &str) -> &str {
    let mut t = t.trim().trim_start_matches('#').trim();
    loop {
        let before = t.len();
        for m in ["**", "~~", "*", "_"] {
            if let Some(x) = t.strip_prefix(m).and_then(|x| x.strip_suffix(m)) {
                t = x.trim();
            }
        }
        if t.len() == before {
            return t;
        }
    }
}

/// A label at the start of a line: `COMMENTS :`.
pub fn starts_label(t: &str, label: &str) -> bool {
    let t = t.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    t.len() >= label.len()
        && t.as_bytes()[..label.len()].eq_ignore_ascii_case(label.as_bytes())
        && t.as_bytes().get(label.len()).is_none_or(|c| !c.is_ascii_alphabetic())
}

/// Page continuation headers: `~~SECRET~~ - 2 *from Polto A-517*`,
/// `-2-660, NOVEMBER 16, 11 AM, FROM SAIGON`, `PAGE 2 BERN SECRET`, `- 4`.
pub fn continuation_marker(t: &str) -> Option<u32> {
    let s = strip_md(t);
    // A leading classification word is part of the header.
    let mut rest = s;
    if let Some((c, _, e)) = classification_at_start(rest) {
        let _ = c;
        rest = rest.get(e..).unwrap_or("").trim_start_matches(['~', '*', ' ']);
    }
    let r = rest.trim_start();
    let num_after = |r: &str| -> Option<(u32, usize)> {
        let digits = r.bytes().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 2 {
            return None;
        }
        Some((r[..digits].parse().ok()?, digits))
    };
    if let Some(r2) = r.strip_prefix('-') {
        let r2 = r2.trim_start();
        let (n, k) = num_after(r2)?;
        let after = r2[k..].trim_start();
        // `- 2`, `-2-`, `- 2 -`, `-2- 660, ...` but not `-20 degrees`.
        let marker = after.is_empty()
            || after.starts_with('-')
            || after.starts_with('*')
            || t.len() < 90 && contains_ci(after, "from");
        if (2..=99).contains(&n) && marker {
            return Some(n);
        }
        return None;
    }
    let up = r.to_ascii_uppercase();
    if let Some(r2) = up.strip_prefix("PAGE") {
        let r2 = r2.trim_start_matches([' ', ':', '.']);
        if let Some((n, _)) = num_after(r2) {
            if (2..=99).contains(&n) && t.len() < 60 {
                return Some(n);
            }
        }
        if up.starts_with("PAGE TWO") {
            return Some(2);
        }
    }
    None
}

/// Lines that are part of the page and not of the message.
fn is_furniture(t: &str) -> bool {
    let s = strip_md(t);
    if s.is_empty() {
        return false;
    }
    // Handwritten annotations are set in italics by the transcriber.
    let tt = t.trim();
    if tt.len() > 2 && tt.starts_with('*') && tt.ends_with('*') && !tt.starts_with("**") {
        return true;
    }
    if is_classification_line(s) {
        return true;
    }
    const PHRASES: &[&str] = &[
        "FOR RM USE ONLY",
        "REPRODUCTION FROM THIS COPY",
        "PROHIBITED UNLESS",
        "REPRODUCTION BY OTHER THAN",
        "IT IS FORBIDDEN TO COPY",
        "(WHEN FILLED IN)",
        "CLASSIFIED MESSAGE",
        "RETAIN OR DESTROY",
        "END OF MESSAGE",
    ];
    // The printed phrases are in capitals; prose lines skip the search.
    let lower = s.bytes().filter(u8::is_ascii_lowercase).count();
    if s.len() < 70 && lower * 4 < s.len() && PHRASES.iter().any(|p| s.contains(p)) {
        return true;
    }
    let up = s.to_ascii_uppercase();
    // Group markings (`GP-3.`, `GP 1`): declassification groups, not text.
    if up.len() <= 14 && up.starts_with("GP") && !up[2..].starts_with(|c: char| c.is_ascii_alphabetic()) {
        return true;
    }
    (up.starts_with("FORM DS-") || up.starts_with("FORM FS-") || up.starts_with("FD-")) && s.len() < 40
}

/// A line that is only a classification marking (with its caveats).
pub fn is_classification_line(s: &str) -> bool {
    let s = strip_md(s);
    let Some((_, _, e)) = classification_at_start(s) else {
        return false;
    };
    let rest = s
        .get(e..)
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_ascii_alphanumeric());
    rest.is_empty()
        || (rest.len() < 24 && rest.split_whitespace().count() <= 3 && rest.bytes().all(|b| !b.is_ascii_lowercase()))
}

/// A classification word at the start of `s` (after marks): level and byte range.
pub fn classification_at_start(s: &str) -> Option<(Classification, usize, usize)> {
    let lead = s.len() - s.trim_start_matches(|c: char| !c.is_ascii_alphabetic()).len();
    let (c, a, e) = classification_in(s.get(lead..)?)?;
    (a == 0).then_some((c, lead + a, lead + e))
}

/// The first classification marking in `s`, OCR-tolerant (`SEGRET`,
/// `CONFIDENT IAL`, `TOP SECRET`). Only upper-case words count: prose uses
/// the words in lower case.
pub fn classification_in(s: &str) -> Option<(Classification, usize, usize)> {
    // Every marking holds four capitals in a row (`CRET` even in `SiCRET`).
    let mut run = 0;
    if !s.bytes().any(|c| {
        run = if c.is_ascii_uppercase() { run + 1 } else { 0 };
        run >= 4
    }) {
        return None;
    }
    let words = upper_words(s);
    for (k, &(a, e)) in words.iter().enumerate() {
        let w = &s[a..e];
        if is_secret_word(w) {
            if k > 0 {
                let (pa, pe) = words[k - 1];
                let p = &s[pa..pe];
                if (p == "TOP" || p == "TOF" || p == "T0P") && a - pe <= 3 {
                    return Some((Classification::TopSecret, pa, e));
                }
            }
            return Some((Classification::Secret, a, e));
        }
        // CONFIDENTIAL, possibly split in two by OCR: only words that
        // could begin it are tried (the distance is the costly part).
        let head = w.get(..3).unwrap_or(w);
        if !(w.starts_with("CO") || w.starts_with("ON") || head.contains("NF") || w.contains("FID")) {
            continue;
        }
        if w.len() >= 10 && near(w, "CONFIDENTIAL", 2) {
            return Some((Classification::Confidential, a, e));
        }
        if let Some(&(na, ne)) = words.get(k + 1) {
            let joined = format!("{w}{}", &s[na..ne]);
            if na - e == 1 && joined.len() >= 10 && near(&joined, "CONFIDENTIAL", 2) {
                return Some((Classification::Confidential, a, ne));
            }
        }
        if w == "UNCLASSIFIED" {
            continue;
        }
    }
    None
}

fn is_secret_word(w: &str) -> bool {
    if w == "SECRET" {
        return true;
    }
    // OCR variants, one letter off, but not the plural or `SECRETARY`.
    (5..=7).contains(&w.len()) && w.starts_with(['S', 'E']) && w != "SECRETS" && w != "SECRETE" && near(w, "SECRET", 1)
}

/// Words of `s` written in capitals (one stray lower-case letter allowed).
fn upper_words(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphabetic() {
            let st = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            let w = &s[st..i];
            let lower = w.bytes().filter(|c| c.is_ascii_lowercase()).count();
            if w.as_bytes()[0].is_ascii_uppercase() && lower <= 1 && (lower == 0 || w.len() >= 5) {
                out.push((st, i));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Levenshtein distance within `max` (upper-cases `a`).
pub fn near(a: &str, b: &str, max: usize) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    // Rows on the stack for the short words compared here.
    const W: usize = 40;
    if b.len() >= W {
        return a.eq_ignore_ascii_case(b);
    }
    let mut prev = [0usize; W];
    let mut cur = [0usize; W];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let ca = a[i - 1].to_ascii_uppercase();
        for j in 1..=b.len() {
            let cost = usize::from(ca != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= max
}
