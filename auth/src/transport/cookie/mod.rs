//! Cookie transport for browser front ends, with CSRF protection (opt-in; security manual, "Cookies and CSRF").
//!
//! By default tokens travel only in `Authorization: Bearer` and the token endpoints answer
//! them in a JSON body. [`AuthenticatorBuilder::cookies`](crate::AuthenticatorBuilder::cookies) adds a second transport for
//! browsers: the [endpoints](crate::endpoints) also set the tokens as cookies JavaScript
//! cannot read, and every extractor, guard and the [layer](crate::layer) accept the access
//! token from its cookie.
//!
//! ```
//! use auth::Authenticator;
//! use auth::transport::cookie::CookieConfig;
//! use auth::keys::SigningKey;
//!
//! let auth = Authenticator::builder()
//!     .signing_key(SigningKey::hs256(b"kvJ1bP0x8Zq3mW7nR2tY5uA9cD4fG6hK")?)
//!     .issuer("https://auth.example.com")
//!     .audience("https://api.example.com")
//!     .cookies(
//!         CookieConfig::new()
//!             // A front end served from another origin than the API (CORS with credentials).
//!             .allowed_origin("https://app.example.com")
//!             // 32+ random bytes, the same on every instance; see `CookieConfig::csrf_key`.
//!             .csrf_key(b"9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
//!     )
//!     .build()?;
//! # let _ = auth;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The cookies
//!
//! | cookie | attributes | holds |
//! |---|---|---|
//! | [`__Host-auth-access`](ACCESS_COOKIE) | `Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=<access TTL>` | the access token |
//! | [`__Secure-auth-refresh`](REFRESH_COOKIE) | `Secure; HttpOnly; SameSite=Strict; Path=<refresh path>` and again with `Path=<logout path>`; `Max-Age=<the refresh token's lifetime>` | the refresh token |
//! | [`__Host-auth-csrf`](CSRF_COOKIE) | `Secure; SameSite=Strict; Path=/; Max-Age=<the refresh token's lifetime>` (readable by JavaScript) | the CSRF token |
//!
//! - `Secure` always: bearer tokens never travel in clear (RFC 6750 §5.3). Browsers treat
//!   `http://localhost` as secure, so development works without TLS.
//! - `HttpOnly` on both tokens: a script injected into the page (XSS) cannot read them
//!   (security manual, CK-04: do not keep tokens in `localStorage`).
//! - `SameSite=Strict`: the browser does not attach them to requests another site starts.
//!   This is defence in depth only; the CSRF checks below do not rely on it.
//! - The `__Host-` prefix makes the browser refuse the cookie unless it is `Secure`, has
//!   `Path=/` and no `Domain`, so no sibling subdomain can plant or overwrite it.
//! - The refresh token is the long-lived credential, so it is sent **only** to the refresh
//!   and logout paths, not with every API request (less exposure in logs and to
//!   request-smuggling bugs). `__Host-` requires `Path=/`, so it carries the `__Secure-`
//!   prefix instead (still `Secure`, still no `Domain`, hence host-only); and since a cookie
//!   has one path, it is set once per path. What `__Secure-` does not stop is a sibling
//!   subdomain setting a cookie of the same name for the parent domain ("cookie tossing"):
//!   such a planted refresh token belongs to another session, so the CSRF token the page
//!   sends does not match it and the request is refused (403); two refresh cookies at once
//!   are refused too (400).
//! - `Max-Age` never exceeds the lifetime of what the cookie holds (security manual, CK-01).
//!
//! Merge the [endpoints](crate::endpoints) router at the paths it is configured with (do not
//! `nest` it under a prefix): the refresh cookie's `Path` is the configured refresh and
//! logout paths.
//!
//! # Login and refresh answers
//!
//! `POST /token` and `POST /refresh` set the three cookies. Their JSON body then carries
//! `expires_in` and `csrf_token` but **not** the tokens: a script injected into the page
//! could otherwise call `/refresh` (the browser attaches the cookie) and read a fresh refresh
//! token from the answer, which would defeat `HttpOnly`. An application whose other clients
//! (a mobile app) use the same endpoints without cookies turns
//! [`tokens_in_body`](CookieConfig::tokens_in_body) on, accepting that risk. `POST /logout`
//! clears the cookies.
//!
//! # CSRF: what a cookie-authenticated request must carry
//!
//! A browser attaches cookies to requests that other sites start, so every *unsafe*
//! request (any method but `GET`, `HEAD` and `OPTIONS`) authenticated by a cookie must also
//! prove it comes from the application's own pages (security manual, CK-02). Two independent checks, both
//! required, each answering **403** `invalid_request` without a challenge:
//!
//! 1. **Signed double submit.** The `X-CSRF-Token` header ([`CSRF_HEADER`]) must equal the
//!    [`CSRF_COOKIE`] (which the page's script reads and copies), and the token must be
//!    valid for the session: it is `nonce.HMAC-SHA256(key, session id ‖ nonce)`, where the
//!    session id is the `sid` claim of the access token (and, at `/refresh` and `/logout`,
//!    the id of the refresh token's family, from which `sid` is derived). So a token
//!    planted by an attacker, or taken from the attacker's own session, does not verify
//!    (`RequestError::CsrfMismatch`). The session id is the same across refreshes and new
//!    at every login, so the CSRF token of a tab keeps working after another tab refreshes.
//! 2. **Origin.** `Sec-Fetch-Site: same-origin` passes. Otherwise an `Origin` header must be
//!    the request's own origin (`https://` + `Host`) or one of the
//!    [allowed origins](CookieConfig::allowed_origin); `Origin: null` never passes. Without
//!    `Origin`, a `Sec-Fetch-Site` of `same-site`, `cross-site` or `none` is refused. A
//!    request with neither header (not a browser, or a very old one) passes this check
//!    and still needs the CSRF token (`RequestError::CrossSiteRequest`).
//!
//! Safe methods need neither (they must not change state), except a WebSocket upgrade
//! authenticated by cookie, whose `Origin` is checked (cross-site WebSocket hijacking;
//! browsers cannot add a header to the handshake).
//!
//! The token endpoints, which set cookies, check the origin of **every** request when
//! cookies are on, so another site cannot log a victim's browser into the attacker's
//! account (login CSRF; security manual, CK-06). `/refresh` and `/logout` with the refresh token from its
//! cookie also need the CSRF token, bound to that token's family.
//!
//! # One token, one transport (security manual, HB-03)
//!
//! A request that carries an access token both in `Authorization` and in the access cookie
//! is refused with **400** `invalid_request` (`Bearer error="invalid_request"`), as RFC 6750
//! §2 requires ("clients MUST NOT use more than one method"); so is a refresh token both in
//! the body and in its cookie. A front end that switches to cookies stops sending the header.
//! An `Authorization` header of another scheme (`Basic ...`) is not a token and does not
//! count. With cookies off, cookies are never read and nothing changes.
//!
//! # CORS
//!
//! A front end on another origin needs CORS with credentials: allow exactly its origins
//! (the same list as [`allowed_origin`](CookieConfig::allowed_origin)), never `*` and never
//! a reflected `Origin` (security manual, CK-03), and allow the `X-CSRF-Token` request header. Its script
//! cannot read the API's [`CSRF_COOKIE`] (cookies belong to the API's host): it keeps the
//! `csrf_token` of the last login or refresh answer in memory instead.

