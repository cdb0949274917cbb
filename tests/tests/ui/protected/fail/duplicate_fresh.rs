use auth::protected;

#[protected(fresh, fresh)]
async fn delete_account() {}

fn main() {}
