use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use super::refresh::{
    AccessGrant, NewFamily, RefreshInfo, RefreshStore, Refusal, Rotation, SPENT_TOKENS_KEPT,
    Successor, TokenHash,
};
use super::{BoxFuture, DENYLIST_GRACE, RevocationList, StoreError};

/// State kept in this process: lost on restart, not shared between instances. The default
/// store of the endpoints.
///
/// Losing it fails closed for refresh tokens (users log in again); for the denylist it means
/// tokens revoked before a restart verify again until they expire, within the access TTL.
/// Use the SQLite or Redis store where that matters.
///
/// Clones share the state. Rotation is one critical section of one mutex, so it is atomic;
/// every operation in it is O(1) (amortised), so the critical sections stay short whatever
/// one family or one user does. A family keeps its last [`SPENT_TOKENS_KEPT`] spent tokens
/// and the access tokens it issued that have not expired. A user's families are indexed in
/// two ordered maps, the live ones by age and the revoked ones that still have access tokens
/// to denylist by when the last of those expires, so a login evicts the oldest live family in
/// O(log n) and a revocation moves one family between them. Expired families are swept when
/// the number of tokens has doubled since the last sweep.
#[derive(Clone, Default)]
pub struct MemoryStore {
    denylist: Arc<Mutex<Denylist>>,
    refresh: Arc<Mutex<RefreshState>>,
}

#[derive(Default)]
struct RefreshState {
    tokens: HashMap<TokenHash, TokenEntry>,
    families: HashMap<Arc<str>, Family>,
    subjects: HashMap<Box<str>, SubjectIndex>,
    /// The family of each access token issued, by `jti`, with its `exp`: what a logout with
    /// the access token alone revokes. Entries past `exp` are swept when the map has doubled
    /// since the last sweep, so it stays bounded by the access tokens still alive.
    access: HashMap<Box<str>, (Arc<str>, u64)>,
    access_sweep_at: usize,
    /// The creation number of the next family: orders a subject's families by age.
    next_seq: u64,
    sweep_at: usize,
}

/// One subject's families.
#[derive(Default)]
struct SubjectIndex {
    /// The families not revoked, by creation number (oldest first). Some may have expired;
    /// they leave when they are the oldest, or at the next sweep.
    live: BTreeMap<u64, Arc<str>>,
    /// Revoked families with access tokens that may still verify, by when the last of them
    /// stops verifying: what revoking the subject must still denylist.
    retired: BTreeMap<(u64, u64), Arc<str>>,
}

struct TokenEntry {
    family: Arc<str>,
    idle_expires_at: u64,
    spent: bool,
}

struct Family {
    subject: Box<str>,
    /// Its creation number, its key in the subject's index.
    seq: u64,
    expires_at: u64,
    revoked: bool,
    /// The spent tokens still kept, oldest first, then the live one.
    tokens: VecDeque<TokenHash>,
    /// The access tokens issued, in order of issue (so roughly of expiry).
    access: VecDeque<AccessGrant>,
}

impl Family {
    /// Revokes the family; returns its access tokens still alive (verifiable, leeway
    /// included).
    fn revoke(&mut self, now: u64) -> Vec<AccessGrant> {
        self.revoked = true;
        self.prune_access(now);
        self.access
            .iter()
            .filter(|grant| grant.expires_at + DENYLIST_GRACE > now)
            .cloned()
            .collect()
    }

    /// Forgets the access tokens at the front that have expired: O(1) amortised, since each
    /// is dropped once.
    fn prune_access(&mut self, now: u64) {
        while self
            .access
            .front()
            .is_some_and(|grant| grant.expires_at + DENYLIST_GRACE <= now)
        {
            self.access.pop_front();
        }
    }

    /// When the newest access token stops verifying (leeway included): after that, the
    /// family has nothing left to denylist.
    fn access_until(&self) -> Option<u64> {
        self.access
            .back()
            .map(|grant| grant.expires_at + DENYLIST_GRACE)
    }
}

