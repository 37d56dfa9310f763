//! What stands between a sign-in flood and the archive: a throttle per
//! client address (the archive keeps one per account name, in the store),
//! and a bound on how many password hashes run at once, so that guessing
//! cannot starve the readers of the cores.
//!
//! A sign-in is an archive call only to read the hash and, after, to
//! record the outcome; the argon2id check itself (tens of milliseconds)
//! runs apart from the archive calls, on the blocking pool, behind
//! [`Guard::hashing`].

use airgram_archive::auth::Throttle;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};

/// The address a request came from, where the listener recorded it.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
        ))
    }
}

/// Per address: twenty free failures (an office behind one NAT signs in
/// from one address), then waits doubling from 2 s to 15 minutes.
pub const ADDRESS: Throttle = Throttle {
    free: 20,
    base_secs: 2,
    max_secs: 15 * 60,
};

/// Hashes at once: one, so that on two cores one is always left to readers.
pub const HASHING: usize = 1;
/// Sign-ins that may wait for the hasher; past that they are refused at
/// once (429) rather than queued without bound.
pub const WAITING: usize = 32;
/// Addresses remembered at most; the oldest failures are forgotten first.
const ADDRESSES: usize = 100_000;

pub struct Guard {
    throttle: Throttle,
    failures: Mutex<HashMap<IpAddr, (u32, u64)>>,
    hashing: Semaphore,
    waiting: AtomicUsize,
}

impl Default for Guard {
    fn default() -> Self {
        Guard::new(ADDRESS)
    }
}

impl Guard {
    pub fn new(throttle: Throttle) -> Guard {
        Guard {
            throttle,
            failures: Mutex::new(HashMap::new()),
            hashing: Semaphore::new(HASHING),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Seconds `addr` must still wait at `now`.
    pub fn wait(&self, addr: Option<IpAddr>, now: u64) -> u64 {
        let Some(ip) = addr else { return 0 };
        let f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        f.get(&ip).map_or(0, |&(n, last)| self.throttle.remaining(n, last, now))
    }

    /// Counts a failure (`ok` false) or forgets the address's failures.
    pub fn record(&self, addr: Option<IpAddr>, ok: bool, now: u64) {
        let Some(ip) = addr else { return };
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if ok {
            f.remove(&ip);
            return;
        }
        if f.len() >= ADDRESSES && !f.contains_key(&ip) {
            // Bounded memory: drop the half that failed longest ago.
            let mut lasts: Vec<u64> = f.values().map(|v| v.1).collect();
            lasts.sort_unstable();
            let cut = lasts[lasts.len() / 2];
            f.retain(|_, v| v.1 > cut);
        }
        let e = f.entry(ip).or_insert((0, now));
        e.0 = e.0.saturating_add(1);
        e.1 = now;
    }

    /// A turn at the hasher, or `None` when too many already wait.
    pub async fn hashing(&self) -> Option<SemaphorePermit<'_>> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let permit = self.hashing.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_waits_after_its_free_failures_and_a_success_forgets_them() {
        let g = Guard::new(Throttle {
            free: 2,
            base_secs: 10,
            max_secs: 100,
        });
        let ip: Option<IpAddr> = Some([10, 0, 0, 1].into());
        g.record(ip, false, 1000);
        assert_eq!(g.wait(ip, 1000), 0);
        g.record(ip, false, 1001);
        assert_eq!(g.wait(ip, 1001), 10);
        assert_eq!(g.wait(Some([10, 0, 0, 2].into()), 1001), 0, "per address");
        assert_eq!(g.wait(None, 1001), 0);
        g.record(ip, true, 1020);
        assert_eq!(g.wait(ip, 1020), 0);
    }

    #[tokio::test]
    async fn past_the_waiting_bound_sign_ins_are_refused_not_queued() {
        let g = Guard::default();
        let held = g.hashing().await.expect("a free hasher");
        g.waiting.store(WAITING, Ordering::SeqCst);
        assert!(g.hashing().await.is_none());
        drop(held);
    }
}
