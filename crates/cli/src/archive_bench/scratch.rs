//! A scratch database on the PostgreSQL server the bench is pointed at:
//! created for the run and dropped after, so that the bench never writes
//! into a database someone else uses.

use anyhow::Context;

pub(super) struct Scratch {
    server: String,
    pub(super) url: String,
    name: String,
}

impl Scratch {
    pub(super) fn create(server: &str) -> anyhow::Result<Scratch> {
        let shown = airgram_archive::shown(std::path::Path::new(server));
        let name = format!(
            "airgram_bench_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        );
        let mut c =
            postgres::Client::connect(server, postgres::NoTls).with_context(|| format!("cannot connect to {shown}"))?;
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .with_context(|| format!("the bench makes a scratch database on {shown} and needs CREATEDB there"))?;
        Ok(Scratch {
            url: airgram_store::postgres::with_database(server, &name),
            server: server.to_string(),
            name,
        })
    }

    /// Bytes the database takes on the server's disk.
    pub(super) fn size(&self) -> anyhow::Result<u64> {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls)?;
        let n: i64 = c.query_one("SELECT pg_database_size(current_database())", &[])?.get(0);
        Ok(n as u64)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