mod csrf;
mod origin;

use std::fmt;
use std::time::Duration;

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::websocket;
use crate::error::{ConfigError, RequestError};
use crate::keys::{Algorithm, KeySet};
use crate::token::VerifiedToken;

pub(crate) use csrf::session_id_of;

/// The access-token cookie: `Secure; HttpOnly; SameSite=Strict; Path=/`.
pub const ACCESS_COOKIE: &str = "__Host-auth-access";
/// The refresh-token cookie: `Secure; HttpOnly; SameSite=Strict`, set once with the refresh
/// path and once with the logout path (see the [module docs](self) for the prefix).
pub const REFRESH_COOKIE: &str = "__Secure-auth-refresh";
/// The CSRF cookie, readable by the page's script: `Secure; SameSite=Strict; Path=/`.
pub const CSRF_COOKIE: &str = "__Host-auth-csrf";
/// The request header that must repeat the [`CSRF_COOKIE`] on unsafe cookie-authenticated
/// requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The shortest CSRF key accepted: 32 bytes.
pub(crate) const MIN_CSRF_KEY_LEN: usize = 32;

/// Turns cookie transport on: see the [module docs](self). Checked by
/// [`AuthenticatorBuilder::build`](crate::AuthenticatorBuilder::build).
///
/// ```
/// use auth::transport::cookie::CookieConfig;
///
/// let config = CookieConfig::new()
///     .allowed_origin("https://app.example.com") // a front end on another origin
///     .allowed_origin("http://localhost:5173") // its development server
///     .csrf_key(std::env::var("CSRF_KEY").unwrap_or_else(|_| "x".repeat(32)))
///     .tokens_in_body(false); // the default: tokens only in HttpOnly cookies
/// # let _ = config;
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct CookieConfig {
    allowed_origins: Vec<String>,
    csrf_key: Option<Vec<u8>>,
    tokens_in_body: bool,
}

