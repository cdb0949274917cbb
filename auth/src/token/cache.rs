//! A bounded cache of verified tokens, keyed by the exact token bytes.
//!
//! Verifying an RS256 or ES256 signature costs 25–300 µs; a service sees the same token on
//! every request of a session. The cache stores the result of a *complete* verification
//! under the exact bytes that were verified, so a hit is the same answer re-verifying would
//! give, with two exceptions handled here:
//!
//! - time: an entry is only returned while `now < exp + leeway`, exactly the verifier's own
//!   test, and dropped afterwards (`nbf` and `iat` were already in the past when it was
//!   verified, and stay there);
//! - revocation: never cached. The `jti` is checked against the revocation list on every
//!   request, hit or miss.
//!
//! - keys: the key set of a remote JWKS changes at run time. Every entry carries the *epoch*
//!   of the key-set snapshot that verified it (`jwks::source`), and is served only while that
//!   is the current epoch. The epoch moves on whenever a key is removed or replaced, so a
//!   token verified by a key that is gone is verified again, and refused, instead of being
//!   served from here. Tagging the entry with the epoch of the snapshot it was verified with,
//!   rather than clearing the cache on a change, also covers a verification that raced the
//!   change: it is inserted with the old epoch and never served.
//!
//! Only tokens that verified are inserted: an attacker cannot fill the cache, only look up,
//! and a lookup costs a hash of a few bytes and at most a comparison.
//! Memory is bounded by the capacity (each entry holds the token and its decoded payload,
//! about 1 KiB for the tokens this crate issues).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::VerifiedToken;

/// Shards keep lock hold times short and let cores look up in parallel.
const SHARDS: usize = 16;

pub(crate) struct TokenCache {
    shards: Box<[Mutex<Shard>]>,
    hasher: TailHasherBuilder,
    /// The most entries, over all shards. The bound is global, not per shard: tokens spread
    /// over the shards unevenly (10,000 over 16 shards put ~700 in the fullest), and a
    /// per-shard bound would evict from the fullest shards while the cache still had room,
    /// so a working set the size of the capacity would keep missing.
    capacity: usize,
    /// The entries over all shards, changed under the lock of the shard that changes.
    len: AtomicUsize,
}

struct Shard {
    entries: HashMap<Box<str>, Entry, TailHasherBuilder>,
    /// The second of the last sweep for expired entries: a full cache sweeps a shard at most
    /// once a second (expiry has a one-second resolution), and evicts one arbitrary entry
    /// per insertion otherwise, so an insertion into a full cache stays O(1) amortised.
    swept_at: u64,
}

struct Entry {
    verified: Arc<VerifiedToken>,
    /// The key-set epoch the verification was made in.
    epoch: u64,
}

impl Entry {
    /// Still what verifying again would answer: unexpired and made with the current keys.
    fn is_live(&self, now: u64, leeway: u64, epoch: u64) -> bool {
        self.epoch == epoch && now < self.verified.expires_at().saturating_add(leeway)
    }
}

impl TokenCache {
    /// A cache of about `capacity` entries; `None` for a capacity of zero (disabled).
    pub(crate) fn new(capacity: usize) -> Option<Self> {
        if capacity == 0 {
            return None;
        }
        let mut seed = [0u8; 8];
        // A seed the outside cannot predict; a failing RNG only makes the buckets predictable,
        // which costs nothing here (only verified tokens are ever inserted).
        let _ = getrandom::fill(&mut seed);
        let hasher = TailHasherBuilder(u64::from_le_bytes(seed));
        let shard_count = capacity.min(SHARDS);
        let per_shard = capacity.div_ceil(shard_count);
        let shards = (0..shard_count)
            .map(|_| {
                Mutex::new(Shard {
                    entries: HashMap::with_capacity_and_hasher(per_shard.min(1024), hasher.clone()),
                    swept_at: 0,
                })
            })
            .collect();
        Some(Self {
            shards,
            hasher,
            capacity,
            len: AtomicUsize::new(0),
        })
    }

