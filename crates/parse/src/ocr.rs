//! Archival transcriptions: OCR of originals with stamps and boilerplate.

use airgram_model::Record;

/// Parses an archival transcription into `rec`. Never fails.
pub fn parse(src: &str, rec: &mut Record) {
    rec.body = src.trim().to_string();
    crate::persons::extract(src, rec, None);
}
