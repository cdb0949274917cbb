use auth::{Authenticator, Role, RoleEnum, Roles, requires_role};
use axum::Router;
use axum::routing::get;

#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    #[role(implies(Editor))]
    Admin,
    #[role(implies(Self::Viewer))]
    Editor,
    Viewer,
}

#[requires_role("viewer")]
async fn read() -> &'static str {
    "read"
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/", get(read))
        .with_state(auth::testing::authenticator());
    // Transitive: admin implies editor implies viewer.
    assert_eq!(Role::IMPLIES, [0b111, 0b110, 0b100]);
    assert!(auth::RequireRole::<Role, { 1 << 2 }>::is_granted(Roles::from([Role::Admin])));
}
