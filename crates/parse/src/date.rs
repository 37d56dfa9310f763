//! Dates as archives print them: `November 17, 1958, 5 p.m.`, `7 Nov 62`,
//! `1962/11/07`, `3/19/83`, `DEC 7 1962`, `0540Z`.

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Month number from a name or abbreviation (`November`, `Nov.`, `SEPT`).
pub fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.');
    if w.len() < 3 || w.len() > 9 || !w.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    // Lowered on the stack: this runs on every word of a date search.
    let mut buf = [0u8; 9];
    let lb = &mut buf[..w.len()];
    lb.copy_from_slice(w.as_bytes());
    lb.make_ascii_lowercase();
    let lower = std::str::from_utf8(lb).ok()?;
    let i = MONTHS.iter().position(|m| lower.starts_with(m))?;
    // Accept the abbreviation or the full name, nothing in between but `sept`.
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if lower.len() == 3 || FULL[i] == lower || lower == "sept" {
        Some(i as u32 + 1)
    } else {
        None
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// `YYYY-MM-DD` when the parts make a real date in a plausible range.
pub fn iso(y: i32, m: u32, d: u32) -> Option<String> {
    if !(1900..=2099).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Two-digit years on these records are 19xx.
fn year(n: u32, digits: usize) -> Option<i32> {
    match digits {
        2 => Some(1900 + n as i32),
        4 => Some(n as i32),
        _ => None,
    }
}

/// A token stream of words and numbers with their byte offsets.
fn tokens(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphanumeric() {
            let start = i;
            let digit = b[i].is_ascii_digit();
            while i < b.len()
                && (if digit {
                    b[i].is_ascii_digit()
                } else {
                    b[i].is_ascii_alphabetic()
                })
            {
                i += 1;
            }
            out.push((start, &s[start..i]));
        } else {
            i += 1;
        }
    }
    out
}

/// A date found in text: ISO form and the byte range it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub iso: String,
    pub start: usize,
    pub end: usize,
}

