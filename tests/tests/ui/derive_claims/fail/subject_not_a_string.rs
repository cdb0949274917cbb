use auth::Claims;
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: u64,
}

fn main() {}