impl CookieConfig {
    /// The defaults: only the request's own origin is allowed, the CSRF key is derived from
    /// the signing key, and the tokens are not repeated in the JSON body.
    pub fn new() -> Self {
        Self::default()
    }

    /// An origin (`https://app.example.com`, `http://localhost:5173`: scheme, host and
    /// optional port; no path) whose pages may send cookie-authenticated unsafe requests and
    /// log in. The request's own origin (`https://` + its `Host`) is always allowed; add
    /// every other one, including the public origin when a proxy rewrites `Host`.
    pub fn allowed_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// The key of the CSRF token MAC: at least 32 bytes from a CSPRNG, the same on every
    /// instance, kept as secret as the signing key.
    ///
    /// Defaults to a key derived from the signing key when its signatures are deterministic
    /// (HS256/384/512 and EdDSA), so every instance sharing the signing key agrees. Set it
    /// explicitly with other algorithms (building fails otherwise), and when you rotate
    /// signing keys: a derived key changes with the signing key, which invalidates the
    /// CSRF tokens of every open session (users then log in again).
    pub fn csrf_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.csrf_key = Some(key.as_ref().to_vec());
        self
    }

    /// Whether login and refresh answers also carry `access_token` and `refresh_token` in
    /// their JSON body when they set cookies. Defaults to `false`: a script that can run in
    /// the page could otherwise read a refresh token from a `/refresh` answer.
    pub fn tokens_in_body(mut self, yes: bool) -> Self {
        self.tokens_in_body = yes;
        self
    }

    /// Checks the configuration.
    pub(crate) fn build(self, keys: &KeySet) -> Result<CookieState, ConfigError> {
        let origins = self
            .allowed_origins
            .iter()
            .map(|origin| origin::normalize(origin))
            .collect::<Result<Vec<_>, _>>()?
            .into_boxed_slice();
        let csrf = match &self.csrf_key {
            Some(key) if key.len() < MIN_CSRF_KEY_LEN => {
                return Err(ConfigError::InvalidCookieConfig(
                    "the CSRF key must be at least 32 bytes",
                ));
            }
            Some(key) => csrf::CsrfKey::new(key),
            None => derive_csrf_key(keys)?,
        };
        Ok(CookieState {
            origins,
            csrf,
            tokens_in_body: self.tokens_in_body,
        })
    }
}

impl fmt::Debug for CookieConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieConfig")
            .field("allowed_origins", &self.allowed_origins)
            .field("csrf_key", &self.csrf_key.as_ref().map(|_| "[redacted]"))
            .field("tokens_in_body", &self.tokens_in_body)
            .finish()
    }
}

/// The derived CSRF key: the signing key's signature over a fixed label, for algorithms
/// whose signatures are deterministic (an HMAC is a PRF; Ed25519 signatures are
/// deterministic by design). ECDSA and RSA-PSS may sign with a random nonce, so every
/// instance would derive a different key.
fn derive_csrf_key(keys: &KeySet) -> Result<csrf::CsrfKey, ConfigError> {
    const LABEL: &[u8] = b"auth cookie transport: CSRF key v1";
    let signing = keys.signing_key().ok_or(ConfigError::InvalidCookieConfig(
        "set `CookieConfig::csrf_key`: there is no signing key to derive it from",
    ))?;
    if !(signing.algorithm().is_symmetric() || signing.algorithm() == Algorithm::EdDSA) {
        return Err(ConfigError::InvalidCookieConfig(
            "set `CookieConfig::csrf_key`: it is derived only from HMAC and EdDSA signing keys",
        ));
    }
    let derived = signing.sign(LABEL).map_err(ConfigError::Key)?;
    Ok(csrf::CsrfKey::new(&derived))
}