    fn shard(&self, token: &str) -> &Mutex<Shard> {
        #[allow(clippy::cast_possible_truncation)] // only the low bits pick a shard
        let index = self.hasher.hash_one(token) as usize % self.shards.len();
        &self.shards[index]
    }

    /// The verified token for exactly these bytes, if cached, still within its lifetime, and
    /// verified in the current key-set `epoch`.
    pub(crate) fn get(
        &self,
        token: &str,
        now: u64,
        leeway: u64,
        epoch: u64,
    ) -> Option<Arc<VerifiedToken>> {
        let mut shard = self.shard(token).lock().ok()?;
        let entry = shard.entries.get(token)?;
        if entry.is_live(now, leeway, epoch) {
            return Some(entry.verified.clone());
        }
        shard.entries.remove(token);
        self.len.fetch_sub(1, Ordering::Relaxed);
        None
    }

    /// Remembers a token verified with the key set of `epoch`. When the cache is full, the
    /// shard's expired entries and entries of older epochs go first (at most once a second),
    /// then an arbitrary one of the shard: the cache is an accelerator, any entry can be
    /// dropped. The entries stay within the capacity plus one per shard (an insertion into
    /// an empty shard of a full cache).
    pub(crate) fn insert(
        &self,
        token: &str,
        verified: Arc<VerifiedToken>,
        now: u64,
        leeway: u64,
        epoch: u64,
    ) {
        let Ok(mut shard) = self.shard(token).lock() else {
            return;
        };
        if self.len.load(Ordering::Relaxed) >= self.capacity {
            if shard.swept_at != now {
                shard.swept_at = now;
                let before = shard.entries.len();
                // Entries of a later epoch than this one's are kept: they are the newer ones.
                shard.entries.retain(|_, entry| {
                    entry.epoch >= epoch && now < entry.verified.expires_at().saturating_add(leeway)
                });
                self.len
                    .fetch_sub(before - shard.entries.len(), Ordering::Relaxed);
            }
            if self.len.load(Ordering::Relaxed) >= self.capacity
                && let Some(victim) = shard.entries.keys().next().cloned()
            {
                shard.entries.remove(&victim);
                self.len.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let entry = Entry { verified, epoch };
        if shard.entries.insert(token.into(), entry).is_none() {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let counted: usize = self
            .shards
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.entries.len()))
            .sum();
        assert_eq!(
            counted,
            self.len.load(Ordering::Relaxed),
            "the count drifted"
        );
        counted
    }
}

/// Hashes a token by its length and its last 16 bytes (the end of the signature).
///
/// The signature of a token that verified is indistinguishable from random, so its tail
/// spreads cached entries evenly; hashing 16 bytes instead of ~500 keeps a lookup at a few
/// nanoseconds. Tokens that did not verify are never inserted, so crafted collisions can
/// only make an attacker's own lookups compare one more key.
#[derive(Clone)]
struct TailHasherBuilder(u64);

impl BuildHasher for TailHasherBuilder {
    type Hasher = TailHasher;
    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0)
    }
}

struct TailHasher(u64);

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl TailHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
    }
}

