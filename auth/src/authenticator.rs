//! The `Authenticator`: keys, token rules and revocation, shared by every extractor, the layer
//! and the endpoints. Lives in the application state and is reached through `FromRef`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::response::IntoResponse;
use serde::Serialize;

use crate::TokenClaims;
use crate::error::{
    AuthError, ConfigError, DEFAULT_REALM, ErrorBodyHook, ErrorKind, is_valid_realm,
};
use crate::jwks::{JwkSet, KeySource, PublicKeys, RemoteJwks};
use crate::keys::{KeySet, SigningKey};
use crate::store::RevocationList;
use crate::token::{
    self, IssueError, IssuedToken, MAX_LEEWAY, Stamp, TokenCache, TokenError, TokenRules,
    VerifiedToken,
};
use crate::transport::cookie::CookieConfig;
use crate::transport::websocket::WebSocketConfig;
use crate::transport::{Transport, TransportConfig, check_token_syntax};

/// The default lifetime of an access token: short, because a stolen one is valid until it
/// expires unless a revocation list is checked (security manual, TV-16).
const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
/// The default clock-skew leeway on `exp`, `nbf` and `iat`.
const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// The longest access-token lifetime accepted.
const MAX_ACCESS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The default capacity of the verified-token cache (about 1 KiB per entry).
const DEFAULT_TOKEN_CACHE_CAPACITY: usize = 10_000;

/// Issues and verifies access tokens. Cheap to clone (one `Arc`).
///
/// ```
/// use auth::Authenticator;
/// use auth::keys::SigningKey;
///
/// let auth = Authenticator::builder()
///     .signing_key(SigningKey::hs256(b"kvJ1bP0x8Zq3mW7nR2tY5uA9cD4fG6hK")?)
///     .issuer("https://auth.example.com")
///     .audience("https://api.example.com")
///     .build()?;
/// assert_eq!(auth.access_ttl().as_secs(), 900);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # The router state must hold it
///
/// Extractors find it through [`FromRef`](axum::extract::FromRef). Either the state *is* the
/// `Authenticator`, or it has one as a
/// field and derives `FromRef`:
///
/// ```
/// use auth::{Authenticated, Authenticator};
/// use axum::extract::FromRef;
/// use axum::{Router, routing::get};
///
/// #[derive(Clone, FromRef)]
/// struct AppState {
///     auth: Authenticator, // what every extractor and guard looks for
///     greeting: &'static str,
/// }
///
/// async fn me(user: Authenticated) -> String {
///     user.subject().to_owned()
/// }
///
/// let state = AppState { auth: auth::testing::authenticator(), greeting: "hello" };
/// let app: Router = Router::new().route("/me", get(me)).with_state(state);
/// ```
///
/// Without it, the handler does not compile. Put `#[axum::debug_handler]` under the guard
/// attribute to see the error on the handler instead of on the route:
///
/// ```compile_fail,E0277
/// # use axum::extract::State;
/// #[derive(Clone)]
/// struct AppState {
///     greeting: &'static str,
/// }
///
/// #[auth::protected]
/// #[axum::debug_handler(state = AppState)]
/// async fn hello(State(state): State<AppState>) -> &'static str {
///     state.greeting
/// }
/// // error[E0277]: the trait bound `Authenticator: FromRef<AppState>` is not satisfied
/// //   the trait `FromRef<AppState>` is not implemented for `Authenticator`
/// ```
///
/// The fix is the first example: an `Authenticator` field and `#[derive(FromRef)]` (or a
/// hand-written `impl FromRef<AppState> for Authenticator`).
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    /// A static key set, or a remote JWKS that changes at run time (`jwks::source`).
    keys: KeySource,
    rules: TokenRules,
    cache: Option<TokenCache>,
    realm: Arc<str>,
    revocation: Option<Arc<dyn RevocationList>>,
    clock: Clock,
    /// Where tokens come from besides the `Authorization` header (`crate::transport`).
    transport: Transport,
    error_body: Option<ErrorBodyHook>,
}

type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// A verified token that passed the revocation check, and what the answer cost.
pub(crate) struct Checked {
    pub(crate) token: Arc<VerifiedToken>,
    /// True when the token came from the verified-token cache and the revocation list (if
    /// any) answered without I/O: asking again costs less than remembering the answer in the
    /// request (which allocates), so the extractors skip that.
    pub(crate) repeatable: bool,
}

