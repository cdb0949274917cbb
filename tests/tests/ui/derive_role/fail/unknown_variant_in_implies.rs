use auth::Role;

#[derive(Role)]
enum Role {
    #[role(implies(Edtor))]
    Admin,
    Editor,
}

fn main() {}
