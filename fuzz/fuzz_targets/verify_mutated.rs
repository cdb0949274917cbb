//! Structured mutations of a valid token, re-signed with the right key the way an attacker
//! holding it (or a confused issuer) would: members set, removed or duplicated in the header
//! and the payload, raw JSON text, re-encodings, and signature tampering. Whatever verifies
//! must obey the security manual, "Token format and verification" (independent oracle in `common`).
#![no_main]

mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value, json};

#[derive(Arbitrary, Debug)]
enum Name {
    Alg,
    Typ,
    Kid,
    Crit,
    Jwk,
    Jku,
    X5c,
    Enc,
    B64,
    Cty,
    Iss,
    Aud,
    Sub,
    Exp,
    Nbf,
    Iat,
    Jti,
    Roles,
    Other(String),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Self::Alg => "alg",
            Self::Typ => "typ",
            Self::Kid => "kid",
            Self::Crit => "crit",
            Self::Jwk => "jwk",
            Self::Jku => "jku",
            Self::X5c => "x5c",
            Self::Enc => "enc",
            Self::B64 => "b64",
            Self::Cty => "cty",
            Self::Iss => "iss",
            Self::Aud => "aud",
            Self::Sub => "sub",
            Self::Exp => "exp",
            Self::Nbf => "nbf",
            Self::Iat => "iat",
            Self::Jti => "jti",
            Self::Roles => "roles",
            Self::Other(name) => name,
        }
    }
}

/// A JSON value, with the values that matter most reachable in one step.
#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    /// Seconds relative to the fixed clock.
    Time(i32),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Known(KnownStr),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

#[derive(Arbitrary, Debug)]
enum KnownStr {
    Hs256,
    Es256,
    EdDsa,
    None,
    AtJwt,
    AppAtJwt,
    Jwt,
    HsKid,
    EsKid,
    Issuer,
    Audience,
}

impl Json {
    fn to_value(&self, depth: u32) -> Value {
        if depth > 8 {
            return Value::Null;
        }
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Time(delta) => json!(common::NOW.saturating_add_signed(i64::from(*delta))),
            Self::U64(n) => json!(n),
            Self::I64(n) => json!(n),
            Self::F64(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Str(s) => Value::String(s.clone()),
            Self::Known(known) => Value::String(
                match known {
                    KnownStr::Hs256 => "HS256",
                    KnownStr::Es256 => "ES256",
                    KnownStr::EdDsa => "EdDSA",
                    KnownStr::None => "none",
                    KnownStr::AtJwt => "at+jwt",
                    KnownStr::AppAtJwt => "application/at+jwt",
                    KnownStr::Jwt => "JWT",
                    KnownStr::HsKid => common::HS_KID,
                    KnownStr::EsKid => "es",
                    KnownStr::Issuer => common::ISSUER,
                    KnownStr::Audience => common::AUDIENCE,
                }
                .to_owned(),
            ),
            Self::Array(items) => items.iter().map(|i| i.to_value(depth + 1)).collect(),
            Self::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value(depth + 1)))
                    .collect(),
            ),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Set(Name, Json),
    Remove(Name),
    /// Writes the member a second time, first, with another value.
    Duplicate(Name, Json),
}

