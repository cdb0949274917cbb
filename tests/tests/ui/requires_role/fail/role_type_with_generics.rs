use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
}

#[requires_role("admin", role = Vec<Role>)]
async fn purge() {}

fn main() {}
