//! The `Origin` / `Sec-Fetch-Site` check (OWASP CSRF Cheat Sheet, "Verifying Origin with
//! standard headers" and "Fetch Metadata headers").

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};

use crate::error::{ConfigError, RequestError};

const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// Passes a request that comes from the application's own pages, or from a client that is
/// not a browser (no `Origin`, no `Sec-Fetch-Site`); refuses one another site started.
pub(super) fn check(headers: &HeaderMap, allowed: &[Box<str>]) -> Result<(), RequestError> {
    let site = single(headers, SEC_FETCH_SITE)?;
    // The browser sets `Sec-Fetch-Site` itself (a page cannot forge it) and says
    // `same-origin` only for requests the page of this very origin started.
    if site.is_some_and(|site| site.eq_ignore_ascii_case("same-origin")) {
        return Ok(());
    }
    match single(headers, ORIGIN.as_str())? {
        // `null`: a sandboxed frame, a `data:` or `file:` page, a redirect across origins.
        Some("null") => Err(RequestError::CrossSiteRequest),
        Some(origin) if is_allowed(origin, headers, allowed) => Ok(()),
        Some(_) => Err(RequestError::CrossSiteRequest),
        // A browser that says where the request comes from but sends no `Origin`.
        None if site.is_some() => Err(RequestError::CrossSiteRequest),
        None => Ok(()),
    }
}

/// Whether `origin` is the request's own (`https://` + `Host`) or a configured one.
fn is_allowed(origin: &str, headers: &HeaderMap, allowed: &[Box<str>]) -> bool {
    if allowed
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let Ok(Some(host)) = single(headers, HOST.as_str()) else {
        return false;
    };
    origin
        .strip_prefix("https://")
        .is_some_and(|authority| !host.is_empty() && authority.eq_ignore_ascii_case(host))
}

/// The one value of a header, as text; `Ok(None)` when absent, an error when repeated or
/// not visible ASCII.
fn single<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, RequestError> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(value), None) => value
            .to_str()
            .map(|value| Some(value.trim()))
            .map_err(|_| RequestError::CrossSiteRequest),
        (Some(_), Some(_)) => Err(RequestError::CrossSiteRequest),
    }
}

/// A configured origin as browsers serialize it: `scheme://host[:port]`, lowercase, no path.
pub(super) fn normalize(origin: &str) -> Result<Box<str>, ConfigError> {
    let invalid = ConfigError::InvalidCookieConfig(
        "an allowed origin must be `http://` or `https://` and a host with an optional port, \
         nothing else (as `https://app.example.com`)",
    );
    let origin = origin
        .strip_suffix('/')
        .unwrap_or(origin)
        .to_ascii_lowercase();
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or(invalid.clone())?;
    let valid = !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if valid {
        Ok(origin.into_boxed_str())
    } else {
        Err(invalid)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn request(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn allowed() -> Vec<Box<str>> {
        vec!["https://app.example.com".into()]
    }

    #[test]
    fn same_origin_and_allowed_origins_pass() {
        for pairs in [
            &[("sec-fetch-site", "same-origin")][..],
            &[
                ("sec-fetch-site", "same-origin"),
                ("origin", "https://evil.test"),
            ],
            &[("origin", "https://app.example.com")],
            &[
                ("origin", "HTTPS://APP.example.com"),
                ("sec-fetch-site", "same-site"),
            ],
            &[
                ("origin", "https://api.example.com"),
                ("host", "api.example.com"),
            ],
            &[],
        ] {
            assert_eq!(check(&request(pairs), &allowed()), Ok(()), "{pairs:?}");
        }
    }

    #[test]
    fn other_sites_are_refused() {
        for pairs in [
            &[("origin", "https://evil.test")][..],
            &[("origin", "null")],
            &[
                ("origin", "http://api.example.com"),
                ("host", "api.example.com"),
            ],
            &[("origin", "https://app.example.com.evil.test")],
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            &[("sec-fetch-site", "none")],
            &[
                ("origin", "https://app.example.com"),
                ("origin", "https://evil.test"),
            ],
        ] {
            assert_eq!(
                check(&request(pairs), &allowed()),
                Err(RequestError::CrossSiteRequest),
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn configured_origins_are_normalized_and_checked() {
        assert_eq!(
            normalize("https://App.Example.com/").unwrap().as_ref(),
            "https://app.example.com"
        );
        assert!(normalize("http://localhost:5173").is_ok());
        for bad in [
            "app.example.com",
            "https://",
            "https://app.example.com/path",
            "ftp://x",
            "*",
            "https://a b",
        ] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }
}
