use auth::Claims;
use serde::Serialize;

// Claims are read back from tokens: `Deserialize` is required too.
#[derive(Claims, Serialize)]
struct UserClaims {
    sub: String,
}

fn main() {}
