//! Authenticating WebSocket upgrades (opt-in).
//!
//! Browsers cannot put an `Authorization` header on a WebSocket handshake (the JavaScript
//! `WebSocket` API has no way to set headers). Three ways remain:
//!
//! 1. **Cookies** ([cookies](super::cookie)): the handshake carries the access cookie like any
//!    request; the upgrade is checked for an allowed `Origin` (cross-site WebSocket
//!    hijacking). The best option for browser front ends; nothing to turn on here.
//! 2. **A query parameter**, `wss://api.example.com/ws?access_token=eyJ...`, turned on with
//!    [`WebSocketConfig::query_parameter`] given to [`AuthenticatorBuilder::websocket`](crate::AuthenticatorBuilder::websocket). Off by default.
//! 3. The `Sec-WebSocket-Protocol` trick (the token smuggled in as a subprotocol name): not
//!    supported, because the server must echo the chosen subprotocol back, which puts the
//!    token in a response header.
//!
//! # The risks of a token in a URL (security manual, HB-02)
//!
//! RFC 9700 §4.3.2 says clients MUST NOT put access tokens in URLs, and this crate refuses
//! them everywhere else: URLs end up in access logs of the server and of every proxy and
//! load balancer on the way, in browser history, in monitoring and crash reports. The query
//! token is therefore accepted **only** when
//!
//! - it was turned on with [`WebSocketConfig::query_parameter`], and
//! - the request is a WebSocket upgrade: `GET` with `Upgrade: websocket`,
//!   `Connection: upgrade` and a `Sec-WebSocket-Key` (the HTTP/1.1 handshake of RFC 6455;
//!   an HTTP/2 extended CONNECT is not recognised and needs a cookie).
//!
//! Any other request ignores the parameter (401 without credentials, as before). A request
//! with the query token **and** an `Authorization` header or an access cookie is refused with
//! 400 `invalid_request` (one transport per request; security manual, HB-03); the parameter sent twice is
//! 400 too. If you turn it on:
//!
//! - scrub the parameter from access logs (axum/tower-http's `TraceLayer` logs the URI);
//! - keep access tokens short-lived (the default 15 minutes), so a leaked URL expires soon;
//! - connect over `wss://` only;
//! - the token is checked once, at the handshake: a socket stays open after the token
//!   expires or is revoked unless the application closes it.
//!
//! ```
//! use auth::{Authenticated, Authenticator};
//! use auth::keys::{Algorithm, SigningKey};
//! use auth::transport::websocket::WebSocketConfig;
//!
//! let auth = Authenticator::builder()
//!     .signing_key(SigningKey::generate_hmac(Algorithm::HS256)?)
//!     .issuer("https://auth.example.com")
//!     .audience("api")
//!     .websocket(WebSocketConfig::query_parameter("access_token"))
//!     .build()?;
//!
//! // GET /ws?access_token=eyJ... with the upgrade headers: the guard reads the token.
//! async fn ws(me: Authenticated /*, upgrade: axum::extract::WebSocketUpgrade */) -> String {
//!     me.subject().to_owned()
//! }
//! # let _ = (auth, ws);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use axum::http::header::{CONNECTION, SEC_WEBSOCKET_KEY, UPGRADE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};

use crate::error::{ConfigError, RequestError};

/// The longest query parameter name accepted.
const MAX_PARAM_LEN: usize = 64;

/// WebSocket transport: where an upgrade request may carry its access token besides the
/// headers (see the [module docs](self) for the risks). Given to
/// [`AuthenticatorBuilder::websocket`](crate::AuthenticatorBuilder::websocket) and checked by
/// its `build`.
///
/// ```
/// use auth::transport::websocket::WebSocketConfig;
///
/// let config = WebSocketConfig::query_parameter("access_token");
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct WebSocketConfig {
    query_parameter: String,
}

