//! Every problem of a draft, each naming the part it is in, so a drafter
//! can fix them all at once. A draft with problems may be saved; it may
//! not be sent for clearance or released.

use crate::marking::{overall, portion};
use crate::message::{Declassify, Message, Precedence};
use airgram_access::{Label, Level};
use serde::Serialize;

/// One thing wrong with a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The part: `subject`, `paragraph 2`, `to`, `block.reason`...
    pub part: String,
    pub message: String,
}

fn problem(part: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        part: part.into(),
        message: message.into(),
    }
}

/// The reasons for classification, E.O. 13526 §1.4(a)-(h).
const REASONS: &[&str] = &[
    "1.4(a)", "1.4(b)", "1.4(c)", "1.4(d)", "1.4(e)", "1.4(f)", "1.4(g)", "1.4(h)",
];

/// The label the message is held at: its highest portion and its control
/// captions. `None` when a portion is unmarked (see [`validate`]).
pub fn label(m: &Message) -> Option<Label> {
    let mut portions = Vec::with_capacity(m.paragraphs.len() + 1);
    for text in std::iter::once(&m.subject).chain(&m.paragraphs) {
        portions.push(portion(text)?.label);
    }
    let mut l = overall(&portions);
    for c in &m.captions {
        let c = airgram_access::caveat(c);
        if airgram_access::CONTROL_CAVEATS.contains(&c.as_str()) {
            l.caveats.insert(c);
        }
    }
    Some(l)
}

/// Every problem of `m`; empty when it may go for clearance.
pub fn validate(m: &Message) -> Vec<Problem> {
    let mut out = Vec::new();
    if m.post.trim().is_empty() {
        out.push(problem("post", "the originating post is missing"));
    }
    if m.series.trim().is_empty() {
        out.push(problem("series", "the series to number it in is missing"));
    }
    if m.drafter.office.trim().is_empty() || m.drafter.name.trim().is_empty() {
        out.push(problem("drafter", "the drafter's office and name are needed"));
    }
    if m.to.is_empty() {
        out.push(problem("to", "at least one TO addressee is needed"));
    }
    for (i, a) in m.addressees().enumerate() {
        if a.name.trim().is_empty() {
            out.push(problem(format!("addressee {}", i + 1), "an addressee has no name"));
        }
    }
    if m.paragraphs.is_empty() {
        out.push(problem("paragraphs", "the body has no paragraph"));
    }
    for (i, r) in m.refs.iter().enumerate() {
        if r.trim().is_empty() {
            out.push(problem(format!("ref {}", i + 1), "an empty reference"));
        }
    }
    // Portion marks: every paragraph and the subject.
    let mut marked = true;
    let parts = std::iter::once(("subject".to_string(), &m.subject)).chain(
        m.paragraphs
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("paragraph {}", i + 1), p)),
    );
    for (part, text) in parts {
        match portion(text) {
            None => {
                marked = false;
                out.push(problem(part, "no portion mark: open with (U), (C), (S) or (TS)"));
            }
            Some(p) if text[p.len..].trim().is_empty() => out.push(problem(part, "a portion mark with no text")),
            Some(_) => {}
        }
    }
    let stated = Level::parse(&m.classification);
    if stated.is_none() {
        out.push(problem(
            "classification",
            format!(
                "{:?} is not a classification: UNCLASSIFIED, CONFIDENTIAL, SECRET or TOP SECRET",
                m.classification
            ),
        ));
    }
    let held = if marked { label(m) } else { None };
    if let (Some(stated), Some(held)) = (stated, &held) {
        if stated != held.level {
            out.push(problem(
                "classification",
                format!("stated {stated}, but its highest portion is {}", held.level),
            ));
        }
    }
    let classified = stated.is_some_and(|l| l > Level::Unclassified);
    for p in crate::captions::problems(&m.captions, classified) {
        out.push(problem("captions", p));
    }
    match (&m.block, classified) {
        (None, true) => out.push(problem(
            "block",
            "a classified message needs its classification block: classified by, reason, declassify on",
        )),
        (Some(b), true) => {
            if b.classified_by.trim().is_empty() {
                out.push(problem(
                    "block.classified_by",
                    "the classifier's name and position are needed",
                ));
            }
            if !REASONS.contains(&b.reason.trim()) {
                out.push(problem(
                    "block.reason",
                    format!("{:?} is not a reason: 1.4(a) to 1.4(h)", b.reason),
                ));
            }
            match &b.declassify_on {
                Declassify::Date(d) if !is_iso_date(d) => out.push(problem(
                    "block.declassify_on",
                    format!("{d:?} is not a date (YYYY-MM-DD)"),
                )),
                Declassify::Event(e) if e.trim().is_empty() => {
                    out.push(problem("block.declassify_on", "the declassifying event is not named"))
                }
                _ => {}
            }
        }
        (Some(_), false) => out.push(problem(
            "block",
            "an unclassified message carries no classification block",
        )),
        (None, false) => {}
    }
    // NIACT wakes the addressee: paragraph 1 says why (5 FAH-2 H-440).
    if m.addressees().any(|a| a.precedence == Precedence::NiactImmediate) {
        let first = m.paragraphs.first().map(|p| p.to_ascii_uppercase()).unwrap_or_default();
        if !first.contains("NIACT") {
            out.push(problem(
                "paragraph 1",
                "a NIACT IMMEDIATE message states in paragraph 1 why the addressee must act at night",
            ));
        }
    }
    out
}

