//! Weak gold from NARA's catalogue: the figures of
//! `shared/tools/score_nara.py`, computed the same way, for `airgram eval
//! --kind nara`, with the text around where each missed value should
//! have been.
//!
//! The rules, as the reference scorer states them: a date is a hit within
//! [`DATE_DAYS`] days of NARA's; a sender or addressee is a hit when it
//! shares a word of three or more letters with NARA's (case and
//! punctuation ignored, a few common words and entries that name no one
//! left out).

use crate::{read_path, AuthorityCache};
use airgram_model::calendar::days_from_civil;
use std::collections::BTreeSet;
use std::path::Path;

/// Days a parsed date may be from NARA's and still count.
pub const DATE_DAYS: i64 = 3;

const STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "chief",
    "station",
    "amembassy",
    "embassy",
    "dept",
    "department",
];
const NO_NAME: &[&str] = &[
    "withheld",
    "memo for the record",
    "memorandum for the record",
    "for the record",
    "file",
    "not given",
    "unknown",
    "none",
    "n/a",
    "na",
];

/// Characters of context shown on each side of where a missed value is.
const CONTEXT: usize = 60;

/// One field's figure and its misses.
pub struct Field {
    pub name: &'static str,
    pub hits: usize,
    pub n: usize,
    pub misses: Vec<String>,
}

impl Field {
    pub fn value(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.hits as f64 / self.n as f64
        }
    }
}

