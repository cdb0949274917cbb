//! The role check of `#[requires_role]`, side by side with what a handler would write by hand,
//! so every number reads as a ratio: the guard's check must cost no more than
//! `roles.contains(&Role::Admin)` on a `Vec<Role>`, and far less than comparing strings.
//!
//! Every variant answers the same question, "does a user holding viewer, editor and admin
//! have admin?", with the held role found last.
//!
//! `cargo bench -p auth --bench role_check`
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use auth::claims::role_bit;
use auth::{RequireRole, Role, Roles};
use criterion::{Criterion, criterion_group, criterion_main};

/// With a hierarchy, as the demo server has it: admin ⊃ editor ⊃ viewer.
#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Viewer,
    #[role(implies(Viewer))]
    Editor,
    #[role(implies(Editor))]
    Admin,
}

/// The same roles without a hierarchy.
#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
enum FlatRole {
    Viewer,
    Editor,
    Admin,
}

/// What `#[requires_role("admin")]` computes at compile time.
const ADMIN: u64 = role_bit::<Role>("admin");
const FLAT_ADMIN: u64 = role_bit::<FlatRole>("admin");

fn role_check(c: &mut Criterion) {
    let held = [Role::Viewer, Role::Editor, Role::Admin];
    let names: Vec<String> = ["viewer", "editor", "admin"].map(String::from).to_vec();
    let vec: Vec<Role> = held.to_vec();
    let roles: Roles<Role> = Roles::from(held);
    let flat: Roles<FlatRole> = Roles::from([FlatRole::Viewer, FlatRole::Editor, FlatRole::Admin]);

    let auth = auth::testing::authenticator();
    let token = auth::testing::token(&auth, "alice", held);
    let verified = auth.verify_without_revocation(&token).unwrap();
    // The guard's first check on a request fills the token's cache; what follows reads it.
    assert!(verified.effective_roles::<Role>().bits() & ADMIN != 0);

    let mut group = c.benchmark_group("role_check");
    group.bench_function(
        "baseline: strings, names.iter().any(|n| n == \"admin\")",
        |b| {
            b.iter(|| {
                black_box(&names)
                    .iter()
                    .any(|name| name == black_box("admin"))
            });
        },
    );
    group.bench_function("hand-written: Vec<Role>::contains(&Role::Admin)", |b| {
        b.iter(|| black_box(&vec).contains(black_box(&Role::Admin)));
    });
    group.bench_function("guard: RequireRole::is_granted, no hierarchy", |b| {
        b.iter(|| RequireRole::<FlatRole, FLAT_ADMIN>::is_granted(black_box(flat)));
    });
    group.bench_function("guard: RequireRole::is_granted, with hierarchy", |b| {
        b.iter(|| RequireRole::<Role, ADMIN>::is_granted(black_box(roles)));
    });
    group.bench_function("guard: cached token, effective_roles + mask", |b| {
        b.iter(|| black_box(&verified).effective_roles::<Role>().bits() & ADMIN != 0);
    });
    group.finish();
}

criterion_group!(benches, role_check);
criterion_main!(benches);
