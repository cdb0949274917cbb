//! Where a request's access token comes from: the `Authorization: Bearer` header (always),
//! and, when the authenticator turns them on, the access cookie with its CSRF checks
//! ([`cookie`]) and the query parameter of a WebSocket upgrade ([`websocket`]).
//!
//! This layer knows requests and tokens as strings; it verifies nothing. It answers two
//! questions for the layer above (`extract`): "which token does this request carry, and
//! how" (`Transport::find`), and, once the token has verified, "may this request use a token
//! that came this way" (`Transport::check_use`, the CSRF checks of a cookie). One transport per request: a token sent in two ways at once is a malformed
//! request (RFC 6750 §2; security manual, HB-03).

mod bearer;
pub mod cookie;
pub mod websocket;

use axum::http::request::Parts;

use bearer::bearer_credentials;
pub use bearer::bearer_token;
pub(crate) use bearer::check_token_syntax;
use cookie::{CookieConfig, CookieState};
use websocket::WebSocketConfig;

use crate::error::{AuthError, ConfigError, RequestError};
use crate::keys::KeySet;
use crate::token::VerifiedToken;

/// The transports the builder was asked for, before they are checked.
#[derive(Debug, Default)]
pub(crate) struct TransportConfig {
    pub(crate) cookies: Option<CookieConfig>,
    pub(crate) websocket: Option<WebSocketConfig>,
}

impl TransportConfig {
    /// Checks the configuration. `keys`: the CSRF key may be derived from the signing key.
    pub(crate) fn build(self, keys: &KeySet) -> Result<Transport, ConfigError> {
        Ok(Transport {
            cookies: self.cookies.map(|config| config.build(keys)).transpose()?,
            websocket_query: self.websocket.map(WebSocketConfig::build).transpose()?,
        })
    }
}

/// The transports an authenticator accepts besides `Authorization: Bearer`.
#[derive(Debug, Default)]
pub(crate) struct Transport {
    cookies: Option<CookieState>,
    websocket_query: Option<Box<str>>,
}

/// How a token came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Header,
    Cookie,
    Query,
}

/// A token and where it was found.
pub(crate) struct Credentials<'a> {
    pub(crate) token: &'a str,
    pub(crate) source: Source,
}

impl Transport {
    /// Cookie transport, when on.
    pub(crate) fn cookies(&self) -> Option<&CookieState> {
        self.cookies.as_ref()
    }

    fn is_bearer_only(&self) -> bool {
        self.cookies.is_none() && self.websocket_query.is_none()
    }

    /// The request's access token, if it has one; 400 `invalid_request` when it is malformed
    /// or sent in more than one way.
    pub(crate) fn find<'a>(&self, parts: &'a Parts) -> Result<Option<Credentials<'a>>, AuthError> {
        let query = parts.uri.query();
        if self.is_bearer_only() {
            // The path every request takes when nothing else is on: exactly the bearer rules.
            return Ok(
                bearer_credentials(&parts.headers, query)?.map(|token| Credentials {
                    token,
                    source: Source::Header,
                }),
            );
        }
        let websocket = self
            .websocket_query
            .as_deref()
            .filter(|_| websocket::is_upgrade(parts));
        let from_query = match websocket {
            Some(name) => websocket::query_token(query, name)?,
            None => None,
        };
        // `bearer_credentials` refuses a header next to an `access_token` query parameter, as
        // it always does; a query transport under another name is counted below.
        let from_header = bearer_credentials(&parts.headers, query)?;
        let from_cookie = match &self.cookies {
            Some(_) => cookie::find(&parts.headers, cookie::ACCESS_COOKIE)?,
            None => None,
        };
        let mut found = [
            from_header.map(|token| (token, Source::Header)),
            from_cookie.map(|token| (token, Source::Cookie)),
            from_query.map(|token| (token, Source::Query)),
        ]
        .into_iter()
        .flatten();
        match (found.next(), found.next()) {
            (None, _) => Ok(None),
            (Some((token, source)), None) => Ok(Some(Credentials { token, source })),
            (Some(_), Some(_)) => Err(RequestError::MultipleMethods.into()),
        }
    }

    /// Whether this request may use `token`, which verified and came from `source`: the
    /// CSRF and origin checks of a cookie (a header or query token needs none). Runs after
    /// verification, so a bad token is a 401 before any 403.
    pub(crate) fn check_use(
        &self,
        source: Source,
        parts: &Parts,
        token: &VerifiedToken,
    ) -> Result<(), RequestError> {
        match (source, &self.cookies) {
            (Source::Cookie, Some(cookies)) => cookies.check_request(parts, token),
            _ => Ok(()),
        }
    }
}
