//! K: cookies and CSRF (security manual, "Cookies and CSRF", CK-01..CK-06), through the router with `oneshot`:
//! the attributes of every cookie, the signed double-submit CSRF checks and the origin check
//! (accepted and refused paths), one transport per request (HB-03), login CSRF, refresh and
//! logout from cookies, the layer, and nothing changing when cookies are off.

use std::time::Duration;

use auth::transport::cookie::CookieConfig;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use serde_json::json;

use crate::common::{self, Reply};
use crate::support_cookies::*;
use crate::support_endpoints::{self, PASSWORD, login_body};

async fn app() -> Fixture {
    build(|builder| builder.cookies(cookies()), |_| Router::new()).await
}

/// POST /admin/echo (admin, JSON body) the way the page's script sends it.
fn echo(session: &Session) -> Req {
    Req::post("/admin/echo")
        .header("origin", APP_ORIGIN)
        .header("sec-fetch-site", "same-site")
        .session(session)
        .json(&json!({"hello": "world"}))
}

// ---- the cookies ---------------------------------------------------------------------------

#[tokio::test]
async fn login_sets_the_three_cookies_with_their_attributes() {
    let a = app().await;
    let reply = login(&a.app, "alice").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(reply.headers[header::PRAGMA], "no-cache");
    let cookies = set_cookies(&reply);
    let names: Vec<&str> = cookies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, [ACCESS, REFRESH, REFRESH, CSRF]);

    // CK-01: __Host- (Secure, Path=/, no Domain), HttpOnly, SameSite=Strict, Max-Age = TTL.
    let access = &cookies[0];
    assert_eq!(access.value.split('.').count(), 3);
    assert!(access.has("Secure") && access.has("HttpOnly"));
    assert_eq!(access.attribute("SameSite"), Some("Strict"));
    assert_eq!(access.attribute("Path"), Some("/"));
    assert_eq!(access.attribute("Max-Age"), Some("900"));
    assert_eq!(access.attribute("Domain"), None);

    // The refresh token only goes to the refresh and logout paths; it lives as long as the
    // token may be used (the idle lifetime, 7 days).
    let paths: Vec<_> = cookies[1..3]
        .iter()
        .map(|c| c.attribute("Path").unwrap())
        .collect();
    assert_eq!(paths, ["/refresh", "/logout"]);
    for refresh in &cookies[1..3] {
        assert_eq!(refresh.value.len(), 43);
        assert_eq!(refresh.value, cookies[1].value);
        assert!(refresh.has("Secure") && refresh.has("HttpOnly"));
        assert_eq!(refresh.attribute("SameSite"), Some("Strict"));
        assert_eq!(refresh.attribute("Max-Age"), Some("604800"));
        assert_eq!(refresh.attribute("Domain"), None);
    }

    // The CSRF cookie is readable by the page's script.
    let csrf = &cookies[3];
    assert!(csrf.has("Secure") && !csrf.has("HttpOnly"));
    assert_eq!(csrf.attribute("SameSite"), Some("Strict"));
    assert_eq!(csrf.attribute("Path"), Some("/"));
    assert_eq!(csrf.attribute("Max-Age"), Some("604800"));

    // The body does not repeat the tokens (a script could read them); it has the CSRF token.
    assert_eq!(
        reply.json(),
        json!({"expires_in": 900, "csrf_token": csrf.value})
    );
}

#[tokio::test]
async fn tokens_in_body_repeats_the_pair_next_to_the_cookies() {
    let a = build(
        |builder| builder.cookies(cookies().tokens_in_body(true)),
        |_| Router::new(),
    )
    .await;
    let reply = login(&a.app, "alice").await;
    let session = session_of(&reply);
    let body = reply.json();
    assert_eq!(body["access_token"], session.access);
    assert_eq!(body["refresh_token"], session.refresh);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["csrf_token"], session.csrf);
    assert_eq!(body.as_object().unwrap().len(), 5);
}

// ---- safe requests -------------------------------------------------------------------------

