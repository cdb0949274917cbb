//! `auth::transport::bearer_token`, the `Authorization` header parser: any header values (raw
//! bytes, several at once) and any query string. It never panics; a token it returns is the
//! one `Bearer` credential of the request, an RFC 6750 §2.1 `b64token`; every refusal renders
//! a valid RFC 6750 response.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    values: Vec<Vec<u8>>,
    query: Option<String>,
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_bearer_scheme(value: &[u8]) -> bool {
    value.len() >= 6
        && value[..6].eq_ignore_ascii_case(b"bearer")
        && value.get(6).is_none_or(|&b| !is_tchar(b))
}

fuzz_target!(|input: Input| {
    let mut headers = HeaderMap::new();
    let mut sent = Vec::new();
    for value in input.values.iter().take(4) {
        if let Ok(header) = HeaderValue::from_bytes(value) {
            headers.append(AUTHORIZATION, header);
            sent.push(value.clone());
        }
    }
    match auth::transport::bearer_token(&headers, input.query.as_deref()) {
        Ok(Some(token)) => {
            assert_eq!(sent.len(), 1, "a token from several Authorization headers");
            let value = &sent[0];
            assert!(is_bearer_scheme(value));
            assert!(value.ends_with(token.as_bytes()));
            assert!(!token.is_empty());
            // `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
            let body = token.trim_end_matches('=');
            assert!(
                !body.is_empty()
                    && body
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)),
                "{token:?}"
            );
            // Only spaces separate the scheme from the token.
            assert!(
                value[6..value.len() - token.len()]
                    .iter()
                    .all(|&b| b == b' ')
            );
            assert!(value.len() - token.len() > 6);
            let query = input.query.as_deref().unwrap_or("");
            assert!(
                !query
                    .split('&')
                    .any(|pair| pair.split('=').next() == Some("access_token")),
                "token accepted next to a query token"
            );
        }
        Ok(None) => {
            assert!(sent.len() <= 1);
            assert!(sent.first().is_none_or(|value| !is_bearer_scheme(value)));
        }
        Err(err) => {
            assert!(!sent.is_empty());
            assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
            assert_eq!(err.error_code(), "invalid_request");
            assert_eq!(
                err.challenge().as_deref(),
                Some(r#"Bearer error="invalid_request""#)
            );
            common::assert_error_response(err);
        }
    }
});
