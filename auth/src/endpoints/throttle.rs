//! Login throttling (security manual, LG-05): exponential backoff per account *and* client
//! address, per account, and per address, without revealing whether an account exists and
//! without letting a stranger lock a user out.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// One backoff rule: after `free_failures` failures, each further failure blocks the key for
/// `base_delay`, doubling up to `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// The first delay.
    pub base_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
}

impl Limit {
    /// A limit.
    pub const fn new(free_failures: u32, base_delay: Duration, max_delay: Duration) -> Self {
        Self {
            free_failures,
            base_delay,
            max_delay,
        }
    }

    /// Seconds blocked after the `failures`-th failure.
    fn delay(&self, failures: u32) -> u64 {
        let Some(over) = failures.checked_sub(self.free_failures).filter(|&n| n > 0) else {
            return 0;
        };
        let factor = 1u64.checked_shl(over - 1).unwrap_or(u64::MAX);
        self.base_delay
            .as_secs()
            .max(1)
            .saturating_mul(factor)
            .min(self.max_delay.as_secs())
    }
}

/// How `/token` throttles password logins.
///
/// Three counters, each with exponential backoff ([`Limit`]), are charged by every attempt
/// that is not itself refused, whether or not the account exists:
///
/// - **account and address** ([`per_account_and_address`](Self::per_account_and_address)):
///   the tight one. One client guessing one user's password is slowed down fast: 5 free
///   failures, then 1 s doubling to 15 minutes.
/// - **account** ([`per_account`](Self::per_account)): looser, against one account guessed
///   from many addresses: 20 free failures, then 1 s doubling to 5 minutes. After a
///   successful login, an (account, address) pair is *trusted* for
///   [`trust_for`](Self::trust_for) (30 days) and no longer subject to this limit, so an
///   attack on someone's account from elsewhere does not lock them out where they usually log
///   in.
/// - **address** ([`per_address`](Self::per_address)): against one client trying many
///   accounts (password spraying, credential stuffing): 100 free failures, then 1 s doubling
///   to 15 minutes.
///
/// A counter is forgotten after [`forget_after`](Self::forget_after) (1 hour) without
/// failures; a success clears the pair's counter and refunds its charge on the others. A
/// throttled attempt gets 429 `slow_down` with `Retry-After`, before the user store is asked
/// or a password is hashed, and its answer is the same for existing and unknown accounts.
///
/// The account is the username as sent, lowercased (so case variants share one counter).
/// The address is the client's IP (IPv6 by its /64 prefix), taken from axum's
/// `ConnectInfo<SocketAddr>` when the server is run with
/// `into_make_service_with_connect_info::<SocketAddr>()`, or from the function given to
/// [`EndpointsBuilder::client_address`](super::EndpointsBuilder::client_address) (behind a
/// proxy). **Without an address, only the per-account limit applies** (and nothing can be
/// trusted).
///
/// The counters live in the memory of each instance: behind a load balancer of N instances
/// an attacker gets up to N times the budget. Each table holds at most
/// [`max_entries`](Self::max_entries) keys; when full, keys that are not blocked are
/// forgotten first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// Whether logins are throttled at all. Defaults to `true`.
    pub enabled: bool,
    /// Defaults to 5 free failures, then 1 s doubling to 15 minutes.
    pub per_account_and_address: Limit,
    /// Defaults to 20 free failures, then 1 s doubling to 5 minutes.
    pub per_account: Limit,
    /// Defaults to 100 free failures, then 1 s doubling to 15 minutes.
    pub per_address: Limit,
    /// Defaults to 1 hour.
    pub forget_after: Duration,
    /// Defaults to 30 days.
    pub trust_for: Duration,
    /// Defaults to 100 000 per table.
    pub max_entries: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        const SECOND: Duration = Duration::from_secs(1);
        Self {
            enabled: true,
            per_account_and_address: Limit::new(5, SECOND, Duration::from_secs(15 * 60)),
            per_account: Limit::new(20, SECOND, Duration::from_secs(5 * 60)),
            per_address: Limit::new(100, SECOND, Duration::from_secs(15 * 60)),
            forget_after: Duration::from_secs(60 * 60),
            trust_for: Duration::from_secs(30 * 24 * 60 * 60),
            max_entries: 100_000,
        }
    }
}

