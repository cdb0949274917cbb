use auth::requires_role;

mod roles {
    #[derive(auth::Role)]
    pub enum StaffRole {
        Manager,
    }
}

// Without `role = roles::StaffRole`, the role enum is the type named `Role` here.
#[requires_role("manager")]
async fn schedule() {}

fn main() {}
