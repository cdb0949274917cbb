use auth::Claims;
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    #[claims(subjekt)]
    user_id: String,
}

fn main() {}
