//! The demo's own routes: each shows one way to protect a handler.

use std::time::Instant;

use auth::{Auth, Authenticated, authorize, protected, public, requires_permission, requires_role};
use axum::Json;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::db::Db;
use crate::policies::OwnsPost;
use crate::posts::{self, JsonBody, NewPost, Post, PostId};
// `Role` is the enum `#[requires_role]` checks its role names against (the type named `Role`
// where the handler is).
use crate::users::{Permission, Role, UserClaims, Users};

/// The router state. Extractors find the `Authenticator` in it through `FromRef`.
#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub(crate) auth: auth::Authenticator,
    pub(crate) db: Db,
    pub(crate) users: Users,
    pub(crate) started: Started,
}

#[derive(Clone, Copy)]
pub(crate) struct Started(pub Instant);

/// `GET /health`: public.
#[public]
#[utoipa::path(get, path = "/health", responses((status = 200, description = "The server is up")))]
pub(crate) async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /me`: any valid access token; answers the token's claims.
#[protected]
#[utoipa::path(
    get,
    path = "/me",
    responses((status = 200, description = "The caller's claims: sub, roles, iat, exp, jti"))
)]
pub(crate) async fn me(token: Authenticated, Auth(claims): Auth<UserClaims>) -> Json<Value> {
    Json(json!({
        "sub": claims.sub,
        "roles": claims.roles,
        "iat": token.registered().issued_at(),
        "exp": token.expires_at(),
        "jti": token.jwt_id(),
    }))
}

/// `GET /admin/stats`: admins only.
#[requires_role("admin")]
#[utoipa::path(
    get,
    path = "/admin/stats",
    responses((status = 200, description = "Counts of users and posts, and the uptime"))
)]
pub(crate) async fn admin_stats(
    State(db): State<Db>,
    State(users): State<Users>,
    State(Started(started)): State<Started>,
) -> Result<Json<Value>, Response> {
    let users = users.count().await.map_err(internal)?;
    let posts = posts::count(&db).await.map_err(internal)?;
    Ok(Json(json!({
        "users": users,
        "posts": posts,
        "uptime_seconds": started.elapsed().as_secs(),
    })))
}

/// `GET /reports`: the permission `reports:read`, which admins and editors have through their
/// roles and the service client `reports-exporter` through its scope (`client_credentials`).
#[requires_permission("reports:read")]
#[utoipa::path(
    get,
    path = "/reports",
    responses((status = 200, description = "Counts of users and posts"))
)]
pub(crate) async fn reports(
    token: Authenticated,
    State(db): State<Db>,
    State(users): State<Users>,
) -> Result<Json<Value>, Response> {
    let users = users.count().await.map_err(internal)?;
    let posts = posts::count(&db).await.map_err(internal)?;
    Ok(Json(json!({
        "users": users,
        "posts": posts,
        "for": token.subject(),
    })))
}

/// `POST /posts`: editors and admins. The guard runs before the body is read, so a viewer's
/// request is refused (403) without its JSON ever being parsed.
#[requires_role(any("editor", "admin"))]
#[utoipa::path(
    post,
    path = "/posts",
    request_body = NewPost,
    responses(
        (status = 201, description = "The stored post", body = Post),
        (status = 400, description = "`invalid_request`: a blank or too long title, a too long body, a body that is not such a JSON object, or a malformed `Authorization` header")
    )
)]
pub(crate) async fn create_post(
    State(db): State<Db>,
    Auth(author): Auth<UserClaims>,
    JsonBody(post): JsonBody<NewPost>,
) -> Result<(StatusCode, Json<Post>), Response> {
    if let Some(problem) = post.problem() {
        return Err(posts::bad_request(problem));
    }
    let stored = posts::insert(&db, &post, &author.sub)
        .await
        .map_err(internal)?;
    tracing::info!(post = stored.id, author = %author.sub, "post created");
    Ok((StatusCode::CREATED, Json(stored)))
}

/// `DELETE /posts/{id}`: admins, with a *fresh* token, from a password login rather than a
/// refresh: a stolen refresh token cannot delete anything.
#[requires_role("admin", fresh)]
#[utoipa::path(
    delete,
    path = "/posts/{id}",
    params(("id" = i64, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_request`: the id is not a positive 64-bit integer, or a malformed `Authorization` header"),
        (status = 404, description = "No such post")
    )
)]
pub(crate) async fn delete_post(
    State(db): State<Db>,
    Auth(admin): Auth<UserClaims>,
    PostId(id): PostId,
) -> Result<StatusCode, Response> {
    if posts::delete(&db, id).await.map_err(internal)? {
        tracing::info!(post = id, admin = %admin.sub, "post deleted");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(posts::not_found())
    }
}

/// `PUT /posts/{id}`: editors and admins, and editors only on their own posts
/// ([`OwnsPost`]); a post that does not exist is 404 for everyone allowed to edit posts.
/// The role is checked first, then the policy, and the body is read only once both allow
/// the request.
#[requires_role(any("editor", "admin"))]
#[authorize(OwnsPost)]
#[utoipa::path(
    put,
    path = "/posts/{id}",
    params(("id" = i64, Path, minimum = 1, description = "The post's id")),
    request_body = NewPost,
    responses(
        (status = 200, description = "The post as stored now", body = Post),
        (status = 400, description = "`invalid_request`: the id is not a positive 64-bit integer, a blank or too long title, a too long body, a body that is not such a JSON object, or a malformed `Authorization` header"),
        (status = 404, description = "No such post")
    )
)]
pub(crate) async fn update_post(
    State(db): State<Db>,
    PostId(id): PostId,
    Auth(editor): Auth<UserClaims>,
    JsonBody(post): JsonBody<NewPost>,
) -> Result<Json<Post>, Response> {
    if let Some(problem) = post.problem() {
        return Err(posts::bad_request(problem));
    }
    match posts::update(&db, id, &post).await.map_err(internal)? {
        Some(stored) => {
            tracing::info!(post = id, editor = %editor.sub, "post updated");
            Ok(Json(stored))
        }
        // Deleted between the policy's check and the update.
        None => Err(posts::not_found()),
    }
}

/// `GET /posts`: public, the 100 latest.
#[public]
#[utoipa::path(
    get,
    path = "/posts",
    responses((status = 200, description = "The 100 latest posts", body = [Post]))
)]
pub(crate) async fn list_posts(State(db): State<Db>) -> Result<Json<Vec<Post>>, Response> {
    posts::latest(&db, 100).await.map(Json).map_err(internal)
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(internal)`
pub(crate) fn internal(err: sqlx::Error) -> Response {
    tracing::error!(error = %err, "database error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"error": "server_error", "error_description": "An internal error occurred"})),
    )
        .into_response()
}
