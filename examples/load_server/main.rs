//! The server side of the HTTP load harness (`scripts/load`): one bare handler and the same
//! handler behind each way of protecting it, on one runtime thread so the harness can pin it
//! to one core and compare requests per second side by side.
//!
//! `load_server <bind address> <token file>` writes a JSON object `{route: token}` to the token
//! file, then serves until killed. It also serves `POST /token` for one user (`load`, password
//! `load-password`, argon2id at OWASP parameters) for the login-flood scenario, and records
//! the median time of one hash under `"hash_ms"`. `WORKERS` sets the runtime threads
//! (default 1, for the pinned comparison).
//!
//! `/hs256-sqlite` and `/hs256-redis` are the `/hs256` guard with revocation checks against a
//! SQLite store (a database next to the token file) and a Redis store (at `REDIS_URL`; the
//! route is left out without it), each with a few revoked tokens. For the many-users
//! scenario, `USERS` (default 10,000) distinct valid HS256 tokens are written one per line to
//! the token file's name with the extension `users`; every HS256 route accepts them.

use std::net::SocketAddr;

use std::time::Instant;

use auth::claims::role_bit;
use auth::endpoints::{Endpoints, User, UserStore};
use auth::keys::{Algorithm, KeySet, SigningKey};
use auth::password::{PasswordConfig, Passwords};
use auth::store::{RedisStore, RevocationList, SqliteStore, StoreError};
use auth::{Authenticator, RequireRole, RoleEnum, Roles, TokenClaims};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Router, http::header::AUTHORIZATION};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
    Viewer,
}

impl RoleEnum for Role {
    const NAMES: &'static [&'static str] = &["admin", "viewer"];
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Self> {
        [Self::Admin, Self::Viewer].get(index).copied()
    }
}

const ADMIN: u64 = role_bit::<Role>("admin");

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    roles: Roles<Role>,
}

impl TokenClaims for Claims {
    type Role = Role;
    fn subject(&self) -> &str {
        &self.sub
    }
    fn roles(&self) -> Roles<Role> {
        self.roles
    }
}

const ISSUER: &str = "https://auth.load.test";
const AUDIENCE: &str = "load";
const HS256_SECRET: &[u8] = b"z7A4g6OzCEpxJ2ZF4FAiXoh-YjZK14sQ3-zQMwhZv_GP";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// `cache`: the verified-token cache capacity, `None` for the default.
fn authenticator(key: SigningKey, cache: Option<usize>) -> Authenticator {
    builder(key, cache).build().expect("valid configuration")
}

fn builder(key: SigningKey, cache: Option<usize>) -> auth::AuthenticatorBuilder {
    let builder = Authenticator::builder()
        .keys(KeySet::new(key))
        .issuer(ISSUER)
        .audience(AUDIENCE);
    match cache {
        Some(capacity) => builder.token_cache(capacity),
        None => builder,
    }
}

/// The `/hs256` authenticator, checking revocations against `store`, in which a few other
/// tokens are revoked (so the check looks into a denylist that is not empty).
async fn revoking(store: impl RevocationList) -> Result<Authenticator, Box<dyn std::error::Error>> {
    let expires_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        + 3600;
    for i in 0..100 {
        store.revoke(&format!("revoked-{i}"), expires_at).await?;
    }
    Ok(builder(SigningKey::hs256(HS256_SECRET)?, None)
        .revocation(store)
        .build()?)
}

async fn handler() -> &'static str {
    "ok"
}

async fn admin_only(_: RequireRole<Role, ADMIN>) -> &'static str {
    "ok"
}

/// The peer baseline: what an axum service writes by hand with `jsonwebtoken::decode`.
struct HandWritten;

#[derive(Clone)]
struct HandWrittenKeys {
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

#[derive(Deserialize)]
struct PeerClaims {
    roles: Vec<String>,
}

impl<S> FromRequestParts<S> for HandWritten
where
    S: Send + Sync,
    HandWrittenKeys: FromRef<S>,
{
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, StatusCode> {
        let keys = HandWrittenKeys::from_ref(state);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let data = jsonwebtoken::decode::<PeerClaims>(token, &keys.key, &keys.validation)
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
        if data.claims.roles.iter().any(|r| r == "admin") {
            Ok(Self)
        } else {
            Err(StatusCode::FORBIDDEN)
        }
    }
}

async fn hand_written(_: HandWritten) -> &'static str {
    "ok"
}

/// One user, for the login flood.
#[derive(Clone)]
struct OneUser {
    hash: String,
}

pub(crate) const LOGIN_PASSWORD: &str = "load-password";

impl UserStore for OneUser {
    type Claims = Claims;

    async fn find_by_username(&self, username: &str) -> Result<Option<User<Claims>>, StoreError> {
        Ok((username == "load").then(|| {
            User::new(
                Claims {
                    sub: "load".into(),
                    roles: Roles::from([Role::Viewer]),
                },
                self.hash.clone(),
            )
        }))
    }

    async fn find_by_subject(&self, subject: &str) -> Result<Option<User<Claims>>, StoreError> {
        self.find_by_username(subject).await
    }

