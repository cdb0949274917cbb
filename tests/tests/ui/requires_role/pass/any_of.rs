use auth::{Authenticator, Role, requires_role};
use axum::Router;
use axum::routing::get;

#[derive(Role)]
enum Role {
    Admin,
    Editor,
    Viewer,
}

#[requires_role(any("admin", "editor"))]
async fn drafts() -> &'static str {
    "drafts"
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/", get(drafts))
        .with_state(auth::testing::authenticator());
}
