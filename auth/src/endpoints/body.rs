//! Reading the parameters of a token-endpoint request ourselves, so every failure is an
//! RFC 6749 §5.2 JSON error (axum's `Form` and `Json` reject with plain-text 415/422,
//! security manual, X2).
//!
//! - `application/x-www-form-urlencoded` (RFC 6749 §3.2) or `application/json` (an object);
//!   any other content type, or a body without one: 415. An empty body without a content
//!   type has no parameters.
//! - More than the body limit: 413.
//! - A parameter sent twice, even one this endpoint ignores: 400 `invalid_request`
//!   (RFC 6749 §3.2: "MUST NOT be included more than once").
//! - A parameter with an empty value (or JSON `null`) counts as absent (RFC 6749 §3.2).
//! - Unknown parameters are ignored. In JSON, a known parameter that is not a string is a
//!   malformed body.

use std::collections::HashSet;
use std::fmt;

use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::RequestError;

/// The parameters the endpoints read.
#[derive(Default)]
pub(crate) struct Params {
    pub(crate) grant_type: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) refresh_token: Option<String>,
    /// `client_credentials`: the scopes asked for, space-separated (RFC 6749 §3.3).
    pub(crate) scope: Option<String>,
    /// `client_credentials` with the client's credentials in the body (RFC 6749 §2.3.1).
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials never reach a log.
        f.debug_struct("Params")
            .field("grant_type", &self.grant_type)
            .field("username", &self.username.as_ref().map(|_| "[set]"))
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("scope", &self.scope)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl Params {
    /// Stores a parameter by name; unknown names are ignored. Empty values are absent.
    fn set(&mut self, name: &str, value: String) {
        let slot = match name {
            "grant_type" => &mut self.grant_type,
            "username" => &mut self.username,
            "password" => &mut self.password,
            "refresh_token" => &mut self.refresh_token,
            "scope" => &mut self.scope,
            "client_id" => &mut self.client_id,
            "client_secret" => &mut self.client_secret,
            _ => return,
        };
        *slot = Some(value).filter(|value| !value.is_empty());
    }

    fn is_known(name: &str) -> bool {
        matches!(
            name,
            "grant_type"
                | "username"
                | "password"
                | "refresh_token"
                | "scope"
                | "client_id"
                | "client_secret"
        )
    }
}

#[derive(Clone, Copy)]
enum Format {
    Form,
    Json,
}

/// Reads and parses the body of a token-endpoint request.
pub(crate) async fn read(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Params, RequestError> {
    let format = format(headers);
    if let Err(err) = &format
        && headers.contains_key(CONTENT_TYPE)
    {
        return Err(*err);
    }
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(RequestError::BodyTooLarge);
    }
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(RequestError::BodyTooLarge);
        }
        // The client went away or sent a broken chunked body.
        Err(_) => return Err(RequestError::MalformedBody),
    };
    parse_collected(format, &bytes)
}

/// Parses a complete body in the format `Content-Type` named (`read` has already refused an
/// unsupported one that was sent).
fn parse_collected(
    format: Result<Format, RequestError>,
    bytes: &[u8],
) -> Result<Params, RequestError> {
    match format {
        Ok(Format::Form) => parse_form(bytes),
        Ok(Format::Json) => parse_json(bytes),
        // No content type and no body: no parameters (a missing one is then a 400, not 415).
        Err(_) if bytes.is_empty() => Ok(Params::default()),
        Err(err) => Err(err),
    }
}

/// [`read`] on a body already in memory, without the size limit: the parameters the
/// endpoints know, by name, in a fixed order. Compiled only for the fuzz targets
/// (`--cfg fuzzing`, which cargo-fuzz sets), which cannot reach this private module
/// otherwise.
#[cfg(fuzzing)]
pub fn parse_request_body(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, RequestError> {
    let format = format(headers);
    if let Err(err) = &format
        && headers.contains_key(CONTENT_TYPE)
    {
        return Err(*err);
    }
    let params = parse_collected(format, body)?;
    Ok([
        ("grant_type", params.grant_type),
        ("username", params.username),
        ("password", params.password),
        ("refresh_token", params.refresh_token),
        ("scope", params.scope),
        ("client_id", params.client_id),
        ("client_secret", params.client_secret),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value?)))
    .collect())
}

/// The body format named by `Content-Type` (the media type is case-insensitive; parameters
/// such as `charset` are ignored).
fn format(headers: &HeaderMap) -> Result<Format, RequestError> {
    let value = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .ok_or(RequestError::UnsupportedMediaType)?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Ok(Format::Form)
    } else if essence.eq_ignore_ascii_case("application/json") {
        Ok(Format::Json)
    } else {
        Err(RequestError::UnsupportedMediaType)
    }
}

