//! The local replica of the denylist: loaded at start, current with the store's own writes,
//! caught up with other instances (SQLite by sequence number, Redis by publish/subscribe),
//! and never trusted beyond its staleness bound: past it, every check asks the store, and an
//! unreachable store is 503.
//!
//! Propagation delays are measured and printed, never asserted against a tight budget: each
//! wait is a bounded loop whose limit is the staleness bound plus a generous margin. The
//! Redis tests start a `redis-server` of their own on a free loopback port (SKIPPED without
//! the binary, failing under `CI=true`).

mod common;
mod support_endpoints;

use std::time::{Duration, Instant};

use auth::store::{RedisStore, ReplicaConfig, ReplicaState, RevocationList, SqliteStore};
use axum::http::StatusCode;
use support_endpoints::*;

/// What every wait allows beyond the staleness bound: a loaded 2-core machine is slow.
const MARGIN: Duration = Duration::from_secs(10);

fn config(max_staleness: Duration, refresh_interval: Duration) -> ReplicaConfig {
    let mut config = ReplicaConfig::default();
    config.max_staleness = max_staleness;
    config.refresh_interval = refresh_interval;
    config
}

/// A short bound, so that the tests which wait it out stay quick.
fn short() -> ReplicaConfig {
    config(Duration::from_millis(400), Duration::from_millis(50))
}

/// Polls `done` every 2 ms until it holds, for at most `limit`; returns how long it took.
async fn wait_for<F, Fut>(what: &str, limit: Duration, mut done: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if done().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("auth.db").display())
}

fn jti(h: &Harness, access: &str) -> String {
    h.auth
        .verify_without_revocation(access)
        .unwrap()
        .jwt_id()
        .to_owned()
}

fn print_delays(what: &str, mut delays: Vec<Duration>) {
    delays.sort();
    // the nearest-rank percentile, in milliseconds
    let at = |percent: usize| {
        let index = (delays.len() * percent).div_ceil(100).saturating_sub(1);
        delays[index].as_secs_f64() * 1000.0
    };
    println!(
        "{what}: {} samples, min {:.2} ms, median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        delays.len(),
        at(0),
        at(50),
        at(99),
        at(100)
    );
}