/// Finds the first written date in `s`: `November 17, 1958`, `17 November 1958`,
/// `Nov 7 62`, `7 NOV 62`. Numeric forms are left to [`find_numeric`], as
/// they are ambiguous in running text.
pub fn find_written(s: &str) -> Option<Found> {
    let t = tokens(s);
    for i in 0..t.len() {
        let (pos, w) = t[i];
        if let Some(m) = month_number(w) {
            // Month D, YYYY  /  Month D YY
            if let (Some(&(_, d)), Some(&(ypos, y))) = (t.get(i + 1), t.get(i + 2)) {
                let dpos = t[i + 1].0;
                let gap = &s[dpos + d.len()..ypos];
                let range = gap.contains(['-', '\u{2013}', '\u{2014}']);
                if is_num(d, 1, 2) && is_num(y, 2, 4) && ypos - (pos + w.len()) < 14 && !range {
                    if let Some(yy) = year(y.parse().ok()?, y.len()) {
                        // "Month D-D, YYYY": a range; we take the lower bound.
                        if let Some(iso) = iso(yy, m, d.parse().ok()?) {
                            return Some(Found {
                                iso,
                                start: pos,
                                end: ypos + y.len(),
                            });
                        }
                    }
                }
            }
            // Month D–D, YYYY (ranges)
            if let (Some(&(_, d)), Some(&(_, d2)), Some(&(ypos, y))) = (t.get(i + 1), t.get(i + 2), t.get(i + 3)) {
                if is_num(d, 1, 2) && is_num(d2, 1, 2) && y.len() == 4 && is_num(y, 4, 4) {
                    if let Some(iso) = iso(y.parse().ok()?, m, d.parse().ok()?) {
                        return Some(Found {
                            iso,
                            start: pos,
                            end: ypos + 4,
                        });
                    }
                }
            }
            // D Month YYYY
            if i >= 1 {
                let (dpos, d) = t[i - 1];
                if let Some(&(ypos, y)) = t.get(i + 1) {
                    if is_num(d, 1, 2) && is_num(y, 2, 4) && pos - (dpos + d.len()) <= 2 {
                        if let Some(yy) = year(y.parse().ok()?, y.len()) {
                            if let Some(iso) = iso(yy, m, d.parse().ok()?) {
                                return Some(Found {
                                    iso,
                                    start: dpos,
                                    end: ypos + y.len(),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    None
}

fn is_num(s: &str, min: usize, max: usize) -> bool {
    s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
}

/// Numeric dates: `1962/11/07` (Y/M/D), `3/19/83` and `11/7/1962` (US M/D/Y).
pub fn find_numeric(s: &str) -> Option<Found> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut parts: Vec<(usize, usize)> = Vec::new();
            let mut j = i;
            loop {
                let st = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                parts.push((st, j));
                if parts.len() < 3
                    && j + 1 < b.len()
                    && (b[j] == b'/' || b[j] == b'-' || b[j] == b'.')
                    && b[j + 1].is_ascii_digit()
                {
                    j += 1;
                } else {
                    break;
                }
            }
            if parts.len() == 3 && (j >= b.len() || !b[j].is_ascii_alphanumeric()) {
                let n: Vec<&str> = parts.iter().map(|&(a, z)| &s[a..z]).collect();
                let v: Vec<u32> = n.iter().map(|x| x.parse().unwrap_or(0)).collect();
                let found = if n[0].len() == 4 {
                    iso(v[0] as i32, v[1], v[2])
                } else if n[2].len() == 4 || n[2].len() == 2 {
                    year(v[2], n[2].len()).and_then(|y| iso(y, v[0], v[1]))
                } else {
                    None
                };
                if let Some(iso) = found {
                    return Some(Found { iso, start: i, end: j });
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// A time of day after a date: `5 p.m.`, `8:33 p.m.`, `noon`, `1345Z`.
/// Returns `HH:MM` and a `Z` suffix flag for GMT.
pub fn find_time(s: &str) -> Option<(String, bool)> {
    let lower = s.to_ascii_lowercase();
    if lower.contains("noon") {
        return Some(("12:00".into(), false));
    }
    if lower.contains("midnight") {
        return Some(("00:00".into(), false));
    }
    let b = lower.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let h = &lower[st..i];
            // 1345Z
            if h.len() == 4 && i < b.len() && b[i] == b'z' {
                let (hh, mm): (u32, u32) = (h[..2].parse().ok()?, h[2..].parse().ok()?);
                if hh < 24 && mm < 60 {
                    return Some((format!("{hh:02}:{mm:02}"), true));
                }
            }
            let mut mm = 0;
            let mut k = i;
            if k + 2 < b.len() && b[k] == b':' && b[k + 1].is_ascii_digit() && b[k + 2].is_ascii_digit() {
                mm = lower[k + 1..k + 3].parse().ok()?;
                k += 3;
            }
            let rest = lower[k..].trim_start();
            if h.len() <= 2 && (rest.starts_with("p.m") || rest.starts_with("a.m")) {
                let mut hh: u32 = h.parse().ok()?;
                if hh == 0 || hh > 12 || mm > 59 {
                    return None;
                }
                if rest.starts_with("p.m") && hh != 12 {
                    hh += 12;
                }
                if rest.starts_with("a.m") && hh == 12 {
                    hh = 0;
                }
                return Some((format!("{hh:02}:{mm:02}"), false));
            }
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_dates() {
        assert_eq!(
            find_written("Paris, November 17, 1958, 5 p.m.").unwrap().iso,
            "1958-11-17"
        );
        assert_eq!(find_written("DATE: November 7, 1962").unwrap().iso, "1962-11-07");
        assert_eq!(find_written("sent 7 Nov 62 from").unwrap().iso, "1962-11-07");
        assert_eq!(
            find_written("Washington, November 17–18, 1958.").unwrap().iso,
            "1958-11-17"
        );
        assert_eq!(find_written("OCTOBER 190"), None);
        assert_eq!(find_written("February 30, 1962"), None);
        assert_eq!(find_written("maybe 12 Mayhem 1962"), None);
    }

    #[test]
    fn numeric_dates() {
        assert_eq!(find_numeric("**1962/11/07**").unwrap().iso, "1962-11-07");
        assert_eq!(find_numeric("DATE: 3/19/83").unwrap().iso, "1983-03-19");
        assert_eq!(find_numeric("762.00/11-1758"), None);
        assert_eq!(find_numeric("DATE: 7/17/1962").unwrap().iso, "1962-07-17");
    }

    #[test]
    fn times() {
        assert_eq!(
            find_time("Paris, November 17, 1958, 5 p.m."),
            Some(("17:00".into(), false))
        );
        assert_eq!(find_time("October 27, 1961, 8:33 p.m."), Some(("20:33".into(), false)));
        assert_eq!(find_time("December 23, 1965, 1345Z"), Some(("13:45".into(), true)));
        assert_eq!(find_time("12 noon"), Some(("12:00".into(), false)));
        assert_eq!(find_time("1958"), None);
    }
}