impl Authenticator {
    /// Starts the configuration.
    pub fn builder() -> AuthenticatorBuilder {
        AuthenticatorBuilder::default()
    }

    /// Signs an access token for `claims`: the application's claims plus `iss`, `aud`,
    /// `iat`, `nbf`, `exp` (now + the access TTL) and a random 128-bit `jti`; header
    /// `typ: at+jwt` with the active key's `alg` and `kid`.
    ///
    /// The token is not *fresh* (see [`issue_fresh`](Self::issue_fresh)).
    pub fn issue<C: TokenClaims + Serialize>(&self, claims: &C) -> Result<IssuedToken, IssueError> {
        self.issue_with(claims, token::Session::default())
    }

    /// Like [`issue`](Self::issue), but the token is *fresh* (`"fresh": true`), as the ones
    /// a password login at the [endpoints](crate::endpoints) issues: for an application that
    /// checks the password itself and wants the token accepted by fresh-only handlers
    /// ([`RequireFresh`](crate::RequireFresh), `#[protected(fresh)]`).
    ///
    /// ```
    /// # use auth::{TokenClaims, Roles, claims::NoRole};
    /// # #[derive(serde::Serialize, serde::Deserialize)] struct Claims { sub: String }
    /// # impl TokenClaims for Claims {
    /// #     type Role = NoRole;
    /// #     fn subject(&self) -> &str { &self.sub }
    /// #     fn roles(&self) -> Roles<NoRole> { Roles::empty() }
    /// # }
    /// let auth = auth::testing::authenticator();
    /// let claims = Claims { sub: "ada".into() };
    /// let fresh = auth.issue_fresh(&claims)?;
    /// assert!(auth.verify_without_revocation(&fresh.access_token)?.is_fresh());
    /// assert!(!auth.verify_without_revocation(&auth.issue(&claims)?.access_token)?.is_fresh());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue_fresh<C: TokenClaims + Serialize>(
        &self,
        claims: &C,
    ) -> Result<IssuedToken, IssueError> {
        self.issue_with(
            claims,
            token::Session {
                fresh: true,
                id: None,
            },
        )
    }

    /// [`issue`](Self::issue) with the session claims (`fresh`, `sid`).
    pub(crate) fn issue_with<C: TokenClaims + Serialize>(
        &self,
        claims: &C,
        session: token::Session,
    ) -> Result<IssuedToken, IssueError> {
        let now = self.now();
        let stamp = Stamp {
            issued_at: now,
            expires_at: now + self.inner.rules.access_ttl,
            jwt_id: token::new_jwt_id().map_err(IssueError::Key)?,
            session,
        };
        token::issue(
            &self.inner.keys.snapshot().0,
            &self.inner.rules,
            claims,
            stamp,
        )
    }

    /// Verifies a token's signature and claims, but **not** whether it was revoked, and
    /// without the verified-token cache: for tools, tests and code that checks revocation
    /// itself. A request is authenticated with [`authenticate`](Self::authenticate), which
    /// the extractors, the guards and the layer use.
    ///
    /// With a [remote JWKS](AuthenticatorBuilder::remote_jwks), only the keys fetched so far
    /// are used: an unknown `kid` is refused here, while `authenticate` would refresh first.
    pub fn verify_without_revocation(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        token::verify(
            &self.inner.keys.snapshot().0,
            &self.inner.rules,
            token,
            self.now(),
        )
    }

    /// Verifies a token and, when a revocation list is configured, checks that its `jti` was
    /// not revoked. A revocation list that cannot be reached fails closed (503).
    ///
    /// Verifications are remembered in a bounded cache keyed by the exact token bytes
    /// ([`AuthenticatorBuilder::token_cache`]); the revocation check runs every time.
    ///
    /// With a [remote JWKS](AuthenticatorBuilder::remote_jwks), a token naming an unknown
    /// `kid` waits for one refresh of the keys (single-flight, at most once per minimum
    /// interval; see [`RemoteJwks`]) and is verified once more.
    pub async fn authenticate(&self, token: &str) -> Result<Arc<VerifiedToken>, AuthError> {
        self.check_token(token).await.map(|checked| checked.token)
    }

    /// [`authenticate`](Self::authenticate), also telling what the answer cost (see
    /// [`Checked`]).
    pub(crate) async fn check_token(&self, token: &str) -> Result<Checked, AuthError> {
        let now = self.now();
        // Everything up to the revocation check runs without I/O, except when a remote key
        // source may not have the issuer's newest key yet. That rare path is boxed: this
        // future is part of every guarded request's, which is allocated and moved with the
        // request, so what it keeps across an `.await` costs on every request.
        let (verified, from_cache) = match self.verify_without_io(token, now)? {
            Some(found) => found,
            None => (
                Box::pin(self.verify_after_key_refresh(token, now)).await?,
                false,
            ),
        };
        let revocation_was_local = self.check_revocation(&verified).await?;
        Ok(Checked {
            token: verified,
            repeatable: from_cache && revocation_was_local,
        })
    }

    /// The token from the verified-token cache (`true`) or verified now (`false`); `Ok(None)`
    /// when it names a key that a refresh of the remote key source may bring.
    fn verify_without_io(
        &self,
        token: &str,
        now: u64,
    ) -> Result<Option<(Arc<VerifiedToken>, bool)>, AuthError> {
        let leeway = self.inner.rules.leeway;
        if let Some(hit) = self
            .inner
            .cache
            .as_ref()
            .and_then(|cache| cache.get(token, now, leeway, self.inner.keys.epoch()))
        {
            return Ok(Some((hit, true)));
        }
        match self.verify_and_remember(token, now) {
            Ok(verified) => Ok(Some((verified, false))),
            Err(reason) => {
                // A token that is not even an RFC 6750 `b64token` is a malformed request
                // (400), not an invalid token (401). Asked only of tokens that failed: one
                // that verified is a compact JWS, whose alphabet is a subset, so scanning it
                // again would only cost (security manual, HB-01).
                check_token_syntax(token).map_err(|err| self.reject(err))?;
                // Never for an HMAC or malformed `kid`.
                if matches!(reason, TokenError::UnknownKey)
                    && self.inner.keys.is_remote()
                    && token::names_refreshable_key(token)
                {
                    return Ok(None);
                }
                Err(self.reject(reason.into()))
            }
        }
    }

    /// For a token whose `kid` the remote key source does not know: refresh the keys
    /// (rate-limited, single-flight) and verify once more.
    async fn verify_after_key_refresh(
        &self,
        token: &str,
        now: u64,
    ) -> Result<Arc<VerifiedToken>, AuthError> {
        if !self.inner.keys.refresh_for_unknown_kid().await {
            return Err(self.reject(TokenError::UnknownKey.into()));
        }
        self.verify_and_remember(token, now)
            .map_err(|reason| self.reject(reason.into()))
    }

    /// Verifies with the keys now and puts the token into the verified-token cache, tagged
    /// with the epoch of those keys.
    fn verify_and_remember(&self, token: &str, now: u64) -> Result<Arc<VerifiedToken>, TokenError> {
        let (verified, epoch) = self.inner.keys.with_snapshot(|keys, epoch| {
            (token::verify(keys, &self.inner.rules, token, now), epoch)
        });
        let verified = Arc::new(verified?);
        if let Some(cache) = &self.inner.cache {
            cache.insert(token, verified.clone(), now, self.inner.rules.leeway, epoch);
        }
        Ok(verified)
    }

    /// Checks the token's `jti`; `Ok(true)` when the answer came without I/O.
    pub(crate) async fn check_revocation(&self, token: &VerifiedToken) -> Result<bool, AuthError> {
        let Some(list) = &self.inner.revocation else {
            return Ok(true);
        };
        // A token without `jti` (accepted only with `require_jwt_id(false)`) names nothing the
        // denylist could hold.
        if token.jwt_id().is_empty() {
            return Ok(true);
        }
        let (answer, local) = match list.is_revoked_now(token.jwt_id()) {
            Some(answer) => (answer, true),
            None => (list.is_revoked(token.jwt_id()).await, false),
        };
        match answer {
            Ok(false) => Ok(local),
            Ok(true) => Err(self.reject(TokenError::Revoked.into())),
            Err(err) => {
                tracing::error!(error = %err, "revocation list unreachable; refusing the request");
                Err(self.reject(AuthError::new(ErrorKind::Unavailable)))
            }
        }
    }

    /// Denylists a token's `jti` until it expires, so it is refused from now on even though
    /// its signature stays valid. Needs a revocation list ([`AuthenticatorBuilder::revocation`]).
    pub async fn revoke(&self, token: &VerifiedToken) -> Result<(), AuthError> {
        self.revoke_id(token.jwt_id(), token.expires_at()).await
    }

    /// Denylists the token with this `jti` until `expires_at` (its `exp`), for tokens known
    /// only by what a store recorded when they were issued.
    ///
    /// An empty `jwt_id` (a token without `jti`) is not denylisted: it would name every such
    /// token at once.
    pub async fn revoke_id(&self, jwt_id: &str, expires_at: u64) -> Result<(), AuthError> {
        let Some(list) = &self.inner.revocation else {
            return Ok(());
        };
        if jwt_id.is_empty() {
            tracing::debug!("a token without `jti` cannot be revoked individually");
            return Ok(());
        }
        list.revoke(jwt_id, expires_at).await.map_err(|err| {
            tracing::error!(error = %err, "revocation list unreachable");
            AuthError::new(ErrorKind::Unavailable)
        })
    }

    /// Whether access tokens are checked against a revocation list.
    pub fn revocation_enabled(&self) -> bool {
        self.inner.revocation.is_some()
    }

    /// The key set now: the configured one, or the keys of a remote JWKS as last fetched.
    pub fn keys(&self) -> Arc<KeySet> {
        self.inner.keys.snapshot().0
    }

    /// The public keys as a JWKS document (HMAC keys are never included); see
    /// [`jwks::router`](crate::jwks::router) to serve it.
    pub fn jwks(&self) -> JwkSet {
        self.keys().jwks()
    }

    /// The configured issuer (`iss`).
    pub fn issuer(&self) -> &str {
        &self.inner.rules.issuer
    }

    /// The configured audience (`aud`).
    pub fn audience(&self) -> &str {
        &self.inner.rules.audience
    }

    /// The clock-skew leeway applied to `exp`, `nbf` and `iat`.
    pub fn leeway(&self) -> Duration {
        Duration::from_secs(self.inner.rules.leeway)
    }

    /// The lifetime of issued access tokens.
    pub fn access_ttl(&self) -> Duration {
        Duration::from_secs(self.inner.rules.access_ttl)
    }

    /// The realm of 401 challenges.
    pub fn realm(&self) -> &str {
        &self.inner.realm
    }

    /// The current time in seconds since the Unix epoch, from the configured clock.
    pub fn now(&self) -> u64 {
        (self.inner.clock)()
    }

    /// Attaches this authenticator's context to an error: the realm and the body renderer.
    pub(crate) fn reject(&self, error: AuthError) -> AuthError {
        error
            .with_realm(self.inner.realm.clone())
            .with_render(self.inner.error_body.as_ref())
    }

    /// The claim that carries scopes ([`AuthenticatorBuilder::scope_claim`]).
    pub(crate) fn scope_claim(&self) -> &str {
        &self.inner.rules.scope_claim
    }

    /// Where access tokens are accepted besides `Authorization: Bearer`.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }
}

