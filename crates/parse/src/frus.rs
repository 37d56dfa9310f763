//! FRUS documents: the editorial heading, the source note and the dateline,
//! read the way the volume editors write them. Used by both the plain-text
//! rendition parser (here) and the TEI importer (`tei.rs`).

use crate::text::{self, find_ci, sentence_at, sentence_starts, sub_span};
use crate::{date, msgid, persons::Authority};
use airgram_model::{Classification, Record};

/// Normalised document type from a FRUS title (`Telegram From ...`).
/// Ordered rules: the first that matches the start of the title wins.
pub fn doc_type_from_title(title: &str) -> &'static str {
    let t = title.trim().to_lowercase().replace('\u{e9}', "e");
    let t = t.as_str();
    let starts = |ps: &[&str]| ps.iter().any(|p| t.starts_with(p));
    if starts(&["national security action memorandum"]) {
        "national security action memorandum"
    } else if starts(&["circular telegram", "telegram", "text of telegram"]) {
        "telegram"
    } else if starts(&["circular airgram", "airgram"]) {
        "airgram"
    } else if starts(&["despatch", "dispatch"]) {
        "despatch"
    } else if starts(&["instructions for"]) {
        "other"
    } else if starts(&["circular instruction", "instruction"]) {
        "instruction"
    } else if starts(&[
        "memorandum of conversation",
        "memorandum of conference",
        "memorandum of telephone conversation",
        "memorandum of discussion",
        "memorandum of meeting",
        "memorandum of a conversation",
        "draft memorandum of conversation",
    ]) {
        "memorandum of conversation"
    } else if starts(&[
        "memorandum for the record",
        "memorandum for the files",
        "draft memorandum for the record",
    ]) {
        "memorandum for the record"
    } else if starts(&[
        "intelligence memorandum",
        "research memorandum",
        "special memorandum",
        "intelligence note",
        "intelligence information cable",
        "current intelligence",
        "special report",
        "intelligence report",
    ]) {
        "intelligence report"
    } else if starts(&[
        "national intelligence estimate",
        "special national intelligence estimate",
    ]) || t.contains("intelligence estimate")
    {
        "intelligence estimate"
    } else if starts(&["action/information"]) {
        "other"
    } else if starts(&["editorial note"]) {
        "editorial note"
    } else if starts(&[
        "memorandum",
        "information memorandum",
        "action memorandum",
        "briefing memorandum",
        "draft memorandum",
    ]) {
        "memorandum"
    } else if starts(&["letter"]) {
        "letter"
    } else if starts(&["message", "oral message", "oral reply", "informal communication"]) {
        "message"
    } else if starts(&["aide-memoire", "aide memoire"]) {
        "aide-memoire"
    } else if starts(&[
        "telephone conversation",
        "record of telephone conversation",
        "summary of telephone conversation",
        "transcript of telephone conversation",
    ]) {
        "telephone conversation"
    } else if starts(&["minutes", "informal minutes", "draft minutes"]) {
        "minutes"
    } else if starts(&[
        "notes",
        "note",
        "summary notes",
        "highlights",
        "summary of discussion",
        "summary of meeting",
        "informal notes",
    ]) {
        "notes of meeting"
    } else if starts(&[
        "record of",
        "delegation record",
        "u.s. delegation record",
        "summary of action",
        "summary record",
        "draft summary record",
        "informal record",
    ]) {
        "record of meeting"
    } else if starts(&[
        "oral statement",
        "text of statement",
        "statement",
        "testimony",
        "transcript",
    ]) {
        "statement/transcript"
    } else if t.contains("diary entry") || starts(&["entry", "diary"]) {
        "diary entry"
    } else if starts(&[
        "paper",
        "talking paper",
        "briefing paper",
        "draft paper",
        "special background paper",
        "draft position paper",
        "position paper",
        "background paper",
    ]) {
        "paper"
    } else if starts(&[
        "report",
        "national security council report",
        "operations coordinating board report",
        "national security council record of action",
    ]) || t.starts_with("report of")
    {
        "report"
    } else {
        "other"
    }
}

