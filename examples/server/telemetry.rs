//! Structured logs: one line per request (method, path, status, latency, and the reason code
//! of an auth failure). Never a token, a password, a query string or a header.

use std::io::IsTerminal as _;
use std::str::FromStr;
use std::time::Instant;

use auth::error::AuthFailure;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Logs at `info` by default; `RUST_LOG` takes `level` or `target=level,...` directives.
pub(crate) fn init() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| Targets::from_str(&directives).ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    // Logs go to stderr (stdout carries only the one-time seeded password), in colour only
    // when someone is looking.
    let stderr = std::io::stderr();
    let colour = stderr.is_terminal();
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(colour)
                .with_target(false),
        )
        .with(filter)
        .init();
}

/// The request log. The path is logged without its query: a token in a query string (which
/// this server never accepts) must not end up in the logs either.
pub(crate) async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros();
    match response.extensions().get::<AuthFailure>() {
        Some(failure) => {
            tracing::info!(%method, path, status, micros, auth_failure = failure.reason, "request");
        }
        None => tracing::info!(%method, path, status, micros, "request"),
    }
    response
}
