//! `POST /refresh` (and the refresh grant of `POST /token`): rotation with reuse detection
//! (RFC 6749 §6, RFC 9700 §4.14.2).
//!
//! Two refreshes with the same token race: the store rotates atomically, so exactly one wins
//! and the other presents a token that is spent by then, which revokes the whole family.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::body;
use super::tokens::{grant_of, is_refresh_token, new_refresh_token};
use super::{Shared, UserStore};
use crate::error::{AuthError, ErrorKind};
use crate::store::{Rotation, Successor, TokenHash};
use crate::token::Session;
use crate::transport::cookie::session_id_of;

/// The handler of the refresh endpoint.
pub(super) async fn handler<U: UserStore>(
    State(shared): State<Arc<Shared<U>>>,
    request: Request,
) -> Response {
    match shared.refresh(request).await {
        Ok(response) => response,
        Err(err) => shared.auth.reject(err).into_response(),
    }
}

/// The one answer to every refused refresh token (security manual, RT-06).
fn invalid_grant() -> AuthError {
    AuthError::new(ErrorKind::InvalidGrant)
}

impl<U: UserStore> Shared<U> {
    async fn refresh(&self, request: Request) -> Result<Response, AuthError> {
        let (parts, body) = request.into_parts();
        self.limit_refresh_client(&parts)?;
        self.check_origin(&parts)?;
        let params = body::read(&parts.headers, body, self.body_limit).await?;
        if params
            .grant_type
            .as_deref()
            .is_some_and(|grant| grant != "refresh_token")
        {
            return Err(AuthError::new(ErrorKind::UnsupportedGrantType));
        }
        let presented = self.presented(params.refresh_token, &parts.headers)?;
        let csrf = presented.from_cookie.then_some(&parts.headers);
        self.rotate(&presented.token, csrf).await
    }

    /// Counts a refresh request against its client's rate, before anything is read or looked
    /// up (security manual, RT-09).
    pub(super) fn limit_refresh_client(&self, parts: &Parts) -> Result<(), AuthError> {
        let client = (self.client_address)(parts);
        self.rates
            .refresh_from(client, self.auth.now())
            .map_err(|retry_after| {
                tracing::info!(reason = "refresh_rate_client", "refresh refused");
                AuthError::too_many_requests(retry_after)
            })
    }

    /// The refresh grant with rotation and reuse detection. `csrf`: the request headers,
    /// when the token came from its cookie.
    pub(super) async fn rotate(
        &self,
        token: &str,
        csrf: Option<&HeaderMap>,
    ) -> Result<Response, AuthError> {
        if !is_refresh_token(token) {
            tracing::info!(reason = "malformed_refresh_token", "refresh refused");
            return Err(invalid_grant());
        }
        let presented = TokenHash::of(token);
        let now = self.auth.now();
        let Some(info) = self.store.lookup(&presented, now).await? else {
            tracing::info!(reason = "unknown_refresh_token", "refresh refused");
            return Err(invalid_grant());
        };
        // A cookie's token must come with its session's CSRF token; checked before anything
        // changes, so a forged request can neither rotate, trigger reuse detection, nor
        // drain the family's rate.
        if let Some(headers) = csrf {
            self.check_csrf(headers, &info)?;
        }
        // A family refreshes a few times a minute at most; refused before anything changes,
        // so the client may retry with the same token (security manual, RT-09).
        self.rates
            .refresh_of(&info.family, now)
            .map_err(|retry_after| {
                tracing::info!(reason = "refresh_rate_family", subject = %info.subject, "refresh refused");
                AuthError::too_many_requests(retry_after)
            })?;
        // Roles and status are read again at every refresh (security manual, RT-05).
        let user = match self.users.find_by_subject(&info.subject).await? {
            Some(user) if !user.disabled && user.subject() == info.subject => user,
            other => {
                let reason = match other {
                    None => "unknown_user",
                    Some(user) if user.disabled => "disabled_user",
                    Some(_) => "subject_mismatch",
                };
                let grants = self.store.revoke_family(&info.family, now).await?;
                self.denylist(&grants).await?;
                tracing::info!(reason, subject = %info.subject, "refresh refused; family revoked");
                return Err(invalid_grant());
            }
        };
        // Same session, not fresh: a refresh proves possession of a refresh token, not of
        // the password.
        let session = session_id_of(&info.family);
        let issued = self.issue(
            &user.claims,
            Session {
                fresh: false,
                id: self.session_claim(&session),
            },
        )?;
        let (refresh, hash) = new_refresh_token()?;
        let idle_expires_at = now
            .saturating_add(self.refresh_idle_ttl)
            .min(info.expires_at);
        let successor = Successor {
            token: hash,
            idle_expires_at,
            access: grant_of(&issued),
        };
        match self.store.rotate(&presented, &successor, now).await? {
            Rotation::Rotated => self.token_response(
                &issued,
                &refresh,
                &session,
                idle_expires_at.saturating_sub(now),
            ),
            Rotation::Reused(grants) => {
                tracing::warn!(
                    reason = "reused_refresh_token",
                    subject = %info.subject,
                    "a spent refresh token was presented; its family is revoked"
                );
                self.denylist(&grants).await?;
                Err(invalid_grant())
            }
            Rotation::Refused(refusal) => {
                tracing::info!(reason = refusal.code(), subject = %info.subject, "refresh refused");
                Err(invalid_grant())
            }
        }
    }
}