/// Titles that take "to" themselves ("Ambassador to Germany"), so the
/// ` to ` after them does not separate sender from addressee.
const TO_TITLES: &[&str] = &[
    "Mission",
    "Missions",
    "Delegation",
    "Delegations",
    "Representative",
    "Representatives",
    "Ambassador",
    "Ambassadors",
    "Assistant",
    "Assistants",
    "Adviser",
    "Advisers",
    "Advisor",
    "Consultant",
    "Minister",
    "Counselor",
    "Envoy",
    "Officer",
    "Observer",
    "Commissioner",
    "Liaison",
    "Deputy",
    "Secretary",
    "Emissary",
    "Consul",
    "Chargé",
    "Attaché",
    "Embassies",
    "Negotiator",
    "Negotiators",
];

/// A byte range `(start, end)` within a string.
pub type Range = (usize, usize);

/// Offset just after the `From ` that opens the sender in a title.
pub fn from_keyword(title: &str) -> Option<usize> {
    title
        .find(" From ")
        .or_else(|| title.find(" from "))
        .map(|p| p + 6)
        .or_else(|| (title.starts_with("From ")).then_some(5))
}

/// Sender and addressee of a `X From A to B` title, without a leading "the".
pub fn split_from_to(title: &str) -> (Option<Range>, Option<Range>) {
    let Some(fp) = from_keyword(title) else {
        return (None, None);
    };
    let rest = &title[fp..];
    let mut search = 0;
    while let Some(p) = rest[search..].find(" to ") {
        let at = search + p;
        let before = rest[..at].trim_end();
        let prev = before.rsplit([' ', '-']).next().unwrap_or("");
        if TO_TITLES.contains(&prev) {
            search = at + 4;
            continue;
        }
        let from = trim_the(fp, title[fp..fp + at].trim_end_matches(','));
        let to_start = fp + at + 4;
        let to = trim_the(to_start, &title[to_start..]);
        return (Some(from), Some(to));
    }
    (None, None)
}

fn trim_the(base: usize, s: &str) -> (usize, usize) {
    let t = s.trim();
    let lead = s.len() - s.trim_start().len();
    let mut start = base + lead;
    let mut t2 = t;
    for the in ["the ", "The "] {
        if let Some(r) = t2.strip_prefix(the) {
            start += the.len();
            t2 = r;
        }
    }
    (start, start + t2.len())
}

/// What the source note says about the original.
#[derive(Debug, Default)]
pub struct SourceNote {
    pub classification: Option<(Classification, [usize; 2])>,
    pub handling: Vec<(String, [usize; 2])>,
    pub precedence: Option<(String, [usize; 2])>,
    pub info: Vec<(String, [usize; 2])>,
    pub also_to: Vec<(String, [usize; 2])>,
    pub drafted_by: Option<(String, [usize; 2])>,
    pub approved_by: Option<(String, [usize; 2])>,
}

const LEVELS: &[(&str, Classification)] = &[
    ("top secret", Classification::TopSecret),
    ("secret", Classification::Secret),
    ("confidential", Classification::Confidential),
    ("limited official use", Classification::LimitedOfficialUse),
    ("official use only", Classification::OfficialUseOnly),
    ("for official use only", Classification::OfficialUseOnly),
    ("unclassified", Classification::Unclassified),
    ("personal and confidential", Classification::Confidential),
];

/// A word-bounded, case-insensitive prefix match.
fn starts_word_ci(s: &str, p: &str) -> bool {
    s.len() >= p.len()
        && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
        && s.as_bytes().get(p.len()).is_none_or(|c| !c.is_ascii_alphabetic())
}

/// The precedence indicators, most urgent first.
pub const PRECEDENCES: &[&str] = &[
    "FLASH",
    "NIACT",
    "OPERATIONAL IMMEDIATE",
    "IMMEDIATE",
    "PRIORITY",
    "ROUTINE",
];

/// Canonical upper-case handling caveat; synonyms are merged so that access
/// labels and facets see one name.
pub fn canonical_handling(s: &str) -> String {
    let u = text::squash(s).to_uppercase();
    let u = u
        .trim_matches(|c: char| !c.is_alphanumeric() && !matches!(c, ')' | '[' | ']'))
        .to_string();
    match u.as_str() {
        "LIMIT DISTRIBUTION" | "LIMITED DISTRIBUTION" | "LIMDIS" => "LIMDIS".into(),
        "NO FOREIGN DISSEM" | "NO FOREIGN DISSEMINATION" | "NOFORN" | "NOFORN DISSEM" => "NOFORN".into(),
        "EXCLUSIVE DISTRIBUTION" | "EXDIS" => "EXDIS".into(),
        "NO DISTRIBUTION" | "NODIS" => "NODIS".into(),
        "NIACT IMMEDIATE" => "NIACT".into(),
        _ => u,
    }
}

