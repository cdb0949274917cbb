//! Axum extractors: [`Auth<C>`](crate::Auth) for claims, and the guards the macros insert
//! (all exported at the crate root).
//!
//! Every extractor finds the [`Authenticator`](crate::Authenticator) in the router state
//! through `FromRef` and authenticates the request the same way (the token from
//! `Authorization: Bearer`, or from another [transport](crate::transport) the
//! authenticator turns on; verified, checked against the revocation list, and remembered in
//! the request extensions, so a guard and an `Auth<C>` on one handler verify once). All of
//! them reject with [`AuthError`](crate::error::AuthError).
//!
//!
//! The router state must hold the `Authenticator`: see its docs for the pattern, and for the
//! compile error when it does not.

mod authenticate;
mod claims;
mod guard;
mod permission_guard;
mod public;
pub(crate) mod refusal;
mod state;

pub use claims::Auth;
pub use guard::{Authenticated, RequireAllRoles, RequireFresh, RequireRole};
pub use permission_guard::{RequireAllPermissions, RequirePermission};
pub use public::Public;
pub use state::AuthState;

pub(crate) use authenticate::require;
