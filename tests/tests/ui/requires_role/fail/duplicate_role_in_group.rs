use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
    Editor,
}

#[requires_role(all("admin", "editor", "admin"))]
async fn publish() {}

fn main() {}
