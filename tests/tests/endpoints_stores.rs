//! One suite for every store (memory, SQLite, PostgreSQL, Redis): the `RefreshStore` and
//! `RevocationList` contracts called directly, then the endpoints on top of the store. Plus
//! what only some stores can do: SQLite and PostgreSQL survive a restart, two app instances
//! share one PostgreSQL or one Redis.
//!
//! The Redis tests start a `redis-server` of their own on a free loopback port; the
//! PostgreSQL tests each create a database on the server of `AUTH_TEST_POSTGRES_URL` (which
//! `scripts/test` starts). Without them they print that they were SKIPPED and pass; under
//! `CI=true` they fail.

mod common;
mod support_endpoints;
mod support_postgres;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use std::time::{Duration, Instant};

use auth::store::{
    AccessGrant, MemoryStore, NewFamily, PostgresStore, RedisStore, RefreshInfo, RefreshStore,
    Refusal, ReplicaConfig, RevocationList, Rotation, SPENT_TOKENS_KEPT, SqliteStore, Successor,
    TokenHash,
};
use axum::http::StatusCode;
use support_endpoints::*;
use support_postgres::TestDatabase;

/// What every store is: both traits, cheap to clone (clones share the state).
trait TestStore: RefreshStore + RevocationList + Clone {}
impl<T: RefreshStore + RevocationList + Clone> TestStore for T {}

/// The whole suite, for one store.
async fn suite<S: TestStore>(store: S) {
    rotation_and_reuse(&store).await;
    expiry(&store).await;
    revocation_of_families_and_users(&store).await;
    denylist(&store).await;
    concurrent_rotations(&store).await;
    bounded_history(&store).await;
    reuse_is_answered_again(&store).await;
    sessions_per_user_are_capped(&store).await;
    access_tokens_name_their_family(&store).await;
    endpoints_on(store.clone()).await;
    concurrent_refreshes_over_http(store).await;
}

