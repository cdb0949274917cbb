use auth::Role;

#[derive(Role)]
enum Role {
    #[role(implies(Editor))]
    Admin,
    #[role(implies(Viewer))]
    Editor,
    #[role(implies(Admin))]
    Viewer,
}

fn main() {}
