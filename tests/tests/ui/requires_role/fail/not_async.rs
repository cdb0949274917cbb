use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
}

#[requires_role("admin")]
fn purge() {}

fn main() {}
