use auth::{Role, RoleEnum, Roles};

#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    #[role(implies(Editor, Billing))]
    Owner,
    #[role(implies(Viewer))]
    Editor,
    Viewer,
    Billing,
    Guest,
}

fn main() {
    // The table the derive writes is already closed transitively.
    assert_eq!(Role::IMPLIES, [0b01111, 0b00110, 0b00100, 0b01000, 0b10000]);
    let owner = Roles::from([Role::Owner]);
    assert!(owner.grants(Role::Viewer));
    assert!(!owner.grants(Role::Guest));
    assert!(!Roles::from([Role::Viewer]).grants(Role::Editor));
}
