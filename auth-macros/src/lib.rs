//! Procedural macros of the [`auth`](https://docs.rs/auth) crate: `#[derive(Role)]`,
//! `#[derive(Permission)]`, `#[derive(Claims)]`, `#[protected]`, `#[requires_role(..)]` and
//! `#[requires_permission(..)]`.
//!
//! Use them through `auth`, which re-exports them (`use auth::{Claims, Role, protected,
//! requires_role};`): the code they generate names `::auth` paths only.
//!
//! Each macro is parse → validate → expand over `proc_macro2` (so it is unit-tested outside
//! the compiler), reports every independent mistake at once with a span on the tokens at
//! fault, and never panics on its input. When a role name cannot be checked by the macro
//! itself (it cannot see the role enum), the generated code has rustc check it at compile
//! time, with the error on the string literal.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proc_macro::TokenStream;

mod case;
mod claims;
mod errors;
mod guard;
mod private;
mod role;
mod shared;

/// Requires a valid access token: without one, the handler answers 401 and its body does not
/// run.
///
/// Inserts an `auth::Authenticated` guard as the handler's **first** argument, so it runs
/// before every other extractor; nothing else about the function changes. The router's state
/// must give access to the `auth::Authenticator` (`Authenticator: FromRef<S>`).
///
/// # Example
///
/// ```
/// use auth::{Auth, Authenticator, Claims, protected};
/// use axum::{Json, Router, routing::get};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Claims, Serialize, Deserialize)]
/// struct UserClaims {
///     sub: String,
///     email: String,
/// }
///
/// #[protected]
/// async fn me(Auth(user): Auth<UserClaims>) -> Json<UserClaims> {
///     Json(user)
/// }
///
/// #[protected]
/// async fn health_for_users() -> &'static str {
///     "ok"
/// }
///
/// let app: Router = Router::new()
///     .route("/me", get(me))
///     .route("/health", get(health_for_users))
///     .with_state(auth::testing::authenticator());
/// ```
///
/// Equivalent code without the macro:
///
/// ```
/// # use axum::{Router, routing::get};
/// async fn health_for_users(_: auth::Authenticated) -> &'static str {
///     "ok"
/// }
/// # let app: Router = Router::new().route("/", get(health_for_users))
/// #     .with_state(auth::testing::authenticator());
/// ```
///
/// (The macro's parameter is named with mixed-site hygiene, so the body can neither see nor
/// shadow it. To read the token's subject, take `auth::Authenticated` or `auth::Auth<C>` as
/// an ordinary argument instead.)
///
/// # Fresh tokens
///
/// `#[protected(fresh)]` also requires the token to be *fresh*: issued by a password login,
/// not by a refresh. A valid token that is not fresh gets 401 `invalid_token` with the
/// description `"A fresh login is required"`: the client asks for the password again. For
/// changing a password or an e-mail address, deleting an account, paying.
///
/// ```
/// use auth::protected;
/// use axum::http::StatusCode;
///
/// #[protected(fresh)]
/// async fn delete_account() -> StatusCode {
///     StatusCode::NO_CONTENT
/// }
/// # let _: axum::Router = axum::Router::new()
/// #     .route("/account", axum::routing::delete(delete_account))
/// #     .with_state(auth::testing::authenticator());
/// ```
///
/// Equivalent code without the macro (the fresh guard authenticates too):
///
/// ```
/// # use axum::http::StatusCode;
/// async fn delete_account(_: auth::RequireFresh) -> StatusCode {
///     StatusCode::NO_CONTENT
/// }
/// # let _: axum::Router = axum::Router::new()
/// #     .route("/account", axum::routing::delete(delete_account))
/// #     .with_state(auth::testing::authenticator());
/// ```
///
/// With roles, write `#[requires_role("admin", fresh)]`, or stack `#[protected(fresh)]` above
/// `#[requires_role("admin")]`: both check the role first (403 without it), then freshness.
///
/// # OpenAPI
///
/// With `auth`'s `utoipa` feature, put the attribute **above** `#[utoipa::path(..)]`: it adds
/// `security(("bearer" = []))` and a 401 response to that operation, unless the attribute
/// already lists `security(..)` or a 401 response. Register `auth::openapi::SecurityAddon`
/// as a modifier of the document, which defines the `bearer` scheme. (Below
/// `#[utoipa::path]`, the path expands first and nothing is added.)
///
/// ```
/// use auth::openapi::SecurityAddon;
/// use utoipa::OpenApi;
///
/// #[auth::protected]
/// #[utoipa::path(get, path = "/me", responses((status = 200, body = String)))]
/// async fn me() -> String {
///     String::new()
/// }
///
/// #[derive(OpenApi)]
/// #[openapi(paths(me), modifiers(&SecurityAddon))]
/// struct ApiDoc;
///
/// let doc = serde_json::to_value(ApiDoc::openapi())?;
/// assert_eq!(doc["paths"]["/me"]["get"]["security"][0]["bearer"], serde_json::json!([]));
/// assert!(doc["paths"]["/me"]["get"]["responses"]["401"].is_object());
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Compile errors
///
/// `#[protected]` takes no arguments but `fresh`; roles are `#[requires_role]`'s job:
///
/// ```compile_fail
/// # use auth::protected;
/// #[protected("admin")] // error: `#[protected]` takes no arguments but `fresh`; use `#[requires_role("...")]` ...
/// async fn purge() {}
/// # fn main() {}
/// ```
///
/// Handlers must be `async fn`, and cannot take `self`:
///
/// ```compile_fail
/// # use auth::protected;
/// #[protected] // error: `#[protected]` handlers must be `async fn`
/// fn me() -> &'static str { "me" }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::protected;
/// struct Api;
/// impl Api {
///     #[protected] // error: `#[protected]` cannot be used on methods that take `self`
///     async fn me(&self) {}
/// }
/// # fn main() {}
/// ```
///
/// # Limitations
///
/// - Put it **above** `#[axum::debug_handler]`, so `debug_handler` checks the signature with
///   the guard in it; when the handler has no `State` extractor, tell `debug_handler` the
///   state type, as in `#[axum::debug_handler(state = AppState)]`. Put it above
///   `#[utoipa::path]` too.
/// - The guard takes one of the 16 arguments axum handlers may have.
/// - Free functions and associated functions only: not methods taking `self`.
#[proc_macro_attribute]
pub fn protected(args: TokenStream, item: TokenStream) -> TokenStream {
    guard::expand(guard::Kind::Protected, args.into(), item.into()).into()
}