/// Publishes the keys as they are at each request: the configured key set, or a remote
/// JWKS as last fetched ([`jwks::router`](crate::jwks::router)).
impl PublicKeys for Authenticator {
    fn public_keys(&self) -> JwkSet {
        self.jwks()
    }
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("issuer", &self.inner.rules.issuer)
            .field("audience", &self.inner.rules.audience)
            .field("keys", &self.inner.keys)
            .field("revocation", &self.inner.revocation.is_some())
            .finish_non_exhaustive()
    }
}

/// Configures an [`Authenticator`]. Every setting is checked by [`build`](Self::build).
#[derive(Default)]
#[must_use]
pub struct AuthenticatorBuilder {
    keys: Option<KeySet>,
    issuer: Option<String>,
    audience: Option<String>,
    access_ttl: Option<Duration>,
    max_lifetime: Option<Duration>,
    leeway: Option<Duration>,
    realm: Option<String>,
    roles_claim: Option<String>,
    scope_claim: Option<String>,
    revocation: Option<Arc<dyn RevocationList>>,
    clock: Option<Clock>,
    cache_capacity: Option<usize>,
    // Resource-server mode (crate::jwks).
    remote_jwks: Option<RemoteJwks>,
    extra_token_types: Vec<String>,
    accept_untyped: bool,
    optional_jwt_id: bool,
    transport: TransportConfig,
    error_body: Option<ErrorBodyHook>,
}

