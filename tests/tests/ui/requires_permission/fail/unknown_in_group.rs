use auth::{Permission, requires_permission};

#[derive(Permission)]
enum Permission {
    ReportsRead,
    ReportsWrite,
}

#[requires_permission(any("reports_read", "report_write"))]
async fn reports() {}

#[requires_permission(all("reports_read", "reports_read"))]
async fn twice() {}

fn main() {}