/// Requires a valid access token whose roles include one of the given roles: 401 without a
/// valid token, 403 `insufficient_scope` without the role; either way the body does not run.
///
/// The arguments are one of:
///
/// - `"admin"`: this role;
/// - `any("admin", "editor")`: at least one of these roles;
/// - `all("editor", "auditor")`: every one of these roles;
///
/// optionally followed (or preceded) by `role = path::MyRole` to name the role enum; by
/// default it is the type named `Role` where the handler is; and by `fresh` to also require a
/// fresh token (issued by a password login, not a refresh; see [`macro@protected`]), checked
/// after the role. Roles granted through the hierarchy (`#[role(implies(..))]`) count.
/// Stacked attributes all apply (AND).
///
/// Role names are checked at compile time against the enum's wire names: a misspelt name
/// does not build, and the error lists the valid ones. The check at run time is a mask and a
/// compare on a bitset cached with the verified token.
///
/// Inserts an `auth::RequireRole` (or, for `all(..)`, `auth::RequireAllRoles`) guard as
/// the handler's **first** argument, so a caller without the role never has the request
/// body read; nothing else about the function changes.
///
/// # Example
///
/// ```
/// use auth::{Authenticator, Role, requires_role};
/// use axum::extract::{Path, State};
/// use axum::http::StatusCode;
/// use axum::{Json, Router, routing::{delete, post}};
///
/// #[derive(Role)]
/// enum Role {
///     #[role(implies(Editor))]
///     Admin,
///     Editor,
///     Auditor,
/// }
///
/// #[requires_role("admin")]
/// async fn purge(State(_auth): State<Authenticator>, Path(id): Path<u64>) -> StatusCode {
///     StatusCode::NO_CONTENT
/// }
///
/// // Admins are editors too (`implies`), so they may post as well.
/// #[requires_role(any("editor", "auditor"))]
/// async fn create(Json(post): Json<String>) -> (StatusCode, Json<String>) {
///     (StatusCode::CREATED, Json(post))
/// }
///
/// let app: Router = Router::new()
///     .route("/posts/{id}", delete(purge))
///     .route("/posts", post(create))
///     .with_state(auth::testing::authenticator());
/// ```
///
/// With another role enum, and stacked:
///
/// ```
/// # use auth::{Authenticator, requires_role};
/// # use axum::{Router, routing::post};
/// mod ops {
///     #[derive(auth::Role)]
///     pub enum OpsRole {
///         Oncall,
///         #[role(rename = "sre-lead")]
///         SreLead,
///     }
/// }
///
/// #[requires_role("oncall", role = ops::OpsRole)]
/// #[requires_role("sre-lead", role = ops::OpsRole)] // and
/// async fn failover() -> &'static str {
///     "switched"
/// }
/// # let app: Router = Router::new().route("/", post(failover))
/// #     .with_state(auth::testing::authenticator());
/// ```
///
/// Equivalent code without the macro:
///
/// ```
/// # use auth::{Authenticator, Role, RequireAllRoles, RequireRole};
/// # use axum::{Router, routing::get};
/// use auth::claims::role_bit;
/// # #[derive(Role)] enum Role { Admin, Editor, Auditor }
///
/// async fn purge(_: RequireRole<Role, { role_bit::<Role>("admin") }>) {}
///
/// async fn create(
///     _: RequireRole<Role, { role_bit::<Role>("editor") | role_bit::<Role>("auditor") }>,
/// ) {}
///
/// async fn review(
///     _: RequireAllRoles<Role, { role_bit::<Role>("editor") | role_bit::<Role>("auditor") }>,
/// ) {}
/// # let app: Router = Router::new().route("/a", get(purge)).route("/b", get(create))
/// #     .route("/c", get(review)).with_state(auth::testing::authenticator());
/// ```
///
/// (The macro names the parameter with mixed-site hygiene, so the body can neither see nor
/// shadow it, and gives each role of a group its own `const`, so every misspelt name is
/// reported, not only the first.)
///
/// # Compile errors
///
/// A role the enum does not define; the error points at the literal:
///
/// ```compile_fail
/// # use auth::{Role, requires_role};
/// #[derive(Role)]
/// enum Role { Admin, Editor }
///
/// #[requires_role("admni")] // error: unknown role `admni` in `Role`; expected one of: `admin`, `editor`
/// async fn purge() {}
/// # fn main() {}
/// ```
///
/// No role, a role that is not a string literal, or several roles without saying whether
/// one or all are needed:
///
/// ```compile_fail
/// # use auth::{Role, requires_role};
/// # #[derive(Role)] enum Role { Admin }
/// #[requires_role()] // error: `#[requires_role]` needs at least one role, as in `#[requires_role("admin")]`
/// async fn purge() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::{Role, requires_role};
/// # #[derive(Role)] enum Role { Admin }
/// #[requires_role(Role::Admin)] // error: `#[requires_role]` takes role names as string literals; write `"admin"`
/// async fn purge() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::{Role, requires_role};
/// # #[derive(Role)] enum Role { Admin, Editor }
/// #[requires_role("admin", "editor")] // error: ... write `any("admin", "editor")` to require one of them, ...
/// async fn publish() {}
/// # fn main() {}
/// ```
///
/// Handlers must be `async fn`:
///
/// ```compile_fail
/// # use auth::{Role, requires_role};
/// # #[derive(Role)] enum Role { Admin }
/// #[requires_role("admin")] // error: `#[requires_role]` handlers must be `async fn`
/// fn purge() {}
/// # fn main() {}
/// ```
///
/// # Limitations
///
/// - Role names are string literals (constants cannot be named in the attribute).
/// - Without `role = ..`, a type named `Role` must be in scope where the handler is.
/// - Put it **above** `#[axum::debug_handler]` and `#[utoipa::path]` (see
///   [`macro@protected`]).
/// - The guard takes one of the 16 arguments axum handlers may have; `fresh` and each stacked
///   attribute take one more. Stacked guards verify the token once: it is cached per request.
///
/// # OpenAPI
///
/// With `auth`'s `utoipa` feature and the attribute **above** `#[utoipa::path(..)]`, the
/// operation gets its security requirement and 401/403 responses from the attribute: the
/// roles are listed in the requirement (OpenAPI 3.1 allows role names for any scheme), one
/// requirement per way in, so `any("editor", "admin")` gives
/// `security(("bearer" = ["editor"]), ("bearer" = ["admin"]))` and `all(..)` one requirement
/// with every role; stacked attributes combine. A `security(..)` or a 401/403 response the
/// attribute already lists is kept as written.
/// - Free functions and associated functions only: not methods taking `self`.
#[proc_macro_attribute]
pub fn requires_role(args: TokenStream, item: TokenStream) -> TokenStream {
    guard::expand(guard::Kind::RequiresRole, args.into(), item.into()).into()
}

