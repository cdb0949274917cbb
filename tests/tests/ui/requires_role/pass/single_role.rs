use auth::{Authenticator, Role, requires_role};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::delete;

#[derive(Role)]
enum Role {
    Admin,
    Viewer,
}

#[requires_role("admin")]
async fn purge(State(_auth): State<Authenticator>) -> StatusCode {
    StatusCode::NO_CONTENT
}

fn main() {
    let _: Router = Router::new()
        .route("/", delete(purge))
        .with_state(auth::testing::authenticator());
}
