use auth::authorize;

#[authorize]
async fn nothing() {}

#[authorize("OwnsPost")]
async fn string() {}

#[authorize(&OwnsPost)]
async fn reference() {}

#[authorize(OwnsPost)]
fn not_async() {}

fn main() {}
