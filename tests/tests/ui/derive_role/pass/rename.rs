use auth::{Role, RoleEnum};

#[derive(Role, Debug, PartialEq)]
enum Role {
    #[role(rename = "root")]
    Admin,
    #[role(rename = "read-only")]
    Viewer,
    r#Type,
}

fn main() {
    assert_eq!(Role::NAMES, ["root", "read-only", "type"]);
    assert_eq!("read-only".parse::<Role>(), Ok(Role::Viewer));
    assert_eq!(serde_json::from_str::<Role>(r#""root""#).unwrap(), Role::Admin);
    assert!(serde_json::from_str::<Role>(r#""admin""#).is_err());
}
