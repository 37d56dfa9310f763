//! People mentioned in a document.
//!
//! With an authority file (a FRUS volume's list of persons) a mention is a
//! surname of the list found in the text, and the person is reported under
//! the list's name (`Stikker, Dirk U.`). Without one, names are found by
//! their company: a title before them (`Ambassador Thompson`), a verb of
//! speech or a possessive after them (`Spaak's`, `Nitze had`), a signature.

use airgram_model::Record;
use std::borrow::Cow;
use std::collections::HashMap;

/// A list of persons: `Surname, Given Names` entries.
#[derive(Debug, Default, Clone)]
pub struct Authority {
    names: Vec<String>,
    /// First word of a surname, lower case -> (surname words, entry index).
    by_first: HashMap<String, Vec<(Vec<String>, usize)>>,
}

impl Authority {
    pub fn new<I: IntoIterator<Item = String>>(names: I) -> Authority {
        let mut a = Authority::default();
        for name in names {
            let surname = name.split(',').next().unwrap_or("").trim().to_string();
            let words: Vec<String> = surname.split_whitespace().map(|w| w.to_lowercase()).collect();
            if words.is_empty() || words.iter().all(|w| w.len() < 2) {
                continue;
            }
            let idx = a.names.len();
            a.names.push(name);
            a.by_first.entry(words[0].clone()).or_default().push((words, idx));
        }
        a
    }

    /// From a FRUS `persons.json` (`{"p_X": {"name": ..}}`).
    pub fn from_json(json: &str) -> Option<Authority> {
        let v: serde_json::Value = serde_json::from_str(json).ok()?;
        let obj = v.as_object()?;
        let mut names: Vec<(String, String)> = obj
            .iter()
            .filter_map(|(id, p)| Some((id.clone(), p.get("name")?.as_str()?.to_string())))
            .collect();
        names.sort();
        Some(Authority::new(names.into_iter().map(|(_, n)| n)))
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, idx: usize) -> &str {
        &self.names[idx]
    }
}

/// Words with a capital that are not people: places, peoples, bodies,
/// calendar words and the vocabulary of diplomatic prose.
const NOT_PERSONS: &str = "
january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday
america american americans africa african asia asian europe european europeans britain british england english france french
germany german germans russia russian russians soviet soviets ussr china chinese chicoms japan japanese india indian pakistan
italy italian italians canada canadian canadians belgium belgian belgians netherlands dutch holland greece greek greeks turkey
turkish turks portugal portuguese spain spanish norway norwegian denmark danish iceland luxembourg cuba cuban cubans mexico
mexican brazil venezuela venezuelan argentina chile latin israel israeli israelis egypt egyptian arab arabs jordan jordanian
syria syrian lebanon iraq iran saudi yemen poland polish czechoslovakia czech czechs hungary hungarian rumania romania
bulgaria yugoslavia yugoslav albania austria swiss switzerland sweden swedish finland vietnam korea laos congo cyprus
berlin moscow paris london bonn washington geneva rome ankara athens warsaw prague vienna brussels hague ottawa tokyo
peking cairo amman damascus beirut tel aviv jerusalem baghdad havana nato seato cento un usun unesco nac oas eec otan
council government department embassy ministry mission delegation secretariat alliance kremlin politburo presidium
party communist communists western eastern east west north south northern southern central pacific atlantic hemisphere
white house senate congress congressional president presidents secretary ambassador ambassadorial minister chairman general
premier chancellor king queen prince foreign affairs state states united nations union republic federal democratic
people peoples army navy air force command staff group committee conference treaty pact pacts agreement plan program
summit court office bureau agency service services division section annex tab enclosure telegram airgram memorandum
letter note notes subject ref reference source files file lot box volume document documents page pages part
the a an and or but of in on at to for by with from as this that these those it its he she they we our their his her
mr mrs dr gen amb adm sen rep gov col lt maj capt governor admiral colonel senator
i ii iii iv v vi vii viii ix x following however therefore also nevertheless meanwhile first second third finally
permrep permreps god christmas easter leninist marxist stalinist castroite gaullist motors electric assembly commonwealth administration
organization common market general staff chiefs joint security intelligence defense commission corps community
bank fund island islands sea ocean river city street avenue hall university institute press radio times post
";

/// FNV-1a: the word sets are hashed on every capitalised word, and
/// short keys need no keyed hash.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type WordSet = std::collections::HashSet<&'static str, std::hash::BuildHasherDefault<Fnv>>;

