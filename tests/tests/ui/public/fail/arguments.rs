use auth::public;

#[public(everyone)]
async fn health() {}

#[public]
fn not_async() {}

#[public]
struct NotAFunction;

fn main() {}
