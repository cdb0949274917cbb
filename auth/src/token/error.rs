use std::fmt;

/// Why an access token was refused. Every case answers 401 `invalid_token`.
///
/// [`description`](Self::description) is one of four fixed sentences (what a client may act
/// on: refresh when expired, wait when not yet valid, log in again when not fresh); [`code`](Self::code) is a finer reason
/// for server logs. Neither ever contains token contents or library error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenError {
    /// Longer than the 8 KiB cap; refused before any decoding.
    TooLong,
    /// Not three segments of strict base64url, or a header that is not a JSON object.
    Malformed,
    /// The header carries `crit`, key material (`jwk`, `jku`, `x5u`, `x5c`, `x5t`), JWE
    /// members (`enc`, `zip`), `b64` or `cty`.
    UnsupportedHeader,
    /// `typ` is missing or is not `at+jwt` / `application/at+jwt` (a refresh, ID or other
    /// token presented as an access token).
    WrongType,
    /// `alg` is missing, `none`, or not a registered algorithm name.
    UnsupportedAlgorithm,
    /// No key has this `kid` (or the token has none and the key set has several keys).
    UnknownKey,
    /// `alg` is not the one algorithm the selected key is pinned to.
    AlgorithmMismatch,
    /// The signature does not verify.
    BadSignature,
    /// A registered claim is missing, of the wrong JSON type, or duplicated.
    InvalidClaims,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    WrongAudience,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// `exp − iat` is longer than the configured maximum lifetime.
    LifetimeTooLong,
    /// The token was revoked (logout); its `jti` is on the denylist.
    Revoked,
    /// The claims do not deserialize into the handler's claims type.
    ClaimsType,
    /// A valid token that is not *fresh* (it was issued by a refresh, not by a password
    /// login) on a handler that requires a fresh one ([`RequireFresh`](crate::RequireFresh),
    /// `#[protected(fresh)]`): the client must log in again, refreshing does not help.
    NotFresh,
}

impl TokenError {
    /// A short snake_case reason code for logs, e.g. `"expired"`, `"bad_signature"`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::TooLong => "too_long",
            Self::Malformed => "malformed",
            Self::UnsupportedHeader => "unsupported_header",
            Self::WrongType => "wrong_type",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::AlgorithmMismatch => "algorithm_mismatch",
            Self::BadSignature => "bad_signature",
            Self::InvalidClaims => "invalid_claims",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::LifetimeTooLong => "lifetime_too_long",
            Self::Revoked => "revoked",
            Self::ClaimsType => "claims_type",
            Self::NotFresh => "not_fresh",
        }
    }

    /// The fixed `error_description` sent to the client (RFC 6750 §3 charset).
    pub const fn description(self) -> &'static str {
        match self {
            Self::Expired => "The access token expired",
            Self::NotYetValid => "The access token is not valid yet",
            Self::Revoked => "The access token was revoked",
            Self::NotFresh => "A fresh login is required",
            _ => "The access token is invalid",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid access token ({})", self.code())
    }
}

impl std::error::Error for TokenError {}
