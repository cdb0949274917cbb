//! The one path every extractor, guard and the [layer](crate::layer) take to authenticate a
//! request: find the token ([`crate::transport`]), verify it and check revocation
//! ([`Authenticator`]), check that the request may use a token that came that way (the CSRF
//! checks of a cookie), and remember the result for the next extractor of the same request.

use std::sync::Arc;

use axum::http::request::Parts;

use crate::Authenticator;
use crate::error::{AuthError, ErrorKind};
use crate::token::VerifiedToken;
use crate::transport::Source;

/// The request-extension entry under which a verified token is remembered (a private type,
/// so nothing outside this crate can plant one).
#[derive(Clone)]
struct Verified(Arc<VerifiedToken>);

/// The request's verified access token, or `None` when it carries no credentials.
pub(crate) async fn authenticate(
    auth: &Authenticator,
    parts: &mut Parts,
) -> Result<Option<Arc<VerifiedToken>>, AuthError> {
    let outcome = authenticate_unlogged(auth, parts).await;
    if let Err(err) = &outcome {
        super::refusal::log(parts, err);
    }
    outcome
}

async fn authenticate_unlogged(
    auth: &Authenticator,
    parts: &mut Parts,
) -> Result<Option<Arc<VerifiedToken>>, AuthError> {
    if let Some(Verified(token)) = parts.extensions.get::<Verified>() {
        return Ok(Some(token.clone()));
    }
    let credentials = match auth.transport().find(parts) {
        Ok(Some(credentials)) => credentials,
        Ok(None) => return Ok(None),
        Err(err) => return Err(auth.reject(err)),
    };
    let source = credentials.source;
    let outcome = auth.check_token(credentials.token).await?;
    // Authentication first (a bad token is 401), then whether the request may use it.
    auth.transport()
        .check_use(source, parts, &outcome.token)
        .map_err(|reason| auth.reject(reason.into()))?;
    // A second extractor on this request finds the token here instead of verifying (or
    // asking a remote revocation list) again. When the token came from the verified-token
    // cache, revocation answered without I/O and no cookie checks ran, looking it up again
    // costs less than this insertion's allocation, so it is skipped: that keeps the guard
    // path free of allocations.
    if !(outcome.repeatable && source != Source::Cookie) {
        parts.extensions.insert(Verified(outcome.token.clone()));
    }
    Ok(Some(outcome.token))
}

/// Like [`authenticate`], but no credentials is an error (401 with a bare challenge).
pub(crate) async fn require(
    auth: &Authenticator,
    parts: &mut Parts,
) -> Result<Arc<VerifiedToken>, AuthError> {
    match authenticate(auth, parts).await? {
        Some(token) => Ok(token),
        None => {
            let err = auth.reject(AuthError::new(ErrorKind::MissingCredentials));
            super::refusal::log(parts, &err);
            Err(err)
        }
    }
}
