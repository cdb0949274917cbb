//! Axum extractors: [`Auth<C>`] for claims, and the guards the macros insert.
//!
//! Every extractor finds the [`Authenticator`](crate::Authenticator) in the router state
//! through `FromRef` and authenticates the request the same way (the token from
//! `Authorization: Bearer`, or from another [transport](crate::transport) the
//! authenticator turns on; verified, checked against the revocation list, and remembered in
//! the request extensions, so a guard and an `Auth<C>` on one handler verify once). All of
//! them reject with [`AuthError`](crate::AuthError).
//!
//! # The router state must hold the `Authenticator`
//!
//! Either the state *is* the [`Authenticator`](crate::Authenticator), or it has one as a
//! field and derives `FromRef`:
//!
//! ```
//! use auth::{Authenticated, Authenticator};
//! use axum::extract::FromRef;
//! use axum::{Router, routing::get};
//!
//! #[derive(Clone, FromRef)]
//! struct AppState {
//!     auth: Authenticator, // what every extractor of this module looks for
//!     greeting: &'static str,
//! }
//!
//! async fn me(user: Authenticated) -> String {
//!     user.subject().to_owned()
//! }
//!
//! let state = AppState { auth: auth::testing::authenticator(), greeting: "hello" };
//! let app: Router = Router::new().route("/me", get(me)).with_state(state);
//! ```
//!
//! Without it, the handler does not compile. Put `#[axum::debug_handler]` under the guard
//! attribute to see the error on the handler instead of on the route:
//!
//! ```compile_fail,E0277
//! # use axum::extract::State;
//! #[derive(Clone)]
//! struct AppState {
//!     greeting: &'static str,
//! }
//!
//! #[auth::protected]
//! #[axum::debug_handler(state = AppState)]
//! async fn hello(State(state): State<AppState>) -> &'static str {
//!     state.greeting
//! }
//! // error[E0277]: the trait bound `Authenticator: FromRef<AppState>` is not satisfied
//! //   the trait `FromRef<AppState>` is not implemented for `Authenticator`
//! ```
//!
//! The fix is the first example: an `Authenticator` field and `#[derive(FromRef)]` (or a
//! hand-written `impl FromRef<AppState> for Authenticator`).

mod authenticate;
mod claims;
mod guard;

pub use claims::Auth;
pub use guard::{Authenticated, RequireAllRoles, RequireFresh, RequireRole};

pub(crate) use authenticate::require;
