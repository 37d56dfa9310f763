//! The search language: words, `"phrases"`, `prefix*`, `AND` / `OR` / `NOT`
//! (or `-word`), parentheses, and fields: `from: to: subject: type:
//! classification: series: person: message:` and date ranges
//! `date:1962-10..1962-11` (either end may be left open).
//!
//! Parsing is separate from the index so that syntax errors are reported
//! before any partition is touched, with the position of the problem.

use std::fmt;

/// The bounds a query must keep. A query comes from anyone (an
/// unauthenticated GET), and the parser and every step after it walk the
/// query tree recursively, so nesting is bounded before it is built: 3,000
/// parentheses once overflowed a server worker's stack. The figures are far
/// above what a person writes and far below what any thread's stack holds.
pub mod limits {
    /// Bytes of query text the parser reads: a typed query (the server
    /// takes 4 KB of one) and the filters the server adds to it.
    pub const MAX_LEN: usize = 16 * 1024;
    /// Parentheses and NOTs open at once.
    pub const MAX_DEPTH: usize = 32;
    /// Words, phrases, prefixes, fields and date ranges in one query.
    pub const MAX_TERMS: usize = 256;
    /// Prefix searches (`khrush*`) in one query: each reads a span of the
    /// term dictionary of every visible partition.
    pub const MAX_PREFIXES: usize = 16;
    /// Letters a prefix needs before its `*`: `a*` would read a
    /// twenty-sixth of the dictionary.
    pub const MIN_PREFIX: usize = 2;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    From,
    To,
    Subject,
    Type,
    Classification,
    Series,
    Person,
    Message,
}

impl Field {
    pub const NAMES: &'static [&'static str] = &[
        "from",
        "to",
        "subject",
        "type",
        "classification",
        "series",
        "person",
        "message",
        "date",
    ];

    fn parse(s: &str) -> Option<Field> {
        Some(match s.to_ascii_lowercase().as_str() {
            "from" => Field::From,
            "to" => Field::To,
            "subject" => Field::Subject,
            "type" => Field::Type,
            "classification" | "class" => Field::Classification,
            "series" => Field::Series,
            "person" => Field::Person,
            "message" | "msg" => Field::Message,
            _ => return None,
        })
    }
}

/// A date bound as days since 1970-01-01 (negative before).
pub type Day = i64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Word(String),
    Prefix(String),
    Phrase(String),
    Field(Field, String),
    DateRange(Option<Day>, Option<Day>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// The empty query: everything the reader may see.
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
    /// Byte offset in the query text.
    pub position: usize,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

impl std::error::Error for QueryError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String, usize),
    Phrase(String, usize),
    Field(String, usize),
    LParen(usize),
    RParen(usize),
    And(usize),
    Or(usize),
    Not(usize),
}

fn lex(q: &str) -> Result<Vec<Tok>, QueryError> {
    let mut out = Vec::new();
    let mut chars = q.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            out.push(Tok::LParen(i));
            chars.next();
        } else if c == ')' {
            out.push(Tok::RParen(i));
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            let mut closed = false;
            for (_, c) in chars.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                s.push(c);
            }
            if !closed {
                return Err(QueryError {
                    message: "unclosed quote: a phrase needs its closing \"".into(),
                    position: i,
                });
            }
            out.push(Tok::Phrase(s, i));
        } else if c == '-' && out.last().is_none_or(|t| !matches!(t, Tok::Field(..))) {
            chars.next();
            out.push(Tok::Not(i));
        } else {
            let mut s = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                    break;
                }
                s.push(c);
                chars.next();
                if c == ':' && Field::NAMES.contains(&s[..s.len() - 1].to_ascii_lowercase().as_str()) {
                    break;
                }
            }
            if let Some(name) = s
                .strip_suffix(':')
                .filter(|n| Field::NAMES.contains(&n.to_ascii_lowercase().as_str()))
            {
                out.push(Tok::Field(name.to_ascii_lowercase(), i));
            } else {
                match s.as_str() {
                    "AND" | "&&" => out.push(Tok::And(i)),
                    "OR" | "||" => out.push(Tok::Or(i)),
                    "NOT" => out.push(Tok::Not(i)),
                    _ => out.push(Tok::Word(s, i)),
                }
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    len: usize,
    /// Parentheses and NOTs open here.
    depth: usize,
    terms: usize,
    prefixes: usize,
}