/// Reads classification, handling and addressees from a FRUS source note.
/// `base` is the byte offset of `note` in the source.
pub fn read_source_note(note: &str, base: usize) -> SourceNote {
    let mut out = SourceNote::default();
    let starts = sentence_starts(note);
    if let Some((at, name, Some(level))) = find_marking(note, &starts) {
        let (_, e) = sentence_at(note, at, &starts);
        // The marking sentence ends at the next period even when the
        // sentence splitter took it for an abbreviation (`ORG 7 S.`).
        let e = note[at..e].find(". ").map_or(e, |p| at + p);
        out.classification = Some((level, [base + at, base + at + name.len()]));
        if name == "personal and confidential" {
            out.handling.push(("PERSONAL".into(), [base + at, base + at + 8]));
        }
        read_handling(note, base, at + name.len(), e, &mut out);
    }
    for &st in &starts {
        let (a, e) = sentence_at(note, st, &starts);
        let sent = &note[a..e];
        read_addressees(sent, base + a, &mut out);
        read_officers(sent, base + a, &mut out);
    }
    out
}

/// The classification marking of a source note: the first sentence after
/// the archival citation that begins with a level, or a level standing
/// alone between punctuation (`..., 762.00/4–2559, Secret; ...`).
/// `None` level means "No classification marking".
fn find_marking(note: &str, starts: &[usize]) -> Option<(usize, &'static str, Option<Classification>)> {
    let b = note.as_bytes();
    let mut cands: Vec<(usize, bool)> = starts.iter().map(|&s| (s, true)).collect();
    for i in 1..b.len() {
        if b[i] == b' ' && matches!(b[i - 1], b'.' | b',' | b';') {
            cands.push((i + 1, b[i - 1] == b'.'));
        }
    }
    cands.sort();
    for (at, sentence) in cands {
        let s = &note[at..];
        let s2 = s.trim_start_matches(['[', '(']);
        let at = at + (s.len() - s2.len());
        if starts_word_ci(s2, "source") {
            continue;
        }
        if sentence && starts_word_ci(s2, "no classification marking") {
            return Some((at, "no classification marking", None));
        }
        for &(name, level) in LEVELS {
            if starts_word_ci(s2, name) && s2.as_bytes()[0].is_ascii_uppercase() {
                let after = s2[name.len()..].trim_start();
                let alone =
                    after.is_empty() || after.starts_with(['.', ';', ':', ',', '/', '(']) || after.starts_with("and ");
                if sentence || alone {
                    return Some((at, name, Some(level)));
                }
            }
        }
    }
    None
}

fn read_handling(note: &str, base: usize, from: usize, to: usize, out: &mut SourceNote) {
    let mut p = from;
    let seg = &note[from..to];
    // Drop parentheticals such as "(Secret When Separated From Enclosure)".
    for item in seg.split([';', ',', '/', ':']) {
        let item_start = p;
        p += item.len() + 1;
        let mut it = item.trim();
        if let Some(r) = it.strip_prefix("and ") {
            it = r;
        }
        // A missing period runs the next clause in: `Niact Drafted by ...`.
        for clause in [
            " Repeated",
            " Drafted",
            " Sent ",
            " Also ",
            " Passed",
            " Cleared",
            " Approved",
        ] {
            if let Some(p) = it.find(clause) {
                it = it[..p].trim_end();
            }
        }
        if it.starts_with("Repeated") || it.starts_with("Drafted") {
            continue;
        }
        if it.is_empty() || it.starts_with('(') || it.len() > 40 {
            continue;
        }
        let span = sub_span(note, base, it);
        let _ = item_start;
        let canon = canonical_handling(it);
        if canon.is_empty() {
            continue;
        }
        if PRECEDENCES.contains(&canon.as_str()) && out.precedence.is_none() {
            out.precedence = Some((canon, span));
        } else if !out.handling.iter().any(|(h, _)| *h == canon) {
            out.handling.push((canon, span));
        }
    }
}

