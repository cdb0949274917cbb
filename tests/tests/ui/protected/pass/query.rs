use auth::{Authenticator, protected};
use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    offset: u32,
}

#[protected]
async fn list(Query(page): Query<Page>) -> String {
    page.offset.to_string()
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/", get(list))
        .with_state(auth::testing::authenticator());
}
