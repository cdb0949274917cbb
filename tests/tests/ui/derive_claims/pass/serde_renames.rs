use auth::{TokenClaims, Claims, Role};
use serde::{Deserialize, Serialize};

#[derive(Role, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Admin,
}

// `ROLES_MEMBER` is the roles field's name in the JSON, after serde's renames.
#[derive(Claims, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CamelClaims {
    sub: String,
    #[claims(roles)]
    user_roles: std::collections::HashSet<Role>,
}

#[derive(Claims, Serialize, Deserialize)]
struct RenamedClaims {
    sub: String,
    #[serde(rename = "groups")]
    roles: Vec<Role>,
    // Renamed away from a registered claim name, so allowed.
    #[serde(rename = "expires")]
    exp: u64,
}

fn main() {
    assert_eq!(RenamedClaims::ROLES_MEMBER, Some("groups"));
    assert_eq!(CamelClaims::ROLES_MEMBER, Some("userRoles"));
}
