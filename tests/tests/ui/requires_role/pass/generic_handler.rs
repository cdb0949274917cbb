use auth::{Authenticator, Role, requires_role};
use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::get;

#[derive(Role)]
enum Role {
    Admin,
}

#[derive(Clone)]
struct AppState<T> {
    auth: Authenticator,
    value: T,
}

impl<T> FromRef<AppState<T>> for Authenticator {
    fn from_ref(state: &AppState<T>) -> Self {
        state.auth.clone()
    }
}

#[requires_role("admin")]
async fn show<T>(State(state): State<AppState<T>>) -> String
where
    T: ToString + Clone + Send + Sync + 'static,
{
    state.value.to_string()
}

fn main() {
    let state = AppState {
        auth: auth::testing::authenticator(),
        value: 42_u32,
    };
    let _: Router = Router::new().route("/", get(show::<u32>)).with_state(state);
}