#[derive(Default)]
struct Denylist {
    entries: HashMap<Box<str>, u64>,
    /// Expired entries are swept when the map has doubled since the last sweep, so the
    /// cost is amortised and the map stays bounded by the tokens still alive.
    sweep_at: usize,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn denylist(&self) -> Result<MutexGuard<'_, Denylist>, StoreError> {
        self.denylist
            .lock()
            .map_err(|_| StoreError::new("in-memory denylist poisoned"))
    }

    // Entries stay until `exp` plus the largest leeway: the verifier accepts a token until
    // `exp + leeway`, and a revoked token must stay refused for all of that time.
    fn contains(&self, jti: &str) -> Result<bool, StoreError> {
        let now = now();
        Ok(self
            .denylist()?
            .entries
            .get(jti)
            .is_some_and(|&expires_at| expires_at + DENYLIST_GRACE > now))
    }

    fn insert(&self, jti: &str, expires_at: u64) -> Result<(), StoreError> {
        let now = now();
        let mut list = self.denylist()?;
        if list.entries.len() >= list.sweep_at {
            list.entries
                .retain(|_, &mut expires| expires + DENYLIST_GRACE > now);
            list.sweep_at = (list.entries.len() * 2).max(1024);
        }
        let entry = list.entries.entry(jti.into()).or_insert(expires_at);
        *entry = (*entry).max(expires_at);
        Ok(())
    }

    fn families(&self) -> Result<MutexGuard<'_, RefreshState>, StoreError> {
        self.refresh
            .lock()
            .map_err(|_| StoreError::new("in-memory refresh store poisoned"))
    }

    fn insert_family(&self, new: &NewFamily, now: u64) -> Result<(), StoreError> {
        let mut state = self.families()?;
        let state = &mut *state;
        if state.tokens.len() >= state.sweep_at {
            state.sweep(now);
        }
        if state.families.contains_key(new.family.as_str()) || state.tokens.contains_key(&new.token)
        {
            return Err(StoreError::new("refresh token or family id already stored"));
        }
        let id: Arc<str> = new.family.as_str().into();
        state.make_room_for(&new.subject, new.max_live_families, now);
        let seq = state.next_seq;
        state.next_seq += 1;
        state.tokens.insert(
            new.token,
            TokenEntry {
                family: id.clone(),
                idle_expires_at: new.idle_expires_at.min(new.expires_at),
                spent: false,
            },
        );
        state.families.insert(
            id.clone(),
            Family {
                subject: new.subject.as_str().into(),
                seq,
                expires_at: new.expires_at,
                revoked: false,
                tokens: VecDeque::from([new.token]),
                access: VecDeque::from([new.access.clone()]),
            },
        );
        state.index_access(&new.access, &id, now);
        state
            .subjects
            .entry(new.subject.as_str().into())
            .or_default()
            .live
            .insert(seq, id);
        Ok(())
    }

    fn lookup_token(&self, token: &TokenHash) -> Result<Option<RefreshInfo>, StoreError> {
        let state = self.families()?;
        Ok(state.tokens.get(token).and_then(|entry| {
            state.families.get(&entry.family).map(|family| RefreshInfo {
                subject: family.subject.to_string(),
                family: entry.family.to_string(),
                expires_at: family.expires_at,
            })
        }))
    }

    fn rotate_token(
        &self,
        presented: &TokenHash,
        successor: &Successor,
        now: u64,
    ) -> Result<Rotation, StoreError> {
        let mut state = self.families()?;
        let state = &mut *state;
        let collision = state.tokens.contains_key(&successor.token);
        let Some(entry) = state.tokens.get_mut(presented) else {
            return Ok(Rotation::Refused(Refusal::Unknown));
        };
        let Some(family) = state.families.get_mut(&entry.family) else {
            return Ok(Rotation::Refused(Refusal::Unknown));
        };
        // Spent first: a spent token of a revoked family is reuse again, and answers the
        // access tokens to denylist again (a retry after a partial failure).
        if entry.spent {
            let id = entry.family.clone();
            return Ok(Rotation::Reused(state.revoke(&id, now)));
        }
        if family.revoked {
            return Ok(Rotation::Refused(Refusal::Revoked));
        }
        if family.expires_at <= now || entry.idle_expires_at <= now {
            return Ok(Rotation::Refused(Refusal::Expired));
        }
        if collision {
            return Err(StoreError::new("refresh token already stored"));
        }
        entry.spent = true;
        let id = entry.family.clone();
        family.tokens.push_back(successor.token);
        // The live token and the newest spent ones stay; older spent ones are forgotten.
        while family.tokens.len() > SPENT_TOKENS_KEPT + 1 {
            if let Some(forgotten) = family.tokens.pop_front() {
                state.tokens.remove(&forgotten);
            }
        }
        family.prune_access(now);
        family.access.push_back(successor.access.clone());
        let idle_expires_at = successor.idle_expires_at.min(family.expires_at);
        state.index_access(&successor.access, &id, now);
        state.tokens.insert(
            successor.token,
            TokenEntry {
                family: id,
                idle_expires_at,
                spent: false,
            },
        );
        Ok(Rotation::Rotated)
    }

    fn lookup_access_token(
        &self,
        jwt_id: &str,
        now: u64,
    ) -> Result<Option<RefreshInfo>, StoreError> {
        let state = self.families()?;
        Ok(state
            .access
            .get(jwt_id)
            .filter(|(_, expires_at)| expires_at + DENYLIST_GRACE > now)
            .and_then(|(id, _)| {
                state.families.get(id).map(|family| RefreshInfo {
                    subject: family.subject.to_string(),
                    family: id.to_string(),
                    expires_at: family.expires_at,
                })
            }))
    }

    fn revoke_family_now(&self, family: &str, now: u64) -> Result<Vec<AccessGrant>, StoreError> {
        Ok(self.families()?.revoke(family, now))
    }

    fn revoke_subject_now(&self, subject: &str, now: u64) -> Result<Vec<AccessGrant>, StoreError> {
        let mut state = self.families()?;
        let Some(index) = state.subjects.get(subject) else {
            return Ok(Vec::new());
        };
        let ids: Vec<Arc<str>> = index
            .live
            .values()
            .chain(index.retired.values())
            .cloned()
            .collect();
        let mut grants = Vec::new();
        for id in ids {
            grants.extend(state.revoke(&id, now));
        }
        Ok(grants)
    }
}