impl ThrottleConfig {
    /// No throttling (for tests, or when a proxy in front throttles).
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Sets [`per_account_and_address`](Self::per_account_and_address).
    pub fn per_account_and_address(mut self, limit: Limit) -> Self {
        self.per_account_and_address = limit;
        self
    }

    /// Sets [`per_account`](Self::per_account).
    pub fn per_account(mut self, limit: Limit) -> Self {
        self.per_account = limit;
        self
    }

    /// Sets [`per_address`](Self::per_address).
    pub fn per_address(mut self, limit: Limit) -> Self {
        self.per_address = limit;
        self
    }

    /// Sets [`forget_after`](Self::forget_after).
    pub fn forget_after(mut self, duration: Duration) -> Self {
        self.forget_after = duration;
        self
    }

    /// Sets [`trust_for`](Self::trust_for).
    pub fn trust_for(mut self, duration: Duration) -> Self {
        self.trust_for = duration;
        self
    }

    /// Sets [`max_entries`](Self::max_entries).
    pub fn max_entries(mut self, entries: usize) -> Self {
        self.max_entries = entries;
        self
    }
}

type Account = [u8; 16];
type Address = u128;
type Pair = (Account, Address);

#[derive(Clone, Copy)]
struct Counter {
    failures: u32,
    last_failure: u64,
    blocked_until: u64,
}

struct Table<K> {
    entries: HashMap<K, Counter>,
}

impl<K: Hash + Eq + Copy> Table<K> {
    fn new() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }

    /// `Some(seconds)` while `key` is blocked.
    fn blocked(&self, key: &K, now: u64) -> Option<u64> {
        self.entries
            .get(key)
            .filter(|counter| counter.blocked_until > now)
            .map(|counter| counter.blocked_until - now)
    }

    fn charge(&mut self, key: K, limit: &Limit, config: &ThrottleConfig, now: u64) {
        let forget = config.forget_after.as_secs();
        if !self.entries.contains_key(&key) && !self.make_room(config.max_entries, forget, now) {
            return;
        }
        let counter = self.entries.entry(key).or_insert(Counter {
            failures: 0,
            last_failure: now,
            blocked_until: 0,
        });
        if now.saturating_sub(counter.last_failure) > forget {
            counter.failures = 0;
        }
        counter.failures = counter.failures.saturating_add(1);
        counter.last_failure = now;
        let delay = limit.delay(counter.failures);
        if delay > 0 {
            counter.blocked_until = counter.blocked_until.max(now + delay);
        }
    }

    fn refund(&mut self, key: &K) {
        if let Some(counter) = self.entries.get_mut(key) {
            counter.failures = counter.failures.saturating_sub(1);
        }
    }

    fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// Whether a new key fits: forgets stale counters, then unblocked ones.
    fn make_room(&mut self, max: usize, forget: u64, now: u64) -> bool {
        if self.entries.len() < max {
            return true;
        }
        self.entries.retain(|_, counter| {
            counter.blocked_until > now || now.saturating_sub(counter.last_failure) <= forget
        });
        if self.entries.len() >= max {
            self.entries
                .retain(|_, counter| counter.blocked_until > now);
        }
        self.entries.len() < max
    }
}

struct State {
    pairs: Table<Pair>,
    accounts: Table<Account>,
    addresses: Table<Address>,
    /// Pairs that logged in successfully, until when.
    trusted: HashMap<Pair, u64>,
}

/// The throttle of one `Endpoints`.
pub(crate) struct Throttle {
    config: ThrottleConfig,
    state: Mutex<State>,
}

/// An admitted attempt; already charged as a failure until [`Throttle::succeeded`].
pub(crate) struct Ticket {
    account: Account,
    address: Option<Address>,
}

/// An admitted attempt whose outcome is not known yet. Dropped before it is settled (the
/// client hung up while its password was being checked), its charge is taken back: the
/// client learned nothing from the attempt, and charges never settled would pile up until a
/// client that logs in many times at once and hangs up, as load generators and impatient
/// clients do, is locked out of its own account.
pub(crate) struct PendingAttempt<'a> {
    throttle: &'a Throttle,
    ticket: Option<Ticket>,
}

