//! The three handlers and the flows behind them.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use super::body::{self, Params};
use super::throttle::PendingAttempt;
use super::{Shared, User, UserStore, unavailable};
use crate::TokenClaims;
use crate::error::{AuthError, ErrorKind, RequestError};
use crate::store::{AccessGrant, NewFamily, RefreshInfo, Rotation, Successor, TokenHash};
use crate::token::{IssuedToken, Session};
use crate::transport::bearer_token;
use crate::transport::cookie::{self, SessionCookies, session_id_of};

/// The length of a refresh token: 32 bytes in base64url without padding.
const REFRESH_TOKEN_LEN: usize = 43;

pub(crate) async fn token<U: UserStore>(
    State(shared): State<Arc<Shared<U>>>,
    request: Request,
) -> Response {
    shared.respond(shared.token(request).await)
}

pub(crate) async fn refresh<U: UserStore>(
    State(shared): State<Arc<Shared<U>>>,
    request: Request,
) -> Response {
    shared.respond(shared.refresh(request).await)
}

pub(crate) async fn logout<U: UserStore>(
    State(shared): State<Arc<Shared<U>>>,
    request: Request,
) -> Response {
    shared.respond(shared.logout(request).await)
}

/// Why a request failed: an [`AuthError`], or a throttled login (429 with `Retry-After`).
enum Failure {
    Auth(AuthError),
    Throttled { retry_after: u64 },
}

impl From<AuthError> for Failure {
    fn from(err: AuthError) -> Self {
        Self::Auth(err)
    }
}

impl From<RequestError> for Failure {
    fn from(err: RequestError) -> Self {
        Self::Auth(err.into())
    }
}

impl From<crate::password::PasswordError> for Failure {
    fn from(err: crate::password::PasswordError) -> Self {
        Self::Auth(err.into())
    }
}

/// The one answer to every refused credential or refresh token (security manual, LG-03).
fn invalid_grant() -> Failure {
    Failure::Auth(AuthError::new(ErrorKind::InvalidGrant))
}

fn internal() -> Failure {
    Failure::Auth(AuthError::new(ErrorKind::Internal))
}

enum Grant {
    Password,
    RefreshToken,
}

/// A refresh token as presented, and whether it came from its cookie (which then needs the
/// CSRF token of its session).
struct Presented {
    token: String,
    from_cookie: bool,
}

impl<U: UserStore> Shared<U> {
    /// The answer, errors rendered with the authenticator's context (its error-body hook).
    fn respond(&self, result: Result<Response, Failure>) -> Response {
        match result {
            Ok(response) => response,
            Err(Failure::Auth(err)) => self.auth.reject(err).into_response(),
            Err(Failure::Throttled { retry_after }) => {
                let mut response = self
                    .auth
                    .reject(AuthError::new(ErrorKind::TooManyRequests))
                    .into_response();
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
                response
            }
        }
    }

    /// With cookies on, every endpoint request must come from the application's own pages
    /// or from a client that is not a browser: the answers set cookies, and another site must
    /// not log the browser into an account of its choosing (login CSRF; security manual, CK-06).
    fn check_origin(&self, parts: &Parts) -> Result<(), Failure> {
        match self.auth.transport().cookies() {
            Some(cookies) => cookies.check_origin(&parts.headers).map_err(|reason| {
                tracing::info!(reason = reason.code(), "endpoint request refused");
                reason.into()
            }),
            None => Ok(()),
        }
    }

    /// The refresh token of a `/refresh` or `/logout` request: the body's `refresh_token`
    /// or, with cookies on, the refresh cookie; both at once is 400.
    fn presented(&self, body: Option<String>, headers: &HeaderMap) -> Result<Presented, Failure> {
        let from_cookie = match self.auth.transport().cookies() {
            Some(_) => cookie::find(headers, cookie::REFRESH_COOKIE)?,
            None => None,
        };
        match (body, from_cookie) {
            (Some(token), None) => Ok(Presented {
                token,
                from_cookie: false,
            }),
            (None, Some(token)) => Ok(Presented {
                token: token.to_owned(),
                from_cookie: true,
            }),
            (Some(_), Some(_)) => Err(RequestError::RepeatedParameter.into()),
            (None, None) => Err(RequestError::MissingParameter.into()),
        }
    }

