use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
}

#[requires_role("admin", role = Role, role = Role)]
async fn purge() {}

fn main() {}
