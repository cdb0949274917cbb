//! The JOSE header of an access token, parsed strictly by the verifier. The issuer writes the
//! one header of each key (`VerifyingKey::header_segment`).

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::json::{self, Key, SeenKeys, Strict};

/// The `typ` the issuer writes and the verifier requires (RFC 9068 §2.1).
///
/// Compared exactly: media types are case-insensitive, but RFC 9068 §4 lists exact values,
/// and only those (and any value the application configures for another issuer's tokens)
/// are accepted, byte for byte (`AT+JWT` is refused) \[policy\].
pub(crate) use crate::keys::ACCESS_TOKEN_TYPE;
/// The long form of `ACCESS_TOKEN_TYPE`, also accepted (RFC 9068 §4), also exactly.
pub(crate) const ACCESS_TOKEN_MEDIA_TYPE: &str = "application/at+jwt";

/// The header members the verifier looks at. Borrowed from the decoded header bytes.
#[derive(Debug, Default)]
pub(crate) struct Header<'a> {
    pub(crate) alg: Option<Cow<'a, str>>,
    pub(crate) typ: Option<Cow<'a, str>>,
    pub(crate) kid: Option<Cow<'a, str>>,
}

/// Why a header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    /// Not a JSON object with string `alg`/`typ`/`kid`, or a duplicate member.
    Malformed,
    /// A member that asks for processing this crate does not do, or names key material:
    /// `crit` (RFC 7515 §4.1.11), `jwk`/`jku`/`x5u`/`x5c`/`x5t`/`x5t#S256` (RFC 8725 §3.10),
    /// `enc`/`zip` (JWE), `b64` (RFC 7797) and `cty` (nested tokens).
    Unsupported,
}

/// Members refused outright, whatever their value.
const REFUSED: &[&str] = &[
    "crit", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "enc", "zip", "b64", "cty",
];

/// A header has a handful of members; a long list is not a header this crate issued.
const MAX_MEMBERS: usize = 16;

impl<'a> Header<'a> {
    pub(crate) fn parse(json: &'a [u8]) -> Result<Self, HeaderProblem> {
        // White space around the object is refused too: one token, one encoding.
        if json.first() != Some(&b'{') || json.last() != Some(&b'}') {
            return Err(HeaderProblem::Malformed);
        }
        // UTF-8 as a whole, members that are skipped included (security manual, TV-04).
        let text = json::utf8(json).ok_or(HeaderProblem::Malformed)?;
        let unsupported = Cell::new(false);
        let mut de = serde_json::Deserializer::from_str(text);
        match de.deserialize_map(HeaderVisitor {
            unsupported: &unsupported,
        }) {
            Ok(header) if de.end().is_ok() => Ok(header),
            _ if unsupported.get() => Err(HeaderProblem::Unsupported),
            _ => Err(HeaderProblem::Malformed),
        }
    }
}

struct HeaderVisitor<'u> {
    unsupported: &'u Cell<bool>,
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = Header<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = Header::default();
        let mut seen = SeenKeys::<MAX_MEMBERS>::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            seen.insert(&key)?;
            match &*key {
                "alg" => header.alg = Some(map.next_value::<StrValue<'de>>()?.0),
                "typ" => header.typ = Some(map.next_value::<StrValue<'de>>()?.0),
                "kid" => header.kid = Some(map.next_value::<StrValue<'de>>()?.0),
                name if REFUSED.contains(&name) => {
                    self.unsupported.set(true);
                    return Err(de::Error::custom("unsupported header member"));
                }
                // Not read, still checked: strings, and duplicates at any depth (TV-04).
                _ => {
                    map.next_value::<Strict<MAX_MEMBERS>>()?;
                }
            }
        }
        Ok(header)
    }
}

/// A string value, borrowed when it has no escapes. Any other JSON type is an error.
pub(crate) struct StrValue<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for StrValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Key::deserialize(deserializer).map(|Key(s)| StrValue(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Members = (Option<String>, Option<String>, Option<String>);

    fn parse(json: &str) -> Result<Members, HeaderProblem> {
        Header::parse(json.as_bytes()).map(|h| {
            (
                h.alg.map(Cow::into_owned),
                h.typ.map(Cow::into_owned),
                h.kid.map(Cow::into_owned),
            )
        })
    }

    #[test]
    fn the_header_a_key_writes_parses_back() {
        use crate::keys::{Algorithm, VerifyingKey};
        let key = VerifyingKey::hmac(
            Algorithm::HS256,
            b"z7A4g6OzCEpxJ2ZF4FAiXoh-YjZK14sQ3-zQMwhZv_GP",
        )
        .and_then(|key| key.with_kid("k1"))
        .unwrap();
        let json = super::super::base64url::decode(key.header_segment().as_bytes()).unwrap();
        assert_eq!(json, br#"{"alg":"HS256","typ":"at+jwt","kid":"k1"}"#);
        assert_eq!(
            parse(std::str::from_utf8(&json).unwrap()),
            Ok((
                Some("HS256".into()),
                Some("at+jwt".into()),
                Some("k1".into())
            ))
        );
    }

    #[test]
    fn escaped_names_are_the_same_member() {
        assert_eq!(
            parse(r#"{"\u0061lg":"HS256","alg":"HS256"}"#),
            Err(HeaderProblem::Malformed)
        );
        assert_eq!(
            parse(r#"{"\u0063rit":["exp"]}"#),
            Err(HeaderProblem::Unsupported)
        );
    }

    #[test]
    fn refused_members_and_malformed_headers() {
        for member in REFUSED {
            let json = format!(r#"{{"alg":"HS256","{member}":1}}"#);
            assert_eq!(parse(&json), Err(HeaderProblem::Unsupported), "{member}");
        }
        for bad in [
            r#"{"alg":"HS256","alg":"HS256"}"#,
            r#"{"alg":1}"#,
            r#"{"alg":null}"#,
            r#"{"typ":["at+jwt"]}"#,
            r#"["alg"]"#,
            r#""alg""#,
            r#"{"alg":"HS256"} "#,
            r#"{"alg":"HS256"}{}"#,
            r#"{"alg":"HS256","x":"\ud800"}"#,
            r#"{"alg":"HS256","x":["\udc00"]}"#,
            r#"{"alg":"HS256","x":{"a":1,"a":2}}"#,
            r#"{"alg":"HS256","x":[{"\u0061":1,"a":2}]}"#,
            "{",
            "",
        ] {
            assert_eq!(parse(bad), Err(HeaderProblem::Malformed), "{bad}");
        }
    }

    #[test]
    fn non_utf8_bytes_are_refused_even_in_unread_members() {
        assert_eq!(
            Header::parse(b"{\"alg\":\"HS256\",\"x\":\"\xff\"}").err(),
            Some(HeaderProblem::Malformed)
        );
    }

    #[test]
    fn unknown_members_are_ignored() {
        assert_eq!(
            parse(r#"{"alg":"HS256","x-custom":{"a":[1,2]}}"#),
            Ok((Some("HS256".into()), None, None))
        );
    }
}
