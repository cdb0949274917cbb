use auth::Role;

#[derive(Role)]
enum Role {
    Admin,
    Custom(String),
}

fn main() {}
