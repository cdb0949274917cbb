//! C: claims (TV-08 … TV-15). Required, exactly typed, exactly compared; time checks at their
//! boundaries, on a fixed clock.

use std::time::Duration;

use auth::Authenticator;
use auth::token::TokenError;
use serde_json::{Value, json};

use super::{attempt, fixed_clock, refused};
use crate::common::*;

const NOW: u64 = 1_900_000_000;

/// A payload valid at `NOW` under the default rules (TTL 900 s, leeway 30 s).
fn payload_at(iat: u64, exp: u64) -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": iat, "nbf": iat, "exp": exp,
        "jti": "jti-0123456789abcdef", "roles": ["admin"],
    })
}

fn verify_at(auth: &Authenticator, payload: &Value) -> Result<(), TokenError> {
    auth.verify_without_revocation(&forge(&good_header(), payload))
        .map(|_| ())
}

/// C01 C04 C05 (TV-08, RFC 7519 §4.1.4): valid while `now < exp + leeway`, refused from
/// `exp + leeway` on, with the `expired` description (so clients know to refresh).
#[tokio::test]
async fn exp_is_enforced_at_its_exact_boundary() {
    let auth = fixed_clock(NOW);
    let leeway = auth::testing::authenticator().leeway().as_secs();
    assert_eq!(leeway, 30, "the default leeway is 30 s [policy]");
    let last_valid = payload_at(NOW - 800, NOW - leeway + 1);
    assert_eq!(verify_at(&auth, &last_valid), Ok(()));
    let first_invalid = payload_at(NOW - 800, NOW - leeway);
    assert_eq!(verify_at(&auth, &first_invalid), Err(TokenError::Expired));
    let (reply, runs) = attempt(
        &auth,
        get_bearer("/admin", &forge(&good_header(), &first_invalid)),
    )
    .await;
    refused(&reply, runs, EXPIRED);
}

/// C05 (TV-08): the leeway is bounded: at most 60 s can be configured.
#[test]
fn a_leeway_over_60_seconds_cannot_be_configured() {
    let build = |leeway| {
        Authenticator::builder()
            .signing_key(hs256_key())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .leeway(Duration::from_secs(leeway))
            .build()
    };
    assert!(build(60).is_ok());
    assert_eq!(
        build(61).unwrap_err(),
        auth::error::ConfigError::LeewayTooLarge
    );
    assert_eq!(
        build(3600).unwrap_err(),
        auth::error::ConfigError::LeewayTooLarge
    );
}

