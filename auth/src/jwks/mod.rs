//! JWKS: publishing the issuer's public keys, and resource-server mode (verifying tokens of
//! another issuer, such as Keycloak or Auth0, with the keys it publishes).
//!
//! # Publishing
//!
//! An issuer that signs with an asymmetric key (EdDSA, ES256, RS256...) serves its public
//! keys at `/.well-known/jwks.json`, so other services verify its tokens without sharing a
//! secret. HMAC keys are never published.
//!
//! ```
//! use auth::Authenticator;
//! use auth::keys::{Algorithm, SigningKey};
//! use axum::Router;
//!
//! # let pem = include_bytes!("../../../tests/fixtures/keys/ed25519.pem");
//! let auth = Authenticator::builder()
//!     .signing_key(SigningKey::from_pem(Algorithm::EdDSA, pem)?)
//!     .issuer("https://auth.example.com")
//!     .audience("https://api.example.com")
//!     .build()?;
//!
//! // GET /.well-known/jwks.json -> 200, `application/json`, `Cache-Control: public, max-age=300`
//! let app: Router = Router::new().merge(auth::jwks::router(auth.clone()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The document lists every verifying key of the key set (the signing key and the keys kept
//! for rotation), each with `kid`, `alg` and `use: sig`. Publish a new key some time before
//! signing with it, and keep the old one published until its last token expired: verifiers
//! cache the document (for `max-age`, and a [`RemoteJwks`] for its refresh interval), though a
//! [`RemoteJwks`] also fetches again as soon as it meets an unknown `kid`.
//!
//! # Resource-server mode
//!
//! A service that only verifies builds its [`Authenticator`](crate::Authenticator) from the
//! other issuer's keys, and tells it how that issuer writes its tokens.
//!
//! ## Keycloak
//!
//! ```no_run
//! use auth::jwks::RemoteJwks;
//! use auth::{Authenticated, Authenticator, Role, requires_role};
//! use axum::{Router, routing::get};
//!
//! /// Realm roles, as Keycloak names them.
//! #[derive(Role)]
//! enum Role {
//!     Admin,
//!     #[role(rename = "order-manager")]
//!     OrderManager,
//! }
//!
//! #[requires_role(any("admin", "order-manager"))]
//! async fn orders(user: Authenticated) -> String {
//!     format!("orders of {}", user.subject())
//! }
//!
//! # #[cfg(feature = "jwks-remote")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let realm = "https://sso.example.com/realms/demo";
//! // Fetched now (start-up fails if it cannot be), then every 5 minutes and on unknown kids.
//! let jwks = RemoteJwks::builder(format!("{realm}/protocol/openid-connect/certs"))
//!     .load()
//!     .await?;
//! let auth = Authenticator::builder()
//!     .remote_jwks(jwks)
//!     .issuer(realm) // Keycloak's `iss` is the realm URL
//!     .audience("orders-api") // put there by an "audience" client mapper
//!     .roles_claim("realm_access.roles")
//!     .accept_token_type("JWT") // Keycloak's `typ` header, see below
//!     .build()?;
//! let app: Router = Router::new().route("/orders", get(orders)).with_state(auth);
//! # let _ = app; Ok(()) }
//! ```
//!
//! ## Auth0
//!
//! Auth0 writes `typ: JWT`, omits `jti`, issues 24-hour tokens by default, and puts the
//! granted scopes into `scope` (a space-separated string):
//!
//! ```no_run
//! # #[cfg(feature = "jwks-remote")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! # use auth::{Authenticator, jwks::RemoteJwks}; use std::time::Duration;
//! let tenant = "https://example.eu.auth0.com/";
//! let auth = Authenticator::builder()
//!     .remote_jwks(RemoteJwks::builder(format!("{tenant}.well-known/jwks.json")).load().await?)
//!     .issuer(tenant) // with its trailing slash, exactly as in the tokens
//!     .audience("https://api.example.com")
//!     .roles_claim("scope")
//!     .accept_token_type("JWT")
//!     .require_jwt_id(false) // Auth0 sends no `jti`: such tokens cannot be revoked one by one
//!     .max_token_lifetime(Duration::from_secs(24 * 60 * 60))
//!     .build()?;
//! # let _ = auth; Ok(()) }
//! ```
//!
//! ## From a document or a file
//!
//! Without the `jwks-remote` feature, or when keys are deployed with the service:
//! [`JwksConfig::key_set`], [`key_set_from_json`](JwksConfig::key_set_from_json) and
//! [`key_set_from_file`](JwksConfig::key_set_from_file) build a static, verify-only key
//! set, and [`RemoteJwks::with_fetcher`] refreshes one with any HTTP client of your own.
//!
//! ## Scopes as roles
//!
//! When the configured roles claim holds a string instead of an array, it is read as an OAuth
//! scope (RFC 6749 §3.3): names separated by spaces. So `roles_claim("scope")` and a role enum
//! of scope names give compile-time checked scopes, with nothing new to learn:
//!
//! ```
//! use auth::{Authenticator, Role, requires_role};
//! # use auth::keys::{KeySet, SigningKey};
//! use axum::http::StatusCode;
//! use axum::{Router, routing::post};
//!
//! #[derive(Role)]
//! enum Scope {
//!     #[role(rename = "posts:read")]
//!     PostsRead,
//!     #[role(rename = "posts:write")]
//!     PostsWrite,
//! }
//!
//! // `#[requires_role("post:write", role = Scope)]` would not compile.
//! #[requires_role("posts:write", role = Scope)]
//! async fn create_post() -> StatusCode {
//!     StatusCode::CREATED
//! }
//!
//! # let key = SigningKey::hs256(b"kvJ1bP0x8Zq3mW7nR2tY5uA9cD4fG6hK")?;
//! let auth = Authenticator::builder()
//! #   .keys(KeySet::verify_only([key.verifying_key().clone()])?)
//!     // .remote_jwks(..)
//!     .issuer("https://idp.example.com/")
//!     .audience("https://api.example.com")
//!     .roles_claim("scope")
//!     .build()?;
//! let app: Router = Router::new().route("/posts", post(create_post)).with_state(auth.clone());
//!
//! // A token whose payload has `"scope": "openid profile posts:write"`:
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Idp { sub: String, scope: String }
//! # impl auth::TokenClaims for Idp {
//! #     type Role = auth::claims::NoRole;
//! #     fn subject(&self) -> &str { &self.sub }
//! #     fn roles(&self) -> auth::Roles<auth::claims::NoRole> { auth::Roles::empty() }
//! # }
//! # let idp = Authenticator::builder().signing_key(key).issuer("https://idp.example.com/")
//! #     .audience("https://api.example.com").build()?;
//! # let token = idp.issue(&Idp { sub: "alice".into(), scope: "openid profile posts:write".into() })?.access_token;
//! let verified = auth.verify_without_revocation(&token)?;
//! let scopes = verified.roles::<Scope>();
//! assert!(scopes.contains(Scope::PostsWrite));
//! assert!(!scopes.contains(Scope::PostsRead));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The default `roles` claim is this crate's own and stays an array: a string there makes the
//! token invalid (security manual, TV-15). Names the enum does not know (`openid`, `profile`) grant
//! nothing.
//!
//! # Refresh policy of a remote JWKS
//!
//! - Fetched in the background every 5 minutes
//!   ([`refresh_interval`](RemoteJwksBuilder::refresh_interval)); a failed fetch is retried
//!   after the minimum interval.
//! - A token whose `kid` is unknown makes `authenticate` wait for one refresh and verify
//!   again. Such refreshes are single-flight and happen at most once per 30 seconds
//!   ([`min_refresh_interval`](RemoteJwksBuilder::min_refresh_interval)), whatever the number
//!   of tokens: a flood of made-up key ids costs one fetch per interval. Never per request.
//! - A fetch takes at most 10 seconds ([`timeout`](RemoteJwksBuilder::timeout)) and reads at
//!   most 1 MiB and 100 keys ([`JwksConfig`]).
//! - An unreachable endpoint, an error status, a timeout or a document without usable keys
//!   keeps the cached keys, and is logged (`tracing`, with the URL, never a token).
//! - A key that leaves the document stops verifying at the next refresh, also for tokens in
//!   the verified-token cache: entries are tagged with the key-set epoch that verified them.
//! - [`Authenticator::verify_without_revocation`](crate::Authenticator::verify_without_revocation) (synchronous) only ever uses the
//!   cached keys; [`Authenticator::authenticate`](crate::Authenticator::authenticate) (the
//!   extractors and the layer) refreshes on an unknown `kid`.
//!
//! # Security notes
//!
//! - **Keys come from configuration, never from a token** (security manual, TV-06, RFC 8725
//!   §3.10). The JWKS URL is the one the application configured; tokens carrying `jku`, `x5u`,
//!   `jwk`, `x5c` or `x5t` are refused before any key is looked up, and no token ever causes a
//!   request to a location it names. A token's `kid` only selects among the fetched keys; an
//!   unknown one causes at most the rate-limited refresh above.
//! - **The algorithm is never guessed**: each key is used with the algorithm its JWK's `alg`
//!   names, or [`JwksConfig::default_algorithm`](crate::jwks::JwksConfig::default_algorithm)
//!   (for providers such as Azure AD whose JWKS has no `alg`). Keys without either, `none`,
//!   shared secrets (`oct`, `HS*`), encryption keys and unsupported types are skipped.
//! - **`https` only**; plain `http` is accepted for loopback addresses (tests), never for
//!   another host: whoever can change the JWKS in transit can sign tokens.
//! - **Token type relaxation is opt-in.** RFC 9068 access tokens carry `typ: at+jwt`, and by
//!   default nothing else is accepted (security manual, TV-07): that is what stops an ID token or another JWT
//!   of the same issuer and key from passing as an access token. Keycloak and Auth0 write
//!   `typ: JWT` on access *and* ID tokens, so [`accept_token_type`] must be asked for, and then
//!   the audience is what tells them apart: make sure ID tokens do not carry your API's
//!   audience (Keycloak puts the client id there; Auth0 the client id too).
//! - **`jti` is required by default** (security manual, TV-14): it is the key of revocation. With
//!   [`require_jwt_id(false)`], a token without one is accepted but can never be revoked
//!   individually (logout cannot denylist it); keep such tokens short-lived.
//!
//! [`accept_token_type`]: crate::AuthenticatorBuilder::accept_token_type
//! [`require_jwt_id(false)`]: crate::AuthenticatorBuilder::require_jwt_id
//!
//! # The HTTP client (feature `jwks-remote`)
//!
//! hyper's own HTTP/1.1 client (hyper is in every axum build already) over rustls with the
//! aws-lc provider, and Mozilla's root certificates compiled in (webpki-roots), plus any CA
//! given to `RemoteJwksBuilder::root_certificates_pem`. One connection per fetch, no pool,
//! no redirects. aws-lc is the C library the `aws-lc-rs` backend builds too, so
//! `--all-features` builds one C crypto library, not two; with the default `rust-crypto`
//! backend the feature adds that build (about two minutes on two cores, once). A client
//! of your own goes through [`JwksFetcher`].

mod document;
mod fetch;
#[cfg(feature = "jwks-remote")]
mod http;
mod publish;
mod remote;
mod source;

pub use document::{JwksConfig, JwksError};
pub use fetch::{FetchFuture, JwksFetcher};
pub use jsonwebtoken::jwk::{Jwk, JwkSet};
pub use publish::{PublicKeys, WELL_KNOWN_PATH, router, router_at};
pub use remote::{RemoteJwks, RemoteJwksBuilder};

pub(crate) use source::KeySource;
