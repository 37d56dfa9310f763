//! What the store keeps of review: a dossier per record (its origin date,
//! original label and review status, for the queue), review events and
//! referrals to other agencies.

use airgram_access::{Label, Level};
use airgram_model::Record;
use sha2::{Digest, Sha256};

/// Review status of a record, for the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dossier {
    pub record_id: String,
    /// Origin date, ISO (`YYYY-MM-DD`), when known.
    pub origin: Option<String>,
    /// The original version's label.
    pub label: Label,
    pub series: Option<String>,
    pub message_id: Option<String>,
    /// A hash of the normalised body: equal texts are duplicates.
    pub fingerprint: String,
    /// `open`, `pending`, `referred`, `released`, `partial`, `withheld`, `downgraded`.
    pub status: String,
    pub next_review: Option<String>,
    pub assignee: Option<String>,
}

/// A review event as stored. `body` is the proposal (or, for a historic
/// stamp, the parsed stamp) as JSON: the store keeps it, the archive reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: u64,
    pub record_id: String,
    /// `historic`, `proposed`, `approved`, `returned`.
    pub state: String,
    pub actor: String,
    pub decider: Option<String>,
    pub created: String,
    pub decided: Option<String>,
    pub body: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: u64,
    pub event_id: u64,
    pub record_id: String,
    pub agency: String,
    pub sent: String,
    pub due: String,
    pub answered: Option<String>,
    pub answered_by: Option<String>,
    pub response: Option<String>,
    pub comment: String,
}

/// Which dossiers a queue lists.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// `due` (falls due by `today`), `pending`, `referred`, `mine`
    /// (assigned to `assignee`), or `all`.
    pub state: String,
    pub today: String,
    /// Records that originated on or before this are due by age.
    pub cutoff: String,
    /// The original labels the reviewer may see (as stored, e.g.
    /// `SECRET/NODIS`): only these are listed or counted.
    pub labels: Vec<String>,
    /// Only originals at this level (the classification filter).
    pub level: Option<Level>,
    pub series: Option<String>,
    /// Originated in or after / before these years.
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
    /// Only records with a referral to this agency (open or answered).
    pub agency: Option<String>,
    pub assignee: Option<String>,
}

/// What settling a proposal does, in one transaction.
#[derive(Debug, Clone)]
pub struct Settle {
    pub event_id: u64,
    /// `approved` or `returned`.
    pub state: String,
    pub decider: String,
    pub note: String,
    /// A release to publish (numbered as a batch of its own by the store).
    pub publish: Option<crate::NewVersion>,
    pub status: String,
    pub next_review: Option<String>,
    /// Referrals to open: agency and due date.
    pub referrals: Vec<(String, String)>,
    /// The decision's audit entry, written in the same transaction.
    pub audit: crate::AuditNote,
}

pub(crate) fn level_rank(l: Level) -> i64 {
    Level::ALL.iter().position(|x| *x == l).unwrap_or(3) as i64
}

pub fn fingerprint(body: &str) -> String {
    let digest = if body.is_ascii() {
        // The same bytes as below, made in one pass and hashed in one call
        // (ingest computes this for every record; hashing word by word
        // cost more than the hash itself).
        let mut norm = Vec::with_capacity(body.len());
        for &b in body.as_bytes() {
            // ASCII's Unicode whitespace: `split_whitespace` splits on
            // these, vertical tab included.
            if matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
                if norm.last().is_some_and(|&l| l != b' ') {
                    norm.push(b' ');
                }
            } else {
                norm.push(b.to_ascii_lowercase());
            }
        }
        if norm.last() == Some(&b' ') {
            norm.pop();
        }
        if norm.is_empty() {
            return String::new();
        }
        Sha256::digest(&norm)
    } else {
        let norm = body.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if norm.is_empty() {
            return String::new();
        }
        Sha256::digest(norm.as_bytes())
    };
    airgram_model::hex(&digest[..8])
}

/// The dossier of a record from its original version.
pub(crate) fn dossier_of(record_id: &str, label: &Label, r: &Record) -> Dossier {
    let series = r.message_id.as_deref().and_then(airgram_model::series_of);
    Dossier {
        record_id: record_id.to_string(),
        origin: r.date.as_deref().and_then(airgram_review::policy::normalise_date),
        label: label.clone(),
        series,
        message_id: r.message_id.clone(),
        fingerprint: fingerprint(&r.body),
        status: "open".into(),
        next_review: None,
        assignee: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: whitespace collapsed, lower case, SHA-256.
    fn reference(body: &str) -> String {
        let norm = body.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if norm.is_empty() {
            return String::new();
        }
        Sha256::digest(norm.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn fingerprints_hash_the_normalised_text() {
        for body in [
            "",
            "  \n\t ",
            "The Council met.",
            "  The  COUNCIL\tmet.\r\n\x0bAgain ",
            "Genève: the Σ talks",
        ] {
            assert_eq!(fingerprint(body), reference(body), "{body:?}");
        }
        assert_eq!(fingerprint("a  b"), fingerprint("A\nB"));
        assert_ne!(fingerprint("a b"), fingerprint("ab"));
    }

    proptest::proptest! {
        /// Texts made of words and every kind of ASCII whitespace, in runs
        /// at either end too: the one-pass path agrees with the definition.
        #[test]
        fn ascii_fingerprints_match_the_definition(body in "[ \t\n\x0b\x0c\rAbZz.,0-9]{0,40}") {
            proptest::prop_assert_eq!(fingerprint(&body), reference(&body));
        }
    }
}
