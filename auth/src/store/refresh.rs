//! The refresh-token store: families of opaque refresh tokens, rotated atomically, with reuse
//! detection (RFC 9700 §4.14.2).

use std::fmt;

use sha2::{Digest, Sha256};

use super::{BoxFuture, StoreError};

/// The SHA-256 of a refresh token: the only form in which a store ever sees one (security manual, RT-01).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of the token as the client sends it.
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// A hash from its 32 bytes (as read back from a store).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex, 64 characters (for key-value stores).
    pub fn to_hex(&self) -> String {
        use fmt::Write as _;
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            // Writing to a `String` cannot fail.
            let _ = write!(hex, "{byte:02x}");
        }
        hex
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix is enough to tell hashes apart in a debug print.
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

/// How many of a family's most recently spent refresh tokens a store keeps, for reuse
/// detection (see the [`RefreshStore`] contract).
pub const SPENT_TOKENS_KEPT: usize = 32;

/// An access token issued together with a refresh token: what to denylist when the family is
/// revoked (security manual, RV-01).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccessGrant {
    /// The access token's `jti`.
    pub jwt_id: String,
    /// Its `exp`, in seconds since the Unix epoch.
    pub expires_at: u64,
}

/// The first refresh token of a new family (a login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFamily {
    /// The hash of the refresh token.
    pub token: TokenHash,
    /// The family id: random, unique.
    pub family: String,
    /// The user (`sub`).
    pub subject: String,
    /// When every token of the family stops working (absolute expiry), in seconds since the
    /// Unix epoch. The store keeps the family's records, spent ones included, until then, so
    /// that reuse stays detectable.
    pub expires_at: u64,
    /// When this token stops working if it is not used (idle expiry); at most `expires_at`.
    pub idle_expires_at: u64,
    /// The access token issued with it.
    pub access: AccessGrant,
    /// The most families (sessions) the subject may have live, this one included: when the
    /// subject already has that many, the oldest are revoked to make room. At least 1.
    pub max_live_families: usize,
}

/// The token that replaces a presented one in a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Successor {
    /// The hash of the new refresh token.
    pub token: TokenHash,
    /// Its idle expiry; at most the family's absolute expiry.
    pub idle_expires_at: u64,
    /// The access token issued with it.
    pub access: AccessGrant,
}

/// What a store knows about a refresh token, whatever its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshInfo {
    /// The user (`sub`).
    pub subject: String,
    /// The family id.
    pub family: String,
    /// The family's absolute expiry.
    pub expires_at: u64,
}

/// The outcome of [`RefreshStore::rotate`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Rotation {
    /// The presented token was live: it is now spent and the successor is live.
    Rotated,
    /// The presented token was already spent: the whole family is now revoked (the successor
    /// was not stored). Holds the family's access tokens that have not expired, to denylist.
    Reused(Vec<AccessGrant>),
    /// The presented token is refused and nothing changed.
    Refused(Refusal),
}

/// Why [`RefreshStore::rotate`] refused a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such token (never issued, purged after expiry, or the store lost its data).
    Unknown,
    /// The token or its family expired.
    Expired,
    /// The family was revoked (logout, reuse, disabled user, password change).
    Revoked,
}

impl Refusal {
    /// A short snake_case reason for logs.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Unknown => "unknown_refresh_token",
            Self::Expired => "expired_refresh_token",
            Self::Revoked => "revoked_refresh_token",
        }
    }
}

/// Where refresh tokens live: [`MemoryStore`](super::MemoryStore), `SqliteStore` (feature
/// `sqlite`), `PostgresStore` (feature `postgres`), `RedisStore` (feature `redis`), or your own.
///
/// Object-safe, with boxed futures like [`RevocationList`](super::RevocationList): the
/// endpoints hold an `Arc<dyn RefreshStore>`, so the store can be chosen at run time (Redis
/// when `REDIS_URL` is set, SQLite otherwise) without making the router generic over it. One
/// allocation per call is nothing next to a database round trip.
///
/// Every time is in seconds since the Unix epoch and comes from the caller (the
/// authenticator's clock), so tests can move time.
///
/// # Contract
///
/// - A store only ever sees [`TokenHash`]es, never tokens.
/// - [`rotate`](Self::rotate) is **atomic**: of any number of concurrent rotations of one
///   token, at most one returns [`Rotation::Rotated`].
/// - The [`SPENT_TOKENS_KEPT`] most recently spent tokens of a family stay known until its
///   absolute expiry, so that presenting one is detected as reuse. Older spent tokens may be
///   forgotten (and are then refused as unknown, without revoking anything): a family's state
///   stays bounded however often it rotates, and the reuse that matters, a stolen token
///   raced against its owner, involves the last few tokens.
/// - Presenting a spent token answers [`Rotation::Reused`] with the family's unexpired access
///   tokens every time, also once the family is revoked, so a request that failed part-way
///   through denylisting them can be retried.
/// - A subject has at most [`NewFamily::max_live_families`] live families: inserting one more
///   revokes the oldest.
/// - Every operation costs O(1) or O(log n) in the number of records, plus what it returns:
///   no operation scans a family's history or a subject's families beyond that bound.
/// - A revoked family never becomes live again; a token the store does not know is refused
///   (a store that lost its data fails closed: users log in again).
pub trait RefreshStore: Send + Sync + 'static {
    /// Stores the first token of a new family.
    fn insert<'a>(
        &'a self,
        family: &'a NewFamily,
        now: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Reads what is known about a token, spent, revoked or expired alike. No change.
    fn lookup<'a>(
        &'a self,
        token: &'a TokenHash,
        now: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>>;

    /// Reads which family issued the access token whose `jti` is `jwt_id`, while that token
    /// may still verify (its `exp` plus the denylist grace is after `now`). No change.
    ///
    /// It is how a logout with the access token alone (`Authorization: Bearer`, without the
    /// refresh token) ends the whole session, and not just the one access token (security
    /// manual, RV-06). The stores of this crate keep an index for it; the default answers an
    /// error, so that a store written before this method existed fails such a logout (503)
    /// instead of leaving the refresh tokens of the session alive.
    fn lookup_access<'a>(
        &'a self,
        jwt_id: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>> {
        let _ = (jwt_id, now);
        Box::pin(async {
            Err(StoreError::new(
                "this refresh store cannot find a session by its access token \
                 (RefreshStore::lookup_access)",
            ))
        })
    }

    /// In one atomic step: if `presented` was already spent, revokes its family (again, if it
    /// was revoked) and answers its unexpired access tokens; if it is live (not expired, its
    /// family not revoked), marks it spent and stores `successor` in its family, forgetting
    /// the spent tokens beyond the newest [`SPENT_TOKENS_KEPT`]; otherwise changes nothing.
    fn rotate<'a>(
        &'a self,
        presented: &'a TokenHash,
        successor: &'a Successor,
        now: u64,
    ) -> BoxFuture<'a, Result<Rotation, StoreError>>;

    /// Revokes a family (logout, a disabled user). Returns its access tokens that have not
    /// expired, to denylist. Revoking an unknown or revoked family is not an error.
    fn revoke_family<'a>(
        &'a self,
        family: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>>;

    /// Revokes every family of a user (password change, account disabled; security manual, RT-04). Returns
    /// their access tokens that have not expired.
    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>>;
}
