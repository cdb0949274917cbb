//! Permissions and scopes over HTTP: `#[derive(Permission)]`, roles that grant permissions
//! (with the hierarchy), the `scope` claim, `#[requires_permission(..)]` in every form, the
//! 403 that names the scope required (RFC 6750 §3), and `grant_type=client_credentials`
//! (RFC 6749 §4.4) with each of its errors.
#![allow(missing_docs)]

mod common;
mod support_endpoints;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth::endpoints::Client;
use auth::password::{PasswordConfig, Passwords};
use auth::testing::{authenticator, token, token_with_permissions, token_with_scope};
use auth::{
    Authenticator, Permission, PermissionEnum, Permissions, Role, requires_permission,
    requires_role,
};
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::Reply;
use serde_json::json;
use support_endpoints::{CHEAP, Harness, Setup, form};

#[derive(Permission, Clone, Copy, Debug, PartialEq, Eq)]
enum Permission {
    #[permission(rename = "posts:write")]
    PostsWrite,
    #[permission(rename = "posts:delete")]
    PostsDelete,
    ReportsRead,
}

/// admin ⊃ editor; the editor writes posts, the admin also deletes them and reads reports.
#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
#[role(permissions = Permission)]
enum Role {
    #[role(implies(Editor), grants(PostsDelete, ReportsRead))]
    Admin,
    #[role(grants(PostsWrite))]
    Editor,
    #[role(grants())]
    Viewer,
}

/// Granted by no role: scopes only.
mod machine {
    #[derive(auth::Permission, Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Scope {
        #[permission(rename = "billing:export")]
        BillingExport,
    }
}

#[derive(Clone)]
struct App {
    auth: Authenticator,
    runs: Arc<AtomicUsize>,
}

impl axum::extract::FromRef<App> for Authenticator {
    fn from_ref(app: &App) -> Self {
        app.auth.clone()
    }
}

fn ran(State(app): State<App>) -> StatusCode {
    app.runs.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

#[requires_permission("posts:delete")]
async fn delete_post(state: State<App>) -> StatusCode {
    ran(state)
}

#[requires_permission(any("posts:write", "posts:delete"))]
async fn edit(state: State<App>, Json(_): Json<serde_json::Value>) -> StatusCode {
    ran(state)
}

#[requires_permission(all("posts:write", "reports_read"))]
async fn moderate(state: State<App>) -> StatusCode {
    ran(state)
}

#[requires_permission("billing:export", permission = machine::Scope)]
async fn export(state: State<App>) -> StatusCode {
    ran(state)
}

#[requires_permission("reports_read", fresh)]
async fn fresh_report(state: State<App>) -> StatusCode {
    ran(state)
}

#[requires_role("editor")]
#[requires_permission("reports_read")]
async fn editor_with_reports(state: State<App>) -> StatusCode {
    ran(state)
}

fn app(auth: &Authenticator) -> (Router, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route("/posts", get(delete_post))
        .route("/edit", post(edit))
        .route("/moderate", get(moderate))
        .route("/export", get(export))
        .route("/fresh", get(fresh_report))
        .route("/stacked", get(editor_with_reports))
        .with_state(App {
            auth: auth.clone(),
            runs: runs.clone(),
        });
    (router, runs)
}

async fn call(router: &Router, method: &str, path: &str, token: Option<&str>) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    // A body that would be a 400 if the handler's `Json` extractor ever read it.
    common::send(router, request.body(Body::from("not json")).unwrap()).await
}

