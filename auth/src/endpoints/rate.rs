//! Rate limits on what succeeds (security manual, RT-09, LG-09): refreshes per family and per
//! client address, successful logins per account. Token buckets, kept as one "theoretical
//! arrival time" per key (the generic cell rate algorithm), in bounded tables.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::throttle::{ThrottleConfig, address_key};

/// A token bucket: up to `burst` requests at once, then one more every `every` (whole
/// seconds; anything shorter counts as one second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed at once, from a full bucket; at least 1.
    pub burst: u32,
    /// How long the bucket takes to gain one request back.
    pub every: Duration,
}

impl Rate {
    /// A rate.
    pub const fn new(burst: u32, every: Duration) -> Self {
        Self { burst, every }
    }
}

/// One bucket per key.
struct Buckets<K> {
    rate: Option<Rate>,
    max_entries: usize,
    /// Per key, when its bucket is full again (its theoretical arrival time).
    full_at: Mutex<HashMap<K, u64>>,
}

impl<K: Hash + Eq> Buckets<K> {
    fn new(rate: Option<Rate>, max_entries: usize) -> Self {
        Self {
            rate,
            max_entries,
            full_at: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket, or says in how many seconds one is back.
    fn take(&self, key: K, now: u64) -> Result<(), u64> {
        let Some(rate) = self.rate else {
            return Ok(());
        };
        let every = rate.every.as_secs().max(1);
        // How far ahead of `now` a bucket may be filled up: the burst after the first.
        let tolerance = every.saturating_mul(u64::from(rate.burst.max(1) - 1));
        // A poisoned lock means a panic elsewhere; fail open rather than refuse everything.
        let Ok(mut buckets) = self.full_at.lock() else {
            return Ok(());
        };
        let full_at = buckets.get(&key).copied().unwrap_or(now).max(now);
        let ahead = full_at - now;
        if ahead > tolerance {
            return Err(ahead - tolerance);
        }
        if !buckets.contains_key(&key) && buckets.len() >= self.max_entries {
            // Full buckets are the same as absent ones.
            buckets.retain(|_, &mut full_at| full_at > now);
            if buckets.len() >= self.max_entries {
                return Ok(());
            }
        }
        buckets.insert(key, full_at.saturating_add(every));
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.full_at.lock().unwrap().len()
    }
}

/// The rate limits of one `Endpoints`.
pub(crate) struct RateLimits {
    families: Buckets<[u8; 16]>,
    clients: Buckets<u128>,
    logins: Buckets<[u8; 16]>,
}

impl RateLimits {
    pub(crate) fn new(config: &ThrottleConfig) -> Self {
        let on = |rate: Option<Rate>| rate.filter(|_| config.enabled);
        Self {
            families: Buckets::new(on(config.refresh_per_family), config.max_entries),
            clients: Buckets::new(on(config.refresh_per_client), config.max_entries),
            logins: Buckets::new(on(config.logins_per_account), config.max_entries),
        }
    }

    /// A refresh request from `client` (none without an address).
    pub(crate) fn refresh_from(&self, client: Option<IpAddr>, now: u64) -> Result<(), u64> {
        match client {
            Some(address) => self.clients.take(address_key(address), now),
            None => Ok(()),
        }
    }

    /// A refresh of the family `family`.
    pub(crate) fn refresh_of(&self, family: &str, now: u64) -> Result<(), u64> {
        self.families.take(digest(family), now)
    }

    /// A successful login of the user `subject`.
    pub(crate) fn login_of(&self, subject: &str, now: u64) -> Result<(), u64> {
        self.logins.take(digest(subject), now)
    }
}

/// A key of fixed size for a string of any length.
fn digest(value: &str) -> [u8; 16] {
    let digest = Sha256::digest(value.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn buckets(burst: u32, every: u64) -> Buckets<u8> {
        Buckets::new(Some(Rate::new(burst, Duration::from_secs(every))), 100)
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let b = buckets(3, 20);
        for _ in 0..3 {
            assert_eq!(b.take(1, 1000), Ok(()));
        }
        assert_eq!(b.take(1, 1000), Err(20));
        assert_eq!(b.take(1, 1019), Err(1));
        assert_eq!(b.take(1, 1020), Ok(()));
        assert_eq!(b.take(1, 1020), Err(20));
        // Other keys have buckets of their own.
        assert_eq!(b.take(2, 1020), Ok(()));
        // A long pause fills the bucket again, never beyond the burst.
        for _ in 0..3 {
            assert_eq!(b.take(1, 5000), Ok(()));
        }
        assert_eq!(b.take(1, 5000), Err(20));
    }

    #[test]
    fn a_burst_of_zero_or_one_is_one_per_interval_and_none_is_no_limit() {
        for burst in [0, 1] {
            let b = buckets(burst, 5);
            assert_eq!(b.take(1, 0), Ok(()));
            assert_eq!(b.take(1, 0), Err(5));
        }
        let unlimited = Buckets::<u8>::new(None, 1);
        for _ in 0..1000 {
            assert_eq!(unlimited.take(1, 0), Ok(()));
        }
        assert_eq!(unlimited.len(), 0);
    }

    #[test]
    fn tables_stay_bounded() {
        let b = Buckets::new(Some(Rate::new(1, Duration::from_secs(60))), 10);
        for key in 0..100u32 {
            let _ = b.take(key, 1000);
        }
        assert!(b.len() <= 10);
        // Buckets that are full again make room.
        assert_eq!(b.take(1000, 2000), Ok(()));
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn disabled_throttling_limits_nothing() {
        let limits = RateLimits::new(&ThrottleConfig::disabled());
        let client = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        for _ in 0..1000 {
            assert!(limits.refresh_from(client, 0).is_ok());
            assert!(limits.refresh_of("family", 0).is_ok());
            assert!(limits.login_of("alice", 0).is_ok());
        }
    }
}
