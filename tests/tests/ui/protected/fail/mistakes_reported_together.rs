use auth::protected;

struct Api;

impl Api {
    // Three independent mistakes, one compile.
    #[protected(role = "admin")]
    fn me(&self) {}
}

fn main() {}
