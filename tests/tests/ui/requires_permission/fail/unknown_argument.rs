use auth::{Permission, requires_permission};

#[derive(Permission)]
enum Permission {
    ReportsRead,
}

// `role = ..` belongs to `#[requires_role]`; here the enum is `permission = ..`.
#[requires_permission("reports_read", role = Permission)]
async fn reports() {}

fn main() {}
