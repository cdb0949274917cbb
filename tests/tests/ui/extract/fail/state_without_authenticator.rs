// The router's state has no `Authenticator` (no `FromRef<AppState> for Authenticator`).
// `#[axum::debug_handler]` names the missing impl at the guard, instead of the generic
// "`Handler` is not implemented" at the route.
use auth::protected;
use axum::extract::State;

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

#[protected]
#[axum::debug_handler(state = AppState)]
async fn hello(State(state): State<AppState>) -> &'static str {
    state.greeting
}

fn main() {}
