//! `GET /`: the browser page, one HTML file with its script and style inline, compiled in.

use std::fmt::Write as _;

use auth::Public;
use auth::routing::{Router, get};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

const PAGE: &str = include_str!("index.html");

/// The page at `/`, for any router state: public, since it holds nothing but the page.
pub(crate) fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let headers = headers();
    Router::new().route(
        "/",
        get(move |_: Public| std::future::ready((headers, PAGE).into_response())),
    )
}

type Headers = [(HeaderName, HeaderValue); 6];

fn headers() -> Headers {
    [
        (
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ),
        (CONTENT_SECURITY_POLICY, content_security_policy(PAGE)),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ]
}

/// Only the page's own inline script and style run (by their hashes), it talks only to
/// this server, and no other site may frame it (clickjacking the buttons). A script
/// injected into the page would not run: the hashes admit exactly the compiled-in ones.
fn content_security_policy(page: &str) -> HeaderValue {
    let mut policy = String::from(
        "default-src 'none'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
    );
    for (directive, tag) in [("script-src", "script"), ("style-src", "style")] {
        if let Some(inline) = inline_block(page, tag) {
            let hash = STANDARD.encode(Sha256::digest(inline.as_bytes()));
            let _ = write!(policy, "; {directive} 'sha256-{hash}'");
        }
    }
    // Base64 and ASCII only: always a valid header value.
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// The text between `<tag>` and `</tag>`, exactly as the browser hashes it.
fn inline_block<'p>(page: &'p str, tag: &str) -> Option<&'p str> {
    let (_, rest) = page.split_once(&format!("<{tag}>"))?;
    let (inline, _) = rest.split_once(&format!("</{tag}>"))?;
    Some(inline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_admits_the_pages_own_script_and_style_only() {
        let policy = content_security_policy(PAGE);
        let policy = policy.to_str().unwrap();
        let script = inline_block(PAGE, "script").unwrap();
        assert!(script.contains("X-CSRF-Token"));
        let expected = STANDARD.encode(Sha256::digest(script.as_bytes()));
        assert!(
            policy.contains(&format!("script-src 'sha256-{expected}'")),
            "{policy}"
        );
        assert!(policy.contains("style-src 'sha256-"), "{policy}");
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        // One inline block of each, and nothing fetched from elsewhere.
        assert_eq!(PAGE.matches("<script").count(), 1);
        assert_eq!(PAGE.matches("<style").count(), 1);
        assert!(!PAGE.contains("src=") && !PAGE.contains("href="));
    }
}
