//! The Redis store (feature `redis`): refresh-token families and the access-token denylist,
//! shared by every instance of the application.

mod replica;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Client, Script};

use super::memory::now as system_now;
use super::refresh::{
    AccessGrant, NewFamily, RefreshInfo, RefreshStore, Refusal, Rotation, SPENT_TOKENS_KEPT,
    Successor, TokenHash,
};
use super::replica::{Replica, ReplicaConfig, ReplicaHandle, ReplicaState};
use super::{BoxFuture, DENYLIST_GRACE, RevocationList, StoreError};
use replica::Names;

/// The default key prefix.
const DEFAULT_PREFIX: &str = "auth:";

/// Refresh tokens and revoked access tokens in Redis: the scale-out store, shared by all
/// instances.
///
/// ```no_run
/// use auth::store::RedisStore;
///
/// # async fn run() -> Result<(), auth::store::StoreError> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379").await?;
/// # Ok(())
/// # }
/// ```
///
/// Keys (with the prefix, `auth:` by default), each with a TTL so Redis expires it:
///
/// | key | type | holds | expires |
/// |---|---|---|---|
/// | `auth:rt:<sha256 hex>` | hash | family, idle expiry, spent flag | with its family |
/// | `auth:fam:<family>` | hash | subject, absolute expiry, revoked flag | absolute expiry |
/// | `auth:fam:<family>:tokens` | list | the family's token hashes, oldest first: the last [`SPENT_TOKENS_KEPT`] spent ones, then the live one | absolute expiry |
/// | `auth:fam:<family>:access` | sorted set | the `jti` of each access token the family issued, scored by its `exp` | absolute expiry |
/// | `auth:acc:<jti>` | string | the family that issued this access token (a logout with the access token alone revokes it) | the token's `exp` + 60 s |
/// | `auth:sub:<subject>` | sorted set | the user's families not revoked, oldest first (scored by creation time in µs-spaced steps) | with the user's last family |
/// | `auth:retired:<subject>` | sorted set | the user's revoked families whose access tokens may still verify, scored by when the last one stops | then |
/// | `auth:seq` | integer | a counter that orders the families created within one second | 60 s after the last login |
/// | `auth:deny:<jti>` | string | a revoked access token | `exp` + 60 s |
/// | `auth:denylist` | sorted set | the revoked access tokens, scored by `exp` (what a replica loads) | with its newest entry; entries past `exp` + 60 s are dropped by the next revocation |
///
/// Revocations are also published on the channel `auth:revocations`, as `<exp> <jti>`.
///
/// No script reads a whole family or a whole user: a rotation appends one token and trims
/// the list from its head, drops the expired access tokens by score and adds one; a login
/// drops the retired families by score and revokes the oldest live ones beyond the cap on
/// sessions per user ([`NewFamily::max_live_families`]), one at a time; a revocation moves
/// one family from the live set to the retired one. So the cost of every call, and the time
/// the script holds Redis, stays flat however often one family rotates and however many
/// sessions one user has (`cargo bench -p auth --all-features --bench refresh_store`).
/// Revoking a whole user reads all of its families, as it must to denylist their tokens.
///
/// Every operation that reads and writes is one Lua script, so it is atomic: of concurrent
/// rotations of one token, on one instance or many, one wins. The scripts derive the family
/// and user keys from what they read, so this store needs a standalone Redis (or a
/// primary with replicas), not Redis Cluster.
///
/// A Redis that loses its data (no persistence, a flush) fails closed for refresh tokens:
/// unknown tokens are refused and users log in again. Denylisted access tokens would verify
/// again until they expire, within the access-token lifetime. Configure persistence (AOF)
/// where that matters. A Redis that cannot be reached makes the requests that need it fail
/// with 503 (see [`connect`](Self::connect) for the timeouts).
///
/// # The denylist replica
///
/// A store built by [`connect`](Self::connect) keeps the revoked access tokens in memory, so
/// that the revocation check of a request makes no round trip to Redis. It subscribes to
/// `auth:revocations`, loads `auth:denylist`, applies every published revocation (its own
/// at once, other instances' within about a network round trip), and every
/// [`ReplicaConfig::refresh_interval`] (250 ms by default) sends a heartbeat down the
/// subscription; a heartbeat that comes back proves that everything revoked before it was
/// sent has been applied. When the last proof is older than
/// [`ReplicaConfig::max_staleness`] (2 s by default: subscription down, Redis unreachable),
/// every check asks Redis again, and fails with 503 if Redis cannot answer. So a logout on
/// any instance is honoured by every other one within that bound, whatever fails. Each
/// (re)subscription reloads the whole denylist, so a message lost while disconnected is never
/// a revocation missed. Set the bound with [`connect_with`](Self::connect_with) or
/// [`with_replica`](Self::with_replica), watch it with [`replica_state`](Self::replica_state).
/// The task stops when the last clone of the store is dropped.
///
/// Every instance sharing the Redis must publish its revocations: run this version on all of
/// them before relying on the replica (an instance of an earlier version writes only the
/// `deny:<jti>` keys, which replicas do not see).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    names: Arc<Names>,
    scripts: Arc<Scripts>,
    /// The client for the replica's subscription and its settings, to restart it under
    /// another prefix.
    replica_source: Option<(Client, ReplicaConfig)>,
    replica: Option<Arc<ReplicaHandle>>,
}