/// `Repeated to Bonn, Berlin, and London.`, `Also sent to ...`.
fn read_addressees(sent: &str, base: usize, out: &mut SourceNote) {
    let lower = sent.to_lowercase();
    let mut targets: Vec<(usize, bool)> = Vec::new();
    let mut search = 0;
    while let Some(p) = lower[search..].find("repeated") {
        let at = search + p;
        // Words between "repeated" and "to": "priority", "niact", "for information".
        if let Some(tp) = lower[at..].find(" to ") {
            let between = &lower[at + 8..at + tp];
            if between.split_whitespace().count() <= 3 && !between.contains(',') {
                targets.push((at + tp + 4, false));
            }
        }
        search = at + 8;
    }
    if let Some(p) = lower.find("also sent to ") {
        targets.push((p + 13, true));
    } else if let Some(p) = lower.find("sent to ") {
        if lower.starts_with("sent to ") || lower[..p].ends_with("and ") {
            // "Sent to X and repeated to Y": X is an action addressee.
            targets.push((p + 8, true));
        }
    }
    targets.sort();
    for (i, &(st, action)) in targets.iter().enumerate() {
        let mut end = targets.get(i + 1).map_or(sent.len(), |t| t.0);
        // Stop at a following clause.
        for stop in [" and repeated", ", repeated", " repeated", ", which ", " which "] {
            if let Some(p) = sent[st..end].find(stop) {
                end = st + p;
            }
        }
        // A semicolon closes the list (`...and Moscow; and pouched to ...`).
        if let Some(p) = sent[st..end].find(';') {
            end = st + p;
        }
        let list = &sent[st..end];
        for item in split_list(list) {
            let name = item.trim().trim_end_matches([')', '.']).trim();
            if name.is_empty() || name.len() > 80 {
                continue;
            }

            let span = sub_span(sent, base, name);
            if action {
                out.also_to.push((name.to_string(), span));
            } else {
                out.info.push((name.to_string(), span));
            }
        }
    }
}

/// Splits `Bonn, Berlin, and London` at commas, and at an `and` that
/// joins two names (`London and Bonn`, not `Ankara and the NATO capitals`,
/// which names one group of addressees).
pub fn split_list(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let mut rest = part;
        let mut from = 0;
        loop {
            match rest[from..].find(" and ").map(|p| from + p) {
                Some(p)
                    if rest[p + 5..].starts_with(|c: char| c.is_uppercase()) || rest[p + 5..].starts_with("to ") =>
                {
                    out.push(&rest[..p]);
                    rest = &rest[p + 5..];
                    from = 0;
                }
                Some(p) => from = p + 5,
                None => {
                    out.push(rest);
                    break;
                }
            }
        }
    }
    out.into_iter()
        .map(|x| {
            let x = x.trim();
            let x = x.strip_prefix("and ").unwrap_or(x);
            x.strip_prefix("to ").unwrap_or(x)
        })
        .filter(|x| !x.is_empty())
        .collect()
}

/// `Drafted by Segall, cleared by Tims and Moot, and approved by Vedeler`.
fn read_officers(sent: &str, base: usize, out: &mut SourceNote) {
    let grab = |key: &str| -> Option<(String, [usize; 2])> {
        let p = find_ci(sent, key)? + key.len();
        let rest = &sent[p..];
        let end = rest
            .find(&[',', ';', '.'][..])
            .unwrap_or(rest.len())
            .min(rest.find(" and ").unwrap_or(rest.len()));
        let name = rest[..end].trim();
        (!name.is_empty()).then(|| (name.to_string(), sub_span(sent, base, name)))
    };
    if out.drafted_by.is_none() {
        out.drafted_by = grab("drafted by ");
    }
    if out.approved_by.is_none() {
        out.approved_by = grab("approved by ");
    }
}