/// Cookie transport, configured.
pub(crate) struct CookieState {
    /// Normalized (lowercase, no trailing `/`).
    origins: Box<[Box<str>]>,
    csrf: csrf::CsrfKey,
    tokens_in_body: bool,
}

impl fmt::Debug for CookieState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieState")
            .field("origins", &self.origins)
            .field("tokens_in_body", &self.tokens_in_body)
            .finish_non_exhaustive()
    }
}

/// What a login or refresh answer puts into cookies.
pub(crate) struct SessionCookies<'a> {
    pub(crate) access_token: &'a str,
    pub(crate) access_max_age: u64,
    pub(crate) refresh_token: &'a str,
    pub(crate) refresh_max_age: u64,
    pub(crate) csrf_token: &'a str,
    /// The refresh and logout paths.
    pub(crate) refresh_paths: [&'a str; 2],
}

impl CookieState {
    /// Whether answers that set cookies repeat the tokens in their body.
    pub(crate) fn tokens_in_body(&self) -> bool {
        self.tokens_in_body
    }

    /// The `Origin` / `Sec-Fetch-Site` check (see the module docs).
    pub(crate) fn check_origin(&self, headers: &HeaderMap) -> Result<(), RequestError> {
        origin::check(headers, &self.origins)
    }

    /// The CSRF checks of a request authenticated by the access cookie.
    pub(crate) fn check_request(
        &self,
        parts: &Parts,
        token: &VerifiedToken,
    ) -> Result<(), RequestError> {
        let upgrade = websocket::is_upgrade(parts);
        if is_safe(&parts.method) && !upgrade {
            return Ok(());
        }
        self.check_origin(&parts.headers)?;
        if upgrade {
            return Ok(());
        }
        let session = token.session_id().ok_or(RequestError::CsrfMismatch)?;
        self.check_csrf(&parts.headers, session)
    }

    /// The signed double submit: the header equals the cookie, and the token verifies for
    /// `session`.
    pub(crate) fn check_csrf(
        &self,
        headers: &HeaderMap,
        session: &str,
    ) -> Result<(), RequestError> {
        let mut values = headers.get_all(CSRF_HEADER).iter();
        let (Some(header), None) = (values.next(), values.next()) else {
            return Err(RequestError::CsrfMismatch);
        };
        let cookie = find(headers, CSRF_COOKIE)
            .ok()
            .flatten()
            .ok_or(RequestError::CsrfMismatch)?;
        if csrf::constant_time_eq(header.as_bytes(), cookie.as_bytes())
            && self.csrf.verify(cookie, session)
        {
            Ok(())
        } else {
            Err(RequestError::CsrfMismatch)
        }
    }

    /// A new CSRF token for `session`; `None` when the random number generator fails.
    pub(crate) fn mint_csrf(&self, session: &str) -> Option<String> {
        self.csrf.mint(session)
    }
}

/// Appends the `Set-Cookie` headers of a login or refresh answer.
pub(crate) fn set_session(headers: &mut HeaderMap, cookies: &SessionCookies<'_>) {
    append(
        headers,
        &build(
            ACCESS_COOKIE,
            cookies.access_token,
            "/",
            true,
            cookies.access_max_age,
        ),
    );
    for path in unique(&cookies.refresh_paths) {
        append(
            headers,
            &build(
                REFRESH_COOKIE,
                cookies.refresh_token,
                path,
                true,
                cookies.refresh_max_age,
            ),
        );
    }
    append(
        headers,
        &build(
            CSRF_COOKIE,
            cookies.csrf_token,
            "/",
            false,
            cookies.refresh_max_age,
        ),
    );
}

/// Appends the `Set-Cookie` headers that delete every cookie (logout).
pub(crate) fn clear_session(headers: &mut HeaderMap, refresh_paths: [&str; 2]) {
    append(headers, &removal(ACCESS_COOKIE, "/", true));
    for path in unique(&refresh_paths) {
        append(headers, &removal(REFRESH_COOKIE, path, true));
    }
    append(headers, &removal(CSRF_COOKIE, "/", false));
}