fn not_person(w: &str) -> bool {
    use std::sync::OnceLock;
    static SET: OnceLock<WordSet> = OnceLock::new();
    let set = SET.get_or_init(|| NOT_PERSONS.split_whitespace().collect());
    // ASCII words are lowered on the stack: no allocation per word.
    if w.len() <= 32 && w.is_ascii() {
        let mut buf = [0u8; 32];
        let b = &mut buf[..w.len()];
        b.copy_from_slice(w.as_bytes());
        b.make_ascii_lowercase();
        return std::str::from_utf8(b).is_ok_and(|l| set.contains(l));
    }
    let l = w.to_lowercase();
    set.contains(l.as_str())
}

fn is_title(w: &str) -> bool {
    use std::sync::OnceLock;
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| TITLES.iter().copied().collect()).contains(w)
}

const TITLES: &[&str] = &[
    "President",
    "Ambassador",
    "Secretary",
    "Minister",
    "Chairman",
    "General",
    "Gen",
    "Senator",
    "Mr",
    "Mrs",
    "Dr",
    "Chancellor",
    "Premier",
    "Admiral",
    "Adm",
    "Governor",
    "Colonel",
    "Col",
    "Amb",
    "Sen",
    "Counselor",
    "Mayor",
    "Marshal",
    "Shah",
    "King",
    "Queen",
    "Prince",
    "Pope",
    "Cardinal",
    "Director",
    "Commander",
    "Lieutenant",
    "Lt",
    "Captain",
    "Capt",
    "Judge",
    "Justice",
    "Congressman",
    "Representative",
    "Sir",
    "Lord",
    "Lady",
    "Chargé",
    "Consul",
    "Envoy",
    "Professor",
    "Prof",
    "Father",
    "Bishop",
];

const SPEECH: &[&str] = &[
    "said",
    "stated",
    "noted",
    "agreed",
    "asked",
    "replied",
    "added",
    "felt",
    "thought",
    "believes",
    "believed",
    "had",
    "has",
    "was",
    "remarked",
    "suggested",
    "commented",
    "emphasized",
    "urged",
    "told",
    "decided",
    "explained",
    "indicated",
    "summed",
    "reported",
    "expressed",
    "pointed",
    "concluded",
    "responded",
];

/// Fills `rec.persons` (and its spans) from `src`.
pub fn extract(src: &str, rec: &mut Record, authority: Option<&Authority>) {
    // Names borrow from the source or the authority: most mentions repeat a
    // name already found, and need no allocation.
    let mut found: Vec<(Cow<str>, [usize; 2])> = Vec::new();
    match authority.filter(|a| !a.is_empty()) {
        Some(a) => from_authority(src, a, &mut found),
        None => by_context(src, &words(src), rec, &mut found),
    }
    let mut seen: std::collections::HashSet<String> = rec.persons.iter().map(|p| p.to_lowercase()).collect();
    let mut last: Option<Cow<str>> = None;
    for (name, span) in found {
        if last.as_ref() != Some(&name) && seen.insert(name.to_lowercase()) {
            rec.persons.push(name.to_string());
        }
        rec.add_span("persons", span);
        last = Some(name);
    }
}

/// Words (letters, apostrophes and hyphens inside) with their byte spans.
/// Works on bytes: every non-ASCII byte counts as a letter, which keeps
/// accented names whole and never splits a UTF-8 sequence.
fn words(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 6);
    let mut i = 0;
    while i < b.len() {
        if !is_letter(b[i]) || !s.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let end = scan_end(b, i);
        let en = trim_end(s, i, end);
        if en > i {
            out.push((i, en));
        }
        // Never stand still.
        i = (i + 1).max(end);
    }
    out
}

/// Where the letters (and inner apostrophes and hyphens) starting at `i` end.
fn scan_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len()
        && (is_letter(b[i]) || ((b[i] == b'\'' || b[i] == b'-') && i + 1 < b.len() && is_letter(b[i + 1])))
    {
        i += 1;
    }
    i
}

/// `Khrushchev's` -> `Khrushchev`.
fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("\u{2019}s"))
        .unwrap_or(w)
}

fn is_letter(c: u8) -> bool {
    c.is_ascii_alphabetic() || c >= 0x80
}

/// The word starting at `st` (see [`words`] for what a word is).
fn word_from(s: &str, st: usize) -> (usize, usize) {
    (st, trim_end(s, st, scan_end(s.as_bytes(), st)))
}

/// `en`, moved back over what is not a letter (a word ends in one).
fn trim_end(s: &str, st: usize, mut en: usize) -> usize {
    while en > st {
        let c = s[..en].chars().next_back().unwrap_or('a');
        if c.is_alphabetic() {
            break;
        }
        en -= c.len_utf8();
    }
    en
}

/// The word right after `en`, across at most a couple of spaces.
fn next_word(s: &str, en: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut i = en;
    while i < b.len() && i - en < 3 && (b[i] == b' ' || b[i] == b'-') {
        i += 1;
    }
    (i > en && i < b.len() && is_letter(b[i])).then(|| word_from(s, i))
}