fn unique(what: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

fn token() -> TokenHash {
    TokenHash::of(&unique("token"))
}

fn grant(expires_at: u64) -> AccessGrant {
    AccessGrant {
        jwt_id: unique("jti"),
        expires_at,
    }
}

struct Family {
    id: String,
    first: TokenHash,
    access: AccessGrant,
}

async fn new_family<S: TestStore>(
    store: &S,
    subject: &str,
    now: u64,
    ttl: u64,
    idle: u64,
) -> Family {
    new_family_capped(store, subject, now, ttl, idle, 100).await
}

/// A family of a subject who may have at most `max_live` of them.
async fn new_family_capped<S: TestStore>(
    store: &S,
    subject: &str,
    now: u64,
    ttl: u64,
    idle: u64,
    max_live: usize,
) -> Family {
    let family = Family {
        id: unique("family"),
        first: token(),
        access: grant(now + 900),
    };
    store
        .insert(
            &NewFamily {
                token: family.first,
                family: family.id.clone(),
                subject: subject.into(),
                expires_at: now + ttl,
                idle_expires_at: now + idle,
                access: family.access.clone(),
                max_live_families: max_live,
            },
            now,
        )
        .await
        .unwrap();
    family
}

fn successor(now: u64) -> Successor {
    Successor {
        token: token(),
        idle_expires_at: now + 600,
        access: grant(now + 900),
    }
}

fn jtis(grants: &[AccessGrant]) -> HashSet<String> {
    grants.iter().map(|grant| grant.jwt_id.clone()).collect()
}

async fn rotation_and_reuse<S: TestStore>(store: &S) {
    let now = common::now();
    let family = new_family(store, "subject-a", now, 3600, 600).await;
    assert_eq!(
        store.lookup(&family.first, now).await.unwrap(),
        Some(RefreshInfo {
            subject: "subject-a".into(),
            family: family.id.clone(),
            expires_at: now + 3600,
        })
    );
    assert_eq!(store.lookup(&token(), now).await.unwrap(), None);

    let second = successor(now);
    assert_eq!(
        store.rotate(&family.first, &second, now).await.unwrap(),
        Rotation::Rotated
    );
    // a spent token is still known (reuse stays detectable), and its successor is live
    assert!(store.lookup(&family.first, now).await.unwrap().is_some());
    assert_eq!(
        store
            .lookup(&second.token, now)
            .await
            .unwrap()
            .unwrap()
            .family,
        family.id
    );

    // presenting the spent token again revokes the family and hands back its access tokens
    let third = successor(now);
    let Rotation::Reused(grants) = store.rotate(&family.first, &third, now).await.unwrap() else {
        panic!("reuse not detected");
    };
    assert_eq!(
        jtis(&grants),
        jtis(&[family.access.clone(), second.access.clone()])
    );
    assert_eq!(store.lookup(&third.token, now).await.unwrap(), None);
    // the newer token of the family is dead too, and stays dead
    for _ in 0..2 {
        assert_eq!(
            store
                .rotate(&second.token, &successor(now), now)
                .await
                .unwrap(),
            Rotation::Refused(Refusal::Revoked)
        );
    }
    assert_eq!(
        store.rotate(&token(), &successor(now), now).await.unwrap(),
        Rotation::Refused(Refusal::Unknown)
    );
}

async fn expiry<S: TestStore>(store: &S) {
    let now = common::now();
    // idle expiry: unused for longer than 10 s
    let family = new_family(store, "subject-b", now, 100, 10).await;
    assert_eq!(
        store
            .rotate(&family.first, &successor(now), now + 10)
            .await
            .unwrap(),
        Rotation::Refused(Refusal::Expired)
    );
    // used in time it rotates, and the successor's idle expiry is capped at the absolute one
    let family = new_family(store, "subject-b", now, 100, 10).await;
    let next = Successor {
        idle_expires_at: now + 1000,
        ..successor(now)
    };
    assert_eq!(
        store.rotate(&family.first, &next, now + 5).await.unwrap(),
        Rotation::Rotated
    );
    assert_eq!(
        store
            .rotate(&next.token, &successor(now), now + 100)
            .await
            .unwrap(),
        Rotation::Refused(Refusal::Expired)
    );
    assert_eq!(
        store
            .rotate(&next.token, &successor(now), now + 99)
            .await
            .unwrap(),
        Rotation::Rotated
    );
}

async fn revocation_of_families_and_users<S: TestStore>(store: &S) {
    let now = common::now();
    let family = new_family(store, "subject-c", now, 3600, 600).await;
    let grants = store.revoke_family(&family.id, now).await.unwrap();
    assert_eq!(grants, std::slice::from_ref(&family.access));
    assert_eq!(
        store
            .rotate(&family.first, &successor(now), now)
            .await
            .unwrap(),
        Rotation::Refused(Refusal::Revoked)
    );
    // revoking again or revoking the unknown is fine
    store.revoke_family(&family.id, now).await.unwrap();
    assert!(
        store
            .revoke_family(&unique("nope"), now)
            .await
            .unwrap()
            .is_empty()
    );
    // access tokens that can no longer verify are not handed back
    let old = new_family(store, "subject-c", now - 7200, 86400, 86400).await;
    assert!(store.revoke_family(&old.id, now).await.unwrap().is_empty());

    // a user's families go together; other users' stay
    let subject = unique("subject");
    let phone = new_family(store, &subject, now, 3600, 600).await;
    let laptop = new_family(store, &subject, now, 3600, 600).await;
    let other = new_family(store, &unique("subject"), now, 3600, 600).await;
    let grants = store.revoke_subject(&subject, now).await.unwrap();
    assert_eq!(
        jtis(&grants),
        jtis(&[phone.access.clone(), laptop.access.clone()])
    );
    for family in [&phone, &laptop] {
        assert_eq!(
            store
                .rotate(&family.first, &successor(now), now)
                .await
                .unwrap(),
            Rotation::Refused(Refusal::Revoked)
        );
    }
    assert_eq!(
        store
            .rotate(&other.first, &successor(now), now)
            .await
            .unwrap(),
        Rotation::Rotated
    );
    assert!(
        store
            .revoke_subject(&unique("nobody"), now)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn denylist<S: TestStore>(store: &S) {
    let now = common::now();
    let (revoked, other, expired, in_leeway) =
        (unique("jti"), unique("jti"), unique("jti"), unique("jti"));
    store.revoke(&revoked, now + 900).await.unwrap();
    store.revoke(&expired, now - 3600).await.unwrap();
    store.revoke(&in_leeway, now - 10).await.unwrap();
    assert!(store.is_revoked(&revoked).await.unwrap());
    assert!(!store.is_revoked(&other).await.unwrap());
    // gone once the token cannot verify any more; kept while the leeway could accept it
    assert!(!store.is_revoked(&expired).await.unwrap());
    assert!(store.is_revoked(&in_leeway).await.unwrap());
}

async fn concurrent_rotations<S: TestStore>(store: &S) {
    let now = common::now();
    let family = new_family(store, "subject-d", now, 3600, 600).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            let presented = family.first;
            tokio::spawn(async move { store.rotate(&presented, &successor(now), now).await })
        })
        .collect();
    let mut rotated = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Rotation::Rotated => rotated += 1,
            Rotation::Reused(_) | Rotation::Refused(Refusal::Revoked) => {}
            other @ Rotation::Refused(_) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(rotated, 1);
}

/// A family that rotates without end keeps its last `SPENT_TOKENS_KEPT` spent tokens, which
/// still detect reuse; older ones are forgotten, refused as unknown, and revoke nothing.
async fn bounded_history<S: TestStore>(store: &S) {
    let now = common::now();
    let family = new_family(store, &unique("subject"), now, 3600, 600).await;
    // Access tokens already expired, so a store may forget everything past the window.
    let rotations = SPENT_TOKENS_KEPT + 3;
    let mut chain = vec![family.first];
    for _ in 0..rotations {
        let next = Successor {
            access: grant(now - 3600),
            ..successor(now)
        };
        let presented = *chain.last().unwrap();
        assert_eq!(
            store.rotate(&presented, &next, now).await.unwrap(),
            Rotation::Rotated
        );
        chain.push(next.token);
    }
    // chain[rotations] is live; chain[rotations - K ..] are the spent ones kept.
    let forgotten = chain[rotations - SPENT_TOKENS_KEPT - 1];
    let oldest_kept = chain[rotations - SPENT_TOKENS_KEPT];
    assert_eq!(store.lookup(&forgotten, now).await.unwrap(), None);
    assert_eq!(
        store
            .rotate(&forgotten, &successor(now), now)
            .await
            .unwrap(),
        Rotation::Refused(Refusal::Unknown)
    );
    assert!(store.lookup(&oldest_kept, now).await.unwrap().is_some());
    assert!(matches!(
        store
            .rotate(&oldest_kept, &successor(now), now)
            .await
            .unwrap(),
        Rotation::Reused(_)
    ));
    assert_eq!(
        store
            .rotate(&chain[rotations], &successor(now), now)
            .await
            .unwrap(),
        Rotation::Refused(Refusal::Revoked)
    );
}

/// A spent token presented again after its family was revoked is reuse again, and answers
/// the access tokens to denylist again: a request that failed part-way through denylisting
/// them is retried with the same outcome.
async fn reuse_is_answered_again<S: TestStore>(store: &S) {
    let now = common::now();
    let family = new_family(store, &unique("subject"), now, 3600, 600).await;
    let second = successor(now);
    assert_eq!(
        store.rotate(&family.first, &second, now).await.unwrap(),
        Rotation::Rotated
    );
    let expected = jtis(&[family.access.clone(), second.access.clone()]);
    for _ in 0..2 {
        let Rotation::Reused(grants) = store
            .rotate(&family.first, &successor(now), now)
            .await
            .unwrap()
        else {
            panic!("reuse not detected");
        };
        assert_eq!(jtis(&grants), expected);
    }
}

/// A login beyond the cap on sessions revokes the user's oldest live family; a password
/// change still denylists the access tokens of every family, the evicted one included.
async fn sessions_per_user_are_capped<S: TestStore>(store: &S) {
    let now = common::now();
    let subject = unique("subject");
    let first = new_family_capped(store, &subject, now, 3600, 600, 2).await;
    let second = new_family_capped(store, &subject, now, 3600, 600, 2).await;
    // revoked families do not count against the cap
    let revoked = new_family_capped(store, &subject, now, 3600, 600, 3).await;
    store.revoke_family(&revoked.id, now).await.unwrap();
    let third = new_family_capped(store, &subject, now, 3600, 600, 2).await;
    assert_eq!(
        store
            .rotate(&first.first, &successor(now), now)
            .await
            .unwrap(),
        Rotation::Refused(Refusal::Revoked)
    );
    assert_eq!(
        store
            .rotate(&second.first, &successor(now), now)
            .await
            .unwrap(),
        Rotation::Rotated
    );
    let renewed = successor(now);
    assert_eq!(
        store.rotate(&third.first, &renewed, now).await.unwrap(),
        Rotation::Rotated
    );
    let grants = store.revoke_subject(&subject, now).await.unwrap();
    for family in [&first, &second, &third, &revoked] {
        assert!(
            jtis(&grants).contains(&family.access.jwt_id),
            "{} not denylisted",
            family.id
        );
    }
    assert!(jtis(&grants).contains(&renewed.access.jwt_id));

    // A subject whose name extends another's shares none of its index: the logins of
    // "<subject>:retired" do not touch the revoked families of "<subject>".
    let subject = unique("subject");
    let logged_out = new_family(store, &subject, now, 3600, 600).await;
    store.revoke_family(&logged_out.id, now).await.unwrap();
    for _ in 0..3 {
        new_family_capped(store, &format!("{subject}:retired"), now, 3600, 600, 1).await;
    }
    let grants = store.revoke_subject(&subject, now).await.unwrap();
    assert!(jtis(&grants).contains(&logged_out.access.jwt_id));
}

/// The endpoints on top of the store, the store also being the revocation list.
/// A logout with the access token alone finds its session through `lookup_access`: every
/// access token a family issued names it while it may verify, whatever happened to the
/// family since.
async fn access_tokens_name_their_family<S: TestStore>(store: &S) {
    let now = common::now();
    let subject = unique("subject");
    let family = new_family(store, &subject, now, 3600, 600).await;
    let next = successor(now);
    assert_eq!(
        store.rotate(&family.first, &next, now).await.unwrap(),
        Rotation::Rotated
    );
    let expected = RefreshInfo {
        subject: subject.clone(),
        family: family.id.clone(),
        expires_at: now + 3600,
    };
    for jti in [&family.access.jwt_id, &next.access.jwt_id] {
        assert_eq!(
            store.lookup_access(jti, now).await.unwrap().as_ref(),
            Some(&expected),
            "{jti}"
        );
    }
    // another family's token names the other family; an unknown or empty `jti` nothing
    let other = new_family(store, &subject, now, 3600, 600).await;
    assert_eq!(
        store
            .lookup_access(&other.access.jwt_id, now)
            .await
            .unwrap()
            .map(|info| info.family),
        Some(other.id.clone())
    );
    assert_eq!(
        store.lookup_access(&unique("jti"), now).await.unwrap(),
        None
    );
    assert_eq!(store.lookup_access("", now).await.unwrap(), None);
    // still found once the family is revoked (a second logout revokes nothing new) ...
    store.revoke_family(&family.id, now).await.unwrap();
    assert_eq!(
        store
            .lookup_access(&next.access.jwt_id, now)
            .await
            .unwrap()
            .map(|info| info.family),
        Some(family.id.clone())
    );
    // ... but an access token that can no longer verify names nothing
    let old = new_family(store, &subject, now - 7200, 86400, 86400).await;
    assert_eq!(
        store.lookup_access(&old.access.jwt_id, now).await.unwrap(),
        None
    );
}

async fn endpoints_on<S: TestStore>(store: S) {
    let h = Setup::default().store(store).build().await;
    let first = h.pair("alice").await;
    let second = pair_of(&h.refresh(&first.refresh).await);
    assert_eq!(h.protected(&second.access).await.status, StatusCode::OK);
    assert_invalid_grant(&h.refresh(&first.refresh).await);
    assert_invalid_grant(&h.refresh(&second.refresh).await);
    assert_revoked(&h.protected(&second.access).await);
    assert_revoked(&h.protected(&first.access).await);

    let pair = h.pair("bob").await;
    assert_eq!(h.logout(&pair).await.status, StatusCode::NO_CONTENT);
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
    assert_revoked(&h.protected(&pair.access).await);

    // with the access token alone, of a rotated session: the whole family goes
    let first = h.pair("bob").await;
    let second = pair_of(&h.refresh(&first.refresh).await);
    let reply = h.logout_with_access_token(&second.access).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert_revoked(&h.protected(&second.access).await);
    assert_revoked(&h.protected(&first.access).await);
    assert_invalid_grant(&h.refresh(&second.refresh).await);

    let pair = h.pair("alice").await;
    h.users.set_disabled("alice", true);
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
    assert_revoked(&h.protected(&pair.access).await);
}

async fn concurrent_refreshes_over_http<S: TestStore>(store: S) {
    let h = Arc::new(Setup::default().store(store).build().await);
    let pair = h.pair("bob").await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let h = h.clone();
            let token = pair.refresh.clone();
            tokio::spawn(async move { h.refresh(&token).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        if reply.status == StatusCode::OK {
            winners.push(pair_of(&reply));
        } else {
            assert_invalid_grant(&reply);
        }
    }
    assert_eq!(winners.len(), 1);
    // The losers presented a spent token: the family is dead, the winner's successor too.
    assert_invalid_grant(&h.refresh(&winners[0].refresh).await);
}

// ---- memory --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_passes_the_suite() {
    suite(MemoryStore::new()).await;
}

#[tokio::test]
async fn a_memory_store_that_lost_its_state_fails_closed() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    // the process restarted: a new, empty store with the same keys
    let h = Setup::default().build().await;
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
}

