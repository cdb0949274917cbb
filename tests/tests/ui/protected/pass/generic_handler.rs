use auth::{Authenticator, protected};
use axum::Router;
use axum::extract::State;
use axum::routing::get;

trait Store: Clone + Send + Sync + 'static {
    fn name(&self) -> String;
}

#[derive(Clone)]
struct Memory;

impl Store for Memory {
    fn name(&self) -> String {
        "memory".into()
    }
}

#[derive(Clone)]
struct AppState<S> {
    auth: Authenticator,
    store: S,
}

impl<S> axum::extract::FromRef<AppState<S>> for Authenticator {
    fn from_ref(state: &AppState<S>) -> Self {
        state.auth.clone()
    }
}

// Generics and the `where` clause stay exactly as written.
#[protected]
pub(crate) async fn name<S>(State(state): State<AppState<S>>) -> String
where
    S: Store,
{
    state.store.name()
}

fn main() {
    let state = AppState {
        auth: auth::testing::authenticator(),
        store: Memory,
    };
    let _: Router = Router::new().route("/", get(name::<Memory>)).with_state(state);
}