/// Requires a valid access token that grants one of the given permissions: 401 without a
/// valid token, 403 `insufficient_scope` without the permission, with
/// `WWW-Authenticate: Bearer error="insufficient_scope", scope="posts:delete"` naming what
/// was needed (RFC 6750 §3); either way the body does not run and the request body is not
/// read.
///
/// A token's permissions are what its roles grant (`#[role(grants(..))]` on a
/// `#[derive(Role)]` enum with `#[role(permissions = Permission)]`, the hierarchy included)
/// plus what its `scope` claim names (a string of space-separated names, as OAuth servers
/// and `client_credentials` tokens carry; the claim's name is
/// `AuthenticatorBuilder::scope_claim`). Names no variant has grant nothing.
///
/// The arguments take the same forms as [`macro@requires_role`]'s:
///
/// - `"posts:delete"`: this permission;
/// - `any("posts:write", "posts:delete")`: at least one of these;
/// - `all("posts:write", "reports:read")`: every one of these;
///
/// optionally with `permission = path::MyPermission` to name the permission enum (by
/// default the type named `Permission` where the handler is) and `fresh`. Stacked
/// attributes, and `#[requires_role]` or `#[protected]` stacked with it, all apply (AND).
///
/// Names are checked at compile time against the enum's wire names. The check at run time is
/// a mask and a compare on bits cached with the verified token: no allocation and no string
/// comparison per request.
///
/// # Example
///
/// ```
/// use auth::{Permission, Role, requires_permission};
/// use axum::http::StatusCode;
/// use axum::{Router, routing::{delete, put}};
///
/// #[derive(Permission, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Permission {
///     #[permission(rename = "posts:write")]
///     PostsWrite,
///     #[permission(rename = "posts:delete")]
///     PostsDelete,
///     ReportsRead, // "reports_read"
/// }
///
/// #[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
/// #[role(permissions = Permission)]
/// enum Role {
///     #[role(grants(PostsWrite, PostsDelete, ReportsRead))]
///     Admin,
///     #[role(grants(PostsWrite))]
///     Editor,
///     #[role(grants())]
///     Viewer,
/// }
///
/// #[requires_permission("posts:delete")]
/// async fn delete_post() -> StatusCode {
///     StatusCode::NO_CONTENT
/// }
///
/// #[requires_permission(any("posts:write", "posts:delete"))]
/// async fn edit() -> StatusCode {
///     StatusCode::NO_CONTENT
/// }
///
/// let app: Router = Router::new()
///     .route("/posts/{id}", delete(delete_post).put(edit))
///     .with_state(auth::testing::authenticator());
/// ```
///
/// Equivalent code without the macro:
///
/// ```
/// # use auth::Permission;
/// # #[derive(Permission, Clone, Copy)]
/// # enum Permission {
/// #     #[permission(rename = "posts:write")] PostsWrite,
/// #     #[permission(rename = "posts:delete")] PostsDelete,
/// # }
/// use auth::{RequireAllPermissions, RequirePermission};
/// use auth::claims::permission_bit;
///
/// async fn delete_post(
///     _: RequirePermission<Permission, { permission_bit::<Permission>("posts:delete") }>,
/// ) {}
///
/// async fn edit(
///     _: RequirePermission<
///         Permission,
///         { permission_bit::<Permission>("posts:write") | permission_bit::<Permission>("posts:delete") },
///     >,
/// ) {}
///
/// async fn moderate(
///     _: RequireAllPermissions<
///         Permission,
///         { permission_bit::<Permission>("posts:write") | permission_bit::<Permission>("posts:delete") },
///     >,
/// ) {}
/// # let _: axum::Router = axum::Router::new()
/// #     .route("/a", axum::routing::get(delete_post))
/// #     .route("/b", axum::routing::get(edit))
/// #     .route("/c", axum::routing::get(moderate))
/// #     .with_state(auth::testing::authenticator());
/// ```
///
/// # Compile errors
///
/// A permission the enum does not define; the error points at the literal:
///
/// ```compile_fail
/// # use auth::{Permission, requires_permission};
/// #[derive(Permission)]
/// enum Permission {
///     #[permission(rename = "posts:delete")]
///     PostsDelete,
/// }
///
/// #[requires_permission("posts:delte")] // error: unknown permission `posts:delte` in `Permission`; expected one of: `posts:delete`
/// async fn delete_post() {}
/// # fn main() {}
/// ```
///
/// No permission, a permission that is not a string literal, or several without saying
/// whether one or all are needed:
///
/// ```compile_fail
/// # use auth::{Permission, requires_permission};
/// # #[derive(Permission)] enum Permission { PostsWrite }
/// #[requires_permission()] // error: `#[requires_permission]` needs at least one permission, ...
/// async fn publish() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::{Permission, requires_permission};
/// # #[derive(Permission)] enum Permission { PostsWrite }
/// #[requires_permission(Permission::PostsWrite)] // error: ... takes permission names as string literals; write `"posts_write"`
/// async fn publish() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::{Permission, requires_permission};
/// # #[derive(Permission)] enum Permission { PostsWrite, PostsDelete }
/// #[requires_permission("posts_write", "posts_delete")] // error: ... write `any("posts_write", "posts_delete")` ...
/// async fn publish() {}
/// # fn main() {}
/// ```
///
/// # Limitations
///
/// - Permission names are string literals.
/// - Without `permission = ..`, a type named `Permission` must be in scope where the handler
///   is.
/// - Put it **above** `#[axum::debug_handler]` and `#[utoipa::path]` (see
///   [`macro@protected`]).
/// - Free functions and associated functions only: not methods taking `self`.
///
/// # OpenAPI
///
/// With `auth`'s `utoipa` feature and the attribute **above** `#[utoipa::path(..)]`, the
/// operation lists the required permissions in its security requirement, as
/// [`macro@requires_role`] lists roles, and gets its 401 and 403 responses.
#[proc_macro_attribute]
pub fn requires_permission(args: TokenStream, item: TokenStream) -> TokenStream {
    guard::expand(guard::Kind::RequiresPermission, args.into(), item.into()).into()
}