#[derive(Arbitrary, Debug)]
enum Part {
    /// The good object with edits.
    Edited(Vec<Edit>),
    /// Any text at all.
    Raw(Vec<u8>),
    /// The good object's text with bytes before or after it.
    Wrapped(Vec<u8>, Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Signature {
    Right,
    Empty,
    WrongSecret,
    /// The right HMAC, truncated or extended.
    Resized(u8, bool),
    /// The right HMAC with one byte flipped.
    Flipped(u8, u8),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Encoding {
    Canonical,
    Padded,
    StandardAlphabet,
    /// One byte inserted into the token text.
    Insert(u16, u8),
    /// The token text cut at a position.
    Cut(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    header: Part,
    payload: Part,
    signature: Signature,
    encoding: Encoding,
}

fn good_header() -> Map<String, Value> {
    let Value::Object(map) = json!({"alg": "HS256", "typ": "at+jwt", "kid": common::HS_KID}) else {
        unreachable!()
    };
    map
}

fn good_payload() -> Map<String, Value> {
    let now = common::NOW;
    let Value::Object(map) = json!({
        "iss": common::ISSUER, "aud": common::AUDIENCE, "sub": "alice",
        "iat": now, "nbf": now, "exp": now + common::TTL,
        "jti": "jti-0123456789abcdef", "roles": ["admin"],
    }) else {
        unreachable!()
    };
    map
}

fn render(part: &Part, good: Map<String, Value>) -> Vec<u8> {
    match part {
        Part::Raw(bytes) => bytes.clone(),
        Part::Wrapped(before, after) => {
            let mut out = before.clone();
            out.extend(Value::Object(good).to_string().bytes());
            out.extend(after);
            out
        }
        Part::Edited(edits) => {
            let mut object = good;
            let mut duplicates = Vec::new();
            for edit in edits.iter().take(16) {
                match edit {
                    Edit::Set(name, value) => {
                        object.insert(name.as_str().to_owned(), value.to_value(0));
                    }
                    Edit::Remove(name) => {
                        object.remove(name.as_str());
                    }
                    Edit::Duplicate(name, value) => {
                        duplicates.push((name.as_str().to_owned(), value.to_value(0)));
                    }
                }
            }
            let text = Value::Object(object).to_string();
            let mut prefix = String::from("{");
            for (name, value) in duplicates {
                prefix.push_str(&Value::String(name).to_string());
                prefix.push(':');
                prefix.push_str(&value.to_string());
                prefix.push(',');
            }
            if text == "{}" && prefix.len() > 1 {
                prefix.pop();
            }
            (prefix + &text[1..]).into_bytes()
        }
    }
}

fuzz_target!(|input: Input| {
    let header = render(&input.header, good_header());
    let payload = render(&input.payload, good_payload());
    let signing_input = format!("{}.{}", common::b64(&header), common::b64(&payload));
    let right = common::hs256(signing_input.as_bytes(), common::SECRET);
    let signature = match input.signature {
        Signature::Right => right,
        Signature::Empty => Vec::new(),
        Signature::WrongSecret => common::hs256(
            signing_input.as_bytes(),
            b"another-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        ),
        Signature::Resized(len, extend) => {
            let mut sig = right;
            if extend {
                sig.extend(std::iter::repeat_n(0, usize::from(len % 8) + 1));
            } else {
                sig.truncate(usize::from(len) % sig.len());
            }
            sig
        }
        Signature::Flipped(at, bits) => {
            let mut sig = right;
            let len = sig.len();
            sig[usize::from(at) % len] ^= bits.max(1);
            sig
        }
        Signature::Raw(bytes) => bytes,
    };
    let mut token = format!("{signing_input}.{}", common::b64(&signature));
    match input.encoding {
        Encoding::Canonical => {}
        Encoding::Padded => token.push('='),
        Encoding::StandardAlphabet => {
            token = token.replace('-', "+").replace('_', "/");
        }
        Encoding::Insert(at, byte) => {
            let mut bytes = token.into_bytes();
            let at = usize::from(at) % (bytes.len() + 1);
            bytes.insert(at, byte);
            let Ok(text) = String::from_utf8(bytes) else {
                return;
            };
            token = text;
        }
        Encoding::Cut(at) => {
            let at = usize::from(at) % (token.len() + 1);
            token.truncate(at);
        }
    }
    match common::authenticator().verify_without_revocation(&token) {
        Ok(verified) => {
            common::assert_acceptable(&token);
            common::assert_reads_as_serde(&verified);
        }
        Err(reason) => common::assert_error_response(reason.into()),
    }
});
