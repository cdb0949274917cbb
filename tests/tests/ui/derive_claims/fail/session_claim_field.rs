use auth::Claims;
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
    fresh: bool,
}

fn main() {}
