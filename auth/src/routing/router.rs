//! [`Router`]: axum's router, taking only declared routes and keeping their manifest.

use std::convert::Infallible;

use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::Route;
use tower_layer::Layer;
use tower_service::Service;

use super::access::Access;
use super::manifest::Manifest;
use super::method_router::MethodRouter;

/// axum's [`Router`](axum::Router) whose routes all declare who may call them, and which
/// lists them: [`manifest`](Self::manifest).
///
/// It takes the [`MethodRouter`]s of [`auth::routing`](super)'s functions, so every handler
/// in it is `#[public]` or guarded. Serve it as axum's (`into_make_service`, or
/// `axum::Router::from(router)`), and merge it into an axum router where some routes stay
/// undeclared (`axum_router.merge(router)`).
#[must_use]
pub struct Router<S = ()> {
    inner: axum::Router<S>,
    manifest: Manifest,
}

impl<S> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// A router without routes.
    pub fn new() -> Self {
        Self {
            inner: axum::Router::new(),
            manifest: Manifest::default(),
        }
    }

    /// Routes `path` to `method_router`, as [`axum::Router::route`].
    ///
    /// # Panics
    ///
    /// As axum's: if `path` is invalid (empty, without a leading `/`) or a method is routed
    /// twice for it. Both are mistakes in the code that builds the router, found the first
    /// time it runs.
    pub fn route(mut self, path: &str, method_router: MethodRouter<S>) -> Self {
        let MethodRouter { inner, methods } = method_router;
        self.inner = self.inner.route(path, inner);
        for (method, access) in methods {
            self.manifest.push(method, path.to_owned(), access);
        }
        self
    }

    /// Adds the routes of `other`, as [`axum::Router::merge`].
    ///
    /// # Panics
    ///
    /// As axum's: if both route the same method on the same path.
    pub fn merge(mut self, other: Self) -> Self {
        self.inner = self.inner.merge(other.inner);
        self.manifest.extend(other.manifest);
        self
    }

    /// Routes the routes of `other` under `path`, as [`axum::Router::nest`].
    ///
    /// # Panics
    ///
    /// As axum's: if `path` is invalid, or is `/`.
    pub fn nest(mut self, path: &str, other: Self) -> Self {
        self.inner = self.inner.nest(path, other.inner);
        self.manifest.extend(other.manifest.nested(path));
        self
    }

    /// Merges a router built with plain axum (static files, a third-party router) and
    /// declares every route of it public. Its routes cannot be read back one by one, so
    /// `paths` names them in the manifest, with the method `*` (`"/docs/*"`). Everything
    /// merged this way is reachable without a token: it is the one way in that no guard
    /// checks, and the manifest says so.
    pub fn merge_public(mut self, paths: &str, router: impl Into<axum::Router<S>>) -> Self {
        self.inner = self.inner.merge(router);
        self.manifest.push("*", paths.to_owned(), Access::public());
        self
    }

    /// Applies `layer` to every route, as [`axum::Router::layer`].
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.inner = self.inner.layer(layer);
        self
    }

    /// Applies `layer` to the routes only, not the fallback, as
    /// [`axum::Router::route_layer`].
    pub fn route_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.inner = self.inner.route_layer(layer);
        self
    }

    /// Provides the state, as [`axum::Router::with_state`]; the manifest is kept.
    pub fn with_state<S2>(self, state: S) -> Router<S2> {
        Router {
            inner: self.inner.with_state(state),
            manifest: self.manifest,
        }
    }

    /// Every route and method, with what it requires.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The axum router.
    pub fn into_inner(self) -> axum::Router<S> {
        self.inner
    }

    /// Both halves: the axum router and the manifest.
    pub fn into_parts(self) -> (axum::Router<S>, Manifest) {
        (self.inner, self.manifest)
    }

    /// A router whose routes this crate declares itself (the token endpoints): `routes`
    /// lists each method and path with what it requires.
    pub(crate) fn declared(
        inner: axum::Router<S>,
        routes: impl IntoIterator<Item = (&'static str, String, Access)>,
    ) -> Self {
        let mut manifest = Manifest::default();
        for (method, path, access) in routes {
            manifest.push(method, path, access);
        }
        Self { inner, manifest }
    }
}

impl Router {
    /// For `axum::serve`, as [`axum::Router::into_make_service`].
    pub fn into_make_service(self) -> axum::routing::IntoMakeService<axum::Router> {
        self.inner.into_make_service()
    }

    /// For `axum::serve` with the peer's address, as
    /// [`axum::Router::into_make_service_with_connect_info`].
    pub fn into_make_service_with_connect_info<C>(
        self,
    ) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, C> {
        self.inner.into_make_service_with_connect_info()
    }
}

impl<S> Default for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<S> std::fmt::Debug for Router<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("manifest", &self.manifest)
            .finish_non_exhaustive()
    }
}

impl<S> From<Router<S>> for axum::Router<S> {
    fn from(router: Router<S>) -> Self {
        router.inner
    }
}
