//! Shared by the archive's integration tests: an archive on either store,
//! so that the suites guarding the invariants (non-interference, the
//! review workflow and its races) run on SQLite and on PostgreSQL alike.
//! Each test binary uses some of these, none all.
#![allow(dead_code)]

use airgram_archive::Archive;
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
    db: Option<Db>,
    nodes: AtomicUsize,
}

impl Place {
    pub fn new(backend: Backend) -> Place {
        Place {
            backend,
            dir: tempfile::tempdir().unwrap(),
            db: (backend == Backend::Postgres).then(Db::new),
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

/// A fresh database on the server named by `AIRGRAM_TEST_PG`, dropped
/// when this is. Without the variable the test fails: a PostgreSQL test
/// never passes by not running (`scripts/with-postgres` starts a server).
pub struct Db {
    admin: String,
    pub url: String,
    name: String,
}

impl Db {
    pub fn new() -> Db {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let admin = std::env::var("AIRGRAM_TEST_PG")
            .expect("AIRGRAM_TEST_PG names no PostgreSQL server (run under scripts/with-postgres)");
        let name = format!(
            "airgram_archive_{}_{}_{}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("the test server answers");
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        Db { admin, url, name }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
