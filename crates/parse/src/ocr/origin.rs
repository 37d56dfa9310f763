//! Which written dates can be the document's own date.
//!
//! A reference line dates the papers the document cites ("REFERENCE: OLC
//! 78-1035 dated 8 March 1978"), never the document itself.

/// Labels that open a line citing other papers.
const REFERENCE_LABELS: &[&str] = &["REF", "REFS", "REFERENCE", "REFERENCES"];

/// Does the line holding a date at `start` open with a reference label?
pub fn on_reference_line(t: &str, start: usize) -> bool {
    let before = t.get(..start).unwrap_or("");
    let first = before
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    REFERENCE_LABELS.iter().any(|l| first.eq_ignore_ascii_case(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_line_dates_another_paper() {
        let t = "REFERENCE: OLC 78-1035 dated 8 March 1978";
        assert!(on_reference_line(t, t.find("8 March").unwrap()));
        let t = "| REF: DIR 12345 of 8 March 1978";
        assert!(on_reference_line(t, t.find("8 March").unwrap()));
    }

    #[test]
    fn a_dateline_or_prose_is_not_a_reference() {
        let t = "22 May 1992";
        assert!(!on_reference_line(t, 0));
        let t = "2. On 7 May 1973 we were advised by Station";
        assert!(!on_reference_line(t, t.find("7 May").unwrap()));
        // A word that merely begins like the label is not the label.
        let t = "REFUGEE ARRIVED 9 OCT 59";
        assert!(!on_reference_line(t, t.find("9 OCT").unwrap()));
    }
}
