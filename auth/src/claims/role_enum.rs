//! The `RoleEnum` trait behind `#[derive(Role)]`, and the `const fn`s that check role names at
//! compile time.

/// An application's roles: a fieldless enum whose variants have wire names.
///
/// Implemented by `#[derive(auth::Role)]`; named apart from the derive so that a user's own
/// `enum Role` never collides with it. Nothing else is required of the type (not even
/// `Copy`), so the derive alone is enough. By hand:
///
/// ```
/// use auth::RoleEnum;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum Role { Admin, Editor, Viewer }
///
/// impl RoleEnum for Role {
///     const NAMES: &'static [&'static str] = &["admin", "editor", "viewer"];
///     // admin implies editor and viewer; editor implies viewer (bit i is role i).
///     const IMPLIES: &'static [u64] = &[0b111, 0b110, 0b100];
///
///     fn index(&self) -> usize { *self as usize }
///     fn from_index(index: usize) -> Option<Self> {
///         [Role::Admin, Role::Editor, Role::Viewer].get(index).copied()
///     }
/// }
///
/// assert_eq!(Role::from_name("editor"), Some(Role::Editor));
/// assert_eq!(Role::from_name("Editor"), None); // exact, case-sensitive
/// assert_eq!(Role::Viewer.name(), "viewer");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an auth role enum",
    label = "not a role enum",
    note = "add `#[derive(auth::Role)]` to a fieldless `enum {Self}`"
)]
pub trait RoleEnum: Sized + Send + Sync + 'static {
    /// The wire name of each role, in index order. At most 64 roles.
    const NAMES: &'static [&'static str];

    /// For each role, the bitmask of the roles it grants (bit `i` is the role of index `i`),
    /// itself included. Empty (the default) means no hierarchy. The closure is taken at run
    /// time too, so a hand-written table need not be transitive.
    const IMPLIES: &'static [u64] = &[];

    /// The role's index into [`NAMES`](Self::NAMES).
    fn index(&self) -> usize;

    /// The role of an index, if there is one.
    fn from_index(index: usize) -> Option<Self>;

    /// The wire name.
    fn name(&self) -> &'static str {
        Self::NAMES.get(self.index()).copied().unwrap_or("")
    }

    /// The role with this exact wire name. Names are matched exactly (case-sensitive, no
    /// normalization); an unknown name is `None` and grants nothing.
    fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|known| *known == name)
            .and_then(Self::from_index)
    }
}

/// The largest number of roles one [`RoleEnum`] may have: one bit each in a `u64`.
pub(crate) const MAX_ROLES: usize = 64;

/// The bits of every role granted by holding the roles in `bits`, following
/// [`RoleEnum::IMPLIES`] to its fixed point.
pub(crate) fn effective_bits<R: RoleEnum>(bits: u64) -> u64 {
    let implies = R::IMPLIES;
    if implies.is_empty() {
        return bits;
    }
    let mut current = bits;
    loop {
        let mut next = current;
        let mut rest = current;
        while rest != 0 {
            let i = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            next |= implies.get(i).copied().unwrap_or(0);
        }
        if next == current {
            return current;
        }
        current = next;
    }
}

/// The bit of the role named `name` among a role enum's wire `names`, or, for a name that
/// is not there, the message of the compile error: "unknown role `name`; expected one of:
/// ...". The guard attributes evaluate it in a `const` item of their own expansion, spanned
/// at the role's literal, and panic there with the message, so the error points at what the
/// user typed and at nothing inside this crate.
#[doc(hidden)]
#[allow(clippy::result_large_err)] // evaluated by the compiler, where size costs nothing
pub const fn role_bit_among(names: &[&str], name: &str) -> Result<u64, UnknownRoleName> {
    name_bit_among("role", "", names, name)
}

/// [`role_bit_among`] for any enum of wire names: `noun` ("role", "permission") names what
/// is looked up, and `enum_name` (as the attribute wrote it; empty when unknown) where, in the
/// message: "unknown role `oncall` in `Role`; expected one of: ...".
#[doc(hidden)]
#[allow(clippy::result_large_err)] // evaluated by the compiler, where size costs nothing
pub const fn name_bit_among(
    noun: &str,
    enum_name: &str,
    names: &[&str],
    name: &str,
) -> Result<u64, UnknownRoleName> {
    if names.len() > MAX_ROLES {
        return Err(UnknownRoleName(
            ConstMessage::new()
                .push("a ")
                .push(noun)
                .push(" enum may have at most 64 variants"),
        ));
    }
    let mut i = 0;
    while i < names.len() {
        if str_eq(names[i], name) {
            return Ok(1u64 << i);
        }
        i += 1;
    }
    let mut message = ConstMessage::new()
        .push("unknown ")
        .push(noun)
        .push(" `")
        .push(name)
        .push("`");
    if !enum_name.is_empty() {
        message = message.push(" in `").push(enum_name).push("`");
    }
    message = message.push("; expected one of: ");
    let mut i = 0;
    while i < names.len() {
        if i > 0 {
            message = message.push(", ");
        }
        message = message.push("`").push(names[i]).push("`");
        i += 1;
    }
    if names.is_empty() {
        message = message
            .push("(none: the ")
            .push(noun)
            .push(" enum has no variants)");
    }
    Err(UnknownRoleName(message))
}

