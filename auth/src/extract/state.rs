//! How extractors find the [`Authenticator`] in the router state: through [`AuthState`], which
//! every state with `Authenticator: FromRef<S>` has, and `Arc<S>` of such a state too.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::Authenticator;

/// A router state the extractors and guards can take the [`Authenticator`] from.
///
/// Nothing to implement in the usual cases:
///
/// - a state with `Authenticator: FromRef<S>`, such as `#[derive(Clone, FromRef)] struct
///   AppState { auth: Authenticator, .. }`, or the `Authenticator` itself;
/// - `Arc<S>` of such a state: `Router::new().with_state(Arc::new(state))`, axum's most
///   common pattern. (`impl FromRef<Arc<AppState>> for Authenticator` cannot be written in
///   an application: the orphan rule forbids it, E0117.)
///
/// ```
/// use std::sync::Arc;
///
/// use auth::{Authenticator, protected};
/// use axum::extract::{FromRef, State};
/// use axum::{Router, routing::get};
///
/// #[derive(Clone, FromRef)]
/// struct AppState {
///     auth: Authenticator,
///     greeting: String,
/// }
///
/// #[protected]
/// async fn hello(State(state): State<Arc<AppState>>) -> String {
///     state.greeting.clone()
/// }
///
/// let state = AppState { auth: auth::testing::authenticator(), greeting: "hi".into() };
/// let app: Router = Router::new().route("/", get(hello)).with_state(Arc::new(state));
/// ```
///
/// A state that keeps the authenticator somewhere `FromRef` cannot reach implements it in
/// one line (and must then not also derive `FromRef` for the `Authenticator`):
///
/// ```
/// # use auth::{AuthState, Authenticator};
/// struct AppState { services: Services }
/// struct Services { auth: Authenticator }
///
/// impl AuthState for AppState {
///     fn authenticator(&self) -> Authenticator { self.services.auth.clone() }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "the router state `{Self}` does not give the auth extractors an `Authenticator`",
    label = "no `Authenticator` in this state",
    note = "add a field `auth: Authenticator` to the state and `#[derive(Clone, FromRef)]` on it, \
            or implement `auth::AuthState` for it; `Arc<State>` works when `State` does"
)]
pub trait AuthState: Send + Sync {
    /// The authenticator (a cheap clone: one `Arc`).
    fn authenticator(&self) -> Authenticator;
}

impl<S> AuthState for S
where
    S: Send + Sync,
    Authenticator: FromRef<S>,
{
    fn authenticator(&self) -> Authenticator {
        Authenticator::from_ref(self)
    }
}

impl<T: AuthState> AuthState for Arc<T> {
    fn authenticator(&self) -> Authenticator {
        (**self).authenticator()
    }
}
