//! `POST /token`: the password grant (RFC 6749 §4.3) with throttling and rehash, and the
//! refresh grant, which is the flow of [`super::refresh`].

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::body::{self, Params};
use super::throttle::PendingAttempt;
use super::tokens::{grant_of, new_refresh_token, random_id};
use super::{Shared, User, UserStore};
use crate::TokenClaims;
use crate::error::{AuthError, ErrorKind, RequestError};
use crate::store::NewFamily;
use crate::token::Session;
use crate::transport::cookie::session_id_of;

/// The handler of the token endpoint.
pub(super) async fn handler<U: UserStore>(
    State(shared): State<Arc<Shared<U>>>,
    request: Request,
) -> Response {
    match shared.token(request).await {
        Ok(response) => response,
        Err(err) => shared.auth.reject(err).into_response(),
    }
}

/// The grants of the token endpoint.
enum Grant {
    Password,
    RefreshToken,
    ClientCredentials,
}

/// The one answer to every refused credential (security manual, LG-03).
fn invalid_grant() -> AuthError {
    AuthError::new(ErrorKind::InvalidGrant)
}

impl<U: UserStore> Shared<U> {
    async fn token(&self, request: Request) -> Result<Response, AuthError> {
        let (parts, body) = request.into_parts();
        self.check_origin(&parts)?;
        let params = body::read(&parts.headers, body, self.body_limit).await?;
        let grant = match params.grant_type.as_deref() {
            Some("password") => Grant::Password,
            Some("refresh_token") => Grant::RefreshToken,
            Some("client_credentials") => Grant::ClientCredentials,
            Some(_) => return Err(AuthError::new(ErrorKind::UnsupportedGrantType)),
            // A refresh token is only ever spent by an explicit `grant_type=refresh_token`
            // (RFC 6749 §6): without one, the request misses a required parameter (§5.2), so
            // a client cannot rotate a token by accident (security manual, LG-01).
            None if params.refresh_token.is_some() => {
                return Err(RequestError::MissingParameter.into());
            }
            // FastAPI's `OAuth2PasswordRequestForm` makes `grant_type` optional for the
            // password grant; JSON `{"username","password"}` is the same convenience.
            None => Grant::Password,
        };
        match grant {
            Grant::Password => self.login(params, &parts).await,
            Grant::RefreshToken => {
                self.limit_refresh_client(&parts)?;
                let token = params.refresh_token.ok_or(RequestError::MissingParameter)?;
                self.rotate(&token, None).await
            }
            Grant::ClientCredentials => self.client_credentials(params, &parts).await,
        }
    }

    /// The password grant (RFC 6749 §4.3).
    async fn login(&self, params: Params, parts: &Parts) -> Result<Response, AuthError> {
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
                AuthError::too_many_requests(retry_after)
            })?;
        // Settled below. Dropped unsettled (the client hung up meanwhile), it is refunded
        // only if its password never started hashing (security manual, LG-05).
        let attempt = PendingAttempt::new(&self.throttle, ticket);
        let checked = self
            .check_credentials(&username, &password, attempt.hashing())
            .await;
        match &checked {
            Ok(_) => attempt.succeeded(now),
            // Only a password actually checked counts: a store that is down, or no hashing
            // slot free, is not the client's failure.
            Err(err) if err.kind() != ErrorKind::InvalidGrant => attempt.refund(),
            Err(_) => attempt.failed(),
        }
        let (user, needs_rehash) = checked?;
        // Successful logins have a rate too: one leaked password does not open sessions
        // without bound (security manual, LG-09).
        self.rates
            .login_of(user.subject(), now)
            .map_err(|retry_after| {
                tracing::info!(reason = "login_rate", subject = %user.subject(), "login refused");
                AuthError::too_many_requests(retry_after)
            })?;
        if needs_rehash {
            self.rehash(user.subject(), &password).await;
        }
        let response = self.start_family(&user.claims).await?;
        tracing::info!(subject = %user.subject(), "logged in");
        Ok(response)
    }

    /// The user whose password this is, and whether its stored hash is outdated; else
    /// `invalid_grant`, after the same work whatever the reason. `hashing` is set once the
    /// password's hash has its permit.
    async fn check_credentials(
        &self,
        username: &str,
        password: &str,
        hashing: &AtomicBool,
    ) -> Result<(User<U::Claims>, bool), AuthError> {
        let user = self.users.find_by_username(username).await?;
        // A password is verified in every case, against a dummy hash for unknown users, so
        // the time taken does not tell whether the account exists (security manual, LG-04).
        let Some(user) = user else {
            self.passwords
                .verify_dummy_marking(password, Some(hashing))
                .await?;
            tracing::info!(reason = "unknown_user", "login refused");
            return Err(invalid_grant());
        };
        let verification = self
            .passwords
            .verify_marking(password, &user.password_hash, Some(hashing))
            .await?;
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
    async fn start_family(&self, claims: &U::Claims) -> Result<Response, AuthError> {
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
            max_live_families: self.max_sessions,
        };
        self.store.insert(&family, now).await?;
        self.token_response(
            &issued,
            &refresh,
            &session,
            idle_expires_at.saturating_sub(now),
        )
    }
}
