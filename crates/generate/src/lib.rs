//! A deterministic synthetic corpus of diplomatic records, with the truth
//! each document was generated from.
//!
//! Every document is a pure function of `(count, seed, index)`: numbering is
//! done per block of [`vocab::BLOCK`] documents whose channel slots are a
//! seeded shuffle of fixed weights, so the number of earlier messages in any
//! series is known in O(1) without walking the corpus. That keeps
//! [`document`] random-access and [`generate`] streaming in constant memory,
//! and it lets bodies cite only messages that exist earlier in the corpus.
//!
//! Two layouts are written: an archival transcription like the OCR'd seed
//! airgram (stamps, distribution grid, form boilerplate, page headers), and
//! a FRUS plain-text rendition (numbered heading, source note, dateline).

pub mod vocab;

use airgram_model::Classification;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::Path;
use vocab::*;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub count: u64,
    pub seed: u64,
}

/// One review stamp as generated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewTruth {
    pub date: String,
    pub office: &'static str,
}

/// The generator's truth for one document: what a careful reader of the
/// text should extract. Names are given as the document's layout writes
/// them (`USRO PARIS` in a transcription, `Mission to ...` in FRUS), since
/// that is what the parser can be held to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truth {
    /// Path relative to the output directory: `<shard>/<id>.txt`.
    pub file: String,
    pub archive_id: String,
    /// `transcription` or `frus`.
    pub layout: &'static str,
    pub message_id: Option<String>,
    /// ISO day.
    pub date: String,
    pub classification: Classification,
    pub handling: Vec<&'static str>,
    /// Only when the text states it (FRUS notes omit ROUTINE).
    pub precedence: Option<&'static str>,
    pub doc_type: &'static str,
    pub from: String,
    pub to: Vec<String>,
    /// `PASS DEFENSE` on the TO line.
    pub pass: Vec<String>,
    pub info: Vec<String>,
    /// FRUS: the heading. Empty when the form has no subject line.
    pub subject: String,
    /// Cites in the REF line or opening sentence.
    pub refs: Vec<String>,
    /// Every message cited, in order of first appearance, own id excluded.
    pub cites: Vec<String>,
    /// Surnames mentioned in the text, in order of first mention.
    pub persons: Vec<&'static str>,
    pub signed: Option<String>,
    pub drafted_by: Option<String>,
    pub approved_by: Option<String>,
    /// Pages of a transcription (page headers counted); none in FRUS.
    pub pages: Option<u32>,
    pub declassified: bool,
    pub reviews: Vec<ReviewTruth>,
}

/// A document in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedDoc {
    pub text: String,
    pub truth: Truth,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub docs: u64,
    pub bytes: u64,
    pub shards: u64,
}

/// Files per shard directory.
pub const SHARD_SIZE: u64 = 1000;

/// Threads that create the files. File creation is kernel time that
/// dwarfs generation (~4 µs a document), so it overlaps with it.
const WRITERS: usize = 2;

/// Writes `cfg.count` documents under `out` plus `out/manifest.jsonl`,
/// calling `progress(done)` after each document. The output does not depend
/// on thread timing: each file's bytes are fixed before it is handed over.
pub fn generate(cfg: &Config, out: &Path, mut progress: impl FnMut(u64)) -> io::Result<Summary> {
    std::fs::create_dir_all(out)?;
    let mut manifest = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join("manifest.jsonl"))?);
    let mut bytes = 0u64;
    let mut shards = 0u64;
    let mut gen = Generator::new(*cfg);
    std::thread::scope(|scope| -> io::Result<()> {
        let mut senders = Vec::with_capacity(WRITERS);
        let mut handles = Vec::with_capacity(WRITERS);
        for _ in 0..WRITERS {
            // A short queue bounds memory: generation is far ahead otherwise.
            let (tx, rx) = std::sync::mpsc::sync_channel::<(std::path::PathBuf, String)>(256);
            senders.push(tx);
            handles.push(scope.spawn(move || -> io::Result<()> {
                for (path, text) in rx {
                    std::fs::write(&path, text.as_bytes())?;
                }
                Ok(())
            }));
        }
        let mut result = Ok(());
        for i in 0..cfg.count {
            if i % SHARD_SIZE == 0 {
                // Created here, before any file of the shard is handed to a writer.
                std::fs::create_dir_all(out.join(shard_name(i)))?;
                shards += 1;
            }
            let doc = gen.document(i);
            bytes += doc.text.len() as u64;
            serde_json::to_writer(&mut manifest, &doc.truth)?;
            manifest.write_all(b"\n")?;
            let path = out.join(&doc.truth.file);
            if senders[(i % WRITERS as u64) as usize].send((path, doc.text)).is_err() {
                // A writer stopped on an error; its join below reports it.
                result = Err(io::Error::other("file writer stopped"));
                break;
            }
            progress(i + 1);
        }
        drop(senders);
        for h in handles {
            h.join().map_err(|_| io::Error::other("file writer panicked"))??;
        }
        result
    })?;
    manifest.flush()?;
    Ok(Summary {
        docs: cfg.count,
        bytes,
        shards,
    })
}

/// Document `i` of the corpus `cfg`, in memory. Same result as the file
/// [`generate`] writes for it.
pub fn document(cfg: &Config, i: u64) -> GeneratedDoc {
    Generator::new(*cfg).document(i)
}

/// Iterates over the documents of `cfg` in memory, in order.
pub fn documents(cfg: &Config) -> impl Iterator<Item = GeneratedDoc> {
    let mut gen = Generator::new(*cfg);
    (0..cfg.count).map(move |i| gen.document(i))
}

