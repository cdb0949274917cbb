use auth::{Role, requires_permission};

#[derive(Role)]
enum Role {
    Admin,
}

#[requires_permission("admin", permission = Role)]
async fn reports() {}

fn main() {}