fn parse_form(body: &[u8]) -> Result<Params, RequestError> {
    let mut params = Params::default();
    let mut seen = HashSet::new();
    for pair in body.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        let name = percent_decode(name)?;
        if !seen.insert(name.clone()) {
            return Err(RequestError::RepeatedParameter);
        }
        if Params::is_known(&name) {
            params.set(&name, percent_decode(value)?);
        }
    }
    Ok(params)
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; the result
/// must be UTF-8.
pub(super) fn percent_decode(input: &[u8]) -> Result<String, RequestError> {
    let mut out = Vec::with_capacity(input.len());
    let mut bytes = input.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let (Some(&hi), Some(&lo)) = (bytes.next(), bytes.next()) else {
                    return Err(RequestError::MalformedBody);
                };
                let (Some(hi), Some(lo)) = (hex(hi), hex(lo)) else {
                    return Err(RequestError::MalformedBody);
                };
                out.push(hi << 4 | lo);
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| RequestError::MalformedBody)
}

const fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn parse_json(body: &[u8]) -> Result<Params, RequestError> {
    let parsed: JsonParams =
        serde_json::from_slice(body).map_err(|_| RequestError::MalformedBody)?;
    if parsed.repeated {
        return Err(RequestError::RepeatedParameter);
    }
    Ok(parsed.params)
}

/// A JSON object read member by member, so a repeated member is noticed (serde_json's
/// `Value` keeps the last one silently).
struct JsonParams {
    params: Params,
    repeated: bool,
}

impl<'de> de::Deserialize<'de> for JsonParams {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(JsonParamsVisitor)
    }
}

struct JsonParamsVisitor;

impl<'de> Visitor<'de> for JsonParamsVisitor {
    type Value = JsonParams;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of string parameters")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut parsed = JsonParams {
            params: Params::default(),
            repeated: false,
        };
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if Params::is_known(&name) {
                let value: Option<String> = map.next_value()?;
                if seen.contains(&name) {
                    parsed.repeated = true;
                } else {
                    parsed.params.set(&name, value.unwrap_or_default());
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            if !seen.insert(name) {
                parsed.repeated = true;
            }
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> Result<Params, RequestError> {
        parse_form(body.as_bytes())
    }

    #[test]
    fn form_fields_are_decoded() {
        let params =
            form("grant_type=password&username=al%C3%AFce&password=a+b%26c%3D&scope=x").unwrap();
        assert_eq!(params.grant_type.as_deref(), Some("password"));
        assert_eq!(params.username.as_deref(), Some("alïce"));
        assert_eq!(params.password.as_deref(), Some("a b&c="));
    }

    #[test]
    fn empty_values_are_absent_and_unknown_names_ignored() {
        let params = form("username=&password&other=1&&").unwrap();
        assert!(params.username.is_none());
        assert!(params.password.is_none());
    }

    #[test]
    fn a_repeated_name_is_refused() {
        for body in [
            "username=a&username=b",
            "username=&username=b",
            "x=1&x=2",
            "user%6Eame=a&username=b",
        ] {
            assert_eq!(
                form(body).err(),
                Some(RequestError::RepeatedParameter),
                "{body}"
            );
        }
    }

    #[test]
    fn broken_escapes_and_non_utf8_are_malformed() {
        for body in ["password=%", "password=%4", "password=%zz", "password=%ff"] {
            assert_eq!(
                form(body).err(),
                Some(RequestError::MalformedBody),
                "{body}"
            );
        }
    }

    #[test]
    fn json_objects_are_read_strictly() {
        let params =
            parse_json(br#"{"username":"alice","password":"pw","extra":[1,{"a":2}]}"#).unwrap();
        assert_eq!(params.username.as_deref(), Some("alice"));
        let params = parse_json(br#"{"username":"","password":null}"#).unwrap();
        assert!(params.username.is_none() && params.password.is_none());
        assert_eq!(
            parse_json(br#"{"username":"a","username":"b"}"#).err(),
            Some(RequestError::RepeatedParameter)
        );
        assert_eq!(
            parse_json(br#"{"x":1,"x":2}"#).err(),
            Some(RequestError::RepeatedParameter)
        );
        for bad in [
            &br#"{"password":123}"#[..],
            b"[1]",
            b"\"x\"",
            b"{",
            br#"{"a":1} x"#,
        ] {
            assert_eq!(parse_json(bad).err(), Some(RequestError::MalformedBody));
        }
    }
}
