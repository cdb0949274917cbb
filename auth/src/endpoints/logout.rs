//! `POST /logout`, and revocation: a refresh-token family with the access tokens it issued.
//!
//! A logout names its session by the refresh token (body or cookie), or, without one, by the
//! access token in `Authorization: Bearer`, whose `jti` the store maps to the family that
//! issued it (security manual, RV-06).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::body;
use super::tokens::is_refresh_token;
use super::{Shared, UserStore};
use crate::error::{AuthError, RequestError};
use crate::store::{AccessGrant, TokenHash};
use crate::transport::bearer_token;
use crate::transport::cookie;

/// The handler of the logout endpoint.
pub(super) async fn handler<U: UserStore>(
    State(shared): State<Arc<Shared<U>>>,
    request: Request,
) -> Response {
    match shared.logout(request).await {
        Ok(response) => response,
        Err(err) => shared.auth.reject(err).into_response(),
    }
}

impl<U: UserStore> Shared<U> {
    async fn logout(&self, request: Request) -> Result<Response, AuthError> {
        let (parts, body) = request.into_parts();
        self.check_origin(&parts)?;
        let params = body::read(&parts.headers, body, self.body_limit).await?;
        let Some(presented) = self.presented_if_any(params.refresh_token, &parts.headers)? else {
            return self.logout_by_access_token(&parts.headers).await;
        };
        // An unknown or malformed refresh token gets the same 204 (RFC 7009 §2.2).
        let now = self.auth.now();
        let found = if is_refresh_token(&presented.token) {
            self.store
                .lookup(&TokenHash::of(&presented.token), now)
                .await?
        } else {
            None
        };
        // From its cookie, the token must come with its session's CSRF token, checked before
        // anything is revoked. A token the store does not know has no session: nothing is
        // revoked then, and the cookies are cleared all the same.
        if presented.from_cookie {
            match &found {
                Some(info) => self.check_csrf(&parts.headers, info)?,
                None => return Ok(self.logged_out()),
            }
        }
        // The access token is optional (it may have expired before the user logs out); one
        // that does not verify is ignored, so logout always completes.
        if self.auth.revocation_enabled()
            && let Some(access) = self.logout_access_token(&parts.headers)
            && let Ok(verified) = self.auth.verify_without_revocation(access)
        {
            self.auth.revoke(&verified).await?;
        }
        if let Some(info) = found {
            let grants = self.store.revoke_family(&info.family, now).await?;
            self.denylist(&grants).await?;
            tracing::info!(subject = %info.subject, "logged out; refresh-token family revoked");
        }
        Ok(self.logged_out())
    }

    /// A logout that presents the access token alone, in the `Authorization` header (as
    /// clients of a `/logout` that is an ordinary protected route do): the token must be
    /// valid and not revoked (else 401, as on any protected route); it is revoked, and so is
    /// the session (refresh-token family) that issued it, found by its `jti`, with every
    /// access token of that session (security manual, RV-06). A token the endpoints did not
    /// issue (another issuer's, or one whose session is over) has no session: only the token
    /// itself is revoked.
    ///
    /// The header is not an ambient credential, so no CSRF token is asked for; without one,
    /// the request names nothing to log out of and is 400 `invalid_request`, as before.
    async fn logout_by_access_token(&self, headers: &HeaderMap) -> Result<Response, AuthError> {
        let Some(token) = bearer_token(headers, None)? else {
            return Err(RequestError::MissingParameter.into());
        };
        let verified = self.auth.authenticate(token).await?;
        self.auth.revoke(&verified).await?;
        let now = self.auth.now();
        let session = match verified.jwt_id() {
            "" => None,
            jwt_id => self.store.lookup_access(jwt_id, now).await?,
        };
        // The subject must agree: a session is only ever ended by its own user's token.
        match session.filter(|info| info.subject == verified.subject()) {
            Some(info) => {
                let grants = self.store.revoke_family(&info.family, now).await?;
                self.denylist(&grants).await?;
                tracing::info!(
                    subject = %info.subject,
                    "logged out with the access token; its refresh-token family revoked"
                );
            }
            None => tracing::info!(
                subject = %verified.subject(),
                "logged out with the access token; no session of the endpoints issued it"
            ),
        }
        Ok(self.logged_out())
    }

    /// The access token a logout also revokes: the `Authorization` header's, else (cookies
    /// on) the access cookie's.
    fn logout_access_token<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        if let Ok(Some(bearer)) = bearer_token(headers, None) {
            return Some(bearer);
        }
        self.auth.transport().cookies()?;
        cookie::find(headers, cookie::ACCESS_COOKIE).ok().flatten()
    }

    /// Revokes every refresh-token family of `subject` and denylists their access tokens.
    pub(super) async fn revoke_user(&self, subject: &str) -> Result<(), AuthError> {
        let grants = self.store.revoke_subject(subject, self.auth.now()).await?;
        self.denylist(&grants).await
    }

    /// Denylists the access tokens of a revoked family, when the authenticator checks a
    /// revocation list (security manual, RV-01).
    pub(super) async fn denylist(&self, grants: &[AccessGrant]) -> Result<(), AuthError> {
        if !self.auth.revocation_enabled() {
            return Ok(());
        }
        for grant in grants {
            self.auth.revoke_id(&grant.jwt_id, grant.expires_at).await?;
        }
        Ok(())
    }
}
