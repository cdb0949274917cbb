use auth::Role;

#[derive(Role)]
enum Role<'a> {
    Admin,
    Other(&'a str),
}

fn main() {}
