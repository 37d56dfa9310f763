//! A released message as it is sent, in words: the 1960s airgram form (the
//! seed's layout) and a modern cable. The rendering is the verbatim source
//! of the record the archive keeps of a transmitted message, so what it
//! writes is what `airgram parse` reads back.

use crate::message::{Addressee, Declassify, Message, Precedence};

fn names(list: &[Addressee]) -> String {
    list.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn precedence_word(p: Precedence) -> &'static str {
    match p {
        Precedence::Flash => "FLASH",
        Precedence::NiactImmediate => "NIACT IMMEDIATE",
        Precedence::Immediate => "IMMEDIATE",
        Precedence::Routine => "ROUTINE",
    }
}

/// `1962-10-02` as `October 2, 1962` (the form's DATE line); other text
/// as it is.
fn written_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => match (m.parse::<usize>(), d.parse::<u32>()) {
            (Ok(m @ 1..=12), Ok(d)) => format!("{} {d}, {y}", airgram_model::calendar::MONTH_NAMES[m - 1]),
            _ => iso.to_string(),
        },
        _ => iso.to_string(),
    }
}

fn person(r: &crate::message::Role) -> String {
    match &r.typist {
        Some(t) => format!("{}:{}/{t}", r.office, r.name),
        None => format!("{}:{}", r.office, r.name),
    }
}

/// The body's paragraphs, numbered, each followed by a blank line.
fn numbered(m: &Message, out: &mut Vec<String>) {
    for (i, p) in m.paragraphs.iter().enumerate() {
        out.push(format!("{}. {p}", i + 1));
        out.push(String::new());
    }
}

fn block(m: &Message) -> Vec<String> {
    let Some(b) = &m.block else { return vec![] };
    let on = match &b.declassify_on {
        Declassify::Date(d) | Declassify::Event(d) => d.clone(),
    };
    vec![
        format!("Classified by: {}", b.classified_by),
        format!("Reason: {}", b.reason),
        format!("Declassify on: {on}"),
    ]
}

/// The airgram form: classification above and below, the number, TO /
/// INFO / DATE / FROM / SUBJECT / REF captions, numbered paragraphs, then
/// the drafting and clearance lines.
pub fn airgram(m: &Message, number: &str, date: &str) -> String {
    let mut out = vec![
        "DEPARTMENT OF STATE".to_string(),
        "AIRGRAM".into(),
        String::new(),
        m.classification.clone(),
    ];
    if !m.captions.is_empty() {
        out.push(m.captions.join(" "));
    }
    out.push(String::new());
    out.push(number.to_string());
    out.push(String::new());
    let pass = if m.pass.is_empty() {
        String::new()
    } else {
        format!(" PASS {}", m.pass.join(", "))
    };
    out.push(format!("TO : {}{pass}", names(&m.to)));
    if !m.info.is_empty() {
        out.push(format!("INFO: {}", names(&m.info)));
    }
    out.push(format!("DATE: {}", written_date(date)));
    out.push(format!("FROM : {}", m.post));
    out.push(format!("SUBJECT : {}", m.subject));
    out.push(format!("REF : {}", m.refs.join(", ")));
    out.push(String::new());
    numbered(m, &mut out);
    if let Some(a) = &m.approver {
        out.push(a.name.to_ascii_uppercase());
        out.push(String::new());
    }
    out.push(format!("Drafted by: {}", person(&m.drafter)));
    if let Some(a) = &m.approver {
        out.push(format!("Approved by: {}", person(a)));
    }
    for c in &m.clearances {
        if let Some(n) = &c.name {
            out.push(format!("Clearance: {}:{n}", c.office));
        }
    }
    out.extend(block(m));
    out.push(m.classification.clone());
    out.join("\n") + "\n"
}

/// A modern cable: precedence, DTG and number; FM / TO / INFO with each
/// addressee's precedence; the classification line, the E.O. block, TAGS,
/// SUBJECT and REF; numbered paragraphs between BT lines.
pub fn cable(m: &Message, number: &str, dtg: &str) -> String {
    let top = m
        .addressees()
        .map(|a| a.precedence)
        .min()
        .unwrap_or(Precedence::Routine);
    let mut out = vec![
        m.classification.clone(),
        format!("{} {dtg}", precedence_word(top)),
        format!("FM {}", m.post),
    ];
    for a in &m.to {
        out.push(format!("TO {} {}", a.name, precedence_word(a.precedence)));
    }
    for a in &m.info {
        out.push(format!("INFO {} {}", a.name, precedence_word(a.precedence)));
    }
    out.push("BT".into());
    let mut line = m.classification.clone();
    if !m.captions.is_empty() {
        line = format!("{line} {}", m.captions.join(" "));
    }
    out.push(format!("{line} {number}"));
    out.extend(block(m).into_iter().map(|l| format!("E.O. 13526: {l}")));
    if !m.tags.is_empty() {
        out.push(format!("TAGS: {}", m.tags.join(", ")));
    }
    out.push(format!("SUBJECT: {}", m.subject));
    if !m.refs.is_empty() {
        out.push(format!("REF: {}", m.refs.join(", ")));
    }
    out.push(String::new());
    numbered(m, &mut out);
    if let Some(a) = &m.approver {
        out.push(a.name.to_ascii_uppercase());
    }
    out.push("BT".into());
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_airgram_form_reads_back_through_the_parser() {
        let m = Message::example();
        let text = airgram(&m, "POLTO A-518", "1962-10-02");
        let r = airgram_parse::parse_text("POLTO-A-518.txt", text.as_bytes(), None);
        assert_eq!(r.doc_type.as_deref(), Some("airgram"), "{text}");
        assert_eq!(r.message_id.as_deref(), Some("POLTO A-518"), "{text}");
        assert_eq!(r.date.as_deref(), Some("1962-10-02"));
        assert_eq!(r.from.as_deref(), Some("USRO PARIS"));
        assert_eq!(r.to, ["SECSTATE WASHINGTON"]);
        assert_eq!(r.pass, ["DEFENSE"]);
        assert_eq!(r.info.len(), 4, "{:?}", r.info);
        assert_eq!(r.classification.map(|c| c.to_string()).as_deref(), Some("SECRET"));
        assert!(
            r.subject.as_deref().is_some_and(|s| s.contains("NAC consultation")),
            "{:?}",
            r.subject
        );
        assert!(r.cites.contains(&"TOPOL 599".to_string()), "{:?}", r.cites);
        assert!(r.body.contains("reserved their positions"));
        assert!(r.drafted_by.is_some(), "{:?}", r.drafted_by);
    }

    #[test]
    fn the_cable_names_precedence_dtg_and_every_part() {
        let mut m = Message::example();
        m.captions = vec!["EXDIS".into()];
        let text = cable(&m, "POLTO A-518", "021530Z OCT 62");
        assert!(
            text.starts_with("SECRET\nROUTINE 021530Z OCT 62\nFM USRO PARIS\nTO SECSTATE WASHINGTON ROUTINE\n"),
            "{text}"
        );
        assert!(text.contains("\nSECRET EXDIS POLTO A-518\nE.O. 13526: Classified by: "));
        assert!(
            text.contains("\nTAGS: PREL, NATO\nSUBJECT: (C) NAC") && text.contains("\nREF: TOPOL 599, TOPOL 603\n")
        );
        assert!(text.trim_end().ends_with("BT"));
    }
}
