//! Object-level authorization: a [`Policy`] decides, for one request, whether the caller may
//! act on the resource it names ("only the author may edit this post"). `#[authorize(P)]`
//! (or the [`Authorize<P>`] extractor written by hand) runs it after the token, role and
//! permission checks and before the handler's body.
//!
//! ```
//! use auth::policy::{Decision, Policy};
//! use auth::token::VerifiedToken;
//! use axum::extract::{Path, State};
//!
//! #[derive(Clone)]
//! struct AppState { auth: auth::Authenticator, db: Db }
//! # impl axum::extract::FromRef<AppState> for auth::Authenticator {
//! #     fn from_ref(state: &AppState) -> Self { state.auth.clone() }
//! # }
//! # impl axum::extract::FromRef<AppState> for Db {
//! #     fn from_ref(state: &AppState) -> Self { state.db.clone() }
//! # }
//! #[derive(Clone)]
//! struct Db;
//! impl Db {
//!     async fn author_of(&self, _post: i64) -> Result<Option<String>, std::io::Error> {
//!         Ok(Some("alice".to_owned()))
//!     }
//! }
//!
//! /// The author of post `{id}` may edit it; nobody else learns that it exists.
//! struct OwnsPost;
//!
//! impl Policy<AppState> for OwnsPost {
//!     type Input = (Path<i64>, State<Db>);
//!
//!     async fn check(
//!         token: &VerifiedToken,
//!         (Path(id), State(db)): Self::Input,
//!     ) -> Result<Decision, auth::policy::BoxError> {
//!         Ok(match db.author_of(id).await? {
//!             Some(author) if author == token.subject() => Decision::Allow,
//!             Some(_) => Decision::Deny,
//!             None => Decision::NotFound,
//!         })
//!     }
//! }
//!
//! #[auth::authorize(OwnsPost)]
//! async fn edit(Path(id): Path<i64>, body: String) -> String {
//!     format!("post {id} is now {body}")
//! }
//! # let _: axum::Router<AppState> = axum::Router::new().route("/posts/{id}", axum::routing::put(edit));
//! ```

mod guard;

use std::future::Future;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::token::VerifiedToken;

pub use guard::Authorize;

/// The error a policy returns when it cannot decide (a database down): the request is
/// refused with 500 `server_error` and the error logged, never allowed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a [`Policy`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// The request goes on to the handler.
    Allow,
    /// 403 `insufficient_scope`: the caller is known, and may not do this to this resource.
    Deny,
    /// The policy's [`not_found`](Policy::not_found) answer (404 by default), for a resource
    /// that does not exist, or that the caller must not learn exists (OWASP API1: a 403
    /// would confirm it does).
    NotFound,
}

/// An object-level authorization check, run by `#[authorize(Self)]` for a router state `S`.
///
/// `Input` is what the check needs of the request, as extractors: the path parameters
/// (`Path<T>`), the application's state (`State<Db>`), headers. They are extracted after the
/// token was verified and before the handler's own extractors, so a denied request never has
/// its body read. A policy whose `Input` cannot be extracted from `S` does not compile where
/// the handler is routed.
///
/// The check runs on every request of the routes it guards: keep it to one indexed lookup.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a policy for the router state `{S}`",
    label = "`{Self}` does not implement `auth::policy::Policy<{S}>`",
    note = "implement `Policy<{S}>` for `{Self}`, or `impl<S> Policy<S> for {Self}` with the \
            bounds its `Input` needs (`Db: FromRef<S>`, ...)"
)]
pub trait Policy<S>: Send + Sync + 'static {
    /// What the check reads from the request: an extractor, or a tuple of them.
    type Input: FromRequestParts<S, Rejection: IntoResponse> + Send;

    /// Decides for the caller of `token` and the request's `input`.
    fn check(
        token: &VerifiedToken,
        input: Self::Input,
    ) -> impl Future<Output = Result<Decision, BoxError>> + Send;

    /// The name the manifest and the logs show: the type's name without its module path.
    fn name() -> &'static str {
        short_type_name(std::any::type_name::<Self>())
    }

    /// The response for [`Decision::NotFound`]: 404 with
    /// `{"error": "not_found", "error_description": "The resource does not exist"}`.
    /// Override it to answer exactly what the handler answers for a missing resource, so the
    /// two cannot be told apart.
    fn not_found() -> Response {
        (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({
                "error": "not_found",
                "error_description": "The resource does not exist",
            })),
        )
            .into_response()
    }
}

/// `OwnsPost` for `my_app::policies::OwnsPost`; generic arguments keep their own last
/// segment (`Both<A, B>`), which is all a table needs.
fn short_type_name(full: &'static str) -> &'static str {
    // The name up to its generic arguments, then its last path segment.
    let end = full.find('<').unwrap_or(full.len());
    let start = full[..end].rfind("::").map_or(0, |i| i + 2);
    &full[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_drop_the_module_path() {
        assert_eq!(short_type_name("app::policies::OwnsPost"), "OwnsPost");
        assert_eq!(short_type_name("OwnsPost"), "OwnsPost");
        assert_eq!(short_type_name("a::Both<b::X, c::Y>"), "Both<b::X, c::Y>");
    }
}
