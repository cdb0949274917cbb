//! R: refresh (RT-01 … RT-08). Opaque 256-bit tokens, stored only as SHA-256, rotated once,
//! read only from the body, and never interchangeable with access tokens.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use auth::store::{
    AccessGrant, BoxFuture, MemoryStore, NewFamily, RefreshInfo, RefreshStore, RevocationList,
    Rotation, StoreError, Successor, TokenHash,
};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use serde_json::json;

use crate::support_endpoints::*;

/// R04 (RT-06): refresh tokens of any other shape than the 43 base64url characters this crate
/// issues are `invalid_grant`, the same answer as an unknown one.
#[tokio::test]
async fn refresh_tokens_of_another_shape_are_invalid_grant() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    let real = &pair.refresh;
    for token in [
        format!("{real}="),
        format!("{real}A"),
        real[..42].to_owned(),
        real.replace(['-', '_'], "+"),
        format!(" {}", &real[1..]),
        "é".repeat(22),
        real.to_uppercase(),
    ] {
        if &token == real {
            continue;
        }
        let reply = h
            .send(form(
                "/refresh",
                &format!("refresh_token={}", encode(&token)),
            ))
            .await;
        assert_invalid_grant(&reply);
    }
    // None of these spent the real one.
    assert_token_response(&h.refresh(real).await);
}

/// R12 (RT-06): a missing, empty or repeated `refresh_token` is 400 `invalid_request`, on
/// both refresh grants, in form and JSON.
#[tokio::test]
async fn a_missing_or_repeated_refresh_token_is_invalid_request() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    let token = &pair.refresh;
    for (path, body) in [
        (
            "/refresh",
            format!("refresh_token={token}&refresh_token={token}"),
        ),
        (
            "/refresh",
            format!("refresh_token={token}&refresh%5Ftoken=x"),
        ),
        (
            "/token",
            format!("grant_type=refresh_token&refresh_token={token}&refresh_token=x"),
        ),
        ("/refresh", "refresh_token".to_owned()),
        (
            "/token",
            "grant_type=refresh_token&refresh_token=".to_owned(),
        ),
    ] {
        let reply = h.send(form(path, &body)).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    let raw = format!(r#"{{"refresh_token":"{token}","refresh_token":"{token}"}}"#);
    let request = Request::post("/refresh")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(raw))
        .unwrap();
    assert_oauth_error(
        &h.send(request).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    let reply = h
        .send(json("/refresh", &json!({"refresh_token": 12})))
        .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    assert_token_response(&h.refresh(token).await);
}

/// R11 (RT-08): a refresh token in the URL is never read, and the refresh endpoints answer
/// POST only.
#[tokio::test]
async fn refresh_tokens_in_the_url_are_never_read() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    let request = Request::post(format!("/refresh?refresh_token={}", pair.refresh))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    assert_oauth_error(
        &h.send(request).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    for path in [
        format!("/refresh?refresh_token={}", pair.refresh),
        format!(
            "/token?grant_type=refresh_token&refresh_token={}",
            pair.refresh
        ),
    ] {
        let request = Request::get(path).body(Body::empty()).unwrap();
        assert_eq!(h.send(request).await.status, StatusCode::METHOD_NOT_ALLOWED);
    }
    // Not spent by any of that.
    assert_token_response(&h.refresh(&pair.refresh).await);
}

/// R05 (RT-07): an access token is refused by both refresh grants, in form and JSON.
#[tokio::test]
async fn access_tokens_are_refused_by_every_refresh_grant() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    for request in [
        form("/refresh", &format!("refresh_token={}", pair.access)),
        form(
            "/token",
            &format!("grant_type=refresh_token&refresh_token={}", pair.access),
        ),
        json("/refresh", &json!({"refresh_token": pair.access})),
        json(
            "/token",
            &json!({"grant_type": "refresh_token", "refresh_token": pair.access}),
        ),
    ] {
        assert_invalid_grant(&h.send(request).await);
    }
}

