use auth::{Authenticator, Role, requires_role};
use axum::Router;
use axum::routing::get;

#[derive(Role)]
enum Role {
    Editor,
    Auditor,
}

#[requires_role(all("editor", "auditor"))]
async fn review() -> &'static str {
    "review"
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/", get(review))
        .with_state(auth::testing::authenticator());
}
