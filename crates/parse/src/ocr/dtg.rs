//! Date-time groups read through OCR noise.
//!
//! A cable's date-time group is `DDHHMMZ MON YY` (`030736Z JUN 64`). OCR
//! confuses its digits with letters of like shape (`0`/`O`/`o`/`D`,
//! `1`/`l`/`I`/`i`/`|`, `5`/`S`/`s`, `8`/`B`, `6`/`b`/`G`, `2`/`Z`/`z`), reads
//! the zone letter `Z` as `2` or `7` or drops it, and damages a letter of the
//! month (`NOV` as `N0V`, `MAY` as `HAY`). The strict reader in `fields.rs`
//! runs first; this one reads what it leaves.

use crate::date;

/// Digits of a group: day, hour, minute.
const GROUP_DIGITS: usize = 6;
/// True digits a group keeps through OCR at least (two may be letters).
const MIN_TRUE_DIGITS: usize = GROUP_DIGITS - 2;

/// What a character of a group stands for, if it can stand for a digit.
fn as_digit(c: u8) -> Option<u8> {
    Some(match c {
        b'0'..=b'9' => c,
        b'O' | b'o' | b'D' | b'Q' => b'0',
        b'l' | b'I' | b'i' | b'|' | b'!' => b'1',
        b'S' | b's' => b'5',
        b'B' => b'8',
        b'b' | b'G' => b'6',
        _ => return None,
    })
}

/// The month a damaged three-letter abbreviation (or longer name) stands
/// for: exact, or one letter off a three-letter abbreviation with the
/// other two in place.
fn fuzzy_month(w: &str) -> Option<u32> {
    if let Some(m) = date::month_number(w) {
        return Some(m);
    }
    const ABBR: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let w = w.trim_end_matches(['.', ',']);
    if w.len() != 3 || !w.is_ascii() {
        return None;
    }
    let up = w.to_ascii_uppercase();
    // `N0V`: a digit for a letter of like shape.
    let up: String = up
        .chars()
        .map(|c| match c {
            '0' => 'O',
            '1' => 'I',
            '5' => 'S',
            '8' => 'B',
            c => c,
        })
        .collect();
    let close: Vec<u32> = ABBR
        .iter()
        .enumerate()
        .filter(|(_, a)| a.bytes().zip(up.bytes()).filter(|(x, y)| x != y).count() <= 1)
        .map(|(i, _)| i as u32 + 1)
        .collect();
    // One letter off must name one month only (`JUX` is JUN or JUL).
    (close.len() == 1).then(|| close[0])
}

/// A two-digit year read through the same confusions.
fn year(w: &str) -> Option<i32> {
    let w = w.trim_end_matches(['.', ',', ')']);
    let b = w.as_bytes();
    if b.len() != 2 && b.len() != 4 {
        return None;
    }
    let digits: Vec<u8> = b.iter().map(|&c| as_digit(c)).collect::<Option<_>>()?;
    let v: i32 = std::str::from_utf8(&digits).ok()?.parse().ok()?;
    Some(if digits.len() == 2 { 1900 + v } else { v })
}

/// The first date-time group in `t` read through OCR noise: its ISO date
/// and byte range. The group must still show a month and a year after it,
/// so a stray number is not a date.
pub fn find(t: &str) -> Option<(String, usize, usize)> {
    // A group holds four true digits at least: most lines do not, and are
    // left before they are cut into words.
    if t.bytes().filter(u8::is_ascii_digit).count() < MIN_TRUE_DIGITS {
        return None;
    }
    let toks: Vec<(usize, &str)> = super::words(t);
    for k in 0..toks.len() {
        let (st, w) = toks[k];
        let Some(day) = group_day(w) else { continue };
        let (Some(&(_, mw)), Some(&(ys, yw))) = (toks.get(k + 1), toks.get(k + 2)) else {
            continue;
        };
        let (Some(m), Some(y)) = (fuzzy_month(mw), year(yw)) else {
            continue;
        };
        if let Some(iso) = date::iso(y, m, day) {
            return Some((iso, st, ys + yw.len()));
        }
    }
    None
}

/// The day of a group token: six digit-like characters, then the zone
/// (`Z`, or `2`/`7`/`z` where OCR misread it) or nothing; hours below 24
/// and minutes below 60, so that other numbers are not taken.
fn group_day(w: &str) -> Option<u32> {
    let b = w.as_bytes();
    if b.len() < GROUP_DIGITS || b.len() > GROUP_DIGITS + 1 {
        return None;
    }
    if b.len() == GROUP_DIGITS + 1 && !matches!(b[GROUP_DIGITS], b'Z' | b'z' | b'2' | b'7') {
        return None;
    }
    // A group holds mostly true digits: a word of letters is not one.
    if b[..GROUP_DIGITS].iter().filter(|c| c.is_ascii_digit()).count() < MIN_TRUE_DIGITS {
        return None;
    }
    let d: Vec<u8> = b[..GROUP_DIGITS].iter().map(|&c| as_digit(c)).collect::<Option<_>>()?;
    let num = |i: usize| u32::from(d[i] - b'0') * 10 + u32::from(d[i + 1] - b'0');
    let (day, hour, min) = (num(0), num(2), num(4));
    ((1..=31).contains(&day) && hour < 24 && min < 60).then_some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(t: &str) -> Option<String> {
        find(t).map(|f| f.0)
    }

    #[test]
    fn clean_group() {
        assert_eq!(iso("SECRET 121014Z JUN 70 CITE X").as_deref(), Some("1970-06-12"));
    }

    #[test]
    fn zone_read_as_a_digit_or_lost() {
        assert_eq!(iso("CONFIDENT IAL 2616002 MAY 74 STAFF").as_deref(), Some("1974-05-26"));
        assert_eq!(iso("SECRET 130242 FEB 69 CITE").as_deref(), Some("1969-02-13"));
    }

    #[test]
    fn letters_for_digits_and_a_damaged_month() {
        assert_eq!(iso("SECRET O3O736Z N0V 64").as_deref(), Some("1964-11-03"));
        assert_eq!(iso("S E C R E T 1S1745Z HAY 63").as_deref(), Some("1963-05-15"));
    }

    #[test]
    fn other_numbers_are_not_groups() {
        // Hour 78 and minute 99 are no time of day; a record number has no month.
        assert_eq!(iso("IN 567899 JUN 64"), None);
        assert_eq!(iso("104-10001 10034 MAY 64"), None);
        assert_eq!(iso("SECRET 121014Z JUX 70"), None);
        // `MAV` is one letter off both MAY and MAR.
        assert_eq!(iso("SECRET 151745Z MAV 63"), None);
        assert_eq!(iso("SUBJECT ABCDEF JUN 64"), None);
    }
}
