use std::any::TypeId;
use std::sync::OnceLock;

use serde_json::Value;

use super::TokenError;
use crate::claims::{ClaimSet, RegisteredClaims, RoleSet, Roles, effective_bits};

/// A verified access token: its registered claims, its roles and its payload.
///
/// Extractors cache it in the request extensions (as `Arc<VerifiedToken>`), so several
/// extractors on one request verify the token once.
#[derive(Debug)]
pub struct VerifiedToken {
    registered: RegisteredClaims,
    roles: Vec<Box<str>>,
    payload: Vec<u8>,
    /// The effective role bits for the last role type asked about: an application has one
    /// role enum, so this turns every role check after the first into a mask and a compare.
    role_bits: OnceLock<(TypeId, u64)>,
}

impl VerifiedToken {
    pub(crate) fn new(
        registered: RegisteredClaims,
        roles: Vec<Box<str>>,
        payload: Vec<u8>,
    ) -> Self {
        Self {
            registered,
            roles,
            payload,
            role_bits: OnceLock::new(),
        }
    }

    /// The registered claims.
    pub fn registered(&self) -> &RegisteredClaims {
        &self.registered
    }

    /// `sub`: the user the token was issued to.
    pub fn subject(&self) -> &str {
        self.registered.subject()
    }

    /// `jti`: the token's unique id.
    pub fn jwt_id(&self) -> &str {
        self.registered.jwt_id()
    }

    /// `exp`, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.registered.expires_at()
    }

    /// The role names in the token, as written, including names no role enum knows.
    pub fn role_names(&self) -> impl Iterator<Item = &str> {
        self.roles.iter().map(|name| &**name)
    }

    /// The roles of `R` named in the token (unknown names are skipped), without the
    /// hierarchy.
    pub fn roles<R: RoleSet>(&self) -> Roles<R> {
        Roles::from_names(self.role_names())
    }

    /// The roles of `R` the token grants, the hierarchy included.
    pub fn effective_roles<R: RoleSet>(&self) -> Roles<R> {
        let id = TypeId::of::<R>();
        let &(cached_for, bits) = self
            .role_bits
            .get_or_init(|| (id, effective_bits::<R>(self.roles::<R>().bits())));
        if cached_for == id {
            Roles::from_bits(bits)
        } else {
            self.roles::<R>().effective()
        }
    }

    /// The decoded JSON payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Deserializes the payload into the application's claims type.
    ///
    /// Role names the claims' role enum does not know are dropped from
    /// [`ClaimSet::ROLES_MEMBER`] first, so they grant nothing and are not an error even when
    /// the field is a `Vec<Role>`.
    pub fn claims<C: ClaimSet>(&self) -> Result<C, TokenError> {
        if let Ok(claims) = serde_json::from_slice::<C>(&self.payload) {
            return Ok(claims);
        }
        // The slow path runs only when the direct parse failed, which for a token this
        // library issued means a role name the deployed enum no longer knows.
        let member = C::ROLES_MEMBER.ok_or(TokenError::ClaimsType)?;
        let mut value: Value =
            serde_json::from_slice(&self.payload).map_err(|_| TokenError::ClaimsType)?;
        if let Some(Value::Array(names)) = value.get_mut(member) {
            names.retain(|name| {
                name.as_str()
                    .is_some_and(|name| C::Role::from_name(name).is_some())
            });
        }
        serde_json::from_value(value).map_err(|_| TokenError::ClaimsType)
    }
}
