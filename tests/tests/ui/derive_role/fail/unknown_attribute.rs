use auth::Role;

#[derive(Role)]
enum Role {
    #[role(renam = "root")]
    Admin,
}

fn main() {}
