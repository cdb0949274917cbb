//! The guard extractors `#[protected]` and `#[requires_role]` insert as a handler's first
//! argument. They also work written by hand.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::authenticate::require;
use super::refusal;
use super::state::AuthState;
use crate::error::{AuthError, ErrorKind};
use crate::token::{TokenError, VerifiedToken};
use crate::{RoleEnum, Roles};

/// Any valid access token: 401 otherwise. What `#[protected]` inserts.
///
/// Derefs to the [`VerifiedToken`], for the subject, the `jti` and the roles.
#[derive(Clone)]
pub struct Authenticated(Arc<VerifiedToken>);

impl Authenticated {
    /// The verified token.
    pub fn token(&self) -> &Arc<VerifiedToken> {
        &self.0
    }
}

impl Deref for Authenticated {
    type Target = VerifiedToken;
    fn deref(&self) -> &VerifiedToken {
        &self.0
    }
}

impl fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Authenticated")
            .field(&self.0.subject())
            .finish()
    }
}

impl<S> FromRequestParts<S> for Authenticated
where
    S: AuthState,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        require(&state.authenticator(), parts).await.map(Self)
    }
}

/// A valid and *fresh* access token: one issued by a password login at `/token`, not by a
/// refresh. What `#[protected(fresh)]` inserts (and `#[requires_role(.., fresh)]`, after the
/// role guard). For sensitive operations (changing the password or e-mail, deleting the
/// account, paying) where a stolen refresh token must not be enough.
///
/// - no valid token: 401, as [`Authenticated`];
/// - a valid token that is not fresh: 401 `invalid_token` with the description
///   `"A fresh login is required"` ([`TokenError::NotFresh`]); refreshing does not help, the
///   client asks for the password again.
///
/// A token stays fresh for its whole lifetime (the access TTL, 15 minutes by default); tokens
/// issued with [`Authenticator::issue`](crate::Authenticator::issue) are not fresh, [`Authenticator::issue_fresh`](crate::Authenticator::issue_fresh) ones
/// are. Derefs to the [`VerifiedToken`].
///
/// ```
/// use auth::RequireFresh;
/// use axum::http::StatusCode;
///
/// async fn change_password(me: RequireFresh /*, Json(body): Json<..> */) -> StatusCode {
///     let _user = me.subject();
///     StatusCode::NO_CONTENT
/// }
/// # let _: axum::Router = axum::Router::new()
/// #     .route("/password", axum::routing::post(change_password))
/// #     .with_state(auth::testing::authenticator());
/// ```
#[derive(Clone)]
pub struct RequireFresh(Arc<VerifiedToken>);

impl RequireFresh {
    /// The verified token.
    pub fn token(&self) -> &Arc<VerifiedToken> {
        &self.0
    }
}

impl Deref for RequireFresh {
    type Target = VerifiedToken;
    fn deref(&self) -> &VerifiedToken {
        &self.0
    }
}

impl fmt::Debug for RequireFresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequireFresh")
            .field(&self.0.subject())
            .finish()
    }
}

impl<S> FromRequestParts<S> for RequireFresh
where
    S: AuthState,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = state.authenticator();
        let token = require(&auth, parts).await?;
        let err = match token.session_claims() {
            Ok(session) if session.fresh => return Ok(Self(token)),
            Ok(_) => auth.reject(TokenError::NotFresh.into()),
            Err(reason) => auth.reject(reason.into()),
        };
        refusal::log(parts, &err);
        Err(err)
    }
}

