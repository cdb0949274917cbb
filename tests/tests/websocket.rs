//! WebSocket upgrades (`auth::transport::websocket`) with `oneshot`: the query token is accepted only
//! when turned on and only on an upgrade request (HB-02 otherwise holds), one transport per
//! request, and the origin check of a cookie-authenticated upgrade. No real socket: the
//! handler sees the handshake's head, which is all authentication needs.

mod common;
mod support_cookies;
mod support_endpoints;

use auth::transport::websocket::WebSocketConfig;
use auth::{Authenticated, AuthenticatorBuilder};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::{Reply, Role};
use support_cookies::*;

async fn ws(me: Authenticated) -> String {
    me.subject().to_owned()
}

async fn app(configure: impl FnOnce(AuthenticatorBuilder) -> AuthenticatorBuilder) -> Fixture {
    build(configure, |auth| {
        Router::new()
            .route("/ws", get(ws).post(ws))
            .with_state(auth.clone())
    })
    .await
}

fn token(a: &Fixture) -> String {
    common::issue(&a.auth, &common::user("alice", &[Role::Viewer]))
}

/// `GET path` with the headers of an RFC 6455 handshake.
fn upgrade(path: &str) -> Req {
    Req::get(path)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-version", "13")
}

#[track_caller]
fn assert_no_credentials(reply: &Reply) {
    reply.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
}

#[track_caller]
fn assert_invalid_request(reply: &Reply, challenge: Option<&str>) {
    reply.assert_rejected(StatusCode::BAD_REQUEST, challenge, "invalid_request");
}

#[tokio::test]
async fn the_query_token_is_refused_when_not_turned_on() {
    let a = app(|builder| builder).await;
    let token = token(&a);
    let reply = upgrade(&format!("/ws?access_token={token}"))
        .send(&a.app)
        .await;
    assert_no_credentials(&reply);
    // The header still works on an upgrade.
    let reply = upgrade("/ws").bearer(&token).send(&a.app).await;
    assert_eq!(reply.text(), "alice");
}

#[tokio::test]
async fn the_query_token_authenticates_an_upgrade_when_turned_on() {
    let a =
        app(|builder| builder.websocket(WebSocketConfig::query_parameter("access_token"))).await;
    let token = token(&a);
    let reply = upgrade(&format!("/ws?v=1&access_token={token}"))
        .send(&a.app)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.text(), "alice");
    // A bad token in the query is a bad token: 401 invalid_token.
    upgrade("/ws?access_token=a.b.c")
        .send(&a.app)
        .await
        .assert_invalid_token(common::INVALID);
}

#[tokio::test]
async fn the_query_token_is_ignored_on_requests_that_are_not_upgrades() {
    let a =
        app(|builder| builder.websocket(WebSocketConfig::query_parameter("access_token"))).await;
    let token = token(&a);
    let path = format!("/ws?access_token={token}");
    // A plain GET, a POST with the upgrade headers, and handshakes missing a header.
    let requests = [
        Req::get(&path),
        upgrade(&path).header("x", "y"),
        Req::post(&path)
            .header("upgrade", "websocket")
            .header("connection", "upgrade")
            .header("sec-websocket-key", "x"),
        Req::get(&path)
            .header("upgrade", "websocket")
            .header("sec-websocket-key", "x"),
        Req::get(&path)
            .header("upgrade", "h2c")
            .header("connection", "upgrade")
            .header("sec-websocket-key", "x"),
    ];
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.send(&a.app).await.status);
    }
    // The second one is a real handshake (with an extra header): accepted.
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::OK,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED
        ]
    );
    assert_no_credentials(&Req::get(&path).send(&a.app).await);
}

#[tokio::test]
async fn a_custom_parameter_name_is_the_only_one_read() {
    let a = app(|builder| builder.websocket(WebSocketConfig::query_parameter("ticket"))).await;
    let token = token(&a);
    let reply = upgrade(&format!("/ws?ticket={token}")).send(&a.app).await;
    assert_eq!(reply.text(), "alice");
    assert_no_credentials(
        &upgrade(&format!("/ws?access_token={token}"))
            .send(&a.app)
            .await,
    );
}

#[tokio::test]
async fn one_transport_per_upgrade() {
    let a = app(|builder| {
        builder
            .websocket(WebSocketConfig::query_parameter("access_token"))
            .cookies(cookies())
    })
    .await;
    let token = token(&a);
    let path = format!("/ws?access_token={token}");
    let reply = upgrade(&path).bearer(&token).send(&a.app).await;
    assert_invalid_request(&reply, Some(r#"Bearer error="invalid_request""#));
    assert_eq!(
        reply.json()["error_description"],
        "The access token was sent in more than one way"
    );
    let reply = upgrade(&path).cookie(ACCESS, &token).send(&a.app).await;
    assert_invalid_request(&reply, Some(r#"Bearer error="invalid_request""#));
    let reply = upgrade(&format!("/ws?access_token={token}&access_token={token}"))
        .send(&a.app)
        .await;
    assert_invalid_request(&reply, None);
    assert_eq!(
        reply.json()["error_description"],
        "A parameter was sent more than once"
    );
}

#[tokio::test]
async fn a_cookie_authenticated_upgrade_must_come_from_an_allowed_origin() {
    let a = app(|builder| builder.cookies(cookies())).await;
    let session = session_of(&login(&a.app, "alice").await);
    // Cross-site WebSocket hijacking: the browser attaches the cookie to the handshake.
    let reply = upgrade("/ws")
        .header("origin", "https://evil.test")
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    assert_csrf_refused(&reply, CROSS_SITE);
    // From the app: accepted, without a CSRF token (a handshake cannot carry the header).
    let reply = upgrade("/ws")
        .header("origin", APP_ORIGIN)
        .cookie(ACCESS, &session.access)
        .send(&a.app)
        .await;
    assert_eq!(reply.text(), "id-alice");
}

#[test]
fn a_parameter_name_that_needs_encoding_is_refused_at_build() {
    for name in ["", "access token", "a&b", "a=b"] {
        let err = auth::Authenticator::builder()
            .signing_key(common::hs256_key())
            .issuer(common::ISSUER)
            .audience(common::AUDIENCE)
            .websocket(WebSocketConfig::query_parameter(name))
            .build()
            .unwrap_err();
        assert_eq!(
            err,
            auth::error::ConfigError::InvalidQueryParameter,
            "{name:?}"
        );
    }
}
