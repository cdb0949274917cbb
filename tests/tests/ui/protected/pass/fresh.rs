use auth::{Authenticator, protected};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, post};

// `fresh`: only a token from a password login, not from a refresh.
#[protected(fresh)]
async fn delete_account() -> StatusCode {
    StatusCode::NO_CONTENT
}

// Above `#[debug_handler]`, with other extractors, a trailing comma.
#[protected(fresh,)]
#[axum::debug_handler]
async fn change_password(State(_auth): State<Authenticator>, body: String) -> String {
    body
}

fn main() {
    let _: Router = Router::new()
        .route("/account", delete(delete_account))
        .route("/password", post(change_password))
        .with_state(auth::testing::authenticator());
}
