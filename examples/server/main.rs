//! The demo application: login, refresh, logout, and routes protected by role, on SQLite or
//! PostgreSQL (`DATABASE_URL`), and Redis when `REDIS_URL` is set; optionally cookies for
//! browsers (`AUTH_COOKIES`) and an asymmetric signing key published as a JWKS
//! (`AUTH_SIGNING_ALG`).
//!
//! ```sh
//! cargo run --release --example server              # serves on 127.0.0.1:3000
//! printf 'a-long-password\n' | cargo run --release --example server -- add-user alice --role editor
//! ```
//!
//! Configuration is by environment variables; see `config.rs` and the README.

mod browser;
mod clients;
mod config;
mod db;
mod docs;
mod openapi;
mod policies;
mod posts;
mod routes;
mod signing;
mod telemetry;
mod users;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use auth::Authenticator;
use auth::endpoints::Endpoints;
use auth::password::{PasswordConfig, Passwords};
use auth::routing::{Router, delete, get};
use auth::store::{PostgresStore, RedisStore, RefreshStore, RevocationList, SqliteStore};
use tokio::io::AsyncBufReadExt as _;

use clients::Clients;
use config::Config;
use db::Db;
use routes::{AppState, Started};
use users::{Role, Users};

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match args
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] | ["serve"] => serve(Config::from_env()?).await,
            ["routes"] => print_routes(&Config::from_env()?).await,
            ["add-user", name, "--role", role] => add_user(Config::from_env()?, name, role).await,
            _ => Err(USAGE.into()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

const USAGE: &str = "usage: server [serve] | server routes | \
                     server add-user NAME --role admin|editor|viewer \
                     (the password is read from standard input)";

async fn serve(config: Config) -> Result<(), Error> {
    // The key first: a bad key file stops the server before the database is created.
    let key = signing::load(&config)?;
    let db = db::open(&config.database_url).await?;
    let users = Users::new(db.clone());
    let passwords = Passwords::new(PasswordConfig::default())?;
    if let Some(password) = users::seed(&users, &passwords, config.demo_password.as_deref()).await?
    {
        // Printed once, at the first start, to the console only: it is not in the logs.
        println!("seeded users admin, editor and viewer with the password: {password}");
    }
    let clients = Clients::new(db.clone());
    if let Some(secret) =
        clients::seed(&clients, &passwords, config.demo_client_secret.as_deref()).await?
    {
        // Printed once too: the secret of the service client (`client_credentials`).
        println!(
            "seeded the service client {} (scope {}) with the secret: {secret}",
            clients::DEMO_CLIENT,
            clients::DEMO_CLIENT_SCOPES
        );
    }

    // Refresh tokens and revoked access tokens: in Redis when several instances share it,
    // else next to the users, in SQLite or PostgreSQL. All three survive a restart.
    let (refresh, revocation): (Arc<dyn RefreshStore>, Arc<dyn RevocationList>) =
        match &config.redis_url {
            Some(url) => {
                let store = RedisStore::connect(url).await?;
                tracing::info!("refresh tokens and revocations in Redis");
                (Arc::new(store.clone()), Arc::new(store))
            }
            None => match &db {
                Db::Sqlite(pool) => {
                    let store = SqliteStore::new(pool.clone()).await?;
                    (Arc::new(store.clone()), Arc::new(store))
                }
                Db::Postgres(pool) => {
                    let store = PostgresStore::new(pool.clone()).await?;
                    tracing::info!("users, posts, refresh tokens and revocations in PostgreSQL");
                    (Arc::new(store.clone()), Arc::new(store))
                }
            },
        };

    let mut builder = Authenticator::builder()
        .signing_key(key.key)
        .issuer(&config.issuer)
        .audience(&config.audience)
        .revocation_shared(revocation);
    if config.cookies {
        builder = builder.cookies(browser::cookie_config(config.bind, key.csrf_key.as_ref()));
        tracing::info!("cookie transport on; the browser page is at /");
    }
    let auth = builder.build()?;

    let endpoints = Endpoints::builder(auth.clone(), users.clone())
        .store_shared(refresh)
        .passwords(passwords)
        .clients(clients)
        .build()?;
    openapi::init(&endpoints, config.cookies);

    let state = AppState {
        auth,
        db,
        users,
        started: Started(Instant::now()),
    };
    let app = routes(&config, &state.auth, &endpoints)
        .layer(axum::middleware::from_fn(telemetry::log_requests))
        .with_state(state);

    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    // With the peer address, logins are throttled per client address too.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// The routes: the demo's own, the token endpoints, and those the configuration adds. Every
/// one declares who may call it (`auth::routing` takes nothing else), and the manifest of
/// this router is `server routes`.
fn routes(config: &Config, auth: &Authenticator, endpoints: &Endpoints<Users>) -> Router<AppState> {
    let mut app = Router::new()
        .route("/health", get(routes::health))
        .route("/openapi.json", get(openapi::document))
        .merge(docs::router())
        .route("/me", get(routes::me))
        .route("/admin/stats", get(routes::admin_stats))
        .route("/reports", get(routes::reports))
        .route("/posts", get(routes::list_posts).post(routes::create_post))
        .route(
            "/posts/{id}",
            delete(routes::delete_post).put(routes::update_post),
        )
        .merge(endpoints.routes());
    // HMAC secrets are never published: with HS256 there is nothing to serve, and the route
    // stays absent (404) rather than answering a key set that can verify nothing.
    if !config.signing_alg.is_symmetric() {
        app = app.merge_public(
            auth::jwks::WELL_KNOWN_PATH,
            auth::jwks::router(auth.clone()),
        );
    }
    if config.cookies {
        app = app.merge(browser::router());
    }
    app
}

/// `routes`: prints who may call each route of the server this configuration runs, without
/// opening the database or reading the signing key. `examples/server/routes.txt` holds the
/// output for the default configuration, and a test compares them.
async fn print_routes(config: &Config) -> Result<(), Error> {
    // The routes do not depend on the key or on the users: stand-ins do.
    let auth = Authenticator::builder()
        .signing_key(auth::keys::SigningKey::generate_hmac(
            auth::keys::Algorithm::HS256,
        )?)
        .issuer(&config.issuer)
        .audience(&config.audience)
        .build()?;
    let users = Users::new(db::open("sqlite::memory:").await?);
    let endpoints = Endpoints::builder(auth.clone(), users).build()?;
    print!("{}", routes(config, &auth, &endpoints).manifest());
    Ok(())
}

/// `add-user NAME --role ROLE`: the password comes from standard input (never the command
/// line, where other users of the machine can read it).
async fn add_user(config: Config, name: &str, role: &str) -> Result<(), Error> {
    let role: Role = role.parse().map_err(|_| {
        format!(
            "unknown role `{role}`; expected one of: {}",
            <Role as auth::RoleEnum>::NAMES.join(", ")
        )
    })?;
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err("the user name must be 1 to 64 characters of A-Z a-z 0-9 . _ -".into());
    }
    let mut line = String::new();
    tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 8 {
        return Err("the password (read from standard input) must be at least 8 characters".into());
    }
    let users = Users::new(db::open(&config.database_url).await?);
    let passwords = Passwords::new(PasswordConfig::default())?;
    let hash = passwords.hash(password).await?;
    if !users.insert(name, &hash, role).await? {
        return Err(format!("the user `{name}` already exists").into());
    }
    println!("added user {name} with the role {role}");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM: requests in flight finish, then the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A random password of 20 base64url characters (120 bits).
pub(crate) fn random_password() -> Result<String, Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|err| format!("random number generator: {err}"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 63)]))
        .collect())
}
