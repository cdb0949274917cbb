//! The token endpoints: `POST /token` (login, and the refresh grant), `POST /refresh` and
//! `POST /logout`, as a [`Router`] to merge into the application.
//!
//! ```
//! # use auth::endpoints::{Endpoints, User, UserStore};
//! # use auth::store::{MemoryStore, StoreError};
//! # use auth::testing;
//! # #[derive(serde::Serialize, serde::Deserialize)]
//! # struct Claims { sub: String }
//! # impl auth::TokenClaims for Claims {
//! #     type Role = auth::claims::NoRole;
//! #     fn subject(&self) -> &str { &self.sub }
//! #     fn roles(&self) -> auth::Roles<auth::claims::NoRole> { auth::Roles::empty() }
//! # }
//! # struct Users;
//! # impl UserStore for Users {
//! #     type Claims = Claims;
//! #     async fn find_by_username(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> { Ok(None) }
//! #     async fn find_by_subject(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> { Ok(None) }
//! #     async fn update_password_hash(&self, _: &str, _: &str) -> Result<(), StoreError> { Ok(()) }
//! # }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = testing::authenticator();
//! let endpoints = Endpoints::builder(auth.clone(), Users)
//!     .store(MemoryStore::new())          // the default; SqliteStore, RedisStore
//!     .token_path("/auth/token")          // paths default to /token, /refresh, /logout
//!     .build()?;
//!
//! let app: axum::Router = axum::Router::new()
//!     // .route("/me", get(me)) ...
//!     .merge(endpoints.router())
//!     .with_state(auth);
//! # Ok(())
//! # }
//! ```
//!
//! Serve with `into_make_service_with_connect_info::<SocketAddr>()` so that logins are also
//! throttled per client address ([`ThrottleConfig`]).
//!
//! # Behind a reverse proxy
//!
//! Behind a proxy every request comes from the proxy's address, so every client would share
//! one throttle. Name the proxies and the header they write
//! ([`EndpointsBuilder::trusted_proxies`]); the endpoints log which mode is in force when they
//! are built (`tracing`, target `auth`):
//!
//! ```
//! # use auth::endpoints::{Endpoints, ForwardedHeader, User, UserStore};
//! # use auth::store::StoreError;
//! # #[derive(serde::Serialize, serde::Deserialize)]
//! # struct Claims { sub: String }
//! # impl auth::TokenClaims for Claims {
//! #     type Role = auth::claims::NoRole;
//! #     fn subject(&self) -> &str { &self.sub }
//! #     fn roles(&self) -> auth::Roles<auth::claims::NoRole> { auth::Roles::empty() }
//! # }
//! # struct Users;
//! # impl UserStore for Users {
//! #     type Claims = Claims;
//! #     async fn find_by_username(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> { Ok(None) }
//! #     async fn find_by_subject(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> { Ok(None) }
//! #     async fn update_password_hash(&self, _: &str, _: &str) -> Result<(), StoreError> { Ok(()) }
//! # }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let auth = auth::testing::authenticator();
//! let endpoints = Endpoints::builder(auth, Users)
//!     // nginx on this host, or Traefik on the Docker network 172.18.0.0/16
//!     .trusted_proxies(ForwardedHeader::XForwardedFor, ["127.0.0.1", "::1", "172.18.0.0/16"])
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! How the client is found (security manual, LG-10):
//!
//! - a request whose socket peer is not a trusted proxy is the peer's, and its
//!   `X-Forwarded-For` or `Forwarded` is ignored: a client cannot pick its address;
//! - from a trusted proxy, the header's hops are read from the right (several header lines
//!   in order), skipping trusted proxies; the first untrusted hop is the client. What a client
//!   sends is left of what the proxies append, so it is never reached;
//! - a hop that cannot be read (malformed, `unknown`, an obfuscated `_name`), a missing
//!   header, or a chain of more than 32 trusted hops attributes the request to the last
//!   trusted hop: throttled with the proxy's traffic, never under an address of the client's
//!   choosing.
//!
//! The proxy must append the address it received the request from, never pass on a
//! client's header alone. nginx:
//!
//! ```nginx
//! location / {
//!     proxy_pass http://127.0.0.1:3000;
//!     proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
//! }
//! ```
//!
//! (not `proxy_set_header X-Forwarded-For $http_x_forwarded_for;`, which forwards only what
//! the client sent). Traefik appends to `X-Forwarded-For` by default and drops the
//! `X-Forwarded-*` headers of clients it does not trust; list in
//! `entryPoints.<name>.forwardedHeaders.trustedIPs` only the proxies in front of Traefik (a
//! CDN, a load balancer), never set `forwardedHeaders.insecure`, and give the application
//! Traefik's own address or network as the trusted proxy. With a proxy in front of Traefik,
//! list both here. For RFC 7239 `Forwarded` (`for=...`), use [`ForwardedHeader::Forwarded`].
//!
//! # The HTTP contract
//!
//! Requests are `application/x-www-form-urlencoded` (as OAuth 2.0 clients and FastAPI's
//! `OAuth2PasswordRequestForm` send them) or a JSON object, at most 16 KiB. Every error is
//! an [`AuthError`] JSON body (RFC 6749 §5.2) with `Cache-Control: no-store`.
//!
//! | request | answer |
//! |---|---|
//! | `POST /token` `grant_type=password&username=..&password=..` (`grant_type` may be left out, as FastAPI allows; `scope` is ignored) | 200 `{"access_token","token_type":"Bearer","expires_in","refresh_token"}`, `Cache-Control: no-store`, `Pragma: no-cache` |
//! | `POST /token` `grant_type=refresh_token&refresh_token=..` (RFC 6749 §6), or `POST /refresh` `refresh_token=..` | 200, a new pair; the presented refresh token is spent |
//! | `POST /token` with a `refresh_token` and no `grant_type` | 400 `invalid_request`; the token is not spent |
//! | `POST /logout` `refresh_token=..`, the access token in `Authorization: Bearer` (optional) | 204, also for an unknown or invalid refresh token (RFC 7009 §2.2); the family and both tokens are revoked |
//! | `POST /logout` with only `Authorization: Bearer <access token>` (as a logout route guarded like any other) | 204: the access token and the session (refresh-token family) that issued it are revoked; 401 `invalid_token` for an invalid, expired or revoked access token |
//! | unknown user, wrong password, disabled user, unusable stored hash | 400 `invalid_grant`, byte for byte the same answer |
//! | unknown, expired, spent, revoked refresh token; its user gone or disabled | 400 `invalid_grant` |
//! | `POST /token` `grant_type=client_credentials[&scope=..]`, the client's id and secret in `Authorization: Basic` (with [`EndpointsBuilder::clients`]) | 200 `{"access_token","token_type":"Bearer","expires_in","scope"}`; 401 `invalid_client` for bad client credentials, 400 `invalid_scope` for a scope the client may not have |
//! | another `grant_type` (or `client_credentials` without [`EndpointsBuilder::clients`]) | 400 `unsupported_grant_type` |
//! | missing or empty parameter, a parameter sent twice, a malformed body, a password over 1 KiB | 400 `invalid_request` |
//! | another content type | 415 `invalid_request` |
//! | a body over the limit | 413 `invalid_request` |
//! | too many failed logins, refreshes or successful logins ([`ThrottleConfig`]), or no hashing slot free within 1 s | 429 `slow_down` (with `Retry-After` when throttled) |
//! | a store that cannot be reached | 503 `temporarily_unavailable` |
//!
//! Other methods on these paths get 405.
//!
//! # Cookies
//!
//! With [cookie transport](crate::transport::cookie) on
//! ([`AuthenticatorBuilder::cookies`](crate::AuthenticatorBuilder::cookies)):
//!
//! - every request to the three endpoints must pass the `Origin` / `Sec-Fetch-Site` check,
//!   else 403 `invalid_request` (login CSRF: another site must not log the browser in);
//! - `POST /token` and `POST /refresh` answers also set the access, refresh and CSRF
//!   cookies, and their body is `{"expires_in","csrf_token"}` (plus the four members above
//!   with [`CookieConfig::tokens_in_body`](crate::transport::cookie::CookieConfig::tokens_in_body));
//! - `POST /refresh` and `POST /logout` take the refresh token from its cookie when the body
//!   has none (both: 400 `invalid_request`); from the cookie, the request needs the
//!   `X-CSRF-Token` header of that token's session, else 403 `invalid_request`;
//! - `POST /logout` also revokes the access token of the access cookie, and its 204 deletes
//!   the cookies.
//!
//! Merge the router at the configured paths (do not `nest` it): the refresh cookie's `Path`
//! is the refresh and logout paths.
//!
//! # Fresh tokens
//!
//! The access token of a password login is *fresh* (`"fresh": true`); the ones a refresh
//! issues are not. Handlers guarded by `#[protected(fresh)]` or
//! [`RequireFresh`](crate::RequireFresh) accept only fresh tokens, so a stolen
//! refresh token is not enough for them. With cookies on, tokens also carry `sid`, the id of
//! their session (refresh-token family), the same across refreshes, which CSRF tokens are
//! bound to ([`VerifiedToken::session_id`](crate::token::VerifiedToken::session_id)).
//!
//! # Refresh tokens
//!
//! Opaque: 32 random bytes, base64url (43 characters); stores only ever see their SHA-256.
//! A login starts a *family*; each refresh spends the presented token and issues its
//! successor in the same family, atomically. Presenting a spent token again means it was
//! stolen or replayed (RFC 9700 §4.14.2): the whole family is revoked, the legitimate
//! successor included, and the family's access tokens are denylisted when the
//! [`Authenticator`] has a revocation list. So two refreshes racing with one token yield one
//! success, after which the family is dead and the user logs in again (on every store: the
//! shared store suite races 20 of them). **A client must single-flight its refresh:** one
//! refresh in flight per session, and every request that finds the access token expired
//! waits for that refresh instead of starting its own (a promise or a mutex around it in a
//! browser or an SDK; across tabs, a lock such as the Web Locks API). A client that retries a
//! refresh whose answer it lost presents a spent token and loses the session the same way.
//!
//! The last [`SPENT_TOKENS_KEPT`](crate::store::SPENT_TOKENS_KEPT) spent tokens of a family
//! are remembered until the family expires; an older one is refused as unknown without
//! revoking anything, so the state of a family stays bounded however long it lives. Reuse
//! answers the family's unexpired access tokens every time, also once the family is revoked,
//! so a denylisting cut short by a store failure (503) is finished by the next presentation.
//!
//! A token lives until the family's absolute expiry ([`EndpointsBuilder::refresh_ttl`], 30
//! days) and stops working earlier if unused for the idle expiry
//! ([`EndpointsBuilder::refresh_idle_ttl`], 7 days). Every refresh reads the user again
//! ([`UserStore::find_by_subject`]): new roles apply, and a disabled or deleted user's
//! refresh fails and revokes its family.
//!
//! Logout revokes the refresh token's family and, with a revocation list, denylists every
//! access token of the family that can still verify plus the one in `Authorization`.
//! [`Endpoints::revoke_user`] does the same for every family of a user, for a password
//! change.
//!
//! # Accepted risk
//!
//! The password grant (resource owner password credentials) is deprecated by RFC 9700 §2.4:
//! it hands the password to the client. Use it only for first-party clients (your own web or
//! mobile front end); third-party clients need the authorization code flow with PKCE, which
//! this crate does not implement.