struct Scripts {
    deny: Script,
    insert: Script,
    lookup: Script,
    lookup_access: Script,
    rotate: Script,
    revoke_family: Script,
    revoke_subject: Script,
}

/// Marks a family revoked and returns `{jti, exp, ...}` of its access tokens that may still
/// verify, after dropping the others by score. The first time, it also moves the family from
/// its user's live families (`sub:<subject>`) to the retired ones (`retired:<subject>`,
/// scored by when its last access token stops verifying), or out of the index when nothing
/// is left to denylist. O(log n). Shared by the scripts that revoke.
const REVOKE_FN: &str = r"
local function revoke(prefix, id, now, grace)
  local famkey = prefix .. 'fam:' .. id
  local acckey = famkey .. ':access'
  local sub = redis.call('HGET', famkey, 'sub')
  redis.call('HSET', famkey, 'revoked', '1')
  redis.call('ZREMRANGEBYSCORE', acckey, '-inf', now - grace)
  local grants = redis.call('ZRANGE', acckey, 0, -1, 'WITHSCORES')
  local subkey = sub and prefix .. 'sub:' .. sub
  -- Moved when it leaves the live set (also a family revoked by an earlier version, which
  -- left it there); a set of the oldest layout is converted by the next login.
  if subkey and redis.call('TYPE', subkey).ok == 'zset'
     and redis.call('ZREM', subkey, id) == 1 then
    if #grants > 0 then
      local keep_until = tonumber(grants[#grants]) + grace
      local retkey = prefix .. 'retired:' .. sub
      redis.call('ZADD', retkey, keep_until, id)
      if redis.call('TTL', retkey) < keep_until - now then
        redis.call('EXPIRE', retkey, keep_until - now)
      end
    end
  end
  return grants
end
";

/// KEYS: token, family, subject set. ARGV: family id, subject, expiry, idle expiry, access
/// jti, access expiry, now, prefix, token hex, most live families, grace.
///
/// Makes room before inserting: forgets the retired families past their score, then
/// revokes the oldest live ones while the user has the most allowed. Each family is revoked
/// or forgotten once, in O(log n), so a login costs O(log n) however many sessions the user
/// has.
const INSERT: &str = r"
local now = tonumber(ARGV[7])
local ttl = tonumber(ARGV[3]) - now
if ttl <= 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local prefix = ARGV[8]
local grace = tonumber(ARGV[11])
if redis.call('TYPE', KEYS[3]).ok == 'set' then
  -- Written by an earlier version as a plain set: becomes the sorted set, oldest unknown.
  local ids = redis.call('SMEMBERS', KEYS[3])
  redis.call('DEL', KEYS[3])
  for _, id in ipairs(ids) do redis.call('ZADD', KEYS[3], 0, id) end
end
redis.call('ZREMRANGEBYSCORE', prefix .. 'retired:' .. ARGV[2], '-inf', now)
local most = tonumber(ARGV[10])
while redis.call('ZCARD', KEYS[3]) >= most do
  local id = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
  -- Evicted: its refresh tokens stop working; its access tokens expire on their own, or
  -- are denylisted by a later revocation of the user.
  if redis.call('EXISTS', prefix .. 'fam:' .. id) == 1 then revoke(prefix, id, now, grace) end
  redis.call('ZREM', KEYS[3], id)
end
redis.call('HSET', KEYS[2], 'sub', ARGV[2], 'exp', ARGV[3], 'revoked', '0')
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('RPUSH', KEYS[2] .. ':tokens', ARGV[9])
redis.call('EXPIRE', KEYS[2] .. ':tokens', ttl)
redis.call('ZADD', KEYS[2] .. ':access', ARGV[6], ARGV[5])
redis.call('EXPIRE', KEYS[2] .. ':access', ttl)
local accttl = tonumber(ARGV[6]) + grace - now
if accttl > 0 and ARGV[5] ~= '' then
  redis.call('SET', prefix .. 'acc:' .. ARGV[5], ARGV[1], 'EX', accttl)
end
redis.call('HSET', KEYS[1], 'fam', ARGV[1], 'idle', ARGV[4], 'spent', '0')
redis.call('EXPIRE', KEYS[1], ttl)
-- Oldest first, also within one second: the time, then a counter (scores stay exact
-- doubles: now * 10^6 < 2^53).
local seq = redis.call('INCR', prefix .. 'seq') % 1000000
redis.call('EXPIRE', prefix .. 'seq', 60)
redis.call('ZADD', KEYS[3], now * 1000000 + seq, ARGV[1])
if redis.call('TTL', KEYS[3]) < ttl then redis.call('EXPIRE', KEYS[3], ttl) end
return 1
";

/// KEYS: the `deny:<jti>` key, the denylist sorted set. ARGV: jti, expiry, TTL, the score
/// below which entries can no longer verify, the revocation channel.
///
/// The key for the per-request check, the sorted set for replicas that reload, the message
/// for replicas that follow: one script, so a replica never sees one without the others.
const DENY: &str = r"
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[1], '1', 'EX', ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local old = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]))
if not old or old < tonumber(ARGV[2]) then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) end
if redis.call('TTL', KEYS[2]) < ttl then redis.call('EXPIRE', KEYS[2], ttl) end
redis.call('PUBLISH', ARGV[5], ARGV[2] .. ' ' .. ARGV[1])
return 1
";

