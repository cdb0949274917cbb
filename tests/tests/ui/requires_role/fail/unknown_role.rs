use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
    Editor,
}

#[requires_role("admni")]
async fn purge() {}

fn main() {}