/// The word right before `st`, across spaces.
fn prev_word(s: &str, st: usize) -> Option<&str> {
    let b = s.as_bytes();
    let mut i = st;
    while i > 0 && st - i < 3 && b[i - 1] == b' ' {
        i -= 1;
    }
    let en = i;
    while i > 0 && (is_letter(b[i - 1]) || b[i - 1] == b'.') {
        i -= 1;
    }
    (i < en && s.is_char_boundary(i)).then(|| s[i..en].trim_end_matches('.'))
}

fn from_authority<'a>(src: &'a str, a: &'a Authority, found: &mut Vec<(Cow<'a, str>, [usize; 2])>) {
    let b = src.as_bytes();
    let mut lower = String::new();
    let mut i = 0;
    while i < b.len() {
        // Only capitalised word starts can begin a surname: skip to the next
        // upper-case ASCII letter or UTF-8 lead byte in a tight loop.
        match b[i..].iter().position(|&c| c.is_ascii_uppercase() || c >= 0xC0) {
            Some(p) => i += p,
            None => break,
        }
        let c = b[i];
        if i > 0 && (is_letter(b[i - 1]) || b[i - 1] == b'\'') {
            i += 1;
            continue;
        }
        if c >= 0x80 && !src.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let (st, en) = word_from(src, i);
        i = en.max(i + 1);
        if c >= 0x80 && !src[st..].starts_with(|ch: char| ch.is_uppercase()) {
            continue;
        }
        let w = strip_possessive(&src[st..en]);
        lower.clear();
        if w.is_ascii() {
            lower.push_str(w);
            lower.make_ascii_lowercase();
        } else {
            lower.extend(w.chars().flat_map(char::to_lowercase));
        }
        let Some(cands) = a.by_first.get(lower.as_str()) else {
            continue;
        };
        let mut matches: Vec<(usize, usize)> = Vec::new(); // (entry, end)
        for (words, idx) in cands {
            let mut ok = true;
            let mut end = st + w.len();
            for sw in words.iter().skip(1) {
                match next_word(src, end) {
                    Some((s2, e2)) if strip_possessive(&src[s2..e2]).to_lowercase() == *sw => {
                        end = s2 + strip_possessive(&src[s2..e2]).len()
                    }
                    _ => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                matches.push((*idx, end));
            }
        }
        if matches.is_empty() {
            continue;
        }
        // Several people share the surname: a given name before it decides.
        let chosen = if matches.len() == 1 {
            Some(matches[0])
        } else {
            let prev = prev_word(src, st).map(str::to_lowercase);
            matches.iter().copied().find(|&(idx, _)| {
                let given = a.name(idx).split(',').nth(1).unwrap_or("").to_lowercase();
                prev.as_ref()
                    .is_some_and(|p| p.len() > 1 && given.split_whitespace().any(|g| g.trim_end_matches('.') == p))
            })
        };
        match chosen {
            Some((idx, end)) => found.push((Cow::Borrowed(a.name(idx)), [st, end])),
            None => found.push((Cow::Borrowed(w), [st, st + w.len()])),
        }
    }
}

fn by_context<'a>(src: &'a str, toks: &[(usize, usize)], rec: &Record, found: &mut Vec<(Cow<'a, str>, [usize; 2])>) {
    let name_like = |w: &str| {
        // ASCII words (nearly all) are tested on bytes.
        let b0 = w.as_bytes().first().copied().unwrap_or(0);
        if b0 < 0x80 && !b0.is_ascii_uppercase() {
            return false;
        }
        let mixed = if w.is_ascii() {
            w.len() >= 2 && w.as_bytes()[0].is_ascii_uppercase() && w.bytes().any(|c| c.is_ascii_lowercase())
        } else {
            w.starts_with(|c: char| c.is_uppercase()) && w.chars().count() >= 2 && w.chars().any(|c| c.is_lowercase())
        };
        mixed && !not_person(w) && !is_title(w)
    };
    // `U.` in `Dirk U. Stikker`.
    let initial = |s2: usize, e2: usize| {
        e2 == s2 + 1 && src.as_bytes()[s2].is_ascii_uppercase() && src.as_bytes().get(e2) == Some(&b'.')
    };
    let mut i = 0;
    while i < toks.len() {
        let (st, en) = toks[i];
        let raw = &src[st..en];
        // Most words are in lower case: settled by their first byte.
        let b0 = raw.as_bytes()[0];
        if b0 < 0x80 && !b0.is_ascii_uppercase() {
            i += 1;
            continue;
        }
        let w = strip_possessive(raw);
        if !name_like(w) {
            i += 1;
            continue;
        }
        // The run of name words: `Pierre Salinger`, `Dirk U. Stikker`.
        let mut j = i;
        let mut end = st + w.len();
        let mut tok_end = en;
        let mut possessive = raw.len() != w.len();
        let mut has_initial = false;
        while !possessive && j + 1 < toks.len() {
            let (s2, e2) = toks[j + 1];
            let gap = &src[tok_end..s2];
            let is_init = initial(s2, e2);
            let w2 = strip_possessive(&src[s2..e2]);
            let gap_ok = gap == " "
                || (gap == ". "
                    && src[..tok_end].ends_with(|c: char| c.is_ascii_uppercase())
                    && tok_end - toks[j].0 == 1);
            if !gap_ok || !(name_like(w2) || is_init) {
                break;
            }
            has_initial |= is_init;
            j += 1;
            tok_end = e2;
            end = s2 + w2.len();
            possessive = w2.len() != e2 - s2;
        }
        // A run that ends on an initial is not a name.
        if j > i && initial(toks[j].0, toks[j].1) {
            j -= 1;
            end = toks[j].1;
            tok_end = end;
        }
        let prev = i.checked_sub(1).and_then(|p| {
            let gap = &src[toks[p].1..st];
            (gap == " " || gap == ". ").then(|| &src[toks[p].0..toks[p].1])
        });
        let prev_dot = prev.and_then(|p| {
            src.get(toks[i - 1].0..toks[i - 1].1 + 1)
                .filter(|x| x.ends_with('.') && x.len() == p.len() + 1)
        });
        let next = toks
            .get(j + 1)
            .filter(|t| src[tok_end..t.0].trim().is_empty())
            .map(|&(a, b)| &src[a..b]);
        // Sentence-initial words are capitalised anyway: need stronger evidence.
        let before = src[..st].trim_end();
        let sentence_start =
            before.is_empty() || before.ends_with(['.', '\n', ':', '?', '!', ')', ']', '"', '\u{201c}']);
        let titled = prev.is_some_and(|p| is_title(p) && !src[toks[i - 1].1..st].contains('.'))
            || prev_dot.is_some_and(|p| is_title(p.trim_end_matches('.')));
        // `Later Mikoyan's visit`: a capitalised first word of a sentence is
        // not part of the name after it.
        if sentence_start && j > i && !has_initial && !titled {
            i += 1;
            continue;
        }
        let speaks = next.is_some_and(|n| SPEECH.contains(&n));
        let bracketed = src[..st].ends_with('(') && src[end..].starts_with(')');
        let full = has_initial && j > i;
        if titled || full || bracketed || ((possessive || speaks) && !sentence_start) {
            found.push((Cow::Borrowed(&src[st..end]), [st, end]));
        }
        i = j + 1;
    }
    // A surname alone after its full name adds no one.
    let full_names: Vec<String> = found
        .iter()
        .filter(|f| f.0.contains(' '))
        .filter_map(|f| f.0.rsplit(' ').next().map(str::to_lowercase))
        .collect();
    found.retain(|f| f.0.contains(' ') || !full_names.contains(&f.0.to_lowercase()));
    // Signer and approver are people too.
    for f in [&rec.signed, &rec.approved_by].into_iter().flatten() {
        let last = f.split(['.', ' ', ':', '/']).rfind(|x| x.len() > 2);
        if let Some(n) = last {
            if !not_person(n) && n.chars().all(|c| c.is_alphabetic()) {
                let pretty: String = n
                    .chars()
                    .enumerate()
                    .map(|(k, c)| {
                        if k == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        }
                    })
                    .collect();
                if let Some(p) = src.rfind(n) {
                    found.push((Cow::Owned(pretty), [p, p + n.len()]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_matches_surnames_and_resolves_given_names() {
        let a = Authority::new(
            [
                "Stikker, Dirk U.",
                "Johnson, Lyndon B.",
                "Johnson, U. Alexis",
                "Hoyer Millar, Sir Frederick",
            ]
            .map(String::from),
        );
        let mut r = Record::new("x");
        let src = "Stikker said that Alexis Johnson met Hoyer Millar. Johnson agreed.";
        extract(src, &mut r, Some(&a));
        assert_eq!(
            r.persons,
            vec![
                "Stikker, Dirk U.",
                "Johnson, U. Alexis",
                "Hoyer Millar, Sir Frederick",
                "Johnson"
            ]
        );
    }

    #[test]
    fn context_finds_seed_names() {
        let mut r = Record::new("x");
        r.signed = Some("FINLETTER".into());
        let src = "Khrushchev's position weak. Later Mikoyan's visit and Spaak's view. US Nitze had talked. Acting Secretary General Colonna summed up. Italy agreed. Canada stated it.\nFINLETTER";
        extract(src, &mut r, None);
        assert_eq!(r.persons, vec!["Mikoyan", "Spaak", "Nitze", "Colonna", "Finletter"]);
    }
}