#[tokio::test]
async fn the_access_cookie_authenticates_safe_requests_without_csrf() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = Req::get("/protected")
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "id-alice");
    let reply = Req::get("/maybe")
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    assert_eq!(reply.text(), "id-alice");
    // Other cookies around it are ignored.
    let reply = Req::get("/protected")
        .cookie("theme", "dark")
        .cookie(ACCESS, &session.access)
        .cookie("lang", "en")
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_bad_access_cookie_is_401_before_any_csrf_check() {
    let a = app().await;
    let reply = Req::post("/admin/echo")
        .cookie(ACCESS, "a.b.c")
        .header("origin", "https://evil.test")
        .json(&json!({}))
        .send(&a.app)
        .await;
    reply.assert_invalid_token(common::INVALID);
    // No cookie and no header: the bare challenge, as always.
    let reply = Req::get("/protected").cookie(CSRF, "x").send(&a.app).await;
    reply.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
    assert_eq!(a.runs.count(), 0);
}

// ---- CSRF: accepted ------------------------------------------------------------------------

#[tokio::test]
async fn unsafe_cookie_requests_with_csrf_token_and_allowed_origin_are_accepted() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = echo(&session).send(&a.app).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json(), json!({"hello": "world"}));

    // The request's own origin, and a same-origin fetch without Origin, pass too.
    for request in [
        Req::post("/admin/echo")
            .header("host", "api.example.test")
            .header("origin", "https://api.example.test"),
        Req::post("/admin/echo").header("sec-fetch-site", "same-origin"),
        // A client that is not a browser sends neither header; the CSRF token still counts.
        Req::post("/admin/echo"),
    ] {
        let reply = request
            .session(&session)
            .json(&json!({}))
            .send(&a.app)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    assert_eq!(a.runs.count(), 4);
}

#[tokio::test]
async fn the_csrf_token_survives_a_refresh_of_its_session() {
    let a = app().await;
    let first = session_of(&login(&a.app, "alice").await);
    let reply = Req::post("/refresh")
        .header("sec-fetch-site", "same-origin")
        .cookie(REFRESH, &first.refresh)
        .cookie(CSRF, &first.csrf)
        .csrf(&first.csrf)
        .send(&a.app)
        .await;
    let second = session_of(&reply);
    assert_ne!(second.access, first.access);
    assert_ne!(second.csrf, first.csrf);
    // Another tab still holds the first CSRF token: same session, still valid.
    let reply = Req::post("/admin/echo")
        .header("sec-fetch-site", "same-origin")
        .cookie(ACCESS, &second.access)
        .cookie(CSRF, &first.csrf)
        .csrf(&first.csrf)
        .json(&json!({}))
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

// ---- CSRF: refused -------------------------------------------------------------------------

#[tokio::test]
async fn a_missing_csrf_header_is_403() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = Req::post("/admin/echo")
        .header("origin", APP_ORIGIN)
        .cookie(ACCESS, &session.access)
        .cookie(CSRF, &session.csrf)
        .json(&json!({}))
        .send(&a.app)
        .await;
    assert_csrf_refused(&reply, CSRF_MISMATCH);
    // Nor is the header alone enough: it must match the cookie.
    let reply = Req::post("/admin/echo")
        .header("origin", APP_ORIGIN)
        .cookie(ACCESS, &session.access)
        .csrf(&session.csrf)
        .json(&json!({}))
        .send(&a.app)
        .await;
    assert_csrf_refused(&reply, CSRF_MISMATCH);
    assert_eq!(a.runs.count(), 0);
}

#[tokio::test]
async fn a_wrong_csrf_token_is_403() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let forged = format!("{}.{}", "A".repeat(22), "B".repeat(43));
    for (cookie, header) in [
        // Header and cookie differ.
        (session.csrf.as_str(), forged.as_str()),
        // Header and cookie agree, but the token is not signed (naive double submit).
        (forged.as_str(), forged.as_str()),
        ("x", "x"),
    ] {
        let reply = Req::post("/admin/echo")
            .header("origin", APP_ORIGIN)
            .cookie(ACCESS, &session.access)
            .cookie(CSRF, cookie)
            .csrf(header)
            .json(&json!({}))
            .send(&a.app)
            .await;
        assert_csrf_refused(&reply, CSRF_MISMATCH);
    }
    assert_eq!(a.runs.count(), 0);
}

