//! `POST /logout`, and revocation: a refresh-token family with the access tokens it issued.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::body;
use super::tokens::is_refresh_token;
use super::{Shared, UserStore};
use crate::error::AuthError;
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
        let presented = self.presented(params.refresh_token, &parts.headers)?;
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
