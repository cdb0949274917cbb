use auth::{Authenticator, protected};
use axum::Router;
use axum::extract::State;
use axum::routing::get;

// `#[protected]` goes above `#[debug_handler]`, so `debug_handler` checks the guarded
// signature. With no `State` extractor, `debug_handler` needs the state type spelled out.
#[protected]
#[axum::debug_handler(state = Authenticator)]
async fn me() -> &'static str {
    "me"
}

#[protected]
#[axum::debug_handler]
async fn with_state(State(_auth): State<Authenticator>, body: String) -> String {
    body
}

fn main() {
    let _: Router = Router::new()
        .route("/", get(me).post(with_state))
        .with_state(auth::testing::authenticator());
}
