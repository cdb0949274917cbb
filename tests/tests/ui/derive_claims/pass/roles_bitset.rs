use auth::{TokenClaims, Claims, Role, Roles};
use serde::{Deserialize, Serialize};

#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
    Viewer,
}

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
    roles: auth::Roles<Role>,
}

fn main() {
    let claims = UserClaims {
        sub: "bob".into(),
        roles: Roles::from([Role::Admin, Role::Viewer]),
    };
    assert_eq!(claims.roles(), claims.roles);
}
