use auth::requires_role;

#[requires_role("admin", role = String)]
async fn purge() {}

fn main() {}
