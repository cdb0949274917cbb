//! Why was this request refused? Every refusal of an extractor or guard emits one `tracing`
//! event (target `auth`, the reason code, the status and the route, never the token): `debug`
//! for ordinary 401/403, `warn` for a server-side problem such as a claims type that cannot
//! hold the tokens the guards accept. And `Auth<C>` reads a roles claim the way the guards do.
#![allow(missing_docs)]

mod common;

use auth::testing::{authenticator, bearer, token};
use auth::{Auth, Authenticator, Claims, Role, Roles, protected, requires_role};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use common::captured_log::CapturedLog;
use serde::{Deserialize, Serialize};
use tower::ServiceExt as _;

#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
    Viewer,
}

/// The README's claims type: `email` is required.
#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
    roles: Roles<Role>,
    email: String,
}

#[protected]
async fn me(Auth(user): Auth<UserClaims>) -> String {
    user.email
}

#[requires_role("admin")]
async fn purge() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn status(app: &Router, path: &str, token: Option<&str>) -> StatusCode {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, bearer(token));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    response.status()
}

fn app(auth: &Authenticator) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/admin/{section}", get(purge))
        .with_state(auth.clone())
}

#[tokio::test]
async fn every_refusal_is_logged_with_its_reason_and_route_but_not_the_token() {
    let captured = CapturedLog::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber(tracing::Level::DEBUG));
    let auth = authenticator();
    let app = app(&auth);

    assert_eq!(status(&app, "/me", None).await, StatusCode::UNAUTHORIZED);
    let logs = captured.take();
    assert!(
        logs.contains(
            "DEBUG auth: request refused reason=\"missing_credentials\" status=401 route=\"/me\""
        ),
        "{logs}"
    );

    let forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    assert_eq!(
        status(&app, "/me", Some(forged)).await,
        StatusCode::UNAUTHORIZED
    );
    let logs = captured.take();
    assert!(
        logs.contains("reason=\"") && logs.contains("status=401"),
        "{logs}"
    );
    assert!(
        !logs.contains("c2lnbmF0dXJl") && !logs.contains("eyJ"),
        "{logs}"
    );

    // The route is the template, not the path with its values.
    let viewer = token(&auth, "vic", [Role::Viewer]);
    assert_eq!(
        status(&app, "/admin/users", Some(&viewer)).await,
        StatusCode::FORBIDDEN
    );
    let logs = captured.take();
    assert!(logs.contains("DEBUG auth: request refused reason=\"insufficient_role\" status=403 route=\"/admin/{section}\""), "{logs}");
    assert!(!logs.contains(&viewer[..20]), "{logs}");
}

/// The README's `auth::testing::token(&auth, "alice", [Role::Admin])` carries no `email`, so
/// `Auth<UserClaims>` cannot hold it: a server-side mismatch, logged at warn with the field.
#[tokio::test]
async fn a_token_that_does_not_fit_the_claims_type_is_a_warning_naming_the_field() {
    let captured = CapturedLog::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber(tracing::Level::WARN));
    let auth = authenticator();
    let app = app(&auth);
    let admin = token(&auth, "alice-the-admin", [Role::Admin]);
    assert_eq!(
        status(&app, "/me", Some(&admin)).await,
        StatusCode::UNAUTHORIZED
    );
    let logs = captured.take();
    assert!(
        logs.contains("WARN auth: a valid token does not fit the claims type"),
        "{logs}"
    );
    assert!(logs.contains("reason=\"claims_type\""), "{logs}");
    assert!(logs.contains("detail=\"missing field `email`\""), "{logs}");
    assert!(logs.contains("diagnostics::UserClaims"), "{logs}");
    assert!(!logs.contains("alice-the-admin"), "{logs}");

    // A value of the wrong type: its kind is logged, the value is not.
    let typed = auth::testing::token_with_claims(
        &auth,
        &WrongEmail {
            sub: "alice-the-admin".into(),
            roles: Roles::from([Role::Admin]),
            email: 1_234_567,
        },
    );
    assert_eq!(
        status(&app, "/me", Some(&typed)).await,
        StatusCode::UNAUTHORIZED
    );
    let logs = captured.take();
    assert!(
        logs.contains("detail=\"invalid type (value not logged) at column"),
        "{logs}"
    );
    assert!(!logs.contains("1234567"), "{logs}");
}

#[derive(Claims, Serialize, Deserialize)]
struct WrongEmail {
    sub: String,
    roles: Roles<Role>,
    email: u64,
}

/// Resource-server mode with the scope claim read as roles: the guard reads the
/// space-separated string, and so does `Auth<C>` with `#[claims(roles)] scope: Roles<Scope>`.
#[tokio::test]
async fn auth_claims_read_a_scope_string_as_the_guards_do() {
    #[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
    enum Scope {
        #[role(rename = "posts:read")]
        PostsRead,
        #[role(rename = "posts:write")]
        PostsWrite,
    }

    #[derive(Claims, Serialize, Deserialize)]
    struct ScopeClaims {
        sub: String,
        #[claims(roles)]
        scope: Roles<Scope>,
    }

    #[requires_role("posts:write", role = Scope)]
    async fn write(Auth(claims): Auth<ScopeClaims>) -> String {
        claims.scope.names().collect::<Vec<_>>().join(",")
    }

    const SECRET: &[u8] = b"a-test-secret-of-the-other-issuer-0123456789abcdef";
    let auth = Authenticator::builder()
        .signing_key(auth::keys::SigningKey::hs256(SECRET).unwrap())
        .issuer("https://idp.example")
        .audience("api")
        .roles_claim("scope")
        .build()
        .unwrap();
    let app = Router::new()
        .route("/posts", get(write))
        .with_state(auth.clone());
    // Signed as another issuer would: `scope` is a string.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    let scoped = jsonwebtoken::encode(
        &header,
        &serde_json::json!({
            "sub": "svc", "iss": "https://idp.example", "aud": "api", "jti": "j1",
            "iat": now, "exp": now + 300, "scope": "openid posts:read posts:write",
        }),
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    let response = app
        .oneshot(
            Request::get("/posts")
                .header(header::AUTHORIZATION, bearer(&scoped))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], b"posts:read,posts:write");
}
