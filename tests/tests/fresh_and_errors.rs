//! Fresh tokens (`#[protected(fresh)]`, `#[requires_role(.., fresh)]`, `RequireFresh`) and
//! the error-body hook, through the router with `oneshot`: status, `WWW-Authenticate` and
//! body of every answer.

mod common;
mod support_cookies;
mod support_endpoints;

use auth::{Authenticator, RequireFresh, protected, requires_role};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{Reply, Role};
use serde_json::{Value, json};
use support_cookies::*;
use support_endpoints::PASSWORD;

const NOT_FRESH: &str = "A fresh login is required";

#[protected(fresh)]
async fn fresh_only() -> &'static str {
    "fresh"
}

async fn fresh_by_hand(me: RequireFresh) -> String {
    me.subject().to_owned()
}

#[requires_role("admin", fresh)]
async fn admin_fresh() -> &'static str {
    "admin-fresh"
}

/// The same, stacked: the role guard (inserted last) runs first.
#[protected(fresh)]
#[requires_role("admin")]
async fn admin_fresh_stacked() -> &'static str {
    "admin-fresh-stacked"
}

fn routes(auth: &Authenticator) -> Router {
    Router::new()
        .route("/fresh", get(fresh_only))
        .route("/fresh-by-hand", get(fresh_by_hand))
        .route("/admin-fresh", post(admin_fresh))
        .route("/admin-fresh-stacked", post(admin_fresh_stacked))
        .with_state(auth.clone())
}

async fn app() -> Fixture {
    build(|builder| builder, routes).await
}

/// Logs in with a form and returns the pair of the JSON answer.
async fn pair(a: &Fixture, username: &str) -> support_endpoints::Pair {
    let reply = Req::post("/token")
        .form(&support_endpoints::login_body(username, PASSWORD))
        .send(&a.app)
        .await;
    support_endpoints::pair_of(&reply)
}

async fn refreshed(a: &Fixture, pair: &support_endpoints::Pair) -> support_endpoints::Pair {
    let reply = Req::post("/refresh")
        .form(&format!("refresh_token={}", pair.refresh))
        .send(&a.app)
        .await;
    support_endpoints::pair_of(&reply)
}

// ---- fresh tokens --------------------------------------------------------------------------

#[tokio::test]
async fn a_refreshed_token_is_refused_by_a_fresh_only_handler_until_a_new_login() {
    let a = app().await;
    let login = pair(&a, "alice").await;
    for path in ["/fresh", "/fresh-by-hand"] {
        let reply = Req::get(path).bearer(&login.access).send(&a.app).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    }

    let refreshed = refreshed(&a, &login).await;
    // Still a perfectly valid token everywhere else.
    let reply = Req::get("/protected")
        .bearer(&refreshed.access)
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    for path in ["/fresh", "/fresh-by-hand"] {
        let reply = Req::get(path).bearer(&refreshed.access).send(&a.app).await;
        reply.assert_invalid_token(NOT_FRESH);
    }

    let again = pair(&a, "alice").await;
    let reply = Req::get("/fresh").bearer(&again.access).send(&a.app).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "fresh");
}

