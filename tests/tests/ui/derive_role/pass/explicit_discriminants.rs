use auth::{Role, RoleEnum};

// Discriminants do not change the role indexes: those follow declaration order.
#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Role {
    Admin = 10,
    Viewer = 3,
}

fn main() {
    assert_eq!(Role::Admin.index(), 0);
    assert_eq!(Role::from_index(1), Some(Role::Viewer));
}