// ---- SQLite --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replica_is_loaded_at_start_and_takes_its_own_writes_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let now = common::now();
    let first = SqliteStore::connect(&url).await.unwrap();
    first.revoke("before-start", now + 900).await.unwrap();
    first.revoke("expired", now - 3600).await.unwrap();

    // another process starts on the same database: its replica is loaded before it serves
    let second = SqliteStore::connect(&url).await.unwrap();
    assert_eq!(second.replica_state(), ReplicaState::Current);
    assert!(matches!(
        second.is_revoked_now("before-start"),
        Some(Ok(true))
    ));
    assert!(matches!(second.is_revoked_now("expired"), Some(Ok(false))));
    assert!(matches!(second.is_revoked_now("never"), Some(Ok(false))));
    // its own revocation counts at once, without waiting for a catch-up
    second.revoke("own", now + 900).await.unwrap();
    assert!(matches!(second.is_revoked_now("own"), Some(Ok(true))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replica_catches_up_with_another_store_on_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let replica = config(Duration::from_secs(2), Duration::from_millis(50));
    let one = Setup::default()
        .store(SqliteStore::connect_with(&url, replica).await.unwrap())
        .build()
        .await;
    let two_store = SqliteStore::connect_with(&url, replica).await.unwrap();
    let two = Setup::default().store(two_store.clone()).build().await;

    let mut delays = Vec::new();
    for _ in 0..10 {
        let pair = one.pair("alice").await;
        assert_eq!(two.protected(&pair.access).await.status, StatusCode::OK);
        assert_eq!(one.logout(&pair).await.status, StatusCode::NO_CONTENT);
        assert_revoked(&one.protected(&pair.access).await);
        let delay = wait_for(
            "the other process refuses the logged-out token",
            replica.max_staleness + MARGIN,
            || async { two.protected(&pair.access).await.status == StatusCode::UNAUTHORIZED },
        )
        .await;
        assert_revoked(&two.protected(&pair.access).await);
        delays.push(delay);
    }
    // the refusals came from the replica, not from a fallback
    assert_eq!(two_store.replica_state(), ReplicaState::Current);
    print_delays(
        "SQLite catch-up, logout on one process to refusal on another",
        delays,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_sqlite_replica_asks_the_database_per_request_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect_with(&sqlite_url(&dir), short())
        .await
        .unwrap();
    let h = Setup::default().store(store.clone()).build().await;
    let pair = h.pair("alice").await;
    assert_eq!(h.protected(&pair.access).await.status, StatusCode::OK);

    // the catch-up query fails from now on (its table is gone); the denylist itself is fine
    sqlx::query("ALTER TABLE auth_revocation_sequence RENAME TO auth_revocation_sequence_away")
        .execute(store.pool())
        .await
        .unwrap();
    wait_for(
        "the replica goes stale",
        short().max_staleness + MARGIN,
        || async { store.replica_state() == ReplicaState::Stale },
    )
    .await;
    assert!(store.is_revoked_now("anything").is_none());
    // a revocation the replica cannot see (written behind its back) is found per request
    sqlx::query("INSERT INTO auth_revoked_access_tokens (jti, expires_at) VALUES (?1, ?2)")
        .bind(jti(&h, &pair.access))
        .bind(i64::try_from(common::now() + 900).unwrap())
        .execute(store.pool())
        .await
        .unwrap();
    assert_revoked(&h.protected(&pair.access).await);

    sqlx::query("ALTER TABLE auth_revocation_sequence_away RENAME TO auth_revocation_sequence")
        .execute(store.pool())
        .await
        .unwrap();
    wait_for(
        "the replica recovers",
        short().max_staleness + MARGIN,
        || async { store.replica_state() == ReplicaState::Current },
    )
    .await;
    assert!(matches!(store.is_revoked_now("anything"), Some(Ok(false))));
    let other = h.pair("bob").await;
    assert_eq!(h.logout(&other).await.status, StatusCode::NO_CONTENT);
    assert!(matches!(
        store.is_revoked_now(&jti(&h, &other.access)),
        Some(Ok(true))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_sqlite_database_is_503_once_the_replica_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect_with(&sqlite_url(&dir), short())
        .await
        .unwrap();
    let h = Setup::default().store(store.clone()).build().await;
    let pair = h.pair("alice").await;
    store.pool().close().await;
    wait_for(
        "a request fails closed",
        short().max_staleness + MARGIN,
        || async { h.protected(&pair.access).await.status == StatusCode::SERVICE_UNAVAILABLE },
    )
    .await;
    assert_eq!(store.replica_state(), ReplicaState::Stale);
}

// ---- Redis ---------------------------------------------------------------------------------

/// How many `EXISTS` (the per-request denylist check) Redis ran since the last call.
async fn exists_calls(store: &RedisStore) -> u64 {
    let mut conn = store.connection().clone();
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    let () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut conn)
        .await
        .unwrap();
    stats
        .lines()
        .find_map(|line| line.strip_prefix("cmdstat_exists:calls="))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |calls| calls.parse().unwrap())
}

async fn redis_command(store: &RedisStore, args: &[&str]) {
    let mut conn = store.connection().clone();
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    let _: redis::Value = command.query_async(&mut conn).await.unwrap();
}

async fn current(store: &RedisStore, bound: Duration) {
    wait_for("the replica is current", bound + MARGIN, || async {
        store.replica_state() == ReplicaState::Current
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_redis_instance_is_refused_by_the_other_within_the_bound() {
    let Some(server) = RedisServer::start(
        "a_logout_on_one_redis_instance_is_refused_by_the_other_within_the_bound",
    ) else {
        return;
    };
    let replica = ReplicaConfig::default();
    let a = Setup::default()
        .store(
            RedisStore::connect_with(&server.url, replica)
                .await
                .unwrap(),
        )
        .build()
        .await;
    let b_store = RedisStore::connect_with(&server.url, replica)
        .await
        .unwrap();
    let b = Setup::default().store(b_store.clone()).build().await;
    current(&b_store, replica.max_staleness).await;

    let mut delays = Vec::new();
    for _ in 0..50 {
        let pair = a.pair("alice").await;
        assert_eq!(b.protected(&pair.access).await.status, StatusCode::OK);
        assert_eq!(a.logout(&pair).await.status, StatusCode::NO_CONTENT);
        let delay = wait_for(
            "instance B refuses the token logged out on A",
            replica.max_staleness + MARGIN,
            || async { b.protected(&pair.access).await.status == StatusCode::UNAUTHORIZED },
        )
        .await;
        assert_revoked(&b.protected(&pair.access).await);
        delays.push(delay);
    }
    assert_eq!(b_store.replica_state(), ReplicaState::Current);
    print_delays("Redis pub/sub, logout on A to refusal on B", delays);

    // and B answered from memory: no request of B reached Redis
    let pair = a.pair("bob").await;
    exists_calls(&b_store).await;
    for _ in 0..20 {
        assert_eq!(b.protected(&pair.access).await.status, StatusCode::OK);
    }
    assert_eq!(exists_calls(&b_store).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_instance_without_its_subscription_asks_per_request_then_recovers() {
    let Some(server) = RedisServer::start(
        "a_redis_instance_without_its_subscription_asks_per_request_then_recovers",
    ) else {
        return;
    };
    let a = Setup::default()
        .store(
            RedisStore::connect_with(&server.url, short())
                .await
                .unwrap(),
        )
        .build()
        .await;
    let b_store = RedisStore::connect_with(&server.url, short())
        .await
        .unwrap();
    let b = Setup::default().store(b_store.clone()).build().await;
    current(&b_store, short().max_staleness).await;
    let pair = a.pair("alice").await;
    exists_calls(&b_store).await;
    for _ in 0..10 {
        assert_eq!(b.protected(&pair.access).await.status, StatusCode::OK);
    }
    assert_eq!(exists_calls(&b_store).await, 0);

    // the subscriptions are cut, and cannot come back
    redis_command(&b_store, &["ACL", "SETUSER", "default", "-subscribe"]).await;
    redis_command(&b_store, &["CLIENT", "KILL", "TYPE", "pubsub"]).await;
    let delay = wait_for(
        "B's replica goes stale",
        short().max_staleness + MARGIN,
        || async { b_store.replica_state() == ReplicaState::Stale },
    )
    .await;
    println!(
        "B fell back to per-request checks {:.0} ms after its subscription was cut",
        delay.as_secs_f64() * 1000.0
    );
    // every request asks Redis now, and a logout on A is seen at once
    exists_calls(&b_store).await;
    for _ in 0..10 {
        assert_eq!(b.protected(&pair.access).await.status, StatusCode::OK);
    }
    assert_eq!(exists_calls(&b_store).await, 10);
    assert_eq!(a.logout(&pair).await.status, StatusCode::NO_CONTENT);
    assert_revoked(&b.protected(&pair.access).await);

    // the subscription comes back, reloads, and answers from memory again
    redis_command(&b_store, &["ACL", "SETUSER", "default", "+subscribe"]).await;
    current(&b_store, short().max_staleness).await;
    assert_revoked(&b.protected(&pair.access).await);
    let other = a.pair("bob").await;
    exists_calls(&b_store).await;
    for _ in 0..10 {
        assert_eq!(b.protected(&other.access).await.status, StatusCode::OK);
    }
    assert_eq!(exists_calls(&b_store).await, 0);
    assert_eq!(a.logout(&other).await.status, StatusCode::NO_CONTENT);
    wait_for(
        "B refuses a later logout",
        short().max_staleness + MARGIN,
        || async { b.protected(&other.access).await.status == StatusCode::UNAUTHORIZED },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_is_503_past_the_bound_then_recovers_keeping_revocations() {
    let Some(mut server) = RedisServer::start(
        "a_redis_restart_is_503_past_the_bound_then_recovers_keeping_revocations",
    ) else {
        return;
    };
    let a = Setup::default()
        .store(
            RedisStore::connect_with(&server.url, short())
                .await
                .unwrap(),
        )
        .build()
        .await;
    let b_store = RedisStore::connect_with(&server.url, short())
        .await
        .unwrap();
    let b = Setup::default().store(b_store.clone()).build().await;
    current(&b_store, short().max_staleness).await;
    let revoked = a.pair("alice").await;
    let valid = a.pair("bob").await;
    assert_eq!(a.logout(&revoked).await.status, StatusCode::NO_CONTENT);
    wait_for(
        "B refuses the logged-out token",
        short().max_staleness + MARGIN,
        || async { b.protected(&revoked.access).await.status == StatusCode::UNAUTHORIZED },
    )
    .await;

    server.stop();
    let delay = wait_for("B fails closed", short().max_staleness + MARGIN, || async {
        b.protected(&valid.access).await.status == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    println!(
        "B answered 503 {:.0} ms after Redis stopped",
        delay.as_secs_f64() * 1000.0
    );
    // what B knows to be revoked stays refused, reachable store or not
    assert_revoked(&b.protected(&revoked.access).await);

    server.restart(); // empty: no persistence
    let delay = wait_for("B recovers", short().max_staleness + MARGIN, || async {
        b.protected(&valid.access).await.status == StatusCode::OK
    })
    .await;
    println!(
        "B answered again {:.0} ms after Redis restarted",
        delay.as_secs_f64() * 1000.0
    );
    current(&b_store, short().max_staleness).await;
    // Redis lost the denylist; B's replica did not
    assert_revoked(&b.protected(&revoked.access).await);
}
