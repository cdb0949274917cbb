use auth::Authenticator;
use auth::public;
use auth::routing::{Router, get};

#[public]
async fn list() {}

async fn create(body: String) -> String {
    body
}

fn main() {
    // `list` is declared; the chained `post` is checked as well.
    let _: Router<Authenticator> = Router::new().route("/posts", get(list).post(create));
}
