//! The PostgreSQL store (feature `postgres`): refresh-token families and the access-token
//! denylist in tables prefixed `auth_`, in the application's own database if it likes. The
//! semantics are the SQLite store's, statement for statement; what differs is how concurrent
//! writers are kept apart (row locks and an advisory lock instead of SQLite's one writer).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest as _, Sha256};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, SqlSafeStr as _, Transaction};

use super::memory::now as system_now;
use super::refresh::{
    AccessGrant, NewFamily, RefreshInfo, RefreshStore, Refusal, Rotation, SPENT_TOKENS_KEPT,
    Successor, TokenHash,
};
use super::{BoxFuture, DENYLIST_GRACE, RevocationList, StoreError};

/// The table recording which of this crate's migrations ran: its own, so that the
/// application's `sqlx::migrate!` on a shared database never sees versions it does not know.
const MIGRATIONS_TABLE: &str = "auth_schema_migrations";

/// Expired rows are purged on every this many logins.
const PURGE_EVERY: u32 = 256;

/// The first key of the advisory locks this store takes ("auth" in ASCII). PostgreSQL keeps
/// two-key advisory locks apart from one-key ones, so an application that locks by a single
/// `bigint` never contends with these.
const LOCK_CLASS: i32 = 0x6175_7468;

/// Refresh tokens and revoked access tokens in PostgreSQL: survives a restart, and is shared
/// by every instance that points at the same database.
///
/// ```no_run
/// use auth::store::PostgresStore;
///
/// # async fn run() -> Result<(), auth::store::StoreError> {
/// let store = PostgresStore::connect("postgres://app@127.0.0.1/app").await?;
///
/// // or the application's pool: the tables are prefixed `auth_`
/// # let pool = store.pool().clone();
/// let store = PostgresStore::new(pool).await?;
/// # Ok(())
/// # }
/// ```
///
/// The schema is created by embedded migrations when the store is built; they are recorded
/// in the table `auth_schema_migrations`, not in sqlx's `_sqlx_migrations`, so they never
/// collide with the application's own migrations. Several instances starting at once are
/// fine: sqlx runs migrations under an advisory lock.
///
/// Every write to a family's tokens first locks the family's row (`SELECT … FOR UPDATE`), so
/// of two rotations of one token the second waits for the first and then finds the token
/// spent: at most one succeeds, and the other is reuse. Logins and [`revoke_subject`]
/// (`RefreshStore::revoke_subject`) of one user also take a transaction-scoped advisory lock
/// on the user, so the cap on sessions counts every concurrent login and a password change
/// cannot miss a family created while it runs. As in the SQLite store, every statement is an
/// indexed lookup or range, a rotation forgets the family's spent tokens beyond the last
/// [`SPENT_TOKENS_KEPT`], and expired families are purged every 256 logins and by
/// [`purge_expired`](Self::purge_expired).
///
/// [`revoke_subject`]: RefreshStore::revoke_subject
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    inserts: Arc<AtomicU32>,
}

impl PostgresStore {
    /// Uses `pool` (which may be the application's), creating or updating the `auth_` tables.
    pub async fn new(pool: PgPool) -> Result<Self, StoreError> {
        migrator()
            .run(&pool)
            .await
            .map_err(|err| StoreError::with_source("postgres: migration failed", err))?;
        Ok(Self {
            pool,
            inserts: Arc::new(AtomicU32::new(0)),
        })
    }

