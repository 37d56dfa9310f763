//! Header fields, as each kind of document lays them out: State telegram
//! and airgram headers (`FROM:`, `TO:`, `NO:`, the `ACTION ... INFORMATION`
//! routing line), CIA cables (`CITE STATION 1234`, date-time groups), CIA
//! dispatches and information reports, FBI airtels and memoranda, and the
//! NARA identification form as a fallback.

use super::lines::{classification_at_start, classification_in, is_record_number, near, strip_md, Doc, Role};
use super::{dtg, origin};
use crate::frus::{canonical_handling, PRECEDENCES};
use crate::text::{contains_ci, find_ci, squash, sub_span};
use crate::{date, msgid};
use airgram_model::{Classification, Record};

/// Identification-form fields: label and value (a slice of the source).
#[derive(Default)]
pub struct Form<'a> {
    pub fields: Vec<(&'static str, &'a str)>,
}

impl<'a> Form<'a> {
    pub fn get(&self, label: &str) -> Option<&'a str> {
        // Older forms print their own date at the top: the record's DATE
        // is the last one.
        self.fields
            .iter()
            .rev()
            .find(|(l, v)| *l == label && !v.is_empty() && !v.starts_with('['))
            .map(|x| x.1)
    }
}

const FORM_LABELS: &[&str] = &[
    "RECORD NUMBER",
    "RECORD SERIES",
    "AGENCY FILE NUMBER",
    "ORIGINATOR",
    "FROM",
    "TO",
    "TITLE",
    "DATE OF LAST REVIEW",
    "DATE",
    "PAGES",
    "SUBJECTS",
    "SUBJECT",
    "DOCUMENT TYPE",
    "ORIGINAL CLASSIFICATION",
    "NEW CLASSIFICATION",
    "CLASSIFICATION",
    "RESTRICTIONS",
    "CURRENT STATUS",
    "OPENING CRITERIA",
    "COMMENTS",
    "AGENCY",
    "NUMBER",
    "SERIES",
    "REVIEW DATE",
    "UPDATE DATE",
    "STATUS",
];

/// `LABEL : value` at the start of `t`: the value (possibly empty). With
/// `loose`, a value may follow the label after a space instead of a colon.
fn label_value<'s>(t: &'s str, label: &str, loose: bool) -> Option<&'s str> {
    let t = t.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '(');
    let t = t.trim_start_matches(['(', ' ']);
    if t.len() < label.len() || !t.as_bytes()[..label.len()].eq_ignore_ascii_case(label.as_bytes()) {
        return None;
    }
    let rest = &t[label.len()..];
    if rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let r = rest.trim_start_matches([' ', '\t', '*']);
    if let Some(v) = r.strip_prefix([':', ';']) {
        return Some(v.trim_matches([' ', '\t', '*', ':', ';']));
    }
    if r.is_empty() {
        return Some(r);
    }
    if r.starts_with('.') && label.len() > 2 {
        return Some(r[1..].trim());
    }
    // Without a colon the value follows a space (`TO SECSTATE WASH`).
    (loose && rest.starts_with([' ', '\t'])).then(|| r.trim_end())
}

/// The letter [`label_value`] compares first, upper-cased.
fn label_lead(t: &str) -> u8 {
    let t = t.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '(');
    let t = t.trim_start_matches(['(', ' ']);
    t.as_bytes().first().map_or(0, u8::to_ascii_uppercase)
}

/// [`label_value`] with the line's [`label_lead`] known.
fn label_value_at<'s>(t: &'s str, lead: u8, label: &str, loose: bool) -> Option<&'s str> {
    if label.as_bytes().first().map(u8::to_ascii_uppercase) != Some(lead) {
        return None;
    }
    label_value(t, label, loose)
}

/// A label at the start of the line or after distribution symbols, with
/// the line's [`label_lead`] known and whether it has a colon.
fn label_in_line_at<'s>(t: &'s str, lead: u8, colon: bool, label: &str, loose: bool) -> Option<&'s str> {
    if let Some(v) = label_value_at(t, lead, label, loose) {
        return Some(v);
    }
    label_in_line_rest(t, colon, label)
}

/// A label that may stand after a short run of distribution symbols, as
/// where a converter merged the Action/Info column into the header
/// (`FE FROM: SAIGON`): then a colon is required. This is the test past
/// the label at the start of the line.
fn label_in_line_rest<'s>(t: &'s str, colon: bool, label: &str) -> Option<&'s str> {
    // `LFROM') -. MEXICO CITY`: a stray mark glued to the label.
    if label == "FROM" {
        let first = t.split_whitespace().next().unwrap_or("");
        let core = first.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        if core.len() == 5 && core.ends_with("FROM") {
            let v = t[first.len()..].trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
            return Some(v.trim_end());
        }
    }
    // `LABEL:` or `LABEL :` after the prefix.
    if !colon {
        return None;
    }
    let p = t.match_indices(label).map(|m| m.0).find(|&p| {
        let r = &t[p + label.len()..];
        r.starts_with(':') || r.starts_with(" :")
    })?;
    let prefix = &t[..p];
    let toks: Vec<&str> = prefix.split_whitespace().collect();
    if toks.len() > 2 || toks.iter().any(|w| w.len() > 5) || !prefix.ends_with(' ') {
        return None;
    }
    label_value(&t[p..], label, false)
}

pub fn read_form<'a>(src: &'a str, doc: &Doc<'a>) -> Form<'a> {
    let mut f = Form::default();
    let Some((a, b)) = doc.form else {
        return f;
    };
    let _ = src;
    for i in a..b {
        let t = doc.lines[i].text.trim();
        let t = t.trim_start_matches(['#', ' ', '"', '\u{201c}', '{', '|']);
        let lead = label_lead(t);
        for &label in FORM_LABELS {
            let Some(mut v) = label_value_at(t, lead, label, false) else {
                continue;
            };
            if v.is_empty() {
                // `FROM` / `: MANAGUA`: the value on the next line after a colon.
                if let Some(next) = (i + 1..b.min(i + 3))
                    .map(|k| doc.lines[k].text.trim())
                    .find(|x| !x.is_empty())
                {
                    if let Some(nv) = next.strip_prefix(':') {
                        v = nv.trim();
                    } else if label == "TITLE" && !FORM_LABELS.iter().any(|l| label_value(next, l, false).is_some()) {
                        v = next;
                    }
                }
            }
            if v.is_empty() && matches!(label, "DATE" | "PAGES" | "CLASSIFICATION") {
                // Label and value on separate lines.
                if let Some(next) = (i + 1..b.min(i + 3))
                    .map(|k| doc.lines[k].text.trim())
                    .find(|x| !x.is_empty())
                {
                    let nv = next.trim_start_matches([':', ' ']);
                    let ok = match label {
                        "DATE" => date::find_numeric(nv).is_some(),
                        "PAGES" => !nv.is_empty() && nv.len() < 4 && nv.bytes().all(|c| c.is_ascii_digit()),
                        _ => classification_in(nv).is_some(),
                    };
                    if ok {
                        v = nv;
                    }
                }
            }
            f.fields.push((label, v));
            break;
        }
    }
    // Forms printed labels first and values after: the first plausible
    // full date among the values is the document's.
    if f.get("DATE").is_none() {
        for i in a..b {
            let t = doc.lines[i].text.trim();
            if contains_ci(t, "REVIEW") || contains_ci(t, "Release") {
                continue;
            }
            if let Some(d) = date::find_numeric(t).filter(|d| d.end - d.start >= 8 && plausible(&d.iso)) {
                f.fields.push(("DATE", &t[d.start..d.end]));
                break;
            }
        }
    }
    f
}

