use auth::{Role, requires_role};
use axum::http::{HeaderMap, Method, Uri, Version};

#[derive(Role)]
enum Role {
    Admin,
}

// 15 extractors fit with one guard, not with the role guard and the fresh guard.
#[requires_role("admin", fresh)]
async fn busy(
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: String,
) {}

fn main() {}
