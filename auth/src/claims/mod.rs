//! Claims: the registered ones the library handles ([`RegisteredClaims`]), the application's
//! own ([`TokenClaims`](crate::TokenClaims)), and roles ([`RoleEnum`](crate::RoleEnum), the
//! trait of a role enum; [`Roles`](crate::Roles), a set of its roles).

pub(crate) mod permission;
mod registered;
pub(crate) mod role_enum;
pub(crate) mod roles;
pub(crate) mod token_claims;

pub use permission::{
    GrantedByRoles, PermissionEnum, Permissions, UnknownPermission, granted_by_roles,
    permission_bit,
};
pub use registered::RegisteredClaims;
pub use role_enum::{NoRole, UnknownRole, role_bit};
pub use roles::{Iter, RoleCollection};

pub(crate) use registered::RESERVED;
pub(crate) use role_enum::effective_bits;
