use auth::Claims;
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
enum UserClaims {
    Anonymous,
}

fn main() {}
