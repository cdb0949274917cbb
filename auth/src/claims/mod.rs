//! Claims: the registered ones the library handles, the application's own ([`ClaimSet`]),
//! and roles ([`RoleSet`], [`Roles`]).

mod claim_set;
mod registered;
mod role;
mod roles;

pub use claim_set::ClaimSet;
pub use registered::RegisteredClaims;
pub use role::{MAX_ROLES, NoRole, RoleSet, UnknownRole};
#[doc(hidden)]
pub use role::{role_bit, role_index};
pub use roles::{Iter, RoleCollection, Roles};

pub(crate) use registered::{ParsedPayload, PayloadRules, RESERVED};
pub(crate) use role::effective_bits;
