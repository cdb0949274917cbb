//! The SQLite store's denylist replica: loaded when the store is built, then kept current by
//! this process's own writes and a catch-up query on the revocation sequence number every
//! refresh interval, which brings in what other processes on the same database wrote.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::sqlite::SqlitePool;
use tokio::time::MissedTickBehavior;

use super::super::memory::now as system_now;
use super::super::replica::{PRUNE_EVERY, Replica, ReplicaConfig};
use super::super::{DENYLIST_GRACE, StoreError};
use super::{int, sql_error, uint};

/// Where the catch-up stands: the last sequence number applied, `None` before the first load.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Position(Option<i64>);

/// Applies every revocation numbered above `position`, then records the proof: all that was
/// committed before the query was sent is in.
pub(super) async fn catch_up(
    pool: &SqlitePool,
    replica: &Replica,
    position: &mut Position,
) -> Result<(), StoreError> {
    let sent = Instant::now();
    // The counter first: every row numbered up to it is committed, so the read that follows
    // sees all of them (and perhaps later ones, which are applied again next time: harmless).
    let latest: i64 = sqlx::query_scalar("SELECT seq FROM auth_revocation_sequence WHERE id = 1")
        .fetch_one(pool)
        .await
        .map_err(sql_error)?;
    let after = position.0.unwrap_or(-1);
    if latest > after {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT jti, expires_at FROM auth_revoked_access_tokens \
             WHERE seq > ?1 AND expires_at > ?2",
        )
        .bind(after)
        .bind(int(system_now().saturating_sub(DENYLIST_GRACE)))
        .fetch_all(pool)
        .await
        .map_err(sql_error)?;
        replica.insert_all(
            rows.into_iter()
                .map(|(jti, expires_at)| (jti, uint(expires_at))),
        );
    }
    *position = Position(Some(latest.max(after)));
    replica.prove(sent);
    Ok(())
}

/// The background task: a catch-up every interval until the store is dropped (which aborts
/// it) or the pool is closed.
pub(super) async fn follow(
    pool: SqlitePool,
    replica: Arc<Replica>,
    config: ReplicaConfig,
    mut position: Position,
) {
    let mut ticker = tokio::time::interval(config.interval());
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut pruned = Instant::now();
    loop {
        ticker.tick().await;
        if pool.is_closed() {
            tracing::debug!("sqlite pool closed; the revocation replica stops following it");
            return;
        }
        // A query that hangs longer than the bound is as good as failed.
        let limit = config.max_staleness.max(Duration::from_millis(1));
        let outcome =
            match tokio::time::timeout(limit, catch_up(&pool, &replica, &mut position)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(StoreError::new("sqlite: revocation catch-up timed out")),
            };
        replica.report(outcome.as_ref().err());
        if pruned.elapsed() >= PRUNE_EVERY {
            replica.prune(system_now());
            pruned = Instant::now();
        }
    }
}