/// The message number at the start of a FRUS telegram's first paragraph:
/// `Polto 1325.`, `4045.`, `A – 15.`. Returns canonical id and its span
/// relative to `para`.
pub fn leading_message_number(para: &str) -> Option<(String, usize, usize)> {
    let p = para.trim_start();
    let lead = para.len() - p.len();
    let b = p.as_bytes();
    // Series word first?
    let wend = b.iter().position(|c| !c.is_ascii_alphabetic()).unwrap_or(b.len());
    let (series, num_at) = if wend > 0 && b.get(wend) == Some(&b' ') {
        let w = &p[..wend];
        // At the head of a telegram an upper-case word before the number is
        // its series even when it is not a known one (`ALO 284.`, `COB 133.`).
        let caps = (2..=5).contains(&w.len()) && w.bytes().all(|c| c.is_ascii_uppercase());
        match msgid::series_word(w) {
            Some(s) => (Some(s), wend + 1),
            None if caps => (Some(w.to_string()), wend + 1),
            None => (None, 0),
        }
    } else {
        (None, 0)
    };
    let (num, end) = msgid::read_number(p, num_at)?;
    // The number is followed by a period (or a colon) and then text.
    let after = &p[end..];
    if !(after.starts_with(". ") || after.starts_with('.') && after.len() == 1 || after.starts_with(": ")) {
        return None;
    }
    let id = match series {
        Some(s) => format!("{s} {num}"),
        None => num,
    };
    Some((id, lead, lead + end))
}

/// The date (and time, where printed) of a FRUS dateline.
pub fn dateline_date(line: &str) -> Option<(String, usize, usize)> {
    let f = date::find_written(line)?;
    let mut iso = f.iso.clone();
    if let Some((hm, z)) = date::find_time(&line[f.end..]) {
        iso = format!("{iso}T{hm}{}", if z { "Z" } else { "" });
    }
    Some((iso, f.start, f.end))
}

