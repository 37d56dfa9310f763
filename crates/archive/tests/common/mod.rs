//! Shared by the archive's integration tests: an archive on either store,
//! so that the suites guarding the invariants (non-interference, the
//! review workflow and its races) run on SQLite and on PostgreSQL alike.
//! Each test binary uses some of these, none all.
#![allow(dead_code)]

use airgram_archive::Archive;
use airgram_store::test_db::TestDb;
use airgram_store::{PgStore, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Which store a test's archive lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A test's archive: its store (a directory, or a database made for the
/// test) and the index directories of the processes on it; all removed
/// when this is dropped.
pub struct Place {
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    db: Option<TestDb>,
    nodes: AtomicUsize,
}

impl Place {
    pub fn new(backend: Backend) -> Place {
        Place {
            backend,
            dir: tempfile::tempdir().unwrap(),
            db: (backend == Backend::Postgres).then(|| TestDb::new("archive")),
            nodes: AtomicUsize::new(0),
        }
    }

    /// The database's URL (PostgreSQL only).
    pub fn url(&self) -> &str {
        &self.db.as_ref().expect("a PostgreSQL place").url
    }

    /// One more process on the archive. On SQLite it opens the directory
    /// (all processes share its index); on PostgreSQL it is a server with
    /// an index directory of its own, as each node of a cluster has.
    pub fn node(&self) -> Archive {
        match &self.db {
            None => Archive::open(self.dir.path()).unwrap(),
            Some(_) => {
                let n = self.nodes.fetch_add(1, Ordering::SeqCst);
                self.node_in(&self.dir.path().join(format!("node-{n}")))
            }
        }
    }

    /// A PostgreSQL server keeping its index in `index` (made if missing).
    pub fn node_in(&self, index: &std::path::Path) -> Archive {
        std::fs::create_dir_all(index).unwrap();
        let store: Arc<dyn Store> = Arc::new(PgStore::open(self.url()).unwrap());
        Archive::open_with(store, index, index).unwrap()
    }
}