    /// The signed double submit of a refresh token that came from its cookie, bound to the
    /// token's family.
    fn check_csrf(&self, headers: &HeaderMap, info: &RefreshInfo) -> Result<(), Failure> {
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

    async fn token(&self, request: Request) -> Result<Response, Failure> {
        let (parts, body) = request.into_parts();
        self.check_origin(&parts)?;
        let params = body::read(&parts.headers, body, self.body_limit).await?;
        let grant = match params.grant_type.as_deref() {
            Some("password") => Grant::Password,
            Some("refresh_token") => Grant::RefreshToken,
            Some(_) => return Err(AuthError::new(ErrorKind::UnsupportedGrantType).into()),
            // FastAPI's `OAuth2PasswordRequestForm` makes `grant_type` optional too.
            None if params.username.is_none()
                && params.password.is_none()
                && params.refresh_token.is_some() =>
            {
                Grant::RefreshToken
            }
            None => Grant::Password,
        };
        match grant {
            Grant::Password => self.login(params, &parts).await,
            Grant::RefreshToken => {
                let token = params.refresh_token.ok_or(RequestError::MissingParameter)?;
                self.rotate(&token, None).await
            }
        }
    }

    async fn refresh(&self, request: Request) -> Result<Response, Failure> {
        let (parts, body) = request.into_parts();
        self.check_origin(&parts)?;
        let params = body::read(&parts.headers, body, self.body_limit).await?;
        if params
            .grant_type
            .as_deref()
            .is_some_and(|grant| grant != "refresh_token")
        {
            return Err(AuthError::new(ErrorKind::UnsupportedGrantType).into());
        }
        let presented = self.presented(params.refresh_token, &parts.headers)?;
        let csrf = presented.from_cookie.then_some(&parts.headers);
        self.rotate(&presented.token, csrf).await
    }

    async fn logout(&self, request: Request) -> Result<Response, Failure> {
        let (parts, body) = request.into_parts();
        self.check_origin(&parts)?;
        let params = body::read(&parts.headers, body, self.body_limit).await?;
        let presented = self.presented(params.refresh_token, &parts.headers)?;
        // An unknown or malformed refresh token gets the same 204 (RFC 7009 §2.2).
        let now = self.auth.now();
        let found = if is_refresh_token(&presented.token) {
            self.store
                .lookup(&TokenHash::of(&presented.token), now)
                .await
                .map_err(|err| unavailable(&err))?
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
            && let Ok(verified) = self.auth.verify(access)
        {
            self.auth.revoke(&verified).await?;
        }
        if let Some(info) = found {
            let grants = self
                .store
                .revoke_family(&info.family, now)
                .await
                .map_err(|err| unavailable(&err))?;
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

    /// The `sid` claim: the session id, with cookies on (CSRF tokens are bound to it).
    /// Without cookies nothing reads it, so tokens do not carry it (security manual, TV-18: no member without
    /// a use).
    fn session_claim(&self, session: &str) -> Option<String> {
        self.auth.transport().cookies().map(|_| session.to_owned())
    }

    /// 204, never cached; with cookies on, every cookie is deleted.
    fn logged_out(&self) -> Response {
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

    /// The password grant (RFC 6749 §4.3).
    async fn login(&self, params: Params, parts: &Parts) -> Result<Response, Failure> {
        let (Some(username), Some(password)) = (params.username, params.password) else {
            return Err(RequestError::MissingParameter.into());
        };
        if password.len() > self.passwords.config().max_len {
            return Err(RequestError::PasswordTooLong.into());
        }
        let now = self.auth.now();
        let address = (self.client_address)(parts);
        let ticket = self
            .throttle
            .admit(&username, address, now)
            .map_err(|retry_after| {
                tracing::info!(reason = "throttled", "login refused");
                Failure::Throttled { retry_after }
            })?;
        // Settled below; dropped unsettled (the client hung up meanwhile), it is refunded.
        let attempt = PendingAttempt::new(&self.throttle, ticket);
        let checked = self.check_credentials(&username, &password).await;
        match &checked {
            Ok(_) => attempt.succeeded(now),
            // Only a password actually checked counts: a store that is down, or no hashing
            // slot free, is not the client's failure (dropping the attempt refunds it).
            Err(Failure::Auth(err)) if err.kind() != ErrorKind::InvalidGrant => drop(attempt),
            Err(_) => attempt.failed(),
        }
        let (user, needs_rehash) = checked?;
        if needs_rehash {
            self.rehash(user.subject(), &password).await;
        }
        let response = self.start_family(&user.claims).await?;
        tracing::info!(subject = %user.subject(), "logged in");
        Ok(response)
    }

    /// The user whose password this is, and whether its stored hash is outdated; else
    /// `invalid_grant`, after the same work whatever the reason.
    async fn check_credentials(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(User<U::Claims>, bool), Failure> {
        let user = self
            .users
            .find_by_username(username)
            .await
            .map_err(|err| unavailable(&err))?;
        // A password is verified in every case, against a dummy hash for unknown users, so
        // the time taken does not tell whether the account exists (security manual, LG-04).
        let Some(user) = user else {
            self.passwords.verify_dummy(password).await?;
            tracing::info!(reason = "unknown_user", "login refused");
            return Err(invalid_grant());
        };
        let verification = self.passwords.verify(password, &user.password_hash).await?;
        if !verification.matched() {
            tracing::info!(reason = "wrong_password", subject = %user.subject(), "login refused");
            return Err(invalid_grant());
        }
        if user.disabled {
            tracing::info!(reason = "disabled_user", subject = %user.subject(), "login refused");
            return Err(invalid_grant());
        }
        Ok((user, verification.needs_rehash()))
    }

    /// Replaces an outdated stored hash; a failure is logged and the login goes on.
    async fn rehash(&self, subject: &str, password: &str) {
        match self.passwords.hash(password).await {
            Ok(hash) => match self.users.update_password_hash(subject, &hash).await {
                Ok(()) => tracing::info!(subject = %subject, "password hash upgraded"),
                Err(err) => {
                    tracing::warn!(subject = %subject, error = %err, "storing the upgraded password hash failed");
                }
            },
            Err(err) => {
                tracing::warn!(subject = %subject, error = %err, "rehashing the password failed");
            }
        }
    }

    /// Issues a fresh access token and the first refresh token of a new family.
    async fn start_family(&self, claims: &U::Claims) -> Result<Response, Failure> {
        let family_id = random_id(16)?;
        let session = session_id_of(&family_id);
        let issued = self.issue(
            claims,
            Session {
                fresh: true,
                id: self.session_claim(&session),
            },
        )?;
        let now = self.auth.now();
        let (refresh, hash) = new_refresh_token()?;
        let expires_at = now.saturating_add(self.refresh_ttl);
        let idle_expires_at = now.saturating_add(self.refresh_idle_ttl).min(expires_at);
        let family = NewFamily {
            token: hash,
            family: family_id,
            subject: claims.subject().to_owned(),
            expires_at,
            idle_expires_at,
            access: grant_of(&issued),
        };
        self.store
            .insert(&family, now)
            .await
            .map_err(|err| unavailable(&err))?;
        self.token_response(
            &issued,
            &refresh,
            &session,
            idle_expires_at.saturating_sub(now),
        )
    }

    /// The refresh grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).
    /// `csrf`: the request headers, when the token came from its cookie.
    async fn rotate(&self, token: &str, csrf: Option<&HeaderMap>) -> Result<Response, Failure> {
        if !is_refresh_token(token) {
            tracing::info!(reason = "malformed_refresh_token", "refresh refused");
            return Err(invalid_grant());
        }
        let presented = TokenHash::of(token);
        let now = self.auth.now();
        let Some(info) = self
            .store
            .lookup(&presented, now)
            .await
            .map_err(|err| unavailable(&err))?
        else {
            tracing::info!(reason = "unknown_refresh_token", "refresh refused");
            return Err(invalid_grant());
        };
        // A cookie's token must come with its session's CSRF token; checked before anything
        // changes, so a forged request can neither rotate nor trigger reuse detection.
        if let Some(headers) = csrf {
            self.check_csrf(headers, &info)?;
        }
        // Roles and status are read again at every refresh (security manual, RT-05).
        let user = self
            .users
            .find_by_subject(&info.subject)
            .await
            .map_err(|err| unavailable(&err))?;
        let user = match user {
            Some(user) if !user.disabled && user.subject() == info.subject => user,
            other => {
                let reason = match other {
                    None => "unknown_user",
                    Some(user) if user.disabled => "disabled_user",
                    Some(_) => "subject_mismatch",
                };
                let grants = self
                    .store
                    .revoke_family(&info.family, now)
                    .await
                    .map_err(|err| unavailable(&err))?;
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
        let rotation = self
            .store
            .rotate(&presented, &successor, now)
            .await
            .map_err(|err| unavailable(&err))?;
        match rotation {
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

    pub(crate) async fn revoke_user(&self, subject: &str) -> Result<(), AuthError> {
        let grants = self
            .store
            .revoke_subject(subject, self.auth.now())
            .await
            .map_err(|err| unavailable(&err))?;
        self.denylist(&grants).await
    }

    fn issue(&self, claims: &U::Claims, session: Session) -> Result<IssuedToken, Failure> {
        self.auth.issue_with(claims, session).map_err(|err| {
            tracing::error!(error = %err, "cannot issue an access token");
            internal()
        })
    }

    /// 200 with the pair, never cached (RFC 6749 §5.1); with cookies on, also the cookies of
    /// [`crate::cookie`] and a CSRF token for `session`, and the tokens in the body only when
    /// configured. `refresh_lifetime`: seconds the refresh token can be used.
    fn token_response(
        &self,
        issued: &IssuedToken,
        refresh_token: &str,
        session: &str,
        refresh_lifetime: u64,
    ) -> Result<Response, Failure> {
        let Some(cookies) = self.auth.transport().cookies() else {
            return token_response(
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
            internal()
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
        token_response(&body, Some(&cookies))
    }

    /// Denylists the access tokens of a revoked family, when the authenticator checks a
    /// revocation list (security manual, RV-01).
    async fn denylist(&self, grants: &[AccessGrant]) -> Result<(), AuthError> {
        if !self.auth.revocation_enabled() {
            return Ok(());
        }
        for grant in grants {
            self.auth.revoke_id(&grant.jwt_id, grant.expires_at).await?;
        }
        Ok(())
    }
}

fn grant_of(issued: &IssuedToken) -> AccessGrant {
    AccessGrant {
        jwt_id: issued.jwt_id.clone(),
        expires_at: issued.expires_at,
    }
}

/// A refresh token: 256 random bits, base64url (security manual, RT-01), with its hash.
fn new_refresh_token() -> Result<(String, TokenHash), Failure> {
    let token = random_id(32)?;
    let hash = TokenHash::of(&token);
    Ok((token, hash))
}

/// `bytes` random bytes, base64url.
fn random_id(bytes: usize) -> Result<String, Failure> {
    let mut buffer = [0u8; 32];
    let buffer = buffer.get_mut(..bytes).ok_or_else(internal)?;
    getrandom::fill(buffer).map_err(|_| {
        tracing::error!("the operating system's random number generator failed");
        internal()
    })?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

/// Whether `token` has the shape of the refresh tokens this crate issues; anything else is
/// refused without asking the store.
fn is_refresh_token(token: &str) -> bool {
    token.len() == REFRESH_TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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
fn token_response(
    body: &TokenResponse<'_>,
    set_cookies: Option<&dyn Fn(&mut HeaderMap)>,
) -> Result<Response, Failure> {
    let body = serde_json::to_string(body).map_err(|_| internal())?;
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
