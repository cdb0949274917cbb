use auth::Authenticator;
use auth::routing::{Router, get};
use axum::extract::State;

async fn purge(State(_auth): State<Authenticator>) {}

fn main() {
    let _: Router<Authenticator> = Router::new().route("/purge", get(purge));
}
