//! Password hashing with Argon2id: OWASP parameters, PHC strings, run on a few dedicated
//! low-priority threads behind a concurrency limit.
//!
//! ```
//! use auth::password::{PasswordConfig, Passwords};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let passwords = Passwords::new(PasswordConfig::default())?;
//! let stored = passwords.hash("correct horse battery staple").await?;
//! assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
//!
//! let check = passwords.verify("correct horse battery staple", &stored).await?;
//! assert!(check.matched() && !check.needs_rehash());
//! assert!(!passwords.verify("Tr0ub4dor&3", &stored).await?.matched());
//! # Ok(())
//! # }
//! ```
//!
//! What it guarantees (security manual, "Passwords"):
//!
//! - **The runtime stays live, and so do the other requests.** Argon2 takes 20–50 ms of CPU
//!   and 19 MiB per hash at OWASP parameters. Every hash and verify first takes a permit of a
//!   semaphore sized to the cores ([`PasswordConfig::max_concurrency`]), *then* runs on one
//!   of as many threads of this [`Passwords`], so a login flood neither stalls the async
//!   workers nor starts hundreds of 19 MiB threads. A request that waits longer than
//!   [`PasswordConfig::max_wait`] for a permit fails fast with [`PasswordError::Busy`] (429 at
//!   the endpoints). The permit travels with the job, so a client that hangs up does not free
//!   a slot while its hash still runs.
//! - **Hashing yields the cores.** On Linux those threads run under `SCHED_IDLE`, the
//!   scheduling class for background work: while a flood of logins keeps every core busy, a
//!   request that needs a few microseconds of CPU still gets a core at once, and hashing uses
//!   whatever is left (all of it, on an otherwise idle server; on a server whose cores are
//!   saturated by requests, logins wait and fail with [`PasswordError::Busy`] after
//!   [`PasswordConfig::max_wait`] rather than slowing every request down). They are threads
//!   of their own rather than tokio's blocking pool because an unprivileged thread cannot
//!   leave that class again, and the blocking pool's threads serve the application's other
//!   blocking work too. Measured with `scripts/load flood`: see the README.
//! - **Outdated hashes are noticed** ([`Verification::needs_rehash`]): another algorithm
//!   (argon2i/argon2d), version or parameters than the policy.
//! - **Stored hashes cannot be used for denial of service**: argon2 verifies with the
//!   parameters written in the PHC string, so a hash whose parameters exceed
//!   [`PasswordConfig::ceiling`] is refused without being computed.
//! - **A corrupt or foreign stored hash is a failed verification**, never an error: the login
//!   answers `invalid_grant`, not 500. It is logged (the reason only, never the hash).
//! - **No timing oracle for unknown users**: [`Passwords::verify_dummy`] verifies against a
//!   hash made once, at construction, with the *current* parameters, so it costs what a real
//!   verification costs. Refused stored hashes are verified against it too.
//! - **Length**: passwords longer than [`PasswordConfig::max_len`] bytes (1024 by default) are
//!   refused with [`PasswordError::TooLong`] before any work; nothing is ever truncated, and
//!   every Unicode string is accepted. Passwords are compared byte for byte as given: no
//!   Unicode normalisation, no case folding, no trimming (a client that normalises must do it
//!   the same way at registration and at login).
//!
//! The **minimum** length is the application's policy, checked where passwords are set
//! (registration, password change), not here: OWASP (citing NIST SP 800-63B) asks for at
//! least 15 characters without multi-factor authentication and 8 with it.
//!
//! Passwords are never logged; they are moved into the hashing job and dropped there.
//! This module does not zero their memory.
//!
//! The semaphore's timeout needs a tokio runtime with timers enabled (`#[tokio::main]` and
//! axum's usual setups have them).

mod params;
mod threads;

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Version};
use tokio::sync::Semaphore;

use threads::HashThreads;

use crate::error::{AuthError, ErrorKind, RequestError};

pub use params::HashParams;

/// The default [`PasswordConfig::max_len`]: 1024 bytes.
pub(crate) const DEFAULT_MAX_PASSWORD_LEN: usize = 1024;

/// The largest [`PasswordConfig::max_concurrency`] accepted: 1024 hashes (and threads) at once.
pub(crate) const MAX_CONCURRENCY: usize = 1024;

/// The default [`PasswordConfig::max_wait`]: 1 second.
pub(crate) const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(1);

