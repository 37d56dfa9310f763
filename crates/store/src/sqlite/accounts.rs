//! Users, passwords, sessions and the sign-in throttle, in SQLite.

use super::{log_change, SqliteStore};
use crate::{Accounts, Change, Result, User};
use rusqlite::{params, OptionalExtension};

/// A session's last use is recorded at most this often (seconds).
const TOUCH_EVERY: u64 = 60;

impl Accounts for SqliteStore {
    fn put_user(&self, u: &User) -> Result<()> {
        let now = self.clock.now();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO users (name, clearance, auths, role, disabled) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(name) DO UPDATE SET clearance = ?2, auths = ?3, role = ?4, disabled = ?5",
                params![u.name, u.clearance.as_str(), u.auths.join(","), u.role, u.disabled],
            )?;
            log_change(tx, now, &Change::User(u.name.clone()))?;
            Ok(())
        })
    }

    fn password_hash(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .rd()?
            .query_row("SELECT phc FROM credentials WHERE name = ?1", [name], |r| r.get(0))
            .optional()?)
    }

    fn set_password_hash(&self, name: &str, phc: &str) -> Result<()> {
        self.wr().execute(
            "INSERT INTO credentials (name, phc) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET phc = ?2",
            params![name, phc],
        )?;
        Ok(())
    }

    fn create_session(&self, token_hash: &str, user: &str, now: u64) -> Result<()> {
        self.wr().execute(
            "INSERT INTO sessions (token_hash, user, created, last_seen) VALUES (?1, ?2, ?3, ?3)",
            params![token_hash, user, now],
        )?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str, now: u64, idle_secs: u64, max_secs: u64) -> Result<Option<String>> {
        let row: Option<(String, u64, u64)> = self
            .rd()?
            .query_row(
                "SELECT user, created, last_seen FROM sessions WHERE token_hash = ?1",
                [token_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((user, created, last_seen)) = row else {
            return Ok(None);
        };
        if now.saturating_sub(last_seen) > idle_secs || now.saturating_sub(created) > max_secs {
            self.delete_session(token_hash)?;
            return Ok(None);
        }
        // Idle time is counted in minutes: touching the session on every
        // request would make every signed-in read a synced write.
        if now.saturating_sub(last_seen) >= TOUCH_EVERY {
            self.wr().execute(
                "UPDATE sessions SET last_seen = ?1 WHERE token_hash = ?2",
                params![now, token_hash],
            )?;
        }
        Ok(Some(user))
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.wr()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    fn delete_sessions_of(&self, user: &str) -> Result<()> {
        self.wr().execute("DELETE FROM sessions WHERE user = ?1", [user])?;
        Ok(())
    }

    fn sign_in_failures(&self, name: &str) -> Result<(u32, u64)> {
        Ok(self
            .rd()?
            .query_row(
                "SELECT failures, last FROM sign_in_failures WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, 0)))
    }

    fn add_sign_in_failure(&self, name: &str, now: u64, forget_before: u64) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sign_in_failures WHERE last < ?1", [forget_before])?;
            tx.execute(
                "INSERT INTO sign_in_failures (name, failures, last) VALUES (?1, 1, ?2)
                 ON CONFLICT(name) DO UPDATE SET failures = failures + 1, last = ?2",
                params![name, now],
            )?;
            Ok(())
        })
    }

    fn clear_sign_in_failures(&self, name: &str) -> Result<()> {
        self.wr()
            .execute("DELETE FROM sign_in_failures WHERE name = ?1", [name])?;
        Ok(())
    }

    fn user(&self, name: &str) -> Result<Option<User>> {
        let row: Option<(String, String, String, String, bool)> = self
            .rd()?
            .query_row(
                "SELECT name, clearance, auths, role, disabled FROM users WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        row.map(User::from_row).transpose()
    }
}
