use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{BoxFuture, RevocationList, StoreError};

/// State kept in this process: lost on restart, not shared between instances.
///
/// Losing it fails closed for refresh tokens (users log in again); for the denylist it means
/// tokens revoked before a restart verify again until they expire, within the access TTL.
/// Use the SQLite or Redis store where that matters.
#[derive(Clone, Default)]
pub struct MemoryStore {
    denylist: Arc<Mutex<Denylist>>,
}

#[derive(Default)]
struct Denylist {
    entries: HashMap<Box<str>, u64>,
    /// Expired entries are swept when the map has doubled since the last sweep, so the
    /// cost is amortised and the map stays bounded by the tokens still alive.
    sweep_at: usize,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn denylist(&self) -> Result<MutexGuard<'_, Denylist>, StoreError> {
        self.denylist
            .lock()
            .map_err(|_| StoreError::new("in-memory denylist poisoned"))
    }

    fn contains(&self, jti: &str) -> Result<bool, StoreError> {
        let now = now();
        Ok(self
            .denylist()?
            .entries
            .get(jti)
            .is_some_and(|&expires_at| expires_at > now))
    }

    fn insert(&self, jti: &str, expires_at: u64) -> Result<(), StoreError> {
        let now = now();
        let mut list = self.denylist()?;
        if list.entries.len() >= list.sweep_at {
            list.entries.retain(|_, &mut expires| expires > now);
            list.sweep_at = (list.entries.len() * 2).max(1024);
        }
        list.entries.insert(jti.into(), expires_at);
        Ok(())
    }
}

impl RevocationList for MemoryStore {
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let answer = self.contains(jti);
        Box::pin(async move { answer })
    }

    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let answer = self.insert(jti, expires_at);
        Box::pin(async move { answer })
    }

    fn is_revoked_now(&self, jti: &str) -> Option<Result<bool, StoreError>> {
        Some(self.contains(jti))
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