/// C02 C03 (TV-08, TV-15, CVE-2026-25537): `exp` missing or of any other JSON type than a
/// non-negative integer is invalid, never "absent". Non-integer NumericDates are RFC-legal;
/// refusing them is [policy] (security manual, TV-04).
#[tokio::test]
async fn exp_must_be_a_non_negative_integer() {
    let auth = fixed_clock(NOW);
    let good = payload_at(NOW, NOW + 600);
    let text = good.to_string();
    let exp = (NOW + 600).to_string();
    for payload in [
        text.replace(&format!("\"exp\":{exp}"), &format!("\"exp\":\"{exp}\"")),
        text.replace(&format!("\"exp\":{exp}"), &format!("\"exp\":{exp}.0")),
        text.replace(&format!("\"exp\":{exp}"), "\"exp\":1.9000006e9"),
        text.replace(&format!("\"exp\":{exp}"), "\"exp\":-1"),
        text.replace(&format!("\"exp\":{exp}"), "\"exp\":null"),
        text.replace(&format!("\"exp\":{exp}"), "\"exp\":[1900000600]"),
        text.replace(&format!("\"exp\":{exp}"), "\"exp\":true"),
        text.replace(&format!("\"exp\":{exp}"), "\"exp\":18446744073709551616"),
        text.replace(&format!("\"exp\":{exp},"), ""),
    ] {
        assert_ne!(payload, text, "the replacement did not apply");
        let token = forge_hs256_raw(&good_header().to_string(), &payload, SECRET);
        assert_eq!(
            auth.verify_without_revocation(&token).map(|_| ()),
            Err(TokenError::InvalidClaims),
            "{payload}"
        );
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
}

/// C08 (TV-08, TV-10): `exp = u64::MAX` (a token that never expires) is refused by the
/// lifetime check, as is any `exp − iat` beyond the TTL plus leeway; exactly TTL + leeway
/// passes.
#[test]
fn lifetimes_beyond_the_ttl_are_refused_at_their_boundary() {
    let auth = fixed_clock(NOW);
    let ttl = auth.access_ttl().as_secs();
    assert_eq!(
        ttl, 900,
        "the default access TTL is 15 minutes [policy] (TV-16)"
    );
    assert_eq!(verify_at(&auth, &payload_at(NOW, NOW + ttl + 30)), Ok(()));
    assert_eq!(
        verify_at(&auth, &payload_at(NOW, NOW + ttl + 31)),
        Err(TokenError::LifetimeTooLong)
    );
    assert_eq!(
        verify_at(&auth, &payload_at(NOW, u64::MAX)),
        Err(TokenError::LifetimeTooLong)
    );
    assert_eq!(
        verify_at(&auth, &payload_at(0, u64::MAX)),
        Err(TokenError::LifetimeTooLong)
    );
}

/// C06 (TV-10): `iat` is required, an integer, and at most `now + leeway`.
#[test]
fn iat_from_the_future_is_refused_at_its_boundary() {
    let auth = fixed_clock(NOW);
    // Without `nbf` (which would be refused first, as not yet valid).
    let at = |iat| without(payload_at(iat, NOW + 600), "nbf");
    assert_eq!(verify_at(&auth, &at(NOW + 30)), Ok(()));
    assert_eq!(
        verify_at(&auth, &at(NOW + 31)),
        Err(TokenError::IssuedInFuture)
    );
    for iat in [json!(null), json!("1900000000"), json!(1.9e9), json!(-5)] {
        let payload = with(payload_at(NOW, NOW + 600), "iat", iat);
        assert_eq!(verify_at(&auth, &payload), Err(TokenError::InvalidClaims));
    }
    let payload = without(payload_at(NOW, NOW + 600), "iat");
    assert_eq!(verify_at(&auth, &payload), Err(TokenError::InvalidClaims));
}

/// C07 (TV-09): `nbf` is checked whenever present, at `now + leeway`, with its own
/// description; absent is allowed (tokens of other issuers), mistyped is not.
#[tokio::test]
async fn nbf_is_enforced_whenever_present() {
    let auth = fixed_clock(NOW);
    let base = payload_at(NOW, NOW + 600);
    assert_eq!(
        verify_at(&auth, &with(base.clone(), "nbf", json!(NOW + 30))),
        Ok(())
    );
    let future = with(base.clone(), "nbf", json!(NOW + 31));
    assert_eq!(verify_at(&auth, &future), Err(TokenError::NotYetValid));
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &forge(&good_header(), &future))).await;
    refused(&reply, runs, NOT_YET_VALID);
    assert_eq!(verify_at(&auth, &without(base.clone(), "nbf")), Ok(()));
    for nbf in [json!(null), json!("0"), json!(0.5), json!({})] {
        assert_eq!(
            verify_at(&auth, &with(base.clone(), "nbf", nbf)),
            Err(TokenError::InvalidClaims)
        );
    }
}

