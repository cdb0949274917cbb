//! A local replica of a shared denylist, so that a request's revocation check makes no I/O.
//!
//! The revoked `jti`s that still matter are few: at most the logouts and reuse detections of
//! one access-token lifetime. Each store that lives outside the process (SQLite, Redis) keeps
//! them in a [`Replica`], fed by a background task of its own (`sqlite::replica`,
//! `redis::replica`) and by the store's own writes. The task also *proves*, again and again,
//! that the replica is current: a successful catch-up query (SQLite) or the return of a
//! heartbeat sent down the revocation channel (Redis) shows that every revocation written
//! before it was sent has been applied.
//!
//! A check is answered from memory only while the last proof is younger than
//! [`ReplicaConfig::max_staleness`]. Otherwise (never loaded, catch-up failing, subscription
//! down) the store is asked as before, and an unreachable store is a 503: the replica can
//! make a check cheaper, never more permissive than the bound (security manual, RV-05).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::memory::now as system_now;
use super::{DENYLIST_GRACE, StoreError};

/// How a store keeps its local replica of the denylist
/// ([`SqliteStore::connect_with`](crate::store::SqliteStore),
/// [`RedisStore::connect_with`](crate::store::RedisStore)).
///
/// ```
/// use std::time::Duration;
/// use auth::store::ReplicaConfig;
///
/// let mut config = ReplicaConfig::default();
/// config.max_staleness = Duration::from_secs(1); // a revocation is honoured everywhere within 1 s
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplicaConfig {
    /// The staleness bound: how long after its last proof of being current the replica still
    /// answers. A revocation written by another instance is honoured by this one within this
    /// bound in the worst case (lost connection, failing queries); after it, every check asks
    /// the store until the replica is current again. In normal operation revocations arrive
    /// much sooner: within [`refresh_interval`](Self::refresh_interval) for SQLite, within a
    /// network round trip for Redis. `Duration::ZERO` turns the replica off. Defaults to 2 s.
    pub max_staleness: Duration,
    /// How often the replica proves it is current: SQLite runs its catch-up query, Redis sends
    /// a heartbeat down the revocation channel. Kept between 1 ms and half of
    /// [`max_staleness`](Self::max_staleness), so that one late proof does not make the
    /// replica stale. Defaults to 250 ms.
    pub refresh_interval: Duration,
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        Self {
            max_staleness: Duration::from_secs(2),
            refresh_interval: Duration::from_millis(250),
        }
    }
}

impl ReplicaConfig {
    /// No replica: every check asks the store, as a store without one did.
    pub fn off() -> Self {
        Self {
            max_staleness: Duration::ZERO,
            ..Self::default()
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        !self.max_staleness.is_zero()
    }

    /// The refresh interval actually used (see the field's docs).
    pub(crate) fn interval(&self) -> Duration {
        let most = (self.max_staleness / 2).max(Duration::from_millis(1));
        self.refresh_interval.clamp(Duration::from_millis(1), most)
    }
}

/// What a store's replica of the denylist answers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplicaState {
    /// The store keeps no replica ([`ReplicaConfig::off`], or no Tokio runtime when it was
    /// built): every check asks the store.
    Off,
    /// Proven current within the staleness bound: checks are answered from memory.
    Current,
    /// Not loaded yet, or not proven current within the bound: every check asks the store
    /// (a `jti` the replica holds is still refused without asking).
    Stale,
}

/// The revoked `jti`s with their `exp`, and when they were last proven complete.
#[derive(Debug)]
pub(crate) struct Replica {
    store: &'static str,
    entries: RwLock<HashMap<Box<str>, u64>>,
    /// Milliseconds from `origin` to the send time of the last proof, plus one; 0: never.
    proven_at: AtomicU64,
    origin: Instant,
    max_staleness: Duration,
    /// What the last report said, so that only changes are logged.
    reported_current: AtomicBool,
}

impl Replica {
    /// An empty replica, not current until its first proof. `store` names it in logs.
    pub(crate) fn new(store: &'static str, max_staleness: Duration) -> Self {
        Self {
            store,
            entries: RwLock::new(HashMap::new()),
            proven_at: AtomicU64::new(0),
            origin: Instant::now(),
            max_staleness,
            reported_current: AtomicBool::new(false),
        }
    }

