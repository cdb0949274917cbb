use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
    Editor,
}

#[requires_role("admin", "editor")]
async fn publish() {}

fn main() {}
