use auth::{Permission, Role};

#[derive(Permission)]
enum Permission {
    PostsWrite,
}

#[derive(Role)]
#[role(permissions = Permission)]
enum Role {
    #[role(grants(PostsWrite))]
    Editor,
    Viewer,
}

fn main() {}
