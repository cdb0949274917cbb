//! Permissions: the `PermissionEnum` trait behind `#[derive(Permission)]`, the
//! `Permissions<P>` bitset, and how a role enum grants them (`GrantedByRoles`).
//!
//! A token's permissions are what its roles grant plus what its scope claim names. Both are
//! turned into one `u64` once per verified token, so a permission check is a mask and a
//! compare, like a role check.

use std::fmt;
use std::marker::PhantomData;

use super::role_enum::{RoleEnum, name_bit_among};
use super::roles::Roles;

/// An application's permissions (or OAuth scopes): a fieldless enum whose variants have wire
/// names, such as `posts:write`.
///
/// Implemented by `#[derive(auth::Permission)]`; named apart from the derive so that a user's
/// own `enum Permission` never collides with it. By hand:
///
/// ```
/// use auth::PermissionEnum;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum Permission { PostsWrite, PostsDelete }
///
/// impl PermissionEnum for Permission {
///     const NAMES: &'static [&'static str] = &["posts:write", "posts:delete"];
///
///     fn index(&self) -> usize { *self as usize }
///     fn from_index(index: usize) -> Option<Self> {
///         [Self::PostsWrite, Self::PostsDelete].get(index).copied()
///     }
/// }
///
/// assert_eq!(Permission::from_name("posts:delete"), Some(Permission::PostsDelete));
/// assert_eq!(Permission::PostsWrite.name(), "posts:write");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an auth permission enum",
    label = "not a permission enum",
    note = "add `#[derive(auth::Permission)]` to a fieldless `enum {Self}`"
)]
pub trait PermissionEnum: Sized + Send + Sync + 'static {
    /// The wire name of each permission, in index order. At most 64 permissions.
    const NAMES: &'static [&'static str];

    /// The permission's index into [`NAMES`](Self::NAMES).
    fn index(&self) -> usize;

    /// The permission of an index, if there is one.
    fn from_index(index: usize) -> Option<Self>;

    /// The wire name.
    fn name(&self) -> &'static str {
        Self::NAMES.get(self.index()).copied().unwrap_or("")
    }

    /// The permission with this exact wire name (case-sensitive); an unknown name is `None`
    /// and grants nothing.
    fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|known| *known == name)
            .and_then(Self::from_index)
    }

    /// The bits of the permissions that a token with these role names is granted by its
    /// roles. None by default: the permissions then come from the scope claim alone.
    /// `#[derive(Permission)]` makes it [`granted_by_roles`] when a role enum names this enum
    /// in `#[role(permissions = ..)]`.
    fn role_grants<'a>(role_names: impl IntoIterator<Item = &'a str>) -> u64 {
        let _ = role_names;
        0
    }
}

/// The bit of the permission named `name` in a permission mask: what the const parameter of
/// [`RequirePermission`](crate::RequirePermission) is built from, when it is written by hand.
///
/// ```
/// use auth::{Permission, RequirePermission};
/// use auth::claims::permission_bit;
///
/// #[derive(Permission, Clone, Copy)]
/// enum Permission {
///     #[permission(rename = "posts:write")]
///     PostsWrite,
///     #[permission(rename = "posts:delete")]
///     PostsDelete,
/// }
///
/// type Moderate = RequirePermission<
///     Permission,
///     { permission_bit::<Permission>("posts:write") | permission_bit::<Permission>("posts:delete") },
/// >;
/// async fn moderate(_: Moderate) {}
/// ```
///
/// # Panics
///
/// When `name` is not a wire name of `P`: at compile time in a const context, at run time
/// otherwise.
pub const fn permission_bit<P: PermissionEnum>(name: &str) -> u64 {
    match name_bit_among("permission", "", P::NAMES, name) {
        Ok(bit) => bit,
        Err(unknown) => panic!("{}", unknown.message()),
    }
}

