//! Login throttling (security manual, LG-05): exponential backoff per account *and* client
//! address, per account *and* client network, and per address, without revealing whether an
//! account exists and without letting a stranger lock a user out.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::rate::Rate;

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

/// How the endpoints throttle: failed password logins (below), and the rates of refreshes
/// and successful logins ([`Rate`]).
///
/// # Failed logins
///
/// Three counters, each with exponential backoff ([`Limit`]), are charged by every attempt
/// that is not itself refused, whether or not the account exists:
///
/// - **account and address** ([`per_account_and_address`](Self::per_account_and_address)):
///   the tight one. One client guessing one user's password is slowed down fast: 5 free
///   failures, then 1 s doubling to 15 minutes.
/// - **account, by network** ([`per_account`](Self::per_account)): against one account
///   guessed from many addresses: 20 free failures of the account, then 1 s doubling to 5
///   minutes. While the account is blocked (*under attack*), the block applies per client
///   *network*, to the networks that failed on the account (within
///   [`forget_after`](Self::forget_after)); a network that did not gets through, one attempt
///   per [`new_network_interval`](Self::new_network_interval) (30 s) for the whole account.
///   So an attacker cannot lock the user out by failing from a few places: the user's
///   correct password from a new network waits at most that interval (plus the race with
///   an attacker who spends a fresh network on every interval), while a distributed attack
///   is held to one guess per interval from networks it has not used yet. After a
///   successful login, an (account, address) pair is *trusted* for
///   [`trust_for`](Self::trust_for) (30 days) and escapes this counter altogether, so the user
///   is never slowed where they usually log in.
/// - **address** ([`per_address`](Self::per_address)): against one client trying many
///   accounts (password spraying, credential stuffing): 100 free failures, then 1 s doubling
///   to 15 minutes.
///
/// A *network* is an IPv4 /24 or an IPv6 /48: what one customer of a hosting provider or an
/// ISP is usually given or can cheaply rent within (a /48 is the standard IPv6 site
/// allocation, RFC 6177), so an attacker moving between the addresses of one block stays one
/// network, while the user's home, office or phone are different networks. Counting per
/// address alone would let such an attacker appear as 256 (IPv4) or 65 536 (IPv6 /64s)
/// clients; counting per larger block would put unrelated users in one.
///
/// Delays are counted in whole seconds and never run short: a block of `n` seconds lasts
/// between `n` and `n + 1`, and its `Retry-After` says so.
///
/// A counter is forgotten after [`forget_after`](Self::forget_after) (1 hour) without
/// failures; a success clears the pair's counter and refunds its charge on the others. An
/// attempt whose password was never hashed (a store that is down, no hashing slot, a client
/// that hung up before its hash started) is refunded; once its hash started, it is charged
/// even if the client hangs up. A throttled attempt gets 429 `slow_down` with
/// `Retry-After`, before the user store is asked or a password is hashed, and its answer is
/// the same for existing and unknown accounts.
///
/// The account is the username as sent, lowercased (so case variants share one counter).
/// The address is the client's IP (IPv6 by its /64 prefix), taken from axum's
/// `ConnectInfo<SocketAddr>` when the server is run with
/// `into_make_service_with_connect_info::<SocketAddr>()`, from the forwarding header of
/// trusted proxies ([`EndpointsBuilder::trusted_proxies`](super::EndpointsBuilder::trusted_proxies)),
/// or from the function given to
/// [`EndpointsBuilder::client_address`](super::EndpointsBuilder::client_address).
/// **Without an address, every request counts as one client of one network** (and nothing
/// can be trusted).
///
/// # Rates
///
/// Token buckets ([`Rate`]) bound what succeeds too, answering 429 `slow_down` with
/// `Retry-After` when exceeded:
///
/// - [`refresh_per_family`](Self::refresh_per_family): refreshes of one refresh-token family
///   (one login session): a burst of 5, then one every 12 s (5 a minute). A client refreshes
///   once per access-token lifetime; a loop or a stolen token hammering the store is cut short.
/// - [`refresh_per_client`](Self::refresh_per_client): refresh requests (`/refresh` and the
///   refresh grant of `/token`, valid or not) from one client address: a burst of 60, then one
///   a second (60 a minute), room for a few hundred users behind one NAT.
/// - [`logins_per_account`](Self::logins_per_account): successful password logins of one
///   account: a burst of 10, then one every 6 s (10 a minute), so one leaked password cannot
///   open sessions without bound.
///
/// # Memory
///
/// The counters live in the memory of each instance: behind a load balancer of N instances
/// an attacker gets up to N times the budget. Each table holds at most
/// [`max_entries`](Self::max_entries) keys; when full, keys that are not blocked (or buckets
/// that are full again) are forgotten first, and a new key that still finds no room is not
/// counted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// Whether anything is throttled at all. Defaults to `true`.
    pub enabled: bool,
    /// Defaults to 5 free failures, then 1 s doubling to 15 minutes.
    pub per_account_and_address: Limit,
    /// Defaults to 20 free failures, then 1 s doubling to 5 minutes; applied per network of
    /// the account's failures (above).
    pub per_account: Limit,
    /// While an account is blocked, how often a network that has not failed on it may try.
    /// Defaults to 30 seconds.
    pub new_network_interval: Duration,
    /// Defaults to 100 free failures, then 1 s doubling to 15 minutes.
    pub per_address: Limit,
    /// Defaults to 1 hour.
    pub forget_after: Duration,
    /// Defaults to 30 days.
    pub trust_for: Duration,
    /// Refreshes per refresh-token family. Defaults to a burst of 5, then one every 12 s;
    /// `None` does not limit.
    pub refresh_per_family: Option<Rate>,
    /// Refresh requests per client address. Defaults to a burst of 60, then one a second;
    /// `None` does not limit.
    pub refresh_per_client: Option<Rate>,
    /// Successful password logins per account. Defaults to a burst of 10, then one every 6 s;
    /// `None` does not limit.
    pub logins_per_account: Option<Rate>,
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
            new_network_interval: Duration::from_secs(30),
            per_address: Limit::new(100, SECOND, Duration::from_secs(15 * 60)),
            forget_after: Duration::from_secs(60 * 60),
            trust_for: Duration::from_secs(30 * 24 * 60 * 60),
            refresh_per_family: Some(Rate::new(5, Duration::from_secs(12))),
            refresh_per_client: Some(Rate::new(60, SECOND)),
            logins_per_account: Some(Rate::new(10, Duration::from_secs(6))),
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

    /// Sets [`new_network_interval`](Self::new_network_interval).
    pub fn new_network_interval(mut self, interval: Duration) -> Self {
        self.new_network_interval = interval;
        self
    }

    /// Sets [`per_address`](Self::per_address).
    pub fn per_address(mut self, limit: Limit) -> Self {
        self.per_address = limit;
        self
    }

    /// Sets [`refresh_per_family`](Self::refresh_per_family).
    pub fn refresh_per_family(mut self, rate: Option<Rate>) -> Self {
        self.refresh_per_family = rate;
        self
    }

    /// Sets [`refresh_per_client`](Self::refresh_per_client).
    pub fn refresh_per_client(mut self, rate: Option<Rate>) -> Self {
        self.refresh_per_client = rate;
        self
    }

    /// Sets [`logins_per_account`](Self::logins_per_account).
    pub fn logins_per_account(mut self, rate: Option<Rate>) -> Self {
        self.logins_per_account = rate;
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
type Network = u128;
type Pair = (Account, Address);

/// The network of requests without an address: one for all of them. Real network keys have
/// their host bits cleared, so none is all ones.
const UNKNOWN_NETWORK: Network = u128::MAX;

/// A limit that never blocks, for tables that only count.
const COUNT_ONLY: Limit = Limit::new(u32::MAX, Duration::ZERO, Duration::ZERO);

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

    /// Whether `key` has failures that are not forgotten yet.
    fn has_failures(&self, key: &K, forget: u64, now: u64) -> bool {
        self.entries.get(key).is_some_and(|counter| {
            counter.failures > 0 && now.saturating_sub(counter.last_failure) <= forget
        })
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
            // The clock counts whole seconds, so `now` is up to a second old: one more second
            // makes the block last at least `delay`, never a few milliseconds.
            counter.blocked_until = counter
                .blocked_until
                .max(now.saturating_add(delay).saturating_add(1));
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
    /// The failures of each network on each account: which networks took part in an attack.
    networks: Table<(Account, Network)>,
    addresses: Table<Address>,
    /// Pairs that logged in successfully, until when.
    trusted: HashMap<Pair, u64>,
    /// While an account is blocked: when a network that has not failed on it may next try.
    new_network_gate: HashMap<Account, u64>,
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
    network: Network,
    /// A trusted pair: the account and network counters were not charged.
    trusted: bool,
    /// Came in through the new-network gate of an account under attack: the gate's value
    /// before, and the one this attempt set, to give the slot back on a refund.
    gate: Option<(Option<u64>, u64)>,
}

/// An admitted attempt whose outcome is not known yet.
///
/// Dropped before it is settled (the client hung up), its charge is taken back only if its
/// password never started hashing: such a client learned nothing and cost nothing, and
/// charges never settled would pile up until a client that logs in many times at once and
/// hangs up, as load generators and impatient clients do, is locked out of its own account.
/// Once the password module took a hashing permit ([`hashing`](Self::hashing)), the hash
/// runs to its end whatever the client does, so the attempt stays charged as a failure: a
/// client hanging up on every attempt would otherwise burn CPU without ever being throttled
/// (security manual, LG-05).
pub(crate) struct PendingAttempt<'a> {
    throttle: &'a Throttle,
    ticket: Option<Ticket>,
    hashing: AtomicBool,
}

