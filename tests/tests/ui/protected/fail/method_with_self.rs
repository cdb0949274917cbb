use auth::protected;

struct Api;

impl Api {
    #[protected]
    async fn me(&self) -> &'static str {
        "me"
    }
}

fn main() {}
