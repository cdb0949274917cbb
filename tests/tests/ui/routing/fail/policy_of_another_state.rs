use auth::policy::{BoxError, Decision, Policy};
use auth::token::VerifiedToken;
use auth::{Authenticator, authorize};
use auth::routing::{Router, put};
use axum::extract::FromRef;

#[derive(Clone)]
struct AppState {
    auth: Authenticator,
}

impl FromRef<AppState> for Authenticator {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

/// Written for `AppState` only.
struct OwnsPost;

impl Policy<AppState> for OwnsPost {
    type Input = ();

    async fn check(_: &VerifiedToken, (): ()) -> Result<Decision, BoxError> {
        Ok(Decision::Allow)
    }
}

#[authorize(OwnsPost)]
async fn edit() {}

fn main() {
    // Routed on a router whose state is the `Authenticator`, not `AppState`.
    let _ = Router::<Authenticator>::new().route("/posts/{id}", put(edit));
}
