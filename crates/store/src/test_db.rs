//! A throwaway database for tests of the PostgreSQL tier, on the server
//! named by `AIRGRAM_TEST_PG` (the test command starts one:
//! `scripts/with-postgres`). Without the variable a test fails: a
//! PostgreSQL test never passes by not running. Built for this crate's
//! tests and, with the `test-db` feature, for the other crates' tests.

use std::sync::atomic::{AtomicU64, Ordering};

/// A database made for one test, dropped (with whatever is still
/// connected to it) when this is.
pub struct TestDb {
    pub(crate) admin: String,
    pub(crate) name: String,
    /// Its URL, for `PgStore::open` or `--archive`.
    pub url: String,
}

impl TestDb {
    /// A new, empty database whose name starts with `airgram_{purpose}_`.
    pub fn new(purpose: &str) -> TestDb {
        static MADE: AtomicU64 = AtomicU64::new(0);
        let admin = std::env::var("AIRGRAM_TEST_PG").unwrap_or_else(|_| {
            panic!(
                "AIRGRAM_TEST_PG names no PostgreSQL server (run under scripts/with-postgres, or set it, e.g. \
                 AIRGRAM_TEST_PG=postgres://postgres@127.0.0.1:5433/postgres)"
            )
        });
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "airgram_{purpose}_{}_{}_{nanos}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("the PostgreSQL server AIRGRAM_TEST_PG={admin} cannot be reached: {e}"));
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot make a test database on {admin}: {e}"));
        TestDb {
            url: crate::postgres::with_database(&admin, &name),
            admin,
            name,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
