//! Middleware-based validation: a tower layer that refuses every request without a valid
//! access token.
//!
//! ```
//! use auth::{Authenticated, Authenticator};
//! use auth::keys::SigningKey;
//! use axum::{Router, routing::get};
//!
//! # fn app() -> Result<Router, Box<dyn std::error::Error>> {
//! let auth = Authenticator::builder()
//!     .signing_key(SigningKey::generate_hmac(auth::keys::Algorithm::HS256)?)
//!     .issuer("https://auth.example.com")
//!     .audience("api")
//!     .build()?;
//!
//! let internal = Router::new()
//!     .route("/metrics", get(|| async { "..." }))
//!     .route("/whoami", get(|me: Authenticated| async move { me.subject().to_owned() }))
//!     // Every route above needs a valid token; the extractors reuse the verified token.
//!     .layer(auth.layer())
//!     .with_state(auth);
//! # Ok(internal) }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::Authenticator;
use crate::extract::require;

impl Authenticator {
    /// A tower layer that refuses every request under it without a valid access token, and
    /// leaves the verified token for the extractors.
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.clone())
    }
}

/// Applies [`AuthService`]: see the [module docs](self).
#[derive(Clone, Debug)]
pub struct AuthLayer {
    auth: Authenticator,
}

impl AuthLayer {
    /// A layer that authenticates with `auth`.
    pub fn new(auth: Authenticator) -> Self {
        Self { auth }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// Refuses requests without a valid access token with the contract's 400/401 responses;
/// passes the others on with the verified token in their extensions.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    auth: Authenticator,
}

impl<S> AuthService<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The service that was driven to readiness is the one to call; leave a fresh clone in
        // its place (https://docs.rs/tower/latest/tower/trait.Service.html#be-careful-when-cloning-inner-services).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            // The body is not `Sync`: only the head is borrowed across the verification.
            let (mut parts, body) = request.into_parts();
            // The extractors' own path (the token remembered for them when that saves work).
            match require(&auth, &mut parts).await {
                Ok(_) => inner.call(Request::from_parts(parts, body)).await,
                Err(err) => Ok(err.into_response()),
            }
        })
    }
}