#[tokio::test]
async fn tokens_carry_fresh_and_with_cookies_a_session_id_stable_across_refreshes() {
    let a = build(
        |builder| builder.cookies(cookies().tokens_in_body(true)),
        routes,
    )
    .await;
    let login = session_of(&support_cookies::login(&a.app, "alice").await);
    let refreshed = session_of(
        &Req::post("/refresh")
            .form(&format!("refresh_token={}", login.refresh))
            .send(&a.app)
            .await,
    );
    let other = session_of(&support_cookies::login(&a.app, "alice").await);
    let verify = |token: &str| a.auth.verify_without_revocation(token).unwrap();
    assert!(verify(&login.access).is_fresh());
    assert!(!verify(&refreshed.access).is_fresh());
    let session = verify(&login.access).session_id().unwrap().to_owned();
    assert_eq!(session.len(), 22);
    assert_eq!(verify(&refreshed.access).session_id(), Some(&*session));
    assert_ne!(verify(&other.access).session_id(), Some(&*session));
    // Without cookies, no `sid`: nothing would read it.
    let plain = app().await;
    let login = pair(&plain, "alice").await;
    let token = plain.auth.verify_without_revocation(&login.access).unwrap();
    assert!(token.is_fresh());
    assert_eq!(token.session_id(), None);
    // Tokens issued by the application: not fresh unless asked for.
    let claims = common::user("carol", &[Role::Viewer]);
    let plain = a.auth.issue(&claims).unwrap().access_token;
    let fresh = a.auth.issue_fresh(&claims).unwrap().access_token;
    assert!(!verify(&plain).is_fresh() && verify(&plain).session_id().is_none());
    assert!(verify(&fresh).is_fresh());
    Req::get("/fresh")
        .bearer(&plain)
        .send(&a.app)
        .await
        .assert_invalid_token(NOT_FRESH);
    let reply = Req::get("/fresh").bearer(&fresh).send(&a.app).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_mistyped_fresh_claim_is_an_invalid_token() {
    let a = app().await;
    for fresh in [json!("true"), json!(1), json!(null)] {
        let token = common::forge(
            &common::good_header(),
            &common::with(common::good_payload(), "fresh", fresh),
        );
        // Fine where freshness is not asked about...
        let reply = Req::get("/protected").bearer(&token).send(&a.app).await;
        assert_eq!(reply.status, StatusCode::OK);
        // ...and invalid where it is: never read as "not fresh" or "fresh".
        let reply = Req::get("/fresh").bearer(&token).send(&a.app).await;
        reply.assert_invalid_token(common::INVALID);
    }
    let token = common::forge(
        &common::good_header(),
        &common::with(common::good_payload(), "fresh", json!(true)),
    );
    let reply = Req::get("/fresh").bearer(&token).send(&a.app).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn fresh_with_a_role_checks_the_role_first() {
    let a = app().await;
    let alice = pair(&a, "alice").await;
    let alice_refreshed = refreshed(&a, &pair(&a, "alice").await).await;
    let bob = pair(&a, "bob").await;
    for path in ["/admin-fresh", "/admin-fresh-stacked"] {
        // Fresh and admin: in.
        let reply = Req::post(path).bearer(&alice.access).send(&a.app).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        // Admin, not fresh: 401, log in again.
        Req::post(path)
            .bearer(&alice_refreshed.access)
            .send(&a.app)
            .await
            .assert_invalid_token(NOT_FRESH);
        // Fresh, not admin: 403; logging in again would not help.
        let reply = Req::post(path).bearer(&bob.access).send(&a.app).await;
        reply.assert_rejected(
            StatusCode::FORBIDDEN,
            Some(r#"Bearer error="insufficient_scope""#),
            "insufficient_scope",
        );
        // Not a token at all: 401 before anything (HB-08).
        Req::post(path)
            .bearer("a.b.c")
            .send(&a.app)
            .await
            .assert_invalid_token(common::INVALID);
        let reply = Req::post(path).send(&a.app).await;
        reply.assert_rejected(
            StatusCode::UNAUTHORIZED,
            Some(r#"Bearer realm="api""#),
            "unauthorized",
        );
    }
}

#[tokio::test]
async fn cookie_logins_are_fresh_too() {
    let a = build(|builder| builder.cookies(cookies()), routes).await;
    let session = session_of(&login(&a.app, "alice").await);
    let reply = Req::get("/fresh")
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = Req::post("/refresh")
        .header("sec-fetch-site", "same-origin")
        .cookie(REFRESH, &session.refresh)
        .cookie(CSRF, &session.csrf)
        .csrf(&session.csrf)
        .send(&a.app)
        .await;
    let refreshed = session_of(&reply);
    Req::get("/fresh")
        .cookie(ACCESS, &refreshed.access)
        .send(&a.app)
        .await
        .assert_invalid_token(NOT_FRESH);
}

// ---- the error-body hook -------------------------------------------------------------------

fn problem(err: &auth::error::AuthError) -> Json<Value> {
    Json(json!({
        "type": format!("https://errors.example.test/{}", err.error_code()),
        "status": err.status().as_u16(),
        "detail": err.description(),
    }))
}

async fn app_with_hook() -> Fixture {
    build(|builder| builder.error_body(problem), routes).await
}

#[track_caller]
fn assert_problem(reply: &Reply, status: StatusCode, challenge: Option<&str>, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.challenge(), challenge);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    let body = reply.json();
    assert_eq!(body["type"], format!("https://errors.example.test/{code}"));
    assert_eq!(body["status"], status.as_u16());
    assert!(body.get("error").is_none(), "{body}");
}

#[tokio::test]
async fn a_custom_error_body_keeps_the_contract_status_and_challenge() {
    let a = app_with_hook().await;
    assert_problem(
        &Req::get("/protected").send(&a.app).await,
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
    let reply = Req::get("/protected").bearer("a.b.c").send(&a.app).await;
    assert_problem(
        &reply,
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer error="invalid_token", error_description="The access token is invalid""#),
        "invalid_token",
    );
    assert_eq!(reply.json()["detail"], "The access token is invalid");
    assert_problem(
        &Req::get("/protected")
            .header("authorization", "Bearer a,b")
            .send(&a.app)
            .await,
        StatusCode::BAD_REQUEST,
        Some(r#"Bearer error="invalid_request""#),
        "invalid_request",
    );
    let bob = pair(&a, "bob").await;
    assert_problem(
        &Req::get("/admin").bearer(&bob.access).send(&a.app).await,
        StatusCode::FORBIDDEN,
        Some(r#"Bearer error="insufficient_scope""#),
        "insufficient_scope",
    );
    let refreshed = refreshed(&a, &pair(&a, "alice").await).await;
    assert_problem(
        &Req::get("/fresh")
            .bearer(&refreshed.access)
            .send(&a.app)
            .await,
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer error="invalid_token", error_description="A fresh login is required""#),
        "invalid_token",
    );
}

#[tokio::test]
async fn the_endpoints_and_the_layer_use_the_hook_too() {
    let a = app_with_hook().await;
    let reply = Req::post("/token")
        .form(&support_endpoints::login_body("alice", "wrong password"))
        .send(&a.app)
        .await;
    assert_problem(&reply, StatusCode::BAD_REQUEST, None, "invalid_grant");
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(reply.headers[header::PRAGMA], "no-cache");
    let reply = Req::post("/token")
        .form("grant_type=client_credentials")
        .send(&a.app)
        .await;
    assert_problem(
        &reply,
        StatusCode::BAD_REQUEST,
        None,
        "unsupported_grant_type",
    );

    let layered: Router = Router::new()
        .route("/internal", get(|| async { "ok" }))
        .layer(a.auth.layer());
    let reply = common::send(&layered, Req::get("/internal").build()).await;
    assert_problem(
        &reply,
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
}

#[tokio::test]
async fn the_hook_cannot_change_the_status_or_the_challenge() {
    let a = build(
        |builder| {
            builder.error_body(|err: &auth::error::AuthError| {
                (
                    StatusCode::IM_A_TEAPOT,
                    [
                        (header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic")),
                        (
                            header::HeaderName::from_static("x-error"),
                            HeaderValue::from_static("yes"),
                        ),
                    ],
                    format!("refused: {}", err.error_code()),
                )
                    .into_response()
            })
        },
        routes,
    )
    .await;
    let reply = Req::get("/protected").send(&a.app).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="api""#));
    assert_eq!(reply.text(), "refused: unauthorized");
    assert_eq!(reply.headers["x-error"], "yes");
    assert!(
        reply.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    // No challenge where the contract has none: the hook's is removed.
    let reply = Req::post("/token")
        .form(&support_endpoints::login_body("alice", "wrong"))
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.challenge(), None);
    assert_eq!(reply.text(), "refused: invalid_grant");
}

#[tokio::test]
async fn without_a_hook_the_body_is_the_contract_json() {
    let a = app().await;
    let reply = Req::get("/protected").send(&a.app).await;
    reply.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
    assert_eq!(
        reply.json(),
        json!({"error": "unauthorized", "error_description": "Authentication is required"})
    );
}
