//! CIA cables read by their conventions when the header reader found no
//! sender or addressee: the head of the cable is too damaged for labels,
//! but its conventions survive OCR.
//!
//! - An outgoing cable's head line is `STAFF <date-time group> DIRECTOR
//!   <number>`: Headquarters sent it.
//! - An incoming cable's `CITE <station> <number>` names the station that
//!   sent it, and a designator just before `CITE` (`DIR CITE TOKY 9066`)
//!   the addressee.
//! - `TO: <precedence> <station>` names the addressee.
//!
//! Stations are matched against the gazetteer, through OCR damage. The
//! evidence goes into the record's warnings.

use super::gazetteer::{self, Place};
use super::lines::{near, Doc, Role};
use airgram_model::Record;

/// Lines from the document's start where a cable's head is looked for:
/// routing sheets and stamps often come first.
const HEAD_LINES: usize = 80;

/// Words a date-time group may stand before the designator that follows
/// it: the group, its month and its year.
const GROUP_REACH: usize = 3;

/// Precedences and noise that stand between `TO:` and the addressee.
const TO_SKIP: &[&str] = &[
    "IMMEDIATE",
    "PRIORITY",
    "ROUTINE",
    "FLASH",
    "OPIM",
    "INFO",
    "ACTION",
    "|",
    "I",
];

/// A word of a line with its byte offset in the line.
type Word<'a> = (usize, &'a str);

use super::words;

fn core(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '/')
}

/// A message number: mostly digits (`231428`, `Les581` is too damaged).
fn is_number(w: &str) -> bool {
    let w = core(w);
    let digits = w.bytes().filter(u8::is_ascii_digit).count();
    digits >= 3 && digits * 3 >= w.len() * 2
}