/// What the header scan found: line index and value for each field.
#[derive(Default)]
struct Header<'a> {
    from: Option<(usize, &'a str)>,
    to: Option<(usize, &'a str)>,
    info: Option<(usize, &'a str)>,
    no: Option<(usize, &'a str)>,
    date: Option<(usize, &'a str)>,
    subject: Option<(usize, &'a str)>,
    reference: Option<(usize, &'a str)>,
    action: Option<(usize, &'a str)>,
    memo_for: Option<(usize, &'a str)>,
    routing: Option<usize>,
    cite: Option<(usize, usize)>,
    report_no: Option<(usize, &'a str)>,
    whole_cite: Option<(usize, String, [usize; 2])>,
    last: Option<usize>,
    first_addr: Option<usize>,
}

impl Header<'_> {
    fn seen(&mut self, i: usize) {
        self.last = Some(self.last.map_or(i, |l| l.max(i)));
    }
}

fn is_prose(t: &str) -> bool {
    let words = t.split_whitespace().count();
    words >= 8 && t.len() >= 45
}

/// Text has begun where two lines of prose follow each other.
fn prose_starts(doc: &Doc, i: usize) -> bool {
    let text = |k: usize| {
        let t = doc.lines[k].text.trim();
        is_prose(t) && !starts_header_word(t)
    };
    text(i) && next_text_line(doc, i).is_some_and(text)
}

/// A cable routing line opens with its field word, colon or not:
/// `TO SECSTATE WASH EYES ONLY`, `INFO CAS HONOLULU`.
fn starts_header_word(t: &str) -> bool {
    let w = t.split_whitespace().next().unwrap_or("");
    let w = w.trim_end_matches([':', ';', '.']);
    matches!(
        w,
        "TO" | "INFO" | "FROM" | "REF" | "REFS" | "SUBJECT" | "SUBJ" | "CITE" | "DATE" | "ACTION" | "VIA"
    )
}

pub fn read_all<'a>(src: &'a str, doc: &mut Doc<'a>, form: &Form<'a>, rec: &mut Record) {
    let n = doc.lines.len();
    // Archive id: the record number or microfiche item number.
    if let Some(v) = form.get("RECORD NUMBER").or_else(|| form.get("NUMBER")) {
        rec.archive_id = Some(v.trim().to_string());
        rec.add_span("archive_id", sub_span(src, 0, v.trim()));
    } else if let Some((a, b)) = doc.form {
        for i in a..b {
            let t = strip_md(doc.lines[i].text.trim());
            let t2 = t.trim_start_matches(['#', ' ']);
            if (!t2.is_empty() && t2.len() <= 6 && t2.bytes().all(|c| c.is_ascii_digit())) || is_record_number(t2) {
                rec.archive_id = Some(t2.to_string());
                rec.add_span("archive_id", sub_span(src, 0, t2));
                break;
            }
        }
    }
    if rec.archive_id.is_none() {
        // `# 176-10036-10012` heading or a bare record number near the top.
        for l in doc.lines.iter().take(8) {
            let t = l.text.trim().trim_start_matches(['#', ' ', '{']);
            let tok = t.split(['|', ')', ' ', '}']).next().unwrap_or("");
            if is_record_number(tok) {
                rec.archive_id = Some(tok.to_string());
                rec.add_span("archive_id", sub_span(src, 0, tok));
                break;
            }
        }
    }

    let mut doc_type = doc_type(src, doc, form, rec);
    let hdr_end = (doc.doc_start + 220).min(n);
    let is_outgoing = outgoing(doc, hdr_end);

    // Header scan.
    let mut h = Header::default();
    let mut first_prose = None;
    for i in doc.doc_start..hdr_end {
        if doc.role[i] != Role::Body {
            continue;
        }
        let t = doc.lines[i].text.trim();
        if t.is_empty() {
            continue;
        }
        let s = strip_md(t);
        // A label is compared only where the line begins with its letter,
        // or has a colon after it.
        let lead = label_lead(s);
        let colon = s.contains(':');
        let lil = |label: &str, loose: bool| label_in_line_at(s, lead, colon, label, loose);
        let lv = |label: &str, loose: bool| label_value_at(s, lead, label, loose);
        let mut hit = true;
        if h.from.is_none() && first_prose.is_none() {
            // `FM` is the label of the later telegram format.
            if let Some(v) = lil("FROM", true).or_else(|| lv("FM", true)).filter(|v| v.len() < 80) {
                h.from = Some((i, v));
            } else {
                hit = false;
            }
        } else {
            hit = false;
        }
        if !hit && h.to.is_none() && first_prose.is_none() {
            if let Some(v) = lil("TO", true).filter(|v| v.len() < 100 && !v.starts_with("DATE")) {
                h.to = Some((i, v));
                hit = true;
            }
        }
        if !hit && h.info.is_none() && first_prose.is_none() {
            let caps = !s.bytes().any(|c| c.is_ascii_lowercase());
            if let Some(v) = lil("INFO", caps) {
                h.info = Some((i, v));
                hit = true;
            }
        }
        if !hit && h.no.is_none() && first_prose.is_none() {
            if let Some(v) = lil("NO", false) {
                h.no = Some((i, v));
                hit = true;
            }
        }
        if !hit && h.date.is_none() && first_prose.is_none() {
            let v = lil("DATE DISTR", true).or_else(|| lil("DATE", false));
            if let Some(v) = v.filter(|v| date_in(v).is_some()) {
                h.date = Some((i, v));
                hit = true;
            }
        }
        if !hit && h.subject.is_none() {
            let v = lil("SUBJECT", false)
                .or_else(|| lv("SUBJ", false))
                .or_else(|| lv("SUBJECT", true).filter(|_| first_prose.is_none()));
            if let Some(v) = v {
                h.subject = Some((i, v));
                hit = true;
            }
        }
        if !hit && h.reference.is_none() {
            let v = ["REFERENCES", "REFERENCE", "REFS", "REF"]
                .iter()
                .find_map(|l| lv(l, false));
            if let Some(v) = v {
                h.reference = Some((i, v));
                hit = true;
            }
        }
        if !hit && h.action.is_none() && first_prose.is_none() {
            // On the outgoing form `ACTION` heads the addressee, colon or not.
            let v = lil("ACTION", is_outgoing)
                .filter(|v| s.contains(':') || is_outgoing && v.starts_with(|c: char| c.is_ascii_alphabetic()));
            if let Some(v) = v {
                h.action = Some((i, v));
                hit = true;
            }
        }
        if !hit && h.memo_for.is_none() {
            if let Some(v) = lv("MEMORANDUM FOR", true) {
                h.memo_for = Some((i, v));
                hit = true;
            }
        }
        if !hit && h.report_no.is_none() {
            if let Some(v) = lv("REPORT NO", false).or_else(|| lv("REPORT NO.", true)) {
                h.report_no = Some((i, v));
                hit = true;
            }
        }
        // Most lines have no `ACTION`: the test copies nothing for them.
        if !hit && h.routing.is_none() && word_pos(&doc.upper_of(s), "ACTION").is_some() && routing_start(s).is_some() {
            h.routing = Some(i);
            hit = true;
        }
        if !hit && h.cite.is_none() {
            if let Some(p) = cite_pos(s) {
                h.cite = Some((i, p));
                hit = true;
            }
        }
        if !hit && h.whole_cite.is_none() && first_prose.is_none() {
            // The text heading of a later telegram, `CONFIDENTIAL BUSEC 48`:
            // its classification, then its own series and number.
            let marked = classification_at_start(s)
                .map(|(_, _, e)| e)
                .filter(|_| h.first_addr.is_some());
            // The page head of one, `PAGE 01 BUSEC 48 011327Z`: page,
            // series and number, date-time group.
            let paged = page_head_cite(s);
            if h.first_addr.is_none() || marked.is_some() || paged.is_some() {
                let rest = paged.unwrap_or(&s[marked.unwrap_or(0)..]);
                let cs = msgid::find_cites(rest);
                if cs.len() == 1 && cs[0].end - cs[0].start + 3 >= rest.trim().trim_end_matches('.').len() {
                    let base = sub_span(src, 0, rest)[0];
                    h.whole_cite = Some((i, cs[0].id.clone(), [base + cs[0].start, base + cs[0].end]));
                    hit = true;
                }
            }
        }
        if !hit && (lv("Control", false).is_some() || lv("Rec'd", false).is_some()) {
            hit = true;
        }
        if hit {
            if first_prose.is_none() {
                h.seen(i);
            }
            if h.first_addr.is_none() && (h.from.is_some() || h.to.is_some() || h.info.is_some()) {
                h.first_addr = Some(i);
            }
            doc.role[i] = Role::Header;
        } else if first_prose.is_none() && prose_starts(doc, i) {
            first_prose = Some(i);
        }
    }

    // A cable without a printed heading still has a cable's header.
    if doc_type == "other"
        && (h.cite.is_some() || (h.to.is_some() || h.from.is_some()) && (h.reference.is_some() || h.info.is_some()))
    {
        doc_type = "telegram";
        rec.doc_type = Some(doc_type.into());
        rec.warnings.retain(|w| w != "document type not recognised");
        if let Some((i, _)) = h.to {
            rec.add_span("doc_type", doc.lines[i].span());
        }
    }

    let header_text = |i: usize| doc.lines[i].text.trim();

    // Message id.
    let mut msg: Option<(String, [usize; 2])> = None;
    if let Some((_, id, sp)) = &h.whole_cite {
        msg = Some((id.clone(), *sp));
    }
    let mut no_date: Option<(u32, u32, [usize; 2])> = None;
    // `NO: DELGA 118, FEBRUARY 9, 5 PM`: the NO line of an incoming
    // telegram carries its number, with the series where the post used one.
    let series_no = h.no.and_then(|(_, v)| {
        let v = v.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        let c = msgid::find_cites(v).into_iter().next().filter(|c| c.start == 0)?;
        Some((v, c))
    });
    if let Some((v, c)) = &series_no {
        if msg.is_none() {
            msg = Some((c.id.clone(), sub_span(src, 0, &v[c.start..c.end])));
        }
        let rest = &v[c.end..];
        no_date = month_day(rest).map(|(m, dd, a, b)| (m, dd, sub_span(src, 0, &rest[a..b])));
    }
    let no_line = series_no.is_none().then_some(()).and(
        h.no.map(|(_, v)| v.trim_start_matches(|c: char| !c.is_ascii_alphanumeric()))
            .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
            .or_else(|| {
                // The value may stand apart from its label: `748, OCTOBER 19, 1 PM`.
                (doc.doc_start..hdr_end)
                    .filter(|&i| matches!(doc.role[i], Role::Body | Role::Header))
                    .map(|i| strip_md(header_text(i)))
                    .find(|t| telegram_number_line(t))
            }),
    );
    if let Some(v) = no_line {
        let d = v.bytes().take_while(|c| c.is_ascii_digit()).count();
        if (1..=5).contains(&d) && msg.is_none() {
            msg = Some((v[..d].to_string(), sub_span(src, 0, &v[..d])));
        }
        no_date = month_day(v).map(|(m, dd, a, b)| (m, dd, sub_span(src, 0, &v[a..b])));
    }
    let mut cite_station: Option<(String, [usize; 2])> = None;
    if let Some((i, p)) = h.cite {
        let t = strip_md(header_text(i));
        if let Some((station, num, a, b)) = read_cite(&t[p..]) {
            let base = sub_span(src, 0, t)[0] + p;
            if msg.is_none() {
                msg = Some((format!("{station} {num}"), [base + a, base + b]));
            }
            cite_station = Some((station, [base + a, base + b]));
        }
    }
    if msg.is_none() {
        if let Some((_, v)) = h.report_no {
            let v = v.trim();
            if v.bytes().any(|c| c.is_ascii_digit()) && v.len() < 30 {
                msg = Some((squash(v), sub_span(src, 0, v)));
            }
        }
    }
    if msg.is_none() && doc_type == "despatch" {
        msg = dispatch_number(src, doc);
    }
    if msg.is_none() {
        msg = fbi_file_serial(src, doc);
    }
    if msg.is_none() {
        if let Some(i) = h.routing {
            let t = strip_md(header_text(i));
            let toks: Vec<&str> = t
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            if let Some(num) = toks
                .get(2)
                .filter(|w| w.len() <= 5 && w.bytes().all(|c| c.is_ascii_digit()))
            {
                msg = Some((num.to_string(), sub_span(src, 0, t)));
            }
        }
    }
    if let Some((id, sp)) = msg {
        rec.message_id = Some(id);
        rec.add_span("message_id", sp);
    }

    // Date.
    let form_date = form.get("DATE").and_then(date_in);
    let mut date: Option<(String, [usize; 2])> = None;
    if let Some((_, v)) = h.date {
        if let Some((iso, a, b)) = date_in(v) {
            date = Some((iso, sub_span(src, 0, &v[a..b])));
        }
    }
    if date.is_none() {
        if let Some((m, d, sp)) = no_date {
            let year = form_date
                .as_ref()
                .and_then(|f| f.0.get(..4)?.parse().ok())
                .or_else(|| header_year(doc, hdr_end));
            if let Some(iso) = year.and_then(|y| date::iso(y, m, d)) {
                date = Some((iso, sp));
            }
        }
    }
    if date.is_none() {
        for i in doc.doc_start..hdr_end {
            if let Some((iso, a, b)) = dtg_date(doc.lines[i].text).filter(|d| plausible(&d.0)) {
                let base = doc.lines[i].start;
                date = Some((iso, [base + a, base + b]));
                break;
            }
        }
    }
    if date.is_none() {
        // A group read through OCR noise (`2616002 MAY 74`, `O3O736Z N0V 64`).
        for i in doc.doc_start..hdr_end {
            if let Some((iso, a, b)) = dtg::find(doc.lines[i].text).filter(|d| plausible(&d.0)) {
                let base = doc.lines[i].start;
                date = Some((iso, [base + a, base + b]));
                break;
            }
        }
    }
    if date.is_none() {
        if let (Some(v), Some((iso, a, b))) = (form.get("DATE"), form_date.clone()) {
            date = Some((iso, sub_span(src, 0, &v[a..b])));
        }
    }
    if date.is_none() {
        date = written_date_of_origin(doc);
    }
    if let Some((iso, sp)) = date {
        rec.date = Some(iso);
        rec.add_span("date", sp);
    }

    // Classification: the highest marking on the pages of the document.
    let mut best: Option<(Classification, [usize; 2])> = None;
    let has_unless = doc.up.contains("UNLESS");
    for i in doc.doc_start..n {
        if matches!(doc.role[i], Role::Stamp | Role::Form) {
            continue;
        }
        let l = doc.lines[i];
        let mut t = l.text.trim();
        // Every marking read below holds four capitals in a row.
        if t.is_empty() || t.len() > 120 || !doc.info[i].caps4 {
            continue;
        }
        // `SECRET PROHIBITED UNLESS "UNCLASSIFIED"`: the page's marking run
        // into the reproduction notice; only what precedes the notice counts.
        if has_unless && contains_ci(t, "UNLESS") {
            let cut = ["REPRODUCTION", "PROHIBITED", "UNLESS"]
                .iter()
                .filter_map(|w| find_ci(t, w))
                .min()
                .unwrap_or(0);
            t = t[..cut].trim();
            if t.is_empty() {
                continue;
            }
        }
        let s = strip_md(t);
        let found = classification_at_start(s).or_else(|| {
            // The word count first: it is cheaper than the search.
            if s.split_whitespace().count() <= 4 {
                return classification_in(s);
            }
            if !s.contains("CLASSIFICATION") {
                return None;
            }
            let c = classification_in(s)?;
            s[..c.1].trim_end().ends_with("CLASSIFICATION").then_some(c)
        });
        let found = found.or_else(|| {
            if !(s.contains("USE ONLY") || s.contains("Use Only")) {
                return None;
            }
            let p = find_ci(s, "OFFICIAL USE ONLY")?;
            s[p..]
                .starts_with("OFFICIAL")
                .then_some((Classification::OfficialUseOnly, p, p + 17))
        });
        // A line that is only the marking `UNCLASSIFIED` or `LIMITED
        // OFFICIAL USE` marks the page too.
        let found = found.or_else(|| {
            let m = s.trim_matches(|c: char| !c.is_ascii_alphabetic());
            let c = match m {
                "UNCLASSIFIED" => Classification::Unclassified,
                "LIMITED OFFICIAL USE" => Classification::LimitedOfficialUse,
                _ => return None,
            };
            let a = sub_span(s, 0, m)[0];
            Some((c, a, a + m.len()))
        });
        if let Some((c, a, b)) = found {
            let base = sub_span(src, 0, s)[0];
            if best.is_none_or(|(bc, _)| c > bc) {
                best = Some((c, [base + a, base + b]));
            }
        }
    }
    if best.is_none() {
        let v = form
            .get("ORIGINAL CLASSIFICATION")
            .or_else(|| form.get("CLASSIFICATION"));
        if let Some(v) = v {
            let up = v.to_ascii_uppercase();
            let c = classification_in(&up)
                .map(|x| x.0)
                .or_else(|| Classification::from_name(&up));
            if let Some(c) = c.filter(|c| *c != Classification::Unclassified || up.trim() == "UNCLASSIFIED") {
                best = Some((c, sub_span(src, 0, v)));
            }
        }
    }
    match best {
        Some((c, sp)) => {
            rec.classification = Some(c);
            rec.add_span("classification", sp);
        }
        None => rec.warn("no classification marking found"),
    }

    // From.
    let mut from: Option<(String, [usize; 2])> = None;
    if let Some((i, v)) = h.from {
        let mut v = caps_head(clean_addr(v));
        // `1, COPENHAGEN`: a stray number before the name.
        if let Some((head, rest)) = v.split_once(' ') {
            if head.trim_end_matches([',', '.']).bytes().all(|c| c.is_ascii_digit()) && rest.len() >= 3 {
                v = rest.trim_start();
            }
        }
        let mut extra = String::new();
        if doc_type == "memorandum" {
            // The sender's title on the next line: `Chief, Domestic Collection Division`.
            if let Some(k) = next_text_line(doc, i) {
                let t = header_text(k);
                if !is_any_label(t) && t.len() < 70 && !is_prose(t) && t.starts_with(|c: char| c.is_ascii_uppercase()) {
                    extra = format!(", {}", t.trim());
                    doc.role[k] = Role::Header;
                }
            }
        }
        if v.is_empty() {
            // Labels and values OCR'd apart (`FROM:` `TO:` `MEXICO CITY`
            // `SECRETARY OF STATE`): the first value that is not the
            // Department's.
            for k in i + 1..n.min(i + 12) {
                if !matches!(doc.role[k], Role::Body | Role::Header) {
                    continue;
                }
                let t = header_text(k);
                if t.is_empty() || is_any_label(t) {
                    continue;
                }
                if contains_ci(t, "Secretary of State") || contains_ci(t, "SECSTATE") {
                    continue;
                }
                let letters = t.chars().filter(|c| c.is_alphabetic() || *c == ' ').count();
                let ok = (3..=30).contains(&t.len())
                    && letters * 10 >= t.chars().count() * 9
                    && classification_in(t).is_none()
                    && t.split_whitespace().count() <= 3;
                if ok {
                    v = clean_addr(t);
                    doc.role[k] = Role::Header;
                }
                break;
            }
        }
        if !v.is_empty() {
            from = Some((format!("{v}{extra}"), sub_span(src, 0, v)));
        }
    }
    if from.is_none() && is_outgoing {
        if let Some(i) = (doc.doc_start..hdr_end).find(|&i| near_phrase(doc.lines[i].text, "Department of State")) {
            from = Some(("Department of State".into(), doc.lines[i].span()));
        }
    }
    // A personal cable: `FOR SCOTT FROM DULLES`.
    let mut personal: Option<(&'a str, [usize; 2])> = None;
    for i in doc.doc_start..hdr_end.min(body_from_guess(&h, doc) + 2) {
        let t = strip_md(doc.lines[i].text.trim());
        if t.starts_with("FOR ") {
            if let Some(p) = word_pos(t, "FROM") {
                let rest = &t[p + 4..];
                let name = rest.trim_start();
                let end = name
                    .find(|c: char| !(c.is_ascii_uppercase() || c == ' ' || c == '.'))
                    .unwrap_or(name.len());
                let name = name[..end].trim();
                if name.len() >= 3 {
                    personal = Some((name, sub_span(src, 0, name)));
                    doc.role[i] = Role::Header;
                    break;
                }
            }
        }
    }
    if from.is_none() {
        if let Some((name, sp)) = personal {
            from = Some((name.to_string(), sp));
        }
    }
    if from.is_none() {
        if let Some((st, sp)) = &cite_station {
            from = Some((station_name(st.split(' ').next().unwrap_or(st), st), *sp));
        }
    }
    if from.is_none() {
        // One search of the text's capitals (same offsets as the text).
        if let Some(i) = doc
            .first_line_with(&doc.up, "CENTRAL INTELLIGENCE AGENCY")
            .filter(|&i| i < hdr_end)
        {
            from = Some(("CENTRAL INTELLIGENCE AGENCY".into(), doc.lines[i].span()));
        }
    }
    if from.is_none() {
        if let Some(v) = form.get("FROM") {
            from = Some((v.trim().to_string(), sub_span(src, 0, v.trim())));
        }
    }
    // A back-channel telegram: `VIA CAS SAIGON 2063 FROM AMBASSADOR LODGE`.
    let via = (doc.doc_start..hdr_end).find_map(|i| {
        let t = strip_md(doc.lines[i].text.trim());
        let r = t.strip_prefix("VIA CAS")?;
        let st = r.trim_start_matches(['.', ' ', ':']);
        let w = st.split(|c: char| !c.is_ascii_alphabetic()).next()?;
        (w.len() >= 3).then_some((i, w))
    });
    if let Some((i, station)) = via {
        let who = from
            .as_ref()
            .map(|f| f.0.clone())
            .or_else(|| form.get("FROM").map(|v| v.trim().to_string()));
        if let Some(who) = who {
            from = Some((format!("{who} (via CAS {station})"), doc.lines[i].span()));
        }
        doc.role[i] = Role::Header;
    }
    match from.filter(|f| f.0.chars().any(char::is_alphanumeric)) {
        Some((f, sp)) => {
            rec.from = Some(f);
            rec.add_span("from", sp);
        }
        None => rec.warn("no originator found"),
    }

    // Addressees.
    let mut to: Vec<(String, [usize; 2])> = Vec::new();
    let mut pass: Vec<(String, [usize; 2])> = Vec::new();
    let mut info: Vec<(String, [usize; 2])> = Vec::new();
    if let Some((i, v)) = h.to {
        let (t_part, i_part) = split_at_word(v, "INFO");
        let (t_part, p_part) = split_at_word(t_part, "PASS");
        let mut v2 = t_part;
        if v2.trim().is_empty() {
            // Value apart from its label: `Secretary of State` a few lines on.
            if let Some(k) = (i + 1..(i + 12).min(n)).find(|&k| {
                contains_ci(doc.lines[k].text, "Secretary of State") || contains_ci(doc.lines[k].text, "SECSTATE")
            }) {
                v2 = header_text(k);
                doc.role[k] = Role::Header;
            }
        }
        push_addrs(src, v2, &mut to);
        push_addrs(src, p_part, &mut pass);
        push_addrs(src, i_part, &mut info);
        // Further addressees of a back-channel routing block, one a line.
        let mut k = i + 1;
        while k < n && k < i + 8 {
            let t = strip_md(header_text(k));
            if t.is_empty() {
                k += 1;
                continue;
            }
            if contains_ci(t, "EYES ONLY") && label_value(t, "INFO", true).is_none() && !t.starts_with("REF") {
                push_addrs(src, t, &mut to);
                doc.role[k] = Role::Header;
                k += 1;
            } else {
                break;
            }
        }
    }
    if let Some((i, v)) = h.info {
        push_addrs(src, v, &mut info);
        let mut k = i + 1;
        while k < n && k < i + 8 {
            let t = strip_md(header_text(k));
            if t.is_empty() {
                k += 1;
                continue;
            }
            if contains_ci(t, "EYES ONLY") && !t.starts_with("REF") {
                push_addrs(src, t, &mut info);
                doc.role[k] = Role::Header;
                k += 1;
            } else {
                break;
            }
        }
    }
    if to.is_empty() {
        // `ACTION:` names the addressee on the Department's outgoing form;
        // on incoming ones `Action` heads the distribution column.
        if let Some((i, v)) = h.action.filter(|(_, v)| is_outgoing || !v.contains(':')) {
            let mut v = v;
            if v.chars().filter(|c| c.is_alphabetic()).count() < 3 {
                if let Some(k) = next_text_line(doc, i) {
                    v = header_text(k);
                    doc.role[k] = Role::Header;
                }
            }
            push_addrs(src, v, &mut to);
        }
    }
    if to.is_empty() {
        if let Some((_, v)) = h.memo_for {
            push_addrs(src, v, &mut to);
        }
    }
    if let Some(i) = h.routing {
        let mut k = i;
        let mut groups = Vec::new();
        loop {
            let t = strip_md(header_text(k));
            routing_groups(src, t, &mut groups);
            doc.role[k] = Role::Header;
            h.seen(k);
            match next_text_line(doc, k) {
                Some(nk) if routing_continuation(strip_md(header_text(nk))) => k = nk,
                _ => break,
            }
        }
        // The Department is the addressee of the TO line; the rest are info.
        for (g, sp) in groups {
            if is_department(&g) || matches!(g.as_str(), "SECSTATE" | "DEPT" | "SECSTATE WASHDC" | "SECSTATE WASH") {
                continue;
            }
            if !info.iter().any(|x| x.0 == g) {
                info.push((g, sp));
            }
        }
    }
    if to.is_empty() {
        if let Some((i, _)) = h.cite {
            // Cable addressees: the line after the CITE line.
            let mut k = i;
            let mut lists = 0;
            while let Some(nk) = next_text_line(doc, k) {
                let t = strip_md(header_text(nk));
                if PRECEDENCES.iter().any(|p| t.starts_with(p)) && t.len() < 40 {
                    k = nk;
                    continue;
                }
                let caps = t.bytes().filter(|c| c.is_ascii_lowercase()).count() == 0;
                if caps
                    && (t.contains(',') || !split_at_word(t, "INFO").1.is_empty())
                    && !t.starts_with("REF")
                    && !t.starts_with(|c: char| c.is_ascii_digit())
                {
                    let (a, b) = split_at_word(t, "INFO");
                    for part in a.split(',') {
                        push_addrs(src, part, &mut to);
                    }
                    push_addrs(src, b, &mut info);
                    doc.role[nk] = Role::Header;
                    h.seen(nk);
                    lists += 1;
                    k = nk;
                    if !t.trim_end().ends_with(',') || lists > 8 {
                        break;
                    }
                } else {
                    break;
                }
            }
        }
    }
    if to.is_empty() && doc_type == "telegram" && h.from.is_some() {
        // The Department's incoming telegrams are addressed to the
        // Secretary even where the TO label did not survive the scan.
        let end = h.last.map_or(hdr_end, |l| l + 1).min(hdr_end);
        if let Some(i) =
            (doc.doc_start..end).find(|&i| doc.role[i] == Role::Body && secretary_of_state_in(doc.lines[i].text))
        {
            to.push(("Secretary of State".into(), doc.lines[i].span()));
            doc.role[i] = Role::Header;
        }
    }
    if to.is_empty() {
        if let Some(v) = form.get("TO") {
            push_addrs(src, v, &mut to);
        }
    }
    for (name, sp) in to {
        if !rec.to.contains(&name) {
            rec.to.push(name);
        }
        rec.add_span("to", sp);
    }
    for (name, sp) in pass {
        if !rec.pass.contains(&name) {
            rec.pass.push(name);
        }
        rec.add_span("pass", sp);
    }
    for (name, sp) in info {
        if !rec.info.contains(&name) && !rec.to.contains(&name) {
            rec.info.push(name);
        }
        rec.add_span("info", sp);
    }

    // Army agent reports: numbered boxes with the value under the caption.
    let boxed = |doc: &Doc<'a>, caption: &str| -> Option<(usize, &'a str)> {
        let i = doc.first_line_with(src, caption)?;
        let k = next_text_line(doc, i)?;
        let t = doc.lines[k].text.trim();
        (!t.is_empty() && t.len() < 80).then_some((k, t))
    };
    if let Some((k, t)) = boxed(doc, "TYPED NAME AND ORGANIZATION") {
        // The reporting agent and his unit are the originator.
        rec.from = Some(t.to_string());
        rec.spans.remove("from");
        rec.add_span("from", sub_span(src, 0, t));
        let name = t.rsplit(", ").next().unwrap_or(t).trim();
        if t.contains(", ") && signer_name(name).is_some() {
            rec.signed = Some(name.to_string());
            rec.add_span("signed", sub_span(src, 0, name));
            doc.role[k] = Role::Header;
        }
    }
    let boxed_subject = boxed(doc, "SUBJECT OR TITLE OF INCIDENT");

    // An outgoing telegram's number stands beside its action addressee:
    // `ACTION: Amembassy NICOSIA 95`, or on the line under it.
    if rec.message_id.is_none() && is_outgoing {
        if let Some((i, v)) = h.action {
            let last = v.split_whitespace().last().unwrap_or("");
            let cand = if last.bytes().all(|c| c.is_ascii_digit()) && !last.is_empty() {
                Some(last)
            } else if v.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
                None
            } else {
                // Value and number on the lines after the label.
                (i + 1..n.min(i + 6))
                    .map(|k| doc.lines[k].text.trim())
                    .filter(|t| !t.is_empty())
                    .nth(1)
                    .filter(|t| (1..=5).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_digit()))
            };
            if let Some(num) = cand.filter(|c| c.len() <= 5) {
                rec.message_id = Some(num.to_string());
                rec.add_span("message_id", sub_span(src, 0, num));
            }
        }
    }

    // Subject.
    let mut subject: Option<(String, [usize; 2])> = None;
    if let Some((i, v)) = h.subject {
        let mut s = v.trim().to_string();
        let mut sp = sub_span(src, 0, v.trim());
        // Continuation lines of a long subject.
        let mut k = i;
        for _ in 0..3 {
            let Some(nk) = next_text_line(doc, k) else {
                break;
            };
            if nk > k + 2 {
                break;
            }
            let t = strip_md(header_text(nk));
            if is_any_label(t)
                || is_prose(t) && !s.is_empty()
                || t.starts_with(|c: char| c.is_ascii_digit())
                || classification_at_start(t).is_some()
            {
                break;
            }
            // A continuation is no sentence, and after a blank line it is
            // in the capitals of a typed subject line.
            let caps = !t.bytes().any(|c| c.is_ascii_lowercase());
            let cont = t.len() < 70 && !s.ends_with('.') && !t.ends_with('.') && (nk == k + 1 || caps);
            if s.is_empty() || cont {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(t);
                sp[1] = doc.lines[nk].span()[1];
                doc.role[nk] = Role::Header;
                h.seen(nk);
                k = nk;
            } else {
                break;
            }
            if s.len() > 60 {
                break;
            }
        }
        let s = s.trim_matches(['*', ' ', '<', '>']).replace(['<', '>'], "");
        if !s.is_empty() {
            subject = Some((squash(&s), sp));
        }
    }
    if subject.is_none() {
        subject = caption(src, doc, &h);
    }
    if subject.is_none() {
        if let Some((_, t)) = boxed_subject {
            subject = Some((t.to_string(), sub_span(src, 0, t)));
        }
    }
    if let Some((s, sp)) = subject {
        rec.subject = Some(s);
        rec.add_span("subject", sp);
    }

    // References and citations.
    let mut refs: Vec<(String, [usize; 2])> = Vec::new();
    if let Some((i, v)) = h.reference {
        let mut v = v;
        if v.trim().is_empty() {
            if let Some(k) = next_text_line(doc, i) {
                let t = header_text(k);
                if t.len() < 40 && t.bytes().any(|c| c.is_ascii_digit()) && !is_prose(t) {
                    v = t;
                    doc.role[k] = Role::Header;
                }
            }
        }
        let base = sub_span(src, 0, v)[0];
        for (id, a, b) in ref_cites(v, true) {
            if !refs.iter().any(|r| r.0 == id) {
                refs.push((id, [base + a, base + b]));
            }
        }
        // A memorandum's reference to a document without a message number
        // is kept as written.
        let v = v.trim();
        let prose_ref = v.bytes().any(|c| c.is_ascii_lowercase()) && refs.iter().all(|r| r.0.len() * 2 < v.len());
        if (refs.is_empty() || prose_ref) && v.len() > 8 && v.len() < 120 && v.bytes().any(|c| c.is_ascii_digit()) {
            refs.push((squash(v), sub_span(src, 0, v)));
        }
    }
    for (id, sp) in &refs {
        rec.refs.push(id.clone());
        rec.add_span("refs", *sp);
    }
    let own = rec.message_id.clone();
    let own_span = rec.spans.get("message_id").and_then(|v| v.first().copied());
    let mut cites: Vec<(String, [usize; 2])> = refs.clone();
    let mut seen_cites: std::collections::HashSet<String> = refs.iter().map(|r| r.0.clone()).collect();
    let mut cite_spans: Vec<[usize; 2]> = Vec::new();
    // On the capitals: the references are written in any case.
    let fbi_lines = doc.lines_matching(&doc.up, fbi_ref_candidates());
    for i in doc.doc_start..n {
        if !matches!(doc.role[i], Role::Body | Role::Header) {
            continue;
        }
        let l = doc.lines[i];
        // Every citation carries a number.
        if !l.text.bytes().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let caps = l.text.bytes().filter(|c| c.is_ascii_lowercase()).count() * 5 < l.text.len().max(1);
        for (id, a, b) in ref_cites_in(l.text, caps, fbi_lines.get(i) == Some(&true)) {
            let sp = [l.start + a, l.start + b];
            // A message's own number is not one of its cites, wherever the
            // page repeats it (`PAGE 02 BUSEC 48`).
            if own.as_ref() == Some(&id) {
                continue;
            }
            if own_span == Some(sp) || own_span.is_some_and(|o| o[0] >= sp[0] && o[1] <= sp[1]) {
                continue;
            }
            if seen_cites.insert(id.clone()) {
                cites.push((id, sp));
            } else {
                cite_spans.push(sp);
            }
        }
    }
    for (id, sp) in cites {
        rec.cites.push(id);
        cite_spans.push(sp);
    }
    super::add_spans(rec, "cites", cite_spans);

    // The originating officer of a CIA message form: a name over a unit
    // symbol and an extension at the top (`Richard Ober.` `CI/OP/DO` `6557`).
    let top: Vec<usize> = (doc.doc_start..n.min(doc.doc_start + 20))
        .filter(|&i| doc.role[i] == Role::Body && !doc.lines[i].is_blank())
        .take(4)
        .collect();
    if let [a, b, ..] = top[..] {
        let name = doc.lines[a].text.trim().trim_end_matches('.');
        let unit = doc.lines[b].text.trim();
        let words: Vec<&str> = name.split_whitespace().collect();
        let is_name = (2..=3).contains(&words.len())
            && words.iter().all(|w| {
                w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && w.chars().skip(1).all(|c| c.is_ascii_lowercase() || c == '.')
            });
        let is_unit = unit.contains('/') && unit.len() <= 16 && !unit.bytes().any(|c| c.is_ascii_lowercase());
        if is_name && is_unit {
            rec.drafted_by = Some(name.to_string());
            rec.add_span("drafted_by", sub_span(src, 0, name));
            doc.role[a] = Role::Header;
            doc.role[b] = Role::Header;
        }
    }

    // Officers, copy number, form number: anywhere on the pages.
    let officer_words = doc.lines_matching(&doc.up, officer_words_re());
    for i in doc.doc_start..n {
        if doc.role[i] == Role::Stamp || doc.role[i] == Role::Form {
            continue;
        }
        let t = strip_md(doc.lines[i].text.trim());
        if t.is_empty() {
            continue;
        }
        let lead = label_lead(t);
        if rec.drafted_by.is_none() {
            let v = ["Drafted by", "Prepared by", "Drafter"]
                .iter()
                .find_map(|l| label_value_at(t, lead, l, true));
            if let Some(v) = v {
                let v = if v.trim().is_empty() || v.trim() == "r" {
                    next_text_line(doc, i)
                        .map(header_text)
                        .filter(|x| x.len() < 50 && !is_any_label(x))
                        .unwrap_or("")
                } else {
                    v
                };
                let v = v.trim();
                if !v.is_empty() {
                    rec.drafted_by = Some(v.to_string());
                    rec.add_span("drafted_by", sub_span(src, 0, v));
                    doc.role[i] = Role::Header;
                }
            } else if is_fbi_initials(t) {
                rec.drafted_by = Some(t.to_string());
                rec.add_span("drafted_by", sub_span(src, 0, t));
                doc.role[i] = Role::Header;
            }
        }
        if rec.approved_by.is_none() && officer_words.get(i) == Some(&true) {
            if let Some(p) = approval_caption(t) {
                let v = t[p + 11..].trim_start_matches(|c: char| c == ':' || c == ' ' || c == 'r' && p + 12 >= t.len());
                let v = v.trim();
                if !v.is_empty() && v.len() < MAX_OFFICER_CHARS {
                    rec.approved_by = Some(v.to_string());
                    rec.add_span("approved_by", sub_span(src, 0, v));
                    doc.role[i] = Role::Header;
                } else if v.is_empty() {
                    // The caption alone; its value is on another line.
                    doc.role[i] = Role::Header;
                }
            }
        }
        if rec.copy.is_none() && t.len() < 60 && label_value_at(t, lead, "COPY NO", true).is_some() {
            rec.copy = Some(t.to_string());
            rec.add_span("copy", sub_span(src, 0, t));
            doc.role[i] = Role::Header;
        }
        if rec.form.is_none() && officer_words.get(i) == Some(&true) {
            if let Some((f, a, b)) = form_number(t) {
                rec.form = Some(f);
                let base = sub_span(src, 0, t)[0];
                rec.add_span("form", [base + a, base + b]);
            }
        }
    }

    // Handling caveats and precedence, from the header.
    let body_from = h.last.map_or(doc.doc_start, |l| l + 1);
    for i in doc.doc_start..body_from.max(doc.doc_start + 1).min(n) {
        if !matches!(doc.role[i], Role::Body | Role::Header | Role::Furniture) {
            continue;
        }
        let l = doc.lines[i];
        let up = &doc.up[l.start..l.end];
        for p in PRECEDENCES {
            if rec.precedence.is_none() {
                if let Some(a) = word_pos(up, p) {
                    rec.precedence = Some(p.to_string());
                    rec.add_span("precedence", [l.start + a, l.start + a + p.len()]);
                }
            }
        }
        for hname in [
            "LIMIT DISTRIBUTION",
            "LIMITED DISTRIBUTION",
            "LIMDIS",
            "NOFORN",
            "NO FOREIGN DISSEM",
            "EYES ONLY",
            "EXDIS",
            "NODIS",
            "ROGER CHANNEL",
            "RYBAT",
            "WNINTEL",
        ] {
            if let Some(a) = word_pos(up, hname) {
                let c = canonical_handling(hname);
                if !rec.handling.contains(&c) {
                    rec.handling.push(c);
                }
                rec.add_span("handling", [l.start + a, l.start + a + hname.len()]);
            }
        }
    }

    // Distribution: office symbols of the routing grid above the body.
    for i in doc.doc_start..body_from.min(n) {
        if doc.role[i] != Role::Body {
            continue;
        }
        let l = doc.lines[i];
        let t = strip_md(l.text.trim()).trim_start_matches(['-', '_', ' ']);
        if t.is_empty() {
            continue;
        }
        let toks: Vec<&str> = t.split_whitespace().collect();
        let grid = toks.iter().all(|w| w.len() <= 5) && toks.len() <= 6;
        if !grid {
            continue;
        }
        let mut any = false;
        for w in &toks {
            if (1..=5).contains(&w.len())
                && w.bytes().all(|c| c.is_ascii_uppercase())
                && !matches!(*w, "AM" | "PM" | "FILE" | "INFO" | "NIACT" | "RPT" | "END" | "GP")
            {
                if !rec.distribution.iter().any(|d| d == w) {
                    rec.distribution.push(w.to_string());
                }
                any = true;
            }
        }
        if any {
            rec.add_span("distribution", l.span());
            doc.role[i] = Role::Header;
        }
    }

    // Signature: a short line of capitals closing the text.
    let from_form = form.get("FROM").map(|v| v.to_ascii_uppercase());
    let sig = if rec.signed.is_none() {
        signature(doc, body_from, from_form.as_deref())
    } else {
        None
    };
    if let Some((k, name)) = sig {
        rec.signed = Some(name.to_string());
        rec.add_span("signed", sub_span(src, 0, name));
        doc.role[k] = Role::Header;
    } else if let (None, Some((name, sp))) = (&rec.signed, personal) {
        // A personal cable is signed by the sender its FOR/FROM line names.
        rec.signed = Some(name.to_string());
        rec.add_span("signed", sp);
    }

    // Pages.
    let marks = doc.page_marks.iter().map(|m| m.0).max();
    if let Some(p) = marks {
        rec.pages = Some(p);
        for m in &doc.page_marks {
            rec.add_span("pages", m.1);
        }
    } else if let Some(v) = form.get("PAGES") {
        let d: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(p) = d.parse::<u32>() {
            if p > 0 {
                rec.pages = Some(p);
                rec.add_span("pages", sub_span(src, 0, v));
            }
        }
    } else if doc.transcript_pages > 0 {
        let p = doc.transcript_pages - u32::from(doc.form.is_some() && doc.transcript_pages > 1);
        rec.pages = Some(p);
    }

    // Body: from the end of the header to the signature.
    let start = body_from.max(doc.doc_start);
    let end = sig.map(|s| s.0).filter(|&k| k > start).unwrap_or_else(|| {
        (start..n)
            .rev()
            .find(|&i| doc.role[i] == Role::Body && !doc.lines[i].is_blank())
            .map_or(start, |i| i + 1)
    });
    doc.body_start = Some(start);
    doc.body_end = Some(end);
}

/// `PAGE 01 BUSEC 48 011327Z`: the series and number between the page
/// number and the date-time group of a telegram's page head.
fn page_head_cite(s: &str) -> Option<&str> {
    let r = s.strip_prefix("PAGE ")?.trim_start();
    let d = r.bytes().take_while(u8::is_ascii_digit).count();
    if d == 0 || d > 2 {
        return None;
    }
    let r = r[d..].trim();
    let (head, last) = r.rsplit_once(' ')?;
    let dtg = last.len() == 7 && last.ends_with('Z') && last[..6].bytes().all(|c| c.is_ascii_digit());
    dtg.then_some(head.trim_end())
}

/// Where the header seems to end, before the body bounds are known.
fn body_from_guess(h: &Header, doc: &Doc) -> usize {
    h.last.map_or(doc.doc_start, |l| l + 1)
}

/// Ordered rules on the document's own heading, then the form's title.
fn doc_type(src: &str, doc: &Doc, form: &Form, rec: &mut Record) -> &'static str {
    let n = doc.lines.len();
    let mut seen = 0;
    for i in doc.doc_start..n {
        let l = doc.lines[i];
        let t = strip_md(l.text.trim());
        if t.is_empty() || matches!(doc.role[i], Role::Stamp | Role::Page) {
            continue;
        }
        seen += 1;
        if seen > 70 {
            break;
        }
        let up = doc.upper_of(t);
        let short = t.len() <= 60;
        // FBI airtels and teletypes, CIA cables and message forms are telegrams.
        let telegram = word_pos(&up, "AIRTEL").is_some()
            || up.starts_with("INCOMING T")
            || up.starts_with("OUTGOING T")
            || short
                && (["TELEGRAM", "TELETYPE", "CABLEGRAM"]
                    .iter()
                    .any(|w| word_pos(&up, w).is_some())
                    || [
                        "CLASSIFIED MESSAGE",
                        "MESSAGE FORM",
                        "CABLE SECRETARIAT",
                        "OUTGOING MESSAGE",
                        "INCOMING MESSAGE",
                    ]
                    .iter()
                    .any(|w| up.contains(w)))
            || cite_pos(t).is_some();
        let ty = if short && word_pos(&up, "AIRGRAM").is_some() {
            Some("airgram")
        } else if telegram {
            Some("telegram")
        } else if short && word_pos(&up, "DISPATCH").is_some() && !up.contains("SYMBOL") {
            Some("despatch")
        } else if short && (up.starts_with("MEMORANDUM") || up.contains("MEMORANDUM FOR") || up == "MEMO") {
            Some("memorandum")
        } else if short && (up.contains("INFORMATION REPORT") || up.contains("INFORMATION CABLE")) {
            // CIA information reports went out by telegram.
            Some("telegram")
        } else if t.len() <= 40 && word_pos(&up, "MEMORANDUM").is_some() {
            Some("memorandum")
        } else if short
            && (up.contains("AGENT REPORT")
                || up.contains("INTELLIGENCE REPORT")
                || up.contains("CHARACTER OF CASE")
                || up.contains("ADMINISTRATIVE PAGE")
                || up.starts_with("REPORT OF"))
        {
            Some("report")
        } else {
            None
        };
        if let Some(ty) = ty {
            rec.doc_type = Some(ty.to_string());
            rec.add_span("doc_type", sub_span(src, 0, t));
            return ty;
        }
    }
    for label in ["TITLE", "DOCUMENT TYPE"] {
        let Some(v) = form.get(label) else { continue };
        if let Some(ty) = type_from_title(v) {
            rec.doc_type = Some(ty.to_string());
            rec.add_span("doc_type", sub_span(src, 0, v));
            return ty;
        }
    }
    // A form printed labels first: its title value stands alone on a line.
    if let Some((a, b)) = doc.form {
        for i in a..b {
            let t = doc.lines[i].text.trim();
            let up = t.to_ascii_uppercase();
            if matches!(
                up.as_str(),
                "MEMO"
                    | "MEMORANDUM"
                    | "LETTER"
                    | "AIRTEL"
                    | "TELETYPE"
                    | "CABLE"
                    | "TELEGRAM"
                    | "REPORT"
                    | "AIRGRAM"
                    | "DISPATCH"
            ) {
                if let Some(ty) = type_from_title(t) {
                    rec.doc_type = Some(ty.to_string());
                    rec.add_span("doc_type", doc.lines[i].span());
                    return ty;
                }
            }
        }
    }
    // The printed furniture of cable forms.
    for i in doc.doc_start..n {
        let up = doc.upper_of(doc.lines[i].text);
        if [
            "END OF MESSAGE",
            "ISSUING OFFICE IS PROHIBITED",
            "FORBIDDEN TO COPY OR REPRODUCE",
            "CLASSIFIED MESSAGE",
        ]
        .iter()
        .any(|w| up.contains(w))
        {
            rec.doc_type = Some("telegram".into());
            rec.add_span("doc_type", doc.lines[i].span());
            return "telegram";
        }
    }
    rec.doc_type = Some("other".into());
    rec.warn("document type not recognised");
    "other"
}

/// The type a title or document-type value names.
fn type_from_title(v: &str) -> Option<&'static str> {
    let up = v.to_ascii_uppercase();
    if up.contains("AIRGRAM") {
        Some("airgram")
    } else if ["TELEGRAM", "CABLE", "TELETYPE", "AIRTEL", "EMBTEL", "DEPTEL", "MESSAGE"]
        .iter()
        .any(|w| up.contains(w))
    {
        Some("telegram")
    } else if up.contains("DISPATCH") || up.contains("DESPATCH") {
        Some("despatch")
    } else if up.contains("MEMO") {
        Some("memorandum")
    } else if up.contains("LETTER") {
        Some("letter")
    } else if up.contains("REPORT") {
        Some("report")
    } else {
        None
    }
}

fn word_pos(up: &str, w: &str) -> Option<usize> {
    let b = up.as_bytes();
    let wb = w.as_bytes();
    let first = *wb.first()?;
    if wb.len() > b.len() {
        return None;
    }
    // A byte scan for the first letter: on short lines it beats the set-up
    // of a substring searcher.
    let last = b.len() - wb.len();
    let mut from = 0;
    while from <= last {
        let p = b[from..=last].iter().position(|&c| c == first)?;
        let a = from + p;
        let e = a + wb.len();
        if &b[a..e] == wb {
            let ok_l = a == 0 || !b[a - 1].is_ascii_alphabetic();
            let ok_r = e >= b.len() || !b[e].is_ascii_alphabetic();
            if ok_l && ok_r {
                return Some(a);
            }
        }
        from = a + 1;
    }
    None
}

/// `CITE` followed by a station and a number, in a cable header line.
fn cite_pos(t: &str) -> Option<usize> {
    let p = word_pos(t, "CITE")?;
    read_cite(&t[p..]).map(|_| p)
}

/// `CITE MEXICO CITY 53620`: station, number and the range of both.
fn read_cite(s: &str) -> Option<(String, String, usize, usize)> {
    let rest = s.strip_prefix("CITE")?;
    let off = 4 + rest.len() - rest.trim_start_matches([' ', ':']).len();
    let r = &s[off..];
    let mut words = Vec::new();
    let mut pos = 0;
    for w in r.split(' ') {
        if w.is_empty() {
            pos += 1;
            continue;
        }
        // `CITE (MADRID) 40791`: the station in brackets.
        let core = w.trim_matches(['(', ')']);
        if !core.is_empty() && core.bytes().all(|c| c.is_ascii_uppercase()) && words.len() < 3 {
            words.push(core);
            pos += w.len() + 1;
            continue;
        }
        let d: String = w.chars().take_while(|c| c.is_ascii_digit()).collect();
        if (3..=7).contains(&d.len()) && !words.is_empty() {
            let end = off + pos + d.len();
            return Some((words.join(" "), d, off, end));
        }
        break;
    }
    None
}

/// CIA station designators as cables cite them, for the originator's name.
fn station_name(code: &str, full: &str) -> String {
    let name = match code {
        "LOND" => "LONDON",
        "MEXI" => "MEXICO CITY",
        "PARI" => "PARIS",
        "BONN" => "BONN",
        "SAIG" => "SAIGON",
        "MADR" => "MADRID",
        "HAVA" => "HAVANA",
        "OTTA" => "OTTAWA",
        "STOC" => "STOCKHOLM",
        "HELS" => "HELSINKI",
        "MOSC" => "MOSCOW",
        "TOKY" => "TOKYO",
        "CARA" => "CARACAS",
        "DIR" => "DIRECTOR",
        _ => return full.to_string(),
    };
    name.to_string()
}

/// `748, OCTOBER 19, 1 PM`: a telegram's number and date standing alone.
fn telegram_number_line(t: &str) -> bool {
    let d = t.bytes().take_while(|c| c.is_ascii_digit()).count();
    if d == 0 || d > 5 || !t[d..].starts_with(',') {
        return false;
    }
    if month_day(&t[d..]).is_some_and(|(_, _, a, _)| a < d + 6) {
        return true;
    }
    // `660, NOVEMBER 416, 11 AM`: the day misread, the month still there.
    let w = t[d + 1..].trim_start();
    let w = w.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
    date::month_number(w).is_some()
}

/// A month name followed by a day: month, day and their byte range.
fn month_day(s: &str) -> Option<(u32, u32, usize, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphabetic() {
            let st = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            if let Some(m) = date::month_number(&s[st..i]) {
                let mut j = i;
                while j < b.len() && matches!(b[j], b' ' | b'.' | b':' | b',') {
                    j += 1;
                }
                let ds = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if (1..=2).contains(&(j - ds)) {
                    let d: u32 = s[ds..j].parse().ok()?;
                    if (1..=31).contains(&d) {
                        return Some((m, d, st, j));
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Lines from the document's start in which its own date is looked for
/// when no header field holds it: the first page or so.
const DATE_SEARCH_LINES: usize = 200;

/// The document's date written on its first page: the first date not on
/// a reference line (which dates the papers it cites). Stamps and the
/// identification form are not the document. (Preferring a dateline, or
/// leaving out dates after "on" or "dated", loses more than it wins on
/// the NARA set: the first date of the text is usually the document's.)
fn written_date_of_origin(doc: &Doc) -> Option<(String, [usize; 2])> {
    let lines = doc.doc_start..doc.lines.len().min(doc.doc_start + DATE_SEARCH_LINES);
    for i in lines {
        if doc.role[i] == Role::Stamp || doc.role[i] == Role::Form {
            continue;
        }
        let l = doc.lines[i];
        let written = date::find_written(l.text).map(|f| (f.iso, f.start, f.end));
        // A cable's date-time group, however damaged, on the same terms.
        let group = dtg::find(l.text);
        let first = match (written, group) {
            (Some(w), Some(g)) => Some(if g.1 < w.1 { g } else { w }),
            (w, g) => w.or(g),
        };
        let Some((iso, a, b)) = first.filter(|f| plausible(&f.0)) else {
            continue;
        };
        if origin::on_reference_line(l.text, a) {
            continue;
        }
        return Some((iso, [l.start + a, l.start + b]));
    }
    None
}

/// The year of the header (`Rec'd: July 17, 1962`).
fn header_year(doc: &Doc, end: usize) -> Option<i32> {
    for i in doc.doc_start..end {
        let t = doc.lines[i].text;
        if let Some(f) = date::find_written(t).filter(|f| plausible(&f.iso)) {
            return f.iso.get(..4)?.parse().ok();
        }
    }
    None
}

/// Dates of origin of these records: the post-war decades. A year outside
/// them is a misread (`05` for `63`) or a release date.
fn plausible(iso: &str) -> bool {
    iso.get(..4)
        .and_then(|y| y.parse::<i32>().ok())
        .is_some_and(|y| (1940..=2000).contains(&y))
}

/// Any plausible date in a field value.
fn date_in(v: &str) -> Option<(String, usize, usize)> {
    date_in_any(v).filter(|d| plausible(&d.0))
}

/// Any date in a field value: written, numeric or a date-time group.
fn date_in_any(v: &str) -> Option<(String, usize, usize)> {
    if let Some(f) = date::find_written(v) {
        return Some((f.iso, f.start, f.end));
    }
    if let Some(f) = date::find_numeric(v) {
        return Some((f.iso, f.start, f.end));
    }
    dtg_date(v)
}

/// A date-time group: `121014Z JUN 70` is 12 June 1970.
fn dtg_date(t: &str) -> Option<(String, usize, usize)> {
    let b = t.as_bytes();
    let mut i = 0;
    while i + 7 <= b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            // OCR often reads the zone letter Z as 2: `0313182 AUG 78`.
            let zone = if i - st == 6 && i < b.len() && b[i] == b'Z' {
                Some(i)
            } else if i - st == 7 && b[i - 1] == b'2' && b.get(i) == Some(&b' ') {
                Some(i - 1)
            } else {
                None
            };
            if let Some(i) = zone {
                let rest = &t[i + 1..];
                let toks: Vec<&str> = rest.split_whitespace().take(2).collect();
                if toks.len() == 2 {
                    if let (Some(m), true) = (date::month_number(toks[0]), toks[1].len() == 2 || toks[1].len() == 4) {
                        let yv: i32 = toks[1].parse().ok()?;
                        let y = if toks[1].len() == 2 { 1900 + yv } else { yv };
                        let d: u32 = t[st..st + 2].parse().ok()?;
                        if let Some(iso) = date::iso(y, m, d) {
                            let end = t[i..].find(toks[1]).map_or(i + 1, |p| i + p + toks[1].len());
                            return Some((iso, st, end));
                        }
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Is this an outgoing telegram of the Department?
fn outgoing(doc: &Doc, end: usize) -> bool {
    // Either test below needs `OUTGOING T` in the text's capitals.
    if !doc.up.contains("OUTGOING T") {
        return false;
    }
    // `OUTGOING TLUCRAM`: the heading's first word survives OCR better.
    (doc.doc_start..end).any(|i| {
        let t = doc.lines[i]
            .text
            .trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        t.len() < 70 && (contains_ci(t, "OUTGOING TELEGRAM") || t.starts_with("OUTGOING T"))
    })
}

/// Does `t` hold `phrase`, allowing a letter or two of OCR damage?
fn near_phrase(t: &str, phrase: &str) -> bool {
    if contains_ci(t, phrase) {
        return true;
    }
    let w: Vec<&str> = t.split_whitespace().collect();
    let k = phrase.split_whitespace().count();
    w.windows(k)
        .any(|win| near(&win.join(" "), &phrase.to_ascii_uppercase(), 2))
}

fn next_text_line(doc: &Doc, i: usize) -> Option<usize> {
    (i + 1..doc.lines.len().min(i + 4))
        .find(|&k| !doc.lines[k].is_blank() && matches!(doc.role[k], Role::Body | Role::Header))
}

fn is_any_label(t: &str) -> bool {
    [
        "FROM",
        "TO",
        "INFO",
        "SUBJECT",
        "REF",
        "DATE",
        "NO",
        "ACTION",
        "CITE",
        "MEMORANDUM FOR",
        "ATTENTION",
        "REFERENCE",
    ]
    .iter()
    .any(|l| label_value(t, l, false).is_some())
        || t.starts_with(|c: char| c.is_ascii_digit()) && t.get(1..3).is_some_and(|x| x.starts_with('.'))
}

/// `MEXICO CITY eimai`, `SAIGON a ei 6256 AM`: a name in capitals and
/// the OCR noise after it.
fn caps_head(v: &str) -> &str {
    let mut end = 0;
    for w in v.split_whitespace() {
        let caps = w.bytes().any(|c| c.is_ascii_uppercase())
            && !w.bytes().any(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !caps {
            break;
        }
        end = sub_span(v, 0, w)[1];
    }
    let first_caps = v
        .split_whitespace()
        .next()
        .is_some_and(|w| w.len() > 1 && !w.bytes().any(|c| c.is_ascii_lowercase()));
    // `FE - Samuel Whitcomb`: an office and the officer's name after a dash.
    let rest = v[end..].trim_start();
    if let Some(name) = rest.strip_prefix("- ") {
        let words: Vec<&str> = name.split_whitespace().collect();
        let named = (2..=4).contains(&words.len())
            && words.iter().all(|w| {
                let b = w.as_bytes();
                b[0].is_ascii_uppercase() && b[1..].iter().all(|c| c.is_ascii_lowercase() || *c == b'.')
            });
        if first_caps && end > 0 && named {
            return v.trim_end();
        }
    }
    if first_caps && end > 0 {
        &v[..end]
    } else {
        v
    }
}

/// Addressee text as written, without OCR debris around it.
fn clean_addr(v: &str) -> &str {
    let v = v
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric() && c != ')' && c != '(');
    // Cut at a double space or a run of lower-case noise after capitals.
    let v = v.split("  ").next().unwrap_or(v);
    v.trim_end_matches([' ', '.', ',', ':', ';', '\\', '|'])
}

fn split_at_word<'s>(v: &'s str, w: &str) -> (&'s str, &'s str) {
    match word_pos(v, w) {
        Some(p) => {
            let rest = v[p + w.len()..].trim_start_matches([':', ' ', ';']);
            (&v[..p], rest)
        }
        None => (v, ""),
    }
}

/// Splits an addressee list (`ALL OTHER NATO CAPITALS AND MOSCOW`) and
/// drops what follows an addressee on a routing line (`EYES ONLY FOR ...`).
fn push_addrs(src: &str, v: &str, out: &mut Vec<(String, [usize; 2])>) {
    let v = v.trim();
    if v.is_empty() {
        return;
    }
    let mut v = v;
    for stop in [" EYES ONLY", "/EYES ONLY", "/", " FOR ", " ATTN", " ATTENTION", "  "] {
        if let Some(p) = v.find(stop) {
            if p > 0 {
                v = &v[..p];
            }
        }
    }
    let caps = v.bytes().filter(|c| c.is_ascii_lowercase()).count() == 0;
    // `Director, FBI (62-109060)` is one addressee; capital lists split.
    let parts: Vec<&str> = if caps && !v.contains('(') && !v.starts_with("DIRECTOR, FBI") {
        v.split([',', ';']).flat_map(|p| split_and(p)).collect()
    } else {
        vec![v]
    };
    for p in parts {
        let mut p = clean_addr(p);
        for w in PRECEDENCES {
            if let Some(r) = p.strip_prefix(w).filter(|r| r.starts_with(' ')) {
                p = r.trim_start();
            }
        }
        // The addressee's serial number after it: `Amembassy NICOSIA 96`,
        // and the precedence the routing line gives it: `USEC BRUSSELS ROUTINE`.
        while let Some((head, last)) = p.rsplit_once(' ') {
            let core = last.trim_end_matches(['.', ',', ';']);
            let precedence = matches!(core, "ROUTINE" | "PRIORITY" | "IMMEDIATE" | "NIACT" | "FLASH");
            if precedence || !core.is_empty() && core.bytes().all(|c| c.is_ascii_digit()) {
                p = head.trim_end();
            } else {
                break;
            }
        }
        let letters = p.chars().filter(|c| c.is_alphabetic()).count();
        // A form's printed caption, `(Officer designation, room number...`.
        if letters < 2 || p.len() > 80 || p.starts_with('(') {
            continue;
        }
        p = drop_noise_tail(p);
        let fixed = if secretary_of_state(p) {
            "Secretary of State".to_string()
        } else {
            fix_amembassy(p)
        };
        out.push((fixed, sub_span(src, 0, p)));
    }
}

fn split_and(p: &str) -> Vec<&str> {
    match p.find(" AND ") {
        Some(k) => vec![&p[..k], &p[k + 5..]],
        None => vec![p],
    }
}

/// `SECRETARY OF. STATE`, `RETARY OF STATE`, `Secretary of State yg`.
fn secretary_of_state(p: &str) -> bool {
    let letters: String = p
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    letters.len() <= 22 && secretary_of_state_in(p)
}

/// Does the line name the Secretary of State, allowing OCR damage?
fn secretary_of_state_in(t: &str) -> bool {
    const S: &str = "SECRETARYOFSTATE";
    let letters: Vec<u8> = t
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() < 12 || letters.len() > 60 {
        return false;
    }
    let l = String::from_utf8_lossy(&letters).into_owned();
    if l.contains(S) {
        return true;
    }
    // Three edits leave one of four quarters of the phrase whole: without
    // any of them no window can be near it.
    if !["SECR", "ETAR", "YOFS", "TATE"].iter().any(|q| l.contains(q)) {
        return false;
    }
    // Windows of about the phrase's length, three letters off at most.
    (0..=l.len().saturating_sub(13)).any(|a| (13..=19).any(|w| l.get(a..a + w).is_some_and(|x| near(x, S, 3))))
}

/// `Mr. W. C. Sullivan na ons tene`: lower-case OCR debris after a name
/// (particles such as `of` and `to` belong to it).
fn drop_noise_tail(p: &str) -> &str {
    const PARTICLES: &[&str] = &[
        "of", "the", "to", "and", "for", "de", "del", "la", "van", "von", "y", "du", "da", "in", "on",
    ];
    let mut end = p.len();
    let mut seen_name = false;
    for w in p.split_whitespace() {
        let lower = w.starts_with(|c: char| c.is_ascii_lowercase());
        if lower && seen_name && !PARTICLES.contains(&w) {
            end = sub_span(p, 0, w)[0];
            break;
        }
        seen_name |= w.starts_with(|c: char| c.is_ascii_uppercase());
    }
    p[..end].trim_end()
}

/// `Amembazgy NICOSIA` is `Amembassy NICOSIA`.
fn fix_amembassy(p: &str) -> String {
    let mut w = p.split_whitespace();
    let first = w.next().unwrap_or("");
    let lower = first.to_ascii_lowercase();
    // The word spelled right in capitals is kept as written.
    if first != "AMEMBASSY"
        && (7..=10).contains(&first.len())
        && lower.starts_with("ame")
        && near(&lower, "AMEMBASSY", 3)
    {
        let rest: Vec<&str> = w.collect();
        return format!("Amembassy {}", rest.join(" ")).trim().to_string();
    }
    p.to_string()
}

/// `ACTION DEPARTMENT 115 INFORMATION ...`: a State routing line.
fn routing_start(t: &str) -> Option<usize> {
    let up = t.to_ascii_uppercase();
    let p = word_pos(&up, "ACTION")?;
    let rest = up[p + 6..].trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let first = rest.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
    let dept = is_department(first) || rest.starts_with("SECSTATE") || rest.starts_with("DEPT");
    // `ACTION LEOPOLDVILLE PRIORITY 517; INFORMATION DEPARTMENT 612`.
    let other = p == 0 && rest.starts_with(|c: char| c.is_ascii_uppercase()) && word_pos(&up, "INFORMATION").is_some();
    (dept || other).then_some(p)
}

/// `DEPARTMENT`, or OCR's `DEPARIMENT`.
fn is_department(w: &str) -> bool {
    (8..=12).contains(&w.len()) && w.starts_with('D') && near(w, "DEPARTMENT", 2)
}

fn routing_continuation(t: &str) -> bool {
    let toks: Vec<&str> = t.split_whitespace().collect();
    !toks.is_empty()
        && toks.len() <= 16
        && t.bytes().any(|c| c.is_ascii_digit())
        && t.bytes().filter(|c| c.is_ascii_lowercase()).count() == 0
        && label_value(t, "REF", false).is_none()
        && !t.starts_with(|c: char| c.is_ascii_digit())
        // `CONTEL 113.` opening the text is a reference, not an addressee.
        && msgid::series_word(toks[0].trim_end_matches(['.', ','])).is_none_or(|w| w == "NIACT")
}

/// Addressee groups of a routing line: runs of capitalised words broken by
/// numbers and precedence indicators.
fn routing_groups(src: &str, t: &str, out: &mut Vec<(String, [usize; 2])>) {
    let start = routing_start(t).map_or(0, |p| p + 6).min(t.len());
    let s = &t[start..];
    let mut cur: Vec<&str> = Vec::new();
    let flush = |cur: &mut Vec<&str>, out: &mut Vec<(String, [usize; 2])>| {
        if let (Some(a), Some(b)) = (cur.first(), cur.last()) {
            let sa = sub_span(src, 0, a)[0];
            let sb = sub_span(src, 0, b)[1];
            let name = cur.join(" ").to_ascii_uppercase();
            out.push((name, [sa, sb]));
        }
        cur.clear();
    };
    let mut rest = s;
    while !rest.is_empty() {
        let cut = rest
            .find(|c: char| c.is_whitespace() || ",.:;•=\"'“”-!".contains(c))
            .unwrap_or(rest.len());
        let w = &rest[..cut];
        let sep = rest[cut..].chars().next();
        rest = sep.map_or("", |c| &rest[cut + c.len_utf8()..]);
        let ends = sep.is_some_and(|c| ",;.!".contains(c));
        if w.is_empty() {
            if ends {
                flush(&mut cur, out);
            }
            continue;
        }
        let up = w.to_ascii_uppercase();
        let alpha = w.chars().all(|c| c.is_ascii_alphabetic()) && w.len() >= 2;
        let stop = up.starts_with("UNNUMB")
            || matches!(
                up.as_str(),
                "INFORMATION"
                    | "INFO"
                    | "ACTION"
                    | "RPT"
                    | "NIACT"
                    | "PRIORITY"
                    | "IMMEDIATE"
                    | "ROUTINE"
                    | "FLASH"
                    | "OPERATIONAL"
                    | "PASS"
                    | "UNNUMBERED"
            );
        let mostly_caps = w.bytes().filter(|c| c.is_ascii_uppercase()).count() * 2 > w.len();
        if alpha && !stop && mostly_caps && (w.len() >= 3 || !cur.is_empty()) {
            cur.push(w);
            if ends {
                flush(&mut cur, out);
            }
        } else {
            flush(&mut cur, out);
        }
    }
    flush(&mut cur, out);
}

/// The FBI file and serial number stamped on a serialized document
/// (`62-109060-3681`).
fn fbi_file_serial(src: &str, doc: &Doc) -> Option<(String, [usize; 2])> {
    for i in doc.doc_start..doc.lines.len() {
        let t = doc.lines[i]
            .text
            .trim()
            .trim_matches(|c: char| !c.is_ascii_alphanumeric());
        // The shape's length bounds first, before splitting.
        if !(8..=17).contains(&t.len()) {
            continue;
        }
        let p: Vec<&str> = t.split('-').collect();
        if p.len() == 3
            && (2..=3).contains(&p[0].len())
            && (4..=7).contains(&p[1].len())
            && (1..=5).contains(&p[2].len())
            && p.iter().all(|x| x.bytes().all(|c| c.is_ascii_digit()))
            && !is_record_number(t)
        {
            return Some((t.to_string(), sub_span(src, 0, t)));
        }
    }
    None
}

/// A CIA dispatch's symbol and number: `OELA-51949`, `HMMA - 22,433`,
/// read from the `DISPATCH SYMBOL AND NUMBER` box or a line holding one.
fn dispatch_number(src: &str, doc: &Doc) -> Option<(String, [usize; 2])> {
    let n = doc.lines.len();
    for i in doc.doc_start..n {
        let t = doc.lines[i].text;
        let Some(p) = find_ci(t, "SYMBOL AND NUMBER") else {
            continue;
        };
        let after = t[p + 17..].trim_start_matches([':', ' ']);
        let v = if after.is_empty() {
            next_text_line(doc, i).map_or("", |k| doc.lines[k].text)
        } else {
            after
        };
        if let Some(x) = parse_dispatch(src, v, true) {
            return Some(x);
        }
    }
    (doc.doc_start..n)
        .filter(|&i| matches!(doc.role[i], Role::Body | Role::Header))
        .find_map(|i| parse_dispatch(src, doc.lines[i].text, false))
}

/// `UFGA-16,980` (or, in the box, `UFGA 16,980`) standing alone.
fn parse_dispatch(src: &str, v: &str, boxed: bool) -> Option<(String, [usize; 2])> {
    let t = strip_md(v.trim()).trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let a = t.get(..4)?;
    let rest = t[4..].trim_start();
    let b = match rest.strip_prefix('-') {
        Some(r) => r.trim_start(),
        None if boxed && rest.len() < t.len() - 4 => rest,
        None => return None,
    };
    let digits: String = b.chars().filter(|c| c.is_ascii_digit()).collect();
    let ok = a.bytes().all(|c| c.is_ascii_uppercase())
        && b.bytes().all(|c| c.is_ascii_digit() || c == b',')
        && (4..=6).contains(&digits.len());
    ok.then(|| (format!("{a}-{digits}"), sub_span(src, 0, t)))
}

/// `HDG:mls`: the dictator's and typist's initials of an FBI document.
fn is_fbi_initials(t: &str) -> bool {
    let Some((a, b)) = t.split_once(':') else {
        return false;
    };
    (2..=4).contains(&a.len())
        && (2..=4).contains(&b.len())
        && a.bytes().all(|c| c.is_ascii_uppercase())
        && b.bytes().all(|c| c.is_ascii_lowercase())
}

/// The words an approval or a form number needs (in the text's capitals).
/// Longest officer's name and office a drafting or approval line holds.
const MAX_OFFICER_CHARS: usize = 60;

/// Most words a caption puts before "approved by" ("Contents and
/// Classification Approved by").
const MAX_APPROVAL_CAPTION_WORDS: usize = 4;

/// Where "approved by" starts when it is a form's caption: at the start
/// of the line or after a few caption words with no sentence among them.
/// In "which UN believes approved by entire Politburo" it is prose.
fn approval_caption(t: &str) -> Option<usize> {
    let p = find_ci(t, "approved by")?;
    let caption = &t[..p];
    let words = caption.split_whitespace().count();
    let sentence = caption.contains(['.', ',', ';', '?', '!']);
    (words <= MAX_APPROVAL_CAPTION_WORDS && !sentence).then_some(p)
}

fn officer_words_re() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new("APPROVED BY|FORM|FD-").expect("valid regex"))
}

/// `FORM DS-323`, `FD-36 (Rev. 12-13-56)`: the printed form's number.
fn form_number(t: &str) -> Option<(String, usize, usize)> {
    let up = t.to_ascii_uppercase();
    let (p, skip) = if let Some(p) = word_pos(&up, "FORM") {
        let r = &up[p + 4..];
        let r2 = r
            .trim_start_matches([' ', '.'])
            .trim_start_matches("NO")
            .trim_start_matches([' ', '.']);
        (p, 4 + r.len() - r2.len())
    } else if up.starts_with("FD-") {
        (0, 0)
    } else {
        return None;
    };
    let s = &t[p + skip..];
    let tok = s.split([' ', '(', ',']).next().unwrap_or("");
    let (a, b) = tok.split_once('-')?;
    let ok = (1..=3).contains(&a.len())
        && a.bytes().all(|c| c.is_ascii_uppercase())
        && !b.is_empty()
        && b.len() <= 5
        && b.bytes().all(|c| c.is_ascii_alphanumeric())
        && b.as_bytes()[0].is_ascii_digit();
    ok.then(|| (tok.to_string(), p + skip, p + skip + tok.len()))
}

/// An FBI-style caption: capitals under the TO/FROM lines, above the date.
fn caption(src: &str, doc: &Doc, h: &Header) -> Option<(String, [usize; 2])> {
    let (Some((ti, _)), Some((fi, _))) = (h.to, h.from) else {
        return None;
    };
    let mut k = ti.max(fi);
    let mut parts: Vec<&str> = Vec::new();
    let mut span = [0, 0];
    while let Some(nk) = next_text_line(doc, k) {
        let t = strip_md(doc.lines[nk].text.trim());
        let lower = t.bytes().filter(|c| c.is_ascii_lowercase()).count();
        if lower > 0 || t.len() < 3 || parts.len() >= 6 || classification_at_start(t).is_some() || is_any_label(t) {
            break;
        }
        if parts.is_empty() {
            span[0] = sub_span(src, 0, t)[0];
        }
        span[1] = sub_span(src, 0, t)[1];
        parts.push(t);
        k = nk;
    }
    (parts.len() >= 2).then(|| (parts.join(" "), span))
}

/// Citations in a line: the series forms (`DEPTEL 558`), a telegram by
/// number (`telegram 411`), FBI references (`Buairtel 8/7/64`) and, in a
/// REF line or a line in capitals, a station and number (`ZURICH 1622`,
/// `DIR 84603`, `IN 39851`).
fn ref_cites(s: &str, station_pairs: bool) -> Vec<(String, usize, usize)> {
    ref_cites_in(s, station_pairs, true)
}

/// Lines that may hold an FBI reference: found in one pass over the
/// text's capitals, so that the reference scan runs only where it can
/// find something.
fn fbi_ref_candidates() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"(?:BU|UR|MY|RE)(?:AIRTEL|LET|TELETYPE|TEL)").expect("valid regex"))
}

/// [`ref_cites`], told whether the line may hold an FBI reference at all.
fn ref_cites_in(s: &str, station_pairs: bool, fbi: bool) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = msgid::find_cites(s)
        .into_iter()
        .map(|c| (c.id, c.start, c.end))
        .collect();
    // Series citations in order of position, for overlap tests by search.
    let covered: Vec<(usize, usize)> = out.iter().map(|o| (o.1, o.2)).collect();
    // A line holds few ids: a list is cheaper than a set.
    let mut ids: Vec<String> = out.iter().map(|o| o.0.clone()).collect();
    let toks = tokens(s);
    for k in 0..toks.len() {
        let (a, w) = toks[k];
        let Some(&(nb, num)) = toks.get(k + 1) else {
            continue;
        };
        // Cheap tests first: most pairs are two words.
        if !num.as_bytes()[0].is_ascii_digit() || !num.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
            continue;
        }
        let gap = &s[a + w.len()..nb];
        if gap.len() > 3 || gap.contains(['\n', ',']) {
            continue;
        }
        let nclean: String = num.chars().filter(|c| c.is_ascii_digit()).collect();
        let end = nb + num.trim_end_matches('.').len();
        let named = ["telegram", "tel", "airgram", "cable"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(w));
        if named && nclean.len() <= 5 {
            out.push((format!("{} {nclean}", w.to_ascii_uppercase()), a, end));
            continue;
        }
        if !station_pairs || !(2..=7).contains(&nclean.len()) || w.len() < 2 {
            continue;
        }
        let caps = w.bytes().all(|c| c.is_ascii_uppercase()) || (w.as_bytes()[0].is_ascii_uppercase() && w.len() >= 4);
        if !caps || date::month_number(w).is_some() || STOP_PAIR.iter().any(|x| x.eq_ignore_ascii_case(w)) {
            continue;
        }
        if nclean.len() < 3 && w.len() < 4 {
            continue;
        }
        let id = format!("{} {nclean}", w.to_ascii_uppercase());
        let k = covered.partition_point(|c| c.0 <= a);
        let inside = k > 0 && a < covered[k - 1].1;
        if !inside && !ids.contains(&id) {
            ids.push(id.clone());
            out.push((id, a, end));
        }
    }
    // FBI: `ReBuairtel 8/7/64`, `Bulet 5/1/64`, `urairtel dated ...`.
    if !fbi {
        return out;
    }
    let low = s.to_ascii_lowercase();
    for key in ["airtel", "let", "teletype", "tel"] {
        let mut from = 0;
        while let Some(p) = low.get(from..).and_then(|x| x.find(key)) {
            let at = from + p;
            from = at + key.len();
            // The word's start, looking back a few letters only (prefixes
            // are short), so that a run of letters cannot make this quadratic.
            let ws = s[..at]
                .char_indices()
                .rev()
                .take(8)
                .find(|(_, c)| !c.is_ascii_alphabetic())
                .map_or(at.saturating_sub(8), |(x, c)| x + c.len_utf8());
            let word = &s[ws..at + key.len()];
            let lw = word.to_ascii_lowercase();
            let pre = &lw[..lw.len() - key.len()];
            if !matches!(pre, "bu" | "rebu" | "ur" | "reur" | "my" | "remy" | "re")
                || s[at + key.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
            {
                continue;
            }
            let rest = &s[at + key.len()..];
            let r = rest.trim_start_matches([' ', 's']);
            let r = r.strip_prefix("dated ").unwrap_or(r);
            if let Some(f) = date::find_numeric(r).filter(|f| f.start == 0) {
                let off = at + key.len() + (rest.len() - r.len());
                let id = format!(
                    "{} {}",
                    word.trim_start_matches(['R', 'r', 'e']).to_ascii_uppercase(),
                    &r[..f.end]
                );
                let id = if id.starts_with("BU") || id.starts_with("UR") || id.starts_with("MY") {
                    id
                } else {
                    format!("RE{id}")
                };
                out.push((id, ws, off + f.end));
            }
        }
    }
    out
}

const STOP_PAIR: &[&str] = &[
    "PAGE",
    "FILE",
    "PARA",
    "PARAGRAPH",
    "SECTION",
    "GROUP",
    "GP",
    "ROOM",
    "BOX",
    "NO",
    "NR",
    "NUMBER",
    "TOTAL",
    "COPY",
    "COPIES",
    "FORM",
    "AGE",
    "AT",
    "ON",
    "OF",
    "THE",
    "AND",
    "TO",
    "BY",
    "FOR",
    "ABOUT",
    "SINCE",
    "YEAR",
    "YEARS",
    "AREA",
    "PHONE",
    "TEL",
    "EXT",
    "CODE",
    "ROUTE",
    "HOTEL",
    "STREET",
    "AVENUE",
    "NW",
    "DOB",
    "SSN",
    "POB",
    "PAGES",
    "TOR",
    "CONTROL",
    "RECD",
    "DTG",
    "ST",
    "IS",
    "WAS",
    "IT",
    "WE",
    "HE",
];

fn tokens(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphabetic() {
            let st = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push((st, &s[st..i]));
        } else if b[i].is_ascii_digit() {
            let st = i;
            while i < b.len()
                && (b[i].is_ascii_digit() || (b[i] == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit()))
            {
                i += 1;
            }
            if i < b.len() && b[i].is_ascii_alphabetic() {
                // `534th`, `9p`: not a number.
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                continue;
            }
            out.push((st, &s[st..i]));
        } else {
            i += 1;
        }
    }
    out
}

/// Words that close a message but are not signatures.
const NOT_SIGNER: &[&str] = &[
    "INITIALS",
    "SECRET",
    "CONFIDENTIAL",
    "UNCLASSIFIED",
    "TOP SECRET",
    "END",
    "END OF MESSAGE",
    "NOTE",
    "FILE",
    "NIACT",
    "PRIORITY",
    "ROUTINE",
    "IMMEDIATE",
    "INFO",
    "ACTION",
    "EYES ONLY",
    "LIMDIS",
    "NOFORN",
    "RYBAT",
    "STAFF",
    "DISTRIBUTION",
    "ENCLOSURE",
    "SANITIZED",
    "ARMY",
    "NAVY",
    "AIR",
    "USIA",
    "CIA",
    "NSA",
    "OSD",
    "INR",
    "RMR",
    "EUR",
    "SCA",
    "NSC",
    "USUN",
    "DDP",
    "DDCI",
    "DCI",
    "FBI",
    "AID",
    "DOD",
    "JCS",
    "DECL",
    "OADR",
    "SECTION",
    "CONTROL",
    "PAGE",
    "COPY",
    "ATTACHMENT",
    "ATTACHMENTS",
    "CLASSIFICATION",
    "RELEASE",
    "REVIEW",
    "INDEX",
    "DESTROY",
    "RETURN",
    "BRANCH",
    "SUBJECT",
    "SUBJ",
    "NONE",
    "RELEASES",
    "RELEASED",
    "RELEASING",
    "CHRONO",
    "AUTHENTICATING",
    "COORDINATING",
    "OFFICER",
    "OFFICERS",
    "COMMENTS",
    "PRECEDENCE",
    "REMARKS",
    "ROUTING",
    "SIGNATURE",
    "APPROVED",
    "CLEARANCE",
    "CLEARANCES",
    "ORIGINATOR",
    "UNIT",
    "DATE",
    "FROM",
    "TO",
    "PRIORITY",
    "SECRETARIAT",
    "DISSEMINATION",
    "MESSAGE",
    "TELEGRAM",
    "AIRGRAM",
    "DISPATCH",
    "MEMORANDUM",
    "INCOMING",
    "OUTGOING",
    "ENCLOSURES",
    "ENCLOSURE",
    "CROSS",
    "RECORD",
    "INDEXED",
    "ABSTRACT",
    "HEADQUARTERS",
    "REF",
    "TEXT",
    "SLUGS",
    "BT",
    "NNNN",
    "WNINTEL",
    "EXDIS",
    "NODIS",
];

/// Finds the signature: a short line of capitals after the body text,
/// where the message ends. The strongest sign of the end wins: a group
/// marking or code-room note between text and name, or a handwritten
/// signature above its typed form; then a full stop before it or initials
/// after it; the first of equals. `hint` (the form's FROM) picks the signer
/// out of a column of names where it matches.
fn signature<'a>(doc: &Doc<'a>, from: usize, hint: Option<&str>) -> Option<(usize, &'a str)> {
    let n = doc.lines.len();
    let mut best: Option<(u32, usize, &'a str)> = None;
    for i in from..n {
        if doc.role[i] != Role::Body {
            continue;
        }
        let t = doc.lines[i].text.trim();
        let Some(name) = signer_name(t) else { continue };
        if hint.is_some_and(|h| {
            h.split(|c: char| !c.is_ascii_alphabetic())
                .any(|w| w.len() >= 3 && w == name)
        }) {
            return Some((i, name));
        }
        let prev = (from.max(i.saturating_sub(24))..i)
            .rev()
            .filter(|&k| doc.role[k] == Role::Body && !doc.lines[k].is_blank())
            .take(6)
            .find(|&k| {
                let u = doc.lines[k].text.trim();
                !(u.len() <= 12 && !u.ends_with('.') && signer_name(u).is_none() || code_room_line(u))
            });
        let Some(pk) = prev else { continue };
        let pt = doc.lines[pk].text.trim();
        if pt.len() < 15 || pt.ends_with(',') {
            continue;
        }
        // Not followed by more text.
        let next = (i + 1..n.min(i + 40)).find(|&k| doc.role[k] == Role::Body && !doc.lines[k].is_blank());
        if next.is_some_and(|k| {
            let u = doc.lines[k].text.trim();
            u.len() >= 30 && !closing_line(u) && !code_room_line(u)
        }) {
            continue;
        }
        let stop_before = pt.ends_with(['.', '!', '?', ')', '"', '\u{2022}']);
        let code_between = (pk + 1..i).any(|k| code_room_line(doc.lines[k].text.trim()));
        let after = (i + 1..n.min(i + 6)).find(|&k| !doc.lines[k].is_blank());
        let code_after = after.is_some_and(|k| {
            let u = doc.lines[k].text.trim();
            doc.role[k] == Role::Body
                && (code_room_line(u)
                    || u.len() <= 8
                        && !matches!(
                            u.trim_matches(|c: char| !c.is_ascii_alphabetic()),
                            "OR" | "AND"
                                | "THE"
                                | "TO"
                                | "OF"
                                | "IN"
                                | "ON"
                                | "AT"
                                | "BY"
                                | "IS"
                                | "IT"
                                | "NO"
                                | "NOT"
                                | "BUT"
                                | "AS"
                                | "A"
                        ))
        });
        let same = pt.eq_ignore_ascii_case(name);
        let score = 3 * u32::from(code_between || same) + u32::from(stop_before) + u32::from(code_after);
        if score == 0 {
            continue;
        }
        if best.is_none_or(|b| score > b.0) {
            best = Some((score, i, name));
        }
    }
    best.map(|b| (b.1, b.2))
}

/// Lines that close a letter or dispatch after the signature.
fn closing_line(u: &str) -> bool {
    [
        "Att",
        "ATT",
        "Encl",
        "ENCL",
        "Distribution",
        "cc",
        "CC",
        "Note",
        "NOTE",
        // The drafting block of an outgoing telegram.
        "Tele",
        "Draft",
        "Clear",
        "Approv",
        "Prepared",
        "Contents",
    ]
    .iter()
    .any(|p| {
        u.trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
            .starts_with(p)
    })
}

/// Group markings and code-room notes between text and signature:
/// `GP-3.`, `SCP -4.`, `CFN 18 AZCUE 18`, `END.`.
fn code_room_line(u: &str) -> bool {
    let up = u
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_ascii_uppercase();
    ["GP", "SCP", "CFN", "CTN", "GROUP", "END", "NNNN", "BT"]
        .iter()
        .any(|p| up.starts_with(p))
        || up.contains("ADVANCE COP")
        || up.contains("CWO")
        // After a run of distribution symbols: `RMR scp-4.`.
        || up.len() < 24
            && up.split_whitespace().skip(1).any(|w| {
                let w = w.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
                let k = if w.starts_with("GP") { 2 } else { 3 };
                w.trim_end_matches('.') == "END"
                    || (w.starts_with("GP") || w.starts_with("SCP"))
                        && w[k..].starts_with(|c: char| !c.is_ascii_alphabetic())
            })
}

/// The name on a signature line (`FINLETTER`, `Ha i - MCKLLLOP`, `D. KAMMERMAYER`).
fn signer_name(t: &str) -> Option<&str> {
    if t.ends_with(':') {
        return None;
    }
    let raw = t;
    let t = strip_md(t).trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.');
    // The length first: most lines are far too long for a name.
    if t.is_empty() || t.len() > 32 || raw.contains("'S") || raw.contains("\u{2019}S") {
        return None;
    }
    // A name line has a few words: no list is built for longer lines.
    let mut buf = [""; 8];
    let mut nt = 0;
    for w in t.split_whitespace() {
        if nt == buf.len() {
            return None;
        }
        buf[nt] = w;
        nt += 1;
    }
    let toks = &buf[..nt];
    let is_name_tok = |w: &str| {
        let core = w.trim_end_matches('.');
        !core.is_empty()
            && core.bytes().all(|c| c.is_ascii_uppercase() || c == b'-' || c == b'\'')
            && core.as_bytes()[0].is_ascii_uppercase()
    };
    let mut k = toks.len();
    while k > 0 && is_name_tok(toks[k - 1]) {
        k -= 1;
    }
    let name_toks = &toks[k..];
    if name_toks.is_empty() || name_toks.len() > 4 {
        return None;
    }
    // What stands before the name is stray marks of at most a few letters.
    if k > 3 || toks[..k].iter().any(|w| w.len() > 3) {
        return None;
    }
    let longest = name_toks
        .iter()
        .map(|w| w.trim_end_matches('.').len())
        .max()
        .unwrap_or(0);
    if longest < 4 {
        return None;
    }
    // A name of several words carries an initial (`D. KAMMERMAYER`); two
    // capitalised words without one are a phrase.
    if name_toks.len() > 1 && !name_toks.iter().any(|w| w.len() == 2 && w.ends_with('.')) {
        return None;
    }
    let first = name_toks[0];
    let start = t.find(first)?;
    let name = t[start..].trim_end_matches(['.', ',']);
    if NOT_SIGNER.contains(&name) || name_toks.iter().any(|w| NOT_SIGNER.contains(&w.trim_end_matches('.'))) {
        return None;
    }
    if name.starts_with("GP")
        || classification_in(name).is_some()
        || near(name, "SECRET", 2)
        || name.contains("-E-")
        || near(name, "IMPDET", 2)
    {
        return None;
    }
    // Words of headings and captions are not names.
    const CAPTION_WORDS: &[&str] = &[
        "PART",
        "ARMED",
        "FORCES",
        "THE",
        "OF",
        "AND",
        "FOR",
        "IN",
        "ON",
        "BY",
        "WITH",
        "SECTION",
        "ANNEX",
        "STATUS",
        "SOURCE",
        "INTERNAL",
        "ITEM",
        "NOTES",
        "SUMMARY",
        "REPORT",
        "APPENDIX",
        "TAB",
        "CONTINUED",
    ];
    if name_toks
        .iter()
        .any(|w| CAPTION_WORDS.contains(&w.trim_end_matches('.')))
    {
        return None;
    }
    Some(name)
}