    /// The request path: `Some(true)` for a `jti` it holds (current or not: a revocation is
    /// never undone), `Some(false)` when current, `None` when the store must be asked.
    pub(crate) fn check(&self, jti: &str) -> Option<Result<bool, StoreError>> {
        // Currency first, entries second: a proof covers what was applied before it was
        // recorded, so reading the entries after seeing the proof sees all of it.
        let current = self.is_current();
        let now = system_now();
        // A poisoned lock only means a writer panicked half-way; fall back to the store.
        let entries = self.entries.read().ok()?;
        if entries
            .get(jti)
            .is_some_and(|&expires_at| expires_at + DENYLIST_GRACE > now)
        {
            return Some(Ok(true));
        }
        current.then_some(Ok(false))
    }

    pub(crate) fn is_current(&self) -> bool {
        let proven = self.proven_at.load(Ordering::Acquire);
        proven != 0 && self.millis_now().saturating_sub(proven - 1) <= millis(self.max_staleness)
    }

    pub(crate) fn state(&self) -> ReplicaState {
        if self.is_current() {
            ReplicaState::Current
        } else {
            ReplicaState::Stale
        }
    }

    /// Adds revocations (already-expired ones are skipped).
    pub(crate) fn insert_all(&self, revoked: impl IntoIterator<Item = (String, u64)>) {
        let now = system_now();
        let mut fresh = revoked
            .into_iter()
            .filter(|(_, expires_at)| expires_at + DENYLIST_GRACE > now)
            .peekable();
        if fresh.peek().is_none() {
            return;
        }
        let mut entries = match self.entries.write() {
            Ok(entries) => entries,
            Err(poisoned) => poisoned.into_inner(),
        };
        for (jti, expires_at) in fresh {
            let entry = entries.entry(jti.into_boxed_str()).or_insert(expires_at);
            *entry = (*entry).max(expires_at);
        }
    }

    pub(crate) fn insert(&self, jti: &str, expires_at: u64) {
        self.insert_all([(jti.to_owned(), expires_at)]);
    }

    /// Records a proof: every revocation written before `sent` has been applied.
    pub(crate) fn prove(&self, sent: Instant) {
        let at = millis(sent.saturating_duration_since(self.origin)) + 1;
        self.proven_at.fetch_max(at, Ordering::AcqRel);
    }

    /// Forgets the entries whose token can no longer verify.
    pub(crate) fn prune(&self, now: u64) {
        let mut entries = match self.entries.write() {
            Ok(entries) => entries,
            Err(poisoned) => poisoned.into_inner(),
        };
        entries.retain(|_, &mut expires_at| expires_at + DENYLIST_GRACE > now);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.read().map_or(0, |entries| entries.len())
    }

    /// Logs a change between current and stale; `trouble` is what the feed last failed on.
    pub(crate) fn report(&self, trouble: Option<&StoreError>) {
        let current = self.is_current();
        if self.reported_current.swap(current, Ordering::AcqRel) == current {
            return;
        }
        let store = self.store;
        if current {
            tracing::info!(
                store,
                revoked = self.len(),
                "revocation replica is current; checks are answered in memory"
            );
        } else {
            match trouble {
                Some(error) => tracing::warn!(
                    store,
                    %error,
                    "revocation replica is stale; every check asks the store"
                ),
                None => tracing::warn!(
                    store,
                    "revocation replica is stale; every check asks the store"
                ),
            }
        }
    }

    fn millis_now(&self) -> u64 {
        millis(self.origin.elapsed())
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A replica and the task that feeds it. Clones of a store share one; when the last goes,
/// the task is stopped.
#[derive(Debug)]
pub(crate) struct ReplicaHandle {
    pub(crate) replica: Arc<Replica>,
    task: tokio::task::JoinHandle<()>,
}

impl ReplicaHandle {
    /// Spawns `feed` on the current Tokio runtime; `None` (with a warning) outside of one.
    pub(crate) fn spawn<F>(replica: Arc<Replica>, feed: F) -> Option<Self>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                store = replica.store,
                "no Tokio runtime: no revocation replica; every check asks the store"
            );
            return None;
        };
        Some(Self {
            replica,
            task: runtime.spawn(feed),
        })
    }

    pub(crate) fn state(handle: Option<&Self>) -> ReplicaState {
        handle.map_or(ReplicaState::Off, |handle| handle.replica.state())
    }
}