impl<'a> PendingAttempt<'a> {
    /// `ticket` as [`Throttle::admit`] gave it (`None` when throttling is off).
    pub(crate) fn new(throttle: &'a Throttle, ticket: Option<Ticket>) -> Self {
        Self {
            throttle,
            ticket,
            hashing: AtomicBool::new(false),
        }
    }

    /// Set by the password module when the attempt's hash takes its permit.
    pub(crate) fn hashing(&self) -> &AtomicBool {
        &self.hashing
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

    /// The attempt could not be checked (a store down, no hashing slot, an internal error):
    /// its charge is taken back, whether or not a hash ran.
    pub(crate) fn refund(mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.throttle.refund(&ticket);
        }
    }
}

impl Drop for PendingAttempt<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            if self.hashing.load(Ordering::Acquire) {
                tracing::debug!(
                    reason = "abandoned_after_hashing",
                    "login attempt abandoned by its client; still counted"
                );
            } else {
                self.throttle.refund(&ticket);
            }
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
                networks: Table::new(),
                addresses: Table::new(),
                trusted: HashMap::new(),
                new_network_gate: HashMap::new(),
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
        let config = &self.config;
        let account = account_key(username);
        let network = address.map_or(UNKNOWN_NETWORK, network_key);
        let address = address.map(address_key);
        // A poisoned lock means a panic elsewhere while counting; fail open for throttling
        // rather than refuse every login.
        let Ok(mut state) = self.state.lock() else {
            return Ok(None);
        };
        let pair = address.map(|address| (account, address));
        let trusted =
            pair.is_some_and(|pair| state.trusted.get(&pair).is_some_and(|&until| until > now));
        let mut gate = None;
        let account_wait = if trusted {
            None
        } else {
            match state.accounts.blocked(&account, now) {
                None => None,
                // Under attack: blocked per network, for the networks that took part
                // (security manual, LG-05).
                Some(wait)
                    if state.networks.has_failures(
                        &(account, network),
                        config.forget_after.as_secs(),
                        now,
                    ) =>
                {
                    Some(wait)
                }
                // A network new to the account: one every `new_network_interval`.
                Some(_) => {
                    let previous = state.new_network_gate.get(&account).copied();
                    match previous.filter(|&next| next > now) {
                        Some(next) => Some(next - now),
                        None => {
                            gate = Some(previous);
                            None
                        }
                    }
                }
            }
        };
        let wait = [
            pair.and_then(|pair| state.pairs.blocked(&pair, now)),
            account_wait,
            address.and_then(|address| state.addresses.blocked(&address, now)),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        let gate = gate.and_then(|previous| {
            let next = now.saturating_add(config.new_network_interval.as_secs().max(1));
            let gates = &mut state.new_network_gate;
            if !gates.contains_key(&account) && gates.len() >= config.max_entries {
                gates.retain(|_, &mut next| next > now);
            }
            (gates.contains_key(&account) || gates.len() < config.max_entries).then(|| {
                gates.insert(account, next);
                (previous, next)
            })
        });
        if let Some(pair) = pair {
            state
                .pairs
                .charge(pair, &config.per_account_and_address, config, now);
        }
        if !trusted {
            state
                .accounts
                .charge(account, &config.per_account, config, now);
            state
                .networks
                .charge((account, network), &COUNT_ONLY, config, now);
        }
        if let Some(address) = address {
            state
                .addresses
                .charge(address, &config.per_address, config, now);
        }
        Ok(Some(Ticket {
            account,
            address,
            network,
            trusted,
            gate,
        }))
    }

    /// The attempt could not be checked (a store down, no hashing slot), or its client hung
    /// up before its hash started: takes its charge back.
    pub(crate) fn refund(&self, ticket: &Ticket) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if !ticket.trusted {
            state.accounts.refund(&ticket.account);
            state.networks.refund(&(ticket.account, ticket.network));
        }
        if let Some(address) = ticket.address {
            state.pairs.refund(&(ticket.account, address));
            state.addresses.refund(&address);
        }
        // The new-network slot it took goes back, unless another attempt took the next one.
        if let Some((previous, taken)) = ticket.gate
            && state.new_network_gate.get(&ticket.account) == Some(&taken)
        {
            match previous {
                Some(previous) => state.new_network_gate.insert(ticket.account, previous),
                None => state.new_network_gate.remove(&ticket.account),
            };
        }
    }

    /// The attempt succeeded: clears the pair's counter, refunds the others, and trusts the
    /// pair.
    pub(crate) fn succeeded(&self, ticket: &Ticket, now: u64) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if !ticket.trusted {
            state.accounts.refund(&ticket.account);
            state.networks.refund(&(ticket.account, ticket.network));
        }
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
pub(crate) fn address_key(address: IpAddr) -> Address {
    match address.to_canonical() {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6) & !u128::from(u64::MAX),
    }
}