fn shard_name(i: u64) -> String {
    format!("{:04}", i / SHARD_SIZE)
}

// ---------------------------------------------------------------------------
// Randomness: splitmix64, self-written so output never moves with a crate.

#[derive(Clone)]
struct Rng(u64);

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream key from the seed and a purpose-specific value.
fn key(seed: u64, salt: u64, v: u64) -> u64 {
    splitmix(splitmix(seed ^ salt.wrapping_mul(0xA24B_AED4_963E_E407)) ^ v)
}

impl Rng {
    fn new(k: u64) -> Rng {
        Rng(k)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (multiply-shift: no modulo bias worth the name).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    fn range(&mut self, lo: u64, hi_incl: u64) -> u64 {
        lo + self.below(hi_incl - lo + 1)
    }
    fn pick<T: Copy>(&mut self, s: &[T]) -> T {
        s[self.below(s.len() as u64) as usize]
    }
    /// True with probability `pct`/100.
    fn pct(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn weighted(&mut self, w: &[u64]) -> usize {
        let total: u64 = w.iter().sum();
        let mut r = self.below(total);
        for (k, &x) in w.iter().enumerate() {
            if r < x {
                return k;
            }
            r -= x;
        }
        w.len() - 1
    }
}

const SALT_BLOCK: u64 = 1;
const SALT_DOC: u64 = 2;

// ---------------------------------------------------------------------------
// Calendar.

/// Days from 1958-01-01 to 1975-12-31.
const SPAN_DAYS: u64 = 6573;

/// Civil date of `days` after 1958-01-01 (Howard Hinnant's algorithm).
fn civil(days: u64) -> (u32, u32, u32) {
    // 1958-01-01 is 4383 days before 1970-01-01; 719468 shifts the epoch to 0000-03-01.
    let z = days as i64 - 4383 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    ((if m <= 2 { y + 1 } else { y }) as u32, m as u32, d as u32)
}

#[derive(Clone, Copy)]
struct Day {
    y: u32,
    m: u32,
    d: u32,
}

impl Day {
    fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
    fn long(self) -> String {
        format!("{} {}, {}", MONTHS[self.m as usize - 1], self.d, self.y)
    }
}

// ---------------------------------------------------------------------------
// The generator.

/// Holds the block slot table of the last block used, so streaming in order
/// shuffles each block once.
struct Generator {
    cfg: Config,
    block: u64,
    slots: [u8; BLOCK as usize],
}

fn is_numbered(c: usize) -> bool {
    CHANNELS[c].kind != Kind::Memo
}

impl Generator {
    fn new(cfg: Config) -> Generator {
        let mut g = Generator {
            cfg,
            block: u64::MAX,
            slots: [0; BLOCK as usize],
        };
        g.load_block(0);
        g
    }

    fn load_block(&mut self, b: u64) {
        if self.block == b {
            return;
        }
        let mut k = 0;
        for (c, ch) in CHANNELS.iter().enumerate() {
            for _ in 0..ch.weight {
                self.slots[k] = c as u8;
                k += 1;
            }
        }
        let mut rng = Rng::new(key(self.cfg.seed, SALT_BLOCK, b));
        for j in (1..self.slots.len()).rev() {
            let r = rng.below(j as u64 + 1) as usize;
            self.slots.swap(j, r);
        }
        self.block = b;
    }

    /// Channel of document `i`.
    fn channel(&mut self, i: u64) -> usize {
        self.load_block(i / BLOCK as u64);
        self.slots[(i % BLOCK as u64) as usize] as usize
    }

    /// Messages of channel `c` among documents `0..i`.
    fn before(&mut self, c: usize, i: u64) -> u64 {
        self.load_block(i / BLOCK as u64);
        let within = (i % BLOCK as u64) as usize;
        let here = self.slots[..within].iter().filter(|&&s| s as usize == c).count() as u64;
        (i / BLOCK as u64) * CHANNELS[c].weight as u64 + here
    }

    fn day(&self, i: u64) -> Day {
        let n = self.cfg.count.max(1) as u128;
        let d = ((i as u128 * (SPAN_DAYS as u128 + 1)) / n).min(SPAN_DAYS as u128) as u64;
        let (y, m, dd) = civil(d);
        Day { y, m, d: dd }
    }

    fn document(&mut self, i: u64) -> GeneratedDoc {
        let c = self.channel(i);
        let number = CHANNELS[c].base + self.before(c, i);
        let mut rng = Rng::new(key(self.cfg.seed, SALT_DOC, i));
        let day = self.day(i);
        let plan = self.plan(i, c, number, day, &mut rng);
        let frus = rng.pct(30);
        let mut w = Writer::new(&plan, frus);
        if frus {
            w.frus(&mut rng);
        } else {
            w.transcription(&mut rng);
        }
        w.finish()
    }

    /// Draws everything but the text.
    fn plan(&mut self, i: u64, c: usize, number: u64, day: Day, rng: &mut Rng) -> Plan {
        let ch = &CHANNELS[c];
        let class = [
            Classification::Unclassified,
            Classification::LimitedOfficialUse,
            Classification::Confidential,
            Classification::Secret,
            Classification::TopSecret,
        ][rng.weighted(&[8, 10, 30, 42, 10])];
        let mut handling: Vec<&'static str> = Vec::new();
        if class >= Classification::Confidential && !rng.pct(45) {
            let h = if class == Classification::TopSecret && rng.pct(60) {
                rng.pick(&["NODIS", "EYES ONLY"])
            } else {
                rng.pick(HANDLING)
            };
            handling.push(h);
            if h != "NOFORN" && rng.pct(15) {
                handling.push("NOFORN");
            }
        }
        let precedence = (ch.kind == Kind::Telegram).then(|| PRECEDENCE[rng.weighted(&[40, 30, 20, 7, 3])]);
        let emb = &EMBASSIES[rng.below(EMBASSIES.len() as u64) as usize];
        let from: &'static Post = match ch.from {
            End::Fixed(p) => p,
            End::AnyEmbassy => emb,
        };
        let to: &'static Post = match ch.to {
            End::Fixed(p) => p,
            End::AnyEmbassy => emb,
        };
        let mut info: Vec<&'static Post> = Vec::new();
        if ch.kind != Kind::Memo {
            for _ in 0..rng.weighted(&[35, 30, 25, 10]) {
                let p = &EMBASSIES[rng.below(EMBASSIES.len() as u64) as usize];
                if !std::ptr::eq(p, from) && !std::ptr::eq(p, to) && !info.iter().any(|q| std::ptr::eq(*q, p)) {
                    info.push(p);
                }
            }
        }
        let topic = rng.below(TOPICS.len() as u64) as usize;
        // Cite groups: each one or two numbers of one channel, all earlier.
        let mut groups: Vec<CiteGroup> = Vec::new();
        let ncites = if ch.kind == Kind::Memo {
            rng.weighted(&[70, 30])
        } else {
            rng.weighted(&[25, 30, 25, 12, 8])
        };
        for _ in 0..ncites {
            let target = if rng.pct(40) && ch.kind != Kind::Memo {
                c
            } else if rng.pct(65) {
                let ps = partner(ch.series);
                CHANNELS
                    .iter()
                    .position(|x| x.series == ps && x.kind == Kind::Telegram)
                    .unwrap_or(c)
            } else {
                rng.below(CHANNELS.len() as u64) as usize
            };
            if !is_numbered(target) {
                continue;
            }
            let n = self.before(target, i);
            if n == 0 {
                continue;
            }
            let window = n.min(80);
            let base = CHANNELS[target].base;
            let a = base + n - 1 - rng.below(window);
            let mut nums = vec![a];
            if window > 2 && rng.pct(25) {
                let b = base + n - 1 - rng.below(window);
                if b != a {
                    nums.push(b);
                    nums.sort_unstable();
                }
            }
            groups.push(CiteGroup { channel: target, nums });
        }
        let reviewed = rng.pct(40);
        let mut reviews = Vec::new();
        if reviewed {
            let y1 = (day.y + rng.range(8, 20) as u32).clamp(1978, 1989);
            reviews.push(ReviewStamp {
                y: y1,
                m: rng.range(1, 12) as u32,
                d: rng.range(1, 28) as u32,
                office: rng.pick(&REVIEW_OFFICES[1..]),
                late: false,
            });
            if rng.pct(40) {
                let y2 = rng.range((y1 as u64 + 3).max(1990), 2004) as u32;
                reviews.push(ReviewStamp {
                    y: y2,
                    m: rng.range(1, 12) as u32,
                    d: rng.range(1, 28) as u32,
                    office: REVIEW_OFFICES[0],
                    late: true,
                });
            }
        }
        let declassified = reviewed && class != Classification::Unclassified && rng.pct(75);
        let nparas = rng.range(2, 7) as usize;
        let signer_post = from.cable;
        let era = (day.y - 1958) / 4;
        let signer = SURNAMES[(key(self.cfg.seed, 7, fnv(signer_post) ^ era as u64) % SURNAMES.len() as u64) as usize];
        let drafter = rng.pick(SURNAMES);
        Plan {
            i,
            count: self.cfg.count,
            kind: ch.kind,
            series: ch.series,
            number,
            day,
            hour: rng.range(8, 20) as u32,
            minute: rng.range(0, 59) as u32,
            class,
            handling,
            precedence,
            from,
            to,
            info,
            topic,
            event: rng.below(EVENTS.len() as u64) as usize,
            groups,
            reviews,
            declassified,
            nparas,
            signer,
            drafter,
            memo_sender: rng.below(MEMO_SENDERS.len() as u64) as usize,
            pass: (ch.kind != Kind::Memo && std::ptr::eq(to, &STATE) && rng.pct(15))
                .then(|| rng.pick(&["DEFENSE", "TREASURY", "WHITE HOUSE", "USIA"])),
        }
    }
}