// ---- SQLite --------------------------------------------------------------------------------

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("auth.db").display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    suite(SqliteStore::connect(&sqlite_url(&dir)).await.unwrap()).await;
}

#[tokio::test]
async fn sqlite_store_survives_a_restart_of_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let (alice, bob) = {
        let store = SqliteStore::connect(&url).await.unwrap();
        let h = Setup::default().store(store.clone()).build().await;
        let alice = h.pair("alice").await;
        let bob = h.pair("bob").await;
        assert_eq!(h.logout(&bob).await.status, StatusCode::NO_CONTENT);
        drop(h);
        store.pool().close().await;
        (alice, bob)
    };
    // a new process: new store over the same file, new app
    let store = SqliteStore::connect(&url).await.unwrap();
    let h = Setup::default().store(store.clone()).build().await;
    let next = pair_of(&h.refresh(&alice.refresh).await);
    assert_eq!(h.protected(&next.access).await.status, StatusCode::OK);
    // what was revoked before the restart stays revoked
    assert_invalid_grant(&h.refresh(&bob.refresh).await);
    assert_revoked(&h.protected(&bob.access).await);
    // and reuse of a token spent before the restart is still detected
    assert_invalid_grant(&h.refresh(&alice.refresh).await);
    assert_invalid_grant(&h.refresh(&next.refresh).await);
    // migrations run once: a third start finds the schema in place
    store.pool().close().await;
    SqliteStore::connect(&url).await.unwrap();
}

