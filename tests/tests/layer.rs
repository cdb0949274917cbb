//! Middleware-based validation with `auth.layer()`, the per-request cache of the verified
//! token, revocation checks, and the one-line test helpers.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth::store::{BoxFuture, MemoryStore, RevocationList, StoreError};
use auth::{Auth, Authenticated, Authenticator, RequireRole};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::*;

/// A revocation list that counts how often it is asked: one question per verification.
#[derive(Clone, Default)]
struct CountingList {
    asked: Arc<AtomicUsize>,
    inner: MemoryStore,
}

impl RevocationList for CountingList {
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.inner.is_revoked(jti)
    }
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.revoke(jti, expires_at)
    }
}

/// A revocation list that is down.
struct Unreachable;

impl RevocationList for Unreachable {
    fn is_revoked<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn revoke<'a>(&'a self, _: &'a str, _: u64) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
}

fn counting_authenticator() -> (Authenticator, CountingList) {
    let list = CountingList::default();
    let auth = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .revocation(list.clone())
        .build()
        .unwrap();
    (auth, list)
}

async fn three_extractors(
    guard: RequireRole<Role, VIEWER>,
    me: Authenticated,
    Auth(claims): Auth<UserClaims>,
) -> String {
    format!("{} {} {}", guard.subject(), me.subject(), claims.sub)
}

#[tokio::test]
async fn several_extractors_on_one_request_verify_once() {
    let (auth, list) = counting_authenticator();
    let app = Router::new()
        .route("/", get(three_extractors))
        .with_state(auth.clone());
    let token = issue(&auth, &user("alice", &[Role::Viewer]));
    let reply = send(&app, get_bearer("/", &token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "alice alice alice");
    assert_eq!(list.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn layer_refuses_unauthenticated_requests_under_it() {
    let (auth, list) = counting_authenticator();
    let app = Router::new()
        .route("/metrics", get(|| async { "metrics" }))
        .route(
            "/whoami",
            get(|me: Authenticated| async move { me.subject().to_owned() }),
        )
        .layer(auth.layer())
        .route("/health", get(|| async { "ok" }))
        .with_state(auth.clone());

    send(&app, get_with("/metrics", None))
        .await
        .assert_rejected(
            StatusCode::UNAUTHORIZED,
            Some(r#"Bearer realm="api""#),
            "unauthorized",
        );
    send(&app, get_with("/metrics", Some(b"Bearer")))
        .await
        .assert_rejected(
            StatusCode::BAD_REQUEST,
            Some(r#"Bearer error="invalid_request""#),
            "invalid_request",
        );
    send(&app, get_bearer("/metrics", "a.b.c"))
        .await
        .assert_invalid_token(INVALID);
    // Routes added after the layer are not under it.
    assert_eq!(
        send(&app, get_with("/health", None)).await.status,
        StatusCode::OK
    );

    let token = issue(&auth, &user("alice", &[]));
    assert_eq!(
        send(&app, get_bearer("/metrics", &token)).await.text(),
        "metrics"
    );
    list.asked.store(0, Ordering::SeqCst);
    // The extractor behind the layer reuses the layer's verification.
    assert_eq!(
        send(&app, get_bearer("/whoami", &token)).await.text(),
        "alice"
    );
    assert_eq!(list.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn revoked_tokens_are_refused_until_they_expire() {
    let store = MemoryStore::new();
    let auth = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .revocation(store)
        .build()
        .unwrap();
    let (app, runs) = app(auth.clone());
    let token = issue(&auth, &user("alice", &[]));
    assert_eq!(
        send(&app, get_bearer("/protected", &token)).await.status,
        StatusCode::OK
    );
    let verified = auth.verify_without_revocation(&token).unwrap();
    auth.revoke(&verified).await.unwrap();
    send(&app, get_bearer("/protected", &token))
        .await
        .assert_invalid_token("The access token was revoked");
    assert_eq!(runs.count(), 1);
    // Another token of the same user is not affected: revocation is by `jti`.
    let other = issue(&auth, &user("alice", &[]));
    assert_eq!(
        send(&app, get_bearer("/protected", &other)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unreachable_revocation_list_fails_closed() {
    let auth = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .revocation(Unreachable)
        .build()
        .unwrap();
    let (app, runs) = app(auth.clone());
    let token = issue(&auth, &user("alice", &[]));
    send(&app, get_bearer("/protected", &token))
        .await
        .assert_rejected(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "temporarily_unavailable",
        );
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn test_helpers_mint_tokens_in_one_line() {
    let auth = auth::testing::authenticator();
    let (app, _) = app(auth.clone());
    let admin = auth::testing::token(&auth, "ada", [Role::Admin]);
    let mut request = get_with("/admin", None);
    request.headers_mut().insert(
        axum::http::header::AUTHORIZATION,
        auth::testing::bearer(&admin),
    );
    assert_eq!(send(&app, request).await.status, StatusCode::OK);
    let viewer = auth::testing::token(&auth, "vic", [Role::Viewer]);
    assert_eq!(
        send(&app, get_bearer("/admin", &viewer)).await.status,
        StatusCode::FORBIDDEN
    );
    let full = auth::testing::token_with_claims(&auth, &user("eve", &[Role::Editor]));
    assert_eq!(
        send(&app, get_bearer("/me", &full)).await.json()["email"],
        "eve@example.test"
    );
}

#[tokio::test]
async fn cached_tokens_expire_on_time_and_stay_revocable() {
    use std::sync::atomic::AtomicU64;
    let clock = Arc::new(AtomicU64::new(common::now()));
    let store = MemoryStore::new();
    let auth = {
        let clock = clock.clone();
        Authenticator::builder()
            .signing_key(hs256_key())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .revocation(store.clone())
            .clock(move || clock.load(Ordering::SeqCst))
            .build()
            .unwrap()
    };
    let (app, _) = app(auth.clone());
    let token = issue(&auth, &user("alice", &[]));
    // Verified once, then served from the cache.
    assert_eq!(
        send(&app, get_bearer("/protected", &token)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get_bearer("/protected", &token)).await.status,
        StatusCode::OK
    );
    // Past exp + leeway, the cached entry is not used.
    clock.fetch_add(15 * 60 + 31, Ordering::SeqCst);
    send(&app, get_bearer("/protected", &token))
        .await
        .assert_invalid_token(EXPIRED);

    // A cached token that is revoked is refused on the next request.
    clock.store(common::now(), Ordering::SeqCst);
    let other = issue(&auth, &user("bob", &[]));
    assert_eq!(
        send(&app, get_bearer("/protected", &other)).await.status,
        StatusCode::OK
    );
    auth.revoke(&auth.verify_without_revocation(&other).unwrap())
        .await
        .unwrap();
    send(&app, get_bearer("/protected", &other))
        .await
        .assert_invalid_token("The access token was revoked");
}

#[tokio::test]
async fn the_cache_can_be_disabled() {
    let auth = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .token_cache(0)
        .build()
        .unwrap();
    let (app, _) = app(auth.clone());
    let token = issue(&auth, &user("alice", &[]));
    assert_eq!(
        send(&app, get_bearer("/protected", &token)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get_bearer("/protected", &token)).await.status,
        StatusCode::OK
    );
}