/// Why [`role_bit_among`] found no role: the text of the compile error.
#[doc(hidden)]
pub struct UnknownRoleName(ConstMessage);

impl UnknownRoleName {
    /// The message.
    pub const fn message(&self) -> &str {
        self.0.as_str()
    }
}

/// The bit of the role named `name` in a role mask: what the const parameter of
/// [`RequireRole`](crate::RequireRole) and [`RequireAllRoles`](crate::RequireAllRoles) is made
/// of when a guard is written by hand (the attribute macros write it for you). Evaluated at
/// compile time there, so an unknown name does not compile: the error says
/// "unknown role `name`; expected one of: ..." and lists the enum's wire names.
///
/// ```
/// use auth::{RequireRole, Role};
/// use auth::claims::role_bit;
///
/// #[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Role { Admin, Editor }
///
/// // Admin or editor: the bits of both.
/// type Staff = RequireRole<Role, { role_bit::<Role>("admin") | role_bit::<Role>("editor") }>;
/// async fn dashboard(_: Staff) {}
/// ```
///
/// # Panics
///
/// When `name` is not a wire name of `R`: at compile time in a const context (the error
/// above), at run time otherwise.
pub const fn role_bit<R: RoleEnum>(name: &str) -> u64 {
    match role_bit_among(R::NAMES, name) {
        Ok(bit) => bit,
        Err(unknown) => panic!("{}", unknown.message()),
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A message built at compile time: `panic!` in a `const fn` takes a single `&str`, so the
/// pieces are concatenated into a fixed buffer first.
struct ConstMessage {
    buf: [u8; 1024],
    len: usize,
}

impl ConstMessage {
    const fn new() -> Self {
        Self {
            buf: [0; 1024],
            len: 0,
        }
    }

    const fn push(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        // A piece that does not fit is dropped whole, so the buffer stays valid UTF-8.
        if self.len + bytes.len() > self.buf.len() {
            return self;
        }
        while i < bytes.len() {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn as_str(&self) -> &str {
        let (text, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(text) {
            Ok(text) => text,
            Err(_) => "unknown role",
        }
    }
}

/// A role name that a [`RoleEnum`] does not define (the `FromStr` error of `#[derive(Role)]`).
///
/// Carries no text of its own: the name came from outside and does not belong in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnknownRole;

impl std::fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unknown role")
    }
}

impl std::error::Error for UnknownRole {}

/// The role type of claims that carry no roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoRole {}

impl RoleEnum for NoRole {
    const NAMES: &'static [&'static str] = &[];

    fn index(&self) -> usize {
        match *self {}
    }

    fn from_index(_: usize) -> Option<Self> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Role {
        Admin,
        Editor,
        Viewer,
        Auditor,
    }

    impl RoleEnum for Role {
        const NAMES: &'static [&'static str] = &["admin", "editor", "viewer", "auditor"];
        // Deliberately not transitive: admin -> editor -> viewer.
        const IMPLIES: &'static [u64] = &[0b0011, 0b0110, 0b0100, 0b1000];

        fn index(&self) -> usize {
            *self as usize
        }

        fn from_index(index: usize) -> Option<Self> {
            [Self::Admin, Self::Editor, Self::Viewer, Self::Auditor]
                .get(index)
                .copied()
        }
    }

    #[test]
    fn names_and_bits_agree() {
        const EDITOR: u64 = role_bit::<Role>("editor");
        assert_eq!(EDITOR, 0b10);
        assert_eq!(role_bit::<Role>("auditor"), 0b1000);
        assert_eq!(Role::from_name("viewer"), Some(Role::Viewer));
        assert_eq!(Role::from_name("VIEWER"), None);
        assert_eq!(Role::Auditor.name(), "auditor");
    }

    #[test]
    fn hierarchy_is_closed_transitively() {
        assert_eq!(effective_bits::<Role>(0b0001), 0b0111);
        assert_eq!(effective_bits::<Role>(0b0010), 0b0110);
        assert_eq!(effective_bits::<Role>(0b1000), 0b1000);
        assert_eq!(effective_bits::<Role>(0), 0);
        assert_eq!(effective_bits::<NoRole>(0), 0);
    }

    #[test]
    #[should_panic(
        expected = "unknown role `admni`; expected one of: `admin`, `editor`, `viewer`, `auditor`"
    )]
    fn unknown_name_lists_the_valid_ones() {
        // Evaluated at run time here; in generated code the same panic is a compile error.
        let name = std::hint::black_box("admni");
        role_bit::<Role>(name);
    }
}
