//! Users, passwords, sessions and the sign-in throttle, in PostgreSQL.

use super::{get, get_u64, int, log_change, PgStore};
use crate::{Accounts, Change, Result, StoreError, User};
use postgres::types::Type;

/// A session's last use is recorded at most this often (seconds).
const TOUCH_EVERY: u64 = 60;

impl Accounts for PgStore {
    fn put_user(&self, u: &User) -> Result<()> {
        let now = self.clock.now();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO users (name, clearance, auths, role, disabled) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (name) DO UPDATE SET clearance = $2, auths = $3, role = $4, disabled = $5",
                &[&u.name, &u.clearance.as_str(), &u.auths.join(","), &u.role, &u.disabled],
            )?;
            log_change(tx, now, &Change::User(u.name.clone()))?;
            Ok(())
        })
    }

    fn password_hash(&self, name: &str) -> Result<Option<String>> {
        let row = self
            .run(|c| Ok(c.query_typed_opt("SELECT phc FROM credentials WHERE name = $1", &[(&name, Type::TEXT)])?))?;
        row.map(|r| get(&r, 0)).transpose()
    }

    fn set_password_hash(&self, name: &str, phc: &str) -> Result<()> {
        self.run(|c| {
            c.execute(
                "INSERT INTO credentials (name, phc) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET phc = $2",
                &[&name, &phc],
            )?;
            Ok(())
        })
    }

    fn create_session(&self, token_hash: &str, user: &str, now: u64) -> Result<()> {
        self.run(|c| {
            c.execute(
                "INSERT INTO sessions (token_hash, user_name, created, last_seen) VALUES ($1, $2, $3, $3)",
                &[&token_hash, &user, &int(now)],
            )?;
            Ok(())
        })
    }

    fn session_user(&self, token_hash: &str, now: u64, idle_secs: u64, max_secs: u64) -> Result<Option<String>> {
        let row = self.run(|c| {
            Ok(c.query_typed_opt(
                "SELECT user_name, created, last_seen FROM sessions WHERE token_hash = $1",
                &[(&token_hash, Type::TEXT)],
            )?)
        })?;
        let Some(row) = row else { return Ok(None) };
        let (user, created, last_seen): (String, u64, u64) = (get(&row, 0)?, get_u64(&row, 1)?, get_u64(&row, 2)?);
        if now.saturating_sub(last_seen) > idle_secs || now.saturating_sub(created) > max_secs {
            self.delete_session(token_hash)?;
            return Ok(None);
        }
        // Idle time is counted in minutes: touching the session on every
        // request would make every signed-in read a durable write.
        if now.saturating_sub(last_seen) >= TOUCH_EVERY {
            self.run(|c| {
                c.execute(
                    "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2",
                    &[&int(now), &token_hash],
                )?;
                Ok(())
            })?;
        }
        Ok(Some(user))
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.run(|c| {
            c.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
            Ok(())
        })
    }

    fn delete_sessions_of(&self, user: &str) -> Result<()> {
        self.run(|c| {
            c.execute("DELETE FROM sessions WHERE user_name = $1", &[&user])?;
            Ok(())
        })
    }

    fn sign_in_failures(&self, name: &str) -> Result<(u32, u64)> {
        let row =
            self.run(|c| Ok(c.query_opt("SELECT failures, last FROM sign_in_failures WHERE name = $1", &[&name])?))?;
        let Some(row) = row else { return Ok((0, 0)) };
        let failures = u32::try_from(get_u64(&row, 0)?)
            .map_err(|_| StoreError::Corrupt(format!("sign-in failures of {name} out of range")))?;
        Ok((failures, get_u64(&row, 1)?))
    }

    fn add_sign_in_failure(&self, name: &str, now: u64, forget_before: u64) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sign_in_failures WHERE last < $1", &[&int(forget_before)])?;
            // One statement: failures counted at once on two servers add up.
            tx.execute(
                "INSERT INTO sign_in_failures (name, failures, last) VALUES ($1, 1, $2)
                 ON CONFLICT (name) DO UPDATE SET failures = sign_in_failures.failures + 1, last = $2",
                &[&name, &int(now)],
            )?;
            Ok(())
        })
    }

    fn clear_sign_in_failures(&self, name: &str) -> Result<()> {
        self.run(|c| {
            c.execute("DELETE FROM sign_in_failures WHERE name = $1", &[&name])?;
            Ok(())
        })
    }

    fn user(&self, name: &str) -> Result<Option<User>> {
        let row = self.run(|c| {
            Ok(c.query_typed_opt(
                "SELECT name, clearance, auths, role, disabled FROM users WHERE name = $1",
                &[(&name, Type::TEXT)],
            )?)
        })?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(User::from_row(user_row(&row)?)?))
    }
}

/// The user columns of a row (name, clearance, auths, role, disabled
/// first), for [`User::from_row`].
pub(crate) fn user_row(row: &postgres::Row) -> Result<crate::UserRow> {
    Ok((get(row, 0)?, get(row, 1)?, get(row, 2)?, get(row, 3)?, get(row, 4)?))
}
