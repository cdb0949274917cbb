use auth::{Authenticator, protected};
use axum::Router;
use axum::routing::get;

struct Api;

impl Api {
    // An associated function without `self` is an ordinary handler.
    #[protected]
    async fn health() -> &'static str {
        "ok"
    }
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/", get(Api::health))
        .with_state(auth::testing::authenticator());
}
