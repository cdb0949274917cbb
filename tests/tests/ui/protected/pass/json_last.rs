use auth::{Auth, Authenticator, Claims, protected};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct UserClaims {
    sub: String,
}

#[derive(Deserialize, Serialize)]
struct Post {
    title: String,
}

// The guard goes first; the body extractor stays last, as axum requires.
#[protected]
async fn create(
    State(_auth): State<Authenticator>,
    Auth(user): Auth<UserClaims>,
    Json(post): Json<Post>,
) -> Json<Post> {
    let _ = user.sub;
    Json(post)
}

fn main() {
    let _: Router = Router::new()
        .route("/", post(create))
        .with_state(auth::testing::authenticator());
}