mod body;
mod client;
mod client_credentials;
mod login;
mod logout;
mod rate;
mod refresh;
mod request;
mod respond;
mod service_clients;
mod throttle;
mod tokens;
mod users;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::request::Parts;
use axum::routing::post;

use crate::Authenticator;
use crate::error::AuthError;
use crate::password::{PasswordConfig, PasswordError, Passwords};
use crate::store::{MemoryStore, RefreshStore};

#[cfg(fuzzing)] // the entry point of the `fuzz/` targets only
pub use body::parse_request_body;
pub use client::ForwardedHeader;
pub use rate::Rate;
pub use service_clients::{Client, ClientStore};
pub use throttle::{Limit, ThrottleConfig};
pub use users::{User, UserStore};

/// The default absolute lifetime of a refresh-token family: 30 days.
pub(crate) const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// The default idle lifetime of a refresh token: 7 days.
pub(crate) const DEFAULT_REFRESH_IDLE_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// The default cap on live refresh-token families (sessions) per user.
pub(crate) const DEFAULT_MAX_SESSIONS: usize = 100;
/// The default body limit of the endpoints: 16 KiB.
pub(crate) const DEFAULT_BODY_LIMIT: usize = 16 * 1024;

type ClientAddress = Arc<dyn Fn(&Parts) -> Option<IpAddr> + Send + Sync>;

