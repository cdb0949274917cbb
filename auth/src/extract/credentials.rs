//! Where a request's access token is: the `Authorization` header, and, when the
//! authenticator turns them on, the access cookie ([`crate::cookie`]) and the WebSocket query
//! parameter ([`crate::websocket`]). One transport per request (RFC 6750 §2, HB-03).

use std::sync::Arc;

use axum::http::request::Parts;

use super::bearer::bearer_credentials;
use crate::Authenticator;
use crate::authenticator::ConfigError;
use crate::cookie::{self, CookieConfig, CookieState};
use crate::error::{AuthError, RequestError};
use crate::keys::KeySet;
use crate::token::VerifiedToken;
use crate::websocket;

/// The transports the builder was asked for.
#[derive(Debug, Default)]
pub(crate) struct TransportConfig {
    pub(crate) cookies: Option<CookieConfig>,
    pub(crate) websocket_query: Option<String>,
}

impl TransportConfig {
    pub(crate) fn build(self, keys: &KeySet) -> Result<Transport, ConfigError> {
        let cookies = self.cookies.map(|config| config.build(keys)).transpose()?;
        let websocket_query = match self.websocket_query {
            Some(name) if websocket::is_valid_param_name(&name) => Some(name.into_boxed_str()),
            Some(_) => return Err(ConfigError::InvalidQueryParameter),
            None => None,
        };
        Ok(Transport {
            cookies,
            websocket_query,
        })
    }
}

/// The transports an authenticator accepts besides `Authorization: Bearer`.
#[derive(Debug, Default)]
pub(crate) struct Transport {
    cookies: Option<CookieState>,
    websocket_query: Option<Box<str>>,
}

impl Transport {
    /// Cookie transport, when on.
    pub(crate) fn cookies(&self) -> Option<&CookieState> {
        self.cookies.as_ref()
    }

    fn is_bearer_only(&self) -> bool {
        self.cookies.is_none() && self.websocket_query.is_none()
    }
}

/// How the token came.
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

/// The request's access token, if it has one; 400 `invalid_request` when it is malformed
/// or sent in more than one way.
pub(crate) fn find<'a>(
    transport: &Transport,
    parts: &'a Parts,
) -> Result<Option<Credentials<'a>>, AuthError> {
    let query = parts.uri.query();
    if transport.is_bearer_only() {
        // The path every request takes when nothing else is on: exactly the bearer rules.
        return Ok(
            bearer_credentials(&parts.headers, query)?.map(|token| Credentials {
                token,
                source: Source::Header,
            }),
        );
    }
    let websocket = transport
        .websocket_query
        .as_deref()
        .filter(|_| websocket::is_upgrade(parts));
    let from_query = match websocket {
        Some(name) => websocket::query_token(query, name)?,
        None => None,
    };
    // `bearer_credentials` refuses a header next to an `access_token` query parameter, as it
    // always does; a query transport under another name is counted below.
    let from_header = bearer_credentials(&parts.headers, query)?;
    let from_cookie = match &transport.cookies {
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

/// Finds and verifies the request's access token, with the CSRF checks of a cookie: `None`
/// without credentials; else the token and whether verifying it again would cost as little
/// as remembering it (see `Authenticator::authenticate_request`).
pub(crate) async fn authenticate(
    auth: &Authenticator,
    parts: &Parts,
) -> Result<Option<(Arc<VerifiedToken>, bool)>, AuthError> {
    let credentials = match find(auth.transport(), parts) {
        Ok(Some(credentials)) => credentials,
        Ok(None) => return Ok(None),
        Err(err) => return Err(auth.reject(err)),
    };
    let (verified, cheap_to_repeat) = auth.authenticate_request(credentials.token).await?;
    if credentials.source == Source::Cookie {
        // Authentication first (a bad token is 401), then whether the request may use it.
        if let Some(cookies) = auth.transport().cookies() {
            cookies
                .check_request(parts, &verified)
                .map_err(|reason| auth.reject(reason.into()))?;
        }
        // Remembered per request: the checks above are not worth repeating.
        return Ok(Some((verified, false)));
    }
    Ok(Some((verified, cheap_to_repeat)))
}
