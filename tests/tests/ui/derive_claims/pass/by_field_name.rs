use auth::{TokenClaims, Claims, Role, RoleEnum};
use serde::{Deserialize, Serialize};

#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
    Viewer,
}

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
    roles: Vec<Role>,
    email: String,
}

fn main() {
    let claims = UserClaims {
        sub: "alice".into(),
        roles: vec![Role::Viewer],
        email: "a@example.com".into(),
    };
    assert_eq!(claims.subject(), "alice");
    assert_eq!(claims.roles().iter().collect::<Vec<_>>(), [Role::Viewer]);
    assert_eq!(UserClaims::ROLES_MEMBER, Some("roles"));
    assert_eq!(<UserClaims as TokenClaims>::Role::NAMES, ["admin", "viewer"]);
}
