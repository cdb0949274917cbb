//! Finding the access token in a request: `Authorization: Bearer <token>` (RFC 6750 §2.1).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use crate::error::{AuthError, RequestError};

/// The token of the request's `Authorization: Bearer` header.
///
/// - no `Authorization` header, or another scheme (`Basic ...`): `Ok(None)`, which answers
///   401 with a bare challenge (RFC 6750 §3.1: no error code without authentication
///   information);
/// - more than one `Authorization` header: 400 `invalid_request`;
/// - `Bearer` with no token, or with a credential that is not an RFC 6750 §2.1 `b64token`
///   (`A-Z a-z 0-9 - . _ ~ + /`, then only `=` to the end), such as white space, a comma, a
///   quote, non-ASCII or control bytes: 400 `invalid_request`.
///
/// A `b64token` that is not a compact JWS (`+`, `/`, `~` or `=` padding in it) is a
/// well-formed request carrying an invalid token: it passes here and the verifier refuses it
/// with 401 `invalid_token` (security manual, HB-01).
///
/// The scheme is case-insensitive and followed by one or more spaces (RFC 9110 §11.1).
/// Tokens in the URI query are never read (RFC 9700 §4.3.2); a request that carries one next
/// to an `Authorization` header is refused with 400 (RFC 6750 §2: one method per request),
/// whether the parameter name is written `access_token` or percent-encoded. A token in a
/// form-encoded body (RFC 6750 §2.2) is not a method this crate supports: the body is never
/// inspected, since the guards run before it is read (a body `access_token` is then no
/// credential at all, and beside a header it is not refused) \[policy\].
pub fn bearer_token<'h>(
    headers: &'h HeaderMap,
    query: Option<&str>,
) -> Result<Option<&'h str>, AuthError> {
    match bearer_credentials(headers, query)? {
        Some(token) => check_token_syntax(token).map(|()| Some(token)),
        None => Ok(None),
    }
}

/// [`bearer_token`] without the alphabet check, which the request path runs only on a
/// verified-token cache miss: a token found in the cache is well-formed by construction, and
/// scanning a 700-byte RS256 token costs more than the cache lookup.
pub(crate) fn bearer_credentials<'h>(
    headers: &'h HeaderMap,
    query: Option<&str>,
) -> Result<Option<&'h str>, AuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(RequestError::MultipleAuthorization.into());
    }
    let bytes = value.as_bytes();
    let Some(rest) = strip_scheme(bytes) else {
        return Ok(None);
    };
    let token = trim_leading_spaces(rest);
    if token.is_empty() || token.len() == rest.len() {
        // `Bearer` alone, `Bearer ` with nothing after it, or no space after the scheme.
        return Err(RequestError::MalformedAuthorization.into());
    }
    if query.is_some_and(has_access_token_param) {
        return Err(RequestError::MultipleMethods.into());
    }
    std::str::from_utf8(token)
        .map(Some)
        .map_err(|_| RequestError::MalformedAuthorization.into())
}

/// Refuses a credential that is not an RFC 6750 §2.1 `b64token`: 400 `invalid_request`, as a
/// malformed `Authorization` header. `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
/// "+" / "/" ) *"="`: a token with `+`, `/`, `~` or trailing `=` is well-formed here, and
/// invalid (401) to the verifier, whose alphabet is the compact-JWS subset (security manual,
/// HB-01, TV-03).
pub(crate) fn check_token_syntax(token: &str) -> Result<(), AuthError> {
    let bytes = token.as_bytes();
    let body = bytes
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(&[][..], |last| &bytes[..=last]);
    // A fold without early exit compiles to straight-line compares the optimiser vectorises.
    let valid = !body.is_empty() && body.iter().fold(true, |ok, &b| ok & is_b64token_byte(b));
    if valid {
        Ok(())
    } else {
        Err(RequestError::MalformedAuthorization.into())
    }
}