/// The token endpoints, configured. Cheap to clone (one `Arc`).
pub struct Endpoints<U: UserStore> {
    shared: Arc<Shared<U>>,
}

pub(crate) struct Shared<U: UserStore> {
    pub(crate) auth: Authenticator,
    pub(crate) users: U,
    pub(crate) store: Arc<dyn RefreshStore>,
    pub(crate) passwords: Passwords,
    pub(crate) throttle: throttle::Throttle,
    /// Failed `client_credentials` attempts, apart from logins: a client id never shares a
    /// budget with a username.
    pub(crate) client_throttle: throttle::Throttle,
    /// The service clients, when `client_credentials` is on.
    pub(crate) clients: Option<Arc<dyn service_clients::DynClientStore>>,
    pub(crate) rates: rate::RateLimits,
    pub(crate) client_address: ClientAddress,
    pub(crate) refresh_ttl: u64,
    pub(crate) refresh_idle_ttl: u64,
    pub(crate) max_sessions: usize,
    pub(crate) body_limit: usize,
    pub(crate) paths: Paths,
}

#[derive(Debug)]
pub(crate) struct Paths {
    token: String,
    refresh: String,
    logout: String,
}

/// The shape of an [`Endpoints`] router, for its OpenAPI description.
#[cfg(feature = "utoipa")]
pub(crate) struct Outline<'a> {
    pub(crate) token: &'a str,
    pub(crate) refresh: &'a str,
    pub(crate) logout: &'a str,
    pub(crate) clients: bool,
    pub(crate) cookies: bool,
    pub(crate) password_max_len: usize,
}

