//! Deny-by-default routing and ownership policies over HTTP: `#[public]`, `#[authorize(..)]`
//! with each outcome of a policy, stacking order (401, then the role's 403, then the
//! policy), the request body never read when the request is refused, and the manifest of a
//! router built with `auth::routing`.
#![allow(missing_docs)]

mod common;
mod support_endpoints;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use auth::policy::{BoxError, Decision, Policy};
use auth::routing::{self, Router, get, put};
use auth::testing::{authenticator, token};
use auth::token::VerifiedToken;
use auth::{Authenticator, Role, authorize, public, requires_role};
use axum::body::Body;
use axum::extract::{FromRef, Path, State};
use axum::http::{Request, StatusCode, header};
use common::{Reply, send};

#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    #[role(implies(Editor))]
    Admin,
    Editor,
    Viewer,
}

/// Posts by id with their author; counts of policy checks and handler runs.
#[derive(Clone, Default)]
struct Posts {
    authors: Arc<Mutex<HashMap<i64, String>>>,
    checks: Arc<AtomicUsize>,
    runs: Arc<AtomicUsize>,
    /// When set, the policy's lookup fails (a database down).
    broken: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Clone)]
struct App {
    auth: Authenticator,
    posts: Posts,
}

impl FromRef<App> for Authenticator {
    fn from_ref(app: &App) -> Self {
        app.auth.clone()
    }
}

impl FromRef<App> for Posts {
    fn from_ref(app: &App) -> Self {
        app.posts.clone()
    }
}

/// The author of post `{id}` or an admin; a post that does not exist is 404.
struct OwnsPost;

impl<S> Policy<S> for OwnsPost
where
    S: Send + Sync,
    Posts: FromRef<S>,
{
    type Input = (Path<i64>, State<Posts>);

    async fn check(
        token: &VerifiedToken,
        (Path(id), State(posts)): Self::Input,
    ) -> Result<Decision, BoxError> {
        posts.checks.fetch_add(1, Ordering::SeqCst);
        if posts.broken.load(Ordering::SeqCst) {
            return Err("the posts table is unreachable".into());
        }
        let author = posts.authors.lock().unwrap().get(&id).cloned();
        Ok(match author {
            None => Decision::NotFound,
            Some(author) if author == token.subject() => Decision::Allow,
            Some(_) if token.effective_roles::<Role>().contains(Role::Admin) => Decision::Allow,
            Some(_) => Decision::Deny,
        })
    }
}

/// Hides every post: a caller who may not see it cannot tell it exists.
struct Hidden;

impl<S: Send + Sync> Policy<S> for Hidden {
    type Input = ();

    async fn check(_: &VerifiedToken, (): ()) -> Result<Decision, BoxError> {
        Ok(Decision::NotFound)
    }

    fn not_found() -> axum::response::Response {
        axum::response::IntoResponse::into_response((StatusCode::NOT_FOUND, "no such post"))
    }
}

#[public]
async fn health() -> &'static str {
    "ok"
}

/// Editors and admins, and then only on their own posts (admins on any). The body is a
/// `String`: reading it is what a refusal must never do.
#[requires_role(any("editor", "admin"))]
#[authorize(OwnsPost)]
async fn edit(State(posts): State<Posts>, Path(id): Path<i64>, body: String) -> String {
    posts.runs.fetch_add(1, Ordering::SeqCst);
    format!("post {id}: {body}")
}

/// The same checks with the attributes in the other order: the policy still runs last.
#[authorize(OwnsPost)]
#[requires_role(any("editor", "admin"))]
async fn edit_reversed(State(posts): State<Posts>, Path(id): Path<i64>) -> StatusCode {
    posts.runs.fetch_add(1, Ordering::SeqCst);
    let _ = id;
    StatusCode::NO_CONTENT
}

#[authorize(Hidden)]
async fn hidden(State(posts): State<Posts>) -> StatusCode {
    posts.runs.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

fn app() -> (Router<App>, App) {
    let state = App {
        auth: authenticator(),
        posts: Posts::default(),
    };
    state
        .posts
        .authors
        .lock()
        .unwrap()
        .extend([(1, "alice".to_owned()), (2, "bob".to_owned())]);
    let router = Router::new()
        .route("/health", get(health))
        .route("/posts/{id}", put(edit).patch(edit_reversed))
        .route("/hidden/{id}", get(hidden));
    (router, state)
}

fn served() -> (axum::Router, App) {
    let (router, state) = app();
    (router.with_state(state.clone()).into(), state)
}

/// A `PUT` whose body cannot be read: reading it fails the request with a 400 from
/// `String`'s extractor, so a refusal with any other status proves it was not read.
fn put_request(path: &str, bearer: Option<&str>, body: Body) -> Request<Body> {
    let mut request = Request::put(path).header(header::CONTENT_TYPE, "text/plain");
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(body).unwrap()
}

/// A body stream that fails when polled.
struct Unreadable;

impl futures_core::Stream for Unreadable {
    type Item = Result<axum::body::Bytes, std::io::Error>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::other("the body was read"))))
    }
}

fn unreadable() -> Body {
    Body::from_stream(Unreadable)
}

