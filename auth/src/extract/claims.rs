use std::ops::{Deref, DerefMut};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;

use super::authenticate::{authenticate, require};
use super::state::AuthState;
use crate::Authenticator;
use crate::TokenClaims;
use crate::error::AuthError;
use crate::token::VerifiedToken;

/// The verified claims of the request's access token.
///
/// Rejects with 401 when there is no valid access token. As `Option<Auth<C>>` it serves
/// routes where login is optional: no credentials gives `None`, but credentials that are
/// present and invalid are still refused (a broken token is never silently anonymous).
///
/// ```
/// use auth::{Auth, TokenClaims, Roles, RoleEnum};
/// use axum::Json;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Copy, Debug, PartialEq, Eq)] enum Role { Admin }
/// # impl RoleEnum for Role {
/// #     const NAMES: &'static [&'static str] = &["admin"];
/// #     fn index(&self) -> usize { 0 }
/// #     fn from_index(i: usize) -> Option<Self> { (i == 0).then_some(Role::Admin) }
/// # }
/// # #[derive(Serialize, Deserialize)]
/// # struct UserClaims { sub: String, roles: Roles<Role>, email: String }
/// # impl TokenClaims for UserClaims {
/// #     type Role = Role;
/// #     fn subject(&self) -> &str { &self.sub }
/// #     fn roles(&self) -> Roles<Role> { self.roles }
/// # }
///
/// async fn me(Auth(user): Auth<UserClaims>) -> Json<UserClaims> {
///     Json(user)
/// }
///
/// async fn greeting(user: Option<Auth<UserClaims>>) -> String {
///     match user {
///         Some(Auth(user)) => format!("hello {}", user.email),
///         None => "hello stranger".to_owned(),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth<C>(pub C);

impl<C> Auth<C> {
    /// The claims.
    pub fn into_inner(self) -> C {
        self.0
    }
}

impl<C> Deref for Auth<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C> DerefMut for Auth<C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.0
    }
}

impl<S, C> FromRequestParts<S> for Auth<C>
where
    S: AuthState,
    C: TokenClaims,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = state.authenticator();
        let token = require(&auth, parts).await?;
        claims_of(&token, &auth, parts).map(Auth)
    }
}

impl<S, C> OptionalFromRequestParts<S> for Auth<C>
where
    S: AuthState,
    C: TokenClaims,
{
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = state.authenticator();
        match authenticate(&auth, parts).await? {
            Some(token) => claims_of(&token, &auth, parts).map(|c| Some(Auth(c))),
            None => Ok(None),
        }
    }
}

fn claims_of<C: TokenClaims>(
    token: &VerifiedToken,
    auth: &Authenticator,
    parts: &Parts,
) -> Result<C, AuthError> {
    token.claims_explained::<C>().map_err(|(reason, detail)| {
        super::refusal::log_claims_mismatch(parts, std::any::type_name::<C>(), &detail);
        auth.reject(reason.into())
    })
}
