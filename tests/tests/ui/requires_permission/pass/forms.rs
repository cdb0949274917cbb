use auth::{Authenticator, Permission, Role, requires_permission, requires_role};
use axum::Router;
use axum::routing::get;

mod perms {
    #[derive(auth::Permission)]
    pub enum Scope {
        #[permission(rename = "billing:read")]
        BillingRead,
    }
}

#[derive(Permission)]
enum Permission {
    #[permission(rename = "posts:write")]
    PostsWrite,
    #[permission(rename = "posts:delete")]
    PostsDelete,
    ReportsRead,
}

#[derive(Role)]
#[role(permissions = Permission)]
enum Role {
    #[role(implies(Editor), grants(PostsDelete))]
    Admin,
    #[role(grants(PostsWrite, ReportsRead))]
    Editor,
    #[role(grants())]
    Viewer,
}

#[requires_permission("posts:delete")]
async fn one() {}

#[requires_permission(any("posts:write", "posts:delete"))]
async fn any_of() {}

#[requires_permission(all("posts:write", "reports_read"), fresh)]
async fn all_of_fresh() {}

#[requires_permission("billing:read", permission = perms::Scope)]
#[requires_permission("reports_read")]
#[requires_role("viewer")]
async fn stacked() {}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/a", get(one))
        .route("/b", get(any_of))
        .route("/c", get(all_of_fresh))
        .route("/d", get(stacked))
        .with_state(auth::testing::authenticator());
}
