//! The SQLite store (feature `sqlite`): refresh-token families and the access-token denylist
//! in tables prefixed `auth_`, in the application's own database if it likes.

mod replica;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{SqlSafeStr as _, Transaction};

use super::memory::now as system_now;
use super::refresh::{
    AccessGrant, NewFamily, RefreshInfo, RefreshStore, Refusal, Rotation, SPENT_TOKENS_KEPT,
    Successor, TokenHash,
};
use super::replica::{Replica, ReplicaConfig, ReplicaHandle, ReplicaState};
use super::{BoxFuture, DENYLIST_GRACE, RevocationList, StoreError};

/// The table recording which of this crate's migrations ran: its own, so that the
/// application's `sqlx::migrate!` on a shared database never sees versions it does not know.
const MIGRATIONS_TABLE: &str = "auth_schema_migrations";

/// Expired rows are purged on every this many logins.
const PURGE_EVERY: u32 = 256;

/// Refresh tokens and revoked access tokens in SQLite: survives a restart; one host.
///
/// ```no_run
/// use auth::store::SqliteStore;
///
/// # async fn run() -> Result<(), auth::store::StoreError> {
/// // its own database file, created when missing
/// let store = SqliteStore::connect("sqlite://auth.db").await?;
///
/// // or the application's pool: the tables are prefixed `auth_`
/// # let pool = store.pool().clone();
/// let store = SqliteStore::new(pool).await?;
/// # Ok(())
/// # }
/// ```
///
/// The schema is created by embedded migrations when the store is built; they are recorded
/// in the table `auth_schema_migrations`, not in sqlx's `_sqlx_migrations`, so they never
/// collide with the application's own migrations.
///
/// Rotation runs in one `BEGIN IMMEDIATE` transaction whose spend is a conditional `UPDATE`,
/// so two processes (or connections) rotating the same token cannot both succeed. Every
/// statement is an indexed lookup or range: a rotation forgets the family's spent tokens
/// beyond the last [`SPENT_TOKENS_KEPT`] (keeping those whose access token may still
/// verify), and a login reads only the user's live families to apply the cap. Expired
/// families are purged every 256 logins and by [`purge_expired`](Self::purge_expired).
///
/// # The denylist replica
///
/// Each store keeps the revoked access tokens in memory, so that the revocation check of a
/// request makes no query. The replica is loaded when the store is built, takes this
/// process's revocations as they are written, and catches up with other processes on the
/// same database every [`ReplicaConfig::refresh_interval`] (one indexed query on a sequence
/// number: 250 ms by default). Each catch-up that succeeds proves the replica current; when
/// the last proof is older than [`ReplicaConfig::max_staleness`] (2 s by default: the
/// database cannot be read), every check queries the database again, and fails with 503 if
/// that fails too. Use [`connect_with`](Self::connect_with) or [`new_with`](Self::new_with)
/// to change the bound or to turn the replica off, and [`replica_state`](Self::replica_state)
/// to watch it. The catch-up task stops when the last clone of the store is dropped or the
/// pool is closed.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    inserts: Arc<AtomicU32>,
    replica: Option<Arc<ReplicaHandle>>,
}

impl SqliteStore {
    /// Uses `pool` (which may be the application's), creating or updating the `auth_` tables,
    /// with the default [denylist replica](Self#the-denylist-replica).
    pub async fn new(pool: SqlitePool) -> Result<Self, StoreError> {
        Self::new_with(pool, ReplicaConfig::default()).await
    }

    /// [`new`](Self::new), with the denylist replica configured by `replica`.
    pub async fn new_with(pool: SqlitePool, replica: ReplicaConfig) -> Result<Self, StoreError> {
        migrator()
            .run(&pool)
            .await
            .map_err(|err| StoreError::with_source("sqlite: migration failed", err))?;
        Ok(Self {
            replica: start_replica(&pool, replica).await,
            pool,
            inserts: Arc::new(AtomicU32::new(0)),
        })
    }

