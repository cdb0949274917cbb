//! What the targets share: one `Authenticator` on a fixed clock (so seeds stay valid), the
//! HS256 signer an attacker with the key would use, and independent oracles for what an
//! accepted token, a parsed header and an error response must look like.
#![allow(dead_code)]

use std::sync::OnceLock;

use auth::Authenticator;
use auth::keys::{Algorithm, KeySet, SigningKey, VerifyingKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::Value;

/// The fixed "now" of every target: 2027-01-15.
pub const NOW: u64 = 1_800_000_000;
pub const SECRET: &[u8] = b"r4jxWB4Mqz39yNUAF2hWo89_JkUaDCk3ucR8mB5kZ1V1Jq84";
pub const ISSUER: &str = "https://issuer.fuzz";
pub const AUDIENCE: &str = "api";
pub const HS_KID: &str = "hs";
pub const LEEWAY: u64 = 30;
pub const TTL: u64 = 900;

/// Signs HS256 with kid `hs`; also verifies ES256 (`es`) and EdDSA (`ed`), so key selection by
/// `kid` and the algorithm pin are exercised, and a token without `kid` finds no key.
pub fn authenticator() -> &'static Authenticator {
    static AUTH: OnceLock<Authenticator> = OnceLock::new();
    AUTH.get_or_init(|| {
        let es = VerifyingKey::from_pem(
            Algorithm::ES256,
            include_bytes!("../../../tests/fixtures/keys/p256.pub.pem"),
        )
        .unwrap()
        .with_kid("es")
        .unwrap();
        let ed = VerifyingKey::from_pem(
            Algorithm::EdDSA,
            include_bytes!("../../../tests/fixtures/keys/ed25519.pub.pem"),
        )
        .unwrap()
        .with_kid("ed")
        .unwrap();
        let keys = KeySet::new(SigningKey::hs256(SECRET).unwrap().with_kid(HS_KID).unwrap())
            .with_verifying_key(es)
            .unwrap()
            .with_verifying_key(ed)
            .unwrap();
        Authenticator::builder()
            .keys(keys)
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .leeway(std::time::Duration::from_secs(LEEWAY))
            .access_ttl(std::time::Duration::from_secs(TTL))
            .clock(|| NOW)
            .token_cache(0)
            .build()
            .unwrap()
    })
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hs256(input: &[u8], secret: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(input);
    mac.finalize().into_bytes().to_vec()
}

/// The member names of a JSON object in order, duplicates kept; `None` if `json` is not
/// exactly one JSON object.
pub fn object_keys(json: &[u8]) -> Option<Vec<String>> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(key);
            }
            Ok(keys)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let keys = (&mut de).deserialize_map(Keys).ok()?;
    de.end().ok()?;
    Some(keys)
}

fn has_duplicates(keys: &[String]) -> bool {
    let mut sorted: Vec<&String> = keys.iter().collect();
    sorted.sort();
    sorted.windows(2).any(|w| w[0] == w[1])
}

