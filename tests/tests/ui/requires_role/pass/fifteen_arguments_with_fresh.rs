use auth::{Role, requires_role};
use axum::http::{HeaderMap, Method, Uri, Version};

#[derive(Role)]
enum Role {
    Admin,
}

// The role guard and the fresh guard share one argument: 15 extractors of the handler's own fit.
#[requires_role("admin", fresh)]
async fn busy(
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: String,
) {}

fn main() {
    let _: axum::Router<auth::Authenticator> =
        axum::Router::new().route("/", axum::routing::get(busy));
}