/// Declares a handler reachable without a token. It checks nothing: it says, where the
/// handler is written, that being public is deliberate, so that
/// [`auth::routing`](../auth/routing/index.html), which takes only handlers whose access is
/// declared, accepts it, and its manifest lists it as `public`.
///
/// ```
/// use auth::public;
/// use auth::routing::{Router, get};
///
/// #[public]
/// async fn health() -> &'static str {
///     "ok"
/// }
///
/// let app: Router = Router::new().route("/health", get(health));
/// assert_eq!(app.manifest().to_string(), "GET  /health  public\n");
/// ```
///
/// # Without the macro
///
/// It inserts the zero-cost marker `auth::Public` as the first argument:
///
/// ```
/// async fn health(_: auth::Public) -> &'static str {
///     "ok"
/// }
/// # let _: auth::routing::Router = auth::routing::Router::new().route("/health", auth::routing::get(health));
/// ```
///
/// # Errors
///
/// A handler cannot be both public and guarded:
///
/// ```compile_fail
/// # use auth::{protected, public};
/// #[public]
/// #[protected] // error: `#[public]` cannot be combined with `#[protected]`
/// async fn me() {}
/// # fn main() {}
/// ```
///
/// It takes no arguments, and only on an `async fn`:
///
/// ```compile_fail
/// # use auth::public;
/// #[public(everyone)] // error: `#[public]` takes no arguments
/// async fn health() {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    guard::public::expand(args.into(), item.into()).into()
}

