use serde::de::DeserializeOwned;

use super::role_enum::RoleEnum;
use super::roles::Roles;

/// An application's custom claims: what it puts into access tokens next to the registered
/// claims, and reads back from verified ones.
///
/// Implemented by `#[derive(auth::Claims)]`; named apart from the derive so that a user's own
/// `struct Claims` never collides with it. The registered claims (`iss`, `aud`, `exp`, `nbf`,
/// `iat`, `jti`) belong to the library and must not be fields of the type; `sub` and `roles`
/// are written from [`subject`](Self::subject) and [`roles`](Self::roles).
///
/// By hand:
///
/// ```
/// use auth::{TokenClaims, Roles, RoleEnum};
/// use serde::{Deserialize, Serialize};
///
/// # #[derive(Clone, Copy, Debug, PartialEq, Eq)] enum Role { Admin }
/// # impl RoleEnum for Role {
/// #     const NAMES: &'static [&'static str] = &["admin"];
/// #     fn index(&self) -> usize { 0 }
/// #     fn from_index(i: usize) -> Option<Self> { (i == 0).then_some(Role::Admin) }
/// # }
/// #[derive(Serialize, Deserialize)]
/// struct UserClaims {
///     sub: String,
///     roles: Roles<Role>,
///     email: String,
/// }
///
/// impl TokenClaims for UserClaims {
///     type Role = Role;
///     fn subject(&self) -> &str { &self.sub }
///     fn roles(&self) -> Roles<Role> { self.roles }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an auth claims type",
    label = "not a claims type",
    note = "add `#[derive(auth::Claims, serde::Serialize, serde::Deserialize)]` to `{Self}`, or implement `auth::TokenClaims` for it"
)]
pub trait TokenClaims: DeserializeOwned + Send + Sync + 'static {
    /// The role enum of the roles these claims carry ([`NoRole`](super::NoRole) for none).
    type Role: RoleEnum;

    /// The member that holds the roles when the type is serialized, if any.
    ///
    /// Before deserializing a verified token into this type, names in that member which
    /// [`Self::Role`] does not know are dropped, so a `Vec<Role>` field does not turn an unknown
    /// role into an invalid token. Defaults to `Some("roles")`.
    const ROLES_MEMBER: Option<&'static str> = Some("roles");

    /// The subject: the user id the token is issued to (`sub`).
    fn subject(&self) -> &str;

    /// The roles the token grants.
    fn roles(&self) -> Roles<Self::Role>;
}