fn is_iso_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(d[5..7].parse::<u32>(), Ok(1..=12))
        && matches!(d[8..10].parse::<u32>(), Ok(1..=31))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Addressee, Block};

    fn parts(m: &Message) -> Vec<String> {
        validate(m).into_iter().map(|p| p.part).collect()
    }

    #[test]
    fn the_example_is_valid_and_held_at_its_highest_portion() {
        let m = Message::example();
        assert_eq!(validate(&m), vec![]);
        assert_eq!(label(&m), Label::parse("SECRET"));
    }

    #[test]
    fn every_unmarked_portion_is_named() {
        let mut m = Message::example();
        m.subject = "NAC consultation".into();
        m.paragraphs[1] = "The UK reserved.".into();
        assert_eq!(parts(&m), ["subject", "paragraph 2"]);
    }

    #[test]
    fn the_stated_classification_must_be_the_highest_portion() {
        let mut m = Message::example();
        m.classification = "CONFIDENTIAL".into();
        let p = validate(&m);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].part, "classification");
        assert!(p[0].message.contains("highest portion is SECRET"), "{p:?}");
        m.paragraphs[1] = "(TS) Higher.".into();
        m.classification = "TOP SECRET".into();
        assert_eq!(validate(&m), vec![]);
    }

    #[test]
    fn a_classified_message_has_the_whole_block() {
        let mut m = Message::example();
        m.block = None;
        assert_eq!(parts(&m), ["block"]);
        m.block = Some(Block {
            classified_by: " ".into(),
            reason: "1.4(z)".into(),
            declassify_on: Declassify::Date("1987-13-02".into()),
        });
        assert_eq!(
            parts(&m),
            ["block.classified_by", "block.reason", "block.declassify_on"]
        );
        let mut u = Message::example();
        u.subject = "(U) Schedule".into();
        u.paragraphs = vec!["(U) The next meeting is on October 10.".into()];
        u.classification = "UNCLASSIFIED".into();
        assert_eq!(parts(&u), ["block"], "an unclassified message carries no block");
        u.block = None;
        assert_eq!(validate(&u), vec![]);
    }

    #[test]
    fn niact_needs_its_reason_in_paragraph_one() {
        let mut m = Message::example();
        m.to[0].precedence = Precedence::NiactImmediate;
        assert_eq!(parts(&m), ["paragraph 1"]);
        m.paragraphs[0] = "(C) NIACT because the Council meets at 0800.".into();
        assert_eq!(validate(&m), vec![]);
    }

    #[test]
    fn captions_and_addressees() {
        let mut m = Message::example();
        m.captions = vec!["NODIS".into(), "EXDIS".into()];
        m.to = vec![];
        m.info.push(Addressee {
            name: "".into(),
            precedence: Precedence::Routine,
        });
        assert_eq!(parts(&m), ["to", "addressee 5", "captions"]);
        let mut n = Message::example();
        n.captions = vec!["NOFORN".into(), "EXDIS".into()];
        assert_eq!(label(&n), Label::parse("SECRET/NOFORN/EXDIS"));
    }
}