/// Requires a valid access token that each named [policy](../auth/policy/index.html) allows
/// for this request: object-level authorization ("only the author may edit this post"),
/// typed, where Spring writes SpEL strings that fail at run time.
///
/// - no valid token: 401, before the policy reads anything of the request;
/// - the policy says [`Deny`](../auth/policy/enum.Decision.html): 403 `insufficient_scope`;
/// - it says `NotFound`: its 404 (a caller who may not see a resource cannot tell it
///   exists);
/// - it cannot decide (its error): 500, logged; never allowed.
///
/// Either way the handler's body does not run and the request's body is not read.
/// `#[authorize(A, B)]` runs both (AND); stacked with `#[requires_role]`,
/// `#[requires_permission]` or `#[protected]`, the policies run after their checks, whatever
/// the order of the attributes, since those are a mask and a compare and a policy may query a
/// database.
///
/// ```
/// use auth::policy::{BoxError, Decision, Policy};
/// use auth::token::VerifiedToken;
/// use auth::{Role, authorize, requires_role};
/// use axum::extract::Path;
///
/// #[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Role { Admin, Editor }
///
/// /// Users may edit their own profile only.
/// struct OwnProfile;
///
/// impl<S: Send + Sync> Policy<S> for OwnProfile {
///     type Input = Path<String>;
///
///     async fn check(token: &VerifiedToken, Path(user): Path<String>) -> Result<Decision, BoxError> {
///         Ok(if user == token.subject() { Decision::Allow } else { Decision::Deny })
///     }
/// }
///
/// #[requires_role(any("editor", "admin"))]
/// #[authorize(OwnProfile)]
/// async fn edit_profile(Path(user): Path<String>) -> String {
///     format!("{user} edited")
/// }
/// # let _: auth::routing::Router<auth::Authenticator> = auth::routing::Router::new()
/// #     .route("/users/{user}", auth::routing::put(edit_profile));
/// ```
///
/// # Without the macro
///
/// It inserts `auth::Authorize<OwnProfile>` first (after the other guards, in one tuple with
/// them when several are stacked):
///
/// ```
/// # use auth::policy::{BoxError, Decision, Policy};
/// # use auth::token::VerifiedToken;
/// # use axum::extract::Path;
/// # struct OwnProfile;
/// # impl<S: Send + Sync> Policy<S> for OwnProfile {
/// #     type Input = Path<String>;
/// #     async fn check(t: &VerifiedToken, Path(u): Path<String>) -> Result<Decision, BoxError> {
/// #         Ok(if u == t.subject() { Decision::Allow } else { Decision::Deny })
/// #     }
/// # }
/// async fn edit_profile(_: auth::Authorize<OwnProfile>, Path(user): Path<String>) -> String {
///     format!("{user} edited")
/// }
/// # let _: auth::routing::Router<auth::Authenticator> = auth::routing::Router::new()
/// #     .route("/users/{user}", auth::routing::put(edit_profile));
/// ```
///
/// # Errors
///
/// A policy is named by its type:
///
/// ```compile_fail
/// # use auth::authorize;
/// #[authorize("OwnsPost")] // error: `#[authorize]` takes policy types
/// async fn edit() {}
/// # fn main() {}
/// ```
///
/// A policy written for another router state does not fit the handler's router, and the
/// error names the policy (`OwnsPost` is not a policy for the router state `..`).
#[proc_macro_attribute]
pub fn authorize(args: TokenStream, item: TokenStream) -> TokenStream {
    guard::authorize::expand(args.into(), item.into()).into()
}

