use auth::Permission;

#[derive(Permission)]
enum Permission {
    Custom(String),
}

#[derive(Permission)]
struct Scope {
    name: String,
}

fn main() {}
