use auth::requires_permission;

#[requires_permission("reports_read")]
async fn reports() {}

fn main() {}
