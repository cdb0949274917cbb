//! [`MethodRouter`]: axum's method router, taking only declared handlers and remembering
//! what each method requires.

use axum::handler::Handler;

use super::access::Access;
use super::declared::Declared;

/// axum's [`MethodRouter`](axum::routing::MethodRouter) that takes only handlers whose access
/// is declared ([`Declared`]), and keeps, for the [manifest](super::Manifest), what each
/// method requires. Made by [`get`](super::get), [`post`](super::post), ...; chained like
/// axum's (`get(list).post(create)`), and each chained handler is checked the same way.
#[must_use]
pub struct MethodRouter<S = ()> {
    pub(super) inner: axum::routing::MethodRouter<S>,
    pub(super) methods: Vec<(&'static str, Access)>,
}

impl<S> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// No method routed yet: every method answers 405.
    pub fn new() -> Self {
        Self {
            inner: axum::routing::MethodRouter::new(),
            methods: Vec::new(),
        }
    }

    /// The axum method router, without what each method requires.
    pub fn into_inner(self) -> axum::routing::MethodRouter<S> {
        self.inner
    }

    /// What each routed method requires (`*` for [`any`](super::any)).
    pub fn methods(&self) -> &[(&'static str, Access)] {
        &self.methods
    }
}

impl<S> Default for MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<S> std::fmt::Debug for MethodRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodRouter")
            .field("methods", &self.methods)
            .finish_non_exhaustive()
    }
}

/// A chained method and its free function, for each HTTP method axum routes by name.
macro_rules! method {
    ($name:ident, $method:literal) => {
        impl<S> MethodRouter<S>
        where
            S: Clone + Send + Sync + 'static,
        {
            #[doc = concat!("Routes `", $method, "` requests to `handler`, whose access must be declared.")]
            pub fn $name<H, T>(mut self, handler: H) -> Self
            where
                H: Handler<T, S>,
                T: Declared<S> + 'static,
            {
                self.inner = self.inner.$name(handler);
                self.methods.push(($method, T::access()));
                self
            }
        }

        #[doc = concat!("Routes `", $method, "` requests to `handler`, whose access must be declared: as [`axum::routing::", stringify!($name), "`], which does not ask.")]
        ///
        /// ```compile_fail
        /// // error: this handler does not declare who may call it
        /// async fn undeclared() {}
        #[doc = concat!("let _: auth::routing::Router = auth::routing::Router::new().route(\"/\", auth::routing::", stringify!($name), "(undeclared));")]
        /// ```
        pub fn $name<H, T, S>(handler: H) -> MethodRouter<S>
        where
            H: Handler<T, S>,
            T: Declared<S> + 'static,
            S: Clone + Send + Sync + 'static,
        {
            MethodRouter::new().$name(handler)
        }
    };
}

method!(get, "GET");
method!(head, "HEAD");
method!(post, "POST");
method!(put, "PUT");
method!(patch, "PATCH");
method!(delete, "DELETE");
method!(options, "OPTIONS");
method!(trace, "TRACE");
method!(connect, "CONNECT");

/// Routes requests of every method to `handler`, whose access must be declared: as
/// [`axum::routing::any`]. The manifest lists it with the method `*`.
pub fn any<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S>,
    T: Declared<S> + 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter {
        methods: vec![("*", T::access())],
        inner: axum::routing::any(handler),
    }
}
