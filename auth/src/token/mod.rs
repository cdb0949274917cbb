//! Access tokens: issuing and verifying compact JWS tokens with `typ: at+jwt` (RFC 9068).
//!
//! What the verifier enforces, beyond the signature (security manual, "Token format and verification"):
//!
//! - at most [`MAX_TOKEN_LEN`] bytes, checked before any decoding;
//! - exactly three segments of strict base64url; header and payload are JSON objects with
//!   nothing around them, UTF-8 throughout, without a lone surrogate escape in any string and
//!   without a duplicate member in any object, at any depth, read or not;
//! - `typ` is `at+jwt` or `application/at+jwt` (other values and a missing `typ` only when
//!   configured, for another issuer's tokens); `crit`, `jwk`, `jku`, `x5u`, `x5c`, `x5t`,
//!   `enc`, `zip`, `b64` and `cty` are refused;
//! - the key is chosen by `kid` from the configured key set, and `alg` must equal the algorithm
//!   that key is pinned to;
//! - `iss` equals the configured issuer, `aud` is a string or non-empty array containing the
//!   configured audience, `sub` and `jti` are non-empty strings (`jti` may be absent only
//!   when configured), `exp` and `iat` are non-negative integers (`nbf` too when present),
//!   each of its exact JSON type;
//! - `now < exp + leeway`, `nbf ≤ now + leeway`, `iat ≤ now + leeway`, and
//!   `exp − iat ≤ max lifetime + leeway`.
//!
//! Choices the RFCs leave open \[policy\]:
//!
//! - one token, one encoding: no white space around the JSON objects (which JSON allows), and
//!   canonical base64url trailing bits;
//! - `typ` is compared exactly, case included (RFC 9068 §4 lists exact values);
//! - a token without `kid` verifies only against a key set of exactly one key, so keys are
//!   never tried in turn;
//! - NumericDates are integers: a fractional `exp`, `nbf` or `iat` (RFC 7519 allows them) is
//!   refused;
//! - sizes below the length cap, far above anything this crate issues: a header segment of
//!   at most 1024 base64url characters with at most 16 members, a signature segment of at most
//!   1368 characters (RSA-8192), at most 128 payload members (and as many in each nested
//!   object; 16 in the header's), at most 256 roles;
//! - members the verifier does not read grant nothing, but are checked like the others
//!   (security manual, TV-04): UTF-8, strings without lone surrogates, no duplicate members,
//!   numbers that fit an `f64`, at most 128 levels of nesting (serde_json's limit).

mod base64url;
mod cache;
mod error;
mod header;
mod issue;
mod payload;
mod verified;
mod verify;

pub use error::TokenError;
pub use issue::{IssueError, IssuedToken};
pub use verified::VerifiedToken;

pub(crate) use cache::TokenCache;
pub(crate) use issue::{Session, Stamp, issue};
pub(crate) use verify::{names_refreshable_key, verify};

/// The longest token accepted: 8 KiB, far above what this crate issues (~0.5 KiB) and far
/// below hyper's ~400 KiB header limit.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The largest clock-skew leeway an authenticator accepts. Denylist entries outlive a token's
/// `exp` by this much, so a revoked token is never accepted within its leeway.
pub(crate) const MAX_LEEWAY: std::time::Duration = std::time::Duration::from_secs(60);

/// The parts of the configuration the issuer and verifier share.
#[derive(Debug, Clone)]
pub(crate) struct TokenRules {
    pub(crate) issuer: Box<str>,
    pub(crate) audience: Box<str>,
    /// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
    pub(crate) leeway: u64,
    /// Seconds an issued token lives.
    pub(crate) access_ttl: u64,
    /// The longest `exp − iat` a verified token may have.
    pub(crate) max_lifetime: u64,
    pub(crate) roles_path: Box<[Box<str>]>,
    /// Whether the roles claim may also be a string of space-separated names (an OAuth
    /// `scope`): true for a claim configured with `roles_claim`, false for the default `roles`.
    pub(crate) roles_from_string: bool,
    /// The top-level claim that carries OAuth scopes: `scope` unless configured.
    pub(crate) scope_claim: Box<str>,
    /// `typ` values accepted besides `at+jwt` and `application/at+jwt` (resource-server mode,
    /// opt-in).
    pub(crate) extra_token_types: Box<[Box<str>]>,
    /// Whether a token without `typ` is accepted (opt-in).
    pub(crate) accept_untyped: bool,
    /// Whether `jti` is required (the default).
    pub(crate) require_jwt_id: bool,
}

/// A random `jti` of 128 bits, base64url (22 characters).
pub(crate) fn new_jwt_id() -> Result<String, crate::keys::KeyError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| crate::keys::KeyError::Random)?;
    Ok(base64url::encode(&bytes))
}
