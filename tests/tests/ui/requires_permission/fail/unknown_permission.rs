use auth::{Permission, requires_permission};

#[derive(Permission)]
enum Permission {
    #[permission(rename = "posts:write")]
    PostsWrite,
    #[permission(rename = "posts:delete")]
    PostsDelete,
}

#[requires_permission("posts:delte")]
async fn delete_post() {}

fn main() {}
