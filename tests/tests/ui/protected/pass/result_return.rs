use auth::{Authenticator, protected};
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;

#[protected]
async fn find(Path(id): Path<u32>) -> Result<String, StatusCode> {
    if id == 0 {
        return Err(StatusCode::NOT_FOUND);
    }
    Ok(id.to_string())
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/{id}", get(find))
        .with_state(auth::testing::authenticator());
}
