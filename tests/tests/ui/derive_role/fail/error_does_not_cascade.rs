use auth::{Claims, Role, requires_role};
use serde::{Deserialize, Serialize};

// The one mistake is here; the uses of `Role` below add no errors of their own.
#[derive(Role, Clone, Copy, PartialEq)]
enum Role {
    Admin,
    Custom(u8),
}

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
    roles: Vec<Role>,
}

#[requires_role("admin")]
async fn purge() {}

fn main() {
    let _ = Role::Admin.to_string();
}
