//! What a route requires of its caller, as data: [`Access`], and the [`AccessGuard`] trait
//! through which every guard extractor describes itself.

use std::fmt;

use crate::extract::{
    Auth, Authenticated, Public, RequireAllPermissions, RequireAllRoles, RequireFresh,
    RequirePermission, RequireRole,
};
use crate::policy::{Authorize, Policy};
use crate::{PermissionEnum, RoleEnum, TokenClaims};

/// What a route requires of its caller: nothing (public), or a valid access token plus every
/// role, permission, freshness and policy check listed (they all must pass).
///
/// Built from the types of a handler's guard extractors by [`AccessGuard`], so it says what
/// the guards check, not what a comment claims. Its `Display` is the access column of the
/// [manifest](super::Manifest): `public`, `authenticated`, or the checks separated by `; `
/// (`role any(admin, editor); fresh; policy OwnsPost`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Access {
    /// Reachable without a token (`#[public]`). The other fields are then empty.
    pub public: bool,
    /// Role checks, all of which must pass.
    pub roles: Vec<NameCheck>,
    /// Permission checks, all of which must pass.
    pub permissions: Vec<NameCheck>,
    /// A fresh token is required (from a password login, not a refresh).
    pub fresh: bool,
    /// The policies that must allow the request, in the order they run.
    pub policies: Vec<&'static str>,
}

impl Access {
    /// No token needed.
    pub fn public() -> Self {
        Self {
            public: true,
            ..Self::default()
        }
    }

    /// Any valid access token.
    pub fn authenticated() -> Self {
        Self::default()
    }

    /// Adds the checks of `other` to these (both must pass).
    pub fn and(mut self, other: Self) -> Self {
        self.public &= other.public;
        self.roles.extend(other.roles);
        self.permissions.extend(other.permissions);
        self.fresh |= other.fresh;
        self.policies.extend(other.policies);
        self
    }

    /// Whether the route needs a valid access token.
    pub fn requires_token(&self) -> bool {
        !self.public
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.public {
            return f.write_str("public");
        }
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.roles.iter().map(|check| format!("role {check}")));
        parts.extend(
            self.permissions
                .iter()
                .map(|check| format!("permission {check}")),
        );
        if self.fresh {
            parts.push("fresh".to_owned());
        }
        parts.extend(
            self.policies
                .iter()
                .map(|policy| format!("policy {policy}")),
        );
        if parts.is_empty() {
            f.write_str("authenticated")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

/// One role or permission check: the names, and whether any or all of them are required.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NameCheck {
    /// `true` when every name is required (`all(..)`), `false` when one is enough.
    pub all: bool,
    /// The wire names, in the enum's order.
    pub names: Vec<&'static str>,
}

impl NameCheck {
    /// The names of the bits of `mask`, among `names` (bit `i` is `names[i]`).
    fn from_mask(names: &'static [&'static str], mask: u64, all: bool) -> Self {
        Self {
            all,
            names: names
                .iter()
                .enumerate()
                .filter(|(i, _)| u32::try_from(*i).is_ok_and(|i| i < 64 && mask & (1 << i) != 0))
                .map(|(_, name)| *name)
                .collect(),
        }
    }
}

impl fmt::Display for NameCheck {
    /// `admin`, `any(admin, editor)` or `all(admin, editor)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.names.as_slice(), self.all) {
            ([one], _) => f.write_str(one),
            (names, all) => write!(
                f,
                "{}({})",
                if all { "all" } else { "any" },
                names.join(", ")
            ),
        }
    }
}

/// A guard extractor that says what it requires: what lets [`auth::routing`](super) accept a
/// handler whose first argument it is, and what the manifest lists.
///
/// Implemented by every guard of this crate ([`Public`], [`Authenticated`], [`Auth<C>`],
/// [`RequireRole`], [`RequireAllRoles`], [`RequirePermission`], [`RequireAllPermissions`],
/// [`RequireFresh`], [`Authorize<P>`]) and by tuples of them, which is how stacked guard
/// attributes hand their guards to the handler. `S` is the router state: a policy is a guard
/// only for the states it is written for.
#[diagnostic::on_unimplemented(
    message = "this handler does not declare who may call it: its first argument, \
               `{Self}`, is not an access guard",
    label = "an undeclared handler",
    note = "`auth::routing` takes only handlers whose access is declared: add `#[public]`, \
            `#[protected]`, `#[requires_role(..)]`, `#[requires_permission(..)]` or \
            `#[authorize(..)]` to the handler",
    note = "a hand-written handler declares its access by taking a guard extractor \
            (`auth::Public`, `auth::Authenticated`, `auth::RequireRole<..>`, ..) first"
)]
pub trait AccessGuard<S> {
    /// What the guard requires.
    fn access() -> Access;
}

