//! The macros over HTTP: a router of handlers written with `#[derive(Role)]`,
//! `#[derive(Claims)]`, `#[protected]` and `#[requires_role(..)]`, driven with `oneshot`.
//! Every refusal is checked for its status, challenge and body, and for the handler body not
//! having run (each body counts its runs).
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth::testing::{authenticator, bearer, token, token_with_claims};
use auth::{Auth, Authenticator, Claims, Role, RoleEnum, protected, requires_role};
use axum::body::Body;
use axum::extract::{FromRef, Path, State};
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::BodyExt as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// admin ⊃ editor ⊃ viewer; auditor stands apart.
#[derive(Role, Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Role {
    #[role(implies(Editor))]
    Admin,
    #[role(implies(Viewer))]
    Editor,
    Viewer,
    Auditor,
}

#[derive(Claims, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct UserClaims {
    sub: String,
    roles: Vec<Role>,
    #[serde(default)]
    email: String,
}

/// A second role enum, chosen with `role = ops::OpsRole`.
mod ops {
    use auth::Role;

    #[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum OpsRole {
        Oncall,
        #[role(rename = "sre-lead")]
        SreLead,
    }
}
use ops::OpsRole;

/// Roles another deployment knows and this one does not: `superuser` is unknown to `Role`.
#[derive(Role, Clone, Copy)]
enum NewerRole {
    Viewer,
    Superuser,
}

#[derive(Clone, FromRef)]
struct AppState {
    auth: Authenticator,
    runs: Runs,
}

#[derive(Clone, Default)]
struct Runs(Arc<AtomicUsize>);

impl Runs {
    fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Serialize, Deserialize)]
struct Post {
    title: String,
}

#[protected]
async fn me(State(runs): State<Runs>, Auth(claims): Auth<UserClaims>) -> Json<UserClaims> {
    runs.hit();
    Json(claims)
}

#[requires_role("admin")]
async fn stats(State(runs): State<Runs>) -> &'static str {
    runs.hit();
    "stats"
}

#[requires_role("viewer")]
async fn read(State(runs): State<Runs>, Path(id): Path<u32>) -> String {
    runs.hit();
    format!("post {id}")
}

#[requires_role("editor")]
async fn create(State(runs): State<Runs>, Json(post): Json<Post>) -> (StatusCode, Json<Post>) {
    runs.hit();
    (StatusCode::CREATED, Json(post))
}

#[requires_role(any("admin", "auditor"))]
async fn audit(State(runs): State<Runs>) -> &'static str {
    runs.hit();
    "audit"
}

#[requires_role(all("editor", "auditor"))]
async fn review(State(runs): State<Runs>) -> &'static str {
    runs.hit();
    "review"
}

#[requires_role("editor")]
#[requires_role("auditor")]
async fn stacked(State(runs): State<Runs>) -> &'static str {
    runs.hit();
    "stacked"
}

#[requires_role("sre-lead", role = ops::OpsRole)]
async fn deploy(State(runs): State<Runs>) -> &'static str {
    runs.hit();
    "deploy"
}

fn app() -> (Router, Authenticator, Runs) {
    let auth = authenticator();
    let runs = Runs::default();
    let router = Router::new()
        .route("/me", get(me))
        .route("/stats", get(stats))
        .route("/posts/{id}", get(read))
        .route("/posts", post(create))
        .route("/audit", get(audit))
        .route("/review", get(review))
        .route("/stacked", get(stacked))
        .route("/deploy", post(deploy))
        .with_state(AppState {
            auth: auth.clone(),
            runs: runs.clone(),
        });
    (router, auth, runs)
}

struct Reply {
    status: StatusCode,
    challenge: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!("not JSON ({err}): {}", String::from_utf8_lossy(&self.body))
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn assert_ok(&self, body: &str) {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text());
        assert_eq!(self.text(), body);
    }

    fn assert_unauthorized(&self) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{}", self.text());
        assert_eq!(self.challenge.as_deref(), Some(r#"Bearer realm="api""#));
        assert_eq!(self.json()["error"], "unauthorized");
    }

    fn assert_forbidden(&self) {
        assert_eq!(self.status, StatusCode::FORBIDDEN, "{}", self.text());
        assert_eq!(
            self.challenge.as_deref(),
            Some(r#"Bearer error="insufficient_scope""#)
        );
        assert_eq!(self.json()["error"], "insufficient_scope");
    }
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|value| value.to_str().unwrap().to_owned());
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        challenge,
        body,
    }
}

