//! The `/token`, `/refresh` and `/logout` request parser (`Content-Type` dispatch, form and
//! JSON bodies), through its entry point `auth::endpoints::parse_request_body` (compiled under `cfg(fuzzing)` only). It
//! never panics, and what it accepts agrees with independent parsers: `form_urlencoded` for
//! forms, `serde_json` for JSON (RFC 6749 §3.2: no repeated parameter, empty means absent).
#![no_main]

mod common;

use arbitrary::Arbitrary;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[derive(Arbitrary, Debug)]
enum ContentType {
    None,
    Form,
    Json,
    FormCharset,
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    content_type: ContentType,
    body: Vec<u8>,
}

const KNOWN: [&str; 4] = ["grant_type", "username", "password", "refresh_token"];

fuzz_target!(|input: Input| {
    let mut headers = HeaderMap::new();
    let value: Option<&[u8]> = match &input.content_type {
        ContentType::None => None,
        ContentType::Form => Some(b"application/x-www-form-urlencoded"),
        ContentType::Json => Some(b"application/json"),
        ContentType::FormCharset => Some(b"Application/X-WWW-Form-Urlencoded ; charset=UTF-8"),
        ContentType::Raw(raw) => Some(raw),
    };
    if let Some(value) = value {
        let Ok(value) = HeaderValue::from_bytes(value) else {
            return;
        };
        headers.insert(CONTENT_TYPE, value);
    }
    let essence = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let body = &input.body;
    match auth::endpoints::parse_request_body(&headers, body) {
        Ok(params) => {
            let mut names: Vec<&str> = params.iter().map(|(name, _)| *name).collect();
            names.dedup();
            assert_eq!(names.len(), params.len(), "a parameter reported twice");
            for (name, value) in &params {
                assert!(KNOWN.contains(name));
                assert!(!value.is_empty(), "an empty value is absent");
            }
            match essence.as_deref() {
                Some("application/x-www-form-urlencoded") => check_form(body, &params),
                Some("application/json") => check_json(body, &params),
                None => assert!(body.is_empty() && params.is_empty()),
                Some(other) => panic!("accepted content type {other:?}"),
            }
        }
        Err(err) => {
            // JSON that serde_json reads as an object of unique members, whose known members
            // are strings or null, must be accepted.
            if essence.as_deref() == Some("application/json") {
                assert!(!json_is_acceptable(body), "refused {err:?}");
            }
            common::assert_error_response(err.into());
        }
    }
});

fn check_form(body: &[u8], params: &[(&'static str, String)]) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut names: Vec<&String> = pairs.iter().map(|(k, _)| k).collect();
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "a repeated parameter was accepted");
    for name in KNOWN {
        let expected = pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty());
        let got = params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str());
        assert_eq!(got, expected, "{name}");
    }
}

fn check_json(body: &[u8], params: &[(&'static str, String)]) {
    assert!(
        json_is_acceptable(body),
        "accepted a body that is not a JSON object"
    );
    let members = json_members(body).unwrap();
    for name in KNOWN {
        let expected = members
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_ref())
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty());
        let got = params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str());
        assert_eq!(got, expected, "{name}");
    }
}

/// A JSON object of unique members whose known members are strings or null, judged by the
/// JSON grammar (RFC 8259), not by what an `f64` can hold: a member nobody reads may be
/// `1E770` (found by this target: `serde_json::Value` refuses that number, the parser rightly
/// ignores it).
fn json_is_acceptable(body: &[u8]) -> bool {
    let Some(members) = json_members(body) else {
        return false;
    };
    let mut names: Vec<&String> = members.iter().map(|(k, _)| k).collect();
    names.sort();
    names.dedup();
    names.len() == members.len()
}

/// The members of a JSON object in order: the known ones with their value (a string or null,
/// else the whole body is refused), the others skipped by the grammar only.
fn json_members(body: &[u8]) -> Option<Vec<(String, Option<Value>)>> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    struct Members;
    impl<'de> Visitor<'de> for Members {
        type Value = Vec<(String, Option<Value>)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut members = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = if KNOWN.contains(&key.as_str()) {
                    // Anything but a string or null makes the body unacceptable.
                    let value: Option<String> = map.next_value()?;
                    Some(value.map_or(Value::Null, Value::String))
                } else {
                    map.next_value::<IgnoredAny>()?;
                    None
                };
                members.push((key, value));
            }
            Ok(members)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let members = (&mut de).deserialize_map(Members).ok()?;
    de.end().ok()?;
    Some(members)
}
