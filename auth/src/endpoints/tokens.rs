//! What the endpoints issue: access tokens with their session claims, and refresh tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Shared, UserStore};
use crate::error::{AuthError, ErrorKind};
use crate::store::{AccessGrant, TokenHash};
use crate::token::{IssuedToken, Session};

/// The length of a refresh token: 32 bytes in base64url without padding.
const REFRESH_TOKEN_LEN: usize = 43;

impl<U: UserStore> Shared<U> {
    /// An access token for `claims` with the session claims `session`.
    pub(super) fn issue(
        &self,
        claims: &U::Claims,
        session: Session,
    ) -> Result<IssuedToken, AuthError> {
        self.auth.issue_with(claims, session).map_err(|err| {
            tracing::error!(error = %err, "cannot issue an access token");
            AuthError::new(ErrorKind::Internal)
        })
    }

    /// The `sid` claim: the session id, with cookies on (CSRF tokens are bound to it).
    /// Without cookies nothing reads it, so tokens do not carry it (no member without a
    /// use; security manual, TV-18).
    pub(super) fn session_claim(&self, session: &str) -> Option<String> {
        self.auth.transport().cookies().map(|_| session.to_owned())
    }
}

/// What a store records of an issued access token, so it can be denylisted with its family.
pub(super) fn grant_of(issued: &IssuedToken) -> AccessGrant {
    AccessGrant {
        jwt_id: issued.jwt_id.clone(),
        expires_at: issued.expires_at,
    }
}

/// A refresh token: 256 random bits, base64url (security manual, RT-01), with its hash.
pub(super) fn new_refresh_token() -> Result<(String, TokenHash), AuthError> {
    let token = random_id(32)?;
    let hash = TokenHash::of(&token);
    Ok((token, hash))
}

/// `bytes` (at most 32) random bytes, base64url.
pub(super) fn random_id(bytes: usize) -> Result<String, AuthError> {
    let mut buffer = [0u8; 32];
    let internal = || AuthError::new(ErrorKind::Internal);
    let buffer = buffer.get_mut(..bytes).ok_or_else(internal)?;
    getrandom::fill(buffer).map_err(|_| {
        tracing::error!("the operating system's random number generator failed");
        internal()
    })?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

/// Whether `token` has the shape of the refresh tokens this crate issues; anything else is
/// refused without asking the store.
pub(super) fn is_refresh_token(token: &str) -> bool {
    token.len() == REFRESH_TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_256_random_bits_in_base64url() {
        let (token, hash) = new_refresh_token().ok().unwrap();
        assert_eq!(token.len(), REFRESH_TOKEN_LEN);
        assert!(is_refresh_token(&token));
        assert_eq!(hash, TokenHash::of(&token));
        assert_ne!(token, new_refresh_token().ok().unwrap().0);
    }

    #[test]
    fn other_shapes_are_not_refresh_tokens() {
        for token in [
            "",
            "abc",
            &"a".repeat(44),
            &format!("{}=", "a".repeat(42)),
            &"é".repeat(21),
        ] {
            assert!(!is_refresh_token(token), "{token}");
        }
    }
}
