use auth::Role;

#[derive(Role)]
enum Role {
    #[role(rename = "a", rename = "b")]
    Admin,
    #[role(implies(Nobody))]
    Editor(u8),
    #[role(colour = "red")]
    Viewer,
}

fn main() {}