impl AuthenticatorBuilder {
    /// The key set: one signing key and the keys that verify. Required (or
    /// [`signing_key`](Self::signing_key), or [`remote_jwks`](Self::remote_jwks) for a
    /// resource server).
    pub fn keys(mut self, keys: KeySet) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Shorthand for a key set of one signing key.
    pub fn signing_key(self, key: SigningKey) -> Self {
        self.keys(KeySet::new(key))
    }

    /// The issuer (`iss`) written into tokens and required, by exact comparison, from
    /// tokens. Required.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The audience (`aud`) written into tokens and required from them. Required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The lifetime of issued access tokens. Defaults to 15 minutes; at most 24 hours.
    pub fn access_ttl(mut self, ttl: Duration) -> Self {
        self.access_ttl = Some(ttl);
        self
    }

    /// The longest `exp − iat` a token may have to be accepted. Defaults to the access TTL;
    /// raise it only to accept tokens of another issuer with a longer lifetime.
    pub fn max_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_lifetime = Some(lifetime);
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Defaults to 30 seconds; at most 60.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// The realm named in 401 challenges. Defaults to `"api"`. Printable ASCII without `"`
    /// or `\`, at most 128 characters.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// Where tokens carry their roles: a claim name or a dotted path into nested objects
    /// (`realm_access.roles` for Keycloak). Defaults to `"roles"`.
    ///
    /// The default `roles` claim must be an array of names. A claim set here other than
    /// `roles` may also be a string of space-separated names, as the OAuth `scope` claim is
    /// (`roles_claim("scope")`: [scopes as roles](crate::jwks#scopes-as-roles)).
    pub fn roles_claim(mut self, path: impl Into<String>) -> Self {
        self.roles_claim = Some(path.into());
        self
    }

