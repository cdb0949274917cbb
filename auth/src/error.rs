//! `AuthError`: every way a request can be refused, rendered per RFC 6750 (resource side) and
//! RFC 6749 §5.2 (token endpoint).
//!
//! | case | status | `WWW-Authenticate` | `error` |
//! |---|---|---|---|
//! | no credentials | 401 | `Bearer realm="…"` | `unauthorized` |
//! | malformed `Authorization` | 400 | `Bearer error="invalid_request"` | `invalid_request` |
//! | bad, expired, revoked, wrong-type token | 401 | `Bearer error="invalid_token", error_description="…"` | `invalid_token` |
//! | valid token, missing role | 403 | `Bearer error="insufficient_scope"` | `insufficient_scope` |
//! | valid token, missing permission | 403 | `Bearer error="insufficient_scope", scope="…"` (the permissions required, RFC 6750 §3) | `insufficient_scope` |
//! | unknown client or wrong client secret (`client_credentials`) | 401 | `Basic realm="…"` | `invalid_client` |
//! | a scope the client may not have | 400 | — | `invalid_scope` |
//! | wrong credentials, bad refresh token | 400 | — | `invalid_grant` |
//! | unsupported `grant_type` | 400 | — | `unsupported_grant_type` |
//! | cookie-authenticated unsafe request without a valid CSRF token, or from another site ([`crate::transport::cookie`]) | 403 | — | `invalid_request` |
//!
//! The JSON body is `{"error": "…", "error_description": "…"}`. Descriptions come from a
//! fixed set of sentences: never token contents, key ids or library error text.
//!
//! # Shaping the body
//!
//! [`AuthenticatorBuilder::error_body`](crate::AuthenticatorBuilder::error_body) replaces
//! the JSON body of every error produced with that authenticator's context (extractors, the
//! layer, the endpoints) with the application's own. The status, the `WWW-Authenticate`
//! challenge and `Cache-Control` stay as the table above says: clients and proxies rely on
//! them, not on the body.

use std::fmt;
use std::sync::Arc;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::keys::KeyError;
use crate::store::StoreError;
use crate::token::TokenError;

/// The realm named in a 401 challenge when none is configured.
pub(crate) const DEFAULT_REALM: &str = "api";

/// Why a request was refused. Implements [`IntoResponse`].
///
/// A struct around an [`ErrorKind`] (as `std::io::Error` is) rather than a bare enum, because
/// the response needs the configured realm and body hook
/// ([`AuthenticatorBuilder::error_body`](crate::AuthenticatorBuilder::error_body)), which travel with the error from the extractor that
/// produced it.
#[derive(Clone)]
pub struct AuthError {
    kind: ErrorKind,
    realm: Option<Arc<str>>,
    render: Option<ErrorBodyHook>,
    /// Seconds until a throttled client may try again (`Retry-After`).
    retry_after: Option<u64>,
    /// The permissions a 403 names in its challenge (`scope="…"`).
    scope: Option<Arc<str>>,
}

/// The application's error-body renderer ([`AuthenticatorBuilder::error_body`](crate::AuthenticatorBuilder::error_body)).
#[derive(Clone)]
pub(crate) struct ErrorBodyHook(Arc<dyn Fn(&AuthError) -> Response + Send + Sync>);

impl ErrorBodyHook {
    pub(crate) fn new<F, R>(render: F) -> Self
    where
        F: Fn(&AuthError) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        Self(Arc::new(move |err| render(err).into_response()))
    }
}

impl fmt::Debug for ErrorBodyHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorBodyHook")
    }
}

