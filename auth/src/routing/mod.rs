//! Deny by default: routing that takes only handlers whose access is declared, and lists
//! who may call every route.
//!
//! The most common authorization bug is not a wrong role but the route nobody protected
//! (OWASP API5). These functions mirror [`axum::routing`]'s (`get`, `post`, ..., `any`), but
//! a handler passed to them must declare its access: `#[public]`, `#[protected]`,
//! `#[requires_role(..)]`, `#[requires_permission(..)]` or `#[authorize(..)]`, or a guard
//! extractor as its first argument when written by hand. Forgetting does not compile:
//!
//! ```compile_fail
//! use auth::routing::{Router, get};
//!
//! async fn purge() {}
//!
//! // error: this handler does not declare who may call it
//! let app: Router = Router::new().route("/purge", get(purge));
//! ```
//!
//! The [`Router`] keeps, for every route and method, what it requires: its
//! [`manifest`](Router::manifest) is data ([`Access`]) and a stable text table, to check
//! into the repository and compare in a test, so that any change to who may call what shows
//! up in review:
//!
//! ```
//! use auth::routing::{Router, get};
//! use auth::{Role, protected, public, requires_role};
//!
//! #[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
//! enum Role { Admin, Viewer }
//!
//! #[public]
//! async fn health() -> &'static str { "ok" }
//!
//! #[protected]
//! async fn me() -> &'static str { "me" }
//!
//! #[requires_role("admin", fresh)]
//! async fn purge() {}
//!
//! let app: Router<auth::Authenticator> = Router::new()
//!     .route("/health", get(health))
//!     .route("/me", get(me))
//!     .route("/purge", get(purge).delete(purge));
//! assert_eq!(
//!     app.manifest().to_string(),
//!     "GET     /health  public\n\
//!      GET     /me      authenticated\n\
//!      GET     /purge   role admin; fresh\n\
//!      DELETE  /purge   role admin; fresh\n"
//! );
//! ```
//!
//! Plain [`axum::routing`] keeps working beside it: an application opts in route by route,
//! and `axum_router.merge(auth_router)` mixes both.

mod access;
mod declared;
mod manifest;
mod method_router;
mod router;

pub use access::{Access, AccessGuard, NameCheck};
pub use declared::Declared;
pub use manifest::{Manifest, RouteAccess};
pub use method_router::{
    MethodRouter, any, connect, delete, get, head, options, patch, post, put, trace,
};
pub use router::Router;
