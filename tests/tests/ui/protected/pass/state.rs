use auth::{Authenticator, protected};
use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::get;

#[derive(Clone, FromRef)]
struct AppState {
    auth: Authenticator,
    greeting: &'static str,
}

#[protected]
async fn hello(State(greeting): State<&'static str>) -> &'static str {
    greeting
}

fn main() {
    let state = AppState {
        auth: auth::testing::authenticator(),
        greeting: "hello",
    };
    let _: Router = Router::new().route("/", get(hello)).with_state(state);
}
