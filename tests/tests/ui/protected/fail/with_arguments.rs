use auth::protected;

#[protected("admin")]
async fn purge() {}

fn main() {}
