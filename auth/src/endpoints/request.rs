//! What every endpoint checks of a request before its flow runs: where it comes from (with
//! cookies on), and which refresh token it presents.

use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::{Shared, UserStore};
use crate::error::{AuthError, RequestError};
use crate::store::RefreshInfo;
use crate::transport::cookie::{self, session_id_of};

/// A refresh token as presented, and whether it came from its cookie (which then needs the
/// CSRF token of its session).
pub(super) struct Presented {
    pub(super) token: String,
    pub(super) from_cookie: bool,
}

impl<U: UserStore> Shared<U> {
    /// With cookies on, every endpoint request must come from the application's own pages
    /// or from a client that is not a browser: the answers set cookies, and another site must
    /// not log the browser into an account of its choosing (login CSRF; security manual,
    /// CK-06).
    pub(super) fn check_origin(&self, parts: &Parts) -> Result<(), AuthError> {
        match self.auth.transport().cookies() {
            Some(cookies) => cookies.check_origin(&parts.headers).map_err(|reason| {
                tracing::info!(reason = reason.code(), "endpoint request refused");
                reason.into()
            }),
            None => Ok(()),
        }
    }

    /// The refresh token of a `/refresh` or `/logout` request: the body's `refresh_token`
    /// or, with cookies on, the refresh cookie; both at once is 400, neither is 400.
    pub(super) fn presented(
        &self,
        body: Option<String>,
        headers: &HeaderMap,
    ) -> Result<Presented, AuthError> {
        self.presented_if_any(body, headers)?
            .ok_or_else(|| RequestError::MissingParameter.into())
    }

    /// [`presented`](Self::presented), with `None` when the request has no refresh token
    /// (a logout may present the access token alone).
    pub(super) fn presented_if_any(
        &self,
        body: Option<String>,
        headers: &HeaderMap,
    ) -> Result<Option<Presented>, AuthError> {
        let from_cookie = match self.auth.transport().cookies() {
            Some(_) => cookie::find(headers, cookie::REFRESH_COOKIE)?,
            None => None,
        };
        match (body, from_cookie) {
            (Some(token), None) => Ok(Some(Presented {
                token,
                from_cookie: false,
            })),
            (None, Some(token)) => Ok(Some(Presented {
                token: token.to_owned(),
                from_cookie: true,
            })),
            (Some(_), Some(_)) => Err(RequestError::RepeatedParameter.into()),
            (None, None) => Ok(None),
        }
    }

    /// The signed double submit of a refresh token that came from its cookie, bound to the
    /// token's family.
    pub(super) fn check_csrf(
        &self,
        headers: &HeaderMap,
        info: &RefreshInfo,
    ) -> Result<(), AuthError> {
        let Some(cookies) = self.auth.transport().cookies() else {
            return Ok(());
        };
        cookies
            .check_csrf(headers, &session_id_of(&info.family))
            .map_err(|reason| {
                tracing::info!(reason = reason.code(), subject = %info.subject, "cookie request refused");
                reason.into()
            })
    }
}