/// Panics unless an accepted token satisfies every rule of the security manual, "Token format and verification", checked
/// independently of the library's parser.
pub fn assert_acceptable(token: &str) {
    assert!(token.len() <= auth::token::MAX_TOKEN_LEN, "over the cap");
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "not three segments: {token:?}");
    let decoded: Vec<Vec<u8>> = segments
        .iter()
        .map(|s| URL_SAFE_NO_PAD.decode(s).expect("not base64url"))
        .collect();
    for (segment, bytes) in segments.iter().zip(&decoded) {
        assert_eq!(*segment, b64(bytes), "non-canonical base64url");
    }
    let (header, payload, signature) = (&decoded[0], &decoded[1], &decoded[2]);
    assert!(!signature.is_empty());
    for json in [header, payload] {
        assert_eq!(json.first(), Some(&b'{'), "bytes before the object");
        assert_eq!(json.last(), Some(&b'}'), "bytes after the object");
        let keys = object_keys(json).expect("not one JSON object");
        assert!(!has_duplicates(&keys), "duplicate member accepted");
    }
    let header: Value = serde_json::from_slice(header).unwrap();
    let alg = header["alg"].as_str().expect("alg");
    assert!(
        matches!(
            (alg, header.get("kid").and_then(Value::as_str)),
            ("HS256", Some("hs")) | ("ES256", Some("es")) | ("EdDSA", Some("ed"))
        ),
        "alg/kid not pinned: {header}"
    );
    assert!(matches!(
        header["typ"].as_str(),
        Some("at+jwt" | "application/at+jwt")
    ));
    for refused in [
        "crit", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "enc", "zip", "b64", "cty",
    ] {
        assert!(header.get(refused).is_none(), "{refused} accepted");
    }
    let claims: Value = serde_json::from_slice(payload).unwrap();
    assert_eq!(claims["iss"].as_str(), Some(ISSUER));
    match &claims["aud"] {
        Value::String(aud) => assert_eq!(aud, AUDIENCE),
        Value::Array(auds) => {
            assert!(auds.iter().all(Value::is_string));
            assert!(auds.iter().any(|a| a == AUDIENCE));
        }
        other => panic!("aud {other}"),
    }
    assert!(claims["sub"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(claims["jti"].as_str().is_some_and(|s| !s.is_empty()));
    let exp = claims["exp"].as_u64().expect("exp");
    let iat = claims["iat"].as_u64().expect("iat");
    assert!(claims["exp"].is_u64() && claims["iat"].is_u64());
    assert!(NOW < exp.saturating_add(LEEWAY), "expired token accepted");
    assert!(iat <= NOW + LEEWAY, "future iat accepted");
    assert!(
        exp.saturating_sub(iat) <= TTL + LEEWAY,
        "over-long lifetime accepted"
    );
    if let Some(nbf) = claims.get("nbf") {
        assert!(nbf.as_u64().is_some_and(|nbf| nbf <= NOW + LEEWAY));
    }
    if let Some(roles) = claims.get("roles") {
        assert!(
            roles
                .as_array()
                .is_some_and(|r| r.iter().all(Value::is_string))
        );
    }
}

/// Panics unless what the verifier read from an accepted token (by either of its payload
/// readers) is what serde_json reads from the same payload.
pub fn assert_reads_as_serde(verified: &auth::token::VerifiedToken) {
    let claims: Value = serde_json::from_slice(verified.payload()).unwrap();
    assert_eq!(Some(verified.subject()), claims["sub"].as_str());
    assert_eq!(Some(verified.jwt_id()), claims["jti"].as_str());
    assert_eq!(Some(verified.expires_at()), claims["exp"].as_u64());
    assert_eq!(Some(verified.issued_at()), claims["iat"].as_u64());
    assert_eq!(
        verified.not_before(),
        claims.get("nbf").and_then(Value::as_u64)
    );
    let names = |value: &Value| -> Vec<String> {
        match value {
            Value::Array(names) => names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Value::String(names) => names
                .split(' ')
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let roles: Vec<String> = verified.role_names().map(str::to_owned).collect();
    assert_eq!(roles, names(&claims["roles"]));
    let scopes: Vec<String> = verified.scope_names().map(str::to_owned).collect();
    assert_eq!(scopes, names(&claims["scope"]));
}

/// RFC 6750 §3: the same oracle as the property tests.
#[path = "../../../tests/tests/common/challenge.rs"]
mod challenge;
pub use challenge::is_valid_challenge;

/// Renders an error and checks its status, body and challenge.
pub fn assert_error_response(err: auth::error::AuthError) {
    use auth::error::ErrorKind;
    let kind = err.kind();
    let challenge = err.challenge();
    let body: Value = serde_json::from_str(&err.body()).expect("error body is JSON");
    assert_eq!(body["error"], err.error_code());
    match kind {
        ErrorKind::MissingCredentials
        | ErrorKind::InvalidToken(_)
        | ErrorKind::InsufficientScope => {
            let challenge = challenge.expect("every 401/403 has a challenge");
            assert!(is_valid_challenge(&challenge), "{challenge}");
        }
        _ => {
            if let Some(challenge) = challenge {
                assert!(is_valid_challenge(&challenge), "{challenge}");
            }
        }
    }
}
