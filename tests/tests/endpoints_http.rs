//! The token endpoints through the router with `oneshot`: the HTTP contract (`auth::error`) and
//! security manual, LG-01..LG-08, RT-01..RT-08, RV-01..RV-04, on the in-memory store.

mod common;
mod support_endpoints;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use auth::endpoints::{Endpoints, EndpointsError, Limit, ThrottleConfig};
use auth::password::{HashParams, PasswordConfig, Passwords};
use auth::store::{
    AccessGrant, BoxFuture, NewFamily, RefreshInfo, RefreshStore, Rotation, StoreError, Successor,
    TokenHash,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Reply, Role, UserClaims};
use serde_json::json;
use support_endpoints::*;

// ---- login ---------------------------------------------------------------------------------

#[tokio::test]
async fn login_with_a_form_returns_a_token_pair_that_works() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    let reply = h.protected(&pair.access).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "id-alice");
    let me = h.send(common::get_bearer("/me", &pair.access)).await;
    let claims: UserClaims = serde_json::from_slice(&me.body).unwrap();
    assert_eq!(claims, common::user("id-alice", &[Role::Admin]));
}

#[tokio::test]
async fn login_with_json_returns_a_token_pair() {
    let h = Setup::default().build().await;
    let reply = h
        .send(json(
            "/token",
            &json!({"username": "bob", "password": PASSWORD}),
        ))
        .await;
    let pair = pair_of(&reply);
    assert_eq!(h.protected(&pair.access).await.text(), "id-bob");
    let reply = h
        .send(json(
            "/token",
            &json!({"grant_type": "password", "username": "bob", "password": PASSWORD}),
        ))
        .await;
    assert_token_response(&reply);
}

#[tokio::test]
async fn form_without_grant_type_is_a_password_login_as_fastapi_sends_it() {
    let h = Setup::default().build().await;
    let body = format!(
        "username=alice&password={}&scope=&client_id=",
        encode(PASSWORD)
    );
    assert_token_response(&h.send(form("/token", &body)).await);
    // `scope` and unknown parameters are ignored
    let body = format!("{}&scope=read+write&foo=bar", login_body("alice", PASSWORD));
    assert_token_response(&h.send(form("/token", &body)).await);
}

#[tokio::test]
async fn content_type_parameters_and_case_are_accepted() {
    let h = Setup::default().build().await;
    for content_type in [
        "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-Urlencoded",
    ] {
        let request = Request::post("/token")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(login_body("alice", PASSWORD)))
            .unwrap();
        assert_token_response(&h.send(request).await);
    }
}

#[tokio::test]
async fn every_credential_failure_gets_a_byte_identical_invalid_grant() {
    let h = Setup::default().build().await;
    h.users.add("dave", &[Role::Viewer], "not a PHC string");
    h.users.add(
        "erin",
        &[Role::Viewer],
        "$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhcw",
    );
    let replies = [
        h.login("alice", "wrong password").await, // wrong password
        h.login("mallory", PASSWORD).await,       // unknown user
        h.login("carol", PASSWORD).await,         // disabled, right password
        h.login("carol", "wrong").await,          // disabled, wrong password
        h.login("dave", PASSWORD).await,          // corrupt stored hash (PW-06)
        h.login("erin", PASSWORD).await,          // stored params above the ceiling (PW-04)
    ];
    let first = &replies[0];
    assert_invalid_grant(first);
    for reply in &replies[1..] {
        assert_eq!(reply.status, first.status);
        let strip = |r: &Reply| {
            let mut headers = r.headers.clone();
            headers.remove(header::DATE);
            headers
        };
        assert_eq!(strip(reply), strip(first));
        assert_eq!(reply.body, first.body);
    }
    assert_eq!(
        first.text(),
        r#"{"error":"invalid_grant","error_description":"The credentials or the refresh token are invalid"}"#
    );
}

