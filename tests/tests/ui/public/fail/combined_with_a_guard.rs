use auth::{protected, public, requires_role, Role};

#[derive(Role)]
enum Role {
    Admin,
}

#[public]
#[protected]
async fn below() {}

#[requires_role("admin")]
#[public]
async fn above() {}

fn main() {}
