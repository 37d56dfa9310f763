//! What the store keeps of review: a dossier per record (its origin date,
//! original label and review status, for the queue), review events and
//! referrals to other agencies.

use crate::{EventState, Status};
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
    pub status: Status,
    pub next_review: Option<String>,
    pub assignee: Option<String>,
}

/// A review event as stored. `body` is the proposal (or, for a historic
/// stamp, the parsed stamp) as JSON: the store keeps it, the archive reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: u64,
    pub record_id: String,
    pub state: EventState,
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
    /// [`EventState::Approved`] or [`EventState::Returned`].
    pub state: EventState,
    pub decider: String,
    pub note: String,
    /// A release to publish (numbered as a batch of its own by the store).
    pub publish: Option<crate::NewVersion>,
    pub status: Status,
    pub next_review: Option<String>,
    /// Referrals to open: agency and due date.
    pub referrals: Vec<(String, String)>,
    /// The decision's audit entry, written in the same transaction.
    pub audit: crate::AuditNote,
}

/// A value a queue query binds, whatever the backend.
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

pub(crate) const DOSSIER_COLS: &str =
    "record_id, origin, label, series, message_id, fingerprint, status, next_review, assignee";

/// Undated records last; then by the date they fell due.
pub(crate) const QUEUE_ORDER: &str = "COALESCE(next_review, origin) IS NULL, COALESCE(next_review, origin), record_id";

/// The WHERE clause of a queue query and its arguments. The reviewer's
/// visible labels are part of the query, so nothing else is counted.
/// `ph(n)` writes the n-th placeholder (from 1) as the backend spells it.
pub(crate) fn queue_filter(q: &QueueQuery, ph: impl Fn(usize) -> String) -> (String, Vec<Arg>) {
    let mut args: Vec<Arg> = Vec::new();
    let mut arg = |v: Arg| {
        args.push(v);
        ph(args.len())
    };
    let mut w: Vec<String> = Vec::new();
    match q.state.as_str() {
        "pending" => w.push("status = 'pending'".into()),
        "referred" => w.push("status = 'referred'".into()),
        "mine" => w.push(format!(
            "assignee = {} AND status != 'released'",
            arg(Arg::Text(q.assignee.clone().unwrap_or_default()))
        )),
        "all" => {}
        // Undated records count as due: nothing shows they are younger
        // than the cutoff, and falling due only puts them before a reviewer.
        _ => {
            let today = arg(Arg::Text(q.today.clone()));
            let cutoff = arg(Arg::Text(q.cutoff.clone()));
            w.push(format!(
                "status NOT IN ('released', 'pending', 'referred') AND \
                 ((next_review IS NOT NULL AND next_review <= {today}) OR \
                  (next_review IS NULL AND (origin IS NULL OR origin <= {cutoff})))"
            ));
        }
    }
    let labels: Vec<String> = q.labels.iter().map(|l| arg(Arg::Text(l.clone()))).collect();
    w.push(if labels.is_empty() {
        "1 = 0".into()
    } else {
        format!("label IN ({})", labels.join(", "))
    });
    if let Some(l) = q.level {
        w.push(format!("level = {}", arg(Arg::Int(level_rank(l)))));
    }
    if let Some(s) = &q.series {
        w.push(format!("series = {}", arg(Arg::Text(s.clone()))));
    }
    if let Some(y) = q.from_year {
        w.push(format!("origin >= {}", arg(Arg::Text(format!("{y:04}")))));
    }
    if let Some(y) = q.to_year {
        w.push(format!("origin < {}", arg(Arg::Text(format!("{:04}", y + 1)))));
    }
    if let Some(a) = &q.agency {
        w.push(format!(
            "record_id IN (SELECT record_id FROM referrals WHERE agency = {})",
            arg(Arg::Text(a.clone()))
        ));
    }
    (w.join(" AND "), args)
}

pub(crate) const REFERRAL_COLS: &str =
    "id, event_id, record_id, agency, sent, due, answered, answered_by, response, comment";

pub(crate) const EVENT_COLS: &str = "id, record_id, state, actor, decider, created, decided, body, note";

/// A review stamp parsed from a record, as the row of a historic event.
pub(crate) struct Historic {
    pub actor: String,
    pub date: String,
    pub body: String,
}

pub(crate) fn historic_rows(r: &Record) -> Vec<Historic> {
    r.reviews
        .iter()
        .map(|rv| Historic {
            actor: rv.office.clone().or(rv.reviewer.clone()).unwrap_or_default(),
            date: rv.date.clone().unwrap_or_default(),
            body: serde_json::to_string(rv).expect("stamps serialise"),
        })
        .collect()
}

/// A new record's dossier and historic stamps, from its first version.
pub(crate) fn first_dossier(r: &crate::NewRecord) -> Option<(Dossier, Vec<Historic>)> {
    r.versions.first().map(|v| {
        let mut d = dossier_of(&r.id, &v.label, &v.record);
        // Open to the public in full already (unclassified, or ingested
        // as released): nothing to declassify.
        if r.versions
            .iter()
            .any(|v| v.kind != airgram_access::VersionKind::Redacted && v.label == Label::unclassified())
        {
            d.status = Status::Released;
        }
        (d, historic_rows(&v.record))
    })
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
        status: Status::Open,
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
