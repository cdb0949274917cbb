//! H: JOSE header parameters (TV-05, TV-06, TV-07). `crit` and key-carrying members are
//! refused, `kid` only selects from the static key set, `typ` must be `at+jwt`.

use std::net::TcpListener;

use serde_json::{Value, json};

use super::{attempt, mixed_keys, refused};
use crate::common::*;

/// H01 (TV-05, CVE-2026-32597): `crit` with a valid signature, whatever it lists, and spelt
/// with an escape.
#[tokio::test]
async fn crit_is_refused_however_it_is_spelt() {
    let auth = authenticator();
    let payload = good_payload().to_string();
    for header in [
        r#"{"alg":"HS256","typ":"at+jwt","kid":"k1","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","typ":"at+jwt","kid":"k1","\u0063rit":["b64"],"b64":false}"#,
        r#"{"alg":"HS256","typ":"at+jwt","kid":"k1","crit":null}"#,
        r#"{"alg":"HS256","typ":"at+jwt","kid":"k1","crit":"x"}"#,
    ] {
        let token = forge_hs256_raw(header, &payload, SECRET);
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
}

/// H02–H04 G08 (TV-06, CVE-2018-0114): the attacker embeds their own key (`jwk`) and signs
/// with it, or points at one (`jku`, `x5u`), or sends certificates (`x5c`, `x5t`,
/// `x5t#S256`). All refused, and none is fetched: a listener standing in for the URL gets no
/// connection.
#[tokio::test]
async fn key_material_named_in_the_header_is_never_trusted_nor_fetched() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let attacker_secret = b"attacker-secret-attacker-secret-0123456789";
    let jwk = json!({"kty": "oct", "k": b64(attacker_secret), "alg": "HS256"});
    let auth = authenticator_with(mixed_keys());
    for (member, value) in [
        ("jwk", jwk),
        ("jku", json!(url)),
        ("x5u", json!(url)),
        (
            "x5c",
            json!(["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]),
        ),
        ("x5t", json!("dGh1bWJwcmludA")),
        ("x5t#S256", json!("dGh1bWJwcmludA")),
    ] {
        for kid in [json!(KID), json!("attacker"), Value::Null] {
            let mut header = with(good_header(), member, value.clone());
            if kid.is_null() {
                header = without(header, "kid");
            } else {
                header["kid"] = kid;
            }
            for secret in [&attacker_secret[..], SECRET] {
                let token =
                    forge_hs256_raw(&header.to_string(), &good_payload().to_string(), secret);
                let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
                refused(&reply, runs, INVALID);
            }
        }
    }
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a token made the server connect to a URL it named"
    );
}

/// H05 (TV-06, HB-06, DS-01): a `kid` that is a path, SQL, a URL, or carries CR/LF and quotes
/// is an unknown key: 401, and the response never echoes it (no header injection, no
/// reflected text).
#[tokio::test]
async fn hostile_kids_are_unknown_keys_and_never_echoed() {
    let auth = authenticator();
    let (app, runs) = app(auth);
    for kid in [
        "../../../../dev/null",
        "/etc/passwd",
        "k1' OR '1'='1",
        "k1\r\nSet-Cookie: session=attacker",
        "k1\"; error=\"none",
        "https://attacker.test/key",
        "k1\u{0}",
        "K1",
        "k1 ",
        "",
    ] {
        let token = forge(&with(good_header(), "kid", json!(kid)), &good_payload());
        let reply = send(&app, get_bearer("/admin", &token)).await;
        reply.assert_invalid_token(INVALID);
        assert!(reply.headers.get("set-cookie").is_none());
        let everything = format!("{:?}{}", reply.headers, reply.text());
        for piece in ["passwd", "OR", "attacker", "error=\\\"none"] {
            assert!(!everything.contains(piece), "{piece} echoed: {everything}");
        }
    }
    assert_eq!(runs.count(), 0);
}

/// H06 [policy]: a token without `kid` verifies only when the key set has exactly one key;
/// with several, the verifier never tries them in turn.
#[tokio::test]
async fn a_token_without_kid_is_refused_by_a_key_set_of_several() {
    let single = authenticator();
    let token = forge(&without(good_header(), "kid"), &good_payload());
    let (reply, runs) = attempt(&single, get_bearer("/admin", &token)).await;
    assert_eq!((reply.status.as_u16(), runs), (200, 1), "{}", reply.text());
    let several = authenticator_with(mixed_keys());
    let (reply, runs) = attempt(&several, get_bearer("/admin", &token)).await;
    refused(&reply, runs, INVALID);
}

/// H07 [policy] (security manual, TV-07; RFC 9068 §4): `typ` is compared exactly,
/// case included: only the two values RFC 9068 lists.
#[tokio::test]
async fn typ_must_be_exactly_at_jwt() {
    let auth = authenticator();
    for typ in [
        "at+JWT",
        "Application/at+jwt",
        "application/AT+JWT",
        " at+jwt",
        "at+jwt ",
        "at+jwt\u{0}",
        "jwt",
        "JWT",
        "id+jwt",
        "refresh+jwt",
        "",
    ] {
        let token = forge(&with(good_header(), "typ", json!(typ)), &good_payload());
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
    for typ in ["at+jwt", "application/at+jwt"] {
        let token = forge(&with(good_header(), "typ", json!(typ)), &good_payload());
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        assert_eq!((reply.status.as_u16(), runs), (200, 1), "{typ}");
    }
}

/// H08 R05 (TV-07, RT-07): a refresh token is opaque (no dots), so presented as an access
/// token it is not even a JWS.
#[tokio::test]
async fn a_refresh_token_is_never_an_access_token() {
    let h = crate::support_endpoints::Setup::default().build().await;
    let pair = h.pair("alice").await;
    let reply = h.send(get_bearer("/admin", &pair.refresh)).await;
    reply.assert_invalid_token(INVALID);
    let reply = h.protected(&pair.refresh).await;
    reply.assert_invalid_token(INVALID);
    // ... and the access token still works, so nothing else was wrong.
    assert_eq!(h.protected(&pair.access).await.status.as_u16(), 200);
}

/// H: members the verifier does not know are ignored, whatever their type, and never
/// change what is checked (an `alg`-like `Alg` does not replace `alg`).
#[tokio::test]
async fn unknown_header_members_are_ignored_and_grant_nothing() {
    let auth = authenticator();
    let header = with(
        with(good_header(), "Alg", json!("none")),
        "x-admin",
        json!({"roles": ["admin"]}),
    );
    let token = forge(&header, &with(good_payload(), "roles", json!(["viewer"])));
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    super::assert_forbidden(&reply);
    assert_eq!(runs, 0);
}
