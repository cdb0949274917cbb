use auth::Claims;
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
    roles: Vec<String>,
}

fn main() {}
