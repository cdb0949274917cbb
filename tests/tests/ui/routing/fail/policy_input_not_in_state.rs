use auth::policy::{BoxError, Decision, Policy};
use auth::routing::{Router, put};
use auth::token::VerifiedToken;
use auth::{Authenticator, authorize};
use axum::extract::{FromRef, State};

#[derive(Clone)]
struct Db;

/// For every state that holds a `Db`.
struct OwnsPost;

impl<S> Policy<S> for OwnsPost
where
    S: Send + Sync,
    Db: FromRef<S>,
{
    type Input = State<Db>;

    async fn check(_: &VerifiedToken, _: State<Db>) -> Result<Decision, BoxError> {
        Ok(Decision::Allow)
    }
}

#[authorize(OwnsPost)]
async fn edit() {}

fn main() {
    // The router's state, the `Authenticator` alone, holds no `Db`.
    let _ = Router::<Authenticator>::new().route("/posts/{id}", put(edit));
}
