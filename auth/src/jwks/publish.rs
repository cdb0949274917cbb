//! `GET /.well-known/jwks.json`: the issuer's public keys.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::JwkSet;
use crate::keys::KeySet;

/// What [`router`] publishes: public keys as they are at each request. Implemented for
/// [`Authenticator`](crate::Authenticator) (its current key set) and for a [`KeySet`].
pub trait PublicKeys: Clone + Send + Sync + 'static {
    /// The public keys as a JWKS document; HMAC keys are never included.
    fn public_keys(&self) -> JwkSet;
}

impl PublicKeys for KeySet {
    fn public_keys(&self) -> JwkSet {
        self.jwks()
    }
}

/// Where JWKS documents are conventionally served (RFC 8414 and OpenID Connect Discovery
/// point `jwks_uri` at it).
pub const WELL_KNOWN_PATH: &str = "/.well-known/jwks.json";

/// The `Cache-Control` of the published document: verifiers may keep it 5 minutes. Publish a
/// new key at least that long before signing with it.
pub(crate) const CACHE_CONTROL: &str = "public, max-age=300";

/// A router serving the public keys of `auth` (an [`Authenticator`](crate::Authenticator) or a
/// [`KeySet`]) at [`WELL_KNOWN_PATH`], for any router state:
/// merge it into the application's router.
///
/// The answer is `200` with `Content-Type: application/json` and
/// `Cache-Control: public, max-age=300`: `{"keys": [..]}` with each asymmetric verifying key
/// as a JWK (`kty`, `kid`, `alg`, `use: sig` and the public components). HMAC keys are never
/// listed. It is computed from the current key set at each request, so a key set that
/// changes is published as it is.
///
/// ```
/// use auth::Authenticator;
/// use axum::{Router, routing::get};
///
/// # let auth = auth::testing::authenticator();
/// let app: Router = Router::new()
///     .route("/health", get(|| async { "ok" }))
///     .merge(auth::jwks::router(auth));
/// ```
pub fn router<S, K: PublicKeys>(auth: K) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router_at(auth, WELL_KNOWN_PATH)
}

/// [`router`] at another path.
///
/// # Panics
///
/// If `path` does not start with `/`, as [`Router::route`] does.
pub fn router_at<S, K: PublicKeys>(auth: K, path: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(path, get(serve::<K>)).with_state(auth)
}

async fn serve<K: PublicKeys>(State(keys): State<K>) -> Response {
    match serde_json::to_vec(&keys.public_keys()) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, CACHE_CONTROL),
            ],
            body,
        )
            .into_response(),
        // A JWK serializes to strings and arrays only; this is not expected to happen.
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize the JWKS");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
