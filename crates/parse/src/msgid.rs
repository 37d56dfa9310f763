//! Message identifiers: the series-and-number names by which telegrams and
//! airgrams cite each other (`POLTO 534`, `TOPOLs 599 and 603`, `Deptel 901`,
//! `Polto A-517`, `DIR 93162`).
//!
//! Canonical form: the series in upper case, a space, the number as written
//! with dashes normalised (`POLTO A-517`).

/// Series words that do not follow the `-tel` / `-to` / `to-` shapes.
const OTHER_SERIES: &[&str] = &[
    "DULTE", "TEDUL", "DELGA", "GADEL", "ECBUS", "BUSEC", "COLUX", "LUXCO", "SECUN", "UNSEC", "DIR", "CAP", "TDCS",
    "AIRTEL", "SECTEL", "NIACT",
];

/// Words of the series shapes that are ordinary English.
const NOT_SERIES: &[&str] = &[
    "PHOTO", "DITTO", "MOTTO", "CANTO", "PINTO", "RECTO", "TOTAL", "TOWEL", "HOTEL", "MOTEL", "PASTO", "TOPIC",
    "TOKEN", "TONES", "TOWNS", "TOXIC", "TOMBS", "TORSO", "TOURS", "TOWER", "PESTO", "LOTTO", "TOKYO", "LIGHTO",
    "PRESTO", "GHETTO", "GUSTO", "MANTO",
];

/// Is `w` (letters only) a message series word? Accepts a plural `s`.
pub fn series_word(w: &str) -> Option<String> {
    if !w.bytes().all(|b| b.is_ascii_alphabetic()) || w.len() < 3 || w.len() > 9 {
        return None;
    }
    // Series are written `Polto`, `POLTO` or `Deptel`: never all lower case.
    if !w.as_bytes()[0].is_ascii_uppercase() {
        return None;
    }
    let mut up = w.to_ascii_uppercase();
    let mut ok = is_series(&up);
    if !ok && up.ends_with('S') && w.ends_with('s') {
        up.pop();
        ok = is_series(&up);
    }
    ok.then_some(up)
}

fn is_series(up: &str) -> bool {
    if NOT_SERIES.contains(&up) {
        return false;
    }
    if OTHER_SERIES.contains(&up) {
        return true;
    }
    let n = up.len();
    // Deptel, Embtel, Contel, Mytel, Urtel, Reftel, Cirtel, Circtel.
    if (5..=7).contains(&n) && up.ends_with("TEL") && up != "HOTEL" && up != "MOTEL" {
        return true;
    }
    // Polto, Secto, Cahto / Topol, Tosec, Tocah: five letters, `TO` at one end.
    n == 5 && (up.ends_with("TO") || up.starts_with("TO"))
}

/// A message id found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cite {
    pub id: String,
    pub start: usize,
    pub end: usize,
}

fn is_dash(s: &str) -> Option<usize> {
    for d in ["-", "\u{2013}", "\u{2014}"] {
        if s.starts_with(d) {
            return Some(d.len());
        }
    }
    None
}

/// Reads a message number at `s[i..]`: `534`, `A-517`, `A – 15`, `CA-7021`.
/// Returns (canonical number, end offset).
pub fn read_number(s: &str, i: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let mut j = i;
    let mut prefix = String::new();
    // Optional letter prefix (A-, CA-, G-) before the digits.
    let mut k = j;
    while k < b.len() && b[k].is_ascii_uppercase() && k - j < 3 {
        k += 1;
    }
    if k > j {
        let mut m = k;
        while m < b.len() && b[m] == b' ' {
            m += 1;
        }
        if let Some(dl) = is_dash(&s[m..]) {
            let mut n = m + dl;
            while n < b.len() && b[n] == b' ' {
                n += 1;
            }
            if n < b.len() && b[n].is_ascii_digit() {
                prefix = format!("{}-", &s[j..k]);
                j = n;
            }
        }
        if prefix.is_empty() {
            return None;
        }
    }
    let st = j;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    let digits = j - st;
    if digits == 0 || digits > 7 {
        return None;
    }
    // `534` but not `534th` or `5.34`.
    if j < b.len() && (b[j].is_ascii_alphabetic() || (b[j] == b'.' && j + 1 < b.len() && b[j + 1].is_ascii_digit())) {
        return None;
    }
    Some((format!("{prefix}{}", &s[st..j]), j))
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

/// Skips ` of November 7, 1962` or ` of Nov 7` after a cited number.
fn skip_of_date(s: &str, i: usize) -> usize {
    let b = s.as_bytes();
    let j = skip_spaces(b, i);
    if !s[j..].starts_with("of ") {
        return i;
    }
    let k = j + 3;
    let end = s[k..]
        .find(|c: char| !c.is_ascii_alphabetic() && c != '.')
        .map_or(s.len(), |e| k + e);
    if crate::date::month_number(&s[k..end]).is_none() {
        return i;
    }
    let mut p = skip_spaces(b, end);
    let ds = p;
    while p < b.len() && b[p].is_ascii_digit() {
        p += 1;
    }
    if p == ds {
        return i;
    }
    // An optional `, 1959` that belongs to the date, not another number.
    let q = if s[p..].starts_with(", ") { p + 2 } else { p };
    if s.len() >= q + 4
        && s[q..q + 4].bytes().all(|c| c.is_ascii_digit())
        && (s[q..].starts_with("19") || s[q..].starts_with("20"))
    {
        return q + 4;
    }
    p
}

fn candidate_re() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"[A-Z][A-Za-z]{2,8}[^A-Za-z0-9]{1,4}(?:No\. ?)?(?:[A-Z]{1,3}[^A-Za-z0-9]{1,5})?[0-9]")
            .expect("valid regex")
    })
}