/// The client's network: IPv4 by its /24, IPv6 by its /48 (see [`ThrottleConfig`]).
fn network_key(address: IpAddr) -> Network {
    match address.to_canonical() {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()) & !0xff,
        IpAddr::V6(v6) => u128::from(v6) & !((1u128 << 80) - 1),
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
        assert_eq!(throttle.admit("bob", Some(ALICE_HOME), 1000).err(), Some(2));
    }

    /// Security manual, LG-05: a client that hangs up once its password is hashing still pays
    /// for the attempt, so hanging up on every attempt is throttled like failing.
    #[test]
    fn attempts_dropped_after_their_hash_started_stay_counted() {
        let throttle = throttle();
        for _ in 0..6 {
            let ticket = throttle.admit("alice", Some(ALICE_HOME), 1000).unwrap();
            let attempt = PendingAttempt::new(&throttle, ticket);
            attempt.hashing().store(true, Ordering::Release);
            drop(attempt);
        }
        assert_eq!(
            throttle.admit("alice", Some(ALICE_HOME), 1000).err(),
            Some(2)
        );
        // An explicit refund (a store down, an internal error) is one whatever ran.
        let throttle = self::throttle();
        for _ in 0..50 {
            let ticket = throttle.admit("alice", Some(ALICE_HOME), 1000).unwrap();
            let attempt = PendingAttempt::new(&throttle, ticket);
            attempt.hashing().store(true, Ordering::Release);
            attempt.refund();
        }
        assert!(throttle.admit("alice", Some(ALICE_HOME), 1000).is_ok());
    }

    fn net(a: u8, b: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, a, b, 1))
    }

    /// LG-05: the account-wide block applies per network. 22 failures from 22 networks, then
    /// one more whenever the block ends, do not keep the user out of a network that never
    /// failed: one such network gets through every `new_network_interval`.
    #[test]
    fn an_attack_from_many_networks_does_not_lock_out_a_new_network() {
        let throttle = throttle();
        let mut now = 1000;
        for i in 0..22 {
            let _ = throttle.admit("alice", Some(net(i, 0)), now);
        }
        // The account is under attack: the attacking networks are blocked (the 22nd attempt
        // came in as a new network, through the slot of this interval) ...
        let attacker = IpAddr::V4(Ipv4Addr::new(10, 3, 0, 77));
        assert!(throttle.admit("alice", Some(attacker), now).is_err());
        let phone = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 23));
        assert_eq!(throttle.admit("alice", Some(phone), now).err(), Some(30));
        // ... but a network that never failed gets through when the interval is over.
        now += 30;
        let ticket = throttle.admit("alice", Some(phone), now).unwrap().unwrap();
        throttle.succeeded(&ticket, now);
        // The attacker keeps the account blocked, one failure each time the block ends ...
        for _ in 0..20 {
            now += throttle
                .admit("alice", Some(net(0, 0)), now)
                .err()
                .unwrap_or(0);
            let _ = throttle.admit("alice", Some(net(0, 0)), now);
        }
        let neighbour = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 77));
        assert!(throttle.admit("alice", Some(neighbour), now).is_err());
        // ... and still another network that never failed gets through, at most 30 s later.
        let cafe = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 99));
        let wait = throttle.admit("alice", Some(cafe), now).err().unwrap_or(0);
        assert!(wait <= 30, "{wait}");
        if wait > 0 {
            assert!(throttle.admit("alice", Some(cafe), now + wait).is_ok());
        }
        // The phone is trusted now: no wait at all.
        assert!(throttle.admit("alice", Some(phone), now + wait).is_ok());
    }

    /// LG-05: one network guessing one account is throttled as one client of the account,
    /// whichever of its addresses it uses, and its own failures keep it out while the
    /// account is blocked; new networks still pass one per interval.
    #[test]
    fn a_brute_force_from_one_network_is_throttled() {
        let throttle = throttle();
        let mut refused = 0;
        for i in 0..40u8 {
            let address = IpAddr::V4(Ipv4Addr::new(203, 0, 113, i));
            if throttle.admit("alice", Some(address), 1000).is_err() {
                refused += 1;
            }
        }
        assert_eq!(refused, 19, "20 free failures, then blocked");
        let neighbour = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 250));
        assert!(throttle.admit("alice", Some(neighbour), 1000).is_err());
        // One new network in the interval.
        assert!(throttle.admit("alice", Some(net(9, 9)), 1000).is_ok());
        assert!(throttle.admit("alice", Some(net(9, 10)), 1000).is_err());
    }

    #[test]
    fn a_refunded_attempt_gives_its_new_network_slot_back() {
        let throttle = throttle();
        for i in 0..21 {
            let _ = throttle.admit("alice", Some(net(i, 0)), 1000);
        }
        let ticket = throttle.admit("alice", Some(net(50, 0)), 1000).unwrap();
        assert!(throttle.admit("alice", Some(net(51, 0)), 1000).is_err());
        drop(PendingAttempt::new(&throttle, ticket));
        assert!(throttle.admit("alice", Some(net(51, 0)), 1000).is_ok());
    }

    #[test]
    fn networks_are_ipv4_24_and_ipv6_48() {
        let v4 = |d: u8| IpAddr::V4(Ipv4Addr::new(192, 0, 2, d));
        assert_eq!(network_key(v4(1)), network_key(v4(254)));
        assert_ne!(
            network_key(v4(1)),
            network_key(IpAddr::V4(Ipv4Addr::new(192, 0, 3, 1)))
        );
        let v6 = |s: &str| IpAddr::V6(s.parse().unwrap());
        assert_eq!(
            network_key(v6("2001:db8:1::1")),
            network_key(v6("2001:db8:1:ffff:1::9"))
        );
        assert_ne!(
            network_key(v6("2001:db8:1::1")),
            network_key(v6("2001:db8:2::1"))
        );
        assert_eq!(
            network_key(v6("::ffff:192.0.2.7")),
            network_key(v4(8)),
            "IPv4-mapped"
        );
        assert_ne!(network_key(v4(1)), UNKNOWN_NETWORK);
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
            Some(2)
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
        // a block of 1 s lasts 1 to 2 s of the clock's whole seconds, then ends
        assert!(throttle.admit("alice", Some(ALICE_HOME), 1001).is_err());
        assert!(throttle.admit("alice", Some(ALICE_HOME), 1002).is_ok());
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
            assert_eq!(throttle.admit(name, Some(ALICE_HOME), 1000).err(), Some(6));
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