#[track_caller]
fn assert_forbidden(reply: &Reply, scope: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert_eq!(
        reply.challenge(),
        Some(format!(r#"Bearer error="insufficient_scope", scope="{scope}""#).as_str())
    );
    assert_eq!(
        reply.json(),
        json!({
            "error": "insufficient_scope",
            "error_description": "The access token does not grant the required permission",
        })
    );
}

#[tokio::test]
async fn roles_grant_their_permissions_and_those_of_the_roles_they_imply() {
    let auth = authenticator();
    let (router, runs) = app(&auth);
    let admin = token(&auth, "ada", [Role::Admin]);
    let editor = token(&auth, "eve", [Role::Editor]);
    let viewer = token(&auth, "vic", [Role::Viewer]);

    assert_eq!(
        call(&router, "GET", "/posts", Some(&admin)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_forbidden(
        &call(&router, "GET", "/posts", Some(&editor)).await,
        "posts:delete",
    );
    assert_forbidden(
        &call(&router, "GET", "/posts", Some(&viewer)).await,
        "posts:delete",
    );
    // The admin writes posts through the editor role it implies.
    assert_eq!(
        call(&router, "GET", "/moderate", Some(&admin)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_forbidden(
        &call(&router, "GET", "/moderate", Some(&editor)).await,
        "posts:write reports_read",
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_refusal_never_runs_the_body_nor_reads_the_request_body() {
    let auth = authenticator();
    let (router, runs) = app(&auth);
    let viewer = token(&auth, "vic", [Role::Viewer]);
    let editor = token(&auth, "eve", [Role::Editor]);
    assert_forbidden(
        &call(&router, "POST", "/edit", Some(&viewer)).await,
        "posts:write posts:delete",
    );
    let reply = call(&router, "POST", "/edit", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = call(&router, "POST", "/edit", Some("not-a-token")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    // Granted, the handler runs and its `Json` extractor refuses the body.
    assert_eq!(
        call(&router, "POST", "/edit", Some(&editor)).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_scope_claim_grants_permissions_and_unknown_names_grant_nothing() {
    let auth = authenticator();
    let (router, runs) = app(&auth);
    let scoped = token_with_scope(&auth, "svc", "openid posts:delete unheard-of");
    assert_eq!(
        call(&router, "GET", "/posts", Some(&scoped)).await.status,
        StatusCode::NO_CONTENT
    );
    // Roles and scopes add up: an editor with a reports scope may moderate.
    let both = auth::testing::token_with_claims(
        &auth,
        &RolesAndScope {
            sub: "eve".into(),
            roles: auth::Roles::from([Role::Editor]),
            scope: "reports_read".into(),
        },
    );
    assert_eq!(
        call(&router, "GET", "/moderate", Some(&both)).await.status,
        StatusCode::NO_CONTENT
    );
    let unknown = token_with_scope(&auth, "svc", "posts:deletе"); // a Cyrillic `е`
    assert_forbidden(
        &call(&router, "GET", "/posts", Some(&unknown)).await,
        "posts:delete",
    );
    let nothing = token_with_scope(&auth, "svc", "");
    assert_forbidden(
        &call(&router, "GET", "/posts", Some(&nothing)).await,
        "posts:delete",
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[derive(auth::Claims, serde::Serialize, serde::Deserialize)]
struct RolesAndScope {
    sub: String,
    roles: auth::Roles<Role>,
    scope: String,
}

#[tokio::test]
async fn a_permission_enum_no_role_grants_is_granted_by_scopes_alone() {
    let auth = authenticator();
    let (router, _) = app(&auth);
    let admin = token(&auth, "ada", [Role::Admin]);
    assert_forbidden(
        &call(&router, "GET", "/export", Some(&admin)).await,
        "billing:export",
    );
    let exporter = token_with_permissions(&auth, "exporter", [machine::Scope::BillingExport]);
    assert_eq!(
        call(&router, "GET", "/export", Some(&exporter))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn fresh_and_stacked_requirements_all_apply() {
    let auth = authenticator();
    let (router, _) = app(&auth);
    // Not fresh: minted outside a password login.
    let admin = token(&auth, "ada", [Role::Admin]);
    let reply = call(&router, "GET", "/fresh", Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply
            .challenge()
            .unwrap()
            .contains("A fresh login is required")
    );
    let fresh = auth
        .issue_fresh(&RolesAndScope {
            sub: "ada".into(),
            roles: auth::Roles::from([Role::Admin]),
            scope: String::new(),
        })
        .unwrap()
        .access_token;
    assert_eq!(
        call(&router, "GET", "/fresh", Some(&fresh)).await.status,
        StatusCode::NO_CONTENT
    );
    let viewer_fresh = auth
        .issue_fresh(&RolesAndScope {
            sub: "vic".into(),
            roles: auth::Roles::from([Role::Viewer]),
            scope: String::new(),
        })
        .unwrap()
        .access_token;
    // The permission is checked before freshness: 403, not a request to log in again.
    assert_forbidden(
        &call(&router, "GET", "/fresh", Some(&viewer_fresh)).await,
        "reports_read",
    );

    // Role AND permission: the admin is an editor (implied) and reads reports.
    assert_eq!(
        call(&router, "GET", "/stacked", Some(&admin)).await.status,
        StatusCode::NO_CONTENT
    );
    let editor = token(&auth, "eve", [Role::Editor]);
    assert_forbidden(
        &call(&router, "GET", "/stacked", Some(&editor)).await,
        "reports_read",
    );
    let reporter = token_with_scope(&auth, "svc", "reports_read");
    let reply = call(&router, "GET", "/stacked", Some(&reporter)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.challenge(),
        Some(r#"Bearer error="insufficient_scope""#)
    );
}

#[tokio::test]
async fn a_configured_scope_claim_is_read_instead_of_scope() {
    let auth = Authenticator::builder()
        .signing_key(auth::keys::SigningKey::generate_hmac(auth::keys::Algorithm::HS256).unwrap())
        .issuer("iss")
        .audience("aud")
        .scope_claim("scp")
        .build()
        .unwrap();
    let (router, _) = app(&auth);
    // The test helper writes the configured claim.
    let scp = token_with_scope(&auth, "svc", "posts:delete");
    assert_eq!(
        call(&router, "GET", "/posts", Some(&scp)).await.status,
        StatusCode::NO_CONTENT
    );
    let verified = auth.verify_without_revocation(&scp).unwrap();
    assert_eq!(verified.scope_names().collect::<Vec<_>>(), ["posts:delete"]);
    // `scope` is now an ordinary claim.
    let other = auth::testing::token_with_claims(
        &auth,
        &RolesAndScope {
            sub: "svc".into(),
            roles: auth::Roles::empty(),
            scope: "posts:delete".into(),
        },
    );
    assert_forbidden(
        &call(&router, "GET", "/posts", Some(&other)).await,
        "posts:delete",
    );
    assert!(
        Authenticator::builder()
            .signing_key(
                auth::keys::SigningKey::generate_hmac(auth::keys::Algorithm::HS256).unwrap()
            )
            .issuer("iss")
            .audience("aud")
            .scope_claim("a.b")
            .build()
            .is_err()
    );
}

#[test]
fn the_token_permissions_are_a_bitset_of_roles_and_scopes() {
    let auth = authenticator();
    let verified = auth
        .verify_without_revocation(&token(&auth, "ada", [Role::Admin]))
        .unwrap();
    assert_eq!(
        verified.permissions::<Permission>(),
        Permissions::from([
            Permission::PostsWrite,
            Permission::PostsDelete,
            Permission::ReportsRead
        ])
    );
    // Asked about another enum, the answer is that enum's, not the cached one.
    assert!(verified.permissions::<machine::Scope>().is_empty());
    assert_eq!(verified.permissions::<Permission>().len(), 3);
    assert_eq!(
        Permission::NAMES,
        ["posts:write", "posts:delete", "reports_read"]
    );
    assert_eq!(
        "posts:write".parse::<Permission>(),
        Ok(Permission::PostsWrite)
    );
    assert!("posts".parse::<Permission>().is_err());
    assert_eq!(
        serde_json::to_string(&Permission::ReportsRead).unwrap(),
        r#""reports_read""#
    );
}

// ---- client_credentials ----------------------------------------------------------------------

const SECRET: &str = "s3cret-of-the-exporter-client-0123456789";

/// The harness with two service clients: `exporter` and the disabled `retired`.
async fn with_clients(setup: Setup) -> Harness {
    let passwords = Passwords::new(PasswordConfig::default().params(CHEAP)).unwrap();
    let hash = passwords.hash(SECRET).await.unwrap();
    let clients = vec![
        Client::new("exporter", hash.clone(), ["reports_read", "billing:export"]),
        Client::new("retired", hash, ["reports_read"]).disabled(true),
    ];
    setup.configure(move |b| b.clients(clients)).build().await
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{}:{}",
            support_endpoints::encode(id),
            support_endpoints::encode(secret)
        ))
    )
}

fn client_request(body: &str, authorization: Option<&str>) -> Request<Body> {
    let mut request = form("/token", body);
    if let Some(value) = authorization {
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, value.parse().unwrap());
    }
    request
}

#[tokio::test]
async fn a_client_gets_a_token_with_the_scopes_it_asked_for() {
    let h = with_clients(Setup::default()).await;
    let reply = h
        .send(client_request(
            "grant_type=client_credentials&scope=billing%3Aexport",
            Some(&basic("exporter", SECRET)),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "billing:export");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let access = body["access_token"].as_str().unwrap();
    let verified = h.auth.verify_without_revocation(access).unwrap();
    assert_eq!(verified.subject(), "exporter");
    assert!(
        verified
            .permissions::<machine::Scope>()
            .contains(machine::Scope::BillingExport)
    );
    assert!(verified.permissions::<Permission>().is_empty());
    let claims: serde_json::Value = serde_json::from_slice(verified.payload()).unwrap();
    assert_eq!(claims["client_id"], "exporter");

    // Without `scope`, everything the client may have; with body credentials too.
    let reply = h
        .send(client_request(
            &format!("grant_type=client_credentials&client_id=exporter&client_secret={SECRET}"),
            None,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["scope"], "reports_read billing:export");
}

#[tokio::test]
async fn bad_client_credentials_are_401_invalid_client_with_a_basic_challenge() {
    let h = with_clients(Setup::default()).await;
    let body = "grant_type=client_credentials";
    let wrong_secret = basic("exporter", "not the secret");
    let unknown = basic("nobody", SECRET);
    let disabled = basic("retired", SECRET);
    let garbage = "Basic !!!not-base64".to_owned();
    let cases: [(&str, Option<&str>); 6] = [
        (body, Some(&wrong_secret)),
        (body, Some(&unknown)),
        (body, Some(&disabled)),
        (body, Some(&garbage)),
        (body, None),
        ("grant_type=client_credentials&client_id=exporter", None),
    ];
    let mut bodies = Vec::new();
    for (body, authorization) in cases {
        let reply = h.send(client_request(body, authorization)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{body} {authorization:?}"
        );
        assert_eq!(reply.challenge(), Some(r#"Basic realm="api""#));
        assert_eq!(reply.json()["error"], "invalid_client");
        bodies.push(reply.body);
    }
    // One answer for every cause: it does not tell which clients exist.
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
}

#[tokio::test]
async fn a_scope_the_client_may_not_have_is_400_invalid_scope() {
    let h = with_clients(Setup::default()).await;
    let reply = h
        .send(client_request(
            "grant_type=client_credentials&scope=reports_read+posts%3Adelete",
            Some(&basic("exporter", SECRET)),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "invalid_scope");
    assert_eq!(reply.challenge(), None);
}

#[tokio::test]
async fn credentials_sent_two_ways_are_refused() {
    let h = with_clients(Setup::default()).await;
    let reply = h
        .send(client_request(
            &format!("grant_type=client_credentials&client_id=exporter&client_secret={SECRET}"),
            Some(&basic("exporter", SECRET)),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "invalid_request");
}

#[tokio::test]
async fn without_clients_the_grant_is_unsupported() {
    let h = Setup::default().build().await;
    let reply = h
        .send(client_request(
            "grant_type=client_credentials",
            Some(&basic("exporter", SECRET)),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn failed_client_attempts_are_throttled() {
    let h =
        with_clients(Setup::default().throttle(auth::endpoints::ThrottleConfig::default())).await;
    let wrong = basic("exporter", "guess");
    let mut throttled = None;
    for attempt in 0..50 {
        let reply = h
            .send(support_endpoints::from_address(
                client_request("grant_type=client_credentials", Some(&wrong)),
                [10, 0, 0, 1],
            ))
            .await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some((attempt, reply));
            break;
        }
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let (attempt, reply) = throttled.expect("never throttled");
    assert!(attempt >= 3, "throttled after {attempt} attempts");
    assert_eq!(reply.json()["error"], "slow_down");
    assert!(reply.retry_after() >= 1);
}

/// A client named like a user would get tokens whose `sub` passes for that user's: refused.
#[tokio::test]
async fn a_client_with_a_users_subject_gets_no_token() {
    let passwords = Passwords::new(PasswordConfig::default().params(CHEAP)).unwrap();
    let hash = passwords.hash(SECRET).await.unwrap();
    // `id-alice` is the subject of the harness's user `alice`.
    let clients = vec![Client::new("id-alice", hash, ["reports_read"])];
    let h = Setup::default()
        .configure(move |b| b.clients(clients))
        .build()
        .await;
    let reply = h
        .send(client_request(
            "grant_type=client_credentials",
            Some(&basic("id-alice", SECRET)),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json()["error"], "server_error");
    assert!(!reply.text().contains("access_token"));
}
