//! The successful answers of the endpoints: the token pair (with its cookies when cookies
//! are on), and the empty answer of a logout. Errors answer through
//! [`AuthError`](crate::error::AuthError).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{Shared, UserStore};
use crate::error::{AuthError, ErrorKind};
use crate::token::IssuedToken;
use crate::transport::cookie::{self, SessionCookies};

impl<U: UserStore> Shared<U> {
    /// 200 with the pair, never cached (RFC 6749 §5.1); with cookies on, also the cookies of
    /// [`crate::transport::cookie`] and a CSRF token for `session`, and the tokens in the body
    /// only when configured. `refresh_lifetime`: seconds the refresh token can be used.
    pub(super) fn token_response(
        &self,
        issued: &IssuedToken,
        refresh_token: &str,
        session: &str,
        refresh_lifetime: u64,
    ) -> Result<Response, AuthError> {
        let Some(cookies) = self.auth.transport().cookies() else {
            return json_response(
                &TokenResponse {
                    access_token: Some(&issued.access_token),
                    token_type: Some("Bearer"),
                    expires_in: issued.expires_in(),
                    refresh_token: Some(refresh_token),
                    csrf_token: None,
                },
                None,
            );
        };
        let csrf_token = cookies.mint_csrf(session).ok_or_else(|| {
            tracing::error!("the operating system's random number generator failed");
            AuthError::new(ErrorKind::Internal)
        })?;
        let in_body = cookies.tokens_in_body();
        let body = TokenResponse {
            access_token: in_body.then_some(issued.access_token.as_str()),
            token_type: in_body.then_some("Bearer"),
            expires_in: issued.expires_in(),
            refresh_token: in_body.then_some(refresh_token),
            csrf_token: Some(&csrf_token),
        };
        let cookies = |headers: &mut HeaderMap| {
            cookie::set_session(
                headers,
                &SessionCookies {
                    access_token: &issued.access_token,
                    access_max_age: issued.expires_in(),
                    refresh_token,
                    refresh_max_age: refresh_lifetime,
                    csrf_token: &csrf_token,
                    refresh_paths: self.paths.refresh_cookie_paths(),
                },
            );
        };
        json_response(&body, Some(&cookies))
    }

    /// 204, never cached; with cookies on, every cookie is deleted.
    pub(super) fn logged_out(&self) -> Response {
        let mut response = (
            StatusCode::NO_CONTENT,
            [
                (CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (PRAGMA, HeaderValue::from_static("no-cache")),
            ],
        )
            .into_response();
        if self.auth.transport().cookies().is_some() {
            cookie::clear_session(response.headers_mut(), self.paths.refresh_cookie_paths());
        }
        response
    }
}

#[derive(Serialize)]
struct TokenResponse<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<&'a str>,
}

/// 200 JSON, never cached (RFC 6749 §5.1), with the cookies `set_cookies` appends.
pub(super) fn json_response<T: Serialize>(
    body: &T,
    set_cookies: Option<&dyn Fn(&mut HeaderMap)>,
) -> Result<Response, AuthError> {
    let body = serde_json::to_string(body).map_err(|_| AuthError::new(ErrorKind::Internal))?;
    let mut response = (
        StatusCode::OK,
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (PRAGMA, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response();
    if let Some(set_cookies) = set_cookies {
        set_cookies(response.headers_mut());
    }
    Ok(response)
}