/// The kinds of [`AuthError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No credentials on a route that needs them: 401 with a bare `Bearer realm` challenge.
    MissingCredentials,
    /// A malformed request: 400 `invalid_request`.
    InvalidRequest(RequestError),
    /// A token that does not verify: 401 `invalid_token`.
    InvalidToken(TokenError),
    /// A valid token without the required role or permission: 403 `insufficient_scope`.
    InsufficientScope,
    /// A valid token that an object-level [policy](crate::policy) does not allow on this
    /// resource: 403 `insufficient_scope`.
    PolicyDenied,
    /// `client_credentials` with an unknown client or a wrong secret: 401 `invalid_client`
    /// with a `Basic` challenge (RFC 6749 §5.2).
    InvalidClient,
    /// `client_credentials` asking for a scope the client may not have: 400
    /// `invalid_scope`.
    InvalidScope,
    /// Wrong username or password, or a bad, spent or revoked refresh token: 400
    /// `invalid_grant`. One response for every cause, so it reveals nothing.
    InvalidGrant,
    /// A `grant_type` other than `password` and `refresh_token`: 400
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// Too many attempts from this client or for this account: 429 `slow_down`.
    TooManyRequests,
    /// A store the decision depends on is unreachable; the request fails closed: 503
    /// `temporarily_unavailable`.
    Unavailable,
    /// A server-side error (a bug or a misconfiguration): 500 `server_error`.
    Internal,
}

/// Why a request was malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestError {
    /// The `Authorization` header is not `Bearer <token>` with a well-formed token.
    MalformedAuthorization,
    /// More than one `Authorization` header.
    MultipleAuthorization,
    /// A token sent in more than one way at once (RFC 6750 §2).
    MultipleMethods,
    /// A required parameter is missing or empty.
    MissingParameter,
    /// A parameter appears more than once (RFC 6749 §3.2).
    RepeatedParameter,
    /// The body is not well-formed form data or JSON.
    MalformedBody,
    /// The content type is neither `application/x-www-form-urlencoded` nor
    /// `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the endpoint accepts.
    BodyTooLarge,
    /// The password is longer than the accepted maximum.
    PasswordTooLong,
    /// A cookie-authenticated request without a valid CSRF token: the `X-CSRF-Token` header
    /// is missing, differs from the CSRF cookie, or was not minted for this session. 403.
    CsrfMismatch,
    /// A request that must come from the application's own pages came from another site:
    /// its `Origin` is not allowed, or `Sec-Fetch-Site` says `cross-site`, `same-site` or
    /// `none` without an allowed `Origin` ([`crate::transport::cookie`]). 403.
    CrossSiteRequest,
    /// An authentication cookie was sent more than once.
    DuplicateCookie,
}

impl RequestError {
    /// A short snake_case reason code for logs.
    pub const fn code(self) -> &'static str {
        match self {
            Self::MalformedAuthorization => "malformed_authorization",
            Self::MultipleAuthorization => "multiple_authorization",
            Self::MultipleMethods => "multiple_methods",
            Self::MissingParameter => "missing_parameter",
            Self::RepeatedParameter => "repeated_parameter",
            Self::MalformedBody => "malformed_body",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::BodyTooLarge => "body_too_large",
            Self::PasswordTooLong => "password_too_long",
            Self::CsrfMismatch => "csrf_mismatch",
            Self::CrossSiteRequest => "cross_site_request",
            Self::DuplicateCookie => "duplicate_cookie",
        }
    }

    /// The fixed `error_description`.
    pub const fn description(self) -> &'static str {
        match self {
            Self::MalformedAuthorization => "The Authorization header is malformed",
            Self::MultipleAuthorization => "More than one Authorization header was sent",
            Self::MultipleMethods => "The access token was sent in more than one way",
            Self::MissingParameter => "A required parameter is missing",
            Self::RepeatedParameter => "A parameter was sent more than once",
            Self::MalformedBody => "The request body is malformed",
            Self::UnsupportedMediaType => {
                "The request body must be application/x-www-form-urlencoded or application/json"
            }
            Self::BodyTooLarge => "The request body is too large",
            Self::PasswordTooLong => "The password is too long",
            Self::CsrfMismatch => "The CSRF token is missing or invalid",
            Self::CrossSiteRequest => "Cross-site requests are not allowed",
            Self::DuplicateCookie => "An authentication cookie was sent more than once",
        }
    }

    /// Whether this is about how the access token was presented (RFC 6750), as opposed to a
    /// token-endpoint request (RFC 6749): only the former carries a `Bearer` challenge.
    const fn is_bearer_usage(self) -> bool {
        matches!(
            self,
            Self::MalformedAuthorization | Self::MultipleAuthorization | Self::MultipleMethods
        )
    }
}