    /// The claim whose names are permissions besides those the roles grant: a top-level
    /// member holding a string of space-separated names, or an array of names. Defaults to
    /// `"scope"` (RFC 9068 §2.2.3); Azure AD writes `"scp"`. See
    /// [`PermissionEnum`](crate::PermissionEnum).
    pub fn scope_claim(mut self, name: impl Into<String>) -> Self {
        self.scope_claim = Some(name.into());
        self
    }

    /// Resource-server mode: verify with the keys of a JWKS URL, refreshed at run time,
    /// instead of a [`KeySet`](Self::keys). Such an authenticator verifies only; it cannot
    /// issue. See [`crate::jwks`] for a complete Keycloak setup.
    pub fn remote_jwks(mut self, jwks: RemoteJwks) -> Self {
        self.remote_jwks = Some(jwks);
        self
    }

    /// Also accepts access tokens whose `typ` header is exactly `typ` (case-sensitive), for
    /// another issuer's tokens: Keycloak and Auth0 write `"JWT"`. Can be called several times.
    ///
    /// Off by default: only `at+jwt` and `application/at+jwt` are accepted (RFC 9068,
    /// security manual, TV-07), which is what keeps an ID token or another JWT signed by the same
    /// key from passing as an access token. With a generic `typ` accepted, the audience is
    /// what tells the kinds apart, so make sure the issuer's ID tokens never carry this API's
    /// audience.
    pub fn accept_token_type(mut self, typ: impl Into<String>) -> Self {
        self.extra_token_types.push(typ.into());
        self
    }

    /// Also accepts access tokens without a `typ` header (AWS Cognito writes none). Off by
    /// default; the same caution as [`accept_token_type`](Self::accept_token_type) applies.
    pub fn accept_untyped_tokens(mut self) -> Self {
        self.accept_untyped = true;
        self
    }

