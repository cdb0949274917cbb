//! OpenAPI documents that show the security the handlers really have (feature `utoipa`).
//!
//! The guard attributes are the single source of truth: put `#[protected]` or
//! `#[requires_role(..)]` **above** `#[utoipa::path(..)]` and the operation gets
//!
//! - its security requirement: `security(("bearer" = []))` for `#[protected]`, and the roles
//!   for `#[requires_role]`, one requirement per way in (`any("editor", "admin")` gives
//!   `[{"bearer": ["editor"]}, {"bearer": ["admin"]}]`, `all(..)` one requirement listing every
//!   role; OpenAPI 3.1 allows role names in the array of a non-OAuth scheme);
//! - a 401 response, and a 403 response when roles or permissions are required;
//! - from [`SecurityAddon`], a 400 response for a malformed `Authorization` header.
//!
//! A `security(..)` or a 401/403 response already written in the attribute is kept as is.
//! Attribute macros expand from the top down, so below `#[utoipa::path]` the guard comes too
//! late and adds nothing: keep the order.
//!
//! Then register [`SecurityAddon`] (or [`CookieSecurityAddon`] when
//! [cookies](crate::transport::cookie) are on) as a modifier of the document: it defines the schemes the
//! requirements name and gives every 401/403 response of a secured operation the
//! [`AuthError`](crate::error::AuthError) body schema and its `WWW-Authenticate` header.
//!
//! ```
//! use auth::openapi::SecurityAddon;
//! use auth::{Role, protected, requires_role};
//! use utoipa::OpenApi;
//!
//! #[derive(Role)]
//! enum Role { Admin, Editor }
//!
//! #[protected]
//! #[utoipa::path(get, path = "/me", responses((status = 200, description = "The caller")))]
//! async fn me() -> &'static str { "me" }
//!
//! #[requires_role(any("editor", "admin"))]
//! #[utoipa::path(post, path = "/posts", responses((status = 201, description = "Created")))]
//! async fn create_post() -> &'static str { "created" }
//!
//! #[utoipa::path(get, path = "/health", responses((status = 200, description = "Up")))]
//! async fn health() -> &'static str { "ok" }
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(me, create_post, health), modifiers(&SecurityAddon))]
//! struct ApiDoc;
//!
//! let doc = serde_json::to_value(ApiDoc::openapi())?;
//! let post = &doc["paths"]["/posts"]["post"];
//! assert_eq!(post["security"], serde_json::json!([{"bearer": ["editor"]}, {"bearer": ["admin"]}]));
//! assert!(post["responses"]["403"].is_object());
//! assert!(doc["paths"]["/health"]["get"].get("security").is_none());
//! assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! With utoipa-axum's `OpenApiRouter`, call `SecurityAddon.modify(&mut openapi)` on the
//! document it returns.
//!
//! [`TokenEndpointsAddon`] adds the token endpoints themselves, as an
//! [`Endpoints`](crate::endpoints::Endpoints) router was configured, and
//! [`OAuth2PasswordAddon`] an OAuth2 password flow beside `bearer`, so that Swagger UI's
//! Authorize button logs in with a username and a password.

mod endpoints;
mod password_flow;

pub use endpoints::{TOKEN_RESPONSE_SCHEMA, TokenEndpointsAddon};
pub use password_flow::OAuth2PasswordAddon;

use serde_json::Value;
use utoipa::Modify;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    Components, Content, HeaderBuilder, ObjectBuilder, OpenApi, Ref, RefOr, Required, Response,
    Type,
};

use crate::transport::cookie::{ACCESS_COOKIE, CSRF_HEADER};

/// The name of the bearer security scheme: what `#[protected]` and `#[requires_role]` name in
/// the requirements they add.
pub const BEARER_SCHEME: &str = "bearer";
/// The name of the cookie security scheme [`CookieSecurityAddon`] adds.
pub const COOKIE_SCHEME: &str = "cookie";
/// The name of the OAuth2 password-flow security scheme [`OAuth2PasswordAddon`] adds.
pub const OAUTH2_SCHEME: &str = "oauth2";
/// The name of the error body schema the addons add to the components.
pub const ERROR_SCHEMA: &str = "AuthError";

/// Adds the `bearer` security scheme (HTTP bearer, JWT) and documents the 401/403 responses
/// of the operations that require it: see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut OpenApi) {
        add_common(openapi);
    }
}

/// [`SecurityAddon`], plus the `cookie` scheme (the [access cookie](crate::transport::cookie::ACCESS_COOKIE))
/// as an alternative to `bearer` on every operation that requires a token, with the same
/// roles; unsafe operations (`POST`, `PUT`, `PATCH`, `DELETE`) also get the optional
/// `X-CSRF-Token` header parameter and a 403 response for refused CSRF checks.
///
/// ```
/// use auth::openapi::CookieSecurityAddon;
/// use utoipa::OpenApi;
///
/// #[auth::protected]
/// #[utoipa::path(post, path = "/notes", responses((status = 201, description = "Saved")))]
/// async fn save_note() {}
///
/// #[derive(OpenApi)]
/// #[openapi(paths(save_note), modifiers(&CookieSecurityAddon))]
/// struct ApiDoc;
///
/// let doc = serde_json::to_value(ApiDoc::openapi())?;
/// let op = &doc["paths"]["/notes"]["post"];
/// assert_eq!(op["security"], serde_json::json!([{"bearer": []}, {"cookie": []}]));
/// assert_eq!(op["parameters"][0]["name"], "X-CSRF-Token");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CookieSecurityAddon;