/// How passwords are hashed and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordConfig {
    /// The parameters of new hashes; stored hashes with others need a rehash. Defaults to
    /// [`HashParams::OWASP`] (m = 19456 KiB, t = 2, p = 1).
    pub params: HashParams,
    /// Stored hashes with any parameter above this are refused (the login fails). Defaults
    /// to [`HashParams::DEFAULT_CEILING`] (m = 256 MiB, t = 10, p = 4).
    pub ceiling: HashParams,
    /// How many hashes run at once, and how many hashing threads there are. Defaults to the
    /// number of cores ([`std::thread::available_parallelism`]); at most 1024.
    pub max_concurrency: usize,
    /// How long a request waits for its turn before it fails with [`PasswordError::Busy`].
    /// Defaults to 1 second.
    pub max_wait: Duration,
    /// The longest password accepted, in bytes. Defaults to 1024.
    pub max_len: usize,
}

impl Default for PasswordConfig {
    fn default() -> Self {
        Self {
            params: HashParams::OWASP,
            ceiling: HashParams::DEFAULT_CEILING,
            max_concurrency: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            max_wait: DEFAULT_MAX_WAIT,
            max_len: DEFAULT_MAX_PASSWORD_LEN,
        }
    }
}

impl PasswordConfig {
    /// Sets [`params`](Self::params).
    pub fn params(mut self, params: HashParams) -> Self {
        self.params = params;
        self
    }

    /// Sets [`ceiling`](Self::ceiling).
    pub fn ceiling(mut self, ceiling: HashParams) -> Self {
        self.ceiling = ceiling;
        self
    }

    /// Sets [`max_concurrency`](Self::max_concurrency).
    pub fn max_concurrency(mut self, permits: usize) -> Self {
        self.max_concurrency = permits;
        self
    }

    /// Sets [`max_wait`](Self::max_wait).
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Sets [`max_len`](Self::max_len).
    pub fn max_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }
}

/// Hashes and verifies passwords. Cheap to clone (one `Arc`); clones share the concurrency
/// limit.
#[derive(Clone)]
pub struct Passwords {
    inner: Arc<Inner>,
}

struct Inner {
    config: PasswordConfig,
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// As many threads as permits: a job that holds a permit always finds one free.
    threads: HashThreads,
    /// A hash of a random password made with the current parameters (security manual, LG-04).
    dummy: Arc<str>,
}

/// The outcome of [`Passwords::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Verification {
    matched: bool,
    needs_rehash: bool,
}

impl Verification {
    /// Whether the password matched the stored hash.
    pub const fn matched(&self) -> bool {
        self.matched
    }

    /// Whether the password matched and the stored hash should be replaced by
    /// [`Passwords::hash`] of the same password: it was made with another algorithm, version or
    /// parameters than the current policy (security manual, PW-03). Always `false` when it did not match.
    pub const fn needs_rehash(&self) -> bool {
        self.needs_rehash
    }
}

/// Why a password could not be hashed or verified. A wrong password is not an error (see
/// [`Verification::matched`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordError {
    /// The password is longer than [`PasswordConfig::max_len`]: 400 `invalid_request`.
    TooLong,
    /// No hashing slot became free within [`PasswordConfig::max_wait`]: 429.
    Busy,
    /// The configuration is invalid (parameters argon2 refuses, no concurrency).
    InvalidConfig,
    /// The hashing task failed (random number generator, a panic in the blocking task): 500.
    Internal,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooLong => "the password is too long",
            Self::Busy => "too many password hashes are running; try again later",
            Self::InvalidConfig => "invalid password hashing configuration",
            Self::Internal => "password hashing failed",
        })
    }
}

impl std::error::Error for PasswordError {}

impl From<PasswordError> for AuthError {
    fn from(err: PasswordError) -> Self {
        match err {
            PasswordError::TooLong => RequestError::PasswordTooLong.into(),
            PasswordError::Busy => ErrorKind::TooManyRequests.into(),
            PasswordError::InvalidConfig | PasswordError::Internal => ErrorKind::Internal.into(),
        }
    }
}

