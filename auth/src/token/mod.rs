//! Access tokens: issuing and verifying compact JWS tokens with `typ: at+jwt` (RFC 9068).
//!
//! What the verifier enforces, beyond the signature (SECURITY.md §1.1):
//!
//! - at most [`MAX_TOKEN_LEN`] bytes, checked before any decoding;
//! - exactly three segments of strict base64url; header and payload are JSON objects with no
//!   duplicate members and nothing around them;
//! - `typ` is `at+jwt` or `application/at+jwt`; `crit`, `jwk`, `jku`, `x5u`, `x5c`, `x5t`,
//!   `enc`, `zip`, `b64` and `cty` are refused;
//! - the key is chosen by `kid` from the configured key set, and `alg` must equal the algorithm
//!   that key is pinned to;
//! - `iss` equals the configured issuer, `aud` is a string or non-empty array containing the
//!   configured audience, `sub` and `jti` are non-empty strings, `exp` and `iat` are
//!   non-negative integers (`nbf` too when present), each of its exact JSON type;
//! - `now < exp + leeway`, `nbf ≤ now + leeway`, `iat ≤ now + leeway`, and
//!   `exp − iat ≤ max lifetime + leeway`.

mod base64url;
mod cache;
mod error;
mod header;
mod issue;
pub(crate) mod json;
mod verified;
mod verify;

pub use error::TokenError;
pub use header::{ACCESS_TOKEN_MEDIA_TYPE, ACCESS_TOKEN_TYPE};
pub use issue::{IssueError, IssuedToken};
pub use verified::VerifiedToken;

pub(crate) use cache::TokenCache;
pub(crate) use issue::{Stamp, issue};
pub(crate) use verify::verify;

/// The longest token accepted: 8 KiB, far above what this crate issues (~0.5 KiB) and far
/// below hyper's ~400 KiB header limit.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

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
}

/// A random `jti` of 128 bits, base64url (22 characters).
pub(crate) fn new_jwt_id() -> Result<String, crate::keys::KeyError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| crate::keys::KeyError::Random)?;
    Ok(base64url::encode(&bytes))
}