impl<'a> PendingAttempt<'a> {
    /// `ticket` as [`Throttle::admit`] gave it (`None` when throttling is off).
    pub(crate) fn new(throttle: &'a Throttle, ticket: Option<Ticket>) -> Self {
        Self { throttle, ticket }
    }

    /// The password was right.
    pub(crate) fn succeeded(mut self, now: u64) {
        if let Some(ticket) = self.ticket.take() {
            self.throttle.succeeded(&ticket, now);
        }
    }

    /// The password was checked and wrong (or the account unknown): the charge stays.
    pub(crate) fn failed(mut self) {
        self.ticket = None;
    }
}

impl Drop for PendingAttempt<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.throttle.refund(&ticket);
        }
    }
}

impl Throttle {
    pub(crate) fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State {
                pairs: Table::new(),
                accounts: Table::new(),
                addresses: Table::new(),
                trusted: HashMap::new(),
            }),
        }
    }

    /// Admits an attempt and charges it, or says for how many seconds the caller must wait.
    ///
    /// Charging before the password is checked means a burst of parallel guesses cannot all
    /// pass the check before the first failure is counted.
    pub(crate) fn admit(
        &self,
        username: &str,
        address: Option<IpAddr>,
        now: u64,
    ) -> Result<Option<Ticket>, u64> {
        if !self.config.enabled {
            return Ok(None);
        }
        let account = account_key(username);
        let address = address.map(address_key);
        // A poisoned lock means a panic elsewhere while counting; fail open for throttling
        // rather than refuse every login.
        let Ok(mut state) = self.state.lock() else {
            return Ok(None);
        };
        let pair = address.map(|address| (account, address));
        let trusted =
            pair.is_some_and(|pair| state.trusted.get(&pair).is_some_and(|&until| until > now));
        let wait = [
            pair.and_then(|pair| state.pairs.blocked(&pair, now)),
            (!trusted)
                .then(|| state.accounts.blocked(&account, now))
                .flatten(),
            address.and_then(|address| state.addresses.blocked(&address, now)),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        let config = &self.config;
        if let Some(pair) = pair {
            state
                .pairs
                .charge(pair, &config.per_account_and_address, config, now);
        }
        state
            .accounts
            .charge(account, &config.per_account, config, now);
        if let Some(address) = address {
            state
                .addresses
                .charge(address, &config.per_address, config, now);
        }
        Ok(Some(Ticket { account, address }))
    }

    /// The attempt could not be checked (a store down, no hashing slot): takes its charge
    /// back.
    pub(crate) fn refund(&self, ticket: &Ticket) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.accounts.refund(&ticket.account);
        if let Some(address) = ticket.address {
            state.pairs.refund(&(ticket.account, address));
            state.addresses.refund(&address);
        }
    }

    /// The attempt succeeded: clears the pair's counter, refunds the others, and trusts the
    /// pair.
    pub(crate) fn succeeded(&self, ticket: &Ticket, now: u64) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.accounts.refund(&ticket.account);
        if let Some(address) = ticket.address {
            let pair = (ticket.account, address);
            state.pairs.clear(&pair);
            state.addresses.refund(&address);
            let until = now.saturating_add(self.config.trust_for.as_secs());
            if state.trusted.len() >= self.config.max_entries {
                state.trusted.retain(|_, &mut until| until > now);
            }
            if state.trusted.len() < self.config.max_entries || state.trusted.contains_key(&pair) {
                state.trusted.insert(pair, until);
            }
        }
    }
}