/// KEYS: token. ARGV: prefix. Returns `{subject, family, expiry}` or `{}`.
const LOOKUP: &str = r"
local fam = redis.call('HGET', KEYS[1], 'fam')
if not fam then return {} end
local info = redis.call('HMGET', ARGV[1] .. 'fam:' .. fam, 'sub', 'exp')
if not info[1] then return {} end
return {info[1], fam, info[2]}
";

/// KEYS: the `acc:<jti>` key. ARGV: prefix, jti, now, grace. Returns `{subject, family,
/// expiry}` or `{}`. The key's TTL counts from the time the caller gave when it was written;
/// the token's `exp`, its score in the family's access set, is compared with `now` here.
const LOOKUP_ACCESS: &str = r"
local fam = redis.call('GET', KEYS[1])
if not fam then return {} end
local famkey = ARGV[1] .. 'fam:' .. fam
local exp = redis.call('ZSCORE', famkey .. ':access', ARGV[2])
if not exp or tonumber(exp) + tonumber(ARGV[4]) <= tonumber(ARGV[3]) then return {} end
local info = redis.call('HMGET', famkey, 'sub', 'exp')
if not info[1] then return {} end
return {info[1], fam, info[2]}
";

/// KEYS: presented token, successor token. ARGV: now, successor idle expiry, access jti,
/// access expiry, prefix, grace, successor hex, spent tokens kept. Returns
/// `{outcome, ...grants}`.
const ROTATE: &str = r"
local now = tonumber(ARGV[1])
local grace = tonumber(ARGV[6])
local rec = redis.call('HMGET', KEYS[1], 'fam', 'idle', 'spent')
if not rec[1] then return {'unknown'} end
local famkey = ARGV[5] .. 'fam:' .. rec[1]
local fam = redis.call('HMGET', famkey, 'exp', 'revoked')
if not fam[1] then return {'unknown'} end
if rec[3] == '1' then
  local grants = revoke(ARGV[5], rec[1], now, grace)
  table.insert(grants, 1, 'reused')
  return grants
