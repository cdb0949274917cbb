use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    SuperAdmin,
}

#[requires_role(Role::SuperAdmin)]
async fn purge() {}

fn main() {}
