use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
}

#[requires_role("admin", fresh, fresh)]
async fn purge() {}

fn main() {}
