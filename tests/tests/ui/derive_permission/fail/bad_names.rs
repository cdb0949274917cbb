use auth::Permission;

#[derive(Permission)]
enum Permission {
    #[permission(rename = "posts write")]
    PostsWrite,
    #[permission(rename = "")]
    Nothing,
    #[permission(rename = "reports_read")]
    Reports,
    ReportsRead,
}

fn main() {}
