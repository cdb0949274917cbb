//! One `tracing` event per refused request, so a 401 or 403 can be diagnosed from the logs:
//! target `auth`, the reason code ([`AuthError::reason_code`]), the status and the route,
//! never the token or anything read from it. Ordinary refusals (no token, a bad or expired
//! one, a missing role) are `debug`; what points at the server (a store down, a claims type
//! that cannot hold the tokens the guards accept) is `warn`.
//!
//! See them with `RUST_LOG=auth=debug`.

use axum::extract::MatchedPath;
use axum::http::request::Parts;

use crate::error::{AuthError, ErrorKind};

/// Logs the refusal of the request of `parts` with `err`.
pub(crate) fn log(parts: &Parts, err: &AuthError) {
    let route = route(parts);
    let status = err.status().as_u16();
    let reason = err.reason_code();
    match err.kind() {
        ErrorKind::Unavailable | ErrorKind::Internal => {
            tracing::warn!(target: "auth", reason, status, route, "request refused");
        }
        _ => tracing::debug!(target: "auth", reason, status, route, "request refused"),
    }
}

/// Logs that a verified token, accepted by the guards, does not deserialize into the
/// application's claims type `claims_type`: a mismatch between the issuer and the claims
/// type, which no client can fix. `detail` names the field, never a value.
pub(crate) fn log_claims_mismatch(parts: &Parts, claims_type: &str, detail: &str) {
    tracing::warn!(
        target: "auth",
        reason = "claims_type",
        status = 401u16,
        route = route(parts),
        claims_type,
        detail,
        "a valid token does not fit the claims type: the request is refused; make the field \
         optional (`#[serde(default)]`) or issue tokens that carry it"
    );
}

/// The route template (`/posts/{id}`) when the router matched one, else the path.
fn route(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<MatchedPath>()
        .map_or_else(|| parts.uri.path(), MatchedPath::as_str)
}
