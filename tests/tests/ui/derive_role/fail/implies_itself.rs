use auth::Role;

#[derive(Role)]
enum Role {
    #[role(implies(Admin))]
    Admin,
}

fn main() {}