impl AuthError {
    /// An error of this kind.
    pub const fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            realm: None,
            render: None,
            retry_after: None,
            scope: None,
        }
    }

    /// 403 `insufficient_scope` for a valid token without a permission: `scope` (the
    /// permissions required, separated by spaces) is named in the challenge.
    pub fn insufficient_scope(scope: impl Into<Arc<str>>) -> Self {
        let scope = scope.into();
        Self {
            scope: crate::claims::permission::is_scope_list(&scope).then_some(scope),
            ..Self::new(ErrorKind::InsufficientScope)
        }
    }

    /// The permissions a 403 says are required, if it is about permissions.
    pub fn required_scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// 429 `slow_down` with `Retry-After: seconds` (at least 1): a throttled client, told
    /// when it may try again.
    pub fn too_many_requests(seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds.max(1)),
            ..Self::new(ErrorKind::TooManyRequests)
        }
    }

    /// The seconds of the `Retry-After` header, for a throttled request.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// Names the realm of the 401 challenge. A realm that cannot be sent as a quoted-string
    /// without escaping (a `"`, a `\\`, a control byte, non-ASCII, empty, over 128 bytes) is
    /// ignored and the challenge names the default realm, `api`: the header must stay valid whatever
    /// the caller passes (the `Authenticator` builder refuses such a realm up front).
    pub fn with_realm(mut self, realm: Arc<str>) -> Self {
        self.realm = is_valid_realm(&realm).then_some(realm);
        self
    }

    /// Attaches the application's body renderer (the authenticator's context).
    pub(crate) fn with_render(mut self, render: Option<&ErrorBodyHook>) -> Self {
        if let Some(render) = render {
            self.render = Some(render.clone());
        }
        self
    }

    /// The realm this error's challenge names, when one was attached.
    pub fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    /// The kind of error.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status.
    pub const fn status(&self) -> StatusCode {
        match self.kind {
            ErrorKind::MissingCredentials
            | ErrorKind::InvalidToken(_)
            | ErrorKind::InvalidClient => StatusCode::UNAUTHORIZED,
            // CSRF: the credentials are fine; the request did not prove it came from the
            // application's own pages (RFC 9110 §15.5.4: understood, refused).
            ErrorKind::InsufficientScope
            | ErrorKind::PolicyDenied
            | ErrorKind::InvalidRequest(
                RequestError::CsrfMismatch | RequestError::CrossSiteRequest,
            ) => StatusCode::FORBIDDEN,
            ErrorKind::InvalidRequest(RequestError::BodyTooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::InvalidRequest(RequestError::UnsupportedMediaType) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ErrorKind::InvalidRequest(_)
            | ErrorKind::InvalidGrant
            | ErrorKind::UnsupportedGrantType
            | ErrorKind::InvalidScope => StatusCode::BAD_REQUEST,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `error` code of the body (and of the challenge, where there is one).
    pub const fn error_code(&self) -> &'static str {
        match self.kind {
            ErrorKind::MissingCredentials => "unauthorized",
            ErrorKind::InvalidRequest(_) => "invalid_request",
            ErrorKind::InvalidToken(_) => "invalid_token",
            ErrorKind::InsufficientScope | ErrorKind::PolicyDenied => "insufficient_scope",
            ErrorKind::InvalidClient => "invalid_client",
            ErrorKind::InvalidScope => "invalid_scope",
            ErrorKind::InvalidGrant => "invalid_grant",
            ErrorKind::UnsupportedGrantType => "unsupported_grant_type",
            ErrorKind::TooManyRequests => "slow_down",
            ErrorKind::Unavailable => "temporarily_unavailable",
            ErrorKind::Internal => "server_error",
        }
    }

    /// The fixed `error_description`.
    pub const fn description(&self) -> &'static str {
        match self.kind {
            ErrorKind::MissingCredentials => "Authentication is required",
            ErrorKind::InvalidRequest(reason) => reason.description(),
            ErrorKind::InvalidToken(reason) => reason.description(),
            ErrorKind::InsufficientScope if self.scope.is_some() => {
                "The access token does not grant the required permission"
            }
            ErrorKind::InsufficientScope => "The access token does not grant the required role",
            ErrorKind::PolicyDenied => {
                "The access token does not allow this request on this resource"
            }
            ErrorKind::InvalidClient => "The client is unknown or its secret is wrong",
            ErrorKind::InvalidScope => "The client may not have the requested scope",
            ErrorKind::InvalidGrant => "The credentials or the refresh token are invalid",
            ErrorKind::UnsupportedGrantType => "The grant type is not supported",
            ErrorKind::TooManyRequests => "Too many attempts; try again later",
            ErrorKind::Unavailable => "The service is temporarily unavailable",
            ErrorKind::Internal => "An internal error occurred",
        }
    }

    /// A finer snake_case reason for server logs (`"expired"`, `"missing_credentials"`, ...).
    pub const fn reason_code(&self) -> &'static str {
        match self.kind {
            ErrorKind::MissingCredentials => "missing_credentials",
            ErrorKind::InvalidRequest(reason) => reason.code(),
            ErrorKind::InvalidToken(reason) => reason.code(),
            ErrorKind::InsufficientScope if self.scope.is_some() => "insufficient_permission",
            ErrorKind::InsufficientScope => "insufficient_role",
            ErrorKind::PolicyDenied => "policy_denied",
            ErrorKind::InvalidClient => "invalid_client",
            ErrorKind::InvalidScope => "invalid_scope",
            ErrorKind::InvalidGrant => "invalid_grant",
            ErrorKind::UnsupportedGrantType => "unsupported_grant_type",
            ErrorKind::TooManyRequests => "throttled",
            ErrorKind::Unavailable => "store_unavailable",
            ErrorKind::Internal => "internal",
        }
    }

    /// The `WWW-Authenticate` challenge, for errors of the resource side (RFC 6750 §3).
    pub fn challenge(&self) -> Option<String> {
        match self.kind {
            ErrorKind::MissingCredentials => Some(format!(
                r#"Bearer realm="{}""#,
                self.realm.as_deref().unwrap_or(DEFAULT_REALM)
            )),
            ErrorKind::InvalidRequest(reason) if reason.is_bearer_usage() => {
                Some(r#"Bearer error="invalid_request""#.to_owned())
            }
            ErrorKind::InvalidToken(reason) => Some(format!(
                r#"Bearer error="invalid_token", error_description="{}""#,
                reason.description()
            )),
            ErrorKind::InsufficientScope => Some(match &self.scope {
                // Scope tokens have neither `"` nor `\` (checked when the error was made).
                Some(scope) => format!(r#"Bearer error="insufficient_scope", scope="{scope}""#),
                None => r#"Bearer error="insufficient_scope""#.to_owned(),
            }),
            ErrorKind::PolicyDenied => Some(r#"Bearer error="insufficient_scope""#.to_owned()),
            ErrorKind::InvalidClient => Some(format!(
                r#"Basic realm="{}""#,
                self.realm.as_deref().unwrap_or(DEFAULT_REALM)
            )),
            _ => None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        // Codes and descriptions are fixed ASCII sentences without quotes or backslashes, so
        // the body needs no escaping.
        format!(
            r#"{{"error":"{}","error_description":"{}"}}"#,
            self.error_code(),
            self.description()
        )
    }
}

/// Put into the extensions of every error response, so a logging layer can record why a
/// request was refused without parsing the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthFailure {
    /// The error's [`reason_code`](AuthError::reason_code).
    pub reason: &'static str,
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        // The application's body (and its content type), if it renders its own; what follows
        // puts the status and the challenge back to the contract whatever it set.
        let mut response = if let Some(render) = &self.render {
            (render.0)(&self)
        } else {
            let mut response = self.body().into_response();
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        };
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.remove(WWW_AUTHENTICATE);
        if let Some(challenge) = self.challenge()
            && let Ok(value) = HeaderValue::from_str(&challenge)
        {
            headers.insert(WWW_AUTHENTICATE, value);
        }
        if !matches!(
            self.kind,
            ErrorKind::MissingCredentials
                | ErrorKind::InvalidToken(_)
                | ErrorKind::InsufficientScope
                | ErrorKind::PolicyDenied
        ) {
            // Token-endpoint answers are never cached (RFC 6749 §5.1).
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(AuthFailure {
            reason: self.reason_code(),
        });
        response
    }
}

impl From<ErrorKind> for AuthError {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

impl From<TokenError> for AuthError {
    fn from(reason: TokenError) -> Self {
        Self::new(ErrorKind::InvalidToken(reason))
    }
}

/// A store the decision depends on cannot be reached: the request fails closed with 503
/// (security manual, RV-04). The store's error is logged here, once, and never sent.
impl From<StoreError> for AuthError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "store unreachable; refusing the request");
        Self::new(ErrorKind::Unavailable)
    }
}

