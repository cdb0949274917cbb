use auth::Role;

#[derive(Role)]
enum Role {
    Admin,
    #[role(rename = "admin")]
    Root,
}

fn main() {}
