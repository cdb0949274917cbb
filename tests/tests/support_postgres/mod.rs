//! A PostgreSQL database of its own for each test, on the server named by
//! `AUTH_TEST_POSTGRES_URL` (`scripts/test` starts a throw-away cluster and sets it).
//!
//! Each test creates a fresh database, so tests run in parallel without seeing each other's
//! rows, and a migration test starts from nothing. Without the variable the tests print
//! that they were SKIPPED and pass; under `CI=true` they fail.
#![allow(dead_code, unreachable_pub, missing_docs)] // each test binary uses a subset

use std::io::Write as _;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions as _, Connection as _};

/// The variable naming the server: a URL whose user may create databases.
pub const URL_VARIABLE: &str = "AUTH_TEST_POSTGRES_URL";

/// Numbers the databases of one test binary (its process id tells binaries apart).
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database on the test server.
pub struct TestDatabase {
    /// Its URL, for the store or the demo server.
    pub url: String,
    /// Its name.
    pub name: String,
}

impl TestDatabase {
    /// Creates one for `test`, or returns `None` (after saying so loudly) when no server is
    /// configured. Under `CI=true` a missing server fails the test instead.
    pub async fn create(test: &str) -> Option<Self> {
        let Some(server) = std::env::var(URL_VARIABLE)
            .ok()
            .filter(|url| !url.is_empty())
        else {
            assert!(
                !std::env::var("CI").is_ok_and(|ci| ci == "true"),
                "{test}: {URL_VARIABLE} is not set, and CI=true requires the PostgreSQL tests \
                 to run (scripts/test starts a server and sets it)"
            );
            // Straight to the stderr handle: the test harness captures `eprintln!` of
            // passing tests, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** {test}: SKIPPED: no PostgreSQL server ({URL_VARIABLE} is not set; \
                 scripts/test starts one) ***\n"
            );
            return None;
        };
        // At most 63 bytes, lowercase: PostgreSQL's limit on names, unquoted.
        let mut name = format!(
            "auth_test_{}_{}_",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        name.extend(
            test.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .take(63 - name.len()),
        );
        let options: PgConnectOptions = server
            .parse()
            .unwrap_or_else(|err| panic!("{URL_VARIABLE} is not a PostgreSQL URL: {err}"));
        let mut admin = tokio::time::timeout(
            Duration::from_secs(10),
            PgConnection::connect_with(&options),
        )
        .await
        .unwrap_or_else(|_| panic!("{URL_VARIABLE}: no answer within 10 s"))
        .unwrap_or_else(|err| panic!("{URL_VARIABLE}: cannot connect: {err}"));
        // The name is ours, made of [a-z0-9_]: no quoting issue.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|err| panic!("CREATE DATABASE {name}: {err}"));
        let _ = admin.close().await;
        let url = options.database(&name).to_url_lossy().to_string();
        Some(Self { url, name })
    }

    /// [`create`](Self::create) for a test without a runtime of its own.
    pub fn create_blocking(test: &str) -> Option<Self> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(Self::create(test))
    }
}