/// Parses a FRUS plain-text rendition (`d<N>.txt`).
pub fn parse_text(src: &str, rec: &mut Record, authority: Option<&Authority>) {
    let lines = text::lines(src);
    let mut idx = 0;
    while idx < lines.len() && lines[idx].is_blank() {
        idx += 1;
    }
    let Some(head) = lines.get(idx) else {
        rec.warn("empty document");
        return;
    };
    // Heading: `43. Telegram From ... to ...`.
    let h = head.text;
    let num_end = h.find(". ").filter(|&p| h[..p].bytes().all(|c| c.is_ascii_digit()));
    let title_off = num_end.map_or(0, |p| p + 2);
    let title = text::strip_footnote_markers(&h[title_off..]);
    let title_base = head.start + title_off;
    let doc_type = doc_type_from_title(&title);
    rec.doc_type = Some(doc_type.to_string());
    rec.add_span("doc_type", [title_base, head.end]);
    let (from, to) = split_from_to(&title);
    // Title offsets differ from the source only when a footnote marker was
    // removed, which happens at the end; the spans stay within the heading.
    if let Some((a, b)) = from {
        rec.from = Some(title[a..b].to_string());
        rec.add_span("from", [title_base + a, (title_base + b).min(head.end)]);
    }
    if let Some((a, b)) = to {
        rec.to.push(title[a..b].trim_end_matches('.').to_string());
        rec.add_span("to", [title_base + a, (title_base + b).min(head.end)]);
    }
    if let Some(subject) = title
        .split(" Concerning ")
        .nth(1)
        .or_else(|| title.split(" Regarding ").nth(1))
    {
        rec.subject = Some(subject.trim().to_string());
    } else {
        rec.subject = Some(title.trim().to_string());
    }
    rec.add_span("subject", [title_base, head.end]);
    idx += 1;

    // Source note.
    let mut cursor = idx;
    let mut note_line = None;
    for (k, l) in lines.iter().enumerate().skip(idx).take(6) {
        let t = l.trimmed();
        if t.starts_with("Source:") || t.starts_with("[Source:") {
            note_line = Some(k);
            break;
        }
        if !l.is_blank() && !looks_like_dateline(t) {
            break;
        }
    }
    if let Some(k) = note_line {
        let l = lines[k];
        let sn = read_source_note(l.text, l.start);
        if let Some((c, span)) = sn.classification {
            rec.classification = Some(c);
            rec.add_span("classification", span);
        }
        for (hname, span) in sn.handling {
            rec.handling.push(hname);
            rec.add_span("handling", span);
        }
        if let Some((p, span)) = sn.precedence {
            rec.precedence = Some(p);
            rec.add_span("precedence", span);
        }
        for (n, span) in sn.info {
            if !rec.info.contains(&n) {
                rec.info.push(n);
            }
            rec.add_span("info", span);
        }
        for (n, span) in sn.also_to {
            if !rec.to.contains(&n) {
                rec.to.push(n);
            }
            rec.add_span("to", span);
        }
        if let Some((n, span)) = sn.drafted_by {
            rec.drafted_by = Some(n);
            rec.add_span("drafted_by", span);
        }
        if let Some((n, span)) = sn.approved_by {
            rec.approved_by = Some(n);
            rec.add_span("approved_by", span);
        }
        cursor = k + 1;
    }

    // Dateline: the first non-blank line after the note, when it holds a date.
    let mut body_from = cursor;
    if doc_type != "editorial note" {
        for (k, l) in lines.iter().enumerate().skip(cursor).take(8) {
            if l.is_blank() {
                continue;
            }
            let t = l.trimmed();
            if looks_like_dateline(t) {
                if let Some((iso, a, b)) = dateline_date(l.text) {
                    rec.date = Some(iso);
                    rec.add_span("date", [l.start + a, l.start + b]);
                }
                body_from = k + 1;
            }
            break;
        }
    }

    // Body: up to the notes rule; the closer (signature) is the last short line.
    let mut body_to = lines.len();
    for (k, l) in lines.iter().enumerate().skip(body_from) {
        if l.trimmed() == "----" && lines.get(k + 1).is_some_and(|n| n.trimmed().starts_with("Notes:")) {
            body_to = k;
            break;
        }
    }
    let paras: Vec<&text::Line> = lines[body_from..body_to].iter().filter(|l| !l.is_blank()).collect();
    let mut paras_end = paras.len();
    if let Some(last) = paras.last() {
        let t = last.trimmed();
        let words = t.split_whitespace().count();
        if paras.len() > 1
            && words <= 5
            && !t.ends_with(['.', ':', '?', ']'])
            && t.chars().next().is_some_and(|c| c.is_uppercase())
        {
            rec.signed = Some(text::strip_footnote_markers(t));
            rec.add_span("signed", last.span());
            paras_end -= 1;
        }
    }
    let body_paras = &paras[..paras_end];

    // Message number: telegrams and the like, first paragraph or heading.
    if matches!(doc_type, "telegram" | "airgram" | "despatch" | "instruction") {
        let mut found = None;
        if let Some(first) = body_paras.first() {
            if let Some((id, a, b)) = leading_message_number(first.text) {
                let para_numbering = id == "1" && body_paras.iter().skip(1).any(|p| p.trimmed().starts_with("2."));
                if !para_numbering {
                    found = Some((id, [first.start + a, first.start + b]));
                }
            }
        }
        if found.is_none() {
            // `Telegram Polto 3531 From ...`
            let words: Vec<&str> = title.split_whitespace().take(4).collect();
            if words.len() >= 2 && words[0].eq_ignore_ascii_case("telegram") {
                let (series, num) = match msgid::series_word(words[1]) {
                    Some(s) => (Some(s), words.get(2).copied()),
                    None => (None, Some(words[1])),
                };
                if let Some(n) = num.filter(|n| n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty()) {
                    let id = series.map_or(n.to_string(), |s| format!("{s} {n}"));
                    found = Some((id, [title_base, head.end]));
                }
            }
        }
        if let Some((id, span)) = found {
            rec.message_id = Some(id);
            rec.add_span("message_id", span);
        }
    }

    let mut body = String::new();
    for p in body_paras {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(&text::strip_footnote_markers(p.trimmed()));
    }
    if let (Some(f), Some(l)) = (body_paras.first(), body_paras.last()) {
        rec.add_span("body", [f.start, l.end]);
    }
    rec.body = body;

    // Refs: a `Ref:` sentence in the first paragraph.
    if let Some(first) = body_paras.first() {
        if let Some(p) = find_ci(first.text, "ref:").or_else(|| find_ci(first.text, "reference:")) {
            let rest = &first.text[p..];
            let end = rest.find(". ").unwrap_or(rest.len());
            let refs = msgid::find_cites(&rest[..end]);
            for c in &refs {
                rec.add_span("refs", [first.start + p + c.start, first.start + p + c.end]);
            }
            rec.refs = msgid::dedup_ids(&refs);
        }
    }
    // Cites: anywhere in the text (body, source note and notes), but not
    // the document's own number.
    let cites = msgid::find_cites(src);
    let own = rec.message_id.clone();
    let mut ids = Vec::new();
    for c in &cites {
        if Some(&c.id) == own.as_ref()
            && rec
                .spans
                .get("message_id")
                .is_some_and(|s| s.iter().any(|sp| sp[0] <= c.start && c.end <= sp[1]))
        {
            continue;
        }
        if !ids.contains(&c.id) {
            ids.push(c.id.clone());
        }
        rec.add_span("cites", [c.start, c.end]);
    }
    rec.cites = ids;

    for r in text::find_redactions(src) {
        rec.add_span("redactions", [r.start, r.end]);
        rec.redactions.push(r);
    }
    crate::persons::extract(src, rec, authority);
}

