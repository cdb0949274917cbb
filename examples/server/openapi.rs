//! `GET /openapi.json`: the demo's OpenAPI document.
//!
//! The security requirements and the 401/403 responses of each operation are not written
//! here: `#[protected]` and `#[requires_role]`, placed above `#[utoipa::path]` in `routes`, add
//! them, and `SecurityAddon` defines the `bearer` scheme they name. The guard attributes stay
//! the single source of truth for who may call what. `OAuth2PasswordAddon` offers the password
//! flow of `/token` beside each of those requirements, which Swagger UI at `/docs` logs in with.

use std::sync::OnceLock;

use auth::endpoints::Endpoints;
use auth::openapi::{OAuth2PasswordAddon, SecurityAddon, TokenEndpointsAddon};
use axum::Json;
use utoipa::{Modify as _, OpenApi};

use crate::users::{Permission, Users};

use crate::posts::{NewPost, Post};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "auth demo server",
        description = "Obtain a token at `POST /token` (form or JSON, `grant_type=password`), \
                       then send it as `Authorization: Bearer <token>`. In Swagger UI \
                       (`/docs`): Authorize, `oauth2`, a user's name and password."
    ),
    paths(
        routes::health,
        routes::me,
        routes::admin_stats,
        routes::reports,
        routes::create_post,
        routes::update_post,
        routes::delete_post,
        routes::list_posts
    ),
    components(schemas(Post, NewPost)),
    modifiers(&SecurityAddon)
)]
pub(crate) struct ApiDoc;

/// The document served: the annotated routes, the token endpoints as the server configured
/// them (`TokenEndpointsAddon`), and their password flow (`OAuth2PasswordAddon`), built once
/// at start-up.
static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();

/// Builds the document for the endpoints the server runs. `cookies`: the token endpoint
/// answers with cookies and no token in the body (`AUTH_COOKIES`), which leaves a password
/// flow nothing to send as Bearer, so the document offers none.
pub(crate) fn init(endpoints: &Endpoints<Users>, cookies: bool) {
    let mut document = ApiDoc::openapi();
    TokenEndpointsAddon::of(endpoints).modify(&mut document);
    if !cookies {
        // Last: it pairs every `bearer` requirement of the document, the token endpoints'
        // included.
        OAuth2PasswordAddon::of(endpoints)
            .permissions::<Permission>()
            .modify(&mut document);
    }
    // Called once, before the server listens.
    let _ = DOCUMENT.set(document);
}

/// `GET /openapi.json`: public.
#[auth::public]
pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(DOCUMENT.get_or_init(ApiDoc::openapi).clone())
}
