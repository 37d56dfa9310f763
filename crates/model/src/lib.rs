//! The airgram record model: the types every other crate shares.
//!
//! Architecture invariant: this crate does no I/O and knows nothing of
//! parsing, storage or access. It derives `serde` because the record's JSON
//! names are a public contract (`airgram parse` output); keeping one type for
//! the contract avoids a mirror that could drift from it.

pub mod calendar;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A byte range `[start, end)` into the verbatim source text.
pub type Span = [usize; 2];

/// Security classification levels, lowest first, so that `Ord` is "is at
/// least as restrictive as".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Classification {
    #[serde(rename = "UNCLASSIFIED")]
    Unclassified,
    #[serde(rename = "OFFICIAL USE ONLY")]
    OfficialUseOnly,
    #[serde(rename = "LIMITED OFFICIAL USE")]
    LimitedOfficialUse,
    #[serde(rename = "CONFIDENTIAL")]
    Confidential,
    #[serde(rename = "SECRET")]
    Secret,
    #[serde(rename = "TOP SECRET")]
    TopSecret,
}

impl Classification {
    pub const ALL: [Classification; 6] = [
        Classification::Unclassified,
        Classification::OfficialUseOnly,
        Classification::LimitedOfficialUse,
        Classification::Confidential,
        Classification::Secret,
        Classification::TopSecret,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Unclassified => "UNCLASSIFIED",
            Classification::OfficialUseOnly => "OFFICIAL USE ONLY",
            Classification::LimitedOfficialUse => "LIMITED OFFICIAL USE",
            Classification::Confidential => "CONFIDENTIAL",
            Classification::Secret => "SECRET",
            Classification::TopSecret => "TOP SECRET",
        }
    }

    /// Parses the canonical upper-case name, case-insensitively.
    pub fn from_name(s: &str) -> Option<Classification> {
        let s = s.trim();
        Classification::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One review or declassification stamp found on the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// ISO date (or year) of the review, when legible.
    pub date: Option<String>,
    /// Reviewing office, e.g. `IN/CDR`, `IS/PRC/CDR`, `NARS`.
    pub office: Option<String>,
    pub reviewer: Option<String>,
    /// Boxes ticked or actions stated: `RELEASE`, `DECLASSIFY`, `EXCISE`...
    pub actions: Vec<String>,
    /// Exemption and authority codes: `(b)(1)`, `25X1`, `E.O. 12356`...
    pub exemptions: Vec<String>,
    /// The stamp as it stands in the source.
    pub raw: String,
    pub span: Span,
}

/// An excision already present in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// A parsed document. Every field but `source_path`, `body` and `warnings`
/// is derived from the verbatim source and carries its spans in `spans`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    pub source_path: String,
    pub archive_id: Option<String>,
    pub doc_type: Option<String>,
    pub date: Option<String>,
    pub classification: Option<Classification>,
    pub handling: Vec<String>,
    pub precedence: Option<String>,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub pass: Vec<String>,
    pub info: Vec<String>,
    pub subject: Option<String>,
    pub refs: Vec<String>,
    pub cites: Vec<String>,
    pub drafted_by: Option<String>,
    pub approved_by: Option<String>,
    pub signed: Option<String>,
    pub copy: Option<String>,
    pub form: Option<String>,
    pub distribution: Vec<String>,
    pub pages: Option<u32>,
    pub declassified: bool,
    pub reviews: Vec<Review>,
    pub redactions: Vec<Redaction>,
    pub persons: Vec<String>,
    pub body: String,
    /// Field name to the byte ranges of the source it was read from.
    pub spans: BTreeMap<String, Vec<Span>>,
    pub warnings: Vec<String>,
}

impl Record {
    pub fn new(source_path: impl Into<String>) -> Record {
        Record {
            source_path: source_path.into(),
            ..Record::default()
        }
    }

    /// Records that `field` was read from `span` of the source.
    pub fn add_span(&mut self, field: &str, span: Span) {
        // Only a repeat of the last span is dropped: a full check would make
        // fields with many mentions (persons, cites) quadratic.
        match self.spans.get_mut(field) {
            Some(v) if v.last() == Some(&span) => {}
            Some(v) => v.push(span),
            None => {
                self.spans.insert(field.to_string(), vec![span]);
            }
        }
    }

    pub fn warn(&mut self, msg: impl Into<String>) {
        self.warnings.push(msg.into());
    }
}

/// Document types of the corpus vocabulary.
pub const DOC_TYPES: &[&str] = &[
    "telegram",
    "airgram",
    "despatch",
    "instruction",
    "memorandum",
    "memorandum of conversation",
    "memorandum for the record",
    "letter",
    "message",
    "editorial note",
    "minutes",
    "record of meeting",
    "notes of meeting",
    "telephone conversation",
    "paper",
    "report",
    "intelligence estimate",
    "intelligence report",
    "national security action memorandum",
    "diary entry",
    "aide-memoire",
    "statement/transcript",
    "other",
];

/// The series of a message number: `POLTO A-517` -> `POLTO`; a bare
/// number has none.
pub fn series_of(message_id: &str) -> Option<String> {
    let first = message_id.split_whitespace().next()?;
    (message_id.contains(' ') && first.chars().all(|c| c.is_ascii_alphabetic())).then(|| first.to_ascii_uppercase())
}

/// Appends `bytes` as lower-case hex digits (ids, digests, tokens).
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

/// `bytes` as lower-case hex digits.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn classification_orders_by_restriction() {
        assert!(Classification::TopSecret > Classification::Secret);
        assert!(Classification::Confidential > Classification::LimitedOfficialUse);
        assert!(Classification::Unclassified < Classification::OfficialUseOnly);
    }

    #[test]
    fn classification_names_round_trip() {
        for c in Classification::ALL {
            assert_eq!(Classification::from_name(&c.as_str().to_lowercase()), Some(c));
            let json = serde_json_like(c);
            assert_eq!(json, c.as_str());
        }
        assert_eq!(Classification::from_name("SECRETS"), None);
    }

    // The model has no serde_json dependency; the Display form is the JSON form.
    fn serde_json_like(c: Classification) -> String {
        c.to_string()
    }

    #[test]
    fn spans_drop_immediate_repeats() {
        let mut r = Record::new("x.txt");
        r.add_span("date", [1, 5]);
        r.add_span("date", [1, 5]);
        r.add_span("date", [7, 9]);
        assert_eq!(r.spans["date"], vec![[1, 5], [7, 9]]);
        r.add_span("date", [1, 5]);
        assert_eq!(r.spans["date"].len(), 3);
    }
}
