use auth::claims::NoRole;
use auth::{TokenClaims, Claims};
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct ServiceClaims {
    sub: String,
    scope: String,
}

fn main() {
    let claims = ServiceClaims {
        sub: "svc".into(),
        scope: "read".into(),
    };
    assert!(claims.roles().is_empty());
    assert_eq!(ServiceClaims::ROLES_MEMBER, None);
    let _: fn() -> auth::Roles<NoRole> = auth::Roles::<<ServiceClaims as TokenClaims>::Role>::empty;
}