impl Paths {
    /// Where the refresh cookie is sent: the refresh and logout paths.
    pub(crate) fn refresh_cookie_paths(&self) -> [&str; 2] {
        [&self.refresh, &self.logout]
    }
}

impl<U: UserStore> Clone for Endpoints<U> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<U: UserStore> Endpoints<U> {
    /// Starts the configuration with the authenticator that signs the access tokens and the
    /// application's users.
    pub fn builder(auth: Authenticator, users: U) -> EndpointsBuilder<U> {
        EndpointsBuilder {
            auth,
            users,
            store: None,
            passwords: None,
            token_path: "/token".into(),
            refresh_path: "/refresh".into(),
            logout_path: "/logout".into(),
            refresh_ttl: DEFAULT_REFRESH_TTL,
            refresh_idle_ttl: DEFAULT_REFRESH_IDLE_TTL,
            max_sessions: DEFAULT_MAX_SESSIONS,
            body_limit: DEFAULT_BODY_LIMIT,
            throttle: ThrottleConfig::default(),
            client_address: None,
            trusted_proxies: None,
            clients: None,
        }
    }

    /// What an OpenAPI description of these endpoints needs: their paths, and whether
    /// `client_credentials` and cookies are on.
    #[cfg(feature = "utoipa")]
    pub(crate) fn outline(&self) -> Outline<'_> {
        let shared = &self.shared;
        Outline {
            token: &shared.paths.token,
            refresh: &shared.paths.refresh,
            logout: &shared.paths.logout,
            clients: shared.clients.is_some(),
            cookies: shared.auth.transport().cookies().is_some(),
            password_max_len: shared.passwords.config().max_len,
        }
    }

    /// The router of the three endpoints, for any application state (the endpoints carry
    /// their own). Merge it into the application's router.
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let paths = &self.shared.paths;
        Router::new()
            .route(&paths.token, post(login::handler::<U>))
            .route(&paths.refresh, post(refresh::handler::<U>))
            .route(&paths.logout, post(logout::handler::<U>))
            .with_state(self.shared.clone())
    }

    /// [`router`](Self::router) as a declared router, for an application routed with
    /// [`auth::routing`](crate::routing): the manifest lists the three endpoints as `public`,
    /// since each authenticates its caller by what the request carries (a password, a
    /// refresh token, a client secret) rather than by an access token.
    pub fn routes<S>(&self) -> crate::routing::Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let paths = &self.shared.paths;
        let public = |path: &str| ("POST", path.to_owned(), crate::routing::Access::public());
        crate::routing::Router::declared(
            self.router(),
            [
                public(&paths.token),
                public(&paths.refresh),
                public(&paths.logout),
            ],
        )
    }

    /// The password hasher the endpoints use, to hash passwords where the application sets
    /// them (registration, password change) under the same concurrency limit.
    pub fn passwords(&self) -> &Passwords {
        &self.shared.passwords
    }

    /// The refresh-token store.
    pub fn store(&self) -> &Arc<dyn RefreshStore> {
        &self.shared.store
    }

    /// The application's user store.
    pub fn users(&self) -> &U {
        &self.shared.users
    }

    /// Revokes every refresh-token family of `subject` and, with a revocation list, denylists
    /// their access tokens: call it after a password change or when disabling a user
    /// (security manual, RT-04).
    pub async fn revoke_user(&self, subject: &str) -> Result<(), AuthError> {
        self.shared.revoke_user(subject).await
    }
}