/// A valid access token granting **at least one** of the roles in `ANY_OF` (a bitmask over
/// `R`'s indexes; the hierarchy counts): 401 without a valid token, 403
/// `insufficient_scope` without the role. What `#[requires_role("a")]` and
/// `#[requires_role(any("a", "b"))]` insert.
///
/// The mask is computed at compile time from role names, so a misspelt role does not build:
///
/// ```
/// use auth::RequireRole;
/// use auth::claims::role_bit;
/// # use auth::RoleEnum;
/// # #[derive(Clone, Copy, Debug, PartialEq, Eq)] enum Role { Admin, Editor }
/// # impl RoleEnum for Role {
/// #     const NAMES: &'static [&'static str] = &["admin", "editor"];
/// #     fn index(&self) -> usize { *self as usize }
/// #     fn from_index(i: usize) -> Option<Self> { [Role::Admin, Role::Editor].get(i).copied() }
/// # }
///
/// async fn purge(_: RequireRole<Role, { role_bit::<Role>("admin") }>) {}
/// ```
///
/// ```compile_fail
/// # use auth::RequireRole;
/// # use auth::claims::role_bit;
/// # use auth::RoleEnum;
/// # #[derive(Clone, Copy, Debug, PartialEq, Eq)] enum Role { Admin }
/// # impl RoleEnum for Role {
/// #     const NAMES: &'static [&'static str] = &["admin"];
/// #     fn index(&self) -> usize { 0 }
/// #     fn from_index(i: usize) -> Option<Self> { (i == 0).then_some(Role::Admin) }
/// # }
/// // error: unknown role `admni`; expected one of: `admin`
/// async fn purge(_: RequireRole<Role, { role_bit::<Role>("admni") }>) {}
/// # fn main() { let _ = purge; }
/// ```
pub struct RequireRole<R, const ANY_OF: u64> {
    token: Arc<VerifiedToken>,
    _role: PhantomData<fn() -> R>,
}

/// A valid access token granting **every** role in `ALL_OF`. What
/// `#[requires_role(all("a", "b"))]` inserts; otherwise like [`RequireRole`].
pub struct RequireAllRoles<R, const ALL_OF: u64> {
    token: Arc<VerifiedToken>,
    _role: PhantomData<fn() -> R>,
}

macro_rules! role_guard {
    ($guard:ident, $mask:ident, $granted:expr, $doc:literal) => {
        impl<R: RoleEnum, const $mask: u64> $guard<R, $mask> {
            #[doc = $doc]
            pub fn is_granted(roles: Roles<R>) -> bool {
                let effective = roles.effective().bits();
                $granted(effective, $mask)
            }

            /// The verified token.
            pub fn token(&self) -> &Arc<VerifiedToken> {
                &self.token
            }
        }

        impl<R, const $mask: u64> Deref for $guard<R, $mask> {
            type Target = VerifiedToken;
            fn deref(&self) -> &VerifiedToken {
                &self.token
            }
        }

        impl<R, const $mask: u64> Clone for $guard<R, $mask> {
            fn clone(&self) -> Self {
                Self {
                    token: self.token.clone(),
                    _role: PhantomData,
                }
            }
        }

        impl<R: RoleEnum, const $mask: u64> fmt::Debug for $guard<R, $mask> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($guard))
                    .field("roles", &Roles::<R>::from_bits($mask))
                    .field("subject", &self.token.subject())
                    .finish()
            }
        }

        impl<S, R, const $mask: u64> FromRequestParts<S> for $guard<R, $mask>
        where
            S: AuthState,
            R: RoleEnum,
        {
            type Rejection = AuthError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                // 401 before 403: the token is verified before any role is looked at.
                let auth = state.authenticator();
                let token = require(&auth, parts).await?;
                // The effective bits are cached on the token: a mask and a compare.
                if $granted(token.effective_roles::<R>().bits(), $mask) {
                    Ok(Self {
                        token,
                        _role: PhantomData,
                    })
                } else {
                    let err = auth.reject(AuthError::new(ErrorKind::InsufficientScope));
                    refusal::log(parts, &err);
                    Err(err)
                }
            }
        }
    };
}

role_guard!(
    RequireRole,
    ANY_OF,
    |effective: u64, mask: u64| effective & mask != 0,
    "Whether `roles` (with the roles they imply) include one of `ANY_OF`."
);
role_guard!(
    RequireAllRoles,
    ALL_OF,
    |effective: u64, mask: u64| effective & mask == mask,
    "Whether `roles` (with the roles they imply) include all of `ALL_OF`."
);
