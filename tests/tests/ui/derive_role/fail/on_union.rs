use auth::Role;

#[derive(Role)]
union Role {
    bits: u64,
}

fn main() {}