/// A `MemoryStore` that records every hash it is handed, and whose denylist can be made to
/// fail one write: the `n`-th `revoke` after [`Self::fail_revoke`].
#[derive(Clone, Default)]
struct Recording {
    inner: MemoryStore,
    seen: Arc<Mutex<Vec<TokenHash>>>,
    /// Counts down the revokes left before the failing one; 0 is "disarmed".
    countdown: Arc<AtomicU32>,
}

impl Recording {
    fn record(&self, hash: &TokenHash) {
        self.seen.lock().unwrap().push(*hash);
    }

    fn fail_revoke(&self, nth: u32) {
        self.countdown.store(nth, Ordering::SeqCst);
    }
}

impl RevocationList for Recording {
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.is_revoked(jti)
    }
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let left = self
            .countdown
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .unwrap_or(0);
        if left == 1 {
            return Box::pin(async { Err(StoreError::new("the denylist is down")) });
        }
        self.inner.revoke(jti, expires_at)
    }
    fn is_revoked_now(&self, jti: &str) -> Option<Result<bool, StoreError>> {
        self.inner.is_revoked_now(jti)
    }
}

impl RefreshStore for Recording {
    fn insert<'a>(
        &'a self,
        family: &'a NewFamily,
        now: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.record(&family.token);
        self.inner.insert(family, now)
    }
    fn lookup<'a>(
        &'a self,
        token: &'a TokenHash,
        now: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>> {
        self.record(token);
        self.inner.lookup(token, now)
    }
    fn lookup_access<'a>(
        &'a self,
        jwt_id: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>> {
        self.inner.lookup_access(jwt_id, now)
    }
    fn rotate<'a>(
        &'a self,
        presented: &'a TokenHash,
        successor: &'a Successor,
        now: u64,
    ) -> BoxFuture<'a, Result<Rotation, StoreError>> {
        self.record(presented);
        self.record(&successor.token);
        self.inner.rotate(presented, successor, now)
    }
    fn revoke_family<'a>(
        &'a self,
        family: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>> {
        self.inner.revoke_family(family, now)
    }
    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>> {
        self.inner.revoke_subject(subject, now)
    }
}

/// R10 (RT-01): refresh tokens are 256 random bits, and the store is only ever handed their
/// SHA-256.
#[tokio::test]
async fn the_store_only_ever_sees_sha256_of_256_bit_tokens() {
    let store = Recording::default();
    let h = Setup::default()
        .configure({
            let store = store.clone();
            move |endpoints| endpoints.store(store)
        })
        .build()
        .await;
    let first = h.pair("alice").await;
    let second = pair_of(&h.refresh(&first.refresh).await);
    for token in [&first.refresh, &second.refresh] {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .unwrap();
        assert_eq!(bytes.len(), 32);
    }
    let seen = store.seen.lock().unwrap().clone();
    let expected = [
        TokenHash::of(&first.refresh),  // insert
        TokenHash::of(&first.refresh),  // lookup
        TokenHash::of(&first.refresh),  // rotate: presented
        TokenHash::of(&second.refresh), // rotate: successor
    ];
    assert_eq!(seen, expected);
}

/// R02 R03 (RT-03, RV-01): presenting a token spent several rotations ago kills the family's
/// newest token and every access token of the family.
#[tokio::test]
async fn reuse_of_an_old_token_kills_the_whole_chain() {
    let h = Setup::default().build().await;
    let mut chain = vec![h.pair("alice").await];
    for _ in 0..3 {
        let last = chain.last().unwrap().refresh.clone();
        chain.push(pair_of(&h.refresh(&last).await));
    }
    assert_invalid_grant(&h.refresh(&chain[1].refresh).await);
    for pair in &chain {
        assert_invalid_grant(&h.refresh(&pair.refresh).await);
        assert_revoked(&h.protected(&pair.access).await);
    }
}

