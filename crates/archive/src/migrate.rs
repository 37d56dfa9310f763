//! Moving an archive to another store (`airgram migrate`): an embedded
//! archive into PostgreSQL, or back. Everything the store holds is copied:
//! sources and versions (as they are, not re-parsed), users and their
//! password hashes, review (dossiers, events, referrals, with their ids)
//! and the audit log (entries as they are, so the chain verifies in the
//! copy and each entry still names what it recorded). Sessions are not
//! copied: everyone signs in again. The index is derived: the copy's is
//! built from it on first open. Outgoing messages are not copied yet, so a
//! store that holds any is refused, not copied without them.

use crate::{ArchiveError, Result};
use airgram_store::{NewRecord, NewVersion, Store, Version};

/// What a copy moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Moved {
    pub records: usize,
    pub versions: usize,
    pub users: usize,
    pub review_events: usize,
    pub referrals: usize,
    pub audit_entries: usize,
}

/// Records per batch of the copy.
const BATCH: usize = 2_000;

/// Copies everything `from` holds into `to`, which must hold nothing yet;
/// `progress` gets the number of records copied so far.
pub fn copy(from: &dyn Store, to: &dyn Store, mut progress: impl FnMut(usize)) -> Result<Moved> {
    if !to.versions_page(None, 1)?.is_empty() || !to.audit_entries()?.is_empty() || !to.all_users()?.is_empty() {
        return Err(ArchiveError::Invalid(format!(
            "{} is not empty: an archive is copied into an empty store",
            to.describe()
        )));
    }
    // Messages being written, their numbers and registers are not copied
    // yet: refused rather than left behind.
    let messages = from.outgoing_count()?;
    if messages > 0 {
        return Err(ArchiveError::Invalid(format!(
            "{} holds {messages} outgoing message(s), which migrate does not move yet; \
             finish with them there, or copy the database another way",
            from.describe()
        )));
    }
    let mut moved = Moved::default();
    for (u, phc) in from.all_users()? {
        to.put_user(&u)?;
        if let Some(p) = phc {
            to.set_password_hash(&u.name, &p)?;
        }
        moved.users += 1;
    }
    let mut after: Option<String> = None;
    loop {
        let page = from.versions_page(after.as_deref(), BATCH)?;
        let Some(last) = page.last() else { break };
        after = Some(last.record_id.clone());
        let mut batch = Vec::new();
        for versions in page.chunk_by(|a, b| a.record_id == b.record_id) {
            batch.push(new_record(from, versions)?);
            moved.versions += versions.len();
        }
        moved.records += batch.len();
        to.commit_batch(&batch)?;
        progress(moved.records);
    }
    let events: Vec<_> = from.all_events(true)?.into_iter().map(|(e, _)| e).collect();
    let referrals = from.referrals(None)?;
    to.import_review(&from.all_dossiers()?, &events, &referrals)?;
    moved.review_events = events.len();
    moved.referrals = referrals.len();
    let audit = from.audit_entries()?;
    to.import_audit(&audit)?;
    moved.audit_entries = audit.len();
    Ok(moved)
}

/// A stored record as a new one: its source, and its versions in order.
/// A store numbers a record's versions 1, 2, 3… as they come, so they
/// keep their numbers only if none is missing, which is checked.
fn new_record(from: &dyn Store, versions: &[Version]) -> Result<NewRecord> {
    let id = &versions[0].record_id;
    for (i, v) in versions.iter().enumerate() {
        if v.seq != i as u64 + 1 {
            return Err(ArchiveError::Invalid(format!(
                "record {id}: version {} follows {i}; the copy would renumber it",
                v.seq
            )));
        }
    }
    let (source_path, source) = from
        .source(id)?
        .ok_or_else(|| ArchiveError::Invalid(format!("record {id} has versions but no source")))?;
    Ok(NewRecord {
        id: id.clone(),
        source_path,
        source,
        versions: versions
            .iter()
            .map(|v| NewVersion {
                kind: v.kind,
                label: v.label.clone(),
                record: v.record.clone(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use airgram_store::{AuditNote, Messages, Migration, Records, SqliteStore};

    #[test]
    fn a_store_with_outgoing_messages_is_refused_not_copied_without_them() {
        let dir = tempfile::tempdir().unwrap();
        let from = SqliteStore::open(&dir.path().join("from.db")).unwrap();
        let to = SqliteStore::open(&dir.path().join("to.db")).unwrap();
        from.add_draft("{}", "ann", &AuditNote::new("ann", "message.draft", "message", ""))
            .unwrap();
        let e = copy(&from, &to, |_| {}).unwrap_err().to_string();
        assert!(e.contains("1 outgoing message(s)"), "{e}");
        assert!(to.versions_page(None, 1).unwrap().is_empty() && to.all_users().unwrap().is_empty());
    }
}