/// FNV-1a: a stable hash for strings (std's hasher is not promised stable).
fn fnv(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

struct CiteGroup {
    channel: usize,
    nums: Vec<u64>,
}

struct ReviewStamp {
    y: u32,
    m: u32,
    d: u32,
    office: &'static str,
    /// The 1990s `Date: April 9, 1992` form rather than `3/19/83`.
    late: bool,
}

struct Plan {
    i: u64,
    count: u64,
    kind: Kind,
    series: &'static str,
    number: u64,
    day: Day,
    hour: u32,
    minute: u32,
    class: Classification,
    handling: Vec<&'static str>,
    precedence: Option<&'static str>,
    from: &'static Post,
    to: &'static Post,
    info: Vec<&'static Post>,
    topic: usize,
    event: usize,
    groups: Vec<CiteGroup>,
    reviews: Vec<ReviewStamp>,
    declassified: bool,
    nparas: usize,
    signer: &'static str,
    drafter: &'static str,
    memo_sender: usize,
    pass: Option<&'static str>,
}

impl Plan {
    /// Whether a transcription of this telegram uses the older incoming form.
    fn old_incoming(&self) -> bool {
        self.kind == Kind::Telegram && std::ptr::eq(self.to, &STATE) && self.day.y < 1967
    }
}

fn twelve_hour(hour: u32) -> (u32, &'static str) {
    match hour {
        0..=11 => (hour.max(1), "a.m."),
        12 => (12, "p.m."),
        h => (h - 12, "p.m."),
    }
}

fn msg_id(kind: Kind, series: &str, n: u64) -> String {
    match kind {
        Kind::Airgram => format!("{series} A-{n}"),
        _ => format!("{series} {n}"),
    }
}

/// Assembles the text and the truth together, so the truth lists what was
/// actually written, in the order it was written.
struct Writer<'p> {
    p: &'p Plan,
    frus: bool,
    s: String,
    cites: Vec<String>,
    refs: Vec<String>,
    own: Option<String>,
    next_group: usize,
    /// Bit set of the [`SENTENCES`] already written.
    used: u64,
    persons: Vec<&'static str>,
    pages: u32,
}

