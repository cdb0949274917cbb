//! The verified token of a request, computed once and cached in the request extensions.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::request::Parts;

use super::credentials::authenticate;
use crate::Authenticator;
use crate::error::{AuthError, ErrorKind};
use crate::token::VerifiedToken;

/// The request-extension entry under which a verified token is cached (private type, so
/// nothing outside this crate can plant one).
#[derive(Clone)]
pub(crate) struct Verified(pub(crate) Arc<VerifiedToken>);

/// The outcome of looking for a token.
pub(crate) enum Lookup {
    Verified(Arc<VerifiedToken>),
    /// No credentials at all.
    Absent,
}

/// Finds and verifies the request's access token, once per request.
pub(crate) async fn lookup<S>(parts: &mut Parts, state: &S) -> Result<Lookup, AuthError>
where
    Authenticator: FromRef<S>,
{
    if let Some(Verified(token)) = parts.extensions.get::<Verified>() {
        return Ok(Lookup::Verified(token.clone()));
    }
    let auth = Authenticator::from_ref(state);
    let Some((verified, cheap_to_repeat)) = authenticate(&auth, parts).await? else {
        return Ok(Lookup::Absent);
    };
    if !cheap_to_repeat {
        // A second extractor on this request finds the token here instead of verifying (or
        // asking a remote revocation list) again. When the token came from the verified-token
        // cache and revocation answered locally, looking it up again costs less than this
        // insertion's allocation, so it is skipped.
        parts.extensions.insert(Verified(verified.clone()));
    }
    Ok(Lookup::Verified(verified))
}

/// Like [`lookup`], but no credentials is an error (401 with a bare challenge).
pub(crate) async fn require<S>(
    parts: &mut Parts,
    state: &S,
) -> Result<Arc<VerifiedToken>, AuthError>
where
    Authenticator: FromRef<S>,
{
    match lookup(parts, state).await? {
        Lookup::Verified(token) => Ok(token),
        Lookup::Absent => {
            Err(Authenticator::from_ref(state)
                .reject(AuthError::new(ErrorKind::MissingCredentials)))
        }
    }
}
