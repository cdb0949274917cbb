use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    Admin,
}

mod ops {
    #[derive(auth::Role)]
    pub enum OpsRole {
        Oncall,
    }
}

// `oncall` is a role of `ops::OpsRole`, not of the `Role` in scope: the message names the
// enum it looked in.
#[requires_role("oncall")]
async fn page() {}

fn main() {}