#[tokio::test]
async fn sqlite_store_shares_the_applications_pool_and_keeps_its_own_migrations_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&sqlite_url(&dir)).await.unwrap();
    let pool = store.pool().clone();
    let store = SqliteStore::new(pool.clone()).await.unwrap();
    // no `_sqlx_migrations`: the application's own sqlx migrations never see ours
    let tables = auth_tables(&pool).await;
    assert_eq!(
        tables,
        [
            "auth_refresh_families",
            "auth_refresh_tokens",
            "auth_revocation_sequence",
            "auth_revoked_access_tokens",
            "auth_schema_migrations"
        ]
    );
    let now = common::now();
    let family = new_family(&store, "subject", now, 60, 60).await;
    assert_eq!(store.purge_expired(now + 61).await.unwrap(), 2);
    assert_eq!(store.lookup(&family.first, now).await.unwrap(), None);
}

async fn auth_tables(pool: &sqlx::SqlitePool) -> Vec<String> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master \
         WHERE type = 'table' AND (name LIKE '%migrations' OR name LIKE 'auth%') ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    names.into_iter().map(|(name,)| name).collect()
}

// ---- PostgreSQL ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_suite() {
    let Some(db) = TestDatabase::create("postgres_store_passes_the_suite").await else {
        return;
    };
    suite(PostgresStore::connect(&db.url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_survives_a_restart_of_the_app() {
    let Some(db) = TestDatabase::create("postgres_store_survives_a_restart_of_the_app").await
    else {
        return;
    };
    let (alice, bob) = {
        let store = PostgresStore::connect(&db.url).await.unwrap();
        let h = Setup::default().store(store.clone()).build().await;
        let alice = h.pair("alice").await;
        let bob = h.pair("bob").await;
        assert_eq!(h.logout(&bob).await.status, StatusCode::NO_CONTENT);
        drop(h);
        store.pool().close().await;
        (alice, bob)
    };
    // a new process: new store over the same database, new app
    let store = PostgresStore::connect(&db.url).await.unwrap();
    let h = Setup::default().store(store.clone()).build().await;
    let next = pair_of(&h.refresh(&alice.refresh).await);
    assert_eq!(h.protected(&next.access).await.status, StatusCode::OK);
    // what was revoked before the restart stays revoked
    assert_invalid_grant(&h.refresh(&bob.refresh).await);
    assert_revoked(&h.protected(&bob.access).await);
    // and reuse of a token spent before the restart is still detected
    assert_invalid_grant(&h.refresh(&alice.refresh).await);
    assert_invalid_grant(&h.refresh(&next.refresh).await);
    // migrations run once: a third start finds the schema in place
    store.pool().close().await;
    PostgresStore::connect(&db.url).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_shares_the_applications_pool_and_keeps_its_own_migrations_table() {
    let Some(db) = TestDatabase::create(
        "postgres_store_shares_the_applications_pool_and_keeps_its_own_migrations_table",
    )
    .await
    else {
        return;
    };
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let store = PostgresStore::new(pool.clone()).await.unwrap();
    // a second store on the same pool: the migrations are not run twice
    let store_again = PostgresStore::new(pool.clone()).await.unwrap();
    // no `_sqlx_migrations`: the application's own sqlx migrations never see ours
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() ORDER BY table_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        names,
        [
            "auth_refresh_families",
            "auth_refresh_tokens",
            "auth_revoked_access_tokens",
            "auth_schema_migrations"
        ]
    );
    let now = common::now();
    let family = new_family(&store, "subject", now, 60, 60).await;
    let kept = new_family(&store_again, "subject", now, 3600, 60).await;
    // the expired family and its one token go; the live family stays
    assert_eq!(store.purge_expired(now + 61).await.unwrap(), 2);
    assert_eq!(store.lookup(&family.first, now).await.unwrap(), None);
    assert!(store.lookup(&kept.first, now).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_instances_share_one_postgres() {
    let Some(db) = TestDatabase::create("two_app_instances_share_one_postgres").await else {
        return;
    };
    let one = Setup::default()
        .store(PostgresStore::connect(&db.url).await.unwrap())
        .build()
        .await;
    let two = Setup::default()
        .store(PostgresStore::connect(&db.url).await.unwrap())
        .build()
        .await;

    // a token rotated on one instance is spent on the other, and that reuse revoked the
    // family everywhere, with its access tokens
    let first = one.pair("alice").await;
    let second = pair_of(&one.refresh(&first.refresh).await);
    assert_invalid_grant(&two.refresh(&first.refresh).await);
    assert_invalid_grant(&one.refresh(&second.refresh).await);
    assert_revoked(&one.protected(&second.access).await);
    assert_revoked(&two.protected(&second.access).await);

    // concurrent refreshes spread over both instances (two pools): one success
    let one = Arc::new(one);
    let two = Arc::new(two);
    let pair = one.pair("bob").await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let h = if i % 2 == 0 { one.clone() } else { two.clone() };
            let token = pair.refresh.clone();
            tokio::spawn(async move { h.refresh(&token).await.status })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == StatusCode::OK {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
}

/// Concurrent logins of one user on two instances never leave more live sessions than the
/// cap: each login counts the others that committed before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_logins_on_postgres_respect_the_session_cap() {
    let Some(db) =
        TestDatabase::create("concurrent_logins_on_postgres_respect_the_session_cap").await
    else {
        return;
    };
    let stores = [
        PostgresStore::connect(&db.url).await.unwrap(),
        PostgresStore::connect(&db.url).await.unwrap(),
    ];
    let now = common::now();
    let subject = unique("subject");
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let store = stores[i % 2].clone();
            let subject = subject.clone();
            tokio::spawn(
                async move { new_family_capped(&store, &subject, now, 3600, 600, 3).await },
            )
        })
        .collect();
    let mut families = Vec::new();
    for task in tasks {
        families.push(task.await.unwrap());
    }
    let mut live = 0;
    for family in &families {
        if store_rotates(&stores[0], family, now).await {
            live += 1;
        }
    }
    assert_eq!(live, 3);
}

async fn store_rotates(store: &PostgresStore, family: &Family, now: u64) -> bool {
    match store
        .rotate(&family.first, &successor(now), now)
        .await
        .unwrap()
    {
        Rotation::Rotated => true,
        Rotation::Refused(Refusal::Revoked) => false,
        other => panic!("unexpected {other:?}"),
    }
}

/// A database that refuses connections fails closed: the refresh and the protected route
/// answer 503, never a success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_postgres_fails_closed_with_503() {
    let Some(db) = TestDatabase::create("an_unreachable_postgres_fails_closed_with_503").await
    else {
        return;
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect(&db.url)
        .await
        .unwrap();
    let store = PostgresStore::new(pool.clone()).await.unwrap();
    let h = Setup::default().store(store).build().await;
    let pair = h.pair("alice").await;
    // the database goes away under the running app: new connections are refused and the
    // open ones are cut
    let admin = sqlx::PgPool::connect(&std::env::var(support_postgres::URL_VARIABLE).unwrap())
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {0} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{0}'",
        db.name
    )))
    .execute(&admin)
    .await
    .unwrap();
    let reply = h.refresh(&pair.refresh).await;
    assert_oauth_error(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    );
    let reply = h.protected(&pair.access).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
}

