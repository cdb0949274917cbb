use auth::openapi::{CookieSecurityAddon, SecurityAddon};
use auth::{Role, requires_role};
use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{delete, post};
use utoipa::OpenApi;

#[derive(Role)]
enum Role {
    Admin,
    Editor,
}

// The roles become the operation's security requirement; 401 and 403 are added.
#[requires_role(any("editor", "admin"))]
#[utoipa::path(post, path = "/posts", request_body = String, responses((status = 201)))]
async fn create(Json(body): Json<String>) -> (StatusCode, Json<String>) {
    (StatusCode::CREATED, Json(body))
}

// Stacked, with `fresh` and a role type path, in another module.
mod admin {
    #[auth::requires_role("admin", role = super::Role)]
    #[auth::requires_role(all("editor"), fresh, role = super::Role)]
    #[utoipa::path(delete, path = "/posts/{id}", params(("id" = u64, Path)), responses((status = 204)))]
    pub(crate) async fn purge(axum::extract::Path(_id): axum::extract::Path<u64>) {}
}

#[derive(OpenApi)]
#[openapi(paths(create, admin::purge), modifiers(&SecurityAddon, &CookieSecurityAddon))]
struct ApiDoc;

fn main() {
    let _: Router = Router::new()
        .route("/posts", post(create))
        .route("/posts/{id}", delete(admin::purge))
        .with_state(auth::testing::authenticator());
    let _ = ApiDoc::openapi();
}
