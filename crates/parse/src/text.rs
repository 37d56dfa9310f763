//! Small text helpers shared by the parsers: lines with byte offsets,
//! sentence ends, footnote markers and redaction markers.

use airgram_model::Redaction;

/// One line of the source: byte offsets of its content (without the newline).
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
}

impl Line<'_> {
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
    /// Span of the trimmed content.
    pub fn span(&self) -> [usize; 2] {
        let lead = self.text.len() - self.text.trim_start().len();
        let trail = self.text.len() - self.text.trim_end().len();
        [self.start + lead, self.end - trail]
    }
}

pub fn lines(s: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in s.split_inclusive('\n') {
        let mut t = piece.strip_suffix('\n').unwrap_or(piece);
        t = t.strip_suffix('\r').unwrap_or(t);
        out.push(Line {
            start,
            end: start + t.len(),
            text: t,
        });
        start += piece.len();
    }
    out
}

/// Span of `needle` inside `hay`, where `needle` is a subslice of `hay`
/// (pointer arithmetic, so no searching).
pub fn sub_span(hay: &str, base: usize, needle: &str) -> [usize; 2] {
    let off = (needle.as_ptr() as usize).saturating_sub(hay.as_ptr() as usize);
    let off = off.min(hay.len());
    [base + off, base + off + needle.len()]
}

const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "St", "No", "Nos", "Gen", "Amb", "Adm", "Lt", "Col", "Sen", "Rep", "Jr", "Sr", "Vol",
    "Vols", "Gov", "Capt", "Maj", "Sgt", "Rev", "Prof", "Messrs", "Ibid", "p", "pp",
];

/// Byte offsets where sentences start in `s` (always including 0). A period
/// ends a sentence unless it follows an initial (`U.`), an abbreviation
/// (`Mr.`, `U.S.`) or a number (`762.00`).
pub fn sentence_starts(s: &str) -> Vec<usize> {
    let b = s.as_bytes();
    let mut out = vec![0];
    for i in 0..b.len() {
        if b[i] != b'.' && b[i] != b';' {
            continue;
        }
        let mut j = i + 1;
        if j >= b.len() || b[j] != b' ' {
            continue;
        }
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if j >= b.len() {
            continue;
        }
        if b[i] == b';' {
            continue;
        }
        let next_upper = b[j].is_ascii_uppercase() || b[j] == b'[' || b[j] == b'(';
        if !next_upper {
            continue;
        }
        let ws = s[..i].rfind([' ', '(', '\n']).map_or(0, |p| p + 1);
        let word = &s[ws..i];
        if word.len() == 1 && word.as_bytes()[0].is_ascii_uppercase() {
            continue;
        }
        if (word.contains('.') && !word.bytes().any(|c| c.is_ascii_digit())) || ABBREVIATIONS.contains(&word) {
            continue;
        }
        out.push(j);
    }
    out
}

/// The sentence of `s` that starts at `start`: up to its ending period.
pub fn sentence_at(s: &str, start: usize, starts: &[usize]) -> (usize, usize) {
    let next = starts.iter().copied().find(|&p| p > start).unwrap_or(s.len());
    let mut end = next;
    let t = s[start..end].trim_end();
    end = start + t.len();
    let t = &s[start..end];
    if t.ends_with('.') {
        end -= 1;
    }
    (start, end)
}