async fn put_edit(
    (app, state): &(axum::Router, App),
    who: Option<(&str, Role)>,
    id: &str,
    body: Body,
) -> Reply {
    let token = who.map(|(sub, role)| token(&state.auth, sub, [role]));
    send(
        app,
        put_request(&format!("/posts/{id}"), token.as_deref(), body),
    )
    .await
}

#[tokio::test]
async fn the_author_may_edit_and_admins_may_edit_any_post() {
    let served = served();
    let (_, state) = &served;
    let reply = put_edit(&served, Some(("alice", Role::Editor)), "1", "new".into()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.text(), "post 1: new");
    let reply = put_edit(&served, Some(("root", Role::Admin)), "2", "x".into()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(state.posts.runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn another_editor_gets_403_without_the_body_read() {
    let served = served();
    let (_, state) = &served;
    let reply = put_edit(&served, Some(("alice", Role::Editor)), "2", unreadable()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "error": "insufficient_scope",
            "error_description": "The access token does not allow this request on this resource",
        })
    );
    assert_eq!(
        reply.headers[header::WWW_AUTHENTICATE],
        r#"Bearer error="insufficient_scope""#
    );
    assert_eq!(state.posts.checks.load(Ordering::SeqCst), 1);
    assert_eq!(state.posts.runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_unknown_post_is_404_from_the_policy() {
    let served = served();
    let (app, state) = &served;
    let reply = put_edit(&served, Some(("alice", Role::Editor)), "99", unreadable()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"], "not_found");
    assert_eq!(state.posts.runs.load(Ordering::SeqCst), 0);
    // A policy's own 404, to match the application's.
    let request = common::get_bearer("/hidden/1", &token(&state.auth, "alice", [Role::Viewer]));
    let reply = send(app, request).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.text(), "no such post");
    assert_eq!(state.posts.runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_policy_that_cannot_decide_is_500_never_allowed() {
    let served = served();
    let (_, state) = &served;
    state.posts.broken.store(true, Ordering::SeqCst);
    let reply = put_edit(&served, Some(("alice", Role::Editor)), "1", unreadable()).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json()["error"], "server_error");
    assert_eq!(state.posts.runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn stacking_order_is_401_then_the_role_then_the_policy() {
    let served = served();
    let (app, state) = &served;
    // No token: 401 before the policy looks at anything, even an id that does not parse.
    let reply = put_edit(&served, None, "not-a-number", unreadable()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // A viewer who wrote the post: the role check refuses first, the policy never runs.
    state
        .posts
        .authors
        .lock()
        .unwrap()
        .insert(3, "vic".to_owned());
    let reply = put_edit(&served, Some(("vic", Role::Viewer)), "3", unreadable()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.json()["error_description"],
        "The access token does not grant the required role"
    );
    assert_eq!(state.posts.checks.load(Ordering::SeqCst), 0);
    // The attributes in the other order: the same order of checks.
    let request = Request::patch("/posts/3")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token(&state.auth, "vic", [Role::Viewer])),
        )
        .body(Body::empty())
        .unwrap();
    let reply = send(app, request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(state.posts.checks.load(Ordering::SeqCst), 0);
    // The path parameter the policy reads is checked after the token and the role.
    let reply = put_edit(&served, Some(("alice", Role::Editor)), "x", unreadable()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(state.posts.runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn public_handlers_need_no_token() {
    let (app, _) = served();
    let request = Request::get("/health").body(Body::empty()).unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "ok");
}

#[test]
fn the_manifest_lists_every_route_with_its_checks() {
    let (router, _) = app();
    assert_eq!(
        router.manifest().to_string(),
        "GET    /health       public\n\
         GET    /hidden/{id}  policy Hidden\n\
         PUT    /posts/{id}   role any(admin, editor); policy OwnsPost\n\
         PATCH  /posts/{id}   role any(admin, editor); policy OwnsPost\n"
    );
    let access = router.manifest().access("PUT", "/posts/{id}").unwrap();
    assert!(access.requires_token());
    assert_eq!(access.policies, ["OwnsPost"]);
    assert_eq!(access.roles[0].names, ["admin", "editor"]);
}

#[test]
fn nesting_merging_and_the_token_endpoints_keep_the_manifest() {
    let (router, state) = app();
    let endpoints = auth::endpoints::Endpoints::builder(
        state.auth.clone(),
        support_endpoints::Users::default(),
    )
    .build()
    .unwrap();
    let api: Router<App> = Router::new()
        .nest("/v1", router)
        .merge(endpoints.routes())
        .merge_public("/static/*", axum::Router::new());
    let manifest = api.manifest().to_string();
    let has = |words: &[&str]| {
        manifest
            .lines()
            .any(|line| line.split_whitespace().collect::<Vec<_>>() == words)
    };
    assert!(
        has(&[
            "PUT",
            "/v1/posts/{id}",
            "role",
            "any(admin,",
            "editor);",
            "policy",
            "OwnsPost"
        ]),
        "{manifest}"
    );
    for path in ["/token", "/refresh", "/logout"] {
        assert!(has(&["POST", path, "public"]), "{manifest}");
    }
    assert!(has(&["*", "/static/*", "public"]), "{manifest}");
    // `routing::any` lists one line for every method.
    let any: Router<App> = Router::new().route("/all", routing::any(health));
    assert_eq!(any.manifest().to_string(), "*  /all  public\n");
}
