//! Parsing declassified diplomatic records into [`Record`]s.
//!
//! Architecture invariant: parsing never fails and never panics. Whatever
//! the bytes, the parser returns a record; what it could not settle goes
//! into `warnings`. Only reading files can fail, and that lives in
//! [`read_path`], not in the parsers.
//!
//! Three layouts are read:
//! - FRUS plain-text renditions (`43. Telegram From ...` then `Source: ...`),
//! - FRUS TEI volumes (one record per `div[@type="document"]`),
//! - archival transcriptions: OCR of the originals with their stamps and
//!   form boilerplate (the seed, the JFK collection), and clean typed text.

pub mod date;
pub mod eval;
pub mod frus;
pub mod msgid;
pub mod nara;
pub mod neardup;
pub mod ocr;
pub mod persons;
pub mod tei;
pub mod text;

pub use airgram_model::Record;
pub use persons::Authority;

use std::path::{Path, PathBuf};

/// The layout of a text document, decided from its first lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A FRUS plain-text rendition.
    Frus,
    /// Anything else: an archival transcription.
    Transcription,
}

/// Decides the layout: a FRUS rendition opens with a numbered heading and
/// has a `Source:` note (or is an editorial note) near the top.
pub fn detect_layout(src: &str) -> Layout {
    let mut lines = src.lines().filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return Layout::Transcription;
    };
    let numbered = first
        .find(". ")
        .is_some_and(|p| p > 0 && p < 6 && first[..p].bytes().all(|b| b.is_ascii_digit()));
    if !numbered {
        return Layout::Transcription;
    }
    let second = lines.next().unwrap_or("");
    if second.starts_with("Source:") || second.starts_with("[Source:") || first.contains("Editorial Note") {
        return Layout::Frus;
    }
    // Numbered heading with a dateline: FRUS without a source note.
    if frus::dateline_date(second).is_some() && second.len() < 120 {
        return Layout::Frus;
    }
    Layout::Transcription
}

/// Decodes bytes as UTF-8, lossily, warning when bytes were replaced.
pub fn decode(bytes: &[u8]) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(format!(
                "invalid UTF-8 at byte {}: read lossily, spans refer to the decoded text",
                e.valid_up_to()
            )),
        ),
    }
}

/// Parses one text document. Never fails.
pub fn parse_text(source_path: &str, bytes: &[u8], authority: Option<&Authority>) -> Record {
    let (src, warning) = decode(bytes);
    let mut rec = Record::new(source_path);
    if let Some(w) = warning {
        rec.warn(w);
    }
    // Text has no NUL bytes; a run of them near the start means binary.
    if src.as_bytes().iter().take(8192).filter(|&&b| b == 0).count() >= 16 {
        rec.warn("binary content: no text to parse");
        return rec;
    }
    match detect_layout(&src) {
        Layout::Frus => frus::parse_text(&src, &mut rec, authority),
        Layout::Transcription => ocr::parse(&src, &mut rec),
    }
    if rec.date.is_none() && rec.doc_type.as_deref() != Some("editorial note") {
        rec.warn("no date found");
    }
    rec
}

/// A readable input could not be read: names the path.
#[derive(Debug)]
pub struct ReadError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for ReadError {}

/// The files a path stands for: itself, or the `.txt` and `.xml` files under
/// it, recursively, in sorted order.
pub fn input_files(path: &Path) -> Result<Vec<PathBuf>, ReadError> {
    let err = |error| ReadError {
        path: path.to_path_buf(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(err)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|error| ReadError {
            path: dir.clone(),
            error,
        })?;
        for entry in rd {
            let entry = entry.map_err(|error| ReadError {
                path: dir.clone(),
                error,
            })?;
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("txt" | "xml")) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The authority file for a FRUS text rendition: `persons.json` beside it.
pub fn sibling_authority(path: &Path) -> Option<Authority> {
    let json = std::fs::read_to_string(path.parent()?.join("persons.json")).ok()?;
    Authority::from_json(&json)
}

/// Reads and parses one file: a `.xml` TEI volume gives one record per
/// document, anything else one record.
pub fn read_path(path: &Path, authorities: &mut AuthorityCache) -> Result<Vec<Record>, ReadError> {
    let bytes = std::fs::read(path).map_err(|error| ReadError {
        path: path.to_path_buf(),
        error,
    })?;
    let shown = path.display().to_string();
    if path.extension().and_then(|e| e.to_str()) == Some("xml") {
        return Ok(tei::parse_volume(&shown, &bytes));
    }
    let auth = authorities.for_file(path);
    Ok(vec![parse_text(&shown, &bytes, auth)])
}

/// Loads each directory's `persons.json` once.
#[derive(Default)]
pub struct AuthorityCache {
    dirs: std::collections::HashMap<PathBuf, Option<Authority>>,
}

impl AuthorityCache {
    pub fn for_file(&mut self, path: &Path) -> Option<&Authority> {
        let dir = path.parent()?.to_path_buf();
        self.dirs.entry(dir).or_insert_with(|| sibling_authority(path)).as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(
            detect_layout("43. Telegram From A to B\n\nSource: x. Secret.\n"),
            Layout::Frus
        );
        assert_eq!(detect_layout("12. Editorial Note\n\nIn a speech\n"), Layout::Frus);
        assert_eq!(
            detect_layout("\n\n**01103**\n\n**1962/11/07**\n"),
            Layout::Transcription
        );
        assert_eq!(detect_layout(""), Layout::Transcription);
    }

    #[test]
    fn never_panics_on_junk() {
        for junk in [
            &b""[..],
            b"\xff\xfe\x00\x00",
            b"1. \n",
            b"[[[[",
            b"Source:",
            b"1. x\nSource: .",
        ] {
            let r = parse_text("junk", junk, None);
            assert_eq!(r.source_path, "junk");
        }
    }

    #[test]
    fn invalid_utf8_warns() {
        let r = parse_text("x.txt", b"SECRET\n\xff\xffhello", None);
        assert!(r.warnings.iter().any(|w| w.contains("invalid UTF-8")));
    }
}
