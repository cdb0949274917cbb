use auth::{Authenticator, requires_role};
use axum::Router;
use axum::routing::get;

mod roles {
    #[derive(auth::Role)]
    pub enum StaffRole {
        Manager,
        #[role(rename = "night-shift")]
        NightShift,
    }
}

// No type named `Role` is in scope: `role = ..` names the enum.
#[requires_role("night-shift", role = roles::StaffRole)]
async fn late() -> &'static str {
    "late"
}

#[requires_role(role = crate::roles::StaffRole, any("manager", "night-shift"))]
async fn either() -> &'static str {
    "either"
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/late", get(late))
        .route("/either", get(either))
        .with_state(auth::testing::authenticator());
}