    /// Opens (creating it if missing) the database at `url`, such as `sqlite://auth.db` or
    /// `sqlite::memory:`, in WAL mode, then as [`new`](Self::new).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, ReplicaConfig::default()).await
    }

    /// [`connect`](Self::connect), with the denylist replica configured by `replica`.
    pub async fn connect_with(url: &str, replica: ReplicaConfig) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|err| StoreError::with_source("sqlite: invalid database URL", err))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .map_err(|err| StoreError::with_source("sqlite: cannot open the database", err))?;
        Self::new_with(pool, replica).await
    }

    /// Whether revocation checks are answered by the replica now, or by the database.
    pub fn replica_state(&self) -> ReplicaState {
        ReplicaHandle::state(self.replica.as_deref())
    }

    /// The pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Deletes the families past their absolute expiry (with their tokens, which would be
    /// refused anyway) and the denylist entries of access tokens that can no longer verify.
    /// Returns how many rows went.
    pub async fn purge_expired(&self, now: u64) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await.map_err(sql_error)?;
        let tokens = sqlx::query(
            "DELETE FROM auth_refresh_tokens WHERE family_id IN \
             (SELECT family_id FROM auth_refresh_families WHERE expires_at <= ?1)",
        )
        .bind(int(now))
        .execute(&mut *tx)
        .await
        .map_err(sql_error)?
        .rows_affected();
        let families = sqlx::query("DELETE FROM auth_refresh_families WHERE expires_at <= ?1")
            .bind(int(now))
            .execute(&mut *tx)
            .await
            .map_err(sql_error)?
            .rows_affected();
        let denied = sqlx::query("DELETE FROM auth_revoked_access_tokens WHERE expires_at <= ?1")
            .bind(int(system_now().saturating_sub(DENYLIST_GRACE)))
            .execute(&mut *tx)
            .await
            .map_err(sql_error)?
            .rows_affected();
        tx.commit().await.map_err(sql_error)?;
        Ok(tokens + families + denied)
    }

    async fn insert_family(&self, new: &NewFamily, now: u64) -> Result<(), StoreError> {
        if self.inserts.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1
            && let Err(err) = self.purge_expired(now).await
        {
            tracing::warn!(error = %err, "purging expired refresh tokens failed");
        }
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql_error)?;
        // Room for one more session: the user's oldest live families beyond the cap are
        // revoked (the index on (subject, revoked) reads only the live ones, oldest first).
        let live: Vec<String> = sqlx::query_scalar(
            "SELECT family_id FROM auth_refresh_families \
             WHERE subject = ?1 AND revoked = 0 AND expires_at > ?2 ORDER BY rowid",
        )
        .bind(new.subject.as_str())
        .bind(int(now))
        .fetch_all(&mut *tx)
        .await
        .map_err(sql_error)?;
        let excess = (live.len() + 1).saturating_sub(new.max_live_families.max(1));
        for family in live.iter().take(excess) {
            sqlx::query("UPDATE auth_refresh_families SET revoked = 1 WHERE family_id = ?1")
                .bind(family)
                .execute(&mut *tx)
                .await
                .map_err(sql_error)?;
        }
        sqlx::query(
            "INSERT INTO auth_refresh_families (family_id, subject, expires_at) \
             VALUES (?1, ?2, ?3)",
        )
        .bind(new.family.as_str())
        .bind(new.subject.as_str())
        .bind(int(new.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(sql_error)?;
        insert_token(
            &mut tx,
            &new.token,
            &new.family,
            0,
            new.idle_expires_at.min(new.expires_at),
            &new.access,
        )
        .await?;
        tx.commit().await.map_err(sql_error)
    }

    async fn lookup_token(&self, token: &TokenHash) -> Result<Option<RefreshInfo>, StoreError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT f.subject, f.family_id, f.expires_at \
             FROM auth_refresh_tokens t JOIN auth_refresh_families f USING (family_id) \
             WHERE t.token_hash = ?1",
        )
        .bind(&token.as_bytes()[..])
        .fetch_optional(&self.pool)
        .await
        .map_err(sql_error)?;
        Ok(row.map(refresh_info))
    }

    async fn lookup_access_token(
        &self,
        jwt_id: &str,
        now: u64,
    ) -> Result<Option<RefreshInfo>, StoreError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT f.subject, f.family_id, f.expires_at \
             FROM auth_refresh_tokens t JOIN auth_refresh_families f USING (family_id) \
             WHERE t.access_jti = ?1 AND t.access_expires_at > ?2 LIMIT 1",
        )
        .bind(jwt_id)
        .bind(int(now.saturating_sub(DENYLIST_GRACE)))
        .fetch_optional(&self.pool)
        .await
        .map_err(sql_error)?;
        Ok(row.map(refresh_info))
    }

    async fn rotate_token(
        &self,
        presented: &TokenHash,
        successor: &Successor,
        now: u64,
    ) -> Result<Rotation, StoreError> {
        // IMMEDIATE takes the write lock first, so no other writer runs between the read and
        // the spend (and no deferred lock upgrade can fail with SQLITE_BUSY half-way).
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql_error)?;
        let row: Option<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT t.family_id, t.idle_expires_at, t.spent, t.seq, f.expires_at, f.revoked \
             FROM auth_refresh_tokens t JOIN auth_refresh_families f USING (family_id) \
             WHERE t.token_hash = ?1",
        )
        .bind(&presented.as_bytes()[..])
        .fetch_optional(&mut *tx)
        .await
        .map_err(sql_error)?;
        let Some((family, idle_expires_at, spent, seq, expires_at, revoked)) = row else {
            return Ok(Rotation::Refused(Refusal::Unknown));
        };
        // Spent first: a spent token of a revoked family is reuse again, and answers the
        // access tokens to denylist again (a retry after a partial failure).
        if spent != 0 {
            let grants = revoke_family_in(&mut tx, &family, now).await?;
            tx.commit().await.map_err(sql_error)?;
            return Ok(Rotation::Reused(grants));
        }
        if revoked != 0 {
            return Ok(Rotation::Refused(Refusal::Revoked));
        }
        let expires_at = uint(expires_at);
        if expires_at <= now || uint(idle_expires_at) <= now {
            return Ok(Rotation::Refused(Refusal::Expired));
        }
        // The compare-and-swap: only a token still unspent is spent.
        let spent = sqlx::query(
            "UPDATE auth_refresh_tokens SET spent = 1 WHERE token_hash = ?1 AND spent = 0",
        )
        .bind(&presented.as_bytes()[..])
        .execute(&mut *tx)
        .await
        .map_err(sql_error)?
        .rows_affected();
        if spent != 1 {
            // Cannot happen under the write lock; refuse rather than guess.
            return Ok(Rotation::Refused(Refusal::Revoked));
        }
        let next = seq.saturating_add(1);
        insert_token(
            &mut tx,
            &successor.token,
            &family,
            next,
            successor.idle_expires_at.min(expires_at),
            &successor.access,
        )
        .await?;
        // Spent tokens beyond the reuse window are forgotten, by range of `seq`; a row whose
        // access token may still verify stays until it expires, so revoking the family still
        // denylists it.
        sqlx::query(
            "DELETE FROM auth_refresh_tokens \
             WHERE family_id = ?1 AND seq < ?2 AND access_expires_at <= ?3",
        )
        .bind(&family)
        .bind(next.saturating_sub(i64::try_from(SPENT_TOKENS_KEPT).unwrap_or(i64::MAX)))
        .bind(int(now.saturating_sub(DENYLIST_GRACE)))
        .execute(&mut *tx)
        .await
        .map_err(sql_error)?;
        tx.commit().await.map_err(sql_error)?;
        Ok(Rotation::Rotated)
    }

    async fn revoke_family_now(
        &self,
        family: &str,
        now: u64,
    ) -> Result<Vec<AccessGrant>, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql_error)?;
        let grants = revoke_family_in(&mut tx, family, now).await?;
        tx.commit().await.map_err(sql_error)?;
        Ok(grants)
    }

    async fn revoke_subject_now(
        &self,
        subject: &str,
        now: u64,
    ) -> Result<Vec<AccessGrant>, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql_error)?;
        sqlx::query("UPDATE auth_refresh_families SET revoked = 1 WHERE subject = ?1")
            .bind(subject)
            .execute(&mut *tx)
            .await
            .map_err(sql_error)?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT t.access_jti, t.access_expires_at \
             FROM auth_refresh_tokens t JOIN auth_refresh_families f USING (family_id) \
             WHERE f.subject = ?1 AND t.access_expires_at > ?2",
        )
        .bind(subject)
        .bind(int(now.saturating_sub(DENYLIST_GRACE)))
        .fetch_all(&mut *tx)
        .await
        .map_err(sql_error)?;
        tx.commit().await.map_err(sql_error)?;
        Ok(grants(rows))
    }

    async fn is_denied(&self, jti: &str) -> Result<bool, StoreError> {
        let denied: i64 = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM auth_revoked_access_tokens \
             WHERE jti = ?1 AND expires_at > ?2)",
        )
        .bind(jti)
        .bind(int(system_now().saturating_sub(DENYLIST_GRACE)))
        .fetch_one(&self.pool)
        .await
        .map_err(sql_error)?;
        Ok(denied != 0)
    }

    async fn deny(&self, jti: &str, expires_at: u64) -> Result<(), StoreError> {
        // This process refuses the token at once, even if the write below fails.
        if let Some(handle) = &self.replica {
            handle.replica.insert(jti, expires_at);
        }
        // The number and the row in one transaction: under the write lock, numbers are
        // committed in increasing order, which is what the catch-up of other processes needs.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql_error)?;
        let seq: i64 = sqlx::query_scalar(
            "UPDATE auth_revocation_sequence SET seq = seq + 1 WHERE id = 1 RETURNING seq",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(sql_error)?;
        sqlx::query(
            "INSERT INTO auth_revoked_access_tokens (jti, expires_at, seq) VALUES (?1, ?2, ?3) \
             ON CONFLICT (jti) DO UPDATE \
             SET expires_at = max(expires_at, excluded.expires_at), seq = excluded.seq",
        )
        .bind(jti)
        .bind(int(expires_at))
        .bind(seq)
        .execute(&mut *tx)
        .await
        .map_err(sql_error)?;
        tx.commit().await.map_err(sql_error)
    }
}

