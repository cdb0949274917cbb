use auth::{Role, requires_role};

#[derive(Role)]
enum Role {
    #[role(rename = "sre-lead")]
    SreLead,
    Viewer,
}

#[requires_role(any("sre_lead", "viewer", "veiwer"))]
async fn deploy() {}

fn main() {}
