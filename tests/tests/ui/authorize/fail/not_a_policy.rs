use auth::routing::{Router, put};
use auth::{Authenticator, authorize};

/// Not a policy at all.
struct OwnsPost;

#[authorize(OwnsPost)]
async fn edit() {}

fn main() {
    let _ = Router::<Authenticator>::new().route("/posts/{id}", put(edit));
}