/// The value of the cookie `name` among the request's `Cookie` headers: `None` when absent
/// or empty, an error when sent more than once. Values are taken as sent (no percent
/// decoding): every value this crate sets is plain base64url.
pub(crate) fn find<'h>(
    headers: &'h HeaderMap,
    name: &str,
) -> Result<Option<&'h str>, RequestError> {
    let mut found = None;
    for value in headers.get_all(COOKIE) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        for cookie in Cookie::split_parse(value).flatten() {
            if cookie.name() != name {
                continue;
            }
            if found.is_some() {
                return Err(RequestError::DuplicateCookie);
            }
            // Parsed from a borrowed string, so the raw value borrows the header.
            found = Some(cookie.value_raw().unwrap_or_default());
        }
    }
    Ok(found.filter(|value| !value.is_empty()))
}

/// `GET`, `HEAD` and `OPTIONS`: the methods that must not change state (RFC 9110 §9.2.1).
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn build(name: &'static str, value: &str, path: &str, http_only: bool, max_age: u64) -> String {
    Cookie::build((name, value))
        .path(path)
        .secure(true)
        .http_only(http_only)
        .same_site(SameSite::Strict)
        .max_age(seconds(max_age))
        .build()
        .to_string()
}

fn removal(name: &'static str, path: &str, http_only: bool) -> String {
    Cookie::build((name, ""))
        .path(path)
        .secure(true)
        .http_only(http_only)
        .same_site(SameSite::Strict)
        .removal()
        .build()
        .to_string()
}

/// `secs` as the cookie crate's duration type (`time::Duration`, inferred from the call
/// site); zero, which deletes the cookie, if it does not fit.
fn seconds<T: TryFrom<Duration> + Default>(secs: u64) -> T {
    T::try_from(Duration::from_secs(secs)).unwrap_or_default()
}

fn append(headers: &mut HeaderMap, cookie: &str) {
    // Names, values and paths are ours: base64url tokens and configured paths. A path with
    // bytes a header cannot carry is refused when the endpoints are built, so this never
    // drops a cookie in practice.
    if let Ok(value) = HeaderValue::from_str(cookie) {
        headers.append(SET_COOKIE, value);
    }
}

/// The refresh and logout paths, once each.
fn unique<'a>(paths: &[&'a str; 2]) -> impl Iterator<Item = &'a str> {
    let [first, second] = *paths;
    std::iter::once(first).chain((second != first).then_some(second))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for cookie in cookies {
            headers.append(COOKIE, HeaderValue::from_str(cookie).unwrap());
        }
        headers
    }

    #[test]
    fn cookies_are_found_once_and_as_sent() {
        let h = headers(&["a=1; __Host-auth-access=x.y.z; b=2", "c=3"]);
        assert_eq!(find(&h, ACCESS_COOKIE), Ok(Some("x.y.z")));
        assert_eq!(find(&h, CSRF_COOKIE), Ok(None));
        let h = headers(&["__Host-auth-access=a.b.c", "__Host-auth-access=d.e.f"]);
        assert_eq!(find(&h, ACCESS_COOKIE), Err(RequestError::DuplicateCookie));
        let h = headers(&["__Host-auth-access=a; __Host-auth-access=b"]);
        assert_eq!(find(&h, ACCESS_COOKIE), Err(RequestError::DuplicateCookie));
        let h = headers(&["__Host-auth-access="]);
        assert_eq!(find(&h, ACCESS_COOKIE), Ok(None));
        let h = headers(&["__Host-auth-access=a%2Eb"]);
        assert_eq!(find(&h, ACCESS_COOKIE), Ok(Some("a%2Eb")));
    }

    #[test]
    fn set_cookie_lines_carry_every_attribute() {
        let line = build(ACCESS_COOKIE, "a.b.c", "/", true, 900);
        assert_eq!(
            line,
            "__Host-auth-access=a.b.c; HttpOnly; SameSite=Strict; Secure; Path=/; Max-Age=900"
        );
        let line = build(CSRF_COOKIE, "n.m", "/", false, 60);
        assert_eq!(
            line,
            "__Host-auth-csrf=n.m; SameSite=Strict; Secure; Path=/; Max-Age=60"
        );
        let line = removal(REFRESH_COOKIE, "/refresh", true);
        assert!(
            line.starts_with(
                "__Secure-auth-refresh=; HttpOnly; SameSite=Strict; Secure; Path=/refresh; Max-Age=0; Expires="
            ),
            "{line}"
        );
    }

    #[test]
    fn refresh_paths_are_deduplicated() {
        assert_eq!(unique(&["/a", "/b"]).collect::<Vec<_>>(), ["/a", "/b"]);
        assert_eq!(unique(&["/a", "/a"]).collect::<Vec<_>>(), ["/a"]);
    }
}