/// Loads the replica, then starts the task that keeps it current; `None` when turned off.
async fn start_replica(pool: &SqlitePool, config: ReplicaConfig) -> Option<Arc<ReplicaHandle>> {
    if !config.enabled() {
        return None;
    }
    let replica = Arc::new(Replica::new("sqlite", config.max_staleness));
    let mut position = replica::Position::default();
    // A failed load is not fatal: the replica starts stale and the task tries again.
    let loaded = replica::catch_up(pool, &replica, &mut position).await;
    replica.report(loaded.as_ref().err());
    let feed = replica::follow(pool.clone(), replica.clone(), config, position);
    ReplicaHandle::spawn(replica, feed).map(Arc::new)
}

/// Stores a token of `family` at place `seq` (0 for the first, one more at each rotation).
async fn insert_token(
    tx: &mut Transaction<'static, sqlx::Sqlite>,
    token: &TokenHash,
    family: &str,
    seq: i64,
    idle_expires_at: u64,
    access: &AccessGrant,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO auth_refresh_tokens \
         (token_hash, family_id, seq, idle_expires_at, access_jti, access_expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&token.as_bytes()[..])
    .bind(family)
    .bind(seq)
    .bind(int(idle_expires_at))
    .bind(access.jwt_id.as_str())
    .bind(int(access.expires_at))
    .execute(&mut **tx)
    .await
    .map_err(sql_error)?;
    Ok(())
}

