//! FRUS TEI volumes.

use airgram_model::Record;

/// One record per `div[@type="document"]`.
pub fn parse_volume(path: &str, bytes: &[u8]) -> Vec<Record> {
    let _ = bytes;
    vec![Record::new(path)]
}
