//! The database: one pool for users, posts, service clients and (without Redis) the auth
//! store, on SQLite (the default) or PostgreSQL.
//!
//! The demo's SQL is simple enough to be written once for both: parameters are `$1`, `$2`,
//! … (PostgreSQL's form, which SQLite reads too), and the column types decode to the same
//! Rust types (`BIGINT`/`INTEGER` as `i64`, `BOOLEAN`/`INTEGER` as `bool`). Each query is
//! expanded for both pools by [`with_db!`], so it stays checked against each driver's types;
//! only the schemas differ (`migrations/` and `migrations/postgres/`).

use std::str::FromStr;

use sqlx::SqlSafeStr as _;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// Which database a `DATABASE_URL` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `sqlite:…`: a file (created on first start) or memory.
    Sqlite,
    /// `postgres://…` or `postgresql://…`: an existing database on a server.
    Postgres,
}

impl Kind {
    /// The kind of `url`, by its scheme; `None` for any other database.
    pub(crate) fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// The application's pool.
#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Evaluates `$body` with `$pool` bound to the concrete pool of `$db`, once per driver: the
/// SQL is written once, and each expansion is type-checked against its driver.
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_db;

/// Opens the database and brings the schema up to date. A SQLite file is created on first
/// start; a PostgreSQL database must exist (its tables are created).
pub(crate) async fn open(url: &str) -> Result<Db, sqlx::Error> {
    match Kind::of(url) {
        Some(Kind::Sqlite) => {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new().connect_with(options).await?;
            migrator(SQLITE_MIGRATIONS).run(&pool).await?;
            Ok(Db::Sqlite(pool))
        }
        Some(Kind::Postgres) => {
            let pool = PgPoolOptions::new().connect(url).await?;
            migrator(POSTGRES_MIGRATIONS).run(&pool).await?;
            Ok(Db::Postgres(pool))
        }
        None => Err(sqlx::Error::Configuration(
            "DATABASE_URL must be a sqlite: or postgres:// URL".into(),
        )),
    }
}

/// One schema's migrations: version, description, SQL.
type Migrations = [(i64, &'static str, &'static str); 2];

const SQLITE_MIGRATIONS: Migrations = [
    (
        1,
        "users and posts",
        include_str!("migrations/0001_users_and_posts.sql"),
    ),
    (
        2,
        "service clients",
        include_str!("migrations/0002_service_clients.sql"),
    ),
];

const POSTGRES_MIGRATIONS: Migrations = [
    (
        1,
        "users and posts",
        include_str!("migrations/postgres/0001_users_and_posts.sql"),
    ),
    (
        2,
        "service clients",
        include_str!("migrations/postgres/0002_service_clients.sql"),
    ),
];

/// The migrations, embedded in the binary. (`sqlx::migrate!` does the same at compile time but
/// needs sqlx's `macros` feature and its compile-time dependencies; listing them is cheaper.)
fn migrator(migrations: Migrations) -> Migrator {
    Migrator::with_migrations(
        migrations
            .into_iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    version,
                    description.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}
