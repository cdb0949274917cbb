#![doc = include_str!("../../README.md")]
//!
//! # Crypto backend
//!
//! Signatures go through `jsonwebtoken` 11, which needs exactly one backend. This crate
//! selects it with its own features:
//!
//! - `rust-crypto` (default): pure Rust, nothing to build but Rust. RSA and ECDSA verify more
//!   slowly (RS256 ≈ 210 µs, ES256 ≈ 277 µs on a 2-core machine, against ≈ 25 µs and ≈ 63 µs
//!   with aws-lc; HS256 and EdDSA are on par), and it pulls in the `rsa` crate, whose
//!   RUSTSEC-2023-0071 (the Marvin timing side channel) has no fix: it concerns RSA
//!   *private-key* operations, so with this backend sign with HS256, ES256 or EdDSA and use
//!   RSA keys only to verify.
//! - `aws-lc-rs`: builds the aws-lc C library (minutes on 2 cores, and a C toolchain); wins when
//!   both features are on.
//!
//! The default is `rust-crypto` because build time is everyone's time, the recommended
//! algorithms (HS256 for one service, EdDSA or ES256 when other services verify) are as fast
//! with it, and the verified-token cache takes the RSA/ECDSA cost off the request path. HMAC
//! never goes through the backend: HS256/384/512 use the `hmac` crate with the key schedule
//! computed once per key.
//!
//! The backend is installed before any key is built and called directly, so no feature
//! combination can make the first sign or verify panic (security manual, J1).
//!
//! # Cargo features
//!
//! | feature | adds |
//! |---|---|
//! | `rust-crypto` (default) / `aws-lc-rs` | the crypto backend, above |
//! | `sqlite` | `store::SqliteStore`: refresh tokens and revocations that survive a restart |
//! | `postgres` | `store::PostgresStore`: the same in PostgreSQL, shared by every instance (no TLS) |
//! | `redis` | `store::RedisStore`: the same, shared by every instance |
//! | `jwks-remote` | `jwks::RemoteJwks::builder`: fetch another issuer's keys over `https` |
//! | `utoipa` | `auth::openapi`: security schemes and 401/403 responses in OpenAPI documents |
//!
//! Cookies with CSRF protection ([`transport::cookie`]), fresh tokens, WebSocket tokens
//! ([`transport::websocket`]),
//! publishing a JWKS and verifying with a static one ([`jwks`]) need no feature.

//! # Layers
//!
//! Each module depends only on the modules listed before it (in its row or an earlier one), so
//! a request can be followed in one direction, from the header to the handler (`ARCHITECTURE.md` at the repository root
//! walks through it):
//!
//! | layer | modules | knows |
//! |---|---|---|
//! | 1. vocabulary | `json`, [`claims`] | strict JSON pieces; roles, claim types |
//! | 2. keys | [`keys`], [`jwks`] | signing and verifying keys; JWKS documents, published and fetched |
//! | 3. tokens | [`token`] | the compact JWS: parse, verify, issue, the verified-token cache |
//! | 4. state and errors | [`store`], [`error`], [`password`] | refresh-token and revocation stores; refusals as HTTP; argon2id |
//! | 5. transport | [`transport`] | where a request carries its token (header, cookie with CSRF, WebSocket query) |
//! | 6. the authenticator | [`Authenticator`] | keys + rules + cache + revocation + transport, in the app state |
//! | 7. the request path | `extract`, [`layer`] | axum extractors, the guards, the tower layer |
//! | 8. flows | [`endpoints`], [`policy`], [`routing`] | `/token`, `/refresh`, `/logout`; object-level policies; deny-by-default routing and its manifest |
//! | 9. around | [`testing`], `openapi`, [`manual`] | test helpers, OpenAPI, the security manual |

#[allow(unused_extern_crates)]
extern crate self as auth;

mod authenticator;
pub mod claims;
pub mod endpoints;
pub mod error;
mod extract;
mod json;
pub mod jwks;
pub mod keys;
pub mod layer;
pub mod manual;
#[cfg(feature = "utoipa")]
pub mod openapi;
pub mod password;
pub mod policy;
pub mod routing;
pub mod store;
pub mod testing;
pub mod token;
pub mod transport;

pub use authenticator::{Authenticator, AuthenticatorBuilder};
// The macros (documented in `auth-macros`). `Role` and `Claims` are derive macros only: the
// traits have other names, so `use auth::{Role, Claims};` never collides with a user's own
// `enum Role` or `struct Claims`.
pub use auth_macros::{
    Claims, Permission, Role, authorize, protected, public, requires_permission, requires_role,
};
pub use claims::permission::PermissionEnum;
pub use claims::permission::Permissions;
pub use claims::role_enum::RoleEnum;
pub use claims::roles::Roles;
pub use claims::token_claims::TokenClaims;
pub use extract::{
    Auth, AuthState, Authenticated, Public, RequireAllPermissions, RequireAllRoles, RequireFresh,
    RequirePermission, RequireRole,
};
pub use policy::{Authorize, Policy};

#[doc(hidden)] // used by the expansions of `auth-macros`; not public API
pub mod __private {
    pub use crate::claims::permission::{
        GrantProbe, GrantedByRoles, GrantsViaRoles, GrantsViaScopesOnly, granted_by_roles,
    };
    pub use crate::claims::role_enum::{UnknownRoleName, name_bit_among, role_bit_among};
    pub use crate::claims::{NoRole, RoleCollection, UnknownPermission, UnknownRole};
    pub use crate::{Authenticated, Authorize, Public, RequireAllRoles, RequireFresh, RequireRole};
    pub use crate::{PermissionEnum, Permissions, RequireAllPermissions, RequirePermission};
    pub use crate::{RoleEnum, Roles, TokenClaims};
    pub use serde;
}

/// The macro crate's side of the values both crates hold (see that file for why).
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../auth-macros/src/shared.rs"]
mod macro_crate;

#[cfg(test)]
mod tests {
    use super::macro_crate;

    #[test]
    fn the_macro_crate_agrees() {
        use crate::error::{AuthError, ErrorKind};

        assert_eq!(macro_crate::RESERVED_CLAIMS, crate::claims::RESERVED);
        assert_eq!(macro_crate::MAX_ROLES, crate::claims::role_enum::MAX_ROLES);
        assert_eq!(
            macro_crate::FORBIDDEN_DESCRIPTION,
            AuthError::new(ErrorKind::InsufficientScope).description()
        );
        assert_eq!(
            macro_crate::FORBIDDEN_PERMISSION_DESCRIPTION,
            AuthError::insufficient_scope("x").description()
        );
        assert_eq!(
            macro_crate::FORBIDDEN_POLICY_DESCRIPTION,
            AuthError::new(ErrorKind::PolicyDenied).description()
        );
        #[cfg(feature = "utoipa")]
        assert_eq!(macro_crate::BEARER_SCHEME, crate::openapi::BEARER_SCHEME);
    }
}
