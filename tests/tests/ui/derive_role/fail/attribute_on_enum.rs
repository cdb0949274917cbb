use auth::Role;

#[derive(Role)]
#[role(rename_all = "kebab-case")]
enum Role {
    Admin,
}

fn main() {}
