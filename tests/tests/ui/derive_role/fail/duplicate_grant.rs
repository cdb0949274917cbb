use auth::{Permission, Role};

#[derive(Permission)]
enum Permission {
    PostsWrite,
}

#[derive(Role)]
#[role(permissions = Permission, permissions = Permission)]
enum Role {
    #[role(grants(PostsWrite, PostsWrite))]
    Editor,
    #[role(grants(), grants(PostsWrite))]
    Viewer,
}

fn main() {}
