use auth::Permission;

#[derive(Permission)]
enum Permission {
    PostsWrite = 1,
    PostsDelete,
}

fn main() {}