end
if fam[2] == '1' then return {'revoked'} end
local exp = tonumber(fam[1])
if exp <= now or tonumber(rec[2]) <= now then return {'expired'} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'collision'} end
redis.call('HSET', KEYS[1], 'spent', '1')
local idle = ARGV[2]
if tonumber(idle) > exp then idle = fam[1] end
redis.call('HSET', KEYS[2], 'fam', rec[1], 'idle', idle, 'spent', '0')
redis.call('EXPIRE', KEYS[2], exp - now)
local tokkey = famkey .. ':tokens'
local count = redis.call('RPUSH', tokkey, ARGV[7])
for _ = 1, count - tonumber(ARGV[8]) - 1 do
  redis.call('DEL', ARGV[5] .. 'rt:' .. redis.call('LPOP', tokkey))
end
redis.call('EXPIRE', tokkey, exp - now)
local acckey = famkey .. ':access'
redis.call('ZREMRANGEBYSCORE', acckey, '-inf', now - grace)
redis.call('ZADD', acckey, ARGV[4], ARGV[3])
redis.call('EXPIRE', acckey, exp - now)
local accttl = tonumber(ARGV[4]) + grace - now
if accttl > 0 and ARGV[3] ~= '' then
  redis.call('SET', ARGV[5] .. 'acc:' .. ARGV[3], rec[1], 'EX', accttl)
end
return {'rotated'}
";

/// KEYS: family. ARGV: now, grace, prefix, family id.
const REVOKE_FAMILY: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
return revoke(ARGV[3], ARGV[4], tonumber(ARGV[1]), tonumber(ARGV[2]))
";

/// KEYS: subject set. ARGV: now, grace, prefix, subject.
const REVOKE_SUBJECT: &str = r"
local all = {}
local ids
if redis.call('TYPE', KEYS[1]).ok == 'set' then
  ids = redis.call('SMEMBERS', KEYS[1])
else
  ids = redis.call('ZRANGE', KEYS[1], 0, -1)
  for _, id in ipairs(redis.call('ZRANGE', ARGV[3] .. 'retired:' .. ARGV[4], 0, -1)) do
    table.insert(ids, id)
  end
end
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[3] .. 'fam:' .. id) == 1 then
    for _, value in ipairs(revoke(ARGV[3], id, tonumber(ARGV[1]), tonumber(ARGV[2]))) do
      table.insert(all, value)
    end
  end
end
return all
";

impl RedisStore {
    /// Uses a connection manager (which may be the application's), with the key prefix
    /// `auth:`, and **no** denylist replica: every check asks Redis. Add one with
    /// [`with_replica`](Self::with_replica).
    pub fn new(conn: ConnectionManager) -> Self {
        let with_revoke = |body: &str| Script::new(&format!("{REVOKE_FN}{body}"));
        Self {
            conn,
            prefix: DEFAULT_PREFIX.into(),
            names: Arc::new(Names::new(DEFAULT_PREFIX)),
            replica_source: None,
            replica: None,
            scripts: Arc::new(Scripts {
                deny: Script::new(DENY),
                insert: with_revoke(INSERT),
                lookup: Script::new(LOOKUP),
                lookup_access: Script::new(LOOKUP_ACCESS),
                rotate: with_revoke(ROTATE),
                revoke_family: with_revoke(REVOKE_FAMILY),
                revoke_subject: with_revoke(REVOKE_SUBJECT),
            }),
        }
    }

