//! The SQLite database: one pool for users, posts and (without Redis) the auth store.

use std::str::FromStr;

use sqlx::SqlSafeStr as _;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// Opens the database, creating the file on first start, and brings the schema up to date.
pub(crate) async fn open(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new().connect_with(options).await?;
    migrator().run(&pool).await?;
    Ok(pool)
}

/// The migrations, embedded in the binary. (`sqlx::migrate!` does the same at compile time but
/// needs sqlx's `macros` feature and its compile-time dependencies; listing them is cheaper.)
fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            "users and posts".into(),
            MigrationType::Simple,
            include_str!("migrations/0001_users_and_posts.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "service clients".into(),
            MigrationType::Simple,
            include_str!("migrations/0002_service_clients.sql").into_sql_str(),
            false,
        ),
    ])
}
