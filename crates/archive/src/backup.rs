//! Online backup and restore. The store is the archive; the index is
//! derived from it. A backup is therefore a consistent snapshot of the
//! store, taken while servers and ingests go on, and a manifest; a
//! restore puts the snapshot in place and the index is rebuilt from it on
//! first open (the restored archive has no index `FORMAT` mark).

use crate::{Archive, ArchiveError, Result};
use airgram_store::{verify_audit, AuditLog, Records, SqliteStore};
use serde::{Deserialize, Serialize};
use std::path::Path;

const DB: &str = "archive.db";
const MANIFEST: &str = "BACKUP.json";

/// What a backup holds, written beside it and checked on restore.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// When the snapshot was taken (RFC 3339, UTC).
    pub taken: String,
    pub records: usize,
    pub audit_entries: usize,
    /// The hash of the last audit entry: the restored chain must end on it.
    pub audit_head: String,
}

fn io(p: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + '_ {
    move |e| ArchiveError::Io(p.to_path_buf(), e)
}

/// Syncs a file and its directory, so a finished backup survives a crash.
fn sync(path: &Path) -> Result<()> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(io(path))?;
    if let Some(dir) = path.parent() {
        #[cfg(unix)]
        std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(io(dir))?;
    }
    Ok(())
}

/// Counts and checks a store snapshot.
fn manifest_of(db: &Path) -> Result<Manifest> {
    let store = SqliteStore::open(db)?;
    let audit = store.audit_entries()?;
    if let Err((seq, why)) = verify_audit(&audit) {
        return Err(ArchiveError::Invalid(format!(
            "{}: audit chain broken at entry {seq}: {why}",
            db.display()
        )));
    }
    Ok(Manifest {
        taken: airgram_model::calendar::rfc3339(crate::auth::now()),
        records: store.record_ids()?.len(),
        audit_entries: audit.len(),
        audit_head: audit.last().map(|e| e.hash.clone()).unwrap_or_default(),
    })
}

fn empty_or_absent(dir: &Path) -> Result<()> {
    match std::fs::read_dir(dir).map(|mut entries| entries.next().is_none()) {
        Ok(false) => Err(ArchiveError::Invalid(format!(
            "{} is not empty; name a new directory",
            dir.display()
        ))),
        Ok(true) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(dir).map_err(io(dir)),
        Err(e) => Err(io(dir)(e)),
    }
}

/// Backs up the archive in `archive` to the new directory `to`, while it
/// stays in use.
pub fn backup(archive: &Path, to: &Path) -> Result<Manifest> {
    let db = archive.join(DB);
    if !db.exists() {
        return Err(ArchiveError::Invalid(format!("no archive at {}", archive.display())));
    }
    empty_or_absent(to)?;
    let partial = to.join(format!("{DB}.partial"));
    SqliteStore::snapshot(&db, &partial)?;
    let m = manifest_of(&partial)?;
    sync(&partial)?;
    std::fs::rename(&partial, to.join(DB)).map_err(io(to))?;
    let manifest = to.join(MANIFEST);
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).expect("manifests serialise")).map_err(io(&manifest))?;
    sync(&manifest)?;
    Ok(m)
}

/// Restores the backup in `from` as a new archive at `to`, checks it
/// against its manifest, and opens it (which rebuilds the index).
pub fn restore(from: &Path, to: &Path) -> Result<Manifest> {
    let manifest = from.join(MANIFEST);
    let want: Manifest = serde_json::from_slice(&std::fs::read(&manifest).map_err(io(&manifest))?)
        .map_err(|e| ArchiveError::Invalid(format!("{}: {e}", manifest.display())))?;
    empty_or_absent(to)?;
    let partial = to.join(format!("{DB}.partial"));
    std::fs::copy(from.join(DB), &partial).map_err(io(&partial))?;
    let got = manifest_of(&partial)?;
    if (got.records, got.audit_entries, &got.audit_head) != (want.records, want.audit_entries, &want.audit_head) {
        return Err(ArchiveError::Invalid(format!(
            "{} does not match its manifest ({} records and {} audit entries, not {} and {})",
            from.display(),
            got.records,
            got.audit_entries,
            want.records,
            want.audit_entries
        )));
    }
    sync(&partial)?;
    std::fs::rename(&partial, to.join(DB)).map_err(io(to))?;
    drop(Archive::open(to)?);
    Ok(want)
}