#[tokio::test]
async fn the_csrf_token_of_another_session_is_403() {
    let a = app().await;
    let victim = session_of(&login(&a.app, "alice").await);
    // The attacker's own session (another login, here even the same user) has a valid CSRF
    // token, planted in the victim's browser with a matching header.
    let attacker = session_of(&login(&a.app, "alice").await);
    let reply = Req::post("/admin/echo")
        .header("origin", APP_ORIGIN)
        .cookie(ACCESS, &victim.access)
        .cookie(CSRF, &attacker.csrf)
        .csrf(&attacker.csrf)
        .json(&json!({}))
        .send(&a.app)
        .await;
    assert_csrf_refused(&reply, CSRF_MISMATCH);
    assert_eq!(a.runs.count(), 0);
}

#[tokio::test]
async fn a_bad_origin_is_403_even_with_a_valid_csrf_token() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    for origin in [
        "https://evil.test",
        "null",
        "https://app.example.test.evil.test",
        "http://app.example.test",
    ] {
        let reply = Req::post("/admin/echo")
            .header("origin", origin)
            .session(&session)
            .json(&json!({}))
            .send(&a.app)
            .await;
        assert_csrf_refused(&reply, CROSS_SITE);
    }
    assert_eq!(a.runs.count(), 0);
}

#[tokio::test]
async fn a_cross_site_fetch_without_origin_is_403() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    for site in ["cross-site", "same-site", "none"] {
        let reply = Req::post("/admin/echo")
            .header("sec-fetch-site", site)
            .session(&session)
            .json(&json!({}))
            .send(&a.app)
            .await;
        assert_csrf_refused(&reply, CROSS_SITE);
    }
    assert_eq!(a.runs.count(), 0);
}

#[tokio::test]
async fn header_tokens_need_no_csrf_token() {
    // CSRF is a cookie problem: a request that carries its token in a header cannot be forged.
    let a = app().await;
    let token = common::issue(&a.auth, &common::user("alice", &[common::Role::Admin]));
    let reply = Req::post("/admin/echo")
        .header("origin", "https://evil.test")
        .bearer(&token)
        .json(&json!({}))
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

// ---- one transport per request (HB-03) -----------------------------------------------------

#[tokio::test]
async fn a_header_token_and_an_access_cookie_together_are_400() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = Req::get("/protected")
        .bearer(&session.access)
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    reply.assert_rejected(
        StatusCode::BAD_REQUEST,
        Some(r#"Bearer error="invalid_request""#),
        "invalid_request",
    );
    assert_eq!(
        reply.json()["error_description"],
        "The access token was sent in more than one way"
    );
    // Another scheme is not a token: the cookie is used.
    let reply = Req::get("/protected")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(a.runs.count(), 1);
}

#[tokio::test]
async fn an_access_cookie_sent_twice_is_400() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = Req::get("/protected")
        .cookie(ACCESS, &session.access)
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    reply.assert_rejected(StatusCode::BAD_REQUEST, None, "invalid_request");
    assert_eq!(
        reply.json()["error_description"],
        "An authentication cookie was sent more than once"
    );
}

// ---- login CSRF (CK-06) --------------------------------------------------------------------