#[tokio::test]
async fn unsupported_grant_types_are_400_unsupported_grant_type() {
    let h = Setup::default().build().await;
    for grant in [
        "client_credentials",
        "authorization_code",
        "PASSWORD",
        "Password",
    ] {
        let body = format!(
            "grant_type={grant}&username=alice&password={}",
            encode(PASSWORD)
        );
        let reply = h.send(form("/token", &body)).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let reply = h
        .send(form("/refresh", "grant_type=password&refresh_token=x"))
        .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unsupported_grant_type");
}

#[tokio::test]
async fn missing_or_empty_parameters_are_400_invalid_request() {
    let h = Setup::default().build().await;
    for body in [
        "grant_type=password&password=x",
        "grant_type=password&username=alice",
        "grant_type=password&username=alice&password=",
        "grant_type=password&username=&password=x",
        "grant_type=password&username=alice&password",
        "",
        "grant_type=refresh_token",
        "grant_type=refresh_token&refresh_token=",
    ] {
        let reply = h.send(form("/token", body)).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(
            reply.json()["error_description"],
            "A required parameter is missing"
        );
    }
    for path in ["/refresh", "/logout"] {
        let reply = h.send(form(path, "refresh_token=")).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
        let reply = h.send(json(path, &json!({}))).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn a_repeated_parameter_is_400_invalid_request() {
    let h = Setup::default().build().await;
    for body in [
        format!("{}&password=other", login_body("alice", PASSWORD)),
        format!("{}&username=alice", login_body("alice", PASSWORD)),
        format!("{}&grant_type=password", login_body("alice", PASSWORD)),
        format!("{}&scope=a&scope=b", login_body("alice", PASSWORD)),
    ] {
        let reply = h.send(form("/token", &body)).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(
            reply.json()["error_description"],
            "A parameter was sent more than once"
        );
    }
    let raw = format!(r#"{{"username":"alice","password":"{PASSWORD}","password":"x"}}"#);
    let request = Request::post("/token")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(raw))
        .unwrap();
    assert_oauth_error(
        &h.send(request).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    let reply = h
        .send(form("/refresh", "refresh_token=a&refresh_token=b"))
        .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn other_content_types_are_415_in_json() {
    let h = Setup::default().build().await;
    for content_type in [
        Some("text/plain"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = Request::post("/token");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request
            .body(Body::from(login_body("alice", PASSWORD)))
            .unwrap();
        let reply = h.send(request).await;
        assert_oauth_error(
            &reply,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
        );
    }
}

#[tokio::test]
async fn an_empty_body_without_content_type_is_a_missing_parameter() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    // (a logout with the access token alone is a logout: see `logout_with_the_access_token_*`)
    for path in ["/token", "/refresh"] {
        let request = Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", pair.access))
            .body(Body::empty())
            .unwrap();
        let reply = h.send(request).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn malformed_bodies_are_400_invalid_request() {
    let h = Setup::default().build().await;
    for body in ["username=alice&password=%zz", "username=%FF&password=x"] {
        let reply = h.send(form("/token", body)).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    for body in ["{", "[]", r#"{"username":"alice","password":42}"#, "null"] {
        let request = Request::post("/token")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let reply = h.send(request).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn bodies_over_16_kib_are_413() {
    let h = Setup::default().build().await;
    let padding = "x".repeat(16 * 1024);
    let body = format!("{}&pad={padding}", login_body("alice", PASSWORD));
    let reply = h.send(form("/token", &body)).await;
    assert_oauth_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");
    // a declared length over the limit is refused before the body is read
    let mut request = form("/refresh", "refresh_token=x");
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, "1000000".parse().unwrap());
    let reply = h.send(request).await;
    assert_oauth_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");
    // just under the limit is fine
    let body = login_body("alice", PASSWORD);
    let body = format!("{body}&pad={}", "x".repeat(16 * 1024 - body.len() - 5));
    assert_eq!(body.len(), 16 * 1024);
    assert_token_response(&h.send(form("/token", &body)).await);
}

#[tokio::test]
async fn passwords_over_1_kib_are_400_and_up_to_1_kib_work() {
    let h = Setup::default().build().await;
    let long = "é".repeat(512); // 1024 bytes
    let hash = h.endpoints.passwords().hash(&long).await.unwrap();
    h.users.set_hash("bob", &hash);
    assert_token_response(&h.login("bob", &long).await);
    let too_long = format!("{long}x");
    let reply = h.login("bob", &too_long).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(
        reply.json()["error_description"],
        "The password is too long"
    );
    // the same for an unknown user: nothing is revealed
    let reply = h.login("nobody", &too_long).await;
    assert_eq!(
        reply.json()["error_description"],
        "The password is too long"
    );
}

#[tokio::test]
async fn endpoints_answer_only_post() {
    let h = Setup::default().build().await;
    for path in ["/token", "/refresh", "/logout"] {
        let reply = h
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
    }
}

#[tokio::test]
async fn paths_are_configurable() {
    let h = Setup::default()
        .configure(|b| {
            b.token_path("/auth/token")
                .refresh_path("/auth/refresh")
                .logout_path("/auth/logout")
        })
        .build()
        .await;
    let reply = h
        .send(form("/auth/token", &login_body("alice", PASSWORD)))
        .await;
    let pair = pair_of(&reply);
    let reply = h
        .send(form(
            "/auth/refresh",
            &format!("refresh_token={}", pair.refresh),
        ))
        .await;
    assert_token_response(&reply);
    assert_eq!(
        h.login("alice", PASSWORD).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn invalid_configurations_are_refused() {
    let auth = common::authenticator();
    let passwords = Passwords::new(PasswordConfig::default().params(CHEAP)).unwrap();
    let builder =
        || Endpoints::builder(auth.clone(), Users::default()).passwords(passwords.clone());
    for (builder, expected) in [
        (builder().token_path("token"), "InvalidPath"),
        (builder().refresh_path("/token"), "InvalidPath"),
        (builder().logout_path("/{id}"), "InvalidPath"),
        (
            builder().refresh_idle_ttl(Duration::from_secs(31 * 24 * 3600)),
            "RefreshTtl",
        ),
        (builder().refresh_ttl(Duration::ZERO), "RefreshTtl"),
        (builder().body_limit(0), "BodyLimit"),
    ] {
        let err: EndpointsError = builder.build().unwrap_err();
        assert!(format!("{err:?}").starts_with(expected), "{err:?}");
    }
    assert!(Passwords::new(PasswordConfig::default().max_concurrency(0)).is_err());
    let bad = HashParams {
        memory_kib: 1,
        iterations: 1,
        parallelism: 1,
    };
    assert!(Passwords::new(PasswordConfig::default().params(bad)).is_err());
}

// ---- refresh -------------------------------------------------------------------------------

#[tokio::test]
async fn refresh_rotates_the_pair_and_spends_the_old_token() {
    let h = Setup::default().build().await;
    let first = h.pair("alice").await;
    let second = pair_of(&h.refresh(&first.refresh).await);
    assert_ne!(second.refresh, first.refresh);
    assert_ne!(second.access, first.access);
    assert_eq!(h.protected(&second.access).await.status, StatusCode::OK);
    // JSON, and the refresh grant of /token, rotate too
    let third = pair_of(
        &h.send(json("/refresh", &json!({"refresh_token": second.refresh})))
            .await,
    );
    let body = format!("grant_type=refresh_token&refresh_token={}", third.refresh);
    let fourth = pair_of(&h.send(form("/token", &body)).await);
    let reply = h
        .send(json(
            "/token",
            &json!({"grant_type": "refresh_token", "refresh_token": fourth.refresh}),
        ))
        .await;
    assert_token_response(&reply);
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_whole_family() {
    let h = Setup::default().build().await;
    let first = h.pair("alice").await;
    let second = pair_of(&h.refresh(&first.refresh).await);
    let other_session = h.pair("alice").await;

    // the attacker (or the victim) presents the spent token
    assert_invalid_grant(&h.refresh(&first.refresh).await);
    // the newer token of the family dies too
    assert_invalid_grant(&h.refresh(&second.refresh).await);
    // and so do the family's access tokens (RV-01), the newest and the older one
    assert_revoked(&h.protected(&second.access).await);
    assert_revoked(&h.protected(&first.access).await);
    // another login of the same user is another family, untouched
    assert_eq!(
        h.protected(&other_session.access).await.status,
        StatusCode::OK
    );
    assert_token_response(&h.refresh(&other_session.refresh).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_refreshes_of_one_token_yield_exactly_one_success() {
    let h = Arc::new(Setup::default().build().await);
    let pair = h.pair("alice").await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let h = h.clone();
            let token = pair.refresh.clone();
            tokio::spawn(async move { h.refresh(&token).await })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        if reply.status == StatusCode::OK {
            ok += 1;
        } else {
            assert_invalid_grant(&reply);
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn an_access_token_is_never_a_refresh_token() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    assert_invalid_grant(&h.refresh(&pair.access).await);
    assert_invalid_grant(&h.refresh(&"A".repeat(43)).await);
    assert_invalid_grant(&h.refresh("not-a-token").await);
    // and a refresh token is never an access token
    let reply = h
        .send(common::get_with(
            "/protected",
            Some(format!("Bearer {}", pair.refresh).as_bytes()),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn roles_are_read_again_at_every_refresh() {
    let h = Setup::default().build().await;
    let pair = h.pair("bob").await;
    h.users.set_roles("bob", &[Role::Editor]);
    let pair = pair_of(&h.refresh(&pair.refresh).await);
    let me = h.send(common::get_bearer("/me", &pair.access)).await;
    assert_eq!(me.json()["roles"], json!(["editor"]));
}

#[tokio::test]
async fn a_disabled_users_refresh_fails_and_revokes_the_family() {
    let h = Setup::default().build().await;
    let pair = h.pair("bob").await;
    h.users.set_disabled("bob", true);
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
    assert_revoked(&h.protected(&pair.access).await);
    h.users.set_disabled("bob", false);
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
}

#[tokio::test]
async fn a_deleted_users_refresh_fails() {
    let h = Setup::default().build().await;
    let pair = h.pair("bob").await;
    h.users.remove("bob");
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
}

#[tokio::test]
async fn refresh_tokens_expire_when_idle_and_absolutely() {
    let h = Setup::default()
        .configure(|b| {
            b.refresh_ttl(Duration::from_secs(10 * 86400))
                .refresh_idle_ttl(Duration::from_secs(3 * 86400))
        })
        .build()
        .await;
    // idle: unused for longer than 3 days
    let idle = h.pair("alice").await;
    // absolute: used every 2 days, dead after 10
    let mut busy = h.pair("bob").await;
    for _ in 0..4 {
        h.clock.advance(Duration::from_secs(2 * 86400));
        busy = pair_of(&h.refresh(&busy.refresh).await);
    }
    assert_invalid_grant(&h.refresh(&idle.refresh).await);
    h.clock.advance(Duration::from_secs(2 * 86400 + 1));
    assert_invalid_grant(&h.refresh(&busy.refresh).await);
}

// ---- logout --------------------------------------------------------------------------------

#[tokio::test]
async fn logout_revokes_the_family_and_denylists_the_access_tokens() {
    let h = Setup::default().build().await;
    let first = h.pair("alice").await;
    let second = pair_of(&h.refresh(&first.refresh).await);
    let reply = h.logout(&second).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    assert_invalid_grant(&h.refresh(&second.refresh).await);
    assert_revoked(&h.protected(&second.access).await);
    // the family's older access token, still within its lifetime, is denylisted too
    assert_revoked(&h.protected(&first.access).await);
}

#[tokio::test]
async fn logout_takes_json_and_works_without_an_access_token() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    let reply = h
        .send(json("/logout", &json!({"refresh_token": pair.refresh})))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
    // the family's access token is denylisted through the store's record
    assert_revoked(&h.protected(&pair.access).await);
}

#[tokio::test]
async fn logout_answers_204_for_unknown_or_malformed_refresh_tokens() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    for token in ["A".repeat(43), "garbage".into(), pair.access.clone()] {
        let reply = h
            .send(form("/logout", &format!("refresh_token={token}")))
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{token}");
    }
    // an invalid access token next to it is ignored
    let mut request = form("/logout", &format!("refresh_token={}", "B".repeat(43)));
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, "Bearer a.b.c".parse().unwrap());
    assert_eq!(h.send(request).await.status, StatusCode::NO_CONTENT);
    assert_token_response(&h.refresh(&pair.refresh).await);
}

#[tokio::test]
async fn without_a_revocation_list_logout_still_ends_the_refresh_family() {
    let h = Setup::default().no_revocation().build().await;
    let pair = h.pair("alice").await;
    assert_eq!(h.logout(&pair).await.status, StatusCode::NO_CONTENT);
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
    // stateless access tokens live until they expire
    assert_eq!(h.protected(&pair.access).await.status, StatusCode::OK);
}

// ---- logout with the access token alone (security manual, RV-06) ---------------------------

#[tokio::test]
async fn logout_with_the_access_token_alone_ends_its_session() {
    let h = Setup::default().build().await;
    let first = h.pair("alice").await;
    let second = pair_of(&h.refresh(&first.refresh).await);
    let elsewhere = h.pair("alice").await;
    let reply = h.logout_with_access_token(&second.access).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert!(reply.body.is_empty());
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    // the token, the refresh token of its session and the session's older access token
    assert_revoked(&h.protected(&second.access).await);
    assert_invalid_grant(&h.refresh(&second.refresh).await);
    assert_revoked(&h.protected(&first.access).await);
    // the user's other session, and other users, are untouched
    assert_eq!(h.protected(&elsewhere.access).await.status, StatusCode::OK);
    assert_token_response(&h.refresh(&elsewhere.refresh).await);

    // a form or JSON body without a refresh token is the same request
    for body in [form("/logout", ""), json("/logout", &json!({}))] {
        let pair = h.pair("bob").await;
        let mut request = body;
        request.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {}", pair.access).parse().unwrap(),
        );
        assert_eq!(h.send(request).await.status, StatusCode::NO_CONTENT);
        assert_invalid_grant(&h.refresh(&pair.refresh).await);
    }
}

#[tokio::test]
async fn logout_with_the_access_token_alone_needs_a_valid_one() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    // no token at all: nothing to log out of
    let reply = h.send(form("/logout", "")).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    // a malformed header is a malformed request, as on any protected route
    let request = Request::post("/logout")
        .header(header::AUTHORIZATION, "Bearer a b")
        .body(Body::empty())
        .unwrap();
    assert_eq!(h.send(request).await.status, StatusCode::BAD_REQUEST);
    // a token that does not verify is 401, and the session lives on
    h.logout_with_access_token("eyJhbGciOiJIUzI1NiJ9.e30.AAAA")
        .await
        .assert_invalid_token("The access token is invalid");
    assert_token_response(&h.refresh(&pair.refresh).await);
    // logged out once, the token is revoked: a second logout is refused like any request
    let pair = h.pair("bob").await;
    assert_eq!(
        h.logout_with_access_token(&pair.access).await.status,
        StatusCode::NO_CONTENT
    );
    assert_revoked(&h.logout_with_access_token(&pair.access).await);
}

#[tokio::test]
async fn logout_with_an_access_token_the_endpoints_did_not_issue_revokes_only_that_token() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    // same key and issuer, but no session: minted directly (as a test or a batch job would)
    let minted = auth::testing::token(&h.auth, "id-alice", [Role::Admin]);
    assert_eq!(h.protected(&minted).await.status, StatusCode::OK);
    assert_eq!(
        h.logout_with_access_token(&minted).await.status,
        StatusCode::NO_CONTENT
    );
    assert_revoked(&h.protected(&minted).await);
    assert_eq!(h.protected(&pair.access).await.status, StatusCode::OK);
    assert_token_response(&h.refresh(&pair.refresh).await);
}

#[tokio::test]
async fn logout_with_the_access_token_alone_without_a_revocation_list_still_ends_the_family() {
    let h = Setup::default().no_revocation().build().await;
    let pair = h.pair("alice").await;
    assert_eq!(
        h.logout_with_access_token(&pair.access).await.status,
        StatusCode::NO_CONTENT
    );
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
}

#[tokio::test]
async fn logout_with_the_access_token_alone_fails_closed_on_a_store_that_cannot_look_it_up() {
    // `Down` implements no `lookup_access`: the default refuses instead of leaving the
    // session's refresh tokens alive.
    let h = Setup::default().configure(|b| b.store(Down)).build().await;
    let access = auth::testing::token(&h.auth, "id-alice", [Role::Admin]);
    let reply = h.logout_with_access_token(&access).await;
    assert_oauth_error(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    );
}

#[tokio::test]
async fn revoke_user_ends_every_session_of_the_user() {
    let h = Setup::default().build().await;
    let phone = h.pair("alice").await;
    let laptop = h.pair("alice").await;
    let bob = h.pair("bob").await;
    h.endpoints.revoke_user("id-alice").await.unwrap();
    for pair in [&phone, &laptop] {
        assert_invalid_grant(&h.refresh(&pair.refresh).await);
        assert_revoked(&h.protected(&pair.access).await);
    }
    assert_token_response(&h.refresh(&bob.refresh).await);
}

// ---- passwords -----------------------------------------------------------------------------

#[tokio::test]
async fn an_outdated_hash_is_upgraded_at_login() {
    let h = Setup::default().build().await;
    let old = HashParams {
        memory_kib: 512,
        iterations: 2,
        parallelism: 1,
    };
    let legacy = Passwords::new(PasswordConfig::default().params(old)).unwrap();
    let stored = legacy.hash(PASSWORD).await.unwrap();
    assert!(stored.starts_with("$argon2id$v=19$m=512,t=2,p=1$"));
    h.users.set_hash("bob", &stored);
    assert!(h.endpoints.passwords().needs_rehash(&stored));

    // a failed login changes nothing
    assert_invalid_grant(&h.login("bob", "wrong").await);
    assert_eq!(h.users.hash_of("bob"), stored);

    assert_token_response(&h.login("bob", PASSWORD).await);
    let upgraded = h.users.hash_of("bob");
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
        "{upgraded}"
    );
    assert!(!h.endpoints.passwords().needs_rehash(&upgraded));
    assert_token_response(&h.login("bob", PASSWORD).await);
    assert_eq!(h.users.hash_of("bob"), upgraded);
}

#[tokio::test]
async fn verification_reports_matches_and_rehash_needs() {
    let h = Setup::default().build().await;
    let passwords = h.endpoints.passwords();
    let current = passwords.hash(PASSWORD).await.unwrap();
    assert!(!passwords.needs_rehash(&current));
    let check = passwords.verify(PASSWORD, &current).await.unwrap();
    assert!(check.matched() && !check.needs_rehash());
    let check = passwords.verify("wrong", &current).await.unwrap();
    assert!(!check.matched() && !check.needs_rehash());
    let corrupt = passwords
        .verify(PASSWORD, "$argon2id$garbage")
        .await
        .unwrap();
    assert!(!corrupt.matched());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_beyond_the_hashing_slots_fail_fast_with_429() {
    let config = PasswordConfig::default() // OWASP parameters: about 25 ms a hash
        .max_concurrency(1)
        .max_wait(Duration::from_millis(5));
    let h = Arc::new(Setup::default().passwords(config).build().await);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move { h.login("alice", PASSWORD).await })
        })
        .collect();
    let (mut ok, mut busy) = (0, 0);
    for task in tasks {
        let reply = task.await.unwrap();
        if reply.status == StatusCode::OK {
            ok += 1;
        } else {
            assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
            busy += 1;
        }
    }
    assert!(ok >= 1 && busy >= 1, "{ok} ok, {busy} busy");
}

// ---- throttling ----------------------------------------------------------------------------

const HOME: [u8; 4] = [192, 0, 2, 1];
const ATTACKER: [u8; 4] = [203, 0, 113, 9];
const SPRAYER: [u8; 4] = [203, 0, 113, 77];

fn tight_throttle() -> ThrottleConfig {
    ThrottleConfig::default()
        .per_account_and_address(Limit::new(
            3,
            Duration::from_secs(10),
            Duration::from_secs(60),
        ))
        .per_account(Limit::new(
            8,
            Duration::from_secs(10),
            Duration::from_secs(60),
        ))
        .per_address(Limit::new(
            20,
            Duration::from_secs(10),
            Duration::from_secs(60),
        ))
}

async fn login_from(h: &Harness, username: &str, password: &str, ip: [u8; 4]) -> Reply {
    h.send(from_address(
        form("/token", &login_body(username, password)),
        ip,
    ))
    .await
}

#[tokio::test]
async fn repeated_failures_are_throttled_alike_for_known_and_unknown_accounts() {
    let h = Setup::default().throttle(tight_throttle()).build().await;
    let mut answers = Vec::new();
    for username in ["alice", "nobody"] {
        for _ in 0..4 {
            assert_invalid_grant(&login_from(&h, username, "guess", ATTACKER).await);
        }
        let reply = login_from(&h, username, "guess", ATTACKER).await;
        assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
        let retry_after = reply.retry_after();
        // A 10 s block, counted in whole seconds and never shorter.
        assert!((10..=11).contains(&retry_after), "{retry_after}");
        answers.push(reply);
    }
    // the throttled answers do not tell an existing account from an unknown one (but for
    // `Retry-After`, if a second passed in between)
    let strip = |reply: &Reply| {
        let mut headers = reply.headers.clone();
        headers.remove(header::RETRY_AFTER);
        headers
    };
    assert_eq!(strip(&answers[0]), strip(&answers[1]));
    assert_eq!(answers[0].body, answers[1].body);
    // while blocked, even the right password is refused from there, without being checked
    let reply = login_from(&h, "alice", PASSWORD, ATTACKER).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    // the victim logs in from elsewhere
    assert_token_response(&login_from(&h, "alice", PASSWORD, [192, 0, 2, 1]).await);
    // and the block ends
    h.clock.advance(Duration::from_secs(11));
    assert_token_response(&login_from(&h, "alice", PASSWORD, ATTACKER).await);
}

#[tokio::test]
async fn an_attack_from_many_addresses_does_not_lock_out_a_known_device() {
    let h = Setup::default().throttle(tight_throttle()).build().await;
    assert_token_response(&login_from(&h, "alice", PASSWORD, HOME).await);
    let mut throttled = 0;
    for i in 0..30 {
        let reply = login_from(&h, "alice", "guess", [198, 51, 100, i]).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            throttled += 1;
        }
    }
    // the per-account limit kicked in for the attacking addresses ...
    assert!(throttled >= 20, "{throttled}");
    assert_eq!(
        login_from(&h, "alice", PASSWORD, [198, 51, 100, 200])
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ... but alice still logs in where she logged in before
    assert_token_response(&login_from(&h, "alice", PASSWORD, HOME).await);
    // and other accounts are not affected
    assert_token_response(&login_from(&h, "bob", PASSWORD, [198, 51, 100, 1]).await);
}

#[tokio::test]
async fn one_address_spraying_many_accounts_is_throttled() {
    let h = Setup::default().throttle(tight_throttle()).build().await;
    let mut statuses = Vec::new();
    for i in 0..25 {
        statuses.push(
            login_from(&h, &format!("user{i}"), "Summer2024!", SPRAYER)
                .await
                .status,
        );
    }
    assert!(statuses[..21].iter().all(|&s| s == StatusCode::BAD_REQUEST));
    assert!(
        statuses[21..]
            .iter()
            .all(|&s| s == StatusCode::TOO_MANY_REQUESTS)
    );
}

#[tokio::test]
async fn without_connect_info_logins_are_throttled_per_account() {
    let h = Setup::default().throttle(tight_throttle()).build().await;
    for _ in 0..9 {
        assert_invalid_grant(&h.login("bob", "guess").await);
    }
    assert_eq!(
        h.login("bob", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_token_response(&h.login("alice", PASSWORD).await);
}

#[tokio::test]
async fn a_success_clears_the_pair_counter() {
    let h = Setup::default().throttle(tight_throttle()).build().await;
    for _ in 0..3 {
        assert_invalid_grant(&login_from(&h, "bob", "typo", HOME).await);
    }
    assert_token_response(&login_from(&h, "bob", PASSWORD, HOME).await);
    for _ in 0..3 {
        assert_invalid_grant(&login_from(&h, "bob", "typo", HOME).await);
    }
}

#[tokio::test]
async fn attempts_that_could_not_be_checked_are_not_counted() {
    let h = Setup::default().throttle(tight_throttle()).build().await;
    h.users.down.store(true, Ordering::SeqCst);
    for _ in 0..10 {
        let reply = login_from(&h, "alice", PASSWORD, HOME).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    }
    h.users.down.store(false, Ordering::SeqCst);
    assert_token_response(&login_from(&h, "alice", PASSWORD, HOME).await);
}

// ---- failing stores (RV-04) ----------------------------------------------------------------

/// A refresh store that is down.
struct Down;

impl RefreshStore for Down {
    fn insert<'a>(&'a self, _: &'a NewFamily, _: u64) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn lookup<'a>(
        &'a self,
        _: &'a TokenHash,
        _: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn rotate<'a>(
        &'a self,
        _: &'a TokenHash,
        _: &'a Successor,
        _: u64,
    ) -> BoxFuture<'a, Result<Rotation, StoreError>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn revoke_family<'a>(
        &'a self,
        _: &'a str,
        _: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn revoke_subject<'a>(
        &'a self,
        _: &'a str,
        _: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
}

#[tokio::test]
async fn unreachable_stores_fail_closed_with_503() {
    let h = Setup::default().configure(|b| b.store(Down)).build().await;
    let reply = h.login("alice", PASSWORD).await;
    assert_oauth_error(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    );
    let reply = h.refresh(&"A".repeat(43)).await;
    assert_oauth_error(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    );
    let reply = h
        .send(form(
            "/logout",
            &format!("refresh_token={}", "A".repeat(43)),
        ))
        .await;
    assert_oauth_error(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    );

    let h = Setup::default().build().await;
    h.users.down.store(true, Ordering::SeqCst);
    let reply = h.login("alice", PASSWORD).await;
    assert_oauth_error(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    );
}

#[tokio::test]
async fn a_refresh_while_the_user_store_is_down_keeps_the_token() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    h.users.down.store(true, Ordering::SeqCst);
    let reply = h.refresh(&pair.refresh).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    h.users.down.store(false, Ordering::SeqCst);
    assert_token_response(&h.refresh(&pair.refresh).await);
}

#[tokio::test]
async fn the_memory_store_is_the_default() {
    let auth = common::authenticator();
    let passwords = Passwords::new(PasswordConfig::default().params(CHEAP)).unwrap();
    let users = Users::default();
    users.add(
        "alice",
        &[Role::Admin],
        &passwords.hash(PASSWORD).await.unwrap(),
    );
    let endpoints = Endpoints::builder(auth, users)
        .passwords(passwords)
        .build()
        .unwrap();
    let app: axum::Router = endpoints.router();
    let reply = common::send(&app, form("/token", &login_body("alice", PASSWORD))).await;
    let pair = pair_of(&reply);
    let reply = common::send(
        &app,
        form("/refresh", &format!("refresh_token={}", pair.refresh)),
    )
    .await;
    assert_token_response(&reply);
}
