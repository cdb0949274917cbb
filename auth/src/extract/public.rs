//! [`Public`]: the marker `#[public]` inserts.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Says that a handler is deliberately reachable without a token. What `#[public]` inserts as
/// the handler's first argument; it reads nothing and costs nothing. Its only use is to be
/// seen: [`auth::routing`](crate::routing) accepts a handler only when its access is
/// declared, and lists this one as `public` in the manifest.
///
/// ```
/// use auth::Public;
///
/// async fn health(_: Public) -> &'static str {
///     "ok"
/// }
/// # let _: auth::routing::Router = auth::routing::Router::new()
/// #     .route("/health", auth::routing::get(health));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Public;

impl<S: Send + Sync> FromRequestParts<S> for Public {
    type Rejection = Infallible;

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self)
    }
}