/// Which role enum grants the permissions of `Self`, and what each role grants.
///
/// Implemented by `#[derive(Role)]` with `#[role(permissions = Self)]`. By hand, for a
/// permission enum implemented by hand, also make [`PermissionEnum::role_grants`] call
/// [`granted_by_roles`].
#[diagnostic::on_unimplemented(
    message = "no role enum grants the permissions of `{Self}`",
    note = "add `#[role(permissions = {Self})]` to the role enum, and `#[role(grants(..))]` to each of its variants"
)]
pub trait GrantedByRoles: Sized + 'static {
    /// The role enum.
    type Role: RoleEnum;

    /// For each role (by index), the bits of the permissions it grants, the permissions of
    /// the roles it implies included.
    const GRANTS: &'static [u64];
}

/// The bits of the permissions of `P` that the roles named in `role_names` grant: the union
/// of [`GrantedByRoles::GRANTS`] over those roles (names `P::Role` does not know grant
/// nothing).
pub fn granted_by_roles<'a, P: GrantedByRoles>(
    role_names: impl IntoIterator<Item = &'a str>,
) -> u64 {
    let mut roles = Roles::<P::Role>::from_names(role_names).bits();
    let mut bits = 0;
    while roles != 0 {
        let i = roles.trailing_zeros() as usize;
        roles &= roles - 1;
        bits |= P::GRANTS.get(i).copied().unwrap_or(0);
    }
    bits
}

/// Picks [`granted_by_roles`] for a permission enum some role enum grants, and nothing for
/// one no role enum names, in the code `#[derive(Permission)]` writes (where the type is
/// concrete, so method resolution can tell the two apart).
#[doc(hidden)]
pub struct GrantProbe<P>(PhantomData<fn() -> P>);

impl<P> GrantProbe<P> {
    #[doc(hidden)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<P> Default for GrantProbe<P> {
    fn default() -> Self {
        Self::new()
    }
}

/// The probe's choice when a role enum grants `P`.
#[doc(hidden)]
pub trait GrantsViaRoles {
    fn role_grants<'a>(&self, role_names: impl IntoIterator<Item = &'a str>) -> u64;
}

impl<P: GrantedByRoles> GrantsViaRoles for GrantProbe<P> {
    fn role_grants<'a>(&self, role_names: impl IntoIterator<Item = &'a str>) -> u64 {
        granted_by_roles::<P>(role_names)
    }
}

/// The probe's choice when no role enum grants `P`: scopes only.
#[doc(hidden)]
pub trait GrantsViaScopesOnly {
    fn role_grants<'a>(&self, role_names: impl IntoIterator<Item = &'a str>) -> u64;
}

impl<P> GrantsViaScopesOnly for &GrantProbe<P> {
    fn role_grants<'a>(&self, _: impl IntoIterator<Item = &'a str>) -> u64 {
        0
    }
}

/// The error of `str::parse` for a permission enum: the name is not one of its wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnknownPermission;

impl fmt::Display for UnknownPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown permission")
    }
}

impl std::error::Error for UnknownPermission {}

/// A set of permissions as one `u64`.
pub struct Permissions<P> {
    bits: u64,
    _permission: PhantomData<fn() -> P>,
}

// Permissions are fieldless enums: taking them by value reads as `set.contains(P::X)`.
#[allow(clippy::needless_pass_by_value)]
impl<P: PermissionEnum> Permissions<P> {
    /// No permission.
    pub const fn empty() -> Self {
        Self::from_bits(0)
    }

    /// The set with these bits (bit `i` is the permission of index `i`).
    #[doc(hidden)]
    pub const fn from_bits(bits: u64) -> Self {
        Self {
            bits,
            _permission: PhantomData,
        }
    }

    /// The bits of the set.
    pub const fn bits(&self) -> u64 {
        self.bits
    }

