use auth::Role;

enum Permission {
    PostsWrite,
}

#[derive(Role)]
#[role(permissions = Permission)]
enum Role {
    #[role(grants(PostsWrite))]
    Editor,
}

fn main() {}
