//! The permission check of `#[requires_permission]` next to the role check of
//! `#[requires_role]`, in one run, so the numbers read as a ratio: a permission granted by a
//! role (through the hierarchy) must cost what the role check costs.
//!
//! - the extractors on a request whose token is in the verified-token cache (what a request
//!   pays);
//! - the check alone on a verified token whose bits are cached (what the guard adds).
//!
//! `cargo bench -p auth --bench permission_check`
#![allow(missing_docs, clippy::unwrap_used)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use auth::claims::{permission_bit, role_bit};
use auth::{Permission, RequirePermission, RequireRole, Role};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Request, header};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

#[derive(Permission, Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // named like the wire names, `posts:*`
enum Permission {
    #[permission(rename = "posts:read")]
    PostsRead,
    #[permission(rename = "posts:write")]
    PostsWrite,
    #[permission(rename = "posts:delete")]
    PostsDelete,
    #[permission(rename = "reports:read")]
    ReportsRead,
}

/// As the demo has it: admin ⊃ editor ⊃ viewer.
#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
#[role(permissions = Permission)]
enum Role {
    #[role(grants(PostsRead))]
    Viewer,
    #[role(implies(Viewer), grants(PostsWrite))]
    Editor,
    #[role(implies(Editor), grants(PostsDelete, ReportsRead))]
    Admin,
}

const EDITOR: u64 = role_bit::<Role>("editor");
const POSTS_WRITE: u64 = permission_bit::<Permission>("posts:write");

fn complete<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("nothing to wait for"),
    }
}

fn parts(token: &str) -> Parts {
    Request::get("/")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fn permission_check(c: &mut Criterion) {
    let auth = auth::testing::authenticator();
    // An admin: editor and posts:write both come through the hierarchy.
    let token = auth::testing::token(&auth, "alice", [Role::Admin]);
    let verified = auth.verify_without_revocation(&token).unwrap();
    assert!(verified.effective_roles::<Role>().bits() & EDITOR != 0);
    assert!(verified.permissions::<Permission>().bits() & POSTS_WRITE != 0);

    let mut group = c.benchmark_group("permission_check");
    group.bench_function("extractor: RequireRole<editor> (cached token)", |b| {
        b.iter_batched_ref(
            || parts(&token),
            |parts| {
                black_box(
                    complete(RequireRole::<Role, EDITOR>::from_request_parts(
                        parts, &auth,
                    ))
                    .unwrap(),
                )
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function(
        "extractor: RequirePermission<posts:write> (cached token)",
        |b| {
            b.iter_batched_ref(
                || parts(&token),
                |parts| {
                    black_box(
                        complete(
                            RequirePermission::<Permission, POSTS_WRITE>::from_request_parts(
                                parts, &auth,
                            ),
                        )
                        .unwrap(),
                    )
                },
                BatchSize::SmallInput,
            );
        },
    );
    group.bench_function("check: effective_roles + mask", |b| {
        b.iter(|| black_box(&verified).effective_roles::<Role>().bits() & EDITOR != 0);
    });
    group.bench_function("check: permissions + mask", |b| {
        b.iter(|| black_box(&verified).permissions::<Permission>().bits() & POSTS_WRITE != 0);
    });
    group.finish();
}

criterion_group!(benches, permission_check);
criterion_main!(benches);
