//! `Roles<R>`: a set of roles as one `u64`, so checks are a mask and a compare.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};

use super::role_enum::{RoleEnum, effective_bits};

/// A set of roles of one [`RoleEnum`], stored as a bitset.
///
/// Serializes as a JSON array of wire names. Deserializing skips names the enum does not
/// know: a token from a newer deployment or another issuer may carry roles this build has
/// never heard of, and those grant nothing rather than making the token invalid. Elements
/// that are not strings are an error.
///
/// ```
/// # use auth::{RoleEnum, Roles};
/// # #[derive(Clone, Copy, Debug, PartialEq, Eq)] enum Role { Admin, Editor }
/// # impl RoleEnum for Role {
/// #     const NAMES: &'static [&'static str] = &["admin", "editor"];
/// #     fn index(&self) -> usize { *self as usize }
/// #     fn from_index(i: usize) -> Option<Self> { [Role::Admin, Role::Editor].get(i).copied() }
/// # }
/// let roles: Roles<Role> = serde_json::from_str(r#"["editor", "superuser"]"#)?;
/// assert!(roles.contains(Role::Editor));
/// assert!(!roles.contains(Role::Admin));
/// assert_eq!(serde_json::to_string(&roles)?, r#"["editor"]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct Roles<R> {
    bits: u64,
    _role: PhantomData<fn() -> R>,
}

// Roles are fieldless enums: taking them by value reads as `roles.contains(Role::Admin)`.
#[allow(clippy::needless_pass_by_value)]
impl<R: RoleEnum> Roles<R> {
    /// No roles.
    pub const fn empty() -> Self {
        Self::from_bits(0)
    }

    /// The set whose bit `i` stands for the role of index `i`.
    #[doc(hidden)]
    pub const fn from_bits(bits: u64) -> Self {
        Self {
            bits,
            _role: PhantomData,
        }
    }

    /// The bitset.
    pub const fn bits(&self) -> u64 {
        self.bits
    }

    /// The roles named in `names`; unknown names are skipped.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        names.into_iter().filter_map(R::from_name).collect()
    }

    /// Whether `role` is in the set itself (no hierarchy).
    pub fn contains(&self, role: R) -> bool {
        bit(&role) & self.bits != 0
    }

    /// Whether holding these roles grants `role`, directly or through the hierarchy
    /// (`#[role(implies(..))]`).
    pub fn grants(&self, role: R) -> bool {
        bit(&role) & self.effective().bits != 0
    }

    /// These roles and every role they imply.
    pub fn effective(&self) -> Self {
        Self::from_bits(effective_bits::<R>(self.bits))
    }

    /// Adds a role.
    pub fn insert(&mut self, role: R) {
        self.bits |= bit(&role);
    }

    /// Removes a role.
    pub fn remove(&mut self, role: R) {
        self.bits &= !bit(&role);
    }

    /// The number of roles in the set.
    pub const fn len(&self) -> usize {
        self.bits.count_ones() as usize
    }

    /// Whether the set is empty.
    pub const fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// The roles, in index order.
    pub fn iter(&self) -> Iter<R> {
        Iter {
            rest: self.bits,
            _role: PhantomData,
        }
    }

    /// The wire names, in index order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.iter().map(|role| role.name())
    }

    /// The set of roles in `roles`, whatever their container.
    fn collect_refs<'a>(roles: impl IntoIterator<Item = &'a R>) -> Self
    where
        R: 'a,
    {
        Self::from_bits(roles.into_iter().fold(0, |bits, role| bits | bit(role)))
    }
}

/// The bit of a role; roles past the 64th have none (a hand-written `RoleEnum` that is too
/// large cannot grant anything by accident).
fn bit<R: RoleEnum>(role: &R) -> u64 {
    u32::try_from(role.index())
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .unwrap_or(0)
}

/// Iterator over the roles of a [`Roles`].
pub struct Iter<R> {
    rest: u64,
    _role: PhantomData<fn() -> R>,
}

impl<R: RoleEnum> Iterator for Iter<R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        while self.rest != 0 {
            let i = self.rest.trailing_zeros() as usize;
            self.rest &= self.rest - 1;
            if let Some(role) = R::from_index(i) {
                return Some(role);
            }
        }
        None
    }
}

impl<R: RoleEnum> IntoIterator for Roles<R> {
    type Item = R;
    type IntoIter = Iter<R>;
    fn into_iter(self) -> Iter<R> {
        self.iter()
    }
}

impl<R: RoleEnum> IntoIterator for &Roles<R> {
    type Item = R;
    type IntoIter = Iter<R>;
    fn into_iter(self) -> Iter<R> {
        self.iter()
    }
}

impl<R: RoleEnum> FromIterator<R> for Roles<R> {
    fn from_iter<I: IntoIterator<Item = R>>(iter: I) -> Self {
        let mut roles = Self::empty();
        roles.extend(iter);
        roles
    }
}

impl<R: RoleEnum> Extend<R> for Roles<R> {
    fn extend<I: IntoIterator<Item = R>>(&mut self, iter: I) {
        for role in iter {
            self.insert(role);
        }
    }
}

impl<R: RoleEnum, const N: usize> From<[R; N]> for Roles<R> {
    fn from(roles: [R; N]) -> Self {
        roles.into_iter().collect()
    }
}