#[tokio::test]
async fn a_cross_site_login_is_refused() {
    let a = app().await;
    for (name, value) in [
        ("origin", "https://evil.test"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ] {
        let reply = Req::post("/token")
            .header(name, value)
            .form(&login_body("alice", PASSWORD))
            .send(&a.app)
            .await;
        assert_csrf_refused(&reply, CROSS_SITE);
        assert!(set_cookies(&reply).is_empty());
    }
    // From the app's pages, or from a client that is not a browser: accepted.
    for request in [
        Req::post("/token").header("origin", APP_ORIGIN),
        Req::post("/token").header("sec-fetch-site", "same-origin"),
        Req::post("/token"),
    ] {
        let reply = request
            .form(&login_body("alice", PASSWORD))
            .send(&a.app)
            .await;
        session_of(&reply);
    }
}

#[tokio::test]
async fn a_cross_site_refresh_with_a_body_token_is_refused_too() {
    // Posting the attacker's own refresh token would log the victim's browser into the
    // attacker's session: the origin check covers every endpoint request.
    let a = build(
        |builder| builder.cookies(cookies().tokens_in_body(true)),
        |_| Router::new(),
    )
    .await;
    let attacker = session_of(&login(&a.app, "bob").await);
    let reply = Req::post("/refresh")
        .header("origin", "https://evil.test")
        .form(&format!("refresh_token={}", attacker.refresh))
        .send(&a.app)
        .await;
    assert_csrf_refused(&reply, CROSS_SITE);
}

// ---- refresh and logout from cookies -------------------------------------------------------

fn refresh_request(session: &Session) -> Req {
    Req::post("/refresh")
        .header("origin", APP_ORIGIN)
        .cookie(REFRESH, &session.refresh)
        .cookie(CSRF, &session.csrf)
        .csrf(&session.csrf)
}

#[tokio::test]
async fn refresh_takes_the_refresh_cookie_with_its_csrf_token() {
    let a = app().await;
    let first = session_of(&login(&a.app, "alice").await);
    let reply = refresh_request(&first).send(&a.app).await;
    let second = session_of(&reply);
    assert_ne!(second.refresh, first.refresh);
    let cookies = set_cookies(&reply);
    assert_eq!(cookies.len(), 4);
    assert_eq!(cookies[0].attribute("Max-Age"), Some("900"));
    assert_eq!(reply.json()["csrf_token"], second.csrf);
    let me = Req::get("/protected")
        .cookie(ACCESS, &second.access)
        .send(&a.app)
        .await;
    assert_eq!(me.text(), "id-alice");
    // The spent cookie again: reuse detection, as with a body token.
    let reply = refresh_request(&first).send(&a.app).await;
    support_endpoints::assert_invalid_grant(&reply);
}

#[tokio::test]
async fn refresh_from_the_cookie_without_csrf_is_403_and_spends_nothing() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let other = session_of(&login(&a.app, "bob").await);
    for request in [
        Req::post("/refresh").cookie(REFRESH, &session.refresh),
        Req::post("/refresh")
            .cookie(REFRESH, &session.refresh)
            .cookie(CSRF, &other.csrf)
            .csrf(&other.csrf),
        Req::post("/refresh")
            .cookie(REFRESH, &session.refresh)
            .cookie(CSRF, &session.csrf)
            .csrf(&other.csrf),
    ] {
        let reply = request.send(&a.app).await;
        assert_csrf_refused(&reply, CSRF_MISMATCH);
    }
    // The forged requests neither rotated the token nor set off reuse detection.
    session_of(&refresh_request(&session).send(&a.app).await);
}

#[tokio::test]
async fn a_refresh_token_in_the_body_and_the_cookie_is_400() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = refresh_request(&session)
        .form(&format!("refresh_token={}", session.refresh))
        .send(&a.app)
        .await;
    support_endpoints::assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    // Neither: a missing parameter, as without cookies.
    let reply = Req::post("/refresh").send(&a.app).await;
    support_endpoints::assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn logout_from_cookies_revokes_and_clears_every_cookie() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = Req::post("/logout")
        .header("origin", APP_ORIGIN)
        .cookie(ACCESS, &session.access)
        .cookie(REFRESH, &session.refresh)
        .cookie(CSRF, &session.csrf)
        .csrf(&session.csrf)
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let cleared = set_cookies(&reply);
    let cleared: Vec<(&str, &str)> = cleared
        .iter()
        .map(|c| {
            assert_eq!(c.value, "");
            assert_eq!(c.attribute("Max-Age"), Some("0"));
            assert!(c.has("Secure"));
            (c.name.as_str(), c.attribute("Path").unwrap())
        })
        .collect();
    assert_eq!(
        cleared,
        [
            (ACCESS, "/"),
            (REFRESH, "/refresh"),
            (REFRESH, "/logout"),
            (CSRF, "/")
        ]
    );
    // The family is revoked and the access token of the cookie denylisted.
    support_endpoints::assert_invalid_grant(&refresh_request(&session).send(&a.app).await);
    let reply = Req::get("/protected")
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    support_endpoints::assert_revoked(&reply);
}

#[tokio::test]
async fn logout_from_the_cookie_without_csrf_is_403_and_revokes_nothing() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = Req::post("/logout")
        .cookie(ACCESS, &session.access)
        .cookie(REFRESH, &session.refresh)
        .send(&a.app)
        .await;
    assert_csrf_refused(&reply, CSRF_MISMATCH);
    let reply = Req::get("/protected")
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    session_of(&refresh_request(&session).send(&a.app).await);
}