impl<S> AccessGuard<S> for Public {
    fn access() -> Access {
        Access::public()
    }
}

impl<S> AccessGuard<S> for Authenticated {
    fn access() -> Access {
        Access::authenticated()
    }
}

impl<S, C: TokenClaims> AccessGuard<S> for Auth<C> {
    fn access() -> Access {
        Access::authenticated()
    }
}

impl<S> AccessGuard<S> for RequireFresh {
    fn access() -> Access {
        Access {
            fresh: true,
            ..Access::default()
        }
    }
}

impl<S, R: RoleEnum, const ANY_OF: u64> AccessGuard<S> for RequireRole<R, ANY_OF> {
    fn access() -> Access {
        Access {
            roles: vec![NameCheck::from_mask(R::NAMES, ANY_OF, false)],
            ..Access::default()
        }
    }
}

impl<S, R: RoleEnum, const ALL_OF: u64> AccessGuard<S> for RequireAllRoles<R, ALL_OF> {
    fn access() -> Access {
        Access {
            roles: vec![NameCheck::from_mask(R::NAMES, ALL_OF, true)],
            ..Access::default()
        }
    }
}

impl<S, P: PermissionEnum, const ANY_OF: u64> AccessGuard<S> for RequirePermission<P, ANY_OF> {
    fn access() -> Access {
        Access {
            permissions: vec![NameCheck::from_mask(P::NAMES, ANY_OF, false)],
            ..Access::default()
        }
    }
}

impl<S, P: PermissionEnum, const ALL_OF: u64> AccessGuard<S> for RequireAllPermissions<P, ALL_OF> {
    fn access() -> Access {
        Access {
            permissions: vec![NameCheck::from_mask(P::NAMES, ALL_OF, true)],
            ..Access::default()
        }
    }
}

impl<S, P: Policy<S>> AccessGuard<S> for Authorize<P> {
    fn access() -> Access {
        Access {
            policies: vec![P::name()],
            ..Access::default()
        }
    }
}

/// Tuples of guards: every check of every element.
macro_rules! tuple_guard {
    ($($guard:ident),+) => {
        impl<S, $($guard: AccessGuard<S>),+> AccessGuard<S> for ($($guard,)+) {
            fn access() -> Access {
                let mut access = Access::public();
                // A tuple is public only if every element is; each adds its checks.
                $(access = access.and($guard::access());)+
                access
            }
        }
    };
}

tuple_guard!(G1);
tuple_guard!(G1, G2);
tuple_guard!(G1, G2, G3);
tuple_guard!(G1, G2, G3, G4);
tuple_guard!(G1, G2, G3, G4, G5);
tuple_guard!(G1, G2, G3, G4, G5, G6);
tuple_guard!(G1, G2, G3, G4, G5, G6, G7);
tuple_guard!(G1, G2, G3, G4, G5, G6, G7, G8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_name_their_bits_in_enum_order() {
        let names: &'static [&'static str] = &["admin", "editor", "viewer"];
        assert_eq!(
            NameCheck::from_mask(names, 0b101, false).names,
            ["admin", "viewer"]
        );
        assert_eq!(
            NameCheck::from_mask(names, 0b010, true).to_string(),
            "editor"
        );
        assert_eq!(
            NameCheck::from_mask(names, 0b011, true).to_string(),
            "all(admin, editor)"
        );
        assert_eq!(
            NameCheck::from_mask(names, 0b110, false).to_string(),
            "any(editor, viewer)"
        );
        // Bits past the names are ignored rather than read out of bounds.
        assert_eq!(NameCheck::from_mask(names, 1 << 63, false).names.len(), 0);
    }

    #[test]
    fn access_reads_as_the_manifest_column() {
        assert_eq!(Access::public().to_string(), "public");
        assert_eq!(Access::authenticated().to_string(), "authenticated");
        let access = Access {
            roles: vec![NameCheck {
                all: false,
                names: vec!["admin", "editor"],
            }],
            permissions: vec![NameCheck {
                all: false,
                names: vec!["posts:write"],
            }],
            fresh: true,
            policies: vec!["OwnsPost"],
            public: false,
        };
        assert_eq!(
            access.to_string(),
            "role any(admin, editor); permission posts:write; fresh; policy OwnsPost"
        );
    }

    #[test]
    fn and_keeps_every_check_and_public_only_when_both_are() {
        let both = Access::public().and(Access::authenticated());
        assert!(!both.public);
        let fresh = Access {
            fresh: true,
            ..Access::default()
        };
        assert!(Access::authenticated().and(fresh).fresh);
        assert!(Access::public().and(Access::public()).public);
    }
}