    /// The permissions named in `names`; unknown names are skipped.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        names.into_iter().filter_map(P::from_name).collect()
    }

    /// Whether the set holds `permission`.
    pub fn contains(&self, permission: P) -> bool {
        bit(&permission) & self.bits != 0
    }

    /// Adds a permission.
    pub fn insert(&mut self, permission: P) {
        self.bits |= bit(&permission);
    }

    /// The number of permissions in the set.
    pub const fn len(&self) -> usize {
        self.bits.count_ones() as usize
    }

    /// Whether the set is empty.
    pub const fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// The permissions, in index order.
    pub fn iter(&self) -> impl Iterator<Item = P> + use<P> {
        let mut rest = self.bits;
        std::iter::from_fn(move || {
            while rest != 0 {
                let i = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                if let Some(permission) = P::from_index(i) {
                    return Some(permission);
                }
            }
            None
        })
    }

    /// The wire names, in index order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + use<P> {
        self.iter().map(|permission| permission.name())
    }

    /// The wire names separated by spaces: an OAuth `scope` value (RFC 6749 §3.3).
    pub fn to_scope(&self) -> String {
        self.names().collect::<Vec<_>>().join(" ")
    }
}

fn bit<P: PermissionEnum>(permission: &P) -> u64 {
    u32::try_from(permission.index())
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .unwrap_or(0)
}

impl<P: PermissionEnum> FromIterator<P> for Permissions<P> {
    fn from_iter<I: IntoIterator<Item = P>>(iter: I) -> Self {
        let mut set = Self::empty();
        for permission in iter {
            set.insert(permission);
        }
        set
    }
}

impl<P: PermissionEnum, const N: usize> From<[P; N]> for Permissions<P> {
    fn from(permissions: [P; N]) -> Self {
        permissions.into_iter().collect()
    }
}

// Manual impls: derives would require `P: Clone` etc. on the phantom parameter.
impl<P> Clone for Permissions<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P> Copy for Permissions<P> {}
impl<P> PartialEq for Permissions<P> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}
impl<P> Eq for Permissions<P> {}
impl<P: PermissionEnum> Default for Permissions<P> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<P: PermissionEnum> fmt::Debug for Permissions<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

/// Whether `name` can be a scope token (RFC 6749 §3.3: printable ASCII but space, `"` and
/// `\`), so a permission's name can be written into a `scope` claim and a
/// `WWW-Authenticate` challenge as it is.
pub(crate) fn is_scope_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// Whether `scope` is scope tokens separated by single spaces (RFC 6749 §3.3), so it can be
/// quoted in a challenge as it is.
pub(crate) fn is_scope_list(scope: &str) -> bool {
    scope.split(' ').all(is_scope_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Permission {
        Read,
        Write,
        Delete,
    }

    impl PermissionEnum for Permission {
        const NAMES: &'static [&'static str] = &["posts:read", "posts:write", "posts:delete"];

        fn index(&self) -> usize {
            *self as usize
        }

        fn from_index(index: usize) -> Option<Self> {
            [Self::Read, Self::Write, Self::Delete].get(index).copied()
        }
    }

    #[test]
    fn sets_hold_names_and_bits() {
        let set = Permissions::<Permission>::from_names(["posts:delete", "nope", "posts:read"]);
        assert_eq!(set.bits(), 0b101);
        assert!(set.contains(Permission::Delete));
        assert!(!set.contains(Permission::Write));
        assert_eq!(set.len(), 2);
        assert_eq!(set.to_scope(), "posts:read posts:delete");
        assert_eq!(format!("{set:?}"), r#"{"posts:read", "posts:delete"}"#);
        assert_eq!(
            Permissions::from([Permission::Write])
                .iter()
                .collect::<Vec<_>>(),
            [Permission::Write]
        );
        assert!(Permissions::<Permission>::empty().is_empty());
    }

    #[test]
    fn scope_tokens_are_printable_ascii_without_quotes_or_spaces() {
        for good in [
            "posts:write",
            "a",
            "read_all",
            "https://api.example/x",
            "!#[]~",
        ] {
            assert!(is_scope_token(good), "{good}");
        }
        for bad in [
            "",
            "a b",
            "say\"hi\"",
            "back\\slash",
            "é",
            "tab\t",
            "\u{7f}",
        ] {
            assert!(!is_scope_token(bad), "{bad}");
        }
        assert!(is_scope_list("posts:write posts:delete"));
        for bad in ["", "a  b", " a", "a ", "a \"b\""] {
            assert!(!is_scope_list(bad), "{bad}");
        }
    }
}
