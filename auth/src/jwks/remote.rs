//! A key set fetched from a JWKS URL (or any [`JwksFetcher`]), refreshed in the background and
//! on unknown key ids, at most once per minimum interval.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};
use std::time::Duration;

use tokio::time::Instant;

use super::{JwksConfig, JwksError, JwksFetcher};
use crate::keys::{KeySet, VerifyingKey};

/// How often the keys are fetched again in the background: 5 minutes.
pub(crate) const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The shortest time between two fetches triggered by unknown key ids (and between retries
/// after a failed fetch): 30 seconds.
pub(crate) const DEFAULT_MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// How long one fetch may take, connection and body included: 10 seconds.
pub(crate) const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest refresh interval accepted: one week.
const MAX_INTERVAL: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// The longest fetch timeout accepted: five minutes.
const MAX_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The verifying keys of a JWKS URL, cached and kept fresh: the key source of a resource
/// server ([`AuthenticatorBuilder::remote_jwks`](crate::AuthenticatorBuilder::remote_jwks)).
///
/// - **Background refresh** every [`refresh_interval`](RemoteJwksBuilder::refresh_interval)
///   (default 5 minutes), by a task on the Tokio runtime that built it (or, built outside a
///   runtime, that first used it). The task stops when the last clone is dropped.
/// - **On an unknown `kid`**, [`Authenticator::authenticate`](crate::Authenticator::authenticate)
///   waits for one refresh and verifies again, so an issuer's new key is picked up at once.
///   Such refreshes are single-flight (concurrent requests wait for the same fetch) and happen
///   at most once per [`min_refresh_interval`](RemoteJwksBuilder::min_refresh_interval)
///   (default 30 seconds): a flood of tokens with made-up key ids costs one fetch per interval,
///   and is otherwise refused from the cache without any I/O. Only a syntactically valid
///   `kid` of a token whose `alg` is asymmetric triggers one, and only after the token's header
///   passed every other check.
/// - **Failures keep the cache.** An unreachable endpoint, an error status, a timeout or a
///   document without usable keys leaves the cached keys in place, logs a `tracing` warning
///   (an error while no key is cached) with the URL and the reason, never a token, and is
///   retried after the minimum interval.
/// - **Removed keys stop verifying** as soon as a refresh installs a key set without them,
///   including for tokens already in the verified-token cache.
#[derive(Clone)]
pub struct RemoteJwks {
    shared: Arc<Shared>,
}

struct Shared {
    fetcher: Box<dyn JwksFetcher>,
    config: JwksConfig,
    refresh_interval: Duration,
    min_refresh_interval: Duration,
    timeout: Duration,
    current: RwLock<Snapshot>,
    /// Moves on whenever a key is removed or replaced; see `jwks::source`.
    epoch: AtomicU64,
    /// Held for the duration of a fetch: the single flight.
    flight: tokio::sync::Mutex<()>,
    state: Mutex<State>,
    /// Whether the background task was started.
    background: AtomicBool,
}

#[derive(Clone)]
struct Snapshot {
    keys: Arc<KeySet>,
    epoch: u64,
}

#[derive(Default)]
struct State {
    last_attempt: Option<Instant>,
    last_ok: bool,
}

/// Configures a [`RemoteJwks`].
#[must_use]
pub struct RemoteJwksBuilder {
    source: Source,
    config: JwksConfig,
    refresh_interval: Duration,
    min_refresh_interval: Duration,
    timeout: Duration,
}

enum Source {
    Fetcher(Box<dyn JwksFetcher>),
    #[cfg(feature = "jwks-remote")]
    Url {
        url: String,
        roots: Vec<Vec<u8>>,
    },
}

impl RemoteJwks {
    /// The keys of the JWKS at `url`, fetched over `https` (`http` only to a loopback address,
    /// for tests) with the built-in client: HTTP/1.1 over rustls, Mozilla's root certificates
    /// (plus any given to [`RemoteJwksBuilder::root_certificates_pem`]). Redirects are not
    /// followed. Needs the `jwks-remote` feature.
    ///
    /// ```no_run
    /// use auth::jwks::RemoteJwks;
    ///
    /// # async fn run() -> Result<(), auth::jwks::JwksError> {
    /// let jwks = RemoteJwks::builder(
    ///     "https://sso.example.com/realms/demo/protocol/openid-connect/certs",
    /// )
    /// .load() // fetch once now; an error if the endpoint cannot be read
    /// .await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "jwks-remote")]
    pub fn builder(url: impl Into<String>) -> RemoteJwksBuilder {
        RemoteJwksBuilder::new(Source::Url {
            url: url.into(),
            roots: Vec::new(),
        })
    }

    /// Keys fetched by `fetcher`, with the same caching and refresh policy.
    pub fn with_fetcher(fetcher: impl JwksFetcher) -> RemoteJwksBuilder {
        RemoteJwksBuilder::new(Source::Fetcher(Box::new(fetcher)))
    }

    /// The keys now (empty until a fetch succeeded).
    pub fn keys(&self) -> Arc<KeySet> {
        self.snapshot().0
    }

    /// Where the keys come from (the URL without its query).
    pub fn location(&self) -> &str {
        self.shared.fetcher.location()
    }

    /// Fetches the keys now, after any fetch in flight, whatever the minimum interval. On
    /// failure the cached keys stay.
    pub async fn refresh(&self) -> Result<(), JwksError> {
        let guard = self.shared.flight.lock().await;
        self.shared.fetch(guard, "requested").await
    }

    pub(crate) fn snapshot(&self) -> (Arc<KeySet>, u64) {
        self.ensure_background();
        let current = self
            .shared
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        (current.keys.clone(), current.epoch)
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.ensure_background();
        self.shared.epoch.load(Ordering::Acquire)
    }

    /// One refresh for a token whose `kid` is not in the key set: joins a fetch in flight, or
    /// starts one unless the last started less than the minimum interval ago.
    pub(crate) async fn refresh_for_unknown_kid(&self) {
        let shared = &self.shared;
        let Ok(guard) = shared.flight.try_lock() else {
            // A fetch is in flight: its result is what this request waits for.
            drop(shared.flight.lock().await);
            return;
        };
        if shared.attempted_within(shared.min_refresh_interval) {
            return;
        }
        let _ = shared.fetch(guard, "unknown kid").await;
    }

    /// Starts the background task, once, when there is a runtime to run it on.
    fn ensure_background(&self) {
        if self.shared.background.load(Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.shared.background.swap(true, Ordering::AcqRel) {
            return;
        }
        runtime.spawn(run_background(Arc::downgrade(&self.shared)));
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn attempted_within(&self, interval: Duration) -> bool {
        self.state()
            .last_attempt
            .is_some_and(|at| at.elapsed() < interval)
    }

    /// How long until the next scheduled refresh: the refresh interval after a success, the
    /// minimum interval after a failure, now if there was never an attempt.
    fn until_scheduled(&self) -> Duration {
        let state = self.state();
        let Some(last) = state.last_attempt else {
            return Duration::ZERO;
        };
        let interval = if state.last_ok {
            self.refresh_interval
        } else {
            self.min_refresh_interval.min(self.refresh_interval)
        };
        interval.saturating_sub(last.elapsed())
    }

    /// Fetches, reads and installs the document; the caller holds the flight.
    async fn fetch(
        &self,
        _flight: tokio::sync::MutexGuard<'_, ()>,
        reason: &'static str,
    ) -> Result<(), JwksError> {
        self.state().last_attempt = Some(Instant::now());
        let max_size = self.config.max_size;
        let result = match tokio::time::timeout(self.timeout, self.fetcher.fetch(max_size)).await {
            Ok(Ok(body)) if body.len() > max_size => Err(JwksError::TooLarge { limit: max_size }),
            Ok(Ok(body)) => self
                .config
                .key_set_from_json(&body)
                .map(|keys| self.install(keys)),
            Ok(Err(err)) => Err(err),
            Err(_) => Err(JwksError::Timeout),
        };
        self.state().last_ok = result.is_ok();
        if let Err(err) = &result {
            let cached = self
                .current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .keys
                .len();
            let url = self.fetcher.location();
            if cached == 0 {
                tracing::error!(
                    url,
                    reason,
                    error = %err,
                    "JWKS fetch failed and no key is cached: tokens are refused until a fetch succeeds"
                );
            } else {
                tracing::warn!(
                    url,
                    reason,
                    error = %err,
                    cached_keys = cached,
                    "JWKS fetch failed; still verifying with the cached keys"
                );
            }
        }
        result
    }

    /// Installs a fetched key set, unless it holds exactly the keys already installed. The
    /// epoch moves on when a key is gone or changed, so cached verifications by it are
    /// dropped.
    fn install(&self, keys: KeySet) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let url = self.fetcher.location();
        if current.keys.same_keys(&keys) {
            tracing::debug!(url, keys = keys.len(), "JWKS unchanged");
            return;
        }
        let kids = |from: &KeySet, not_in: &KeySet| {
            from.verifying_keys()
                .filter(|key| !not_in.contains(key))
                .map(VerifyingKey::kid)
                .collect::<Vec<_>>()
                .join(",")
        };
        let removed = kids(&current.keys, &keys);
        let added = kids(&keys, &current.keys);
        let epoch = if removed.is_empty() {
            current.epoch
        } else {
            // Bumped before the new snapshot is visible, under the write lock: a verification
            // made with the old snapshot carries the old epoch and is never served again.
            self.epoch.fetch_add(1, Ordering::AcqRel) + 1
        };
        tracing::info!(
            url,
            added,
            removed,
            keys = keys.len(),
            "JWKS key set updated"
        );
        *current = Snapshot {
            keys: Arc::new(keys),
            epoch,
        };
    }
}

/// The background refresh: sleeps until the next scheduled refresh (refreshes triggered by
/// unknown key ids push it back), fetches, and ends once the key source is dropped.
async fn run_background(shared: Weak<Shared>) {
    loop {
        let wait = match shared.upgrade() {
            Some(shared) => shared.until_scheduled(),
            None => return,
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
            continue;
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let guard = shared.flight.lock().await;
        // A refresh for an unknown kid may have run while this one waited.
        if shared.until_scheduled().is_zero() {
            let _ = shared.fetch(guard, "scheduled").await;
        }
    }
}

impl RemoteJwksBuilder {
    fn new(source: Source) -> Self {
        Self {
            source,
            config: JwksConfig::default(),
            refresh_interval: DEFAULT_REFRESH_INTERVAL,
            min_refresh_interval: DEFAULT_MIN_REFRESH_INTERVAL,
            timeout: DEFAULT_FETCH_TIMEOUT,
        }
    }

    /// How often the keys are fetched in the background. Defaults to 5 minutes; between 1 ms
    /// and one week.
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// The shortest time between two fetches triggered by unknown key ids, and the delay
    /// before retrying a failed fetch. Defaults to 30 seconds; between 1 ms and one week.
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    /// How long one fetch may take, connecting and reading included. Defaults to 10 seconds;
    /// at most 5 minutes.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How the document is read: a default algorithm for keys without `alg`, and the size
    /// and key-count caps. Defaults to [`JwksConfig::default`].
    pub fn config(mut self, config: JwksConfig) -> Self {
        self.config = config;
        self
    }

    /// Also trusts the CA certificates in `pem` (for an identity provider behind a private
    /// CA), next to Mozilla's roots.
    #[cfg(feature = "jwks-remote")]
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        if let Source::Url { roots, .. } = &mut self.source {
            roots.push(pem.into());
        }
        self
    }

    /// Builds the key source without fetching: it starts empty, and the first fetch happens in
    /// the background (or for the first token). See [`load`](Self::load) to fail fast.
    pub fn build(self) -> Result<RemoteJwks, JwksError> {
        let remote = self.build_idle()?;
        remote.ensure_background();
        Ok(remote)
    }

    /// Builds the key source and fetches the keys once: an error if that fetch fails, so a
    /// service does not start without keys.
    pub async fn load(self) -> Result<RemoteJwks, JwksError> {
        let remote = self.build_idle()?;
        remote.refresh().await?;
        remote.ensure_background();
        Ok(remote)
    }

    fn build_idle(self) -> Result<RemoteJwks, JwksError> {
        let in_range = |d: Duration, max: Duration| !d.is_zero() && d <= max;
        if !in_range(self.refresh_interval, MAX_INTERVAL) {
            return Err(JwksError::InvalidConfig(
                "the refresh interval must be between 1 ms and one week",
            ));
        }
        if !in_range(self.min_refresh_interval, MAX_INTERVAL) {
            return Err(JwksError::InvalidConfig(
                "the minimum refresh interval must be between 1 ms and one week",
            ));
        }
        if !in_range(self.timeout, MAX_TIMEOUT) {
            return Err(JwksError::InvalidConfig(
                "the fetch timeout must be between 1 ms and 5 minutes",
            ));
        }
        if self.config.max_keys == 0 || self.config.max_size == 0 {
            return Err(JwksError::InvalidConfig(
                "the key-count and size caps must not be zero",
            ));
        }
        // Without the `jwks-remote` feature, `Source` has one variant.
        #[allow(clippy::infallible_destructuring_match)]
        let fetcher: Box<dyn JwksFetcher> = match self.source {
            Source::Fetcher(fetcher) => fetcher,
            #[cfg(feature = "jwks-remote")]
            Source::Url { url, roots } => Box::new(super::http::HttpFetcher::new(&url, &roots)?),
        };
        let empty = KeySet::verify_only([]).map_err(|_| JwksError::NoUsableKey)?;
        Ok(RemoteJwks {
            shared: Arc::new(Shared {
                fetcher,
                config: self.config,
                refresh_interval: self.refresh_interval,
                min_refresh_interval: self.min_refresh_interval,
                timeout: self.timeout,
                current: RwLock::new(Snapshot {
                    keys: Arc::new(empty),
                    epoch: 0,
                }),
                epoch: AtomicU64::new(0),
                flight: tokio::sync::Mutex::new(()),
                state: Mutex::new(State::default()),
                background: AtomicBool::new(false),
            }),
        })
    }
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (keys, epoch) = {
            let current = self
                .shared
                .current
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            (current.keys.len(), current.epoch)
        };
        f.debug_struct("RemoteJwks")
            .field("location", &self.location())
            .field("keys", &keys)
            .field("epoch", &epoch)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for RemoteJwksBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJwksBuilder")
            .field("refresh_interval", &self.refresh_interval)
            .field("min_refresh_interval", &self.min_refresh_interval)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::jwks::FetchFuture;

    type Document = Arc<Mutex<Result<String, JwksError>>>;

    /// Serves a document that the test can change, counting fetches; optionally slow.
    struct Scripted {
        document: Document,
        fetches: Arc<AtomicUsize>,
        delay: Duration,
    }

    impl JwksFetcher for Scripted {
        fn fetch(&self, _max_size: usize) -> FetchFuture<'_> {
            Box::pin(async move {
                self.fetches.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(self.delay).await;
                self.document
                    .lock()
                    .unwrap()
                    .clone()
                    .map(String::into_bytes)
            })
        }

        fn location(&self) -> &'static str {
            "test:scripted"
        }
    }

    fn jwks(kids: &[&str]) -> String {
        let keys: Vec<serde_json::Value> = kids
            .iter()
            .map(|kid| {
                serde_json::json!({
                    "kty": "EC", "crv": "P-256", "alg": "ES256", "kid": kid,
                    "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                    "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                })
            })
            .collect();
        serde_json::json!({ "keys": keys }).to_string()
    }

    fn scripted(kids: &[&str], delay: Duration) -> (Scripted, Document, Arc<AtomicUsize>) {
        let document = Arc::new(Mutex::new(Ok(jwks(kids))));
        let fetches = Arc::new(AtomicUsize::new(0));
        (
            Scripted {
                document: document.clone(),
                fetches: fetches.clone(),
                delay,
            },
            document,
            fetches,
        )
    }

    #[tokio::test]
    async fn concurrent_unknown_kids_share_one_fetch_per_interval() {
        let (source, _, fetch_count) = scripted(&["a"], Duration::from_millis(50));
        let remote = RemoteJwks::with_fetcher(source)
            .refresh_interval(Duration::from_secs(600))
            .min_refresh_interval(Duration::from_secs(600))
            .build_idle()
            .unwrap();
        let waits: Vec<_> = (0..100)
            .map(|_| {
                let remote = remote.clone();
                tokio::spawn(async move { remote.refresh_for_unknown_kid().await })
            })
            .collect();
        for wait in waits {
            wait.await.unwrap();
        }
        assert_eq!(fetch_count.load(Ordering::SeqCst), 1);
        // Every waiter saw the result of that one fetch.
        assert!(remote.keys().find("a").is_some());
        remote.refresh_for_unknown_kid().await;
        assert_eq!(
            fetch_count.load(Ordering::SeqCst),
            1,
            "within the minimum interval"
        );
    }

    #[tokio::test]
    async fn only_removals_move_the_epoch() {
        let (fetcher, document, _) = scripted(&["a"], Duration::ZERO);
        let remote = RemoteJwks::with_fetcher(fetcher).load().await.unwrap();
        assert_eq!(remote.epoch(), 0);
        *document.lock().unwrap() = Ok(jwks(&["a", "b"]));
        remote.refresh().await.unwrap();
        assert_eq!((remote.keys().len(), remote.epoch()), (2, 0), "an addition");
        let before = remote.keys();
        remote.refresh().await.unwrap();
        assert!(
            Arc::ptr_eq(&before, &remote.keys()),
            "unchanged: not swapped"
        );
        *document.lock().unwrap() = Ok(jwks(&["b"]));
        remote.refresh().await.unwrap();
        assert_eq!((remote.keys().len(), remote.epoch()), (1, 1), "a removal");
        assert_eq!(remote.snapshot().1, 1);
    }

    #[tokio::test]
    async fn failures_keep_the_cached_keys() {
        let (fetcher, document, _) = scripted(&["a"], Duration::ZERO);
        let remote = RemoteJwks::with_fetcher(fetcher).load().await.unwrap();
        for failure in [
            Err(JwksError::Status(503)),
            Ok("not json".to_owned()),
            Ok(r#"{"keys": []}"#.to_owned()),
        ] {
            *document.lock().unwrap() = failure;
            assert!(remote.refresh().await.is_err());
            assert!(remote.keys().find("a").is_some());
        }
    }

    #[tokio::test]
    async fn a_slow_endpoint_times_out() {
        let (fetcher, _, _) = scripted(&["a"], Duration::from_secs(5));
        let remote = RemoteJwks::with_fetcher(fetcher)
            .timeout(Duration::from_millis(20))
            .build_idle()
            .unwrap();
        assert_eq!(remote.refresh().await.err(), Some(JwksError::Timeout));
        assert!(remote.keys().is_empty());
    }

    #[test]
    fn settings_are_checked() {
        let build = |f: fn(RemoteJwksBuilder) -> RemoteJwksBuilder| {
            f(RemoteJwks::with_fetcher(scripted(&[], Duration::ZERO).0)).build_idle()
        };
        assert!(build(|b| b.refresh_interval(Duration::ZERO)).is_err());
        assert!(build(|b| b.min_refresh_interval(Duration::from_secs(8 * 86400))).is_err());
        assert!(build(|b| b.timeout(Duration::from_secs(3600))).is_err());
        assert!(build(|b| b).is_ok());
    }
}