impl Drop for ReplicaHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// When a feed prunes expired entries: rarely, since each is a few dozen bytes and the
/// request path skips expired ones anyway.
pub(crate) const PRUNE_EVERY: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(max_staleness: Duration) -> Replica {
        Replica::new("test", max_staleness)
    }

    #[test]
    fn a_replica_never_proven_defers_to_the_store() {
        let replica = replica(Duration::from_secs(60));
        assert!(replica.check("a").is_none());
        assert_eq!(replica.state(), ReplicaState::Stale);
    }

    #[test]
    fn a_proven_replica_answers_from_memory() {
        let replica = replica(Duration::from_secs(60));
        replica.insert("a", system_now() + 900);
        replica.prove(Instant::now());
        assert_eq!(replica.state(), ReplicaState::Current);
        assert!(matches!(replica.check("a"), Some(Ok(true))));
        assert!(matches!(replica.check("b"), Some(Ok(false))));
    }

    #[test]
    fn a_held_jti_is_refused_even_when_stale() {
        let replica = replica(Duration::from_secs(60));
        replica.insert("a", system_now() + 900);
        assert!(matches!(replica.check("a"), Some(Ok(true))));
        assert!(replica.check("b").is_none());
    }

    #[test]
    fn a_proof_older_than_the_bound_defers_to_the_store() {
        let replica = replica(Duration::from_millis(20));
        replica.prove(Instant::now());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(replica.state(), ReplicaState::Stale);
        assert!(replica.check("b").is_none());
        // a new proof makes it current again
        replica.prove(Instant::now());
        assert!(matches!(replica.check("b"), Some(Ok(false))));
    }

    #[test]
    fn an_older_proof_never_replaces_a_newer_one() {
        let replica = replica(Duration::from_millis(50));
        let old = Instant::now();
        std::thread::sleep(Duration::from_millis(100));
        replica.prove(Instant::now());
        replica.prove(old);
        assert_eq!(replica.state(), ReplicaState::Current);
    }

    #[test]
    fn expired_entries_are_skipped_and_pruned() {
        let replica = replica(Duration::from_secs(60));
        let now = system_now();
        replica.prove(Instant::now());
        // already beyond exp + the largest leeway: not even stored
        replica.insert("gone", now - DENYLIST_GRACE - 1);
        assert_eq!(replica.len(), 0);
        replica.insert("in-leeway", now - 10);
        replica.insert("live", now + 900);
        assert!(matches!(replica.check("in-leeway"), Some(Ok(true))));
        replica.prune(now + DENYLIST_GRACE);
        assert_eq!(replica.len(), 1);
        assert!(matches!(replica.check("live"), Some(Ok(true))));
        replica.prune(now + 900 + DENYLIST_GRACE);
        assert_eq!(replica.len(), 0);
    }

    #[test]
    fn a_later_expiry_wins() {
        let replica = replica(Duration::from_secs(60));
        let now = system_now();
        replica.insert("a", now + 900);
        replica.insert("a", now + 10);
        replica.prune(now + 10 + DENYLIST_GRACE);
        assert_eq!(replica.len(), 1);
    }

    #[test]
    fn the_interval_is_kept_within_the_bound() {
        let mut config = ReplicaConfig::default();
        assert_eq!(config.interval(), Duration::from_millis(250));
        config.refresh_interval = Duration::ZERO;
        assert_eq!(config.interval(), Duration::from_millis(1));
        config.refresh_interval = Duration::from_secs(60);
        assert_eq!(config.interval(), Duration::from_secs(1));
        config.max_staleness = Duration::from_nanos(1);
        assert_eq!(config.interval(), Duration::from_millis(1));
        assert!(!ReplicaConfig::off().enabled());
    }
}
