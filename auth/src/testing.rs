//! Test support: mint valid access tokens in one line, to test your own protected handlers.
//!
//! ```
//! use auth::testing;
//! # use auth::RoleEnum;
//! # #[derive(Clone, Copy, Debug, PartialEq, Eq)] enum Role { Admin }
//! # impl RoleEnum for Role {
//! #     const NAMES: &'static [&'static str] = &["admin"];
//! #     fn index(&self) -> usize { 0 }
//! #     fn from_index(i: usize) -> Option<Self> { (i == 0).then_some(Role::Admin) }
//! # }
//!
//! let auth = testing::authenticator();                       // random HS256 key
//! let token = testing::token(&auth, "alice", [Role::Admin]);  // sub + roles
//! let header = testing::bearer(&token);                      // "Bearer eyJ..."
//! assert!(auth.verify_without_revocation(&token).is_ok());
//! # let _ = header;
//! ```

use axum::http::HeaderValue;
use serde::{Deserialize, Serialize};

use crate::Authenticator;
use crate::keys::{Algorithm, SigningKey};
use crate::{PermissionEnum, Permissions, RoleEnum, Roles, TokenClaims};

/// The issuer of [`authenticator`].
pub const ISSUER: &str = "https://auth.test";
/// The audience of [`authenticator`].
pub const AUDIENCE: &str = "test";

/// An authenticator with a fresh random HS256 key, issuer [`ISSUER`] and audience
/// [`AUDIENCE`]. Put it into your test router's state.
///
/// # Panics
///
/// If the operating system's random number generator fails.
pub fn authenticator() -> Authenticator {
    #[allow(clippy::expect_used)] // test support: a broken RNG should stop the test loudly
    let key = SigningKey::generate_hmac(Algorithm::HS256).expect("OS random number generator");
    #[allow(clippy::expect_used)] // the configuration above is valid
    Authenticator::builder()
        .signing_key(key)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .expect("valid test configuration")
}

/// A valid access token for `subject` with `roles`, signed by `auth`.
///
/// The token carries only `sub` and `roles` of the application claims; for a claims type
/// with more required fields, use [`token_with_claims`].
///
/// # Panics
///
/// If `auth` cannot sign (a verify-only key set).
pub fn token<R: RoleEnum>(
    auth: &Authenticator,
    subject: &str,
    roles: impl IntoIterator<Item = R>,
) -> String {
    token_with_claims(
        auth,
        &Minimal::<R> {
            sub: subject.to_owned(),
            roles: roles.into_iter().collect(),
        },
    )
}

/// A valid access token carrying `claims`.
///
/// # Panics
///
/// If `auth` cannot sign, or `claims` do not serialize to an object without registered
/// claim names.
pub fn token_with_claims<C: TokenClaims + Serialize>(auth: &Authenticator, claims: &C) -> String {
    match auth.issue(claims) {
        Ok(issued) => issued.access_token,
        Err(err) => panic!("cannot mint a test token: {err}"),
    }
}

/// A valid access token for `subject` whose scope claim names `permissions`, and no roles:
/// what a service client gets from `client_credentials`, for testing handlers guarded by
/// `#[requires_permission]`.
///
/// ```
/// use auth::{Permission, testing};
///
/// #[derive(Permission, Clone, Copy)]
/// enum Permission {
///     #[permission(rename = "reports:read")]
///     ReportsRead,
/// }
///
/// let auth = testing::authenticator();
/// let token = testing::token_with_permissions(&auth, "exporter", [Permission::ReportsRead]);
/// let verified = auth.verify_without_revocation(&token).unwrap();
/// assert!(verified.permissions::<Permission>().contains(Permission::ReportsRead));
/// ```
///
/// # Panics
///
/// If `auth` cannot sign (a verify-only key set).
pub fn token_with_permissions<P: PermissionEnum>(
    auth: &Authenticator,
    subject: &str,
    permissions: impl IntoIterator<Item = P>,
) -> String {
    let scope = permissions
        .into_iter()
        .collect::<Permissions<P>>()
        .to_scope();
    token_with_scope(auth, subject, &scope)
}

/// A valid access token for `subject` whose scope claim is `scope` as written (names
/// separated by spaces, known or not), and no roles.
///
/// # Panics
///
/// If `auth` cannot sign (a verify-only key set).
pub fn token_with_scope(auth: &Authenticator, subject: &str, scope: &str) -> String {
    let mut claims = Scoped {
        sub: subject.to_owned(),
        scope: serde_json::Map::new(),
    };
    claims
        .scope
        .insert(auth.scope_claim().to_owned(), scope.into());
    token_with_claims(auth, &claims)
}

/// The `Authorization` header value for `token`.
///
/// # Panics
///
/// If `token` has bytes that cannot be in a header (it never has, when minted here).
pub fn bearer(token: &str) -> HeaderValue {
    match HeaderValue::try_from(format!("Bearer {token}")) {
        Ok(value) => value,
        Err(err) => panic!("not a valid header value: {err}"),
    }
}

/// `sub` and the scope claim, under its configured name.
#[derive(Serialize, Deserialize)]
struct Scoped {
    sub: String,
    #[serde(flatten)]
    scope: serde_json::Map<String, serde_json::Value>,
}

impl TokenClaims for Scoped {
    type Role = crate::claims::NoRole;
    const ROLES_MEMBER: Option<&'static str> = None;

    fn subject(&self) -> &str {
        &self.sub
    }

    fn roles(&self) -> Roles<crate::claims::NoRole> {
        Roles::empty()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct Minimal<R: RoleEnum> {
    sub: String,
    roles: Roles<R>,
}

impl<R: RoleEnum> TokenClaims for Minimal<R> {
    type Role = R;
    fn subject(&self) -> &str {
        &self.sub
    }
    fn roles(&self) -> Roles<R> {
        self.roles
    }
}
