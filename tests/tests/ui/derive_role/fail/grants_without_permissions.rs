use auth::Role;

#[derive(Role)]
enum Role {
    #[role(grants(PostsWrite))]
    Editor,
}

fn main() {}