fn looks_like_dateline(t: &str) -> bool {
    t.len() < 160
        && (date::find_written(t).is_some() || t.to_lowercase().contains("undated"))
        && !t.starts_with("Source:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_split() {
        let t = "Telegram From the Mission to the North Atlantic Treaty Organization and European Regional Organizations to the Department of State";
        let (f, to) = split_from_to(t);
        let (f, to) = (f.unwrap(), to.unwrap());
        assert_eq!(
            &t[f.0..f.1],
            "Mission to the North Atlantic Treaty Organization and European Regional Organizations"
        );
        assert_eq!(&t[to.0..to.1], "Department of State");
        let t = "Letter From the Ambassador to Germany (McGhee) to Secretary of State Rusk";
        let (f, to) = split_from_to(t);
        assert_eq!(&t[f.unwrap().0..f.unwrap().1], "Ambassador to Germany (McGhee)");
        assert_eq!(&t[to.unwrap().0..to.unwrap().1], "Secretary of State Rusk");
        assert_eq!(split_from_to("Memorandum of Conversation"), (None, None));
    }

    #[test]
    fn source_note() {
        let n = "Source: Department of State, Central Files, 762.00/11–1758. Secret; Niact. Repeated to Bonn, Berlin, and London.";
        let sn = read_source_note(n, 0);
        assert_eq!(sn.classification.unwrap().0, Classification::Secret);
        assert_eq!(sn.precedence.unwrap().0, "NIACT");
        let info: Vec<_> = sn.info.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(info, vec!["Bonn", "Berlin", "London"]);
        let n = "Source: Department of State, Central Files, 611.49/10–1461. Confidential. Drafted by Segall, cleared by Tims and Moot, and approved by Vedeler.";
        let sn = read_source_note(n, 0);
        assert_eq!(sn.classification.unwrap().0, Classification::Confidential);
        assert_eq!(sn.drafted_by.unwrap().0, "Segall");
        assert_eq!(sn.approved_by.unwrap().0, "Vedeler");
        let sn = read_source_note(
            "Source: Eisenhower Library, Secretary's papers. Top Secret; Eyes Only; Limit Distribution.",
            0,
        );
        assert_eq!(sn.classification.unwrap().0, Classification::TopSecret);
        let h: Vec<_> = sn.handling.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(h, vec!["EYES ONLY", "LIMDIS"]);
    }

    #[test]
    fn message_numbers() {
        assert_eq!(
            leading_message_number("Polto 1325. At private").map(|x| x.0),
            Some("POLTO 1325".into())
        );
        assert_eq!(
            leading_message_number("1707. Eyes only").map(|x| x.0),
            Some("1707".into())
        );
        assert_eq!(
            leading_message_number("A – 15. Ref: Prague's").map(|x| x.0),
            Some("A-15".into())
        );
        assert_eq!(leading_message_number("In 1958. we"), None);
    }

    #[test]
    fn doc_types() {
        assert_eq!(
            doc_type_from_title("Memorandum of Conference With President Eisenhower"),
            "memorandum of conversation"
        );
        assert_eq!(doc_type_from_title("Circular Telegram From the Department"), "telegram");
        assert_eq!(
            doc_type_from_title("Special National Intelligence Estimate"),
            "intelligence estimate"
        );
        assert_eq!(
            doc_type_from_title("Aide-Mémoire From the Soviet Government"),
            "aide-memoire"
        );
        assert_eq!(
            doc_type_from_title("Record of Telephone Conversation"),
            "telephone conversation"
        );
    }
}
