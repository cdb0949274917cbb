use auth::Claims;
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    user: String,
    email: String,
}

fn main() {}
