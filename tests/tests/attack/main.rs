//! The attack suite: one module per class of attack (T transport and `Authorization`
//! header, S token structure, G algorithm and signature, H header parameters, C claims, L
//! login, R refresh, X logout and revocation, K cookies and CSRF, Z roles, D denial of
//! service). Each test is named after the behaviour it pins and cites the requirement it
//! guards; each forged request asserts the exact status, the `WWW-Authenticate` challenge and
//! the JSON `error`, and that the handler body did not run.
//!
//! One test binary rather than one per class: a single link of the dependency graph instead
//! of ten, which is most of the build time on a 2-core machine. Run one class with
//! `cargo test -p auth-tests --test attack structure::`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../support_cookies/mod.rs"]
mod support_cookies;
#[path = "../support_endpoints/mod.rs"]
mod support_endpoints;

mod claims;
mod cookies;
mod dos;
mod header;
mod login;
mod refresh;
mod revocation;
mod roles;
mod signature;
mod structure;
mod transport;

use auth::Authenticator;
use auth::keys::{Algorithm, KeySet, VerifyingKey};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{AUDIENCE, ISSUER, Reply, hs256_key, key, send};

/// 400 `invalid_request` with the bare `invalid_request` challenge: a malformed
/// `Authorization` header (RFC 6750 §3.1).
#[track_caller]
pub(crate) fn assert_malformed_request(reply: &Reply) {
    reply.assert_rejected(
        StatusCode::BAD_REQUEST,
        Some(r#"Bearer error="invalid_request""#),
        "invalid_request",
    );
}

/// 401 with a challenge that carries no error code: no credentials (RFC 6750 §3.1).
#[track_caller]
pub(crate) fn assert_no_credentials(reply: &Reply) {
    reply.assert_rejected(
        StatusCode::UNAUTHORIZED,
        Some(r#"Bearer realm="api""#),
        "unauthorized",
    );
}

/// 403 `insufficient_scope`.
#[track_caller]
pub(crate) fn assert_forbidden(reply: &Reply) {
    reply.assert_rejected(
        StatusCode::FORBIDDEN,
        Some(r#"Bearer error="insufficient_scope""#),
        "insufficient_scope",
    );
}

/// Sends `request` to a fresh app of `auth` and returns the reply and how many handler
/// bodies ran.
pub(crate) async fn attempt(auth: &Authenticator, request: Request<Body>) -> (Reply, usize) {
    let (app, runs) = common::app(auth.clone());
    let reply = send(&app, request).await;
    (reply, runs.count())
}

/// Asserts that `token` on `path` is refused as `invalid_token` with `description`, and that
/// no handler body ran.
#[track_caller]
pub(crate) fn refused(reply: &Reply, runs: usize, description: &str) {
    reply.assert_invalid_token(description);
    assert_eq!(runs, 0, "the handler ran for a refused token");
}

/// An authenticator of the common HS256 key on a fixed clock.
pub(crate) fn fixed_clock(now: u64) -> Authenticator {
    Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(move || now)
        .build()
        .unwrap()
}

/// The asymmetric public keys of the fixtures, each pinned to its algorithm and named.
pub(crate) fn public_key(alg: Algorithm, file: &str, kid: &str) -> VerifyingKey {
    VerifyingKey::from_pem(alg, key(file))
        .unwrap()
        .with_kid(kid)
        .unwrap()
}

/// HS256 (`k1`) plus RS256 (`rsa`), ES256 (`es`) and EdDSA (`ed`) public keys: the key set
/// of a service that signs with HMAC and trusts other issuers' asymmetric keys.
pub(crate) fn mixed_keys() -> KeySet {
    KeySet::new(hs256_key())
        .with_verifying_key(public_key(Algorithm::RS256, "rsa2048.pub.pem", "rsa"))
        .unwrap()
        .with_verifying_key(public_key(Algorithm::ES256, "p256.pub.pem", "es"))
        .unwrap()
        .with_verifying_key(public_key(Algorithm::EdDSA, "ed25519.pub.pem", "ed"))
        .unwrap()
}
