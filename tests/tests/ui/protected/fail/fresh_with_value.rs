use auth::protected;

#[protected(fresh = true)]
async fn delete_account() {}

fn main() {}
