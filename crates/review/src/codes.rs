//! Exemption and authority codes, in one canonical spelling each, so that
//! reports count `b1`, `(b)(1)` and `B-1` as the same exemption.

/// What a code is for: withholding on classification grounds, or on other
/// grounds (privacy, statute, ...). Omission markers say "not declassified"
/// for the first and "withheld" for the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ground {
    Classification,
    Other,
}

/// The canonical form of an exemption code, or `None` if it is not one:
/// FOIA `(b)(1)`–`(b)(9)` (with `(b)(7)(A)`–`(F)`), Privacy Act `(j)(1)`,
/// `(j)(2)`, `(k)(1)`–`(k)(7)`, EO 13526 `1.4(a)`–`1.4(h)`, `25X1`–`25X9`,
/// `50X1-HUM`, `50X2-WMD`.
pub fn canonical(code: &str) -> Option<String> {
    let c: String = code
        .trim()
        .to_ascii_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if c == "50X1-HUM" || c == "50X1HUM" {
        return Some("50X1-HUM".into());
    }
    if c == "50X2-WMD" || c == "50X2WMD" {
        return Some("50X2-WMD".into());
    }
    if let Some(n) = c.strip_prefix("25X") {
        return matches!(n, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9").then(|| format!("25X{n}"));
    }
    if let Some(rest) = c.strip_prefix("1.4") {
        let l: String = rest.chars().filter(|c| c.is_ascii_alphabetic()).collect();
        return (l.len() == 1 && ("A"..="H").contains(&l.as_str())).then(|| format!("1.4({})", l.to_lowercase()));
    }
    // (b)(1), b1, B-1, (b)(7)(C), b7c, (j)(2), (k)(5)
    let parts: Vec<char> = c.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let (&head, rest) = parts.split_first()?;
    let (&num, sub) = rest.split_first()?;
    let n = num.to_digit(10)?;
    match (head, n, sub) {
        ('B', 1..=9, []) => Some(format!("(b)({n})")),
        ('B', 7, [s]) if ('A'..='F').contains(s) => Some(format!("(b)(7)({})", s.to_ascii_uppercase())),
        ('J', 1..=2, []) => Some(format!("(j)({n})")),
        ('K', 1..=7, []) => Some(format!("(k)({n})")),
        _ => None,
    }
}

/// Canonical codes, or an error naming the first code that is not one.
pub fn canonical_all<S: AsRef<str>>(codes: &[S]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for c in codes {
        let c = c.as_ref();
        if c.trim().is_empty() {
            continue;
        }
        let k = canonical(c).ok_or_else(|| format!("unknown exemption code {c:?}"))?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    Ok(out)
}

pub fn ground(code: &str) -> Ground {
    if code == "(b)(1)" || code.starts_with("1.4") || code.starts_with("25X") || code.starts_with("50X") {
        Ground::Classification
    } else {
        Ground::Other
    }
}

/// Codes that shield a person's identity (privacy).
pub fn is_privacy(code: &str) -> bool {
    matches!(code, "(b)(6)" | "(b)(7)(C)") || code.starts_with("(j)") || code.starts_with("(k)")
}

/// Every canonical code, for pickers in the UI.
pub fn all() -> Vec<String> {
    let mut v: Vec<String> = (1..=9).map(|n| format!("(b)({n})")).collect();
    v.extend(('A'..='F').map(|c| format!("(b)(7)({c})")));
    v.extend(["(j)(1)", "(j)(2)"].map(String::from));
    v.extend((1..=7).map(|n| format!("(k)({n})")));
    v.extend(('a'..='h').map(|c| format!("1.4({c})")));
    v.extend((1..=9).map(|n| format!("25X{n}")));
    v.extend(["50X1-HUM", "50X2-WMD"].map(String::from));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_meet_in_one_form() {
        for (a, b) in [
            ("b1", "(b)(1)"),
            ("(b)(1)", "(b)(1)"),
            ("B-6", "(b)(6)"),
            ("b7c", "(b)(7)(C)"),
            ("(b)(7)(c)", "(b)(7)(C)"),
            ("25x1", "25X1"),
            ("1.4c", "1.4(c)"),
            ("1.4(D)", "1.4(d)"),
            ("50x1-hum", "50X1-HUM"),
            ("(k)(5)", "(k)(5)"),
            ("j2", "(j)(2)"),
        ] {
            assert_eq!(canonical(a).as_deref(), Some(b), "{a}");
        }
        for bad in ["b10", "25X0", "1.4(i)", "(b)(7)(G)", "k8", "", "secret"] {
            assert_eq!(canonical(bad), None, "{bad}");
        }
        assert!(all().iter().all(|c| canonical(c).as_deref() == Some(c.as_str())));
        assert_eq!(
            canonical_all(&["b1", "(b)(1)", "25X1"]).unwrap(),
            vec!["(b)(1)", "25X1"]
        );
        assert!(canonical_all(&["b1", "b99"]).unwrap_err().contains("b99"));
    }
}