    /// Connects to the database at `url`, such as `postgres://app@127.0.0.1/app`, then as
    /// [`new`](Self::new). The database must exist. Connections are unencrypted: this build
    /// has no TLS, so a URL with `sslmode=require` is refused here.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .connect(url)
            .await
            .map_err(|err| StoreError::with_source("postgres: cannot connect", err))?;
        Self::new(pool).await
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Deletes the families past their absolute expiry (with their tokens, which would be
    /// refused anyway) and the denylist entries of access tokens that can no longer verify.
    /// Returns how many rows went.
    pub async fn purge_expired(&self, now: u64) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await.map_err(sql_error)?;
        // Only the families no one else holds: a purge never waits for a row lock, so it
        // cannot deadlock with a rotation or a revocation. Those it skipped go next time.
        let expired: Vec<String> = sqlx::query_scalar(
            "SELECT family_id FROM auth_refresh_families WHERE expires_at <= $1 \
             FOR UPDATE SKIP LOCKED",
        )
        .bind(int(now))
        .fetch_all(&mut *tx)
        .await
        .map_err(sql_error)?;
        let tokens = sqlx::query("DELETE FROM auth_refresh_tokens WHERE family_id = ANY($1)")
            .bind(&expired)
            .execute(&mut *tx)
            .await
            .map_err(sql_error)?
            .rows_affected();
        let families = sqlx::query("DELETE FROM auth_refresh_families WHERE family_id = ANY($1)")
            .bind(&expired)
            .execute(&mut *tx)
            .await
            .map_err(sql_error)?
            .rows_affected();
        let denied = sqlx::query("DELETE FROM auth_revoked_access_tokens WHERE expires_at <= $1")
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
        let mut tx = self.pool.begin().await.map_err(sql_error)?;
        // One login of a user at a time: two concurrent logins both counting the same live
        // families would together exceed the cap.
        lock_subject(&mut tx, &new.subject).await?;
        // Room for one more session: the user's oldest live families beyond the cap are
        // revoked (the index on (subject, revoked, created) reads only the live ones, oldest
        // first).
        let live: Vec<String> = sqlx::query_scalar(
            "SELECT family_id FROM auth_refresh_families \
             WHERE subject = $1 AND NOT revoked AND expires_at > $2 ORDER BY created",
        )
        .bind(new.subject.as_str())
        .bind(int(now))
        .fetch_all(&mut *tx)
        .await
        .map_err(sql_error)?;
        let excess = (live.len() + 1).saturating_sub(new.max_live_families.max(1));
        if excess > 0 {
            sqlx::query(
                "UPDATE auth_refresh_families SET revoked = TRUE WHERE family_id = ANY($1)",
            )
            .bind(&live[..excess])
            .execute(&mut *tx)
            .await
            .map_err(sql_error)?;
        }
        sqlx::query(
            "INSERT INTO auth_refresh_families (family_id, subject, expires_at) \
             VALUES ($1, $2, $3)",
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
             WHERE t.token_hash = $1",
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
             WHERE t.access_jti = $1 AND t.access_expires_at > $2 LIMIT 1",
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
        let mut tx = self.pool.begin().await.map_err(sql_error)?;
        // The family's row lock serialises every change to the family: a concurrent rotation
        // of the same token waits here until this one commits.
        let family: Option<(String, i64, bool)> = sqlx::query_as(
            "SELECT family_id, expires_at, revoked FROM auth_refresh_families \
             WHERE family_id = (SELECT family_id FROM auth_refresh_tokens WHERE token_hash = $1) \
             FOR UPDATE",
        )
        .bind(&presented.as_bytes()[..])
        .fetch_optional(&mut *tx)
        .await
        .map_err(sql_error)?;
        let Some((family, expires_at, revoked)) = family else {
            return Ok(Rotation::Refused(Refusal::Unknown));
        };
        // Read under the lock, in a statement of its own: at READ COMMITTED it sees what the
        // rotation this one waited for committed (the token spent, or forgotten).
        let token: Option<(i64, bool, i64)> = sqlx::query_as(
            "SELECT idle_expires_at, spent, seq FROM auth_refresh_tokens WHERE token_hash = $1",
        )
        .bind(&presented.as_bytes()[..])
        .fetch_optional(&mut *tx)
        .await
        .map_err(sql_error)?;
        let Some((idle_expires_at, spent, seq)) = token else {
            return Ok(Rotation::Refused(Refusal::Unknown));
        };
        // Spent first: a spent token of a revoked family is reuse again, and answers the
        // access tokens to denylist again (a retry after a partial failure).
        if spent {
            let grants = revoke_family_in(&mut tx, &family, now).await?;
            tx.commit().await.map_err(sql_error)?;
            return Ok(Rotation::Reused(grants));
        }
        if revoked {
            return Ok(Rotation::Refused(Refusal::Revoked));
        }
        let expires_at = uint(expires_at);
        if expires_at <= now || uint(idle_expires_at) <= now {
            return Ok(Rotation::Refused(Refusal::Expired));
        }
        // The compare-and-swap: only a token still unspent is spent.
        let spent = sqlx::query(
            "UPDATE auth_refresh_tokens SET spent = TRUE WHERE token_hash = $1 AND NOT spent",
        )
        .bind(&presented.as_bytes()[..])
        .execute(&mut *tx)
        .await
        .map_err(sql_error)?
        .rows_affected();
        if spent != 1 {
            // Cannot happen under the family's lock; refuse rather than guess.
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
             WHERE family_id = $1 AND seq < $2 AND access_expires_at <= $3",
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
        let mut tx = self.pool.begin().await.map_err(sql_error)?;
        let grants = revoke_family_in(&mut tx, family, now).await?;
        tx.commit().await.map_err(sql_error)?;
        Ok(grants)
    }

    async fn revoke_subject_now(
        &self,
        subject: &str,
        now: u64,
    ) -> Result<Vec<AccessGrant>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(sql_error)?;
        // No login of the user commits a family this revocation would not see.
        lock_subject(&mut tx, subject).await?;
        sqlx::query("UPDATE auth_refresh_families SET revoked = TRUE WHERE subject = $1")
            .bind(subject)
            .execute(&mut *tx)
            .await
            .map_err(sql_error)?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT t.access_jti, t.access_expires_at \
             FROM auth_refresh_tokens t JOIN auth_refresh_families f USING (family_id) \
             WHERE f.subject = $1 AND t.access_expires_at > $2",
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
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM auth_revoked_access_tokens \
             WHERE jti = $1 AND expires_at > $2)",
        )
        .bind(jti)
        .bind(int(system_now().saturating_sub(DENYLIST_GRACE)))
        .fetch_one(&self.pool)
        .await
        .map_err(sql_error)
    }

    async fn deny(&self, jti: &str, expires_at: u64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO auth_revoked_access_tokens (jti, expires_at) VALUES ($1, $2) \
             ON CONFLICT (jti) DO UPDATE SET expires_at = \
             GREATEST(auth_revoked_access_tokens.expires_at, excluded.expires_at)",
        )
        .bind(jti)
        .bind(int(expires_at))
        .execute(&self.pool)
        .await
        .map_err(sql_error)?;
        Ok(())
    }
}