/// Marks the family revoked; returns its access tokens that may still verify.
async fn revoke_family_in(
    tx: &mut Transaction<'static, sqlx::Sqlite>,
    family: &str,
    now: u64,
) -> Result<Vec<AccessGrant>, StoreError> {
    sqlx::query("UPDATE auth_refresh_families SET revoked = 1 WHERE family_id = ?1")
        .bind(family)
        .execute(&mut **tx)
        .await
        .map_err(sql_error)?;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT access_jti, access_expires_at FROM auth_refresh_tokens \
         WHERE family_id = ?1 AND access_expires_at > ?2",
    )
    .bind(family)
    .bind(int(now.saturating_sub(DENYLIST_GRACE)))
    .fetch_all(&mut **tx)
    .await
    .map_err(sql_error)?;
    Ok(grants(rows))
}

fn grants(rows: Vec<(String, i64)>) -> Vec<AccessGrant> {
    rows.into_iter()
        .map(|(jwt_id, expires_at)| AccessGrant {
            jwt_id,
            expires_at: uint(expires_at),
        })
        .collect()
}

fn migrator() -> Migrator {
    migrator_of(migrations())
}

fn migrator_of(migrations: Vec<Migration>) -> Migrator {
    let mut migrator = Migrator::with_migrations(migrations);
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

fn migrations() -> Vec<Migration> {
    vec![
        Migration::new(
            1,
            "auth refresh tokens and access-token denylist".into(),
            MigrationType::Simple,
            include_str!("migrations/0001_auth_tables.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "bounded refresh-token families".into(),
            MigrationType::Simple,
            include_str!("migrations/0002_bounded_families.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            3,
            "revocation sequence numbers".into(),
            MigrationType::Simple,
            include_str!("migrations/0003_revocation_sequence.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            4,
            "access-token index".into(),
            MigrationType::Simple,
            include_str!("migrations/0004_access_token_index.sql").into_sql_str(),
            false,
        ),
    ]
}

/// SQLite integers are `i64`; times beyond year 292 billion saturate.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A family's row as the lookups select it: subject, family id, absolute expiry.
fn refresh_info((subject, family, expires_at): (String, String, i64)) -> RefreshInfo {
    RefreshInfo {
        subject,
        family,
        expires_at: uint(expires_at),
    }
}

fn uint(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn sql_error(err: sqlx::Error) -> StoreError {
    StoreError::with_source("sqlite", err)
}

impl RefreshStore for SqliteStore {
    fn insert<'a>(
        &'a self,
        family: &'a NewFamily,
        now: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.insert_family(family, now))
    }

    fn lookup<'a>(
        &'a self,
        token: &'a TokenHash,
        _now: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>> {
        Box::pin(self.lookup_token(token))
    }

    fn lookup_access<'a>(
        &'a self,
        jwt_id: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>> {
        Box::pin(self.lookup_access_token(jwt_id, now))
    }

    fn rotate<'a>(
        &'a self,
        presented: &'a TokenHash,
        successor: &'a Successor,
        now: u64,
    ) -> BoxFuture<'a, Result<Rotation, StoreError>> {
        Box::pin(self.rotate_token(presented, successor, now))
    }

    fn revoke_family<'a>(
        &'a self,
        family: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>> {
        Box::pin(self.revoke_family_now(family, now))
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>> {
        Box::pin(self.revoke_subject_now(subject, now))
    }
}

impl RevocationList for SqliteStore {
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.is_denied(jti))
    }

    /// From the replica while it is current; see [the replica](Self#the-denylist-replica).
    fn is_revoked_now(&self, jti: &str) -> Option<Result<bool, StoreError>> {
        self.replica.as_ref()?.replica.check(jti)
    }

    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.deny(jti, expires_at))
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("replica", &self.replica_state())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One connection, so that every query sees the same in-memory database.
    async fn memory_pool() -> SqlitePool {
        SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_database_of_the_previous_release_migrates_and_its_revocations_are_loaded() {
        let pool = memory_pool().await;
        let mut previous = migrations();
        previous.truncate(2);
        migrator_of(previous).run(&pool).await.unwrap();
        let expires_at = system_now() + 900;
        sqlx::query("INSERT INTO auth_revoked_access_tokens (jti, expires_at) VALUES ('old', ?1)")
            .bind(int(expires_at))
            .execute(&pool)
            .await
            .unwrap();

        let store = SqliteStore::new(pool.clone()).await.unwrap();
        assert_eq!(store.replica_state(), ReplicaState::Current);
        assert!(matches!(store.is_revoked_now("old"), Some(Ok(true))));
        assert!(matches!(store.is_revoked_now("other"), Some(Ok(false))));
        // new revocations are numbered from 1, after the migrated row's 0
        store.revoke("new", expires_at).await.unwrap();
        let seqs: Vec<(String, i64)> =
            sqlx::query_as("SELECT jti, seq FROM auth_revoked_access_tokens ORDER BY seq")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(seqs, [("old".into(), 0), ("new".into(), 1)]);
        assert!(store.is_revoked("old").await.unwrap());
    }

    #[tokio::test]
    async fn a_revocation_written_again_gets_a_new_number_and_keeps_the_later_expiry() {
        let store = SqliteStore::new(memory_pool().await).await.unwrap();
        let now = system_now();
        store.revoke("a", now + 900).await.unwrap();
        store.revoke("b", now + 900).await.unwrap();
        store.revoke("a", now + 10).await.unwrap();
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT jti, expires_at, seq FROM auth_revoked_access_tokens ORDER BY jti",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(
            rows,
            [
                ("a".into(), int(now + 900), 3),
                ("b".into(), int(now + 900), 2)
            ]
        );
    }

    #[tokio::test]
    async fn a_store_without_a_replica_asks_the_database() {
        let store = SqliteStore::new_with(memory_pool().await, ReplicaConfig::off())
            .await
            .unwrap();
        assert_eq!(store.replica_state(), ReplicaState::Off);
        store.revoke("a", system_now() + 900).await.unwrap();
        assert!(store.is_revoked_now("a").is_none());
        assert!(store.is_revoked("a").await.unwrap());
    }
}