/// `Some(rest)` when the value starts with the `Bearer` scheme, whatever its case.
fn strip_scheme(value: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer";
    let (scheme, rest) = value.split_at_checked(SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    // `Bearerfoo` is another scheme name (a token character follows); `Bearer`, `Bearer ...`
    // and `Bearer<TAB>...` are the Bearer scheme, well-formed or not.
    match rest.first() {
        Some(&b) if is_tchar(b) => None,
        _ => Some(rest),
    }
}

fn trim_leading_spaces(mut bytes: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

/// RFC 9110 §5.6.2 `tchar`: what a scheme name is made of.
const fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// The characters of an RFC 6750 `b64token` before its `=` padding: base64 and base64url,
/// the dot, and `~`. The compact-JWS alphabet is a subset.
const fn is_b64token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/')
}

fn has_access_token_param(query: &str) -> bool {
    query
        .split('&')
        .any(|pair| is_access_token_name(pair.split('=').next().unwrap_or_default()))
}

/// Whether a query parameter name is `access_token` once form-decoded: `access%5Ftoken` or
/// `%61ccess_token` is the same parameter to any server framework that decodes the query, so
/// it counts as a second way of sending the token (RFC 6750 §2). Decoded on the fly, without
/// allocating.
fn is_access_token_name(name: &str) -> bool {
    const NAME: &[u8] = b"access_token";
    let mut expected = NAME.iter();
    let mut bytes = name.bytes();
    while let Some(b) = bytes.next() {
        let decoded = match b {
            b'%' => {
                let (Some(hi), Some(lo)) = (bytes.next(), bytes.next()) else {
                    return false;
                };
                match (char::from(hi).to_digit(16), char::from(lo).to_digit(16)) {
                    // Two hex digits are at most 0xFF.
                    #[allow(clippy::cast_possible_truncation)]
                    (Some(hi), Some(lo)) => (hi * 16 + lo) as u8,
                    _ => return false,
                }
            }
            b'+' => b' ',
            b => b,
        };
        if expected.next() != Some(&decoded) {
            return false;
        }
    }
    expected.next().is_none()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::error::ErrorKind;

    fn parse(values: &[&[u8]]) -> Result<Option<String>, RequestError> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(AUTHORIZATION, HeaderValue::from_bytes(value).unwrap());
        }
        match bearer_token(&headers, None) {
            Ok(token) => Ok(token.map(str::to_owned)),
            Err(err) => match err.kind() {
                ErrorKind::InvalidRequest(reason) => Err(reason),
                other => panic!("unexpected {other:?}"),
            },
        }
    }

    #[test]
    fn scheme_is_case_insensitive_and_spaces_are_skipped() {
        for value in [&b"Bearer a.b.c"[..], b"bearer a.b.c", b"BEARER   a.b.c"] {
            assert_eq!(parse(&[value]), Ok(Some("a.b.c".into())));
        }
    }

    #[test]
    fn other_schemes_and_absence_are_no_credentials() {
        assert_eq!(parse(&[]), Ok(None));
        assert_eq!(parse(&[b"Basic dXNlcjpwYXNz"]), Ok(None));
        assert_eq!(parse(&[b"Bearerx a.b.c"]), Ok(None));
        assert_eq!(parse(&[b"Token a.b.c"]), Ok(None));
    }

    #[test]
    fn malformed_bearer_values_are_invalid_requests() {
        for value in [
            &b"Bearer"[..],
            b"Bearer ",
            b"Bearer    ",
            b"Bearer a.b.c extra",
            b"Bearer a=b.c",
            b"Bearer =",
            b"Bearer ==",
            b"Bearer a.b.c=,",
            b"Bearer a.b.c=x",
            b"Bearer a*b.c",
            b"Bearer \"a.b.c\"",
            b"Bearer \xff\xfe",
            b"Bearer a.b.c\t",
            b"Bearer\ta.b.c",
        ] {
            assert_eq!(
                parse(&[value]),
                Err(RequestError::MalformedAuthorization),
                "{}",
                String::from_utf8_lossy(value)
            );
        }
    }

    /// RFC 6750 §2.1: `+`, `/`, `~` and trailing `=` are `b64token` characters, so these are
    /// well-formed credentials; the verifier refuses them as tokens (401, not 400).
    #[test]
    fn b64token_characters_are_well_formed() {
        for value in [
            &b"Bearer a.b.c="[..],
            b"Bearer a.b.c==",
            b"Bearer a+b.c",
            b"Bearer a/b.c",
            b"Bearer a~b.c",
            b"Bearer dGVzdA==",
            b"Bearer +/~-._",
        ] {
            let token = std::str::from_utf8(&value[7..]).unwrap();
            assert_eq!(parse(&[value]), Ok(Some(token.to_owned())), "{token}");
        }
    }

    #[test]
    fn two_authorization_headers_are_refused() {
        assert_eq!(
            parse(&[b"Bearer a.b.c", b"Bearer a.b.c"]),
            Err(RequestError::MultipleAuthorization)
        );
    }

    #[test]
    fn header_and_query_token_together_are_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer a.b.c"));
        let err = bearer_token(&headers, Some("x=1&access_token=a.b.c")).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidRequest(RequestError::MultipleMethods)
        );
        assert!(bearer_token(&headers, Some("x=1&token=2")).is_ok());
        for query in ["access%5Ftoken=a", "%61ccess_token=a", "access%5ftoken"] {
            assert!(bearer_token(&headers, Some(query)).is_err(), "{query}");
        }
        for query in [
            "access%5Ftokens=a",
            "access%5",
            "access%zztoken=a",
            "access",
        ] {
            assert!(bearer_token(&headers, Some(query)).is_ok(), "{query}");
        }
        assert_eq!(
            bearer_token(&HeaderMap::new(), Some("access_token=a.b.c")).unwrap(),
            None
        );
    }
}
