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
    /// What each line holds, counted once: most per-line tests are
    /// settled by these without reading the line again.
    pub info: Vec<LineInfo>,
    /// The text in ASCII capitals, byte for byte: case-blind searches over
    /// the whole text run on it as plain literal searches.
    pub up: String,
    src: &'a str,
}

/// What a line holds, found once.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineInfo {
    /// Four capitals in a row: every classification marking has them.
    pub caps4: bool,
}

impl LineInfo {
    fn of(t: &str) -> LineInfo {
        let mut run = 0u32;
        let caps4 = t.bytes().any(|c| {
            run = if c.is_ascii_uppercase() { run + 1 } else { 0 };
            run >= 4
        });
        LineInfo { caps4 }
    }
}

impl<'a> Doc<'a> {
    pub fn new(src: &'a str, all: &[Line<'a>]) -> Doc<'a> {
        let lines = all.to_vec();
        let n = lines.len();
        let info = lines.iter().map(|l| LineInfo::of(l.text)).collect();
        let mut d = Doc {
            info,
            up: src.to_ascii_uppercase(),
            src,
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

    /// Lines holding a match of `re`, found in one pass over the whole
    /// text (`re` must not match across a newline): a per-line search
    /// costs its setup on every line, and most lines hold nothing.
    /// The capitals of `t`, a slice of the text, without a copy.
    pub fn upper_of(&self, t: &str) -> std::borrow::Cow<'_, str> {
        let off = (t.as_ptr() as usize).wrapping_sub(self.src.as_ptr() as usize);
        match self.up.get(off..off.wrapping_add(t.len())) {
            Some(u) if off <= self.src.len() && off + t.len() <= self.src.len() => std::borrow::Cow::Borrowed(u),
            _ => std::borrow::Cow::Owned(t.to_ascii_uppercase()),
        }
    }

    /// The first line from `doc_start` on holding `needle` (no newline in
    /// it): one search of the text (or of `up`, its capitals) instead of
    /// one per line.
    pub fn first_line_with(&self, src: &str, needle: &str) -> Option<usize> {
        let from = self.lines.get(self.doc_start)?.start;
        let p = from + src.get(from..)?.find(needle)?;
        let k = self.lines.partition_point(|l| l.end < p);
        (k < self.lines.len()).then_some(k)
    }

    /// `hay` is the text or its capitals (`up`).
    pub fn lines_matching(&self, hay: &str, re: &regex::Regex) -> Vec<bool> {
        let mut out = vec![false; self.lines.len()];
        let mut k = 0;
        for m in re.find_iter(hay) {
            // Matches come in order: walk the lines along with them.
            while k < self.lines.len() && self.lines[k].end < m.start() {
                k += 1;
            }
            if k < self.lines.len() && self.lines[k].start <= m.start() {
                out[k] = true;
            }
        }
        out
    }

    fn mark_pages(&mut self) {
        // NARA footers name a `DocId`: one search of the capitals finds them.
        static DOC: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let doc = self.lines_matching(
            &self.up,
            DOC.get_or_init(|| regex::Regex::new("DOC").expect("valid regex")),
        );
        for i in 0..self.lines.len() {
            let t = self.lines[i].text.trim();
            if let Some(p) = transcript_page(t) {
                self.role[i] = Role::Page;
                self.transcript_pages = self.transcript_pages.max(p);
            } else if t.len() >= 3 && t.bytes().all(|b| b == b'-')
                || doc.get(i) == Some(&true) && is_footer(t)
                || i < 3 && t.starts_with("# ") && is_record_number(t[2..].trim())
                || t.len() < 24 && is_record_number(t.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
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
            // The marking at the start is read once for both tests, and
            // only where the line has capitals enough for one.
            let s = strip_md(t);
            let cls = if self.info[i].caps4 {
                classification_at_start(s)
            } else {
                None
            };
            if let Some(p) = continuation_marker_with(t, s, cls) {
                self.role[i] = Role::Page;
                let sp = self.lines[i].span();
                self.page_marks.push((p, sp));
            } else if is_furniture_with(t, s, cls, self.info[i].caps4) {
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
    // Checked on every line: by shape, without splitting.
    let b = t.as_bytes();
    (b.len() == 14 || b.len() == 15)
        && b[3] == b'-'
        && b[9] == b'-'
        && b.iter().enumerate().all(|(i, c)| {
            if i == 3 || i == 9 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// CIA page heads such as `13-00000`, `14-00000`.
fn is_cia_page_head(t: &str) -> bool {
    t.len() == 8 && t.ends_with("-00000") && t[..2].bytes().all(|b| b.is_ascii_digit())
}

/// Strips Markdown emphasis, headings and strike-through around a line.
pub fn strip_md(t: &str) -> &str {
    let t = t.trim();
    // Most lines have no marks at either end: nothing to strip.
    let marks = |c: Option<&u8>| matches!(c, Some(b'*' | b'~' | b'_'));
    let b = t.as_bytes();
    if b.first() != Some(&b'#') && !(marks(b.first()) && marks(b.last())) {
        return t;
    }
    let mut t = t.trim_start_matches('#').trim();
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
/// `s` is `strip_md(t)` and `cls` the marking at its start.
fn continuation_marker_with(t: &str, s: &str, cls: Option<(Classification, usize, usize)>) -> Option<u32> {
    // A leading classification word is part of the header.
    let mut rest = s;
    if let Some((_, _, e)) = cls {
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
    if starts_with_ci(r, "PAGE") {
        let r2 = r[4..].trim_start_matches([' ', ':', '.']);
        if let Some((n, _)) = num_after(r2) {
            if (2..=99).contains(&n) && t.len() < 60 {
                return Some(n);
            }
        }
        if starts_with_ci(r, "PAGE TWO") {
            return Some(2);
        }
    }
    None
}

/// Lines that are part of the page and not of the message: `s` is
/// `strip_md(t)`, `cls` the marking at its start, `caps4` whether `t` has
/// four capitals in a row.
fn is_furniture_with(t: &str, s: &str, cls: Option<(Classification, usize, usize)>, caps4: bool) -> bool {
    if s.is_empty() {
        return false;
    }
    // Handwritten annotations are set in italics by the transcriber.
    let tt = t.trim();
    if tt.len() > 2 && tt.starts_with('*') && tt.ends_with('*') && !tt.starts_with("**") {
        return true;
    }
    if caps4 {
        // `strip_md` may strip again what it left of itself.
        let ss = strip_md(s);
        let c = if ss.len() == s.len() {
            cls
        } else {
            classification_at_start(ss)
        };
        if c.is_some_and(|(_, _, e)| classification_rest_ok(ss, e)) {
            return true;
        }
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
    // The printed phrases are in capitals (each has four in a row); prose
    // lines skip the search.
    if caps4
        && s.len() < 70
        && s.bytes().filter(u8::is_ascii_lowercase).count() * 4 < s.len()
        && PHRASES.iter().any(|p| s.contains(p))
    {
        return true;
    }
    // Group markings (`GP-3.`, `GP 1`): declassification groups, not text.
    if s.len() <= 14 && starts_with_ci(s, "GP") && !s[2..].starts_with(|c: char| c.is_ascii_alphabetic()) {
        return true;
    }
    s.len() < 40 && (starts_with_ci(s, "FORM DS-") || starts_with_ci(s, "FORM FS-") || starts_with_ci(s, "FD-"))
}

/// ASCII case-insensitive `starts_with`, without an upper-cased copy.
pub fn starts_with_ci(s: &str, p: &str) -> bool {
    s.len() >= p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
}

/// What may follow the marking on a classification line: caveats.
fn classification_rest_ok(s: &str, e: usize) -> bool {
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
    let r = s.get(lead..)?;
    if !caps_run(r) {
        return None;
    }
    // Only the first word, or `TOP` and the word after it, can open the line.
    let mut words = UpperWords { b: r.as_bytes(), i: 0 };
    let w0 = words.next().filter(|w| w.0 == 0)?;
    let w1 = words.next();
    if let Some((c, a, e)) = marking_at(r, w0, None, w1) {
        return Some((c, lead + a, lead + e));
    }
    let w1 = w1?;
    let (c, a, e) = marking_at(r, w1, Some(w0), words.next())?;
    (a == 0).then_some((c, lead + a, lead + e))
}

/// Every marking holds four capitals in a row (`CRET` even in `SiCRET`).
fn caps_run(s: &str) -> bool {
    let mut run = 0;
    s.bytes().any(|c| {
        run = if c.is_ascii_uppercase() { run + 1 } else { 0 };
        run >= 4
    })
}

/// The first classification marking in `s`, OCR-tolerant (`SEGRET`,
/// `CONFIDENT IAL`, `TOP SECRET`). Only upper-case words count: prose uses
/// the words in lower case.
pub fn classification_in(s: &str) -> Option<(Classification, usize, usize)> {
    if !caps_run(s) {
        return None;
    }
    let mut words = UpperWords { b: s.as_bytes(), i: 0 }.peekable();
    let mut prev = None;
    while let Some(w) = words.next() {
        if let Some(found) = marking_at(s, w, prev, words.peek().copied()) {
            return Some(found);
        }
        prev = Some(w);
    }
    None
}

/// Is the capitals word `w` of `s` a marking (with the words beside it)?
fn marking_at(
    s: &str,
    (a, e): (usize, usize),
    prev: Option<(usize, usize)>,
    next: Option<(usize, usize)>,
) -> Option<(Classification, usize, usize)> {
    let w = &s[a..e];
    if is_secret_word(w) {
        if let Some((pa, pe)) = prev {
            let p = &s[pa..pe];
            if (p == "TOP" || p == "TOF" || p == "T0P") && a - pe <= 3 {
                return Some((Classification::TopSecret, pa, e));
            }
        }
        return Some((Classification::Secret, a, e));
    }
    // CONFIDENTIAL, possibly split in two by OCR: only words that
    // could begin it are tried (the distance is the costly part).
    let wb = w.as_bytes();
    let head = &wb[..wb.len().min(3)];
    let has = |h: &[u8], p: &[u8]| h.windows(p.len()).any(|x| x == p);
    if !(w.starts_with("CO") || w.starts_with("ON") || has(head, b"NF") || has(wb, b"FID")) {
        return None;
    }
    if w.len() >= 10 && near(w, "CONFIDENTIAL", 2) {
        return Some((Classification::Confidential, a, e));
    }
    let (na, ne) = next?;
    if na - e == 1 && w.len() + ne - na >= 10 {
        let joined = format!("{w}{}", &s[na..ne]);
        if near(&joined, "CONFIDENTIAL", 2) {
            return Some((Classification::Confidential, a, ne));
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

/// Words of `s` written in capitals (one stray lower-case letter allowed),
/// found lazily: most lines are settled by their first words.
struct UpperWords<'s> {
    b: &'s [u8],
    i: usize,
}

impl Iterator for UpperWords<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let b = self.b;
        while self.i < b.len() {
            if !b[self.i].is_ascii_alphabetic() {
                self.i += 1;
                continue;
            }
            let st = self.i;
            let mut lower = 0;
            while self.i < b.len() && b[self.i].is_ascii_alphabetic() {
                lower += usize::from(b[self.i].is_ascii_lowercase());
                self.i += 1;
            }
            if b[st].is_ascii_uppercase() && lower <= 1 && (lower == 0 || self.i - st >= 5) {
                return Some((st, self.i));
            }
        }
        None
    }
}

/// Levenshtein distance at most one (upper-cases `a`), without the table:
/// past the common prefix the rest must match after one edit.
fn within_one(a: &[u8], b: &[u8]) -> bool {
    let eq = |x: &[u8], y: &[u8]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_ascii_uppercase() == *q);
    let i = a
        .iter()
        .zip(b)
        .take_while(|(p, q)| p.to_ascii_uppercase() == **q)
        .count();
    if i == a.len() && i == b.len() {
        return true;
    }
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => eq(&a[i + 1..], &b[i + 1..]),
        std::cmp::Ordering::Greater => eq(&a[i + 1..], &b[i..]),
        std::cmp::Ordering::Less => eq(&a[i..], &b[i + 1..]),
    }
}

/// Levenshtein distance within `max` (upper-cases `a`).
pub fn near(a: &str, b: &str, max: usize) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    if max == 1 {
        return within_one(a, b);
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
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(ca != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            row_min = row_min.min(cur[j]);
        }
        // Distances never fall from one row to the next.
        if row_min > max {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= max
}
