use auth::protected;
use axum::http::{HeaderMap, Method, Uri, Version};

#[protected]
async fn busy(
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: String,
) {}

fn main() {}
