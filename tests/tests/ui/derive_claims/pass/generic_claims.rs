use auth::{TokenClaims, Claims, Role};
use serde::{Deserialize, Serialize};

#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
}

#[derive(Claims, Serialize, Deserialize)]
struct WithExtra<T> {
    sub: String,
    roles: Vec<Role>,
    extra: T,
}

fn needs_claims<C: TokenClaims>() {}

fn main() {
    needs_claims::<WithExtra<u32>>();
    let claims = WithExtra {
        sub: "a".into(),
        roles: vec![Role::Admin],
        extra: 1u8,
    };
    assert_eq!(claims.subject(), "a");
}
