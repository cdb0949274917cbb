use auth::protected;

#[protected]
struct Handler;

fn main() {}