    async fn update_password_hash(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The median wall time of one hash at the default (OWASP) parameters, in milliseconds.
async fn hash_time(passwords: &Passwords) -> Result<f64, Box<dyn std::error::Error>> {
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        passwords.hash(LOGIN_PASSWORD).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// `/hs256-sqlite`, and `/hs256-redis` when `REDIS_URL` is set, with their tokens. Their
/// denylist replicas run on the caller's runtime, as they would in an application.
async fn revoking_routes(
    token_path: &std::path::Path,
    claims: &Claims,
    tokens: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<Router, Box<dyn std::error::Error>> {
    let sqlite_url = format!("sqlite://{}", token_path.with_extension("db").display());
    let sqlite = revoking(SqliteStore::connect(&sqlite_url).await?).await?;
    tokens.insert(
        "/hs256-sqlite".into(),
        sqlite.issue(claims)?.access_token.into(),
    );
    let mut app = Router::new()
        .route("/hs256-sqlite", get(admin_only))
        .with_state(sqlite);
    if let Ok(url) = std::env::var("REDIS_URL") {
        let redis = revoking(RedisStore::connect(&url).await?).await?;
        tokens.insert(
            "/hs256-redis".into(),
            redis.issue(claims)?.access_token.into(),
        );
        app = app.merge(
            Router::new()
                .route("/hs256-redis", get(admin_only))
                .with_state(redis),
        );
    }
    Ok(app)
}

/// Many users: `USERS` distinct tokens (each its own `sub` and `jti`), one per line.
fn write_users(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let users = std::env::var("USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000usize);
    let issuer = authenticator(SigningKey::hs256(HS256_SECRET)?, None);
    let mut lines = String::new();
    for user in 0..users {
        let claims = Claims {
            sub: format!("user-{user}"),
            roles: Roles::from([Role::Admin]),
        };
        lines.push_str(&issuer.issue(&claims)?.access_token);
        lines.push('\n');
    }
    std::fs::write(path, lines)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let bind: SocketAddr = args
        .next()
        .ok_or("usage: load_server <bind> <token file>")?
        .parse()?;
    let token_file = args
        .next()
        .ok_or("usage: load_server <bind> <token file>")?;

    let claims = Claims {
        sub: "load".into(),
        roles: Roles::from([Role::Admin]),
    };
    let workers = std::env::var("WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(1);
    // One worker thread by default: the harness pins the process to one core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;

    let mut tokens = serde_json::Map::new();
    let mut app = Router::new().route("/bare", get(handler));

    // The verified-token cache: `None` for the default capacity, `Some(0)` for none.
    let variants = [
        ("/hs256", SigningKey::hs256(HS256_SECRET)?, None),
        ("/hs256-uncached", SigningKey::hs256(HS256_SECRET)?, Some(0)),
        (
            "/rs256",
            SigningKey::from_pem(Algorithm::RS256, fixture("rsa2048.pem"))?,
            None,
        ),
        (
            "/rs256-uncached",
            SigningKey::from_pem(Algorithm::RS256, fixture("rsa2048.pem"))?,
            Some(0),
        ),
        (
            "/es256",
            SigningKey::from_pem(Algorithm::ES256, fixture("p256.pem"))?,
            None,
        ),
        (
            "/eddsa",
            SigningKey::from_pem(Algorithm::EdDSA, fixture("ed25519.pem"))?,
            None,
        ),
    ];
    for (path, key, cache) in variants {
        let auth = authenticator(key, cache);
        tokens.insert(path.into(), auth.issue(&claims)?.access_token.into());
        app = app.merge(Router::new().route(path, get(admin_only)).with_state(auth));
    }

    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    let peer = HandWrittenKeys {
        key: jsonwebtoken::DecodingKey::from_secret(HS256_SECRET),
        validation,
    };
    tokens.insert("/jsonwebtoken".into(), tokens["/hs256"].clone());
    app = app.merge(
        Router::new()
            .route("/jsonwebtoken", get(hand_written))
            .with_state(peer),
    );

    let token_path = std::path::Path::new(&token_file);
    app = app.merge(runtime.block_on(revoking_routes(token_path, &claims, &mut tokens))?);
    write_users(&token_path.with_extension("users"))?;

    // The login endpoint, on the HS256 authenticator.
    let login_auth = authenticator(SigningKey::hs256(HS256_SECRET)?, None);
    let passwords = Passwords::new(PasswordConfig::default())?;
    let (hash, hash_ms) = runtime.block_on(async {
        let hash = passwords.hash(LOGIN_PASSWORD).await?;
        Ok::<_, Box<dyn std::error::Error>>((hash, hash_time(&passwords).await?))
    })?;
    tokens.insert("hash_ms".into(), hash_ms.into());
    let endpoints = Endpoints::builder(login_auth, OneUser { hash })
        .passwords(passwords)
        .build()?;
    app = app.merge(endpoints.router());

    std::fs::write(&token_file, serde_json::to_vec(&tokens)?)?;

    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })?;
    Ok(())
}
