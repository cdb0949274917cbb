//! The registered claims (RFC 7519 §4.1) of a verified token, as the application sees them.
//! The strict parser that reads them is `token::payload`.

/// Claim names the library writes and reads itself; a claims type must not have members with
/// these names. `fresh` and `sid` are the session claims (read them with
/// [`VerifiedToken::is_fresh`](crate::token::VerifiedToken::is_fresh) and
/// [`VerifiedToken::session_id`](crate::token::VerifiedToken::session_id)).
pub(crate) const RESERVED: &[&str] = &["iss", "aud", "exp", "nbf", "iat", "jti", "fresh", "sid"];

/// The registered claims of a verified access token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredClaims {
    pub(crate) subject: Box<str>,
    pub(crate) jwt_id: Box<str>,
    pub(crate) issued_at: u64,
    pub(crate) not_before: Option<u64>,
    pub(crate) expires_at: u64,
}

impl RegisteredClaims {
    /// `sub`: the user the token was issued to.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// `jti`: the token's unique id, the key of revocation. Empty for a token without one,
    /// which is accepted only with
    /// [`require_jwt_id(false)`](crate::AuthenticatorBuilder::require_jwt_id).
    pub fn jwt_id(&self) -> &str {
        &self.jwt_id
    }

    /// `iat`, in seconds since the Unix epoch.
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// `nbf`, in seconds since the Unix epoch, if the token has one.
    pub fn not_before(&self) -> Option<u64> {
        self.not_before
    }

    /// `exp`, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
}