/// C09 (TV-11, CVE-2024-53861): `iss` is one string equal to ours, byte for byte. JSON
/// escapes of the same text are the same string; anything else is not.
#[tokio::test]
async fn iss_is_compared_exactly() {
    let auth = fixed_clock(NOW);
    let base = payload_at(NOW, NOW + 600);
    for iss in [
        json!("https://issuer.test/"),
        json!(" https://issuer.test"),
        json!("https://issuer.test\u{0}"),
        json!("https://issuer"),
        json!("https://ISSUER.test"),
        json!(""),
        json!([ISSUER, "https://evil.test"]),
        json!({"iss": ISSUER}),
        json!(null),
    ] {
        let payload = with(base.clone(), "iss", iss.clone());
        let token = forge(&good_header(), &payload);
        assert!(auth.verify_without_revocation(&token).is_err(), "{iss}");
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
    let escaped = base.to_string().replace(
        r#""iss":"https://issuer.test""#,
        r#""iss":"https:\/\/issuer\u002etest""#,
    );
    let token = forge_hs256_raw(&good_header().to_string(), &escaped, SECRET);
    assert!(
        auth.verify_without_revocation(&token).is_ok(),
        "a JSON escape is the same string"
    );
}

/// C10 (TV-12): `aud` is a string or a non-empty array of strings containing ours exactly.
#[tokio::test]
async fn aud_must_contain_ours_exactly() {
    let auth = fixed_clock(NOW);
    let base = payload_at(NOW, NOW + 600);
    for aud in [
        json!("API"),
        json!("ap"),
        json!("api "),
        json!([]),
        json!([["api"]]),
        json!(["api", 1]),
        json!(["api", null]),
        json!({"0": "api"}),
        json!(true),
    ] {
        let token = forge(&good_header(), &with(base.clone(), "aud", aud.clone()));
        assert!(auth.verify_without_revocation(&token).is_err(), "{aud}");
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
    for aud in [json!("api"), json!(["api"]), json!(["x", "api", "y"])] {
        assert_eq!(
            verify_at(&auth, &with(base.clone(), "aud", aud.clone())),
            Ok(()),
            "{aud}"
        );
    }
}

/// C11 C12 (TV-13, TV-14): `sub` and `jti` are non-empty strings.
#[tokio::test]
async fn sub_and_jti_must_be_non_empty_strings() {
    let auth = fixed_clock(NOW);
    let base = payload_at(NOW, NOW + 600);
    for (claim, value) in [
        ("sub", json!("")),
        ("sub", json!(null)),
        ("sub", json!(["alice"])),
        ("sub", json!({"id": "alice"})),
        ("jti", json!("")),
        ("jti", json!(null)),
        ("jti", json!(123)),
    ] {
        let token = forge(&good_header(), &with(base.clone(), claim, value));
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
    for claim in ["sub", "jti"] {
        let token = forge(&good_header(), &without(base.clone(), claim));
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
}

/// C12 (TV-14, RT-01): every issued `jti` is 128 random bits (22 base64url characters), and
/// no two are equal.
#[test]
fn issued_jtis_are_128_random_bits() {
    use base64::Engine as _;
    let auth = authenticator();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let issued = auth.issue(&user("alice", &[])).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&issued.jwt_id)
            .unwrap();
        assert_eq!(bytes.len(), 16);
        assert!(seen.insert(issued.jwt_id));
    }
}

/// C13 C15 (TV-15): claims the framework does not know never grant authority: `scope`,
/// `role`, `groups`, `admin: true`, `permissions`, roles under another path.
#[tokio::test]
async fn unknown_claims_never_grant_a_role() {
    let auth = authenticator();
    let base = with(good_payload(), "roles", json!(["viewer"]));
    for (claim, value) in [
        ("scope", json!("admin")),
        ("scp", json!(["admin"])),
        ("role", json!("admin")),
        ("Roles", json!(["admin"])),
        ("groups", json!(["admin"])),
        ("admin", json!(true)),
        ("permissions", json!(["admin"])),
        ("realm_access", json!({"roles": ["admin"]})),
    ] {
        let token = forge(&good_header(), &with(base.clone(), claim, value));
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        super::assert_forbidden(&reply);
        assert_eq!(runs, 0);
    }
}

/// C14 (TV-15, AZ-01): a `roles` claim of the wrong type is an invalid token, not "no
/// roles": 401 even on a route that needs no role.
#[tokio::test]
async fn mistyped_roles_make_the_token_invalid() {
    let auth = authenticator();
    for roles in [
        json!("admin"),
        json!(null),
        json!({"admin": true}),
        json!([["admin"]]),
        json!(["admin", 1]),
        json!(1),
    ] {
        let token = forge(&good_header(), &with(good_payload(), "roles", roles));
        for path in ["/admin", "/protected"] {
            let (reply, runs) = attempt(&auth, get_bearer(path, &token)).await;
            refused(&reply, runs, INVALID);
        }
    }
}

/// TV-18 (L01): an issued token carries the claims type's members and the registered claims,
/// nothing else, so no secret can slip in behind the application's back.
#[test]
fn issued_payloads_hold_only_the_claims_and_the_registered_members() {
    use base64::Engine as _;
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    let payload = token.split('.').nth(1).unwrap();
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let mut members: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        [
            "aud", "email", "exp", "iat", "iss", "jti", "nbf", "roles", "sub"
        ]
    );
}