/// Makes a fieldless enum an application's set of permissions (OAuth scopes): each variant
/// gets a wire name, and the enum gets `auth::PermissionEnum`, serde
/// `Serialize`/`Deserialize`, `Display` and `FromStr`.
///
/// - **Wire names** are the variant names in snake_case (`ReportsRead` → `reports_read`), or
///   `#[permission(rename = "posts:write")]`. A name must be usable as an OAuth scope
///   (printable ASCII without spaces, `"` or `\`), since tokens carry permissions in their
///   `scope` claim and 403 challenges name them.
/// - **Roles grant them**: put `#[role(permissions = Permission)]` on the
///   [`macro@Role`] enum and `#[role(grants(..))]` on each of its variants. Without a role
///   enum that names it, a permission enum is granted by scopes alone (machine clients).
/// - At most 64 permissions, numbered in declaration order (no explicit discriminants).
///
/// # Example
///
/// ```
/// use auth::{Permission, PermissionEnum, Permissions};
///
/// #[derive(Permission, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Permission {
///     #[permission(rename = "posts:write")]
///     PostsWrite,
///     ReportsRead,
/// }
///
/// assert_eq!(Permission::NAMES, ["posts:write", "reports_read"]);
/// assert_eq!("reports_read".parse::<Permission>(), Ok(Permission::ReportsRead));
/// assert_eq!(Permissions::from([Permission::PostsWrite, Permission::ReportsRead]).to_scope(),
///            "posts:write reports_read");
/// ```
///
/// Equivalent code without the macro (serde, `Display` and `FromStr` as for
/// [`macro@Role`]):
///
/// ```
/// use auth::PermissionEnum;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum Permission { PostsWrite, ReportsRead }
///
/// impl PermissionEnum for Permission {
///     const NAMES: &'static [&'static str] = &["posts:write", "reports_read"];
///
///     fn index(&self) -> usize {
///         *self as usize
///     }
///     fn from_index(index: usize) -> Option<Self> {
///         [Self::PostsWrite, Self::ReportsRead].get(index).copied()
///     }
///     // Only when a role enum grants these permissions (`impl GrantedByRoles for
///     // Permission`, which `#[role(permissions = Permission)]` writes):
///     // fn role_grants<'a>(role_names: impl IntoIterator<Item = &'a str>) -> u64 {
///     //     auth::claims::granted_by_roles::<Self>(role_names)
///     // }
/// }
/// ```
///
/// # Compile errors
///
/// ```compile_fail
/// # use auth::Permission;
/// #[derive(Permission)]
/// enum Permission {
///     #[permission(rename = "posts write")] // error: permission name `posts write` cannot be an OAuth scope: ...
///     PostsWrite,
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::Permission;
/// #[derive(Permission)]
/// enum Permission {
///     PostsWrite = 4, // error: `#[derive(Permission)]` numbers the permissions in order; remove the discriminant of `PostsWrite`
/// }
/// # fn main() {}
/// ```
///
/// The other errors are those of [`macro@Role`]: fields, generics, duplicate or empty names,
/// unknown or repeated `#[permission]` keys.
#[proc_macro_derive(Permission, attributes(permission))]
pub fn derive_permission(input: TokenStream) -> TokenStream {
    role::derive(role::Flavor::Permission, input.into()).into()
}