impl Modify for CookieSecurityAddon {
    fn modify(&self, openapi: &mut OpenApi) {
        add_common(openapi);
        let components = openapi.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                ACCESS_COOKIE,
                "The access token in its HttpOnly cookie, set by the token endpoints. Unsafe \
                 requests also need the X-CSRF-Token header (the value of the __Host-auth-csrf \
                 cookie) and an allowed Origin.",
            ))),
        );
        for (unsafe_method, operation) in operations(openapi) {
            let Some(alternatives) = bearer_alternatives(operation) else {
                continue;
            };
            let security = operation.security.get_or_insert_with(Vec::new);
            for roles in alternatives {
                security.push(SecurityRequirement::new(COOKIE_SCHEME, roles));
            }
            if unsafe_method {
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                let already = parameters.iter().any(|parameter| {
                    matches!(parameter, RefOr::T(p) if p.name.eq_ignore_ascii_case(CSRF_HEADER))
                });
                if !already {
                    parameters.push(RefOr::T(csrf_parameter()));
                }
                operation
                    .responses
                    .responses
                    .entry("403".to_owned())
                    .or_insert_with(|| {
                        RefOr::T(Response::new(
                            "Authenticated by cookie without a valid CSRF token, or from another \
                             site",
                        ))
                    });
            }
        }
    }
}

/// The bearer scheme, the error schema, and the details of the 401/403 responses.
fn add_common(openapi: &mut OpenApi) {
    let components = openapi.components.get_or_insert_with(Components::new);
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "An access token from the token endpoint, as `Authorization: Bearer <token>`",
                ))
                .build(),
        ),
    );
    components
        .schemas
        .insert(ERROR_SCHEMA.to_owned(), error_schema());
    for (_, operation) in operations(openapi) {
        if bearer_alternatives(operation).is_none() {
            continue;
        }
        // The guard refuses a malformed `Authorization` header before anything else.
        operation
            .responses
            .responses
            .entry("400".to_owned())
            .or_insert_with(|| {
                RefOr::T(Response::new(
                    "`invalid_request`: a malformed `Authorization` header, or the token sent \
                     in more than one way",
                ))
            });
        for status in ["400", "401", "403"] {
            if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status) {
                describe_error(response, status);
            }
        }
    }
}

/// The [`AuthError`](crate::error::AuthError) body.
fn error_schema() -> RefOr<utoipa::openapi::schema::Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Why the request was refused (RFC 6750 §3, RFC 6749 §5.2)",
        ))
        .property(
            "error",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "`unauthorized`, `invalid_request`, `invalid_token`, `insufficient_scope`, ...",
                )),
        )
        .required("error")
        .property(
            "error_description",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("A fixed, human-readable sentence")),
        )
        .into()
}

/// Gives a 400/401/403 response the error body and the challenge header, unless it has its
/// own (a 400 the application documents for its own reasons keeps its content).
fn describe_error(response: &mut Response, status: &str) {
    if response.content.is_empty() {
        response.content.insert(
            "application/json".to_owned(),
            Content::new(Some(Ref::from_schema_name(ERROR_SCHEMA))).into(),
        );
    }
    let challenge = match status {
        "400" => "`Bearer error=\"invalid_request\"` when the `Authorization` header is malformed",
        "401" => {
            "`Bearer realm=\"...\"` without credentials; `Bearer error=\"invalid_token\", \
             error_description=\"...\"` for a bad token"
        }
        _ => {
            "`Bearer error=\"insufficient_scope\"` when a role is missing; with `scope=\"...\"` naming the permissions when a permission is"
        }
    };
    response
        .headers
        .entry("WWW-Authenticate".to_owned())
        .or_insert_with(|| {
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some(challenge))
                .build()
                .into()
        });
}

/// Every operation of the document, with whether its method is unsafe.
fn operations(openapi: &mut OpenApi) -> impl Iterator<Item = (bool, &mut Operation)> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        let safe = [
            &mut item.get,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
            &mut item.query,
        ]
        .into_iter()
        .flatten()
        .map(|operation| (false, operation));
        let unsafe_ = [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        .map(|operation| (true, operation));
        let other = item
            .additional_operations
            .values_mut()
            .map(|operation| (true, operation));
        safe.chain(unsafe_).chain(other)
    })
}

/// The role lists of the operation's `bearer` requirements; `None` when it has none.
fn bearer_alternatives(operation: &Operation) -> Option<Vec<Vec<String>>> {
    let alternatives = scheme_alternatives(operation, BEARER_SCHEME);
    (!alternatives.is_empty()).then_some(alternatives)
}

/// The scope lists of the operation's requirements that name `scheme`, in their order.
fn scheme_alternatives(operation: &Operation, scheme: &str) -> Vec<Vec<String>> {
    let Some(security) = operation.security.as_ref() else {
        return Vec::new();
    };
    security
        .iter()
        .filter_map(|requirement| {
            // The requirement's map is private; its JSON form is `{"scheme": ["role", ..]}`.
            let Value::Object(schemes) = serde_json::to_value(requirement).ok()? else {
                return None;
            };
            let scopes = schemes.get(scheme)?.as_array()?;
            Some(
                scopes
                    .iter()
                    .filter_map(|scope| scope.as_str().map(str::to_owned))
                    .collect(),
            )
        })
        .collect()
}

fn csrf_parameter() -> Parameter {
    ParameterBuilder::new()
        .name("X-CSRF-Token")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Required when authenticated by cookie: the value of the __Host-auth-csrf cookie \
             (or the csrf_token of the last login or refresh answer)",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}
