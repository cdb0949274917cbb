use auth::Claims;
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
    #[serde(rename = "aud")]
    audience: String,
}

fn main() {}