    /// Whether access tokens must carry a `jti`. Defaults to `true` (security manual, TV-14).
    ///
    /// `false` accepts tokens of issuers that send none (Auth0). A token without `jti` cannot
    /// be revoked individually: the revocation list is not consulted for it and
    /// [`Authenticator::revoke`] does nothing for it, so it is valid until it expires. A
    /// `jti` that is present must still be a non-empty string.
    pub fn require_jwt_id(mut self, required: bool) -> Self {
        self.optional_jwt_id = !required;
        self
    }

    /// Checks every access token's `jti` against this list, and lets
    /// [`Authenticator::revoke`] (and logout) denylist tokens until they expire.
    pub fn revocation(mut self, list: impl RevocationList) -> Self {
        self.revocation = Some(Arc::new(list));
        self
    }

    /// The same, for a list that is already shared.
    pub fn revocation_shared(mut self, list: Arc<dyn RevocationList>) -> Self {
        self.revocation = Some(list);
        self
    }

    /// The capacity of the verified-token cache; `0` disables it. Defaults to 10,000 entries.
    ///
    /// The cache keeps the result of a complete verification under the exact token bytes,
    /// so a service does not re-verify an RS256/ES256 signature (25–300 µs) on every request
    /// of a session. An entry never outlives the token's `exp`, revocation is checked on
    /// every request whether the token was cached or not, and only tokens that verified are
    /// ever inserted. Each entry takes about 1 KiB.
    pub fn token_cache(mut self, capacity: usize) -> Self {
        self.cache_capacity = Some(capacity);
        self
    }

    /// Replaces the clock (seconds since the Unix epoch). For tests that move time.
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Turns on cookie transport for browser front ends: the endpoints set the tokens as
    /// cookies, the extractors read the access token from its cookie, and cookie-authenticated
    /// unsafe requests need a CSRF token and an allowed origin. Off by default. See
    /// [`transport::cookie`](crate::transport::cookie) for the model and an example.
    pub fn cookies(mut self, config: CookieConfig) -> Self {
        self.transport.cookies = Some(config);
        self
    }

    /// Accepts the access token of WebSocket upgrade requests where the configuration says
    /// (a query parameter). Off by default; read the
    /// [risks](crate::transport::websocket) first.
    pub fn websocket(mut self, config: WebSocketConfig) -> Self {
        self.transport.websocket = Some(config);
        self
    }

