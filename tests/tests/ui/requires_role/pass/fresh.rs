use auth::{Role, protected, requires_role};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;

#[derive(Role)]
enum Role {
    Admin,
    Editor,
}

// The role first (403 without it), then freshness (401, log in again).
#[requires_role("admin", fresh)]
async fn rotate_keys() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[requires_role(fresh, any("admin", "editor"))]
async fn publish() -> StatusCode {
    StatusCode::NO_CONTENT
}

// The same as `rotate_keys`, stacked.
#[protected(fresh)]
#[requires_role("admin")]
async fn purge() -> StatusCode {
    StatusCode::NO_CONTENT
}

fn main() {
    let _: Router = Router::new()
        .route("/keys", post(rotate_keys))
        .route("/publish", post(publish))
        .route("/purge", post(purge))
        .with_state(auth::testing::authenticator());
}
