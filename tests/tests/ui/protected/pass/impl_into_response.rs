use auth::{Authenticator, protected};
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

#[protected]
async fn teapot() -> impl IntoResponse {
    (StatusCode::IM_A_TEAPOT, "short and stout")
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/", get(teapot))
        .with_state(auth::testing::authenticator());
}
