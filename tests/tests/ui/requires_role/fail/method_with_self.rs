use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
}

struct Api;

impl Api {
    #[requires_role("admin")]
    async fn purge(self) {}
}

fn main() {}
