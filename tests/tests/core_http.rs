//! The resource side of the HTTP contract, driven through the router with `oneshot`: every
//! way a token can be wrong gets the exact status, challenge and body, and never runs the
//! handler.

mod common;

use auth::keys::{KeySet, SigningKey};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};

/// Sends `token` to `/protected` and checks it is refused as `invalid_token` without the
/// handler running.
async fn assert_token_refused(token: &str, description: &str) {
    let (app, runs) = app(authenticator());
    let reply = send(&app, get_bearer("/protected", token)).await;
    reply.assert_invalid_token(description);
    assert_eq!(runs.count(), 0, "the handler ran for a refused token");
}

#[tokio::test]
async fn valid_token_reaches_the_handler() {
    let auth = authenticator();
    let (app, runs) = app(auth.clone());
    let token = issue(&auth, &user("alice", &[Role::Viewer]));
    let reply = send(&app, get_bearer("/protected", &token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "alice");
    assert_eq!(runs.count(), 1);
}

#[tokio::test]
async fn claims_extractor_returns_the_custom_claims() {
    let auth = authenticator();
    let (app, _) = app(auth.clone());
    let claims = user("bob", &[Role::Editor, Role::Viewer]);
    let reply = send(&app, get_bearer("/me", &issue(&auth, &claims))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<UserClaims>(&reply.body).unwrap(),
        claims
    );
}

#[tokio::test]
async fn no_token_is_401_with_a_bare_challenge() {
    let (app, runs) = app(authenticator());
    let reply = send(&app, get_with("/protected", None)).await;
    reply.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn another_scheme_is_401_with_a_bare_challenge() {
    let (app, _) = app(authenticator());
    let reply = send(
        &app,
        get_with("/protected", Some(b"Basic YWxpY2U6cGFzcw==")),
    )
    .await;
    reply.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
}

#[tokio::test]
async fn configured_realm_appears_in_the_challenge() {
    let auth = auth::Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .realm("example")
        .build()
        .unwrap();
    let (app, _) = app(auth);
    let reply = send(&app, get_with("/protected", None)).await;
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="example""#));
}

#[tokio::test]
async fn malformed_authorization_headers_are_400_invalid_request() {
    let (app, runs) = app(authenticator());
    for value in [
        &b"Bearer"[..],
        b"Bearer ",
        b"Bearer a.b.c d",
        b"Bearer a.b=.c",
        b"Bearer \xc3\xa9.b.c",
        b"Bearer\ta.b.c",
    ] {
        let reply = send(&app, get_with("/protected", Some(value))).await;
        reply.assert_rejected(
            StatusCode::BAD_REQUEST,
            Some(r#"Bearer error="invalid_request""#),
            "invalid_request",
        );
    }
    let mut twice = get_bearer("/protected", "a.b.c");
    twice
        .headers_mut()
        .append(header::AUTHORIZATION, "Bearer a.b.c".parse().unwrap());
    send(&app, twice).await.assert_rejected(
        StatusCode::BAD_REQUEST,
        Some(r#"Bearer error="invalid_request""#),
        "invalid_request",
    );
    // Trailing `=` padding is `b64token` syntax (RFC 6750 §2.1): a well-formed request with
    // an invalid token.
    send(&app, get_with("/protected", Some(b"Bearer a.b.c==")))
        .await
        .assert_invalid_token(INVALID);
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn token_in_header_and_query_at_once_is_400() {
    let auth = authenticator();
    let (app, runs) = app(auth.clone());
    let token = issue(&auth, &user("alice", &[]));
    let request = get_bearer(&format!("/protected?access_token={token}"), &token);
    send(&app, request).await.assert_rejected(
        StatusCode::BAD_REQUEST,
        Some(r#"Bearer error="invalid_request""#),
        "invalid_request",
    );
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn token_in_the_query_alone_is_not_accepted() {
    let auth = authenticator();
    let (app, runs) = app(auth.clone());
    let token = issue(&auth, &user("alice", &[]));
    let request = get_with(&format!("/protected?access_token={token}"), None);
    send(&app, request).await.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn bad_signature_is_refused() {
    let token = forge_hs256_raw(
        &good_header().to_string(),
        &good_payload().to_string(),
        b"another-secret-another-secret-0123456789",
    );
    assert_token_refused(&token, INVALID).await;

    // A valid token with one signature character changed.
    let auth = authenticator();
    let mut token = issue(&auth, &user("alice", &[])).into_bytes();
    let last = token.len() - 2;
    token[last] = if token[last] == b'A' { b'B' } else { b'A' };
    assert_token_refused(std::str::from_utf8(&token).unwrap(), INVALID).await;
}

#[tokio::test]
async fn stripped_signature_is_refused() {
    let token = forge(&good_header(), &good_payload());
    let unsigned = &token[..=token.rfind('.').unwrap()];
    assert_token_refused(unsigned, INVALID).await;
}

#[tokio::test]
async fn alg_none_is_refused_in_every_spelling() {
    for alg in ["none", "None", "NONE", "nOnE", ""] {
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": KID});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(good_payload().to_string().as_bytes())
        );
        assert_token_refused(&format!("{input}."), INVALID).await;
        // ... and with a signature that is valid for HS256 over the same input.
        assert_token_refused(&forge(&header, &good_payload()), INVALID).await;
    }
    assert_token_refused(
        &forge(&without(good_header(), "alg"), &good_payload()),
        INVALID,
    )
    .await;
}

#[tokio::test]
async fn rs256_public_key_used_as_hmac_secret_is_refused() {
    // The server verifies RS256 with this public key; the attacker signs HS256 with it.
    let public_pem = key("rsa2048.pub.pem");
    let verifying = auth::keys::VerifyingKey::from_pem(auth::keys::Algorithm::RS256, &public_pem)
        .unwrap()
        .with_kid("rsa")
        .unwrap();
    let auth = authenticator_with(
        KeySet::new(hs256_key())
            .with_verifying_key(verifying)
            .unwrap(),
    );
    let (app, runs) = app(auth);
    for kid in ["rsa", KID] {
        let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": kid});
        let token = forge_hs256_raw(
            &header.to_string(),
            &good_payload().to_string(),
            &public_pem,
        );
        send(&app, get_bearer("/protected", &token))
            .await
            .assert_invalid_token(INVALID);
    }
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn crit_is_refused_even_with_a_valid_signature() {
    for crit in [json!(["exp"]), json!(["b64"]), json!([])] {
        let header = with(good_header(), "crit", crit);
        assert_token_refused(&forge(&header, &good_payload()), INVALID).await;
    }
}

#[tokio::test]
async fn key_material_in_the_header_is_refused() {
    for (member, value) in [
        ("jwk", json!({"kty": "oct", "k": "AAAA"})),
        ("jku", json!("https://attacker.test/jwks.json")),
        ("x5u", json!("https://attacker.test/cert.pem")),
        ("x5c", json!(["MIIB"])),
    ] {
        assert_token_refused(
            &forge(&with(good_header(), member, value), &good_payload()),
            INVALID,
        )
        .await;
    }
}

#[tokio::test]
async fn wrong_or_missing_typ_is_refused() {
    for typ in [
        json!("JWT"),
        json!("refresh+jwt"),
        json!("AT+JWT"),
        json!(1),
        json!(null),
    ] {
        assert_token_refused(
            &forge(&with(good_header(), "typ", typ), &good_payload()),
            INVALID,
        )
        .await;
    }
    assert_token_refused(
        &forge(&without(good_header(), "typ"), &good_payload()),
        INVALID,
    )
    .await;
}

#[tokio::test]
async fn long_media_type_is_accepted() {
    let auth = authenticator();
    let (app, _) = app(auth);
    let header = with(good_header(), "typ", json!("application/at+jwt"));
    let reply = send(
        &app,
        get_bearer("/protected", &forge(&header, &good_payload())),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn expired_token_is_refused_with_its_own_description() {
    let now = now();
    let payload = with(
        with(good_payload(), "exp", json!(now - 31)),
        "iat",
        json!(now - 600),
    );
    let payload = with(payload, "nbf", json!(now - 600));
    assert_token_refused(&forge(&good_header(), &payload), EXPIRED).await;
}

#[tokio::test]
async fn expiry_within_the_leeway_is_tolerated() {
    let now = now();
    let payload = with(
        with(good_payload(), "exp", json!(now - 5)),
        "iat",
        json!(now - 600),
    );
    let (app, _) = app(authenticator());
    let reply = send(
        &app,
        get_bearer("/protected", &forge(&good_header(), &payload)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn nbf_in_the_future_is_refused() {
    let payload = with(good_payload(), "nbf", json!(now() + 120));
    assert_token_refused(&forge(&good_header(), &payload), NOT_YET_VALID).await;
}

#[tokio::test]
async fn iat_in_the_future_is_refused() {
    let now = now();
    let payload = with(
        with(good_payload(), "iat", json!(now + 120)),
        "exp",
        json!(now + 700),
    );
    assert_token_refused(&forge(&good_header(), &payload), INVALID).await;
}

#[tokio::test]
async fn lifetime_longer_than_the_ttl_is_refused() {
    let payload = with(good_payload(), "exp", json!(now() + 24 * 3600));
    assert_token_refused(&forge(&good_header(), &payload), INVALID).await;
}

#[tokio::test]
async fn wrong_issuer_or_audience_is_refused() {
    for (claim, value) in [
        ("iss", json!("https://issuer.test.evil")),
        ("iss", json!("https://issuer.tes")),
        ("iss", json!("HTTPS://ISSUER.TEST")),
        ("aud", json!("other")),
        ("aud", json!(["other", "more"])),
    ] {
        assert_token_refused(
            &forge(&good_header(), &with(good_payload(), claim, value)),
            INVALID,
        )
        .await;
    }
}

#[tokio::test]
async fn audience_array_containing_ours_is_accepted() {
    let (app, _) = app(authenticator());
    let payload = with(good_payload(), "aud", json!(["other", AUDIENCE]));
    let reply = send(
        &app,
        get_bearer("/protected", &forge(&good_header(), &payload)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn mistyped_registered_claims_are_invalid_not_absent() {
    let now = now();
    for (claim, value) in [
        ("iss", json!([ISSUER])),
        ("iss", json!(5)),
        ("aud", json!(1)),
        ("aud", json!([])),
        ("aud", json!({"aud": AUDIENCE})),
        ("exp", json!((now + 600).to_string())),
        ("exp", json!(1.0e9_f64 + 600.5)),
        ("nbf", json!(now.to_string())),
        ("iat", json!(null)),
        ("sub", json!(42)),
        ("jti", json!(["a"])),
        ("roles", json!("admin")),
    ] {
        assert_token_refused(
            &forge(&good_header(), &with(good_payload(), claim, value)),
            INVALID,
        )
        .await;
    }
}

#[tokio::test]
async fn missing_required_claims_are_refused() {
    for claim in ["iss", "aud", "exp", "iat", "sub", "jti"] {
        assert_token_refused(
            &forge(&good_header(), &without(good_payload(), claim)),
            INVALID,
        )
        .await;
    }
    assert_token_refused(
        &forge(&good_header(), &with(good_payload(), "jti", json!(""))),
        INVALID,
    )
    .await;
}

#[tokio::test]
async fn duplicate_members_are_refused() {
    let payload = good_payload().to_string();
    let duplicated = payload.replacen('{', r#"{"sub":"mallory","#, 1);
    let token = forge_hs256_raw(&good_header().to_string(), &duplicated, SECRET);
    assert_token_refused(&token, INVALID).await;
    let header = r#"{"alg":"HS256","typ":"at+jwt","kid":"k1","kid":"k1"}"#;
    assert_token_refused(&forge_hs256_raw(header, &payload, SECRET), INVALID).await;
}

#[tokio::test]
async fn oversized_token_is_refused_before_decoding() {
    let payload = with(good_payload(), "padding", json!("x".repeat(9000)));
    assert_token_refused(&forge(&good_header(), &payload), INVALID).await;
}

#[tokio::test]
async fn unknown_kid_is_refused() {
    for kid in [json!("k2"), json!("../../etc/passwd"), json!(7)] {
        assert_token_refused(
            &forge(&with(good_header(), "kid", kid), &good_payload()),
            INVALID,
        )
        .await;
    }
}

#[tokio::test]
async fn jwe_and_non_json_structures_are_refused() {
    for token in [
        "a.b.c.d.e",
        "a.b",
        "",
        "...",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
        "@@.@@.@@",
    ] {
        let (router, _) = app(authenticator());
        let reply = send(
            &router,
            get_with("/protected", Some(format!("Bearer {token}").as_bytes())),
        )
        .await;
        assert!(
            reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::BAD_REQUEST,
            "{token:?}: {}",
            reply.status
        );
    }
    let not_object = forge_hs256_raw(&good_header().to_string(), "[1]", SECRET);
    assert_token_refused(&not_object, INVALID).await;
}

#[tokio::test]
async fn rotation_keeps_old_tokens_valid_and_signs_with_the_new_key() {
    let old_key = hs256_key();
    let old = authenticator();
    let old_token = issue(&old, &user("alice", &[]));

    let new_key = SigningKey::hs256(b"a-completely-new-secret-for-rotation-42")
        .unwrap()
        .with_kid("k2")
        .unwrap();
    let rotated = authenticator_with(
        KeySet::new(new_key)
            .with_verifying_key(old_key.verifying_key().clone())
            .unwrap(),
    );
    let new_token = issue(&rotated, &user("alice", &[]));

    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            new_token.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], "k2");

    let (router, _) = app(rotated.clone());
    assert_eq!(
        send(&router, get_bearer("/protected", &old_token))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&router, get_bearer("/protected", &new_token))
            .await
            .status,
        StatusCode::OK
    );

    // Once the old key is dropped, its tokens stop verifying.
    let dropped = authenticator_with(KeySet::new(
        SigningKey::hs256(b"a-completely-new-secret-for-rotation-42")
            .unwrap()
            .with_kid("k2")
            .unwrap(),
    ));
    let (router, _) = app(dropped);
    send(&router, get_bearer("/protected", &old_token))
        .await
        .assert_invalid_token(INVALID);
}

#[tokio::test]
async fn missing_role_is_403_insufficient_scope_and_the_body_never_runs() {
    let auth = authenticator();
    let (app, runs) = app(auth.clone());
    let viewer = issue(&auth, &user("vic", &[Role::Viewer]));
    let reply = send(&app, get_bearer("/admin", &viewer)).await;
    reply.assert_rejected(
        StatusCode::FORBIDDEN,
        Some(r#"Bearer error="insufficient_scope""#),
        "insufficient_scope",
    );
    assert_eq!(runs.count(), 0);

    let admin = issue(&auth, &user("ada", &[Role::Admin]));
    assert_eq!(
        send(&app, get_bearer("/admin", &admin)).await.status,
        StatusCode::OK
    );
    assert_eq!(runs.count(), 1);
}

#[tokio::test]
async fn invalid_token_on_a_role_route_is_401_not_403() {
    let (app, _) = app(authenticator());
    let payload = with(good_payload(), "exp", json!(now() - 3600));
    let payload = with(payload, "iat", json!(now() - 4000));
    send(&app, get_bearer("/admin", &forge(&good_header(), &payload)))
        .await
        .assert_invalid_token(EXPIRED);
    send(&app, get_with("/admin", None)).await.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
}

#[tokio::test]
async fn role_hierarchy_any_and_all() {
    let auth = authenticator();
    let (app, _) = app(auth.clone());
    let status = |roles: &'static [Role], path: &'static str| {
        let app = app.clone();
        let token = issue(&auth, &user("u", roles));
        async move { send(&app, get_bearer(path, &token)).await.status }
    };
    // admin implies viewer; viewer implies nothing above it.
    assert_eq!(status(&[Role::Admin], "/viewer").await, StatusCode::OK);
    assert_eq!(status(&[Role::Editor], "/viewer").await, StatusCode::OK);
    assert_eq!(
        status(&[Role::Viewer], "/editor-or-admin").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&[Role::Editor], "/editor-or-admin").await,
        StatusCode::OK
    );
    assert_eq!(
        status(&[Role::Admin], "/admin-and-viewer").await,
        StatusCode::OK
    );
    assert_eq!(
        status(&[Role::Viewer], "/admin-and-viewer").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status(&[], "/viewer").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_role_names_grant_nothing_and_do_not_invalidate_the_token() {
    let auth = authenticator();
    let (app, _) = app(auth);
    let payload = with(
        good_payload(),
        "roles",
        json!(["superuser", "viewer", "Admin"]),
    );
    let token = forge(&good_header(), &payload);
    assert_eq!(
        send(&app, get_bearer("/viewer", &token)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get_bearer("/admin", &token)).await.status,
        StatusCode::FORBIDDEN
    );
    // `Vec<Role>` in the claims type: the unknown names are dropped, not an error.
    let reply = send(&app, get_bearer("/me", &token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["roles"], json!(["viewer"]));
}

#[tokio::test]
async fn forbidden_caller_never_has_its_body_read() {
    let auth = authenticator();
    let (app, runs) = app(auth.clone());
    let viewer = issue(&auth, &user("vic", &[Role::Viewer]));
    // A body that is not JSON: if it were read, the answer would be a JSON rejection (400/415).
    let request = Request::post("/admin/echo")
        .header(header::AUTHORIZATION, format!("Bearer {viewer}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("this is not json"))
        .unwrap();
    send(&app, request).await.assert_rejected(
        StatusCode::FORBIDDEN,
        Some(r#"Bearer error="insufficient_scope""#),
        "insufficient_scope",
    );
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn optional_auth_is_none_without_credentials_but_refuses_bad_ones() {
    let auth = authenticator();
    let (app, _) = app(auth.clone());
    let reply = send(&app, get_with("/maybe", None)).await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (StatusCode::OK, "anonymous")
    );
    let token = issue(&auth, &user("alice", &[]));
    assert_eq!(
        send(&app, get_bearer("/maybe", &token)).await.text(),
        "alice"
    );
    send(&app, get_bearer("/maybe", "a.b.c"))
        .await
        .assert_invalid_token(INVALID);
}

#[tokio::test]
async fn error_bodies_never_echo_the_token_or_kid() {
    let header = with(good_header(), "kid", json!("attacker-controlled-kid"));
    let token = forge(&header, &good_payload());
    let (app, _) = app(authenticator());
    let reply = send(&app, get_bearer("/protected", &token)).await;
    let everything = format!("{:?}{}", reply.headers, reply.text());
    assert!(!everything.contains("attacker-controlled-kid"));
    assert!(!everything.contains(&token[..20]));
}