/// R15 (RT-09): one family refreshes at most a burst of 5, then once every 12 s: the sixth
/// refresh in a row is 429 `slow_down` with `Retry-After`, on `/refresh` and on the refresh
/// grant of `/token` alike. The refused token is not spent: it works once the bucket refills.
/// Another family of the same user is not affected.
#[tokio::test]
async fn a_family_refreshing_too_fast_is_429_and_keeps_its_token() {
    let h = Setup::default()
        .throttle(auth::endpoints::ThrottleConfig::default())
        .build()
        .await;
    let mut pair = h.pair("alice").await;
    let other = h.pair("alice").await;
    for _ in 0..5 {
        pair = pair_of(&h.refresh(&pair.refresh).await);
    }
    for request in [
        form("/refresh", &format!("refresh_token={}", pair.refresh)),
        form(
            "/token",
            &format!("grant_type=refresh_token&refresh_token={}", pair.refresh),
        ),
    ] {
        let reply = h.send(request).await;
        assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
        // 12, or 11 if the clock's second turned during the test.
        assert!((11..=12).contains(&reply.retry_after()), "{}", reply.text());
    }
    assert_token_response(&h.refresh(&other.refresh).await);
    h.clock.advance(std::time::Duration::from_secs(12));
    assert_token_response(&h.refresh(&pair.refresh).await);
}

/// R16 (RT-09): one client address sends at most a burst of 60 refresh requests, then one a
/// second, whatever they carry (an unknown token counts: it costs a store lookup), before
/// the token is even looked at. Other addresses are not affected.
#[tokio::test]
async fn a_client_sending_too_many_refreshes_is_429() {
    let h = Setup::default()
        .throttle(auth::endpoints::ThrottleConfig::default())
        .build()
        .await;
    let pair = h.pair("alice").await;
    let unknown = "A".repeat(43);
    let prober = [203, 0, 113, 5];
    for i in 0..60 {
        let path = if i % 2 == 0 { "/refresh" } else { "/token" };
        let body = format!("grant_type=refresh_token&refresh_token={unknown}");
        assert_invalid_grant(&h.send(from_address(form(path, &body), prober)).await);
    }
    let request = form("/refresh", &format!("refresh_token={}", pair.refresh));
    let reply = h.send(from_address(request, prober)).await;
    assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
    assert!(reply.retry_after() <= 1);
    let request = form("/refresh", &format!("refresh_token={}", pair.refresh));
    assert_token_response(&h.send(from_address(request, [192, 0, 2, 1])).await);
}

/// R17 (RT-03, RV-01): reuse detection that fails part-way through denylisting the family's
/// access tokens answers 503, and presenting the spent token again finishes the job: the
/// family's revocation is recorded with what it must denylist, so no access token of a
/// stolen family outlives a store hiccup.
#[tokio::test]
async fn reuse_detection_cut_short_is_finished_by_a_retry() {
    let store = Recording::default();
    let h = Setup::default().store(store.clone()).build().await;
    let mut chain = vec![h.pair("alice").await];
    for _ in 0..2 {
        let last = chain.last().unwrap().refresh.clone();
        chain.push(pair_of(&h.refresh(&last).await));
    }
    // The second of the three access tokens fails to be denylisted.
    store.fail_revoke(2);
    let reply = h.refresh(&chain[0].refresh).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text()
    );
    let live = {
        let mut live = 0;
        for pair in &chain {
            if h.protected(&pair.access).await.status == StatusCode::OK {
                live += 1;
            }
        }
        live
    };
    assert!(live >= 1, "the failure left nothing to finish");
    // The retry (the thief's or the owner's) denylists the rest.
    assert_invalid_grant(&h.refresh(&chain[0].refresh).await);
    for pair in &chain {
        assert_invalid_grant(&h.refresh(&pair.refresh).await);
        assert_revoked(&h.protected(&pair.access).await);
    }
}
