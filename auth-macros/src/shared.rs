//! Values that the runtime crate `auth` holds too. A proc-macro crate cannot export
//! constants, and `auth` depends on this crate, not the other way round; so this file is the
//! macro side of each value, and a unit test of `auth` (`tests::the_macro_crate_agrees` in
//! `auth/src/lib.rs`) includes it and fails when the two drift.

/// The claims `auth` writes and checks itself (`sub` is written from the subject field), the
/// session claims `fresh` and `sid` included: a claims type must not declare them.
pub(crate) const RESERVED_CLAIMS: &[&str] =
    &["iss", "aud", "exp", "nbf", "iat", "jti", "fresh", "sid"];

/// The most roles one role enum may have: one bit each in a `u64`.
pub(crate) const MAX_ROLES: usize = 64;

/// The name of the OpenAPI security scheme `auth::openapi::SecurityAddon` defines.
pub(crate) const BEARER_SCHEME: &str = "bearer";

/// The `error_description` of a 403 `insufficient_scope`, which the OpenAPI responses repeat.
pub(crate) const FORBIDDEN_DESCRIPTION: &str = "The access token does not grant the required role";

/// The `error_description` of a 403 `insufficient_scope` for a missing permission.
pub(crate) const FORBIDDEN_PERMISSION_DESCRIPTION: &str =
    "The access token does not grant the required permission";

/// The `error_description` of a 403 for a request a policy (`#[authorize]`) denies.
pub(crate) const FORBIDDEN_POLICY_DESCRIPTION: &str =
    "The access token does not allow this request on this resource";
