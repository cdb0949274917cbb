use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
}

#[requires_role("admin", frsh)]
async fn purge() {}

fn main() {}