impl RefreshState {
    /// Records which family issued an access token. Amortised O(1): expired entries leave
    /// when the map has doubled since the last sweep.
    fn index_access(&mut self, grant: &AccessGrant, family: &Arc<str>, now: u64) {
        if self.access.len() >= self.access_sweep_at {
            self.access
                .retain(|_, (_, expires_at)| *expires_at + DENYLIST_GRACE > now);
            self.access_sweep_at = (self.access.len() * 2).max(1024);
        }
        if !grant.jwt_id.is_empty() {
            self.access.insert(
                grant.jwt_id.as_str().into(),
                (family.clone(), grant.expires_at),
            );
        }
    }

    /// Drops the families past their absolute expiry, with all their tokens: any of those
    /// tokens is refused anyway, as unknown. Amortised: it runs when the number of tokens has
    /// doubled since the last sweep.
    fn sweep(&mut self, now: u64) {
        let tokens = &mut self.tokens;
        self.families.retain(|_, family| {
            let keep = family.expires_at > now;
            if !keep {
                for token in &family.tokens {
                    tokens.remove(token);
                }
            }
            keep
        });
        let families = &self.families;
        self.subjects.retain(|_, index| {
            index.live.retain(|_, id| families.contains_key(id));
            index
                .retired
                .retain(|&(until, _), id| until > now && families.contains_key(id));
            !index.live.is_empty() || !index.retired.is_empty()
        });
        self.sweep_at = (self.tokens.len() * 2).max(1024);
    }