/// Makes a fieldless enum an application's set of roles: each variant gets a wire name, and
/// the enum gets `auth::RoleEnum`, serde `Serialize`/`Deserialize`, `Display` and
/// `FromStr`.
///
/// `#[derive(Role)]` alone is enough; derive `Clone`, `Copy`, `PartialEq`, `Eq`, `Hash` or
/// `Debug` as you need them (for example `Eq + Hash` for a `HashSet<Role>` of claims).
///
/// - **Wire names** are the variant names in snake_case, by serde's rule
///   (`SuperAdmin` → `super_admin`), or `#[role(rename = "...")]`. Names are matched exactly.
/// - **Hierarchy**: `#[role(implies(Editor, Viewer))]` on a variant grants those roles too,
///   transitively; the derive writes the closed table (`auth::RoleEnum::IMPLIES`).
/// - **Tokens**: in a token's role list, names the enum does not know grant nothing and are
///   not an error (a newer deployment may know more roles). One `Role` deserialized on its own
///   is strict: an unknown name is an error listing the known ones.
/// - **Permissions**: `#[role(permissions = Permission)]` on the enum names a
///   [`macro@Permission`] enum, and then **every** variant says what it grants with
///   `#[role(grants(PostsWrite, ..))]` (`grants()` for nothing): a role without it does not
///   compile, so adding a role forces the decision. A role also grants what the roles it
///   implies grant. The table is built at compile time; [`macro@requires_permission`] checks
///   it.
///
/// # Example
///
/// ```
/// use auth::{Role, RoleEnum, Roles};
///
/// #[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Role {
///     #[role(implies(Editor))]
///     Admin,
///     #[role(implies(Viewer))]
///     Editor,
///     Viewer,
///     #[role(rename = "billing-admin")]
///     BillingAdmin,
/// }
///
/// assert_eq!(Role::NAMES, ["admin", "editor", "viewer", "billing-admin"]);
/// assert_eq!(Role::Editor.to_string(), "editor");
/// assert_eq!("viewer".parse::<Role>(), Ok(Role::Viewer));
/// assert_eq!(serde_json::to_string(&Role::BillingAdmin)?, r#""billing-admin""#);
/// assert!(serde_json::from_str::<Role>(r#""root""#).is_err());
///
/// // Admin implies editor, which implies viewer.
/// assert!(Roles::from([Role::Admin]).grants(Role::Viewer));
/// assert!(!Roles::from([Role::Viewer]).grants(Role::Editor));
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// Equivalent code without the macro:
///
/// ```
/// use auth::RoleEnum;
/// use auth::claims::UnknownRole;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum Role { Admin, Editor, Viewer, BillingAdmin }
///
/// impl RoleEnum for Role {
///     const NAMES: &'static [&'static str] = &["admin", "editor", "viewer", "billing-admin"];
///     // Bit i is role i; each role grants itself and what it implies, transitively.
///     const IMPLIES: &'static [u64] = &[0b0111, 0b0110, 0b0100, 0b1000];
///
///     fn index(&self) -> usize {
///         *self as usize
///     }
///     fn from_index(index: usize) -> Option<Self> {
///         [Self::Admin, Self::Editor, Self::Viewer, Self::BillingAdmin].get(index).copied()
///     }
/// }
///
/// impl serde::Serialize for Role {
///     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
///         s.serialize_str(self.name())
///     }
/// }
///
/// impl<'de> serde::Deserialize<'de> for Role {
///     fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
///         let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
///         Role::from_name(&name)
///             .ok_or_else(|| serde::de::Error::unknown_variant(&name, Self::NAMES))
///     }
/// }
///
/// impl std::fmt::Display for Role {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.pad(self.name())
///     }
/// }
///
/// impl std::str::FromStr for Role {
///     type Err = UnknownRole;
///     fn from_str(name: &str) -> Result<Self, UnknownRole> {
///         Role::from_name(name).ok_or(UnknownRole)
///     }
/// }
/// ```
///
/// # Compile errors
///
/// Variants cannot have fields, and the derive works on enums only:
///
/// ```compile_fail
/// # use auth::Role;
/// #[derive(Role)]
/// enum Role {
///     Admin,
///     Custom(String), // error: `#[derive(Role)]` needs a fieldless enum; remove the fields of `Custom`
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::Role;
/// #[derive(Role)]
/// struct Role { name: String } // error: `#[derive(Role)]` only works on fieldless enums, ...
/// # fn main() {}
/// ```
///
/// The hierarchy must name variants of the enum and have no cycle:
///
/// ```compile_fail
/// # use auth::Role;
/// #[derive(Role)]
/// enum Role {
///     #[role(implies(Editor))]
///     Admin,
///     #[role(implies(Admin))] // error: cycle in the role hierarchy: `Admin` -> `Editor` -> `Admin`; ...
///     Editor,
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::Role;
/// #[derive(Role)]
/// enum Role {
///     #[role(implies(Edtor))] // error: unknown role `Edtor` in `implies`; expected one of: `Admin`, `Editor`
///     Admin,
///     Editor,
/// }
/// # fn main() {}
/// ```
///
/// Wire names are unique, and each attribute is given once:
///
/// ```compile_fail
/// # use auth::Role;
/// #[derive(Role)]
/// enum Role {
///     Admin,
///     #[role(rename = "admin")] // error: duplicate role name `admin`: `Admin` already has it
///     Root,
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::Role;
/// #[derive(Role)]
/// enum Role {
///     #[role(rename = "root", rename = "superuser")] // error: duplicate `#[role]` attribute `rename`
///     Admin,
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::Role;
/// #[derive(Role)]
/// enum Role {
///     #[role(renam = "root")] // error: unknown `#[role]` attribute `renam`; expected one of: `rename`, `implies`, `grants`
///     Admin,
/// }
/// # fn main() {}
/// ```
///
/// With `permissions = ..`, every role says what it grants, and grants name variants of the
/// permission enum:
///
/// ```compile_fail
/// # use auth::{Permission, Role};
/// # #[derive(Permission)] enum Permission { PostsWrite }
/// #[derive(Role)]
/// #[role(permissions = Permission)]
/// enum Role {
///     #[role(grants(PostsWrite))]
///     Editor,
///     Viewer, // error: role `Viewer` does not say what it grants: add `#[role(grants(..))]`, ...
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// # use auth::{Permission, Role};
/// # #[derive(Permission)] enum Permission { PostsWrite }
/// #[derive(Role)]
/// #[role(permissions = Permission)]
/// enum Role {
///     #[role(grants(PostsWirte))] // error[E0599]: no variant or associated item named `PostsWirte` found for enum `Permission`
///     Editor,
/// }
/// # fn main() {}
/// ```
///
/// # Limitations
///
/// - At most 64 roles (one bit each in a `u64`); no generic parameters.
/// - The role index is the declaration order: reordering variants is fine (tokens carry
///   names), renaming a wire name is not (tokens already issued carry the old name).
#[proc_macro_derive(Role, attributes(role))]
pub fn derive_role(input: TokenStream) -> TokenStream {
    role::derive(role::Flavor::Role, input.into()).into()
}