/// Does a message number (perhaps `No.`, `A-`) start within a few bytes?
fn number_follows(b: &[u8], i: usize) -> bool {
    b[i..].iter().take(10).any(|c| c.is_ascii_digit())
}

/// Every message id cited in `s`, in order, with plurals expanded:
/// `TOPOLs 599 and 603` gives `TOPOL 599`, `TOPOL 603`.
pub fn find_cites(s: &str) -> Vec<Cite> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    // A DFA finds the candidates (a capitalised word, then a number close
    // by); the checks below run only there. Most text has none.
    let re = candidate_re();
    while i < b.len() {
        let Some(m) = re.find_at(s, i) else { break };
        i = m.start();
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-') {
            i = m.end();
            continue;
        }
        let ws = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        // Cheap tests first: a series word is capitalised and a number follows.
        let len = i - ws;
        if !(3..=9).contains(&len) || !b[ws].is_ascii_uppercase() || !number_follows(b, i) {
            continue;
        }
        let Some(series) = series_word(&s[ws..i]) else {
            continue;
        };
        let mut j = skip_spaces(b, i);
        if s[j..].starts_with("No. ") {
            j += 4;
        }
        if j == i && !(j < b.len() && b[j] == b'-') {
            continue;
        }
        if j < b.len() && b[j] == b'-' && series != "CAP" {
            // `DIR-12345` is written as well as `DIR 12345`.
            j += 1;
        }
        let Some((num, mut end)) = read_number(s, j) else {
            continue;
        };
        out.push(Cite {
            id: format!("{series} {num}"),
            start: ws,
            end,
        });
        // Lists: `Embtels 100 of August 24, 545 of May 7 and 549`.
        loop {
            let k = skip_of_date(s, end);
            let mut m = k;
            let rest = &s[m..];
            if let Some(r) = rest.strip_prefix(", and ") {
                m += rest.len() - r.len();
            } else if let Some(r) = rest.strip_prefix(" and ") {
                m += rest.len() - r.len();
            } else if let Some(r) = rest.strip_prefix(", ") {
                m += rest.len() - r.len();
            } else {
                break;
            }
            match read_number(s, m) {
                Some((n, e)) if !n.starts_with("19") || n.len() != 4 => {
                    out.push(Cite {
                        id: format!("{series} {n}"),
                        start: m,
                        end: e,
                    });
                    end = e;
                }
                _ => break,
            }
        }
        i = end;
    }
    out
}

/// Canonical ids, deduplicated, in order of first appearance.
pub fn dedup_ids(cites: &[Cite]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    cites
        .iter()
        .filter(|c| seen.insert(c.id.clone()))
        .map(|c| c.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &str) -> Vec<String> {
        find_cites(s).into_iter().map(|c| c.id).collect()
    }

    #[test]
    fn seed_cites() {
        let s = "giving points POLTO 534 on US, gist of TOPOL 594 outlining, gist of TOPOL 598 telling, as well as highlights TOPOLs 599 and 603 giving";
        assert_eq!(
            ids(s),
            vec!["POLTO 534", "TOPOL 594", "TOPOL 598", "TOPOL 599", "TOPOL 603"]
        );
    }

    #[test]
    fn lists_with_dates() {
        let s = "(Embtels 100 of August 24, 545 of May 7, 541 of May 6, 549 of May 11, and Deptels 81 of August 21 and 85 of August 22, 1959)";
        assert_eq!(
            ids(s),
            vec![
                "EMBTEL 100",
                "EMBTEL 545",
                "EMBTEL 541",
                "EMBTEL 549",
                "DEPTEL 81",
                "DEPTEL 85"
            ]
        );
    }

    #[test]
    fn airgram_numbers_and_noise() {
        assert_eq!(
            ids("from Polto A-517 and Polto A – 15"),
            vec!["POLTO A-517", "POLTO A-15"]
        );
        assert_eq!(ids("a photo 3 of the hotel 12, total 5"), Vec::<String>::new());
        assert_eq!(ids("the 534th Polto 12th"), Vec::<String>::new());
        assert_eq!(ids("REF: DIR 93162"), vec!["DIR 93162"]);
    }
}
