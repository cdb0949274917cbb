use auth::Role;

#[derive(Role)]
enum Role {
    #[role(rename = "root", rename = "superuser")]
    Admin,
}

fn main() {}
