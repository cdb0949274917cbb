//! The Redis store's denylist replica, fed by publish/subscribe.
//!
//! Every revocation is written, by one script, to its `deny:<jti>` key (what the per-request
//! fallback reads), to the sorted set `denylist` (what a reload reads) and published on the
//! channel `revocations`. Each instance runs one session at a time:
//!
//! 1. subscribe to `revocations` and to a heartbeat channel of its own;
//! 2. load the whole sorted set: what was revoked before the subscription is in the load,
//!    what is revoked after it arrives as a message, so nothing falls in between;
//! 3. apply messages as they come, and every refresh interval publish a numbered heartbeat
//!    on its own channel. Redis runs commands one at a time and sends a subscriber its
//!    messages in that order, so when heartbeat `n` comes back, every revocation published
//!    before `n` was sent has been applied: that is the proof of currency.
//!
//! A session ends when the connection closes or no heartbeat returns within the staleness
//! bound; the next one subscribes and reloads, so a message lost while disconnected is never
//! a revocation missed. Reloads add to the replica and never remove from it: a revocation is
//! never undone, and a Redis that lost its data must not make tokens valid again here.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::redis::aio::{ConnectionManager, PubSubStream};
use ::redis::{AsyncCommands as _, Client, Msg};
use futures_core::Stream;
use tokio::time::MissedTickBehavior;

use super::super::memory::now as system_now;
use super::super::replica::{PRUNE_EVERY, Replica, ReplicaConfig};
use super::super::{DENYLIST_GRACE, StoreError};
use super::{parse_time, redis_error};

/// Heartbeats sent and not yet back; older ones are forgotten (a later one proves more).
const PENDING_HEARTBEATS: usize = 64;

/// The keys and channels of one store (all under its prefix).
#[derive(Debug, Clone)]
pub(super) struct Names {
    /// The sorted set of revoked `jti`s, scored by `exp`.
    pub(super) denylist: String,
    /// Where revocations are published, as `<exp> <jti>`.
    pub(super) revocations: String,
    /// This instance's own heartbeat channel.
    heartbeat: String,
}

impl Names {
    pub(super) fn new(prefix: &str) -> Self {
        let mut id = [0u8; 8];
        // Only needs to differ between instances; a failed draw still leaves the time.
        let _ = getrandom::fill(&mut id);
        let id = u64::from_le_bytes(id) ^ u64::from(std::process::id());
        Self {
            denylist: format!("{prefix}denylist"),
            revocations: format!("{prefix}revocations"),
            heartbeat: format!("{prefix}revocations:heartbeat:{id:016x}"),
        }
    }
}

/// The background task: sessions, one after the other, until the store is dropped (which
/// aborts it).
pub(super) async fn follow(
    client: Client,
    conn: ConnectionManager,
    names: Names,
    replica: Arc<Replica>,
    config: ReplicaConfig,
) {
    let mut pruned = Instant::now();
    loop {
        let (established, error) =
            session(&client, &conn, &names, &replica, config, &mut pruned).await;
        if established {
            tracing::warn!(%error, "revocation subscription lost; reconnecting");
        } else {
            tracing::debug!(%error, "revocation subscription could not be established");
        }
        replica.report(Some(&error));
        tokio::time::sleep(config.interval()).await;
    }
}

/// One subscription, from its start to the error that ended it; `true` if it got as far as
/// loading the replica.
async fn session(
    client: &Client,
    conn: &ConnectionManager,
    names: &Names,
    replica: &Replica,
    config: ReplicaConfig,
    pruned: &mut Instant,
) -> (bool, StoreError) {
    let limit = config.max_staleness.max(Duration::from_millis(1));
    let mut stream = match start(client, conn, names, replica, limit).await {
        Ok(stream) => stream,
        Err(error) => return (false, error),
    };
    replica.report(None);
    tracing::debug!(
        revoked = replica.len(),
        "revocation subscription established"
    );

    let mut ticker = tokio::time::interval(config.interval());
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker.tick().await; // the first tick is immediate; the load above was the first proof
    let mut pending: VecDeque<(u64, Instant)> = VecDeque::new();
    let mut sent = 0u64;
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            message = next_message(&mut stream) => {
                let Some(message) = message else {
                    return (true, StoreError::new("redis: revocation subscription closed"));
                };
                if message.get_channel_name() == names.heartbeat {
                    if let Ok(number) = message.get_payload::<u64>()
                        && let Some(at) = take_heartbeat(&mut pending, number)
                    {
                        replica.prove(at);
                        heard = Instant::now();
                    }
                } else {
                    apply(replica, &message);
                }
            }
            _ = ticker.tick() => {
                if heard.elapsed() > limit {
                    return (true, StoreError::new("redis: no heartbeat came back within the staleness bound"));
                }
                sent += 1;
                pending.push_back((sent, Instant::now()));
                if pending.len() > PENDING_HEARTBEATS {
                    pending.pop_front();
                }
                let mut conn = conn.clone();
                let published = tokio::time::timeout(limit, conn.publish::<_, _, ()>(&names.heartbeat, sent)).await;
                // A heartbeat that cannot be sent only leaves the proof older; the check above
                // ends the session once that matters.
                let trouble = match published {
                    Ok(Ok(())) => None,
                    Ok(Err(err)) => Some(redis_error(err)),
                    Err(_) => Some(StoreError::new("redis: heartbeat timed out")),
                };
                replica.report(trouble.as_ref());
                if pruned.elapsed() >= PRUNE_EVERY {
                    replica.prune(system_now());
                    *pruned = Instant::now();
                }
            }
        }
    }
}

