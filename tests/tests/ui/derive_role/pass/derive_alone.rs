use auth::{Role, RoleEnum, Roles};

// `#[derive(Role)]` alone is enough: no `Clone`, `Copy`, `Eq` or `Debug` needed.
#[derive(Role)]
enum Role {
    Admin,
    SuperAdmin,
    Viewer2,
}

fn main() {
    assert_eq!(Role::NAMES, ["admin", "super_admin", "viewer2"]);
    assert!(Role::IMPLIES.is_empty());
    assert_eq!(Role::SuperAdmin.index(), 1);
    assert_eq!(Role::from_name("viewer2").map(|r| r.index()), Some(2));
    assert_eq!(Role::Admin.to_string(), "admin");
    assert!("root".parse::<Role>().is_err());
    assert_eq!(serde_json::to_string(&Role::SuperAdmin).unwrap(), r#""super_admin""#);
    let roles: Roles<Role> = [Role::Admin].into();
    assert_eq!(roles.names().collect::<Vec<_>>(), ["admin"]);
}
