use auth::{Authenticator, Role, requires_role};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

#[derive(Role)]
enum Role {
    Editor,
}

#[requires_role("editor")]
#[axum::debug_handler]
async fn create(State(_auth): State<Authenticator>, Json(body): Json<String>) -> Json<String> {
    Json(body)
}

fn main() {
    let _: Router = Router::new()
        .route("/", post(create))
        .with_state(auth::testing::authenticator());
}
