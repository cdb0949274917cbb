use auth::Permission;

#[derive(Permission)]
#[permission(rename_all = "kebab-case")]
enum Permission {
    #[permission(rename = "posts:write", grants(X))]
    PostsWrite,
}

fn main() {}
