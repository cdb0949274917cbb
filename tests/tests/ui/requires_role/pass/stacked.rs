use auth::{Authenticator, Role, protected, requires_role};
use axum::Router;
use axum::routing::get;

#[derive(Role)]
enum Role {
    Editor,
    Auditor,
}

// Stacked attributes mean AND: each inserts its own guard.
#[requires_role("editor")]
#[requires_role("auditor")]
async fn review() -> &'static str {
    "review"
}

#[protected]
#[requires_role("editor")]
async fn both_kinds() -> &'static str {
    "edit"
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/review", get(review))
        .route("/edit", get(both_kinds))
        .with_state(auth::testing::authenticator());
}