/// Removes FRUS footnote markers (`[^12]`) from a line.
pub fn strip_footnote_markers(s: &str) -> String {
    if !s.contains("[^") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find("[^") {
        out.push_str(&rest[..p]);
        let after = &rest[p + 2..];
        let digits = after.bytes().take_while(|b| b.is_ascii_alphanumeric()).count();
        if digits > 0 && after[digits..].starts_with(']') {
            rest = &after[digits + 1..];
        } else {
            out.push_str("[^");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Every excision marker already in the text: bracketed editorial notes
/// that say something was not declassified, and runs of black-bar
/// characters that OCR makes of blacked-out passages.
pub fn find_redactions(s: &str) -> Vec<Redaction> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(p) = s.get(i..).and_then(|r| r.find('[')).map(|p| p + i) {
        // The innermost bracket pair: no `[` or `]` inside.
        let mut j = p + 1;
        while j < b.len() && b[j] != b']' && b[j] != b'[' && j - p < 600 {
            j += 1;
        }
        if j < b.len() && b[j] == b']' {
            let inner = &s[p + 1..j];
            if contains_ci(inner, "not declassified") || contains_ci(inner, "not declasified") {
                out.push(Redaction {
                    text: s[p..=j].to_string(),
                    start: p,
                    end: j + 1,
                });
            }
            i = j + 1;
        } else {
            i = p + 1;
        }
    }
    // Black bars (U+2588 █, U+25A0 ■): each run is one excision.
    let mut k = 0;
    // Both bar characters start with the byte 0xE2: skip texts without them.
    if !(s.contains('\u{2588}') || s.contains('\u{25A0}')) {
        k = s.len();
    }
    while k < s.len() {
        let rest = &s[k..];
        let Some(off) = rest.find(['\u{2588}', '\u{25A0}']) else {
            break;
        };
        let st = k + off;
        let mut en = st;
        for c in s[st..].chars() {
            if c == '\u{2588}' || c == '\u{25A0}' || c == ' ' {
                en += c.len_utf8();
            } else {
                break;
            }
        }
        let text = s[st..en].trim_end();
        out.push(Redaction {
            text: text.to_string(),
            start: st,
            end: st + text.len(),
        });
        k = en.max(st + 1);
    }
    out.sort_by_key(|r| r.start);
    out
}

/// ASCII case-insensitive substring test.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    find_ci(hay, needle).is_some()
}

/// ASCII case-insensitive `find`.
pub fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || n.len() > h.len() {
        return None;
    }
    // Scan (by `memchr`, in either case) for the needle's rarest byte and
    // compare around each hit: a common first letter such as `i` would stop
    // the scan every few bytes.
    let k = (0..n.len()).max_by_key(|&i| rarity(n[i])).unwrap_or(0);
    let (lo, up) = (n[k].to_ascii_lowercase(), n[k].to_ascii_uppercase());
    let last = h.len() - n.len();
    memchr::memchr2_iter(lo, up, &h[k..=last + k]).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// How rare a byte is in English text, roughly (higher is rarer; ties go
/// to the first).
fn rarity(b: u8) -> u8 {
    const COMMON: &[u8] = b" etaoinsrhldcumfpgwybvkxjqz";
    match COMMON.iter().position(|&c| c == b.to_ascii_lowercase()) {
        Some(p) => p as u8,
        None => COMMON.len() as u8,
    }
}

/// Collapses runs of whitespace to one space and trims.
pub fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition `find_ci` must agree with.
    fn naive_find_ci(hay: &str, needle: &str) -> Option<usize> {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        if n.is_empty() {
            return None;
        }
        (0..(h.len() + 1).saturating_sub(n.len())).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
    }

    proptest! {
        #[test]
        fn find_ci_is_the_first_case_blind_match(hay in "[a-cA-C x.é]{0,40}", needle in "[a-cA-C x.é]{0,4}") {
            prop_assert_eq!(find_ci(&hay, &needle), naive_find_ci(&hay, &needle));
        }
    }

    #[test]
    fn find_ci_examples() {
        assert_eq!(find_ci("the Identification Form", "IDENTIFICATION FORM"), Some(4));
        assert_eq!(find_ci("iiiiIDENT", "ident"), Some(4));
        assert_eq!(find_ci("short", "longer needle"), None);
        assert_eq!(find_ci("zz", "zz"), Some(0));
    }

    #[test]
    fn sentences_skip_abbreviations_and_numbers() {
        let s = "Source: Department of State, Central Files, 762.00/11–1758. Secret; Niact. Repeated to U.S. Element Live Oak and Mr. Smith.";
        let starts = sentence_starts(s);
        let sent: Vec<&str> = starts
            .iter()
            .map(|&p| {
                let (a, b) = sentence_at(s, p, &starts);
                &s[a..b]
            })
            .collect();
        assert_eq!(
            sent,
            vec![
                "Source: Department of State, Central Files, 762.00/11–1758",
                "Secret; Niact",
                "Repeated to U.S. Element Live Oak and Mr. Smith"
            ]
        );
    }

    #[test]
    fn footnote_markers_go() {
        assert_eq!(
            strip_footnote_markers("in full.[^1] Following [^x"),
            "in full. Following [^x"
        );
    }

    #[test]
    fn redaction_markers() {
        let s = "a [3 lines of source text not declassified] b [Here follows] c [less than 1 line not declassified] ██ ██ x";
        let r = find_redactions(s);
        assert_eq!(r.len(), 3);
        assert_eq!(&s[r[0].start..r[0].end], "[3 lines of source text not declassified]");
        assert_eq!(r[2].text, "██ ██");
    }

    #[test]
    fn lines_keep_offsets() {
        let s = "ab\r\ncd\n\nef";
        let l = lines(s);
        assert_eq!(l.len(), 4);
        assert_eq!(&s[l[1].start..l[1].end], "cd");
        assert_eq!(&s[l[3].start..l[3].end], "ef");
    }
}
