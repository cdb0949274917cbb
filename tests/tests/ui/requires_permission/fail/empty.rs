use auth::{Permission, requires_permission};

#[derive(Permission)]
enum Permission {
    ReportsRead,
}

#[requires_permission()]
async fn reports() {}

#[requires_permission(any())]
async fn any_of_nothing() {}

fn main() {}
