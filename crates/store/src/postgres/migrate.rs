//! The layout of the shared store, versioned by the one row of
//! `airgram_layout` and brought up to date on open, in one transaction
//! with the version it sets.
//!
//! Several servers may open one database at once: the transaction first
//! takes an advisory lock, so one creates the tables and the others find
//! them made (CREATE ... IF NOT EXISTS alone races on the catalogue).
//! A database already at this layout is left alone: applying the schema
//! again would lock tables other servers are writing.

use super::get;
use crate::{Result, StoreError};
use postgres::Client;

const SCHEMA: &str = include_str!("schema.sql");

/// The layout this build writes. 2: messages, series counters and the
/// number register (created by the schema, as every table is).
pub(crate) const CURRENT: i32 = 2;

/// The advisory lock the migration holds ("airgram" in ASCII): any fixed
/// key, the same in every build.
const LOCK_KEY: i64 = 0x61_6972_6772_616d;

/// Brings the database to [`CURRENT`].
pub(crate) fn to_current(c: &mut Client) -> Result<()> {
    let mut tx = c.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])?;
    let at = layout(&mut tx)?;
    if at > CURRENT {
        return Err(StoreError::Corrupt(format!(
            "the archive's layout is version {at}; this airgram reads up to {CURRENT}: use a newer airgram"
        )));
    }
    if at == CURRENT {
        return Ok(());
    }
    // Steps for layouts before the current one go here, after the schema
    // has created what is missing.
    tx.batch_execute(SCHEMA)?;
    tx.execute("DELETE FROM airgram_layout", &[])?;
    tx.execute("INSERT INTO airgram_layout (version) VALUES ($1)", &[&CURRENT])?;
    tx.commit()?;
    Ok(())
}

/// The database's layout version (0 for a database airgram never opened).
pub(crate) fn layout(c: &mut impl postgres::GenericClient) -> Result<i32> {
    let made: bool = get(
        &c.query_one("SELECT to_regclass('airgram_layout') IS NOT NULL", &[])?,
        0,
    )?;
    if !made {
        return Ok(0);
    }
    let v: Option<i32> = get(&c.query_one("SELECT max(version) FROM airgram_layout", &[])?, 0)?;
    Ok(v.unwrap_or(0))
}