impl<'p> Writer<'p> {
    fn new(p: &'p Plan, frus: bool) -> Writer<'p> {
        let own = (p.kind != Kind::Memo).then(|| msg_id(p.kind, p.series, p.number));
        Writer {
            p,
            frus,
            s: String::with_capacity(6000),
            cites: Vec::new(),
            refs: Vec::new(),
            own,
            next_group: 0,
            used: 0,
            persons: Vec::new(),
            pages: 1,
        }
    }

    fn note_cite(&mut self, id: String) {
        if Some(&id) != self.own.as_ref() && !self.cites.contains(&id) {
            self.cites.push(id);
        }
    }

    /// Writes cite group `g` as prose (`TOPOLs 599 and 603`, `Topol 594`).
    fn cite_text(&mut self, g: usize, caps: bool) -> String {
        let grp = &self.p.groups[g];
        let ch = &CHANNELS[grp.channel];
        let word = if caps {
            ch.series.to_string()
        } else {
            title_series(ch.series)
        };
        let num = |n: u64| match ch.kind {
            Kind::Airgram => format!("A-{n}"),
            _ => n.to_string(),
        };
        let text = if grp.nums.len() == 1 {
            format!("{word} {}", num(grp.nums[0]))
        } else if caps {
            // Upper-case telegrams repeat the series: `TOPOLS` would not read as one.
            let parts: Vec<String> = grp.nums.iter().map(|&n| format!("{word} {}", num(n))).collect();
            parts.join(" AND ")
        } else {
            let parts: Vec<String> = grp.nums.iter().map(|&n| num(n)).collect();
            format!("{word}s {}", parts.join(" and "))
        };
        let ids: Vec<String> = grp.nums.iter().map(|&n| msg_id(ch.kind, ch.series, n)).collect();
        for id in ids {
            self.note_cite(id);
        }
        text
    }

    fn sentence(&mut self, rng: &mut Rng, caps: bool, out: &mut String) {
        let use_cite = self.next_group < self.p.groups.len() && rng.pct(35);
        let tmpl = if use_cite {
            rng.pick(CITE_SENTENCES)
        } else {
            // A few redraws keep one document from repeating itself.
            let mut k = rng.below(SENTENCES.len() as u64);
            for _ in 0..4 {
                if self.used & (1 << k) == 0 {
                    break;
                }
                k = rng.below(SENTENCES.len() as u64);
            }
            self.used |= 1 << k;
            SENTENCES[k as usize]
        };
        self.fill(tmpl, rng, caps, out);
    }

    fn fill(&mut self, tmpl: &str, rng: &mut Rng, caps: bool, out: &mut String) {
        let start = out.len();
        let mut rest = tmpl;
        while let Some(p) = rest.find('{') {
            out.push_str(&rest[..p]);
            let tag = &rest[p + 1..p + 2];
            match tag {
                "T" => out.push_str(TOPICS[self.p.topic].1),
                "D" => out.push_str(rng.pick(DELEGATIONS)),
                "F" | "P" => {
                    let name = rng.pick(if tag == "F" { FOREIGN } else { SURNAMES });
                    if !self.persons.contains(&name) {
                        self.persons.push(name);
                    }
                    out.push_str(name);
                }
                _ => {
                    let g = self.next_group;
                    self.next_group += 1;
                    let t = self.cite_text(g, caps);
                    out.push_str(&t);
                }
            }
            rest = &rest[p + 3..];
        }
        out.push_str(rest);
        if caps {
            // Cites are already upper-case; `make_ascii_uppercase` keeps byte offsets.
            out[start..].make_ascii_uppercase();
        }
        let _ = start;
    }

    /// Body paragraphs; every cite group is written before the body ends.
    fn paragraphs(&mut self, rng: &mut Rng, caps: bool, numbered: bool) -> Vec<String> {
        let mut paras = Vec::with_capacity(self.p.nparas);
        for k in 0..self.p.nparas {
            let mut para = String::with_capacity(600);
            if numbered {
                let _ = write!(para, "{}. ", k + 1);
            }
            let n = rng.range(2, 5);
            for j in 0..n {
                if j > 0 {
                    para.push(' ');
                }
                self.sentence(rng, caps, &mut para);
            }
            paras.push(para);
        }
        while self.next_group < self.p.groups.len() {
            let tmpl = rng.pick(CITE_SENTENCES);
            let mut extra = String::new();
            self.fill(tmpl, rng, caps, &mut extra);
            let last = paras.last_mut().expect("at least two paragraphs");
            last.push(' ');
            last.push_str(&extra);
        }
        paras
    }

    fn subject(&self) -> String {
        let t = TOPICS[self.p.topic].0;
        match self.p.i % 3 {
            0 => format!(
                "{} {} {} RE {t}",
                EVENTS[self.p.event],
                MONTH_ABBR[self.p.day.m as usize - 1],
                self.p.day.d
            ),
            1 => t.to_string(),
            _ => format!("{}: {t}", EVENTS[self.p.event]),
        }
    }

    fn class_mark(&self) -> String {
        if self.p.declassified {
            format!("~~{}~~", self.p.class)
        } else {
            self.p.class.to_string()
        }
    }

    fn review(&mut self, k: usize) {
        let Some(r) = self.p.reviews.get(k) else { return };
        let s = &mut self.s;
        let tick = |on: bool| if on { "(X)" } else { "( )" };
        let rel = self.p.declassified;
        if r.late {
            let _ = write!(
                s,
                "DEPARTMENT OF STATE {} Date: {} {}, {}\n\n{} RELEASE {} DECLASSIFY  \n( ) EXCISE ( ) DECLASSIFY IN PART  \n( ) DENY ( ) DELETE Non-Responsive Info  \nFOIA Exemptions  \nPA Exemptions\n\nTS authority to:  \n( ) CLASSIFY as ( ) S or ( ) C OADR  \n( ) DOWNGRADE TS to ( ) S or ( ) C OADR\n\n",
                r.office,
                MONTHS[r.m as usize - 1],
                r.d,
                r.y,
                tick(rel),
                tick(rel)
            );
        } else {
            let short = format!("{}/{}/{:02}", r.m, r.d, r.y % 100);
            let _ = write!(
                s,
                "DEPARTMENT OF STATE {}\n\n{short}\n\nREVIEWED BY: *[Signature]* DATE: {short}  \n{} RELEASE {} DECLASSIFY  \n( ) EXCISE ( ) DECLASSIFY IN PART  \n{} DENY ( ) Non-Responsive Info.  \nFOI, EO, or PA Exemptions  \n( ) CLASSIFY as: To: TS authority to:  \n( ) DOWNGRADE TS to: ( ) S or ( ) C OADR\n\n",
                r.office,
                tick(rel),
                tick(rel),
                tick(!rel)
            );
        }
    }

    fn review_truth(&self) -> Vec<ReviewTruth> {
        self.p
            .reviews
            .iter()
            .map(|r| ReviewTruth {
                date: format!("{:04}-{:02}-{:02}", r.y, r.m, r.d),
                office: r.office,
            })
            .collect()
    }

    // -- transcription layout ---------------------------------------------

    fn transcription(&mut self, rng: &mut Rng) {
        let p = self.p;
        let _ = write!(
            self.s,
            "\n\n**{}**\n\n**{:04}/{:02}/{:02}**\n\n",
            archive_id(p.i, p.count),
            p.day.y,
            p.day.m,
            p.day.d
        );
        let early = p.reviews.iter().position(|r| !r.late);
        if let Some(k) = early {
            self.review(k);
        }
        match p.kind {
            Kind::Airgram => self.airgram(rng),
            Kind::Telegram if p.old_incoming() => self.telegram_incoming(rng),
            Kind::Telegram => self.telegram(rng),
            Kind::Memo => self.memo_transcription(rng),
        }
        if let Some(k) = p.reviews.iter().position(|r| r.late) {
            if p.kind != Kind::Airgram {
                self.s.push('\n');
                self.review(k);
            }
        }
    }

    fn grid(&mut self, rng: &mut Rng) {
        let rows = rng.range(6, 12);
        for _ in 0..rows {
            for col in 0..3 {
                if col > 0 {
                    self.s.push('\t');
                }
                if rng.pct(55) {
                    self.s.push_str(rng.pick(OFFICES));
                } else {
                    let _ = write!(self.s, "{}", rng.range(1, 16));
                }
            }
            self.s.push('\n');
        }
        self.s.push('\n');
    }

    fn airgram(&mut self, rng: &mut Rng) {
        let p = self.p;
        self.grid(rng);
        let own = self.own.clone().unwrap_or_default();
        let _ = write!(self.s, "DEPARTMENT OF STATE  \n**AIRGRAM**\n\n**{}**  \n", p.class);
        for h in &p.handling {
            let _ = writeln!(self.s, "{h}  ");
        }
        let _ = write!(
            self.s,
            "{}  \nFOR RM USE ONLY\n\n**{own}**\n\nTO : {}{}\n\n",
            rng.range(100, 999),
            p.to.cable,
            p.pass.map(|x| format!(" PASS {x}")).unwrap_or_default()
        );
        if !p.info.is_empty() {
            let names: Vec<&str> = p.info.iter().map(|x| x.cable).collect();
            let _ = write!(self.s, "INFO: {}\n\n", names.join(", "));
        }
        if p.i % 3 == 0 {
            let _ = write!(
                self.s,
                "COPY NO. {}-{} SERIES {}\n\n",
                p.i % 40 + 2,
                p.i % 60 + 41,
                p.i % 9 + 1
            );
        }
        let subject = self.subject();
        let _ = write!(
            self.s,
            "DATE: {}\n\nFROM : {}\n\nSUBJECT : {subject}\n\nREF :",
            p.day.long(),
            p.from.cable
        );
        self.ref_line(false);
        self.s.push_str("\n\n");
        let paras = self.paragraphs(rng, false, false);
        let per_page = 3;
        let pages = paras.len().div_ceil(per_page);
        for (k, para) in paras.iter().enumerate() {
            if k > 0 && k % per_page == 0 {
                let page = k / per_page + 1;
                if page == 2 {
                    self.airgram_footer();
                } else {
                    let _ = write!(self.s, "{}\n\n", self.class_mark());
                }
                let _ = write!(self.s, "{} - {page}", self.class_mark());
                if page == 2 && p.i % 3 == 1 {
                    // A reader's hand note naming the document itself: not a cite.
                    let (series, num) = own.split_once(' ').unwrap_or(("", &own));
                    let _ = write!(self.s, " *from {} {num}*", vocab::title_series(series));
                }
                self.s.push_str("\n\n");
                self.pages = page as u32;
            }
            self.s.push_str(para);
            self.s.push_str("\n\n");
        }
        let _ = write!(self.s, "{}\n\n", p.signer.to_ascii_uppercase());
        if pages == 1 {
            self.airgram_footer();
        }
        let _ = writeln!(self.s, "{}", self.class_mark());
    }

    fn airgram_footer(&mut self) {
        let p = self.p;
        let _ = write!(
            self.s,
            "**{}**  \nFORM DS-323  \nFOR RM USE ONLY\n\nPrepared by: {}:{}{}/{}  \nContents and Classification Approved by: Amb. {}\n\n",
            p.class,
            DRAFT_OFFICES[(p.i % DRAFT_OFFICES.len() as u64) as usize],
            FIRST_INITIALS[(p.i % FIRST_INITIALS.len() as u64) as usize],
            p.drafter,
            TYPIST[(p.i % TYPIST.len() as u64) as usize],
            p.signer
        );
        if let Some(k) = p.reviews.iter().position(|r| r.late) {
            self.review(k);
        }
    }

    /// The REF line: the first cite group, when there is one.
    fn ref_line(&mut self, caps: bool) {
        if self.next_group < self.p.groups.len() && self.p.i % 2 == 0 {
            let before = self.cites.len();
            let t = self.cite_text(self.next_group, caps);
            self.next_group += 1;
            self.refs = self.cites[before..].to_vec();
            self.s.push(' ');
            self.s.push_str(&t);
        }
    }

    /// The pre-1967 incoming form: Control/Rec'd block, action and info
    /// office columns, `FROM: city`, `NO: series number, date, time`.
    fn telegram_incoming(&mut self, rng: &mut Rng) {
        let p = self.p;
        let own = self.own.clone().unwrap_or_default();
        let (h, ap) = twelve_hour(p.hour);
        // Received some hours after sending, by the Washington clock.
        let (rh, rap) = twelve_hour((p.hour + 6) % 24);
        let _ = write!(
            self.s,
            "INCOMING TELEGRAM\n\nDepartment of State\n\n**{}**\n\nControl: {}\nRec'd: {} {}, {} {}:{:02} {}\n\nAction\n{}\n\nInfo\n",
            p.class,
            rng.range(1000, 19999),
            MONTH_ABBR[p.day.m as usize - 1],
            p.day.d,
            p.day.y,
            rh,
            p.minute,
            rap,
            rng.pick(&OFFICES[..6])
        );
        for _ in 0..rng.range(3, 9) {
            let _ = writeln!(self.s, "{}", rng.pick(OFFICES));
        }
        let _ = write!(
            self.s,
            "\nFROM: {}\n\nTO: Secretary of State\n\nNO: {own}, {} {}, {h} {}\n\n",
            p.from.city.to_ascii_uppercase(),
            MONTHS[p.day.m as usize - 1].to_ascii_uppercase(),
            p.day.d,
            if ap == "a.m." { "AM" } else { "PM" }
        );
        if let Some(x) = p.precedence.filter(|&x| x != "ROUTINE") {
            let _ = writeln!(self.s, "{x}");
        }
        for h in &p.handling {
            let _ = writeln!(self.s, "{h}");
        }
        if !p.info.is_empty() {
            let names: Vec<String> = p.info.iter().map(|x| x.city.to_ascii_uppercase()).collect();
            let _ = write!(
                self.s,
                "\nSENT DEPARTMENT {own}, REPEATED INFORMATION {}\n",
                names.join(", ")
            );
        }
        if self.next_group < p.groups.len() && p.i % 2 == 0 {
            self.s.push_str("\nREF:");
            self.ref_line(true);
            self.s.push('\n');
        }
        self.s.push('\n');
        let paras = self.paragraphs(rng, true, true);
        for (k, para) in paras.iter().enumerate() {
            if k > 0 && k % 4 == 0 {
                let page = k / 4 + 1;
                let _ = write!(
                    self.s,
                    "{}\n\n-{page}- {own}, {} {}, {h} {}, FROM {}\n\n",
                    self.class_mark(),
                    MONTHS[p.day.m as usize - 1].to_ascii_uppercase(),
                    p.day.d,
                    if ap == "a.m." { "AM" } else { "PM" },
                    p.from.city.to_ascii_uppercase()
                );
                self.pages = page as u32;
            }
            self.s.push_str(para);
            self.s.push_str("\n\n");
        }
        let _ = write!(self.s, "{}\n\n{}\n", p.signer.to_ascii_uppercase(), self.class_mark());
    }

    fn telegram(&mut self, rng: &mut Rng) {
        let p = self.p;
        let own = self.own.clone().unwrap_or_default();
        let dtg = format!("{:02}{:02}{:02}Z", p.day.d, p.hour, p.minute);
        // Page headers carry the message's own id: a `STATE 00287` there
        // would give the message a second number the truth does not know.
        let prec = p.precedence.unwrap_or("ROUTINE");
        let letter = match prec {
            "FLASH" => "Z",
            "IMMEDIATE" | "NIACT" => "O",
            "PRIORITY" => "P",
            _ => "R",
        };
        let prec_word = if prec == "NIACT" { "NIACT IMMEDIATE" } else { prec };
        let _ = write!(
            self.s,
            "Department of State TELEGRAM\n\n**{}**\n\nPAGE 01 {own} {dtg}\n\n{letter} {dtg} {} {:02}\nFM {}\nTO {} {prec_word}\n",
            p.class,
            MON3[p.day.m as usize - 1],
            p.day.y % 100,
            p.from.cable,
            p.to.cable
        );
        if let Some(x) = p.pass {
            let _ = writeln!(self.s, "PASS {x}");
        }
        for (k, x) in p.info.iter().enumerate() {
            let _ = writeln!(self.s, "{}{}", if k == 0 { "INFO " } else { "" }, x.cable);
        }
        let _ = write!(self.s, "BT\n{} {own}\n", p.class);
        if !p.handling.is_empty() {
            let _ = writeln!(self.s, "{}", p.handling.join(" "));
        }
        let subject = self.subject();
        let _ = writeln!(self.s, "SUBJECT: {subject}");
        if self.next_group < p.groups.len() && p.i % 2 == 0 {
            self.s.push_str("REF:");
            self.ref_line(true);
            self.s.push('\n');
        }
        self.s.push('\n');
        let paras = self.paragraphs(rng, true, true);
        for (k, para) in paras.iter().enumerate() {
            if k > 0 && k % 4 == 0 {
                let _ = write!(self.s, "{}\n\nPAGE {:02} {own} {dtg}\n\n", self.class_mark(), k / 4 + 1);
                self.pages = (k / 4 + 1) as u32;
            }
            self.s.push_str(para);
            self.s.push_str("\n\n");
        }
        let _ = write!(
            self.s,
            "{}\nBT\n\n{}\n",
            p.signer.to_ascii_uppercase(),
            self.class_mark()
        );
    }

    fn memo_transcription(&mut self, rng: &mut Rng) {
        let p = self.p;
        let (_, office) = MEMO_SENDERS[p.memo_sender];
        let first = FIRST_NAMES[(p.i % FIRST_NAMES.len() as u64) as usize];
        let _ = write!(
            self.s,
            "**{}**\n\nDEPARTMENT OF STATE\nWashington\n\n{}\n\nMEMORANDUM\n\nTO: The Secretary\nTHROUGH: S/S\nFROM: {office} - {first} {}\nSUBJECT: {}\n\n",
            p.class,
            p.day.long(),
            p.signer,
            TOPICS[p.topic].1
        );
        let paras = self.paragraphs(rng, false, false);
        for para in &paras {
            self.s.push_str(para);
            self.s.push_str("\n\n");
        }
        let _ = writeln!(self.s, "{}", self.class_mark());
    }

    // -- FRUS layout --------------------------------------------------------

    fn frus_title(&self) -> String {
        let p = self.p;
        match p.kind {
            Kind::Telegram => format!("Telegram From the {} to the {}", p.from.frus, p.to.frus),
            Kind::Airgram => format!("Airgram From the {} to the {}", p.from.frus, p.to.frus),
            Kind::Memo => format!(
                "Memorandum From the {} ({}) to the Secretary of State",
                MEMO_SENDERS[p.memo_sender].0, p.signer
            ),
        }
    }

    fn frus(&mut self, rng: &mut Rng) {
        let p = self.p;
        let title = self.frus_title();
        let class_word = match p.class {
            Classification::Unclassified => "Unclassified",
            Classification::LimitedOfficialUse => "Limited Official Use",
            Classification::Confidential => "Confidential",
            Classification::Secret => "Secret",
            _ => "Top Secret",
        };
        let _ = write!(
            self.s,
            "{}. {title}\n\nSource: Department of State, Central Files, {}.{:02}/{}\u{2013}{}{:02}. {class_word}",
            p.i % 900 + 1,
            [611, 740, 762, 700, 396][(p.i % 5) as usize],
            p.topic,
            p.day.m,
            p.day.d,
            p.day.y % 100
        );
        let prec = p.precedence.filter(|&x| x != "ROUTINE");
        if let Some(x) = prec {
            let w = vocab::title_series(x);
            let _ = write!(self.s, "; {w}");
        }
        for h in &p.handling {
            let _ = write!(self.s, "; {}", handling_frus(h));
        }
        self.s.push('.');
        if !p.info.is_empty() {
            let names: Vec<&str> = p.info.iter().map(|x| x.city).collect();
            let list = match names.len() {
                1 => names[0].to_string(),
                2 => format!("{} and {}", names[0], names[1]),
                _ => format!(
                    "{}, and {}",
                    names[..names.len() - 1].join(", "),
                    names[names.len() - 1]
                ),
            };
            let _ = write!(self.s, " Repeated to {list}.");
        }
        if p.kind == Kind::Memo {
            let _ = write!(self.s, " Drafted by {}.", p.drafter);
        }
        let city = p.from.city;
        if p.kind == Kind::Telegram {
            let (h, ap) = twelve_hour(p.hour);
            let _ = write!(self.s, "\n\n{city}, {}, {h} {ap}\n\n", p.day.long());
        } else {
            let _ = write!(self.s, "\n\n{city}, {}.\n\n", p.day.long());
        }
        let mut paras = self.paragraphs(rng, false, false);
        // Keep the last cite group for a footnote now and then, as editors do.
        let footnote = self.cites.last().cloned().filter(|_| p.i % 4 == 1);
        if let (Some(own), Some(first)) = (&self.own, paras.first_mut()) {
            let (series, num) = own.split_once(' ').unwrap_or(("", own));
            let lead = format!("{} {num}. ", vocab::title_series(series));
            first.insert_str(0, &lead);
        }
        if footnote.is_some() {
            if let Some(first) = paras.first_mut() {
                first.push_str("[^1]");
            }
        }
        for para in &paras {
            self.s.push_str(para);
            self.s.push_str("\n\n");
        }
        if p.kind != Kind::Memo {
            let _ = writeln!(self.s, "{}", p.signer);
        }
        if let Some(f) = footnote {
            let (series, num) = f.split_once(' ').unwrap_or(("", &f));
            let _ = write!(
                self.s,
                "\n----\nNotes:\n[^1] {} {num} was sent for information on {}. Not found in Department files.\n",
                vocab::title_series(series),
                p.day.long()
            );
        }
        let _ = rng;
    }

    fn finish(self) -> GeneratedDoc {
        let p = self.p;
        let frus = self.frus;
        let (from, to, info, subject) = if frus {
            let title = self.frus_title();
            let (from, to) = match p.kind {
                Kind::Memo => (
                    format!("{} ({})", MEMO_SENDERS[p.memo_sender].0, p.signer),
                    "Secretary of State".to_string(),
                ),
                _ => (p.from.frus.to_string(), p.to.frus.to_string()),
            };
            (from, to, p.info.iter().map(|x| x.city.to_string()).collect(), title)
        } else {
            match p.kind {
                Kind::Memo => {
                    let first = FIRST_NAMES[(p.i % FIRST_NAMES.len() as u64) as usize];
                    (
                        format!("{} - {first} {}", MEMO_SENDERS[p.memo_sender].1, p.signer),
                        "The Secretary".to_string(),
                        Vec::new(),
                        TOPICS[p.topic].1.to_string(),
                    )
                }
                // The old incoming form names cities and has no subject line.
                _ if p.old_incoming() => (
                    p.from.city.to_ascii_uppercase(),
                    "Secretary of State".to_string(),
                    p.info.iter().map(|x| x.city.to_ascii_uppercase()).collect(),
                    String::new(),
                ),
                _ => (
                    p.from.cable.to_string(),
                    p.to.cable.to_string(),
                    p.info.iter().map(|x| x.cable.to_string()).collect(),
                    self.subject(),
                ),
            }
        };
        let precedence = if frus || p.old_incoming() {
            p.precedence.filter(|&x| x != "ROUTINE")
        } else {
            p.precedence
        };
        let drafted_office = DRAFT_OFFICES[(p.i % DRAFT_OFFICES.len() as u64) as usize];
        let initial = FIRST_INITIALS[(p.i % FIRST_INITIALS.len() as u64) as usize];
        let typist = TYPIST[(p.i % TYPIST.len() as u64) as usize];
        let (signed, drafted_by, approved_by) = match (frus, p.kind) {
            (true, Kind::Memo) => (None, Some(p.drafter.to_string()), None),
            (true, _) => (Some(p.signer.to_string()), None, None),
            (false, Kind::Memo) => (None, None, None),
            (false, Kind::Telegram) => (Some(p.signer.to_ascii_uppercase()), None, None),
            (false, Kind::Airgram) => (
                Some(p.signer.to_ascii_uppercase()),
                Some(format!("{drafted_office}:{initial}{}/{typist}", p.drafter)),
                Some(format!("Amb. {}", p.signer)),
            ),
        };
        let mut persons = self.persons.clone();
        // Every layout names the signer: signature, FROM line or FRUS title.
        if !persons.contains(&p.signer) {
            persons.push(p.signer);
        }
        let truth = Truth {
            file: format!("{}/{}.txt", shard_name(p.i), archive_id(p.i, p.count)),
            archive_id: archive_id(p.i, p.count),
            layout: if frus { "frus" } else { "transcription" },
            message_id: self.own.clone(),
            date: p.day.iso(),
            classification: p.class,
            handling: p.handling.clone(),
            precedence,
            doc_type: match p.kind {
                Kind::Telegram => "telegram",
                Kind::Airgram => "airgram",
                Kind::Memo => "memorandum",
            },
            from,
            to: vec![to],
            pass: if frus || p.old_incoming() {
                Vec::new()
            } else {
                p.pass.iter().map(|x| x.to_string()).collect()
            },
            info,
            subject,
            refs: self.refs.clone(),
            cites: self.cites.clone(),
            persons,
            signed,
            drafted_by,
            approved_by,
            pages: (!frus).then_some(self.pages),
            declassified: p.declassified && !frus,
            reviews: if frus { Vec::new() } else { self.review_truth() },
        };
        GeneratedDoc { text: self.s, truth }
    }
}

/// One width for the whole corpus, so file names sort in document order.
fn archive_id(i: u64, count: u64) -> String {
    let width = count.max(1).to_string().len().max(5);
    format!("{:0width$}", i + 1)
}

#[cfg(test)]
mod tests;