/// The day number of an ISO date's first ten characters, as Python's
/// `date.fromisoformat` reads them (a real calendar date or nothing).
fn day(s: &str) -> Option<i64> {
    let s = s.get(..10)?;
    let b = s.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (s[..4].parse().ok()?, s[5..7].parse().ok()?, s[8..].parse().ok()?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let ok = y >= 1 && (1..=12).contains(&m) && d >= 1 && d <= days[(m - 1) as usize];
    ok.then(|| days_from_civil(y, m, d))
}

/// The words of three or more letters a name is compared by.
fn words(s: &str) -> BTreeSet<String> {
    let low = s.trim().to_lowercase();
    if NO_NAME.contains(&low.trim_end_matches('.')) {
        return BTreeSet::new();
    }
    low.split(|c: char| !c.is_ascii_lowercase())
        .filter(|w| w.len() >= 3 && !STOP.contains(w))
        .map(str::to_string)
        .collect()
}

/// The text around the first place `needle` (lower case) occurs in
/// `src`, on one line; or a note that it is not there.
fn around(src: &str, needles: &[String]) -> String {
    let low = src.to_lowercase();
    let Some(p) = needles.iter().filter_map(|n| low.find(n.as_str())).min() else {
        return "(not in the text)".into();
    };
    let mut a = p.saturating_sub(CONTEXT);
    let mut b = (p + CONTEXT).min(src.len());
    while !src.is_char_boundary(a) {
        a -= 1;
    }
    while !src.is_char_boundary(b) {
        b += 1;
    }
    format!("…{}…", src[a..b].replace('\n', " | "))
}

/// How NARA's date may be written: `6 March 1964`, `6 MAR 64`, `March 6`.
fn date_needles(iso: &str) -> Vec<String> {
    let (Some(y), Some(m), Some(d)) = (iso.get(..4), iso.get(5..7), iso.get(8..10)) else {
        return Vec::new();
    };
    let (Ok(m), Ok(d)) = (m.parse::<usize>(), d.parse::<u32>()) else {
        return Vec::new();
    };
    let Some(month) = m
        .checked_sub(1)
        .and_then(|i| airgram_model::calendar::MONTH_NAMES.get(i))
        .map(|n| n.to_ascii_lowercase())
    else {
        return Vec::new();
    };
    let mon = &month[..3];
    vec![
        format!("{d} {month}"),
        format!("{d} {mon}"),
        format!("{month} {d}"),
        format!("{mon} {d}"),
        format!("{d:02}{mon}"),
        format!("{m}/{d}/{}", &y[2..]),
    ]
}

/// Scores the parser on a NARA-catalogued set: `dir/MANIFEST.tsv` with
/// `file` (and optionally `collection`), `nara_date`, `nara_from`,
/// `nara_to`. Errors name the manifest or a file that cannot be read.
pub fn evaluate(dir: &Path) -> Result<Vec<Field>, String> {
    let mpath = dir.join("MANIFEST.tsv");
    let manifest = std::fs::read_to_string(&mpath).map_err(|e| format!("{}: {e}", mpath.display()))?;
    let mut lines = manifest.lines();
    let head: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |n: &str| head.iter().position(|h| *h == n);
    let c_file = col("file").ok_or_else(|| format!("{}: no `file` column", mpath.display()))?;
    let (c_coll, c_date, c_from, c_to) = (col("collection"), col("nara_date"), col("nara_from"), col("nara_to"));
    let mut fields = [("date", c_date), ("from", c_from), ("to", c_to)].map(|(name, _)| Field {
        name,
        hits: 0,
        n: 0,
        misses: Vec::new(),
    });
    let mut cache = AuthorityCache::default();
    for l in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = l.split('\t').collect();
        let get = |c: Option<usize>| c.and_then(|c| f.get(c)).copied().unwrap_or("");
        let key = match get(c_coll) {
            "" => get(Some(c_file)).to_string(),
            coll => format!("{coll}/{}", get(Some(c_file))),
        };
        let path = dir.join(&key);
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let rec = match read_path(&path, &mut cache) {
            Ok(mut v) if !v.is_empty() => v.swap_remove(0),
            _ => continue,
        };
        let src = String::from_utf8_lossy(&bytes);
        let mut nd = get(c_date).to_string();
        // MM/DD/YYYY in the older manifests.
        if nd.matches('/').count() == 2 {
            let p: Vec<&str> = nd.split('/').collect();
            nd = format!("{}-{}-{}", p[2], p[0], p[1]);
        }
        if let Some(g) = day(&nd) {
            let got = rec.date.as_deref().and_then(day);
            let ok = got.is_some_and(|d| (d - g).abs() <= DATE_DAYS);
            fields[0].n += 1;
            if ok {
                fields[0].hits += 1;
            } else {
                fields[0].misses.push(format!(
                    "{key}: nara {} got {:?} {}",
                    &nd[..10],
                    rec.date,
                    around(&src, &date_needles(&nd))
                ));
            }
        }
        for (i, parsed, c) in [
            (1, vec![rec.from.clone().unwrap_or_default()], c_from),
            (2, rec.to.clone(), c_to),
        ] {
            let gw = words(get(c));
            if gw.is_empty() {
                continue;
            }
            let ok = parsed.iter().any(|p| !words(p).is_disjoint(&gw));
            fields[i].n += 1;
            if ok {
                fields[i].hits += 1;
            } else {
                let needles: Vec<String> = gw.iter().cloned().collect();
                fields[i].misses.push(format!(
                    "{key}: nara {:?} got {:?} {}",
                    get(c),
                    parsed,
                    around(&src, &needles)
                ));
            }
        }
    }
    Ok(fields.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_python_reads_them() {
        assert_eq!(day("1964-03-06"), Some(days_from_civil(1964, 3, 6)));
        assert_eq!(day("1964-02-30"), None);
        assert_eq!(day("1964-00-00"), None);
        assert_eq!(day("1964"), None);
    }

    #[test]
    fn names_share_a_word() {
        assert!(!words("RICHARD HELMS, DDP").is_disjoint(&words("Helms")));
        assert!(words("WITHHELD").is_empty());
        assert!(!words("Chief of Station").contains("station"));
    }

    #[test]
    fn misses_show_where_the_value_is() {
        let src = "noise\nFROM: Acting Chief of Station, Stockholm \\ 6 March 1964\nmore";
        assert!(around(src, &date_needles("1964-03-06")).contains("Stockholm \\ 6 March 1964"));
        assert_eq!(around(src, &["tokyo".into()]), "(not in the text)");
    }
}
