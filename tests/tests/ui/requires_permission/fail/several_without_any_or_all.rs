use auth::{Permission, requires_permission};

#[derive(Permission)]
enum Permission {
    ReportsRead,
    ReportsWrite,
}

#[requires_permission("reports_read", "reports_write")]
async fn reports() {}

fn main() {}
