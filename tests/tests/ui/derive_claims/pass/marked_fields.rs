use auth::{TokenClaims, Claims, Role};
use serde::{Deserialize, Serialize};

#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
}

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    #[claims(subject)]
    user_id: Box<str>,
    #[claims(roles)]
    groups: Vec<Role>,
}

fn main() {
    let claims = UserClaims {
        user_id: "u-1".into(),
        groups: vec![Role::Admin],
    };
    assert_eq!(claims.subject(), "u-1");
    assert!(claims.roles().contains(Role::Admin));
    assert_eq!(UserClaims::ROLES_MEMBER, Some("groups"));
}
