use auth::{Authenticator, protected};
use axum::Router;
use axum::extract::Path;
use axum::routing::get;

#[protected]
async fn post(Path((user, id)): Path<(String, u32)>) -> String {
    format!("{user}/{id}")
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/{user}/{id}", get(post))
        .with_state(auth::testing::authenticator());
}