fn tok_pos(t: &Tok) -> usize {
    match t {
        Tok::Word(_, p) | Tok::Phrase(_, p) | Tok::Field(_, p) => *p,
        Tok::LParen(p) | Tok::RParen(p) | Tok::And(p) | Tok::Or(p) | Tok::Not(p) => *p,
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn here(&self) -> usize {
        self.peek().map_or(self.len, tok_pos)
    }
    fn err<T>(&self, message: impl Into<String>) -> Result<T, QueryError> {
        Err(QueryError {
            message: message.into(),
            position: self.here(),
        })
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.and()?];
        while matches!(self.peek(), Some(Tok::Or(_))) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one")
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Tok::And(_)) => {
                    self.pos += 1;
                    parts.push(self.unary()?);
                }
                Some(Tok::Or(_)) | Some(Tok::RParen(_)) | None => break,
                Some(_) => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one")
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if matches!(self.peek(), Some(Tok::Not(_))) {
            self.enter()?;
            self.pos += 1;
            let e = Expr::Not(Box::new(self.unary()?));
            self.depth -= 1;
            return Ok(e);
        }
        self.primary()
    }

    /// One more level of nesting, refused past the bound before recursing.
    fn enter(&mut self) -> Result<(), QueryError> {
        if self.depth >= limits::MAX_DEPTH {
            return self.err(format!(
                "the query nests parentheses and NOTs more than {} deep",
                limits::MAX_DEPTH
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Counts a term (and a prefix) against the bounds.
    fn term(&mut self, at: usize, prefix: bool) -> Result<(), QueryError> {
        self.terms += 1;
        self.prefixes += usize::from(prefix);
        let message = if self.terms > limits::MAX_TERMS {
            format!("the query has more than {} terms", limits::MAX_TERMS)
        } else if self.prefixes > limits::MAX_PREFIXES {
            format!(
                "the query has more than {} prefix searches (word*)",
                limits::MAX_PREFIXES
            )
        } else {
            return Ok(());
        };
        Err(QueryError { message, position: at })
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let Some(t) = self.peek().cloned() else {
            return self.err("the query ends where a word, phrase or field was expected");
        };
        if matches!(t, Tok::LParen(_)) {
            self.enter()?;
        }
        self.pos += 1;
        match t {
            Tok::LParen(_) => {
                let e = self.or()?;
                if !matches!(self.peek(), Some(Tok::RParen(_))) {
                    return self.err("missing closing parenthesis");
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(e)
            }
            Tok::RParen(p) => Err(QueryError {
                message: "a closing parenthesis without an opening one".into(),
                position: p,
            }),
            Tok::And(p) | Tok::Or(p) => Err(QueryError {
                message: "AND/OR needs a term on both sides".into(),
                position: p,
            }),
            Tok::Not(_) => unreachable!("handled in unary"),
            Tok::Phrase(s, p) => {
                self.term(p, false)?;
                Ok(Expr::Phrase(s))
            }
            Tok::Word(w, p) => match w.strip_suffix('*') {
                Some(stem) if !stem.is_empty() => {
                    if stem.chars().filter(|c| c.is_alphanumeric()).count() < limits::MIN_PREFIX {
                        return Err(QueryError {
                            message: format!(
                                "{w} is too short a prefix: give at least {} letters before the *",
                                limits::MIN_PREFIX
                            ),
                            position: p,
                        });
                    }
                    self.term(p, true)?;
                    Ok(Expr::Prefix(stem.to_string()))
                }
                _ => {
                    self.term(p, false)?;
                    Ok(Expr::Word(w))
                }
            },
            Tok::Field(name, p) => {
                self.term(p, false)?;
                let value = match self.peek().cloned() {
                    Some(Tok::Word(w, _)) | Some(Tok::Phrase(w, _)) => {
                        self.pos += 1;
                        w
                    }
                    _ => {
                        return Err(QueryError {
                            message: format!("{name}: needs a value, e.g. {name}:value or {name}:\"two words\""),
                            position: p,
                        })
                    }
                };
                if name == "date" {
                    return date_range(&value).ok_or(QueryError {
                        message: format!(
                            "date:{value} is not a date or range; use date:1962, date:1962-10, date:1962-10-22 or date:1962-10..1962-11"
                        ),
                        position: p,
                    });
                }
                Ok(Expr::Field(Field::parse(&name).expect("lexer checked"), value))
            }
        }
    }
}

/// Parses a query. The empty query matches everything visible.
pub fn parse(q: &str) -> Result<Expr, QueryError> {
    if q.len() > limits::MAX_LEN {
        return Err(QueryError {
            message: format!("the query is longer than {} bytes", limits::MAX_LEN),
            position: limits::MAX_LEN,
        });
    }
    let toks = lex(q)?;
    if toks.is_empty() {
        return Ok(Expr::All);
    }
    let mut p = Parser {
        toks,
        pos: 0,
        len: q.len(),
        depth: 0,
        terms: 0,
        prefixes: 0,
    };
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return p.err("unexpected text here");
    }
    Ok(e)
}

pub use airgram_model::calendar::days_from_civil;

/// `1962`, `1962-10`, `1962-10-22` as the first and last day they cover.
fn date_bounds(s: &str) -> Option<(Day, Day)> {
    let parts: Vec<&str> = s.split('-').collect();
    let num = |x: &str| x.parse::<i64>().ok();
    match parts.as_slice() {
        [y] if y.len() == 4 => {
            let y = num(y)?;
            Some((days_from_civil(y, 1, 1), days_from_civil(y, 12, 31)))
        }
        [y, m] if y.len() == 4 => {
            let (y, m) = (num(y)?, num(m)?);
            if !(1..=12).contains(&m) {
                return None;
            }
            let next = if m == 12 {
                days_from_civil(y + 1, 1, 1)
            } else {
                days_from_civil(y, m + 1, 1)
            };
            Some((days_from_civil(y, m, 1), next - 1))
        }
        [y, m, d] if y.len() == 4 => {
            let (y, m, d) = (num(y)?, num(m)?, num(d)?);
            if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                return None;
            }
            let day = days_from_civil(y, m, d);
            Some((day, day))
        }
        _ => None,
    }
}

fn date_range(v: &str) -> Option<Expr> {
    match v.split_once("..") {
        Some((a, b)) => {
            let lo = if a.is_empty() { None } else { Some(date_bounds(a)?.0) };
            let hi = if b.is_empty() { None } else { Some(date_bounds(b)?.1) };
            if lo.is_none() && hi.is_none() {
                return None;
            }
            Some(Expr::DateRange(lo, hi))
        }
        None => {
            let (lo, hi) = date_bounds(v)?;
            Some(Expr::DateRange(Some(lo), Some(hi)))
        }
    }
}

/// Day number of an ISO date (`1962-11-07`, `1962-11-07T17:00`).
pub fn iso_day(iso: &str) -> Option<Day> {
    let d = iso.get(..10)?;
    date_bounds(d).map(|b| b.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(parse("cuba").unwrap(), Expr::Word("cuba".into()));
        assert_eq!(
            parse("cuba berlin").unwrap(),
            Expr::And(vec![Expr::Word("cuba".into()), Expr::Word("berlin".into())])
        );
        assert_eq!(
            parse("cuba OR berlin -moscow").unwrap(),
            Expr::Or(vec![
                Expr::Word("cuba".into()),
                Expr::And(vec![
                    Expr::Word("berlin".into()),
                    Expr::Not(Box::new(Expr::Word("moscow".into())))
                ])
            ])
        );
        assert_eq!(
            parse("from:\"USRO PARIS\" type:airgram").unwrap(),
            Expr::And(vec![
                Expr::Field(Field::From, "USRO PARIS".into()),
                Expr::Field(Field::Type, "airgram".into())
            ])
        );
        assert_eq!(parse("khrush*").unwrap(), Expr::Prefix("khrush".into()));
        assert_eq!(parse("").unwrap(), Expr::All);
    }

    #[test]
    fn date_ranges() {
        let Expr::DateRange(Some(lo), Some(hi)) = parse("date:1962-10..1962-11").unwrap() else {
            panic!()
        };
        assert_eq!(lo, days_from_civil(1962, 10, 1));
        assert_eq!(hi, days_from_civil(1962, 11, 30));
        assert_eq!(
            parse("date:..1962").unwrap(),
            Expr::DateRange(None, Some(days_from_civil(1962, 12, 31)))
        );
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(iso_day("1969-12-31T23:00"), Some(-1));
    }

    #[test]
    fn errors_say_where() {
        let e = parse("cuba AND").unwrap_err();
        assert!(e.message.contains("ends"), "{e}");
        let e = parse("\"open phrase").unwrap_err();
        assert_eq!(e.position, 0);
        assert!(parse("(cuba").is_err());
        assert!(parse("date:soon").unwrap_err().message.contains("date:"));
        assert!(parse("from:").is_err());
        assert!(parse("OR cuba").is_err());
    }

    /// Regression (issue 22): `q=` and 3,000 `(`, 3,000 `NOT ` or 6,000
    /// `-` overflowed a server worker's stack and took the process down.
    /// On a small stack, as a worker's is, each is now an error that says
    /// why.
    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let run = || {
            // The reported queries, and others as deep as the length
            // allows, are past the depth bound.
            for q in [
                "(".repeat(3000),
                "NOT ".repeat(3000),
                "-".repeat(6000),
                "(".repeat(16_000),
                "(-".repeat(8000),
            ] {
                let e = parse(&(q + "cuba")).unwrap_err();
                assert!(e.message.contains("deep"), "{e}");
            }
            assert!(parse(&"(".repeat(limits::MAX_LEN + 1))
                .unwrap_err()
                .message
                .contains("longer"));
            // At the bound itself it parses.
            let ok = "(".repeat(limits::MAX_DEPTH) + "cuba" + &")".repeat(limits::MAX_DEPTH);
            assert_eq!(parse(&ok).unwrap(), Expr::Word("cuba".into()));
            let e = parse(&("(".repeat(limits::MAX_DEPTH + 1) + "cuba")).unwrap_err();
            assert_eq!(e.position, limits::MAX_DEPTH, "{e}");
        };
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn too_many_terms_or_prefixes_or_too_short_a_prefix() {
        let many = vec!["cuba"; limits::MAX_TERMS + 1].join(" OR ");
        assert!(parse(&many).unwrap_err().message.contains("terms"));
        assert!(parse(&vec!["cuba"; limits::MAX_TERMS].join(" OR ")).is_ok());
        let prefixes = vec!["khr*"; limits::MAX_PREFIXES + 1].join(" ");
        assert!(parse(&prefixes).unwrap_err().message.contains("prefix"));
        let e = parse("cuba a*").unwrap_err();
        assert!(e.message.contains("too short"), "{e}");
        assert_eq!(e.position, 5);
        assert_eq!(parse("kh*").unwrap(), Expr::Prefix("kh".into()));
    }
}
