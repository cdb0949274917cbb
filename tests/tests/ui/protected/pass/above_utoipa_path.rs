use auth::openapi::SecurityAddon;
use auth::protected;
use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::get;
use utoipa::OpenApi;

#[derive(serde::Deserialize, utoipa::IntoParams)]
struct Page {
    page: Option<u32>,
}

// `#[protected]` above `#[utoipa::path]` adds the security requirement and the 401 response;
// utoipa (with `axum_extras`) still reads the handler's own extractors.
#[protected]
#[utoipa::path(
    get,
    path = "/items/{id}",
    params(("id" = u64, Path), Page),
    responses((status = 200, description = "The item", body = String))
)]
async fn item(Path(id): Path<u64>, Query(_page): Query<Page>) -> String {
    id.to_string()
}

#[protected(fresh)]
#[utoipa::path(delete, path = "/account", responses((status = 204)))]
#[axum::debug_handler(state = auth::Authenticator)]
async fn delete_account() {}

#[derive(OpenApi)]
#[openapi(paths(item, delete_account), modifiers(&SecurityAddon))]
struct ApiDoc;

fn main() {
    let _: Router = Router::new()
        .route("/items/{id}", get(item))
        .route("/account", axum::routing::delete(delete_account))
        .with_state(auth::testing::authenticator());
    let _ = ApiDoc::openapi();
}