/// The lowercased username, hashed to a fixed size so long usernames cost no memory.
fn account_key(username: &str) -> Account {
    let digest = Sha256::digest(username.to_lowercase().as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// IPv4 (also IPv4-mapped IPv6) as is; IPv6 by its /64 prefix, since one client usually
/// holds a whole /64.
fn address_key(address: IpAddr) -> Address {
    match address {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => u128::from(v4.to_ipv6_mapped()),
            None => u128::from(v6) & !u128::from(u64::MAX),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const ALICE_HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

    fn throttle() -> Throttle {
        Throttle::new(ThrottleConfig::default())
    }

    #[test]
    fn attempts_dropped_before_their_outcome_cost_nothing() {
        let throttle = throttle();
        // Many logins at once, each abandoned by its client while the password is checked.
        for _ in 0..50 {
            let ticket = throttle.admit("alice", Some(ALICE_HOME), 1000).unwrap();
            drop(PendingAttempt::new(&throttle, ticket));
        }
        assert!(throttle.admit("alice", Some(ALICE_HOME), 1000).is_ok());
        // Failed attempts keep their charge: 5 free, then blocked.
        let throttle = self::throttle();
        for _ in 0..6 {
            let ticket = throttle.admit("bob", Some(ALICE_HOME), 1000).unwrap();
            PendingAttempt::new(&throttle, ticket).failed();
        }
        assert_eq!(throttle.admit("bob", Some(ALICE_HOME), 1000).err(), Some(1));
    }

    #[test]
    fn delays_double_after_the_free_failures_up_to_the_cap() {
        let limit = Limit::new(2, Duration::from_secs(1), Duration::from_secs(10));
        let delays: Vec<u64> = (1..=8).map(|n| limit.delay(n)).collect();
        assert_eq!(delays, [0, 0, 1, 2, 4, 8, 10, 10]);
        assert_eq!(limit.delay(u32::MAX), 10);
    }

    #[test]
    fn a_pair_is_blocked_after_its_free_failures() {
        let throttle = throttle();
        for _ in 0..5 {
            assert!(throttle.admit("alice", Some(ALICE_HOME), 1000).is_ok());
        }
        assert!(throttle.admit("alice", Some(ALICE_HOME), 1000).is_ok());
        assert_eq!(
            throttle.admit("ALICE", Some(ALICE_HOME), 1000).err(),
            Some(1)
        );
        // another address is not affected by the pair's counter
        assert!(
            throttle
                .admit(
                    "alice",
                    Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7))),
                    1000
                )
                .is_ok()
        );
        // and the block ends
        assert!(throttle.admit("alice", Some(ALICE_HOME), 1001).is_ok());
    }

    #[test]
    fn a_trusted_pair_is_not_locked_out_by_an_attack_on_the_account() {
        let throttle = throttle();
        let ticket = throttle
            .admit("alice", Some(ALICE_HOME), 1000)
            .unwrap()
            .unwrap();
        throttle.succeeded(&ticket, 1000);
        // 40 addresses guess alice's password
        for i in 0..40u8 {
            let _ = throttle.admit(
                "alice",
                Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, i))),
                1001,
            );
        }
        let stranger = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 200));
        assert!(throttle.admit("alice", Some(stranger), 1001).is_err());
        assert!(throttle.admit("alice", Some(ALICE_HOME), 1001).is_ok());
    }

    #[test]
    fn unknown_and_known_accounts_count_alike_and_are_forgotten() {
        let throttle = Throttle::new(ThrottleConfig::default().per_account_and_address(
            Limit::new(1, Duration::from_secs(5), Duration::from_secs(5)),
        ));
        for name in ["alice", "nobody"] {
            assert!(throttle.admit(name, Some(ALICE_HOME), 1000).is_ok());
            assert!(throttle.admit(name, Some(ALICE_HOME), 1000).is_ok());
            assert_eq!(throttle.admit(name, Some(ALICE_HOME), 1000).err(), Some(5));
        }
        assert!(
            throttle
                .admit("alice", Some(ALICE_HOME), 1000 + 3600 + 6)
                .is_ok()
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_prefix() {
        let a: Ipv6Addr = "2001:db8:1:2::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a.into()), address_key(b.into()));
        assert_ne!(address_key(a.into()), address_key(c.into()));
        let v4 = Ipv4Addr::new(192, 0, 2, 1);
        assert_eq!(
            address_key(v4.into()),
            address_key(v4.to_ipv6_mapped().into())
        );
    }

    #[test]
    fn tables_stay_bounded() {
        let throttle = Throttle::new(ThrottleConfig::default().max_entries(10));
        for i in 0..100 {
            let _ = throttle.admit(&format!("user{i}"), None, 1000);
        }
        assert!(throttle.state.lock().unwrap().accounts.entries.len() <= 10);
    }
}
