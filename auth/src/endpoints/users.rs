//! The application's users, as the endpoints see them.

use std::fmt;
use std::future::Future;

use serde::Serialize;

use crate::TokenClaims;
use crate::store::StoreError;

/// A user as the application stores it: the claims of its access tokens, its password hash,
/// and whether it may log in.
#[non_exhaustive]
pub struct User<C> {
    /// The claims put into the user's access tokens. Their
    /// [`subject`](TokenClaims::subject) is the user's stable id (`sub`): refresh tokens are
    /// bound to it, and [`UserStore::find_by_subject`] finds the user by it.
    pub claims: C,
    /// The PHC string of the password (from [`Passwords::hash`](crate::password::Passwords::hash)).
    /// Not read on refresh, where it may be left empty.
    pub password_hash: String,
    /// A disabled user cannot log in, and its refresh tokens stop working (their family is
    /// revoked at the next refresh).
    pub disabled: bool,
}

impl<C: TokenClaims> User<C> {
    /// An enabled user.
    pub fn new(claims: C, password_hash: impl Into<String>) -> Self {
        Self {
            claims,
            password_hash: password_hash.into(),
            disabled: false,
        }
    }

    /// Sets whether the user is disabled.
    #[must_use]
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// The user's id: the claims' subject.
    pub fn subject(&self) -> &str {
        self.claims.subject()
    }
}

impl<C: TokenClaims> fmt::Debug for User<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("subject", &self.claims.subject())
            .field("password_hash", &"[redacted]")
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// Where the endpoints find users: implemented by the application over its database.
///
/// The methods are `async fn`s whose futures must be `Send` (write them as `async fn` in the
/// `impl`; the compiler checks the rest). Errors ([`StoreError`]) make the request fail with
/// 503; a user that is not found is `Ok(None)`.
///
/// A complete in-memory store, with the endpoints and a login:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, RwLock};
///
/// use auth::endpoints::{Endpoints, User, UserStore};
/// use auth::password::{PasswordConfig, Passwords};
/// use auth::store::StoreError;
/// use auth::{TokenClaims, RoleEnum, Roles};
/// use axum::body::Body;
/// use axum::http::{Request, StatusCode};
/// use serde::{Deserialize, Serialize};
/// use tower::ServiceExt as _;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum Role { Admin, Viewer }
///
/// impl RoleEnum for Role {
///     const NAMES: &'static [&'static str] = &["admin", "viewer"];
///     fn index(&self) -> usize { *self as usize }
///     fn from_index(i: usize) -> Option<Self> { [Role::Admin, Role::Viewer].get(i).copied() }
/// }
///
/// #[derive(Clone, Serialize, Deserialize)]
/// struct UserClaims { sub: String, roles: Roles<Role>, email: String }
///
/// impl TokenClaims for UserClaims {
///     type Role = Role;
///     fn subject(&self) -> &str { &self.sub }
///     fn roles(&self) -> Roles<Role> { self.roles }
/// }
///
/// /// Users by username; each row: (claims, password hash, disabled).
/// #[derive(Clone, Default)]
/// struct MemoryUsers(Arc<RwLock<HashMap<String, (UserClaims, String, bool)>>>);
///
/// impl UserStore for MemoryUsers {
///     type Claims = UserClaims;
///
///     async fn find_by_username(&self, username: &str) -> Result<Option<User<UserClaims>>, StoreError> {
///         let users = self.0.read().map_err(|_| StoreError::new("poisoned"))?;
///         Ok(users.get(username).map(|(claims, hash, disabled)| {
///             User::new(claims.clone(), hash.clone()).disabled(*disabled)
///         }))
///     }
///
///     async fn find_by_subject(&self, subject: &str) -> Result<Option<User<UserClaims>>, StoreError> {
///         let users = self.0.read().map_err(|_| StoreError::new("poisoned"))?;
///         Ok(users.values().find(|(claims, ..)| claims.sub == subject).map(
///             |(claims, hash, disabled)| User::new(claims.clone(), hash.clone()).disabled(*disabled),
///         ))
///     }
///
///     async fn update_password_hash(&self, subject: &str, hash: &str) -> Result<(), StoreError> {
///         let mut users = self.0.write().map_err(|_| StoreError::new("poisoned"))?;
///         if let Some(row) = users.values_mut().find(|(claims, ..)| claims.sub == subject) {
///             row.1 = hash.to_owned();
///         }
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let auth = auth::testing::authenticator();
/// let passwords = Passwords::new(PasswordConfig::default())?;
/// let users = MemoryUsers::default();
/// let claims = UserClaims {
///     sub: "u-1".into(),
///     roles: [Role::Admin].into_iter().collect(),
///     email: "alice@example.com".into(),
/// };
/// let hash = passwords.hash("correct horse battery staple").await?;
/// users.0.write().unwrap().insert("alice".into(), (claims, hash, false));
///
/// let endpoints = Endpoints::builder(auth, users).passwords(passwords).build()?;
/// let app: axum::Router = axum::Router::new().merge(endpoints.router());
///
/// let login = Request::post("/token")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .body(Body::from("grant_type=password&username=alice&password=correct+horse+battery+staple"))?;
/// let response = app.oneshot(login).await?;
/// assert_eq!(response.status(), StatusCode::OK);
/// assert_eq!(response.headers()["cache-control"], "no-store");
/// # Ok(())
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a user store",
    note = "implement `auth::endpoints::UserStore` for `{Self}`: find users by username and by subject, and update password hashes"
)]
pub trait UserStore: Send + Sync + 'static {
    /// The claims of the users' access tokens.
    type Claims: TokenClaims + Serialize;

    /// The user who logs in with `username` (exactly as sent; normalize it here if your
    /// usernames are case-insensitive).
    fn find_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<User<Self::Claims>>, StoreError>> + Send;

    /// The user whose claims' subject is `subject`: read again at every refresh, so role
    /// changes and disabling take effect within one access-token lifetime (security manual, RT-05).
    fn find_by_subject(
        &self,
        subject: &str,
    ) -> impl Future<Output = Result<Option<User<Self::Claims>>, StoreError>> + Send;

    /// Replaces the stored password hash of `subject`, after a login found it outdated
    /// (other Argon2 parameters than the current policy). A failure is logged; the login still
    /// succeeds.
    fn update_password_hash(
        &self,
        subject: &str,
        password_hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
