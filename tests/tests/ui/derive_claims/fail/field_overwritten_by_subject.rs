use auth::Claims;
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    #[claims(subject)]
    user_id: String,
    sub: String,
}

fn main() {}
