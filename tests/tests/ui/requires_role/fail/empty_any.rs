use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
}

#[requires_role(any())]
async fn purge() {}

fn main() {}