/// Takes the transaction-scoped advisory lock of `subject`, released at commit or rollback.
/// The lock is keyed by 32 bits of the subject's SHA-256: two subjects that share them only
/// wait for each other, never corrupt anything.
async fn lock_subject(
    tx: &mut Transaction<'static, Postgres>,
    subject: &str,
) -> Result<(), StoreError> {
    let digest = Sha256::digest(subject.as_bytes());
    let key = i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(LOCK_CLASS)
        .bind(key)
        .execute(&mut **tx)
        .await
        .map_err(sql_error)?;
    Ok(())
}

/// Stores a token of `family` at place `seq` (0 for the first, one more at each rotation).
async fn insert_token(
    tx: &mut Transaction<'static, Postgres>,
    token: &TokenHash,
    family: &str,
    seq: i64,
    idle_expires_at: u64,
    access: &AccessGrant,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO auth_refresh_tokens \
         (token_hash, family_id, seq, idle_expires_at, access_jti, access_expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
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
    tx: &mut Transaction<'static, Postgres>,
    family: &str,
    now: u64,
) -> Result<Vec<AccessGrant>, StoreError> {
    // The UPDATE takes the family's row lock (a rotation in flight finishes first), and the
    // SELECT that follows, a statement of its own, sees the token that rotation added.
    sqlx::query("UPDATE auth_refresh_families SET revoked = TRUE WHERE family_id = $1")
        .bind(family)
        .execute(&mut **tx)
        .await
        .map_err(sql_error)?;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT access_jti, access_expires_at FROM auth_refresh_tokens \
         WHERE family_id = $1 AND access_expires_at > $2",
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
    let mut migrator = Migrator::with_migrations(vec![
        Migration::new(
            1,
            "auth refresh tokens and access-token denylist".into(),
            MigrationType::Simple,
            include_str!("migrations/0001_auth_tables.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "access-token index".into(),
            MigrationType::Simple,
            include_str!("migrations/0002_access_token_index.sql").into_sql_str(),
            false,
        ),
    ]);
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// Times are `BIGINT`; times beyond year 292 billion saturate.
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
    StoreError::with_source("postgres", err)
}

impl RefreshStore for PostgresStore {
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

impl RevocationList for PostgresStore {
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.is_denied(jti))
    }

    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.deny(jti, expires_at))
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}