// ---- Redis ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_passes_the_suite() {
    let Some(server) = RedisServer::start("redis_store_passes_the_suite") else {
        return;
    };
    suite(RedisStore::connect(&server.url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_keys_are_prefixed_and_expire() {
    let Some(server) = RedisServer::start("redis_keys_are_prefixed_and_expire") else {
        return;
    };
    let store = RedisStore::connect(&server.url)
        .await
        .unwrap()
        .with_prefix("app1:auth:");
    let h = Setup::default().store(store.clone()).build().await;
    let pair = h.pair("alice").await;
    let next = pair_of(&h.refresh(&pair.refresh).await);
    assert_eq!(h.logout(&next).await.status, StatusCode::NO_CONTENT);

    let mut conn = store.connection().clone();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(keys.len() >= 5, "{keys:?}"); // 2 tokens, 1 family, 1 user, denylisted jti
    for key in &keys {
        assert!(key.starts_with("app1:auth:"), "{key}");
        let ttl: i64 = redis::cmd("TTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(ttl > 0 && ttl <= 30 * 86400, "{key}: TTL {ttl}");
        // no key holds a token: only hashes and ids
        assert!(!key.contains(&pair.refresh) && !key.contains(&next.refresh));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_lost_its_data_fails_closed() {
    let Some(server) = RedisServer::start("a_redis_that_lost_its_data_fails_closed") else {
        return;
    };
    let store = RedisStore::connect(&server.url).await.unwrap();
    let h = Setup::default().store(store.clone()).build().await;
    let pair = h.pair("alice").await;
    let mut conn = store.connection().clone();
    let () = redis::cmd("FLUSHALL").query_async(&mut conn).await.unwrap();
    assert_invalid_grant(&h.refresh(&pair.refresh).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_fails_closed_with_503() {
    let Some(server) = RedisServer::start("an_unreachable_redis_fails_closed_with_503") else {
        return;
    };
    let mut replica = ReplicaConfig::default();
    replica.max_staleness = Duration::from_millis(300);
    let store = RedisStore::connect_with(&server.url, replica)
        .await
        .unwrap();
    let h = Setup::default().store(store).build().await;
    let pair = h.pair("alice").await;
    drop(server); // killed
    let reply = h.refresh(&pair.refresh).await;
    assert_oauth_error(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
    );
    // the denylist replica answers until its staleness bound, then every check needs Redis
    let started = Instant::now();
    loop {
        let reply = h.protected(&pair.access).await;
        if reply.status == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no 503 past the bound"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Another instance learns of a revocation through its denylist replica, within the
/// staleness bound (`revocation_replica.rs` measures how soon).
async fn eventually_revoked(h: &Harness, access: &str) {
    let started = Instant::now();
    while h.protected(access).await.status == StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still accepted"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_revoked(&h.protected(access).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_instances_share_one_redis() {
    let Some(server) = RedisServer::start("two_app_instances_share_one_redis") else {
        return;
    };
    let one = Setup::default()
        .store(RedisStore::connect(&server.url).await.unwrap())
        .build()
        .await;
    let two = Setup::default()
        .store(RedisStore::connect(&server.url).await.unwrap())
        .build()
        .await;

    // a token rotated on one instance is spent on the other
    let first = one.pair("alice").await;
    let second = pair_of(&one.refresh(&first.refresh).await);
    assert_invalid_grant(&two.refresh(&first.refresh).await);
    // that reuse revoked the family everywhere, with its access tokens
    assert_invalid_grant(&one.refresh(&second.refresh).await);
    eventually_revoked(&one, &second.access).await;
    assert_revoked(&two.protected(&second.access).await);

    // logout on one instance is seen by the other
    let pair = one.pair("bob").await;
    assert_eq!(two.logout(&pair).await.status, StatusCode::NO_CONTENT);
    assert_invalid_grant(&one.refresh(&pair.refresh).await);
    eventually_revoked(&one, &pair.access).await;

    // concurrent refreshes spread over both instances: one success
    let one = Arc::new(one);
    let two = Arc::new(two);
    let pair = one.pair("alice").await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let h = if i % 2 == 0 { one.clone() } else { two.clone() };
            let token = pair.refresh.clone();
            tokio::spawn(async move { h.refresh(&token).await.status })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == StatusCode::OK {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
}
