use auth::protected;

#[protected]
fn me() -> &'static str {
    "me"
}

fn main() {}
