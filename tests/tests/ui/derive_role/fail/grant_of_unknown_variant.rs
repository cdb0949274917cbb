use auth::{Permission, Role};

#[derive(Permission)]
enum Permission {
    PostsWrite,
    PostsDelete,
}

#[derive(Role)]
#[role(permissions = Permission)]
enum Role {
    #[role(grants(PostsWirte, PostsDelete))]
    Editor,
}

fn main() {}