    /// Shapes the body of every error response produced with this authenticator's context:
    /// the extractors and guards, the [layer](crate::layer), the
    /// [endpoints](crate::endpoints) and the cookie checks (jwt-authorizer#11).
    ///
    /// `render` receives the [`AuthError`] (its [`kind`](AuthError::kind),
    /// [`error_code`](AuthError::error_code), [`description`](AuthError::description),
    /// [`status`](AuthError::status)) and returns any response; its body and headers are
    /// kept, but the status is set back to [`AuthError::status`], the `WWW-Authenticate`
    /// challenge to the one RFC 6750 requires (or none), and token-endpoint errors keep
    /// `Cache-Control: no-store`. So clients that follow the standard keep working whatever
    /// the body says. Defaults to the JSON body `{"error", "error_description"}`.
    ///
    /// Errors built with [`AuthError::new`] outside the authenticator (for example by the
    /// application's own code) use the default body.
    ///
    /// ```
    /// use auth::Authenticator;
    /// use auth::error::AuthError;
    /// use auth::keys::{Algorithm, SigningKey};
    /// use axum::Json;
    /// use serde_json::json;
    ///
    /// let auth = Authenticator::builder()
    ///     .signing_key(SigningKey::generate_hmac(Algorithm::HS256)?)
    ///     .issuer("https://auth.example.com")
    ///     .audience("api")
    ///     .error_body(|err: &AuthError| {
    ///         Json(json!({
    ///             "code": err.status().as_u16(),
    ///             "reason": err.error_code(),
    ///             "message": err.description(),
    ///         }))
    ///     })
    ///     .build()?;
    /// # let _ = auth;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn error_body<F, R>(mut self, render: F) -> Self
    where
        F: Fn(&AuthError) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.error_body = Some(ErrorBodyHook::new(render));
        self
    }
    /// Checks the configuration and builds the authenticator.
    pub fn build(self) -> Result<Authenticator, ConfigError> {
        crate::keys::install_backend();
        let keys = match (self.keys, self.remote_jwks) {
            (Some(_), Some(_)) => return Err(ConfigError::ConflictingKeySources),
            (Some(keys), None) if !keys.is_empty() => KeySource::Static(Arc::new(keys)),
            // A remote JWKS may still be empty: its first fetch fills it.
            (None, Some(remote)) => KeySource::Remote(remote),
            _ => return Err(ConfigError::MissingKeys),
        };
        if !self
            .extra_token_types
            .iter()
            .all(|typ| is_valid_token_type(typ))
        {
            return Err(ConfigError::InvalidTokenType);
        }
        let issuer = non_empty(self.issuer, ConfigError::MissingIssuer)?;
        let audience = non_empty(self.audience, ConfigError::MissingAudience)?;
        let access_ttl = self.access_ttl.unwrap_or(DEFAULT_ACCESS_TTL);
        if access_ttl.as_secs() == 0 || access_ttl > MAX_ACCESS_TTL {
            return Err(ConfigError::AccessTtlOutOfRange);
        }
        let max_lifetime = self.max_lifetime.unwrap_or(access_ttl);
        if max_lifetime < access_ttl {
            return Err(ConfigError::AccessTtlOutOfRange);
        }
        let leeway = self.leeway.unwrap_or(DEFAULT_LEEWAY);
        if leeway > MAX_LEEWAY {
            return Err(ConfigError::LeewayTooLarge);
        }
        let realm = self.realm.unwrap_or_else(|| DEFAULT_REALM.to_owned());
        if !is_valid_realm(&realm) {
            return Err(ConfigError::InvalidRealm);
        }
        let roles_path: Box<[Box<str>]> = self
            .roles_claim
            .as_deref()
            .unwrap_or("roles")
            .split('.')
            .map(Box::from)
            .collect();
        if roles_path.iter().any(|segment| segment.is_empty()) {
            return Err(ConfigError::InvalidRolesClaim);
        }
        // A scope string is accepted only in a claim the application chose, never in the
        // crate's own `roles` (security manual, TV-15).
        let roles_from_string = self
            .roles_claim
            .as_deref()
            .is_some_and(|claim| claim != "roles");
        let scope_claim = self.scope_claim.unwrap_or_else(|| "scope".to_owned());
        if scope_claim.is_empty() || scope_claim.contains('.') {
            return Err(ConfigError::InvalidScopeClaim);
        }
        let transport = self.transport.build(&keys.snapshot().0)?;
        Ok(Authenticator {
            inner: Arc::new(Inner {
                keys,
                rules: TokenRules {
                    issuer: issuer.into(),
                    audience: audience.into(),
                    leeway: leeway.as_secs(),
                    access_ttl: access_ttl.as_secs(),
                    max_lifetime: max_lifetime.as_secs(),
                    roles_path,
                    roles_from_string,
                    scope_claim: scope_claim.into(),
                    extra_token_types: self
                        .extra_token_types
                        .into_iter()
                        .map(String::into_boxed_str)
                        .collect(),
                    accept_untyped: self.accept_untyped,
                    require_jwt_id: !self.optional_jwt_id,
                },
                cache: TokenCache::new(self.cache_capacity.unwrap_or(DEFAULT_TOKEN_CACHE_CAPACITY)),
                realm: realm.into(),
                revocation: self.revocation,
                clock: self.clock.unwrap_or_else(|| Arc::new(system_now)),
                transport,
                error_body: self.error_body,
            }),
        })
    }
}

/// A `typ` value: 1 to 64 visible ASCII characters (a media type such as `JWT`).
fn is_valid_token_type(typ: &str) -> bool {
    (1..=64).contains(&typ.len()) && typ.bytes().all(|b| b.is_ascii_graphic())
}

fn non_empty(value: Option<String>, missing: ConfigError) -> Result<String, ConfigError> {
    value.filter(|v| !v.is_empty()).ok_or(missing)
}

fn system_now() -> u64 {
    // A clock before 1970 reads as 1970: every token then looks issued in the future and
    // is refused, which fails closed.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