/// Subscribes, then loads the whole denylist and records the first proof.
async fn start(
    client: &Client,
    conn: &ConnectionManager,
    names: &Names,
    replica: &Replica,
    limit: Duration,
) -> Result<PubSubStream, StoreError> {
    let timed_out = || StoreError::new("redis: revocation subscription timed out");
    let pubsub = tokio::time::timeout(limit, client.get_async_pubsub())
        .await
        .map_err(|_| timed_out())?
        .map_err(redis_error)?;
    let (mut sink, stream) = pubsub.split();
    // Confirmed before the load starts: from here on, every revocation reaches the stream.
    tokio::time::timeout(
        limit,
        sink.subscribe(&[names.revocations.as_str(), names.heartbeat.as_str()]),
    )
    .await
    .map_err(|_| timed_out())?
    .map_err(redis_error)?;
    let sent = Instant::now();
    let mut conn = conn.clone();
    let cutoff = system_now().saturating_sub(DENYLIST_GRACE);
    let mut command = ::redis::cmd("ZRANGEBYSCORE");
    command
        .arg(&names.denylist)
        .arg(format!("({cutoff}"))
        .arg("+inf")
        .arg("WITHSCORES");
    let load = command.query_async::<Vec<(String, String)>>(&mut conn);
    let revoked = tokio::time::timeout(limit, load)
        .await
        .map_err(|_| timed_out())?
        .map_err(redis_error)?;
    let revoked = revoked
        .into_iter()
        .map(|(jti, expires_at)| Ok((jti, parse_time(&expires_at)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    replica.insert_all(revoked);
    replica.prove(sent);
    Ok(stream)
}

/// When heartbeat `number` was sent, forgetting it and every earlier one.
fn take_heartbeat(pending: &mut VecDeque<(u64, Instant)>, number: u64) -> Option<Instant> {
    let mut found = None;
    while let Some(&(sent, at)) = pending.front() {
        if sent > number {
            break;
        }
        pending.pop_front();
        if sent == number {
            found = Some(at);
        }
    }
    found
}

/// A revocation message, `<exp> <jti>`; anything else on the channel is ignored.
fn apply(replica: &Replica, message: &Msg) {
    let parsed = std::str::from_utf8(message.get_payload_bytes())
        .ok()
        .and_then(|payload| payload.split_once(' '))
        .and_then(|(expires_at, jti)| Some((jti, expires_at.parse::<u64>().ok()?)));
    match parsed {
        Some((jti, expires_at)) if !jti.is_empty() => replica.insert(jti, expires_at),
        _ => tracing::debug!("ignoring a malformed message on the revocation channel"),
    }
}

/// The next message, or `None` when the connection is gone. Cancel-safe: a message is only
/// taken when the future completes.
async fn next_message(stream: &mut PubSubStream) -> Option<Msg> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heartbeat_proves_its_own_send_time_and_forgets_older_ones() {
        let start = Instant::now();
        let mut pending: VecDeque<(u64, Instant)> = (1..=3)
            .map(|n| (n, start + Duration::from_millis(n)))
            .collect();
        assert_eq!(
            take_heartbeat(&mut pending, 2),
            Some(start + Duration::from_millis(2))
        );
        assert_eq!(pending.len(), 1);
        // one already forgotten proves nothing
        assert_eq!(take_heartbeat(&mut pending, 1), None);
        assert_eq!(pending.len(), 1);
    }

    #[test]
    fn names_are_prefixed_and_heartbeats_are_per_instance() {
        let (one, two) = (Names::new("app:"), Names::new("app:"));
        assert_eq!(one.denylist, "app:denylist");
        assert_eq!(one.revocations, "app:revocations");
        assert!(one.heartbeat.starts_with("app:revocations:heartbeat:"));
        assert_ne!(one.heartbeat, two.heartbeat);
    }
}
