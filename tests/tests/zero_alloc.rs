//! The guard path allocates nothing once a token is in the verified-token cache: role and
//! permission guards alike. A verification allocates once. A guard's future stays small.
//!
//! Its own test binary: it installs a counting global allocator.

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use auth::claims::permission_bit;
use auth::keys::KeySet;
use auth::store::MemoryStore;
use auth::{Authenticator, PermissionEnum, RequireAllPermissions, RequirePermission, RequireRole};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Request, header};
use common::{ADMIN, AUDIENCE, ISSUER, Role, hs256_key, issue, user};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// The counts are process-wide: one test measures at a time, or another's allocations would
/// be counted.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Held for the whole of a test: no other test of this binary allocates meanwhile.
fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Polls a future that has nothing to wait for (an in-process revocation list answers at
/// once) to completion, without a runtime.
fn complete<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the guard waited on something"),
    }
}

fn parts(token: &str) -> Parts {
    Request::get("/admin")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts()
        .0
}

#[test]
fn guard_path_allocates_nothing_for_a_cached_token() {
    let _alone = alone();
    let auth = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .revocation(MemoryStore::new())
        .build()
        .unwrap();
    let token = issue(&auth, &user("ada", &[Role::Admin]));

    // The first request verifies and fills the cache.
    let mut first = parts(&token);
    complete(RequireRole::<Role, ADMIN>::from_request_parts(
        &mut first, &auth,
    ))
    .unwrap();

    let mut second = parts(&token);
    let region = Region::new(GLOBAL);
    let guard = complete(RequireRole::<Role, ADMIN>::from_request_parts(
        &mut second,
        &auth,
    ));
    let change = region.change();
    assert!(guard.is_ok());
    assert_eq!(
        (change.allocations, change.reallocations),
        (0, 0),
        "the guard path allocated: {change:?}"
    );

    // The refused path on a cached token allocates nothing either, up to the error itself.
    let mut third = parts(&token);
    let region = Region::new(GLOBAL);
    let refused = complete(RequireRole::<Role, { common::VIEWER }>::from_request_parts(
        &mut third, &auth,
    ));
    let change = region.change();
    assert!(refused.is_ok(), "admin implies viewer");
    assert_eq!(change.allocations, 0, "{change:?}");
}

/// Written by hand: the runtime must not depend on the derive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Permission {
    PostsWrite,
    PostsDelete,
}

impl PermissionEnum for Permission {
    const NAMES: &'static [&'static str] = &["posts:write", "posts:delete"];
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Self> {
        [Self::PostsWrite, Self::PostsDelete].get(index).copied()
    }
}

const POSTS_WRITE: u64 = permission_bit::<Permission>("posts:write");
const POSTS_DELETE: u64 = permission_bit::<Permission>("posts:delete");

#[test]
fn permission_guard_path_allocates_nothing_for_a_cached_token() {
    let _alone = alone();
    let auth = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .revocation(MemoryStore::new())
        .build()
        .unwrap();
    let token = auth::testing::token_with_scope(&auth, "ada", "posts:write posts:delete");

    // The first request verifies, fills the cache and decodes the permission bits once.
    let mut first = parts(&token);
    complete(RequirePermission::<Permission, POSTS_WRITE>::from_request_parts(&mut first, &auth))
        .unwrap();

    // Then the check is a mask and a compare on bits kept with the cached token.
    let mut second = parts(&token);
    let region = Region::new(GLOBAL);
    let guard = complete(RequireAllPermissions::<
        Permission,
        { POSTS_WRITE | POSTS_DELETE },
    >::from_request_parts(&mut second, &auth));
    let change = region.change();
    assert!(guard.is_ok());
    assert_eq!(
        (change.allocations, change.reallocations),
        (0, 0),
        "the permission guard path allocated: {change:?}"
    );
}

/// A verification (a cache miss) allocates once, for the decoded payload: the header a key
/// writes is recognised without decoding, and the subject, the `jti` and the role names are
/// kept as places in the payload rather than copied out of it.
#[test]
fn a_verification_allocates_only_the_payload() {
    let _alone = alone();
    let auth = common::authenticator_with(KeySet::new(hs256_key()));
    let token = issue(&auth, &user("ada", &[Role::Admin, Role::Viewer]));

    let region = Region::new(GLOBAL);
    let verified = auth.verify_without_revocation(&token);
    let change = region.change();
    let verified = verified.unwrap();
    assert_eq!(
        (change.allocations, change.reallocations),
        (1, 0),
        "{change:?}"
    );
    assert_eq!(verified.subject(), "ada");
    assert_eq!(verified.jwt_id().len(), 22);
    assert_eq!(
        verified.role_names().collect::<Vec<_>>(),
        ["admin", "viewer"]
    );
}

/// A guard's future is part of every guarded request's, which is allocated and moved with
/// each request, so what the guard keeps across an `.await` costs on every request. A
/// verified token kept there once made it 888 bytes, and the request's future too large for
/// the allocator's per-thread cache.
#[test]
fn a_guard_keeps_little_across_its_awaits() {
    let _alone = alone();
    let auth = common::authenticator_with(KeySet::new(hs256_key()));
    let mut parts = parts("a.b.c");
    let role_guard = RequireRole::<Role, ADMIN>::from_request_parts(&mut parts, &auth);
    let size = std::mem::size_of_val(&role_guard);
    assert!(size <= 512, "RequireRole's future: {size} bytes");
    drop(role_guard);
    let plain = auth::Authenticated::from_request_parts(&mut parts, &auth);
    let size = std::mem::size_of_val(&plain);
    assert!(size <= 512, "Authenticated's future: {size} bytes");
}