impl Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.mix(bytes.len() as u64);
        let tail = &bytes[bytes.len().saturating_sub(16)..];
        for chunk in tail.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.mix(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::payload::{ParsedPayload, Span};
    use crate::token::verified::CheckedClaims;

    fn token(exp: u64) -> Arc<VerifiedToken> {
        Arc::new(VerifiedToken::new(
            "{}".into(),
            CheckedClaims {
                subject: Span::default(),
                jwt_id: Span::default(),
                issued_at: 0,
                not_before: None,
                expires_at: exp,
            },
            ParsedPayload::default(),
        ))
    }

    #[test]
    fn hits_only_on_the_exact_bytes_and_only_before_expiry() {
        let cache = TokenCache::new(100).unwrap();
        cache.insert("a.b.c", token(100), 10, 0, 0);
        assert!(cache.get("a.b.c", 99, 0, 0).is_some());
        assert!(cache.get("a.b.C", 99, 0, 0).is_none());
        assert!(cache.get("a.b.c ", 99, 0, 0).is_none());
        assert!(cache.get("a.b.c", 100, 0, 0).is_none(), "expired at exp");
        assert_eq!(cache.len(), 0, "the expired entry is dropped");
        cache.insert("x.y.z", token(100), 10, 5, 0);
        assert!(cache.get("x.y.z", 104, 5, 0).is_some(), "within the leeway");
    }

    #[test]
    fn capacity_bounds_the_entries() {
        let cache = TokenCache::new(32).unwrap();
        for i in 0..1000 {
            cache.insert(&format!("token-{i}"), token(u64::MAX), 0, 0, 0);
        }
        assert!(cache.len() <= 32 + SHARDS, "{}", cache.len());
        assert!(TokenCache::new(0).is_none());
    }

    #[test]
    fn a_working_set_of_the_capacity_stays_cached_however_it_spreads_over_the_shards() {
        // The many-users scenario of the load harness: as many distinct tokens as the
        // capacity, in turn. With a bound per shard, the fullest shards evicted and missed.
        let capacity = 10_000;
        let cache = TokenCache::new(capacity).unwrap();
        let tokens: Vec<String> = (0..capacity).map(|i| format!("h.p.sig-{i:08}")).collect();
        for token_bytes in &tokens {
            cache.insert(token_bytes, token(u64::MAX), 0, 0, 0);
        }
        assert_eq!(cache.len(), capacity);
        let hits = tokens
            .iter()
            .filter(|t| cache.get(t, 1, 0, 0).is_some())
            .count();
        assert_eq!(hits, capacity);
        // one more evicts one, not a shard's worth
        cache.insert("h.p.one-more", token(u64::MAX), 1, 0, 0);
        assert_eq!(cache.len(), capacity);
    }

    #[test]
    fn a_full_cache_sweeps_expired_entries_then_evicts_one() {
        // One shard, so where each token lands is known.
        let cache = TokenCache::new(1).unwrap();
        cache.insert("a", token(5), 0, 0, 0);
        // full at second 10: the sweep drops the expired entry, nothing live is evicted
        cache.insert("b", token(100), 10, 0, 0);
        assert_eq!(cache.len(), 1);
        assert!(cache.get("b", 10, 0, 0).is_some());
        // full again within the same second: no second sweep, one entry is evicted
        cache.insert("c", token(12), 10, 0, 0);
        assert_eq!(cache.len(), 1);
        assert!(cache.get("c", 10, 0, 0).is_some());
        // a later second sweeps again
        cache.insert("d", token(100), 13, 0, 0);
        assert_eq!(cache.len(), 1);
        assert!(cache.get("d", 13, 0, 0).is_some());
    }

    #[test]
    fn a_full_cache_drops_expired_entries_then_any() {
        let cache = TokenCache::new(2).unwrap(); // two shards of one entry
        assert_eq!(cache.shards.len(), 2);
        let single = TokenCache::new(1).unwrap();
        single.insert("old", token(5), 0, 0, 0);
        single.insert("new", token(100), 10, 0, 0);
        assert_eq!(single.len(), 1);
        assert!(single.get("new", 10, 0, 0).is_some());
        single.insert("newer", token(100), 10, 0, 0);
        assert_eq!(single.len(), 1);
        assert!(single.get("newer", 10, 0, 0).is_some());
        assert!(cache.get("old", 0, 0, 0).is_none());
    }

    #[test]
    fn entries_of_another_key_set_epoch_are_not_served() {
        let cache = TokenCache::new(100).unwrap();
        cache.insert("a.b.c", token(100), 10, 0, 3);
        assert!(cache.get("a.b.c", 11, 0, 3).is_some());
        assert!(
            cache.get("a.b.c", 11, 0, 4).is_none(),
            "a key was removed since"
        );
        assert_eq!(cache.len(), 0, "and the entry is dropped");
        // A verification that raced a key removal carries the old epoch: never served.
        cache.insert("x.y.z", token(100), 10, 0, 3);
        assert!(cache.get("x.y.z", 11, 0, 4).is_none());
    }
}