    /// Revokes a family and answers its access tokens that may still verify. The first time,
    /// it moves from its subject's live families to the retired ones (or out of the index
    /// when it has no access token left). O(log n).
    fn revoke(&mut self, id: &str, now: u64) -> Vec<AccessGrant> {
        let Some(family) = self.families.get_mut(id) else {
            return Vec::new();
        };
        let first_time = !family.revoked;
        let grants = family.revoke(now);
        if first_time
            && let Some(index) = self.subjects.get_mut(&*family.subject)
            && let Some(id) = index.live.remove(&family.seq)
            && let Some(until) = family.access_until().filter(|&until| until > now)
        {
            index.retired.insert((until, family.seq), id);
        }
        grants
    }

    /// Keeps `subject` below `max` live families before one more is inserted: forgets the
    /// retired families with nothing left to denylist, then revokes the oldest live ones.
    /// O(log n) per family forgotten or revoked, each of which happens once per family.
    fn make_room_for(&mut self, subject: &str, max: usize, now: u64) {
        let Some(index) = self.subjects.get_mut(subject) else {
            return;
        };
        let current = index.retired.split_off(&(now + 1, 0));
        index.retired = current;
        let max = max.max(1);
        while self
            .subjects
            .get(subject)
            .is_some_and(|index| index.live.len() >= max)
        {
            let Some((_, oldest)) = self
                .subjects
                .get_mut(subject)
                .and_then(|index| index.live.pop_first())
            else {
                break;
            };
            if let Some(family) = self.families.get_mut(&oldest) {
                // Evicted: its refresh tokens stop working; its access tokens expire on
                // their own, or are denylisted by a later revocation of the subject.
                family.revoked = true;
                family.prune_access(now);
                let retired = family
                    .access_until()
                    .filter(|&until| until > now)
                    .map(|until| (until, family.seq));
                if let (Some(key), Some(index)) = (retired, self.subjects.get_mut(subject)) {
                    index.retired.insert(key, oldest);
                }
            }
        }
    }
}

impl RefreshStore for MemoryStore {
    fn insert<'a>(
        &'a self,
        family: &'a NewFamily,
        now: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let answer = self.insert_family(family, now);
        Box::pin(async move { answer })
    }

    fn lookup<'a>(
        &'a self,
        token: &'a TokenHash,
        _now: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>> {
        let answer = self.lookup_token(token);
        Box::pin(async move { answer })
    }

    fn lookup_access<'a>(
        &'a self,
        jwt_id: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Option<RefreshInfo>, StoreError>> {
        let answer = self.lookup_access_token(jwt_id, now);
        Box::pin(async move { answer })
    }

    fn rotate<'a>(
        &'a self,
        presented: &'a TokenHash,
        successor: &'a Successor,
        now: u64,
    ) -> BoxFuture<'a, Result<Rotation, StoreError>> {
        let answer = self.rotate_token(presented, successor, now);
        Box::pin(async move { answer })
    }

    fn revoke_family<'a>(
        &'a self,
        family: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>> {
        let answer = self.revoke_family_now(family, now);
        Box::pin(async move { answer })
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Result<Vec<AccessGrant>, StoreError>> {
        let answer = self.revoke_subject_now(subject, now);
        Box::pin(async move { answer })
    }
}

impl RevocationList for MemoryStore {
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let answer = self.contains(jti);
        Box::pin(async move { answer })
    }

    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let answer = self.insert(jti, expires_at);
        Box::pin(async move { answer })
    }

    fn is_revoked_now(&self, jti: &str) -> Option<Result<bool, StoreError>> {
        Some(self.contains(jti))
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