/// A date-time group token, however damaged: six or seven characters,
/// most of them digits.
fn is_group(w: &str) -> bool {
    // `F-:311326Z`: marks glued before the group.
    let w = core(w);
    let w = w.rsplit(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or(w);
    (6..=8).contains(&w.len()) && w.bytes().filter(u8::is_ascii_digit).count() >= 4
}

/// `CITE` as OCR reads it: a letter lost, or one read as a like shape
/// (`C1TE`, `CITF`); not `CITY`, which is a word of its own.
fn is_cite(w: &str) -> bool {
    const MISREAD: &[&str] = &["CIT", "C1TE", "CLTE", "CITF", "CIIE", "CTTE", "GITE", "CIFE"];
    let w = core(w);
    w.len() <= 4 && (w.eq_ignore_ascii_case("CITE") || MISREAD.iter().any(|m| w.eq_ignore_ascii_case(m)))
}

/// `FROM` as OCR reads a cable's label: a letter lost or misread, with
/// or without its colon. Only a place after it makes it a label.
fn is_from_label(w: &str) -> bool {
    let c = core(w).to_ascii_uppercase();
    let colon = w.trim_end().ends_with(':');
    // With its colon the label may lose more (`Fem:`), as long as its F stays.
    let reach = if colon && c.starts_with('F') { 2 } else { 1 };
    c == "FROM" || ((3..=5).contains(&c.len()) && (c.starts_with('F') || c.ends_with("OM")) && near(&c, "FROM", reach))
}

/// `TO:` as OCR reads a cable's label (`TO;`, `TO!`, `TOs`): the colon
/// or its misreading is required, `TO` alone is a word of prose.
fn is_to_label(w: &str) -> bool {
    let w = w.trim_end();
    let c = core(w);
    (c.eq_ignore_ascii_case("TO") && w.ends_with([':', ';', '!'])) || c == "TOs"
}

/// The place named at word `k` of `ws`, and how many words it took.
fn place_at(ws: &[Word], k: usize) -> Option<(&'static Place, usize)> {
    let ts: Vec<&str> = ws[k..].iter().take(2).map(|w| core(w.1)).collect();
    gazetteer::lookup_words(&ts)
}

/// What was found, with its evidence: the value, its span, the evidence.
struct Found {
    name: &'static str,
    span: [usize; 2],
    evidence: &'static str,
}

fn span_of(line_start: usize, ws: &[Word], k: usize, n: usize) -> [usize; 2] {
    let last = ws[k + n - 1];
    [line_start + ws[k].0, line_start + last.0 + last.1.len()]
}

/// Reads sender and addressee of a cable into `rec` where the header
/// reader left them empty.
pub fn read(doc: &Doc, rec: &mut Record) {
    // A station the header reader read through OCR damage (`OIRECTOR`,
    // `UMWAVE.`) gets its name; a designator as written (`MEXI`) stays.
    if let Some(p) = rec.from.as_deref().and_then(gazetteer::correct) {
        rec.from = Some(p.name.to_string());
    }
    for t in rec.to.iter_mut() {
        if let Some(p) = gazetteer::correct(t) {
            *t = p.name.to_string();
        }
    }
    if rec.from.is_some() && !rec.to.is_empty() {
        return;
    }
    let mut from: Option<Found> = None;
    let mut to: Option<Found> = None;
    let end = doc.lines.len().min(doc.doc_start + HEAD_LINES);
    for i in doc.doc_start..end {
        if matches!(doc.role[i], Role::Stamp | Role::Form) {
            continue;
        }
        let l = doc.lines[i];
        let ws = words(l.text);
        // Which words are date-time groups, found once a line.
        let groups: Vec<bool> = if from.is_none() {
            ws.iter().map(|w| is_group(w.1)).collect()
        } else {
            Vec::new()
        };
        for k in 0..ws.len() {
            // `STAFF 3122472 DIRECTOR 231844`: an outgoing cable.
            // The group may keep its month and year: `311326Z MAY 78 DIRECTOR`.
            let group = match from {
                None => (k.saturating_sub(GROUP_REACH)..k).find(|&j| groups[j]),
                Some(_) => None,
            };
            if let Some(g) = group {
                let staff = ws[..g].iter().any(|w| core(w.1).eq_ignore_ascii_case("STAFF"));
                if let Some((p, n)) = place_at(&ws, k).filter(|(p, _)| p.code == "DIR") {
                    if staff || ws.get(k + n).is_some_and(|w| is_number(w.1)) {
                        from = Some(Found {
                            name: p.name,
                            span: span_of(l.start, &ws, k, n),
                            evidence: "a date-time group then DIRECTOR and its number (outgoing cable)",
                        });
                    }
                }
            }
            // `CITE MEXICO CITY 9066`: the sending station; `DIR CITE`: the addressee.
            if is_cite(ws[k].1) && k + 1 < ws.len() {
                if let Some((p, n)) = place_at(&ws, k + 1) {
                    // `CITE DIR` closes an outgoing cable's line without a number.
                    let numbered = ws.get(k + 1 + n).is_some_and(|w| is_number(w.1));
                    let last = k + 1 + n == ws.len();
                    if from.is_none() && (numbered || (last && p.code == "DIR")) {
                        from = Some(Found {
                            name: p.name,
                            span: span_of(l.start, &ws, k + 1, n),
                            evidence: "CITE station and number (cable)",
                        });
                    }
                }
                if to.is_none() && k > 0 {
                    if let Some(p) = gazetteer::lookup(core(ws[k - 1].1)) {
                        to = Some(Found {
                            name: p.name,
                            span: span_of(l.start, &ws, k - 1, 1),
                            evidence: "designator before CITE (cable)",
                        });
                    }
                }
            }
        }
        // `FROM: DIRECTOR`, read through damage (`ROM:`, `Fem:`, `Fiom`).
        if from.is_none() {
            let label = ws
                .iter()
                .position(|w| !core(w.1).is_empty())
                .filter(|&j| is_from_label(ws[j].1));
            // OCR may leave a mark or two between label and station (`ROM 4 LONDON`).
            let station = label.and_then(|j| {
                (j + 1..ws.len().min(j + 3))
                    .take_while(|&k| k == j + 1 || core(ws[k - 1].1).len() <= 2)
                    .find_map(|k| place_at(&ws, k).map(|x| (k, x)))
            });
            if let Some((k, (p, n))) = station {
                from = Some(Found {
                    name: p.name,
                    span: span_of(l.start, &ws, k, n),
                    evidence: "FROM line naming a station (cable)",
                });
            }
        }
        // `PRIORITY DIR INFO WAVE CITE MEXI 6628`: the routing line of an
        // incoming cable names its action addressee before INFO.
        if to.is_none() {
            let info = l
                .text
                .contains("INFO")
                .then(|| ws.iter().position(|w| core(w.1) == "INFO"));
            if let Some(j) = info.flatten() {
                let k = (0..j)
                    .rev()
                    .find(|&k| !TO_SKIP.iter().any(|s| core(ws[k].1).eq_ignore_ascii_case(s)));
                if let Some((k, p)) = k.and_then(|k| gazetteer::lookup(core(ws[k].1)).map(|p| (k, p))) {
                    to = Some(Found {
                        name: p.name,
                        span: span_of(l.start, &ws, k, 1),
                        evidence: "action addressee before INFO (cable routing line)",
                    });
                }
            }
        }
        // `TO: IMMEDIATE MEXICO CITY`.
        if to.is_none() {
            // The label is the line's first word, bar marks OCR put before it.
            let label = ws
                .iter()
                .position(|w| !core(w.1).is_empty())
                .filter(|&j| is_to_label(ws[j].1));
            let k = label.and_then(|j| {
                (j + 1..ws.len()).find(|&k| !TO_SKIP.iter().any(|s| core(ws[k].1).eq_ignore_ascii_case(s)))
            });
            if let Some((k, (p, n))) = k.and_then(|k| place_at(&ws, k).map(|x| (k, x))) {
                to = Some(Found {
                    name: p.name,
                    span: span_of(l.start, &ws, k, n),
                    evidence: "TO: line naming a station (cable)",
                });
            }
        }
        if from.is_some() && to.is_some() {
            break;
        }
    }
    if rec.from.is_none() {
        if let Some(f) = from {
            rec.from = Some(f.name.to_string());
            rec.add_span("from", f.span);
            rec.warnings.retain(|w| w != "no originator found");
            rec.warn(format!("from read by {}", f.evidence));
        }
    }
    if rec.to.is_empty() {
        if let Some(t) = to {
            rec.to.push(t.name.to_string());
            rec.add_span("to", t.span);
            rec.warn(format!("to read by {}", t.evidence));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Record {
        let all = crate::text::lines(src);
        let doc = Doc::new(src, &all);
        let mut r = Record::default();
        read(&doc, &mut r);
        r
    }

    #[test]
    fn outgoing_cable_is_from_headquarters() {
        let r = run("SECRET\nSTAFF 3122472 DIRECTOR 231844 oO)\n_ TO: IMMEDIATE MEXICO CITY, oW/\nTEXT\n");
        assert_eq!(r.from.as_deref(), Some("DIRECTOR"));
        assert_eq!(r.to, vec!["MEXICO CITY"]);
        assert!(r.warnings.iter().any(|w| w.contains("outgoing cable")));
    }

    #[test]
    fn incoming_cable_cite_line() {
        let r = run("SECRET 130242 FEB 69 CITE MEXICO CITY 9766\nDIR CITE MEXI 9066\nTEXT\n");
        assert_eq!(r.from.as_deref(), Some("MEXICO CITY"));
        assert_eq!(r.to, vec!["DIRECTOR"]);
    }

    #[test]
    fn group_with_month_and_year_before_director() {
        let r = run("TOTs 311326Z MAY 78 DIRECTOR 231428\nF-:311326Z DIRECTOR 231428\n");
        assert_eq!(r.from.as_deref(), Some("DIRECTOR"));
    }

    #[test]
    fn a_misread_station_gets_its_name() {
        let mut r = Record {
            from: Some("UMWAVE.".into()),
            to: vec!["OIRECTOR".into(), "MEXI".into()],
            ..Record::default()
        };
        let src = "TEXT\n";
        let all = crate::text::lines(src);
        read(&Doc::new(src, &all), &mut r);
        assert_eq!(r.from.as_deref(), Some("JMWAVE"));
        assert_eq!(r.to, vec!["DIRECTOR", "MEXI"]);
    }

    #[test]
    fn routing_line_action_addressee() {
        let r = run("IMMEDIATE DIR INFO WAVE MNTY CITE MEXI 6628\n");
        assert_eq!(r.to, vec!["DIRECTOR"]);
        assert_eq!(r.from.as_deref(), Some("MEXICO CITY"));
        // After INFO is an information addressee, not the action one.
        assert!(run("INFO DIRECTOR 7 decd\n").to.is_empty());
        assert_eq!(run("TOs PRIORITY DIRECTOR,\n").to, vec!["DIRECTOR"]);
    }

    #[test]
    fn misread_station_in_cite() {
        let r = run("SECRET 0313182 AUG 63 CITE JAWAVE 4411\n");
        assert_eq!(r.from.as_deref(), Some("JMWAVE"));
    }

    #[test]
    fn prose_is_not_a_cable_head() {
        let r =
            run("He went to Mexico City and met the director 1234 times.\nTo be sure, the Director was in Paris.\n");
        assert_eq!(r.from, None);
        assert!(r.to.is_empty());
    }
}
