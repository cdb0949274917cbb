use auth::{Permission, requires_permission};

#[derive(Permission)]
enum Permission {
    ReportsRead,
}

#[requires_permission(Permission::ReportsRead)]
async fn reports() {}

fn main() {}
