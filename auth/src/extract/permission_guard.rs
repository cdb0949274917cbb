//! The permission guards `#[requires_permission]` inserts as a handler's first argument. They
//! also work written by hand.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::authenticate::require;
use super::refusal;
use super::state::AuthState;
use crate::claims::{PermissionEnum, Permissions};
use crate::error::AuthError;
use crate::token::VerifiedToken;

/// A valid access token granting **at least one** of the permissions in `ANY_OF` (a bitmask
/// over `P`'s indexes), through its roles or its scope claim: 401 without a valid token, 403
/// `insufficient_scope` naming the permissions in `scope="…"` without one. What
/// `#[requires_permission("a")]` and `#[requires_permission(any("a", "b"))]` insert.
///
/// The mask is computed at compile time from permission names, so a misspelt name does not
/// build:
///
/// ```
/// use auth::RequirePermission;
/// use auth::claims::permission_bit;
/// # use auth::PermissionEnum;
/// # #[derive(Clone, Copy)] enum Permission { PostsWrite }
/// # impl PermissionEnum for Permission {
/// #     const NAMES: &'static [&'static str] = &["posts:write"];
/// #     fn index(&self) -> usize { 0 }
/// #     fn from_index(i: usize) -> Option<Self> { (i == 0).then_some(Self::PostsWrite) }
/// # }
///
/// async fn publish(_: RequirePermission<Permission, { permission_bit::<Permission>("posts:write") }>) {}
/// ```
///
/// ```compile_fail
/// # use auth::RequirePermission;
/// # use auth::claims::permission_bit;
/// # use auth::PermissionEnum;
/// # #[derive(Clone, Copy)] enum Permission { PostsWrite }
/// # impl PermissionEnum for Permission {
/// #     const NAMES: &'static [&'static str] = &["posts:write"];
/// #     fn index(&self) -> usize { 0 }
/// #     fn from_index(i: usize) -> Option<Self> { (i == 0).then_some(Self::PostsWrite) }
/// # }
/// // error: unknown permission `posts:wirte`; expected one of: `posts:write`
/// async fn publish(_: RequirePermission<Permission, { permission_bit::<Permission>("posts:wirte") }>) {}
/// # fn main() { let _ = publish; }
/// ```
pub struct RequirePermission<P, const ANY_OF: u64> {
    token: Arc<VerifiedToken>,
    _permission: PhantomData<fn() -> P>,
}

/// A valid access token granting **every** permission in `ALL_OF`. What
/// `#[requires_permission(all("a", "b"))]` inserts; otherwise like [`RequirePermission`].
pub struct RequireAllPermissions<P, const ALL_OF: u64> {
    token: Arc<VerifiedToken>,
    _permission: PhantomData<fn() -> P>,
}

macro_rules! permission_guard {
    ($guard:ident, $mask:ident, $granted:expr, $doc:literal) => {
        impl<P: PermissionEnum, const $mask: u64> $guard<P, $mask> {
            #[doc = $doc]
            pub fn is_granted(permissions: Permissions<P>) -> bool {
                $granted(permissions.bits(), $mask)
            }

            /// The verified token.
            pub fn token(&self) -> &Arc<VerifiedToken> {
                &self.token
            }
        }

        impl<P, const $mask: u64> Deref for $guard<P, $mask> {
            type Target = VerifiedToken;
            fn deref(&self) -> &VerifiedToken {
                &self.token
            }
        }

        impl<P, const $mask: u64> Clone for $guard<P, $mask> {
            fn clone(&self) -> Self {
                Self {
                    token: self.token.clone(),
                    _permission: PhantomData,
                }
            }
        }

        impl<P: PermissionEnum, const $mask: u64> fmt::Debug for $guard<P, $mask> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($guard))
                    .field("permissions", &Permissions::<P>::from_bits($mask))
                    .field("subject", &self.token.subject())
                    .finish()
            }
        }

        impl<S, P, const $mask: u64> FromRequestParts<S> for $guard<P, $mask>
        where
            S: AuthState,
            P: PermissionEnum,
        {
            type Rejection = AuthError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                // 401 before 403: the token is verified before any permission is looked at.
                let auth = state.authenticator();
                let token = require(&auth, parts).await?;
                // The bits are cached on the token: a mask and a compare.
                if $granted(token.permissions::<P>().bits(), $mask) {
                    Ok(Self {
                        token,
                        _permission: PhantomData,
                    })
                } else {
                    // Only a refusal pays for the names.
                    let scope = Permissions::<P>::from_bits($mask).to_scope();
                    let err = auth.reject(AuthError::insufficient_scope(scope));
                    refusal::log(parts, &err);
                    Err(err)
                }
            }
        }
    };
}

permission_guard!(
    RequirePermission,
    ANY_OF,
    |granted: u64, mask: u64| granted & mask != 0,
    "Whether `permissions` include one of `ANY_OF`."
);
permission_guard!(
    RequireAllPermissions,
    ALL_OF,
    |granted: u64, mask: u64| granted & mask == mask,
    "Whether `permissions` include all of `ALL_OF`."
);
