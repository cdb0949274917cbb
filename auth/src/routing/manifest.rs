//! The authorization manifest: every route and method of a router, with what it requires.

use std::fmt;

use super::access::Access;

/// Every route and method of a [`Router`](super::Router) with its [`Access`], sorted by path
/// and then method. Its `Display` is a stable text table, one route per line:
///
/// ```text
/// GET     /admin/stats   role admin
/// DELETE  /posts/{id}    role admin; fresh
/// GET     /posts         public
/// ```
///
/// Checked into the repository and compared by a test, it makes every change to who may call
/// what show up in code review.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    routes: Vec<RouteAccess>,
}

/// One method of one route, and what it requires.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteAccess {
    /// `GET`, `POST`, ..., or `*` for a handler of every method (`any`).
    pub method: &'static str,
    /// The path as routed, with its parameters (`/posts/{id}`).
    pub path: String,
    /// What it requires.
    pub access: Access,
}

/// The order methods are listed in, for a route with several.
const METHOD_ORDER: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "*",
];

impl Manifest {
    /// The routes, sorted by path and then method.
    pub fn routes(&self) -> &[RouteAccess] {
        &self.routes
    }

    /// What `method` on `path` (as routed: `/posts/{id}`) requires, if the router has it.
    pub fn access(&self, method: &str, path: &str) -> Option<&Access> {
        self.routes
            .iter()
            .find(|route| route.method == method && route.path == path)
            .map(|route| &route.access)
    }

    pub(super) fn push(&mut self, method: &'static str, path: String, access: Access) {
        self.routes.push(RouteAccess {
            method,
            path,
            access,
        });
        self.sort();
    }

    pub(super) fn extend(&mut self, other: Self) {
        self.routes.extend(other.routes);
        self.sort();
    }

    /// The same routes under `prefix` (`Router::nest`).
    pub(super) fn nested(self, prefix: &str) -> Self {
        let prefix = prefix.trim_end_matches('/');
        Self {
            routes: self
                .routes
                .into_iter()
                .map(|route| RouteAccess {
                    path: if route.path == "/" {
                        prefix.to_owned()
                    } else {
                        format!("{prefix}{}", route.path)
                    },
                    ..route
                })
                .collect(),
        }
    }

    fn sort(&mut self) {
        let rank = |method: &str| METHOD_ORDER.iter().position(|m| *m == method);
        self.routes
            .sort_by(|a, b| (&a.path, rank(a.method)).cmp(&(&b.path, rank(b.method))));
    }
}

impl fmt::Display for Manifest {
    /// One line per route: the method, the path and the access, in aligned columns.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method_width = self
            .routes
            .iter()
            .map(|r| r.method.len())
            .max()
            .unwrap_or(0);
        let path_width = self.routes.iter().map(|r| r.path.len()).max().unwrap_or(0);
        for route in &self.routes {
            writeln!(
                f,
                "{:<method_width$}  {:<path_width$}  {}",
                route.method, route.path, route.access
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_sorted_and_aligned() {
        let mut manifest = Manifest::default();
        manifest.push("POST", "/posts".into(), Access::authenticated());
        manifest.push("GET", "/posts".into(), Access::public());
        manifest.push("GET", "/health".into(), Access::public());
        assert_eq!(
            manifest.to_string(),
            "GET   /health  public\nGET   /posts   public\nPOST  /posts   authenticated\n"
        );
        assert_eq!(
            manifest.access("POST", "/posts"),
            Some(&Access::authenticated())
        );
        assert_eq!(manifest.access("PUT", "/posts"), None);
    }

    #[test]
    fn nesting_prefixes_every_path() {
        let mut manifest = Manifest::default();
        manifest.push("GET", "/".into(), Access::public());
        manifest.push("GET", "/users".into(), Access::public());
        let nested = manifest.nested("/api/");
        let paths: Vec<&str> = nested.routes().iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/api", "/api/users"]);
    }
}