#[tokio::test]
async fn logout_with_an_unknown_refresh_cookie_clears_the_cookies() {
    let a = app().await;
    let reply = Req::post("/logout")
        .cookie(REFRESH, &"x".repeat(43))
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(set_cookies(&reply).len(), 4);
}

// ---- the layer, and cookies off ------------------------------------------------------------

#[tokio::test]
async fn the_layer_reads_the_cookie_and_checks_csrf() {
    let a = app().await;
    let session = session_of(&login(&a.app, "alice").await);
    let guarded: Router = Router::new()
        .route(
            "/internal",
            get(|| async { "get" }).post(|| async { "post" }),
        )
        .layer(a.auth.layer());
    let reply = common::send(
        &guarded,
        Req::get("/internal")
            .cookie(ACCESS, &session.access)
            .build(),
    )
    .await;
    assert_eq!(reply.text(), "get");
    let reply = common::send(
        &guarded,
        Req::post("/internal")
            .header("origin", APP_ORIGIN)
            .cookie(ACCESS, &session.access)
            .build(),
    )
    .await;
    assert_csrf_refused(&reply, CSRF_MISMATCH);
    let reply = common::send(
        &guarded,
        Req::post("/internal")
            .header("origin", APP_ORIGIN)
            .session(&session)
            .build(),
    )
    .await;
    assert_eq!(reply.text(), "post");
}

#[tokio::test]
async fn with_cookies_off_cookies_are_never_read_and_nothing_changes() {
    let on = app().await;
    let session = session_of(&login(&on.app, "alice").await);
    let off = build(|builder| builder, |_| Router::new()).await;
    // A token that `off` would accept, in the cookie: ignored.
    let token = common::issue(&off.auth, &common::user("alice", &[common::Role::Admin]));
    let reply: Reply = Req::get("/protected")
        .cookie(ACCESS, &token)
        .send(&off.app)
        .await;
    reply.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
    // Header and cookie: the header counts, the cookie is just a cookie.
    let reply = Req::get("/protected")
        .bearer(&token)
        .cookie(ACCESS, &session.access)
        .send(&off.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // Logins set no cookie, answer the four members, and ignore Origin.
    let reply = Req::post("/token")
        .header("origin", "https://evil.test")
        .form(&login_body("alice", PASSWORD))
        .send(&off.app)
        .await;
    support_endpoints::assert_token_response(&reply);
    assert!(set_cookies(&reply).is_empty());
}

#[tokio::test]
async fn cookie_max_ages_follow_the_configured_lifetimes() {
    let a = build(
        |builder| {
            builder
                .cookies(cookies())
                .access_ttl(Duration::from_secs(300))
        },
        |_| Router::new(),
    )
    .await;
    let cookies = set_cookies(&login(&a.app, "alice").await);
    assert_eq!(cookies[0].attribute("Max-Age"), Some("300"));
}

#[test]
fn misconfigurations_are_refused_at_build() {
    let base = || {
        auth::Authenticator::builder()
            .signing_key(common::hs256_key())
            .issuer(common::ISSUER)
            .audience(common::AUDIENCE)
    };
    assert!(base().cookies(CookieConfig::new()).build().is_ok());
    for config in [
        CookieConfig::new().csrf_key(b"short"),
        CookieConfig::new().allowed_origin("app.example.test"),
        CookieConfig::new().allowed_origin("https://app.example.test/path"),
        CookieConfig::new().allowed_origin("*"),
    ] {
        let err = base().cookies(config).build().unwrap_err();
        assert!(
            matches!(err, auth::error::ConfigError::InvalidCookieConfig(_)),
            "{err}"
        );
    }
    // ES256 signs with random nonces: the CSRF key cannot be derived from it.
    let es256 =
        auth::keys::SigningKey::from_pem(auth::keys::Algorithm::ES256, common::key("p256.pem"))
            .unwrap();
    let build = |config: CookieConfig| {
        auth::Authenticator::builder()
            .signing_key(es256.clone())
            .issuer(common::ISSUER)
            .audience(common::AUDIENCE)
            .cookies(config)
            .build()
    };
    assert!(matches!(
        build(CookieConfig::new()),
        Err(auth::error::ConfigError::InvalidCookieConfig(_))
    ));
    assert!(build(CookieConfig::new().csrf_key([7u8; 32])).is_ok());
}