fn request(
    method: Method,
    path: &str,
    authorization: Option<HeaderValue>,
    body: &str,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(value) = authorization {
        builder = builder.header(header::AUTHORIZATION, value);
    }
    if !body.is_empty() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

fn get_as(path: &str, token: &str) -> Request<Body> {
    request(Method::GET, path, Some(bearer(token)), "")
}

#[tokio::test]
async fn no_token_is_401_and_the_body_does_not_run() {
    let (app, _, runs) = app();
    for path in ["/me", "/stats", "/posts/1", "/audit", "/review", "/stacked"] {
        send(&app, request(Method::GET, path, None, ""))
            .await
            .assert_unauthorized();
    }
    send(
        &app,
        request(Method::POST, "/posts", None, r#"{"title":"t"}"#),
    )
    .await
    .assert_unauthorized();
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn protected_admits_any_valid_token() {
    let (app, auth, runs) = app();
    let reply = send(&app, get_as("/me", &token::<Role>(&auth, "alice", []))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.json(),
        json!({"sub": "alice", "roles": [], "email": ""})
    );
    assert_eq!(runs.count(), 1);
}

#[tokio::test]
async fn wrong_role_is_403_insufficient_scope_and_the_body_does_not_run() {
    let (app, auth, runs) = app();
    let viewer = token(&auth, "vic", [Role::Viewer]);
    send(&app, get_as("/stats", &viewer))
        .await
        .assert_forbidden();
    let auditor = token(&auth, "aud", [Role::Auditor]);
    send(&app, get_as("/posts/7", &auditor))
        .await
        .assert_forbidden();
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn right_role_is_200() {
    let (app, auth, runs) = app();
    let admin = token(&auth, "ada", [Role::Admin]);
    send(&app, get_as("/stats", &admin))
        .await
        .assert_ok("stats");
    let viewer = token(&auth, "vic", [Role::Viewer]);
    send(&app, get_as("/posts/7", &viewer))
        .await
        .assert_ok("post 7");
    assert_eq!(runs.count(), 2);
}

#[tokio::test]
async fn hierarchy_admits_roles_that_imply_the_required_one() {
    let (app, auth, _) = app();
    // admin implies editor implies viewer: transitively, admin may read.
    let admin = token(&auth, "ada", [Role::Admin]);
    send(&app, get_as("/posts/1", &admin))
        .await
        .assert_ok("post 1");
    let editor = token(&auth, "ed", [Role::Editor]);
    send(&app, get_as("/posts/1", &editor))
        .await
        .assert_ok("post 1");
    // Implication goes down only: an editor is not an admin.
    send(&app, get_as("/stats", &editor))
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn any_admits_one_of_the_roles() {
    let (app, auth, runs) = app();
    for role in [Role::Admin, Role::Auditor] {
        send(&app, get_as("/audit", &token(&auth, "u", [role])))
            .await
            .assert_ok("audit");
    }
    send(&app, get_as("/audit", &token(&auth, "u", [Role::Editor])))
        .await
        .assert_forbidden();
    assert_eq!(runs.count(), 2);
}

#[tokio::test]
async fn all_and_stacking_require_every_role() {
    let (app, auth, runs) = app();
    for path in ["/review", "/stacked"] {
        for partial in [
            token(&auth, "u", [Role::Editor]),
            token(&auth, "u", [Role::Auditor]),
            token(&auth, "u", [Role::Viewer, Role::Auditor]),
        ] {
            send(&app, get_as(path, &partial)).await.assert_forbidden();
        }
        let both = token(&auth, "u", [Role::Editor, Role::Auditor]);
        send(&app, get_as(path, &both)).await.assert_ok(&path[1..]);
        // The hierarchy counts in `all` too: admin grants editor.
        let via_admin = token(&auth, "u", [Role::Admin, Role::Auditor]);
        send(&app, get_as(path, &via_admin))
            .await
            .assert_ok(&path[1..]);
    }
    assert_eq!(runs.count(), 4);
}

#[tokio::test]
async fn forbidden_caller_never_has_the_json_body_read() {
    let (app, auth, runs) = app();
    let viewer = token(&auth, "vic", [Role::Viewer]);
    // Not JSON at all: were the body read first, this would be a JSON rejection (400).
    let reply = send(
        &app,
        request(Method::POST, "/posts", Some(bearer(&viewer)), "{not json"),
    )
    .await;
    reply.assert_forbidden();
    // Without a token, the same body gets a 401, not a JSON rejection.
    send(&app, request(Method::POST, "/posts", None, "{not json"))
        .await
        .assert_unauthorized();
    assert_eq!(runs.count(), 0);

    // For an editor the guard passes and the JSON extractor then rejects the body.
    let editor = token(&auth, "ed", [Role::Editor]);
    let reply = send(
        &app,
        request(Method::POST, "/posts", Some(bearer(&editor)), "{not json"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    let reply = send(
        &app,
        request(
            Method::POST,
            "/posts",
            Some(bearer(&editor)),
            r#"{"title":"hi"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json(), json!({"title": "hi"}));
    assert_eq!(runs.count(), 1);
}

#[tokio::test]
async fn custom_role_enum_is_checked_by_its_own_names() {
    let (app, auth, runs) = app();
    let lead = token(&auth, "sam", [OpsRole::SreLead]);
    let reply = send(
        &app,
        request(Method::POST, "/deploy", Some(bearer(&lead)), ""),
    )
    .await;
    reply.assert_ok("deploy");
    let oncall = token(&auth, "oli", [OpsRole::Oncall]);
    send(
        &app,
        request(Method::POST, "/deploy", Some(bearer(&oncall)), ""),
    )
    .await
    .assert_forbidden();
    // An admin of the other enum is nobody here.
    let admin = token(&auth, "ada", [Role::Admin]);
    send(
        &app,
        request(Method::POST, "/deploy", Some(bearer(&admin)), ""),
    )
    .await
    .assert_forbidden();
    assert_eq!(runs.count(), 1);
}

#[tokio::test]
async fn unknown_role_in_the_token_grants_nothing_and_is_not_an_error() {
    let (app, auth, _) = app();
    // Minted with another enum: the token says ["viewer", "superuser"].
    let newer = token(&auth, "nia", [NewerRole::Viewer, NewerRole::Superuser]);
    send(&app, get_as("/posts/3", &newer))
        .await
        .assert_ok("post 3");
    send(&app, get_as("/stats", &newer))
        .await
        .assert_forbidden();
    // The `Vec<Role>` claims still deserialize: the unknown name is dropped.
    let reply = send(&app, get_as("/me", &newer)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        reply.json(),
        json!({"sub": "nia", "roles": ["viewer"], "email": ""})
    );
}

#[tokio::test]
async fn claims_round_trip_through_the_derived_impls() {
    let (app, auth, _) = app();
    let claims = UserClaims {
        sub: "bob".into(),
        roles: vec![Role::Editor, Role::Auditor],
        email: "bob@example.test".into(),
    };
    let reply = send(&app, get_as("/me", &token_with_claims(&auth, &claims))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        serde_json::from_slice::<UserClaims>(&reply.body).unwrap(),
        claims
    );
    // The token's roles are what `TokenClaims::roles` says.
    let verified = auth
        .verify_without_revocation(&token_with_claims(&auth, &claims))
        .unwrap();
    assert_eq!(
        verified.role_names().collect::<Vec<_>>(),
        ["editor", "auditor"]
    );
}

#[test]
fn derived_role_has_wire_names_serde_display_and_from_str() {
    assert_eq!(Role::NAMES, ["admin", "editor", "viewer", "auditor"]);
    // The closure is transitive: admin grants editor and viewer too.
    assert_eq!(Role::IMPLIES, [0b0111, 0b0110, 0b0100, 0b1000]);
    assert_eq!(OpsRole::NAMES, ["oncall", "sre-lead"]);
    assert_eq!(Role::Editor.to_string(), "editor");
    assert_eq!(format!("{:>8}", Role::Viewer), "  viewer");
    assert_eq!("auditor".parse::<Role>(), Ok(Role::Auditor));
    assert_eq!("Admin".parse::<Role>(), Err(auth::claims::UnknownRole));
    assert_eq!(
        serde_json::to_string(&OpsRole::SreLead).unwrap(),
        r#""sre-lead""#
    );
    assert_eq!(
        serde_json::from_str::<Role>(r#""viewer""#).unwrap(),
        Role::Viewer
    );
    let err = serde_json::from_str::<Role>(r#""root""#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown variant `root`, expected one of `admin`, `editor`, `viewer`, `auditor` at line 1 column 6"
    );
    assert!(serde_json::from_str::<Role>("1").is_err());
    assert_eq!(Role::from_index(3), Some(Role::Auditor));
    assert_eq!(Role::from_index(4), None);
    assert_eq!(Role::Auditor.index(), 3);
}

/// axum's most common state pattern: `State<Arc<AppState>>`. The guards and `Auth<C>` find
/// the authenticator through `AuthState`, which `Arc<AppState>` has because `AppState` has it.
#[tokio::test]
async fn guards_work_on_an_arc_state() {
    #[derive(Clone, FromRef)]
    struct Shared {
        auth: Authenticator,
        greeting: &'static str,
    }

    #[requires_role("editor")]
    async fn greet(State(state): State<Arc<Shared>>, Auth(user): Auth<UserClaims>) -> String {
        format!("{} {}", state.greeting, user.sub)
    }

    let auth = authenticator();
    let app: Router = Router::new()
        .route("/greet", get(greet))
        .with_state(Arc::new(Shared {
            auth: auth.clone(),
            greeting: "hello",
        }));
    let send = |token: Option<String>| {
        let app = app.clone();
        async move {
            let mut request = Request::get("/greet");
            if let Some(token) = token {
                request = request.header(header::AUTHORIZATION, bearer(&token));
            }
            app.oneshot(request.body(Body::empty()).unwrap())
                .await
                .unwrap()
        }
    };
    assert_eq!(send(None).await.status(), StatusCode::UNAUTHORIZED);
    let viewer = token(&auth, "vic", [Role::Viewer]);
    assert_eq!(send(Some(viewer)).await.status(), StatusCode::FORBIDDEN);
    let admin = token(&auth, "ada", [Role::Admin]);
    let response = send(Some(admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"hello ada");
}