impl From<RequestError> for AuthError {
    fn from(reason: RequestError) -> Self {
        Self::new(ErrorKind::InvalidRequest(reason))
    }
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthError")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.error_code(), self.reason_code())
    }
}

impl std::error::Error for AuthError {}

impl PartialEq for AuthError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// Whether `realm` can be sent inside a quoted-string without escaping.
pub(crate) fn is_valid_realm(realm: &str) -> bool {
    !realm.is_empty()
        && realm.len() <= 128
        && realm
            .bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// Why an [`Authenticator`](crate::Authenticator) could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No key set, or an empty one.
    MissingKeys,
    /// Both a key set and a remote JWKS were given; an authenticator has one key source.
    ConflictingKeySources,
    /// An accepted token type is empty, longer than 64 characters, or not visible ASCII.
    InvalidTokenType,
    /// No issuer (or an empty one).
    MissingIssuer,
    /// No audience (or an empty one).
    MissingAudience,
    /// The access TTL is zero, longer than 24 hours, or longer than the maximum lifetime.
    AccessTtlOutOfRange,
    /// The leeway is longer than 60 seconds.
    LeewayTooLarge,
    /// The realm is empty, too long, or has characters that need escaping.
    InvalidRealm,
    /// The roles claim path has an empty segment.
    InvalidRolesClaim,
    /// The scope claim name is empty or a dotted path (it is a top-level member).
    InvalidScopeClaim,
    /// The cookie configuration is invalid (the reason says why).
    InvalidCookieConfig(&'static str),
    /// The WebSocket query parameter name is empty or not made of `A-Z a-z 0-9 - _ .`.
    InvalidQueryParameter,
    /// A key could not be built.
    Key(KeyError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingKeys => f.write_str("no signing or verifying key configured"),
            Self::ConflictingKeySources => f.write_str(
                "both a key set and a remote JWKS are configured: choose one (`.keys(..)` to \
                 issue and verify, `.remote_jwks(..)` to verify another issuer's tokens)",
            ),
            Self::InvalidTokenType => f.write_str(
                "an accepted token type must be 1 to 64 visible ASCII characters, such as `JWT`",
            ),
            Self::MissingIssuer => f.write_str("no issuer configured: call `.issuer(..)`"),
            Self::MissingAudience => f.write_str("no audience configured: call `.audience(..)`"),
            Self::AccessTtlOutOfRange => f.write_str(
                "the access-token TTL must be between 1 second and 24 hours, and not longer \
                 than the maximum token lifetime",
            ),
            Self::LeewayTooLarge => f.write_str("the leeway may be at most 60 seconds"),
            Self::InvalidRealm => f.write_str(
                "the realm must be 1 to 128 printable ASCII characters without `\"` or `\\`",
            ),
            Self::InvalidRolesClaim => {
                f.write_str("the roles claim must be a name or a dotted path without empty parts")
            }
            Self::InvalidScopeClaim => {
                f.write_str("the scope claim must be the name of a top-level claim, such as `scp`")
            }
            Self::Key(err) => write!(f, "invalid key: {err}"),
            Self::InvalidCookieConfig(reason) => write!(f, "invalid cookie configuration: {reason}"),
            Self::InvalidQueryParameter => f.write_str(
                "the WebSocket query parameter name must be 1 to 64 characters of `A-Z a-z 0-9 - _ .`",
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Key(err) => Some(err),
            _ => None,
        }
    }
}

impl From<KeyError> for ConfigError {
    fn from(err: KeyError) -> Self {
        Self::Key(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Bearer` then `key="value"` pairs, each key once, values in the RFC 6750 charset.
    fn is_valid_challenge(challenge: &str) -> bool {
        let Some(params) = challenge.strip_prefix("Bearer ") else {
            return false;
        };
        let mut keys = Vec::new();
        params.split(", ").all(|param| {
            let Some((key, value)) = param.split_once('=') else {
                return false;
            };
            let unique = !keys.contains(&key);
            keys.push(key);
            unique
                && ["realm", "error", "error_description", "scope"].contains(&key)
                && value.len() >= 2
                && value.starts_with('"')
                && value.ends_with('"')
                && value[1..value.len() - 1]
                    .bytes()
                    .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
        })
    }

    #[test]
    fn every_description_is_a_valid_rfc6750_value() {
        let valid = |s: &str| {
            s.bytes()
                .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
        };
        let tokens = [
            TokenError::TooLong,
            TokenError::Expired,
            TokenError::NotYetValid,
            TokenError::Revoked,
            TokenError::BadSignature,
            TokenError::NotFresh,
        ];
        for reason in tokens {
            assert!(valid(reason.description()));
            assert!(is_valid_challenge(
                &AuthError::from(reason).challenge().unwrap()
            ));
        }
        for kind in [
            ErrorKind::MissingCredentials,
            ErrorKind::InsufficientScope,
            ErrorKind::InvalidGrant,
            ErrorKind::UnsupportedGrantType,
            ErrorKind::TooManyRequests,
            ErrorKind::Unavailable,
            ErrorKind::Internal,
            ErrorKind::InvalidRequest(RequestError::UnsupportedMediaType),
            ErrorKind::InvalidRequest(RequestError::CsrfMismatch),
            ErrorKind::InvalidRequest(RequestError::CrossSiteRequest),
            ErrorKind::InvalidRequest(RequestError::DuplicateCookie),
        ] {
            let err = AuthError::new(kind).with_realm("My API".into());
            assert!(valid(err.description()), "{kind:?}");
            if let Some(challenge) = err.challenge() {
                assert!(is_valid_challenge(&challenge), "{challenge}");
            }
            let body: serde_json::Value = serde_json::from_str(&err.body()).unwrap();
            assert_eq!(body["error"], err.error_code());
        }
    }

    #[test]
    fn an_invalid_realm_falls_back_to_the_default() {
        for bad in ["a\"b", "a\r\nb", ""] {
            let err = AuthError::new(ErrorKind::MissingCredentials).with_realm(bad.into());
            assert_eq!(
                err.challenge().as_deref(),
                Some(r#"Bearer realm="api""#),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn realm_validation_refuses_quotes_and_controls() {
        assert!(is_valid_realm("api"));
        assert!(is_valid_realm("My API v2"));
        for bad in ["", "a\"b", "a\\b", "a\r\nb", "é"] {
            assert!(!is_valid_realm(bad), "{bad:?}");
        }
    }
}
