use auth::{Auth, Authenticator, Claims, Role, protected};
use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};

#[derive(Role, Clone, Copy, PartialEq)]
enum Role {
    Admin,
}

// The one mistake: no subject. `Auth<UserClaims>` and `.roles()` below add no errors.
#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    user: String,
    roles: Vec<Role>,
}

#[protected]
async fn me(Auth(claims): Auth<UserClaims>) -> String {
    let _admin = auth::TokenClaims::roles(&claims).contains(Role::Admin);
    claims.user
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/", get(me))
        .with_state(auth::testing::authenticator());
}
