use auth::Role;

#[derive(Role)]
struct Role {
    name: String,
}

fn main() {}
