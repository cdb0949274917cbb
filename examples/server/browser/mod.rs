//! `AUTH_COOKIES=true`: the cookie transport for browsers, and the page at `/` that logs in,
//! calls the API, refreshes and logs out through it.
//!
//! What the transport does is `auth::transport::cookie`'s: login and refresh set the access,
//! refresh and CSRF cookies; unsafe cookie-authenticated requests need the `X-CSRF-Token`
//! header and an allowed origin; `/refresh` and `/logout` read the refresh cookie. Requests
//! with `Authorization: Bearer` keep working beside it.

mod page;

use std::net::SocketAddr;

use auth::transport::cookie::CookieConfig;

pub(crate) use page::router;

/// The cookie transport of the demo. `csrf_key` is the key of the CSRF MAC when the signing
/// key cannot give one (see `signing::DemoKey`).
pub(crate) fn cookie_config(bind: SocketAddr, csrf_key: Option<&[u8; 32]>) -> CookieConfig {
    let mut config = CookieConfig::new();
    for origin in local_origins(bind) {
        config = config.allowed_origin(origin);
    }
    if let Some(key) = csrf_key {
        config = config.csrf_key(key);
    }
    config
}

/// The page's origins when the server listens on loopback. The transport always allows the
/// request's own origin, as `https://` + `Host`; the demo speaks plain HTTP, so its
/// `http://` origins are named here. Browsers that send `Sec-Fetch-Site: same-origin` pass
/// without them; those that send only `Origin` need them. Other binds name none: behind
/// any other address the page's origin is not known here.
fn local_origins(bind: SocketAddr) -> Vec<String> {
    if !bind.ip().is_loopback() {
        return Vec::new();
    }
    vec![
        format!("http://{bind}"),
        format!("http://localhost:{}", bind.port()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_binds_allow_their_http_origins_only() {
        let origins = |bind: &str| local_origins(bind.parse().unwrap());
        assert_eq!(
            origins("127.0.0.1:3000"),
            ["http://127.0.0.1:3000", "http://localhost:3000"]
        );
        assert_eq!(
            origins("[::1]:8080"),
            ["http://[::1]:8080", "http://localhost:8080"]
        );
        assert!(origins("0.0.0.0:3000").is_empty());
        assert!(origins("192.0.2.7:3000").is_empty());
    }
}