impl<U: UserStore> fmt::Debug for Endpoints<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoints")
            .field("paths", &self.shared.paths)
            .field("refresh_ttl", &self.shared.refresh_ttl)
            .field("refresh_idle_ttl", &self.shared.refresh_idle_ttl)
            .finish_non_exhaustive()
    }
}

/// Configures [`Endpoints`]. Every setting is checked by [`build`](Self::build).
#[must_use]
pub struct EndpointsBuilder<U: UserStore> {
    auth: Authenticator,
    users: U,
    store: Option<Arc<dyn RefreshStore>>,
    passwords: Option<Passwords>,
    token_path: String,
    refresh_path: String,
    logout_path: String,
    refresh_ttl: Duration,
    refresh_idle_ttl: Duration,
    max_sessions: usize,
    body_limit: usize,
    throttle: ThrottleConfig,
    client_address: Option<ClientAddress>,
    trusted_proxies: Option<(ForwardedHeader, Vec<String>)>,
    clients: Option<Arc<dyn service_clients::DynClientStore>>,
}

impl<U: UserStore> EndpointsBuilder<U> {
    /// Where refresh tokens live. Defaults to a new [`MemoryStore`].
    pub fn store(mut self, store: impl RefreshStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// The same, for a store that is already shared.
    pub fn store_shared(mut self, store: Arc<dyn RefreshStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The password hasher. Defaults to `Passwords::new(PasswordConfig::default())` (OWASP
    /// parameters, one hash per core at a time).
    pub fn passwords(mut self, passwords: Passwords) -> Self {
        self.passwords = Some(passwords);
        self
    }

    /// The login path. Defaults to `/token`.
    pub fn token_path(mut self, path: impl Into<String>) -> Self {
        self.token_path = path.into();
        self
    }

    /// The refresh path. Defaults to `/refresh`.
    pub fn refresh_path(mut self, path: impl Into<String>) -> Self {
        self.refresh_path = path.into();
        self
    }

    /// The logout path. Defaults to `/logout`.
    pub fn logout_path(mut self, path: impl Into<String>) -> Self {
        self.logout_path = path.into();
        self
    }

    /// The absolute lifetime of a refresh-token family, from login. Defaults to 30 days.
    pub fn refresh_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_ttl = ttl;
        self
    }

    /// How long a refresh token stays usable without being used. Defaults to 7 days; at
    /// most the absolute lifetime.
    pub fn refresh_idle_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_idle_ttl = ttl;
        self
    }

    /// The most sessions (refresh-token families, one per login) a user may have live at
    /// once. A login beyond it revokes the user's oldest session: its refresh token stops
    /// working, and its access token expires on its own. Defaults to 100; at least 1.
    ///
    /// This keeps what one account can make the store hold bounded (a script that logs in
    /// in a loop), and the work of revoking all of a user's sessions.
    pub fn max_sessions_per_user(mut self, sessions: usize) -> Self {
        self.max_sessions = sessions;
        self
    }

    /// The largest request body accepted. Defaults to 16 KiB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Turns on `grant_type=client_credentials` (RFC 6749 §4.4) at the token path, for
    /// service clients kept in `clients`: a client authenticates with `Authorization: Basic`
    /// (or `client_id` and `client_secret` in the body) and gets an access token whose `sub`
    /// is its id and whose `scope` claim holds the scopes it asked for (all it may have when
    /// it asks for none). No refresh token. A client's failed attempts are throttled as logins
    /// are, apart from them.
    ///
    /// | request | answer |
    /// |---|---|
    /// | `grant_type=client_credentials[&scope=..]` with valid credentials | 200 `{"access_token","token_type":"Bearer","expires_in","scope"}` |
    /// | unknown client, wrong secret, disabled client, no credentials | 401 `invalid_client`, `WWW-Authenticate: Basic realm="…"` |
    /// | a scope the client may not have | 400 `invalid_scope` |
    /// | credentials both in `Authorization` and in the body | 400 `invalid_request` |
    ///
    /// Without this call, `client_credentials` is 400 `unsupported_grant_type`.
    ///
    /// Client ids and users' subjects share the `sub` claim: a client whose id is also a
    /// user's subject gets no token (500, and an error in the log), since every handler that
    /// reads `sub` would take it for that user. Keep the two apart, with a prefix such as
    /// `svc:` for instance.
    ///
    /// ```
    /// # use auth::endpoints::{Client, Endpoints, User, UserStore};
    /// # use auth::store::StoreError;
    /// # #[derive(serde::Serialize, serde::Deserialize)]
    /// # struct Claims { sub: String }
    /// # impl auth::TokenClaims for Claims {
    /// #     type Role = auth::claims::NoRole;
    /// #     fn subject(&self) -> &str { &self.sub }
    /// #     fn roles(&self) -> auth::Roles<auth::claims::NoRole> { auth::Roles::empty() }
    /// # }
    /// # struct Users;
    /// # impl UserStore for Users {
    /// #     type Claims = Claims;
    /// #     async fn find_by_username(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> { Ok(None) }
    /// #     async fn find_by_subject(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> { Ok(None) }
    /// #     async fn update_password_hash(&self, _: &str, _: &str) -> Result<(), StoreError> { Ok(()) }
    /// # }
    /// # async fn example(secret_hash: String) -> Result<(), Box<dyn std::error::Error>> {
    /// let clients = vec![Client::new("reports-exporter", secret_hash, ["reports:read"])];
    /// let endpoints = Endpoints::builder(auth::testing::authenticator(), Users)
    ///     .clients(clients)
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn clients(mut self, clients: impl ClientStore) -> Self {
        self.clients = Some(Arc::new(clients));
        self
    }

    /// How logins are throttled. Defaults to [`ThrottleConfig::default`].
    pub fn throttle(mut self, throttle: ThrottleConfig) -> Self {
        self.throttle = throttle;
        self
    }

    /// How to find the client's IP address for throttling, as the application's own
    /// function. Defaults to axum's `ConnectInfo<SocketAddr>` (none when the server does not
    /// provide it). Behind reverse proxies, prefer [`trusted_proxies`](Self::trusted_proxies);
    /// a function of your own must read the header *your* proxy sets, and only the part it
    /// controls. Not together with `trusted_proxies` ([`EndpointsError::ClientAddress`]).
    pub fn client_address(
        mut self,
        address: impl Fn(&Parts) -> Option<IpAddr> + Send + Sync + 'static,
    ) -> Self {
        self.client_address = Some(Arc::new(address));
        self
    }

    /// Behind reverse proxies: the client's address comes from `header`, which the proxies at
    /// `proxies` (addresses or CIDR ranges: `"10.0.0.0/8"`, `"::1"`) write. See "Behind a
    /// reverse proxy" in the [module documentation](self).
    ///
    /// A request whose socket peer (`ConnectInfo<SocketAddr>`) is not in `proxies` is
    /// attributed to the peer, and its forwarding headers are ignored: a client cannot choose
    /// its address by sending one. From a trusted proxy, the header's hops are read from the
    /// right, skipping trusted proxies; the first untrusted hop is the client. A hop that
    /// cannot be read (malformed, `unknown`, obfuscated) attributes the request to the last
    /// trusted hop, which throttles more, never less (security manual, LG-10).
    ///
    /// [`build`](Self::build) refuses an entry that is not an address or a CIDR range with
    /// its host bits zero ([`EndpointsError::TrustedProxy`]).
    pub fn trusted_proxies<I>(mut self, header: ForwardedHeader, proxies: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let proxies = proxies
            .into_iter()
            .map(|proxy| proxy.as_ref().to_owned())
            .collect();
        self.trusted_proxies = Some((header, proxies));
        self
    }

    /// Checks the configuration and builds the endpoints.
    pub fn build(self) -> Result<Endpoints<U>, EndpointsError> {
        let paths = [&self.token_path, &self.refresh_path, &self.logout_path];
        if paths
            .iter()
            .any(|path| !path.starts_with('/') || path.contains(['{', '}', '*', ':']))
        {
            return Err(EndpointsError::InvalidPath);
        }
        if paths[0] == paths[1] || paths[0] == paths[2] || paths[1] == paths[2] {
            return Err(EndpointsError::InvalidPath);
        }
        // With cookies on, the paths become the refresh cookie's `Path` attribute: visible
        // ASCII without `;` or `,`, which would end the attribute.
        if self.auth.transport().cookies().is_some()
            && paths.iter().any(|path| {
                path.bytes()
                    .any(|b| !b.is_ascii_graphic() || matches!(b, b';' | b','))
            })
        {
            return Err(EndpointsError::InvalidPath);
        }
        if self.refresh_ttl.as_secs() == 0
            || self.refresh_idle_ttl.as_secs() == 0
            || self.refresh_idle_ttl > self.refresh_ttl
        {
            return Err(EndpointsError::RefreshTtl);
        }
        if self.body_limit == 0 {
            return Err(EndpointsError::BodyLimit);
        }
        if self.max_sessions == 0 {
            return Err(EndpointsError::MaxSessions);
        }
        let passwords = match self.passwords {
            Some(passwords) => passwords,
            None => Passwords::new(PasswordConfig::default()).map_err(EndpointsError::Passwords)?,
        };
        let client_address = match (self.client_address, self.trusted_proxies) {
            (Some(_), Some(_)) => return Err(EndpointsError::ClientAddress),
            (Some(function), None) => {
                tracing::info!(
                    target: "auth",
                    mode = "function",
                    "login throttling reads the client address with the application's function \
                     (EndpointsBuilder::client_address)"
                );
                function
            }
            (None, Some((header, proxies))) => {
                let ranges = proxies
                    .iter()
                    .map(|proxy| {
                        client::Cidr::parse(proxy)
                            .ok_or_else(|| EndpointsError::TrustedProxy(proxy.clone()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let proxies = client::TrustedProxies::new(header, ranges);
                let (header, ranges) = proxies.describe();
                tracing::info!(
                    target: "auth",
                    mode = "trusted_proxies",
                    header = %header,
                    proxies = %ranges,
                    "login throttling reads the client address from the forwarding header of \
                     trusted proxies, from the right; other peers are taken as they are"
                );
                Arc::new(move |parts: &Parts| proxies.client(parts))
            }
            (None, None) => {
                tracing::info!(
                    target: "auth",
                    mode = "peer",
                    "login throttling reads the client address from the socket peer \
                     (ConnectInfo<SocketAddr>); forwarding headers are ignored"
                );
                Arc::new(client::connect_info)
            }
        };
        Ok(Endpoints {
            shared: Arc::new(Shared {
                auth: self.auth,
                users: self.users,
                store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                passwords,
                rates: rate::RateLimits::new(&self.throttle),
                client_throttle: throttle::Throttle::new(self.throttle.clone()),
                throttle: throttle::Throttle::new(self.throttle),
                clients: self.clients,
                client_address,
                refresh_ttl: self.refresh_ttl.as_secs(),
                refresh_idle_ttl: self.refresh_idle_ttl.as_secs(),
                max_sessions: self.max_sessions,
                body_limit: self.body_limit,
                paths: Paths {
                    token: self.token_path,
                    refresh: self.refresh_path,
                    logout: self.logout_path,
                },
            }),
        })
    }
}

/// A configuration [`EndpointsBuilder::build`] refuses.
#[derive(Debug)]
#[non_exhaustive]
pub enum EndpointsError {
    /// A path does not start with `/`, has a route parameter or wildcard (`{`, `}`, `*`,
    /// `:`), or two paths are the same; with cookies on, a path has a space, `;`, `,` or a
    /// byte outside visible ASCII (it is the refresh cookie's `Path`).
    InvalidPath,
    /// A refresh lifetime is zero, or the idle lifetime exceeds the absolute one.
    RefreshTtl,
    /// The body limit is zero.
    BodyLimit,
    /// The cap on sessions per user is zero.
    MaxSessions,
    /// An entry of [`EndpointsBuilder::trusted_proxies`] is not an address or a CIDR range
    /// with its host bits zero (`10.0.0.1/8`).
    TrustedProxy(String),
    /// Both [`EndpointsBuilder::client_address`] and [`EndpointsBuilder::trusted_proxies`]
    /// were set: choose one.
    ClientAddress,
    /// The default password hasher could not be built.
    Passwords(PasswordError),
}

impl fmt::Display for EndpointsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPath => {
                f.write_str("endpoint paths must start with `/`, have no parameters, and differ")
            }
            Self::RefreshTtl => f.write_str(
                "refresh lifetimes must be positive, the idle one at most the absolute one",
            ),
            Self::BodyLimit => f.write_str("the body limit must be positive"),
            Self::MaxSessions => f.write_str("the number of sessions per user must be positive"),
            Self::TrustedProxy(entry) => write!(
                f,
                "trusted proxy `{entry}` is not an IP address or a CIDR range such as \
                 10.0.0.0/8 (with its host bits zero)"
            ),
            Self::ClientAddress => {
                f.write_str("set either client_address or trusted_proxies, not both")
            }
            Self::Passwords(err) => write!(f, "password hasher: {err}"),
        }
    }
}

impl std::error::Error for EndpointsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Passwords(err) => Some(err),
            _ => None,
        }
    }
}