    /// Connects to the Redis at `url` (`redis://host:port/db`), failing if it cannot be
    /// reached.
    ///
    /// The connection reconnects by itself, but briefly: two retries 100–200 ms apart, each
    /// attempt and each command bounded by 500 ms, so that while Redis is down requests fail
    /// (503) within about two seconds instead of hanging. Build the `ConnectionManager`
    /// yourself and use [`new`](Self::new) for other settings.
    ///
    /// The store keeps the default [denylist replica](Self#the-denylist-replica).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, ReplicaConfig::default()).await
    }

    /// [`connect`](Self::connect), with the denylist replica configured by `replica`.
    pub async fn connect_with(url: &str, replica: ReplicaConfig) -> Result<Self, StoreError> {
        let client =
            Client::open(url).map_err(|err| StoreError::with_source("redis: invalid URL", err))?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(200))
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)));
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(|err| StoreError::with_source("redis: cannot connect", err))?;
        Ok(Self::new(conn).with_replica(client, replica))
    }

    /// Keeps a [denylist replica](Self#the-denylist-replica), subscribing through `client`
    /// (a subscription needs a connection of its own), in place of any it had. Call it inside
    /// a Tokio runtime: without one there is no replica.
    pub fn with_replica(mut self, client: Client, config: ReplicaConfig) -> Self {
        self.replica_source = Some((client, config));
        self.restart_replica();
        self
    }

    /// Whether revocation checks are answered by the replica now, or by Redis.
    pub fn replica_state(&self) -> ReplicaState {
        ReplicaHandle::state(self.replica.as_deref())
    }

    /// Puts every key under `prefix` instead of `auth:` (to share one Redis between
    /// applications). The replica follows the new prefix's channel.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().into();
        self.names = Arc::new(Names::new(&self.prefix));
        self.restart_replica();
        self
    }

    /// Starts the replica anew (stopping the one this clone shared, if any).
    fn restart_replica(&mut self) {
        self.replica = None;
        let Some((client, config)) = &self.replica_source else {
            return;
        };
        if !config.enabled() {
            return;
        }
        let replica = Arc::new(Replica::new("redis", config.max_staleness));
        let feed = replica::follow(
            client.clone(),
            self.conn.clone(),
            (*self.names).clone(),
            replica.clone(),
            *config,
        );
        self.replica = ReplicaHandle::spawn(replica, feed).map(Arc::new);
    }

    /// The connection manager.
    pub fn connection(&self) -> &ConnectionManager {
        &self.conn
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    async fn insert_family(&self, new: &NewFamily, now: u64) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let inserted: i64 = self
            .scripts
            .insert
            .key(self.key("rt", &new.token.to_hex()))
            .key(self.key("fam", &new.family))
            .key(self.key("sub", &new.subject))
            .arg(&new.family)
            .arg(&new.subject)
            .arg(new.expires_at)
            .arg(new.idle_expires_at.min(new.expires_at))
            .arg(&new.access.jwt_id)
            .arg(new.access.expires_at)
            .arg(now)
            .arg(&*self.prefix)
            .arg(new.token.to_hex())
            .arg(new.max_live_families.max(1))
            .arg(DENYLIST_GRACE)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        match inserted {
            // 0: already expired; nothing is stored, and the token is refused as unknown.
            0 | 1 => Ok(()),
            _ => Err(StoreError::new(
                "redis: refresh token or family id already stored",
            )),
        }
    }

    async fn lookup_token(&self, token: &TokenHash) -> Result<Option<RefreshInfo>, StoreError> {
        let mut invocation = self.scripts.lookup.key(self.key("rt", &token.to_hex()));
        invocation.arg(&*self.prefix);
        self.lookup_by(&invocation).await
    }

    async fn lookup_access_token(
        &self,
        jwt_id: &str,
        now: u64,
    ) -> Result<Option<RefreshInfo>, StoreError> {
        if jwt_id.is_empty() {
            return Ok(None);
        }
        let mut invocation = self.scripts.lookup_access.key(self.key("acc", jwt_id));
        invocation
            .arg(&*self.prefix)
            .arg(jwt_id)
            .arg(now)
            .arg(DENYLIST_GRACE);
        self.lookup_by(&invocation).await
    }

    /// Runs a lookup script: `{subject, family, expiry}` or nothing.
    async fn lookup_by(
        &self,
        invocation: &::redis::ScriptInvocation<'_>,
    ) -> Result<Option<RefreshInfo>, StoreError> {
        let mut conn = self.conn.clone();
        let info: Vec<String> = invocation
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let mut info = info.into_iter();
        Ok(match (info.next(), info.next(), info.next()) {
            (Some(subject), Some(family), Some(expires_at)) => Some(RefreshInfo {
                subject,
                family,
                expires_at: parse_time(&expires_at)?,
            }),
            _ => None,
        })
    }

    async fn rotate_token(
        &self,
        presented: &TokenHash,
        successor: &Successor,
        now: u64,
    ) -> Result<Rotation, StoreError> {
        let mut conn = self.conn.clone();
        let reply: Vec<String> = self
            .scripts
            .rotate
            .key(self.key("rt", &presented.to_hex()))
            .key(self.key("rt", &successor.token.to_hex()))
            .arg(now)
            .arg(successor.idle_expires_at)
            .arg(&successor.access.jwt_id)
            .arg(successor.access.expires_at)
            .arg(&*self.prefix)
            .arg(DENYLIST_GRACE)
            .arg(successor.token.to_hex())
            .arg(SPENT_TOKENS_KEPT)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let (outcome, grants) = reply.split_first().ok_or_else(unexpected)?;
        Ok(match outcome.as_str() {
            "rotated" => Rotation::Rotated,
            "reused" => Rotation::Reused(parse_grants(grants)?),
            "unknown" => Rotation::Refused(Refusal::Unknown),
            "expired" => Rotation::Refused(Refusal::Expired),
            "revoked" => Rotation::Refused(Refusal::Revoked),
            "collision" => return Err(StoreError::new("redis: refresh token already stored")),
            _ => return Err(unexpected()),
        })
    }

    async fn revoke_family_now(
        &self,
        family: &str,
        now: u64,
    ) -> Result<Vec<AccessGrant>, StoreError> {
        let mut conn = self.conn.clone();
        let reply: Vec<String> = self
            .scripts
            .revoke_family
            .key(self.key("fam", family))
            .arg(now)
            .arg(DENYLIST_GRACE)
            .arg(&*self.prefix)
            .arg(family)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        parse_grants(&reply)
    }

    async fn revoke_subject_now(
        &self,
        subject: &str,
        now: u64,
    ) -> Result<Vec<AccessGrant>, StoreError> {
        let mut conn = self.conn.clone();
        let reply: Vec<String> = self
            .scripts
            .revoke_subject
            .key(self.key("sub", subject))
            .arg(now)
            .arg(DENYLIST_GRACE)
            .arg(&*self.prefix)
            .arg(subject)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        parse_grants(&reply)
    }

    async fn is_denied(&self, jti: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let exists: bool = ::redis::cmd("EXISTS")
            .arg(self.key("deny", jti))
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(exists)
    }

    async fn deny(&self, jti: &str, expires_at: u64) -> Result<(), StoreError> {
        // Kept until the token cannot verify any more: `exp` plus the largest leeway.
        let now = system_now();
        let ttl = (expires_at + DENYLIST_GRACE).saturating_sub(now);
        if ttl == 0 {
            return Ok(());
        }
        // This instance refuses the token at once, even if the write below fails.
        if let Some(handle) = &self.replica {
            handle.replica.insert(jti, expires_at);
        }
        let mut conn = self.conn.clone();
        self.scripts
            .deny
            .key(self.key("deny", jti))
            .key(&self.names.denylist)
            .arg(jti)
            .arg(expires_at)
            .arg(ttl)
            .arg(now.saturating_sub(DENYLIST_GRACE))
            .arg(&self.names.revocations)
            .invoke_async::<()>(&mut conn)
            .await
            .map_err(redis_error)
    }
}

/// A time as a script returns it: an integer, or a sorted-set score, which Redis may print
/// as a float (`1.7e+09`).
fn parse_time(value: &str) -> Result<u64, StoreError> {
    if let Ok(time) = value.parse() {
        return Ok(time);
    }
    match value.parse::<f64>() {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just before
        Ok(time) if (0.0..1.8e19).contains(&time) && time.fract() == 0.0 => Ok(time as u64),
        _ => Err(unexpected()),
    }
}

fn parse_grants(flat: &[String]) -> Result<Vec<AccessGrant>, StoreError> {
    flat.chunks(2)
        .map(|pair| match pair {
            [jwt_id, expires_at] => Ok(AccessGrant {
                jwt_id: jwt_id.clone(),
                expires_at: parse_time(expires_at)?,
            }),
            _ => Err(unexpected()),
        })
        .collect()
}

fn unexpected() -> StoreError {
    StoreError::new("redis: unexpected reply from a script")
}

fn redis_error(err: ::redis::RedisError) -> StoreError {
    StoreError::with_source("redis", err)
}

impl RefreshStore for RedisStore {
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

impl RevocationList for RedisStore {
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

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("replica", &self.replica_state())
            .finish_non_exhaustive()
    }
}
