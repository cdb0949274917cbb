use auth::{authorize, public};

struct OwnsPost;

#[authorize(OwnsPost)]
#[public]
async fn edit() {}

fn main() {}