/// Makes a struct the custom claims of an application's access tokens: implements
/// `auth::TokenClaims`, so it works with `auth.issue(&claims)` and `Auth<MyClaims>`.
///
/// - The **subject** (`sub`, the user id) is the field named `sub`, or the one marked
///   `#[claims(subject)]`. It must be a string (`String`, `Box<str>`, ...).
/// - The **roles** are the field named `roles`, or the one marked `#[claims(roles)]`: an
///   `auth::Roles<Role>` (recommended: a bitset), `Vec<Role>`, `[Role; N]`, `HashSet<Role>`,
///   `BTreeSet<Role>`, `Option<Role>` or a single `Role` of a `#[derive(Role)]` enum. Without
///   one, the claims carry no roles.
/// - The registered claims (`iss`, `aud`, `exp`, `nbf`, `iat`, `jti`) belong to the library:
///   a field serialized under one of those names is a compile error.
///
/// Derive serde's `Serialize` and `Deserialize` next to it: claims are written into tokens
/// and read back. `#[serde(rename = "..")]` and `#[serde(rename_all = "..")]` are taken into
/// account for the names above.
///
/// # Example
///
/// ```
/// use auth::{TokenClaims, Claims, Role};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
/// enum Role { Admin, Viewer }
///
/// #[derive(Claims, Serialize, Deserialize)]
/// struct UserClaims {
///     sub: String,
///     roles: Vec<Role>,
///     email: String,
/// }
///
/// #[derive(Claims, Serialize, Deserialize)]
/// struct ServiceClaims {
///     #[claims(subject)]
///     service_id: String,
///     #[claims(roles)]
///     grants: auth::Roles<Role>,
/// }
///
/// let auth = auth::testing::authenticator();
/// let claims = UserClaims { sub: "alice".into(), roles: vec![Role::Viewer], email: "a@x.io".into() };
/// let token = auth.issue(&claims)?.access_token;
///
/// let verified = auth.verify_without_revocation(&token)?;
/// assert_eq!(verified.subject(), "alice");
/// let back: UserClaims = verified.claims()?;
/// assert_eq!(back.roles(), auth::Roles::from([Role::Viewer]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Equivalent code without the macro:
///
/// ```
/// # use auth::Role;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Role, Clone, Copy)] enum Role { Admin, Viewer }
/// use auth::{TokenClaims, Roles};
/// use auth::claims::RoleCollection;
///
/// #[derive(Serialize, Deserialize)]
/// struct UserClaims {
///     sub: String,
///     roles: Vec<Role>,
///     email: String,
/// }
///
/// impl TokenClaims for UserClaims {
///     type Role = Role;
///     // The roles field's name in the JSON: unknown role names are dropped from it before
///     // the claims are deserialized, so they grant nothing and are not an error.
///     const ROLES_MEMBER: Option<&'static str> = Some("roles");
///
///     fn subject(&self) -> &str {
///         &self.sub
///     }
///     fn roles(&self) -> Roles<Role> {
///         self.roles.to_roles()
///     }
/// }
/// ```
///
/// # Compile errors
///
/// A subject is required:
///
/// ```compile_fail
/// # use auth::Claims;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Claims, Serialize, Deserialize)]
/// struct UserClaims { // error: `#[derive(Claims)]` needs a subject field: name a `String` field `sub`, ...
///     user: String,
/// }
/// # fn main() {}
/// ```
///
/// Registered claims are the library's:
///
/// ```compile_fail
/// # use auth::Claims;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Claims, Serialize, Deserialize)]
/// struct UserClaims {
///     sub: String,
///     exp: u64, // error: `exp` is a registered JWT claim that `auth` sets and checks itself; ...
/// }
/// # fn main() {}
/// ```
///
/// The subject must be a string, and the roles a collection of a role enum (rustc reports
/// these at the field's type):
///
/// ```compile_fail,E0308
/// # use auth::Claims;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Claims, Serialize, Deserialize)]
/// struct UserClaims {
///     sub: u64, // error[E0308]: mismatched types: expected `&str`, found `&u64`
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail,E0277
/// # use auth::Claims;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Claims, Serialize, Deserialize)]
/// struct UserClaims {
///     sub: String,
///     roles: Vec<String>, // error[E0277]: `Vec<String>` cannot hold the roles of a claims type
/// }
/// # fn main() {}
/// ```
///
/// Only `subject` and `roles` are `#[claims]` keys:
///
/// ```compile_fail
/// # use auth::Claims;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Claims, Serialize, Deserialize)]
/// struct UserClaims {
///     #[claims(subjekt)] // error: unknown `#[claims]` attribute `subjekt`; expected one of: `subject`, `roles`
///     user_id: String,
/// }
/// # fn main() {}
/// ```
///
/// # Limitations
///
/// - Structs with named fields only.
/// - The registered-claim check sees `rename`, `rename_all` and `skip`; it cannot see
///   inside `#[serde(flatten)]` fields, and `#[serde(alias)]` names are not considered
///   (issuing such claims fails at run time instead).
/// - The subject must dereference to `str`.
#[proc_macro_derive(Claims, attributes(claims))]
pub fn derive_claims(input: TokenStream) -> TokenStream {
    claims::derive(input.into()).into()
}