impl Passwords {
    /// Checks the configuration and makes the dummy hash (one hash at the configured
    /// parameters, run on the calling thread: about 20–50 ms at OWASP parameters).
    pub fn new(config: PasswordConfig) -> Result<Self, PasswordError> {
        if !(1..=MAX_CONCURRENCY).contains(&config.max_concurrency) || config.max_len == 0 {
            return Err(PasswordError::InvalidConfig);
        }
        let params = config
            .params
            .to_argon2()
            .map_err(|_| PasswordError::InvalidConfig)?;
        if config.ceiling.to_argon2().is_err() {
            return Err(PasswordError::InvalidConfig);
        }
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|_| PasswordError::Internal)?;
        let dummy = argon2
            .hash_password(&secret)
            .map_err(|_| PasswordError::Internal)?
            .to_string();
        let permits = Arc::new(Semaphore::new(config.max_concurrency));
        let threads =
            HashThreads::start(config.max_concurrency).map_err(|_| PasswordError::Internal)?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                argon2,
                permits,
                threads,
                dummy: dummy.into(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PasswordConfig {
        &self.inner.config
    }

    /// Hashes `password` with the current parameters and a fresh random salt, into a PHC
    /// string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        self.check_len(password)?;
        let password = password.to_owned();
        let inner = self.inner.clone();
        self.run_blocking(None, move || {
            inner
                .argon2
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|_| PasswordError::Internal)
        })
        .await?
    }

    /// Verifies `password` against the stored PHC string `stored`.
    ///
    /// A stored hash that is corrupt, of another algorithm, or whose parameters exceed the
    /// ceiling does not match (and costs a dummy verification, so it takes the usual time).
    pub async fn verify(
        &self,
        password: &str,
        stored: &str,
    ) -> Result<Verification, PasswordError> {
        self.verify_marking(password, stored, None).await
    }

    /// [`verify`](Self::verify), setting `started` when the hash takes its permit: from then
    /// on it runs to its end whatever happens to the caller, so a login that is abandoned
    /// after that point has cost its hash (security manual, LG-05).
    pub(crate) async fn verify_marking(
        &self,
        password: &str,
        stored: &str,
        started: Option<&AtomicBool>,
    ) -> Result<Verification, PasswordError> {
        self.check_len(password)?;
        let config = &self.inner.config;
        let (hash, outdated) = match params::inspect(stored, config.params, config.ceiling) {
            Ok(usable) => (Some(usable.hash), usable.outdated),
            Err(refused) => {
                tracing::warn!(
                    reason = refused.code(),
                    "stored password hash refused; the login fails"
                );
                (None, false)
            }
        };
        let password = password.to_owned();
        let inner = self.inner.clone();
        let matched = self
            .run_blocking(started, move || {
                if let Some(hash) = hash {
                    // The parameters come from the stored hash, checked against the ceiling.
                    inner
                        .argon2
                        .verify_password(password.as_bytes(), &hash)
                        .is_ok()
                } else {
                    let _ = inner
                        .argon2
                        .verify_password(password.as_bytes(), &*inner.dummy);
                    false
                }
            })
            .await?;
        Ok(Verification {
            matched,
            needs_rehash: matched && outdated,
        })
    }

    /// Spends the time of one verification at the current parameters, for a user that does
    /// not exist or may not log in, so that the answer does not come back faster (security manual, LG-04).
    pub async fn verify_dummy(&self, password: &str) -> Result<(), PasswordError> {
        self.verify_dummy_marking(password, None).await
    }

    /// [`verify_dummy`](Self::verify_dummy), setting `started` as
    /// [`verify_marking`](Self::verify_marking) does.
    pub(crate) async fn verify_dummy_marking(
        &self,
        password: &str,
        started: Option<&AtomicBool>,
    ) -> Result<(), PasswordError> {
        self.check_len(password)?;
        let password = password.to_owned();
        let inner = self.inner.clone();
        self.run_blocking(started, move || {
            let _ = inner
                .argon2
                .verify_password(password.as_bytes(), &*inner.dummy);
        })
        .await
    }

    /// Whether `stored` was made with another algorithm, version or parameters than the
    /// current policy. A hash that cannot be used at all counts as needing a rehash.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let config = &self.inner.config;
        match params::inspect(stored, config.params, config.ceiling) {
            Ok(usable) => usable.outdated,
            Err(_) => true,
        }
    }

    fn check_len(&self, password: &str) -> Result<(), PasswordError> {
        if password.len() > self.inner.config.max_len {
            Err(PasswordError::TooLong)
        } else {
            Ok(())
        }
    }

    /// Waits (bounded) for a permit, *then* runs `work` on a hashing thread holding it.
    /// `started` is set as soon as the permit is taken: the work is then committed (the
    /// permit travels with it), even if this future is dropped.
    async fn run_blocking<T: Send + 'static>(
        &self,
        started: Option<&AtomicBool>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let acquire = self.inner.permits.clone().acquire_owned();
        // Elapsed, or closed (never: the semaphore is not closed while `self` lives).
        let Ok(Ok(permit)) = tokio::time::timeout(self.inner.config.max_wait, acquire).await else {
            return Err(PasswordError::Busy);
        };
        if let Some(started) = started {
            started.store(true, Ordering::Release);
        }
        self.inner
            .threads
            .run(move || {
                let _permit = permit;
                work()
            })
            .await
            .ok_or(PasswordError::Internal)
    }
}

impl fmt::Debug for Passwords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passwords")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}
