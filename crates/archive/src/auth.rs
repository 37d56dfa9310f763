//! Sign-in: argon2id password hashes, server-side sessions with random
//! 128-bit tokens (only their SHA-256 is stored), idle and absolute expiry.
//! The reader behind a session is read from the store on every request, so
//! a lowered clearance or a disabled user takes effect at once.

use crate::{Archive, ArchiveError, Result};
use airgram_access::Reader;
use airgram_store::Store;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// A session ends after this long without a request.
pub const IDLE_SECS: u64 = 30 * 60;
/// And after this long in any case.
pub const MAX_SECS: u64 = 12 * 60 * 60;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn token_hash(token: &str) -> String {
    airgram_model::hex(&Sha256::digest(token.as_bytes()))
}

/// A fresh random token: 128 bits from the OS, hex.
pub fn random_token() -> String {
    let mut b = [0u8; 16];
    // No session without real randomness.
    getrandom::fill(&mut b).expect("the OS random source works");
    airgram_model::hex(&b)
}

/// Why a sign-in failed is not told: wrong name, wrong password and a
/// disabled user answer alike.
pub const SIGN_IN_FAILED: &str = "unknown user or wrong password";

/// True when `name` is an enabled user whose password is `password`.
pub(crate) fn password_matches(store: &dyn Store, name: &str, password: &str) -> Result<bool> {
    let user = store.user(name)?;
    let phc = store.password_hash(name)?;
    Ok(match (&user, &phc) {
        (Some(u), Some(phc)) if !u.disabled => PasswordHash::new(phc)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false),
        _ => false,
    })
}

impl Archive {
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<()> {
        if self.store.user(name)?.is_none() {
            return Err(ArchiveError::UnknownUser(name.to_string()));
        }
        if password.chars().count() < 8 {
            return Err(ArchiveError::Invalid("a password has at least 8 characters".into()));
        }
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).expect("the OS random source works");
        let salt = SaltString::encode_b64(&raw).map_err(|e| ArchiveError::Invalid(format!("salt: {e}")))?;
        let phc = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| ArchiveError::Invalid(format!("hashing failed: {e}")))?
            .to_string();
        self.store.set_password_hash(name, &phc)?;
        self.store.audit("admin", "user.password", name, "", "ok")?;
        Ok(())
    }

    /// Checks the password and opens a new session: returns its token.
    pub fn sign_in(&mut self, name: &str, password: &str) -> Result<String> {
        if !password_matches(self.store.as_ref(), name, password)? {
            self.store.audit(name, "sign-in", name, "", "denied")?;
            return Err(ArchiveError::Invalid(SIGN_IN_FAILED.into()));
        }
        let token = random_token();
        self.store.create_session(&token_hash(&token), name, now())?;
        self.store.audit(name, "sign-in", name, "", "ok")?;
        Ok(token)
    }

    /// The reader of a live session, or `None` (expired, unknown, disabled).
    pub fn session_reader(&mut self, token: &str) -> Result<Option<(Reader, String)>> {
        let Some(name) = self
            .store
            .session_user(&token_hash(token), now(), IDLE_SECS, MAX_SECS)?
        else {
            return Ok(None);
        };
        match self.store.user(&name)? {
            Some(u) if !u.disabled => Ok(Some((Reader::new(&u.name, u.clearance, u.auths), u.role))),
            _ => Ok(None),
        }
    }

    pub fn sign_out(&mut self, token: &str) -> Result<()> {
        self.store.delete_session(&token_hash(token))?;
        Ok(())
    }

    /// Disables a user and ends their sessions.
    pub fn disable_user(&mut self, name: &str) -> Result<()> {
        let mut u = self
            .store
            .user(name)?
            .ok_or_else(|| ArchiveError::UnknownUser(name.to_string()))?;
        u.disabled = true;
        self.store.put_user(&u)?;
        self.store.delete_sessions_of(name)?;
        self.store.audit("admin", "user.disable", name, "", "ok")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Archive;
    use airgram_access::Level;

    #[test]
    fn sign_in_rotates_and_disabling_ends_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Archive::open(dir.path()).unwrap();
        a.add_user("ann", Level::Secret, vec![], "reader").unwrap();
        a.set_password("ann", "correct horse").unwrap();
        assert!(a.sign_in("ann", "wrong horse").is_err());
        assert!(a.sign_in("bob", "correct horse").is_err());
        let t1 = a.sign_in("ann", "correct horse").unwrap();
        let t2 = a.sign_in("ann", "correct horse").unwrap();
        assert_ne!(t1, t2, "every sign-in gets a new token");
        assert_eq!(t1.len(), 32, "128 bits");
        assert_eq!(a.session_reader(&t1).unwrap().unwrap().0.clearance, Level::Secret);
        // Lowering the clearance takes effect on the next request.
        a.add_user("ann", Level::Confidential, vec![], "reader").unwrap();
        assert_eq!(a.session_reader(&t1).unwrap().unwrap().0.clearance, Level::Confidential);
        a.sign_out(&t1).unwrap();
        assert!(a.session_reader(&t1).unwrap().is_none());
        a.disable_user("ann").unwrap();
        assert!(a.session_reader(&t2).unwrap().is_none());
        assert!(a.sign_in("ann", "correct horse").is_err());
    }
}