impl WebSocketConfig {
    /// Accepts the access token from the query parameter `name` (RFC 6750 §2.3 calls it
    /// `access_token`) on WebSocket upgrade requests only.
    ///
    /// The name must be 1 to 64 characters of `A-Z a-z 0-9 - _ .`; the value is taken as
    /// sent, without percent decoding (an access token needs none).
    pub fn query_parameter(name: impl Into<String>) -> Self {
        Self {
            query_parameter: name.into(),
        }
    }

    /// Checks the configuration: the parameter name the transport matches.
    pub(crate) fn build(self) -> Result<Box<str>, ConfigError> {
        if is_valid_param_name(&self.query_parameter) {
            Ok(self.query_parameter.into_boxed_str())
        } else {
            Err(ConfigError::InvalidQueryParameter)
        }
    }
}

/// Whether `name` can be a query parameter name matched without decoding.
fn is_valid_param_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_PARAM_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Whether the request is an HTTP/1.1 WebSocket handshake (RFC 6455 §4.1).
pub(crate) fn is_upgrade(parts: &Parts) -> bool {
    parts.method == Method::GET
        && has_token(&parts.headers, UPGRADE.as_str(), "websocket")
        && has_token(&parts.headers, CONNECTION.as_str(), "upgrade")
        && parts.headers.contains_key(SEC_WEBSOCKET_KEY)
}

/// Whether a comma-separated header lists `token` (case-insensitive).
fn has_token(headers: &HeaderMap, name: &str, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value.to_str().is_ok_and(|value| {
            value
                .split(',')
                .any(|item| item.trim().eq_ignore_ascii_case(token))
        })
    })
}

/// The value of the parameter `name` in `query`: `None` when absent or empty, an error when
/// repeated.
pub(crate) fn query_token<'q>(
    query: Option<&'q str>,
    name: &str,
) -> Result<Option<&'q str>, RequestError> {
    let mut found = None;
    for pair in query.unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != name {
            continue;
        }
        if found.is_some() {
            return Err(RequestError::RepeatedParameter);
        }
        found = Some(value);
    }
    Ok(found.filter(|value| !value.is_empty()))
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(method: &str, headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().method(method).uri("/ws");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    const HANDSHAKE: [(&str, &str); 3] = [
        ("upgrade", "websocket"),
        ("connection", "keep-alive, Upgrade"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];

    #[test]
    fn only_a_complete_get_handshake_is_an_upgrade() {
        assert!(is_upgrade(&parts("GET", &HANDSHAKE)));
        assert!(!is_upgrade(&parts("POST", &HANDSHAKE)));
        for missing in 0..HANDSHAKE.len() {
            let partial: Vec<_> = HANDSHAKE
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != missing)
                .map(|(_, h)| *h)
                .collect();
            assert!(!is_upgrade(&parts("GET", &partial)));
        }
        assert!(!is_upgrade(&parts(
            "GET",
            &[
                ("upgrade", "h2c"),
                ("connection", "upgrade"),
                ("sec-websocket-key", "x")
            ]
        )));
    }

    #[test]
    fn the_query_parameter_is_found_once() {
        assert_eq!(
            query_token(Some("a=1&access_token=x.y.z"), "access_token"),
            Ok(Some("x.y.z"))
        );
        assert_eq!(query_token(Some("access_token="), "access_token"), Ok(None));
        assert_eq!(
            query_token(Some("xaccess_token=1"), "access_token"),
            Ok(None)
        );
        assert_eq!(query_token(None, "access_token"), Ok(None));
        assert_eq!(
            query_token(Some("access_token=a&access_token=b"), "access_token"),
            Err(RequestError::RepeatedParameter)
        );
    }

    #[test]
    fn parameter_names_are_plain() {
        assert!(is_valid_param_name("access_token"));
        for bad in ["", "a b", "a=b", "a&b", &"a".repeat(65)] {
            assert!(!is_valid_param_name(bad), "{bad}");
        }
    }
}
