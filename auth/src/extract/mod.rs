//! Axum extractors: [`Auth<C>`] for claims, and the guards the macros insert.
//!
//! Every extractor finds the [`Authenticator`](crate::Authenticator) in the router state
//! through `FromRef`, takes the token from `Authorization: Bearer` (and, when the
//! authenticator turns them on, from the access cookie of [`crate::cookie`] or the WebSocket
//! query parameter of [`crate::websocket`]), and caches the verified token in the request
//! extensions, so a guard and an `Auth<C>` on one handler verify once. All of them reject
//! with [`AuthError`](crate::AuthError).

mod auth;
mod bearer;
mod credentials;
mod guard;
mod verified;

pub use auth::Auth;
pub use bearer::bearer_token;
pub(crate) use bearer::check_token_syntax;
pub(crate) use credentials::{Transport, TransportConfig, authenticate};
pub use guard::{Authenticated, RequireAllRoles, RequireFresh, RequireRole};

pub(crate) use verified::Verified;