// Manual impls: derives would require `R: Clone` etc. on the phantom parameter.
impl<R> Clone for Roles<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for Roles<R> {}
impl<R> PartialEq for Roles<R> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}
impl<R> Eq for Roles<R> {}
impl<R> Hash for Roles<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}
impl<R: RoleEnum> Default for Roles<R> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<R: RoleEnum> fmt::Debug for Roles<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

impl<R: RoleEnum> serde::Serialize for Roles<R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for name in self.names() {
            seq.serialize_element(name)?;
        }
        seq.end()
    }
}

impl<'de, R: RoleEnum> serde::Deserialize<'de> for Roles<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RolesVisitor<R>(PhantomData<fn() -> R>);

        impl<'de, R: RoleEnum> Visitor<'de> for RolesVisitor<R> {
            type Value = Roles<R>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of role names")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut roles = Roles::empty();
                while let Some(name) = seq.next_element::<crate::json::Key<'de>>()? {
                    if let Some(role) = R::from_name(&name.0) {
                        roles.insert(role);
                    }
                }
                Ok(roles)
            }
        }

        deserializer.deserialize_seq(RolesVisitor(PhantomData))
    }
}

/// Collections that can serve as the roles field of a claims type: `Roles<R>`, `Vec<R>`,
/// `[R; N]`, `HashSet<R>`, `BTreeSet<R>`, `Option<R>` and a single `R`.
///
/// `#[derive(Claims)]` reads the roles field through it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the roles of a claims type",
    note = "use `auth::Roles<Role>` (recommended), `Vec<Role>`, a set of `Role`, or a single `Role`"
)]
pub trait RoleCollection {
    /// The role enum.
    type Role: RoleEnum;
    /// The roles as a bitset.
    fn to_roles(&self) -> Roles<Self::Role>;
}

impl<R: RoleEnum> RoleCollection for Roles<R> {
    type Role = R;
    fn to_roles(&self) -> Roles<R> {
        *self
    }
}

impl<R: RoleEnum> RoleCollection for R {
    type Role = R;
    fn to_roles(&self) -> Roles<R> {
        Roles::collect_refs([self])
    }
}

impl<R: RoleEnum> RoleCollection for Option<R> {
    type Role = R;
    fn to_roles(&self) -> Roles<R> {
        Roles::collect_refs(self)
    }
}

impl<R: RoleEnum> RoleCollection for Vec<R> {
    type Role = R;
    fn to_roles(&self) -> Roles<R> {
        Roles::collect_refs(self)
    }
}

impl<R: RoleEnum, const N: usize> RoleCollection for [R; N] {
    type Role = R;
    fn to_roles(&self) -> Roles<R> {
        Roles::collect_refs(self)
    }
}

impl<R: RoleEnum, S: Send + Sync> RoleCollection for std::collections::HashSet<R, S> {
    type Role = R;
    fn to_roles(&self) -> Roles<R> {
        Roles::collect_refs(self)
    }
}

impl<R: RoleEnum> RoleCollection for std::collections::BTreeSet<R> {
    type Role = R;
    fn to_roles(&self) -> Roles<R> {
        Roles::collect_refs(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    enum Role {
        Admin,
        Editor,
        Viewer,
    }

    impl RoleEnum for Role {
        const NAMES: &'static [&'static str] = &["admin", "editor", "viewer"];
        const IMPLIES: &'static [u64] = &[0b011, 0b110, 0b100];
        fn index(&self) -> usize {
            *self as usize
        }
        fn from_index(index: usize) -> Option<Self> {
            [Self::Admin, Self::Editor, Self::Viewer]
                .get(index)
                .copied()
        }
    }

    #[test]
    fn unknown_names_grant_nothing_and_are_not_errors() {
        let roles: Roles<Role> = serde_json::from_str(r#"["viewer","root","Admin"]"#).unwrap();
        assert_eq!(roles.iter().collect::<Vec<_>>(), [Role::Viewer]);
        assert!(serde_json::from_str::<Roles<Role>>(r#"["viewer", 1]"#).is_err());
        assert!(serde_json::from_str::<Roles<Role>>(r#""viewer""#).is_err());
    }

    #[test]
    fn grants_follows_the_hierarchy_contains_does_not() {
        let admin = Roles::from([Role::Admin]);
        assert!(admin.grants(Role::Viewer));
        assert!(!admin.contains(Role::Viewer));
        let viewer = Roles::from([Role::Viewer]);
        assert!(!viewer.grants(Role::Editor));
    }

    #[test]
    fn collections_convert_to_the_same_set() {
        let expected = Roles::from([Role::Admin, Role::Viewer]);
        assert_eq!(
            vec![Role::Viewer, Role::Admin, Role::Viewer].to_roles(),
            expected
        );
        assert_eq!(
            std::collections::BTreeSet::from([Role::Admin, Role::Viewer]).to_roles(),
            expected
        );
        assert_eq!(Role::Editor.to_roles(), Roles::from([Role::Editor]));
        assert_eq!(None::<Role>.to_roles(), Roles::empty());
        assert_eq!(
            serde_json::to_string(&expected).unwrap(),
            r#"["admin","viewer"]"#
        );
        assert_eq!(format!("{expected:?}"), r#"{"admin", "viewer"}"#);
    }
}
