//! Server-side state: the access-token denylist (revocation by `jti`) and the refresh-token
//! families of the endpoints.
//!
//! Four stores implement both [`RevocationList`] and [`RefreshStore`]:
//!
//! | store | feature | survives a restart | shared by instances |
//! |---|---|---|---|
//! | [`MemoryStore`] | (default) | no | no |
//! | `SqliteStore` | `sqlite` | yes | no (one file, one host) |
//! | `PostgresStore` | `postgres` | yes | yes |
//! | `RedisStore` | `redis` | with Redis persistence | yes |
//!
//! Every store fails closed: a refresh token it does not know is refused, and a store that
//! cannot be reached makes the request fail (503), never succeed.
//!
//! The SQLite and Redis stores keep a local replica of the denylist, so that checking a
//! request's `jti` costs a hash lookup, not a round trip: loaded at start, kept current by
//! the store's own writes and by a catch-up query (SQLite) or a subscription (Redis), and
//! trusted only while it has proven itself current within a bound ([`ReplicaConfig`],
//! 2 s by default). Past the bound every check asks the store again, as it would without a
//! replica (security manual, RV-05).

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
mod refresh;
#[cfg(any(feature = "sqlite", feature = "redis"))]
mod replica;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

#[cfg(feature = "postgres")]
pub use self::postgres::PostgresStore;
#[cfg(feature = "redis")]
pub use self::redis::RedisStore;
pub use memory::MemoryStore;
pub use refresh::{
    AccessGrant, NewFamily, RefreshInfo, RefreshStore, Refusal, Rotation, SPENT_TOKENS_KEPT,
    Successor, TokenHash,
};
#[cfg(any(feature = "sqlite", feature = "redis"))]
pub use replica::{ReplicaConfig, ReplicaState};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// How long after its `exp` a denylisted `jti` is kept: the largest leeway the verifier can
/// be configured with, since it accepts a token until `exp + leeway`.
pub(crate) const DENYLIST_GRACE: u64 = crate::token::MAX_LEEWAY.as_secs();

/// A boxed, sendable future, as returned by the object-safe store traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A denylist of access-token ids (`jti`), each kept until the token would have expired.
///
/// Keyed by `jti`, never by the token bytes or a hash of them: ECDSA signatures are malleable,
/// so one token has several valid encodings, but only one `jti` (security manual, RV-02).
pub trait RevocationList: Send + Sync + 'static {
    /// Whether `jti` is on the list.
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Puts `jti` on the list until `expires_at` (seconds since the Unix epoch).
    fn revoke<'a>(&'a self, jti: &'a str, expires_at: u64)
    -> BoxFuture<'a, Result<(), StoreError>>;

    /// Answers without waiting, when the list is in this process. The default, `None`, means
    /// "ask [`is_revoked`](Self::is_revoked)". Lets the in-memory list check every request
    /// without allocating a future.
    fn is_revoked_now(&self, jti: &str) -> Option<Result<bool, StoreError>> {
        let _ = jti;
        None
    }
}

/// A store could not be reached or answered nonsense. Requests that depend on it fail closed.
#[derive(Debug)]
pub struct StoreError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error with a message (no secrets: it is logged).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by another.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}
