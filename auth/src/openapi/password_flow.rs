//! The OAuth2 password flow as a security scheme beside `bearer`: what lets Swagger UI's
//! Authorize button (and other OpenAPI tools) log in with a username and a password at the
//! token endpoint, then send the access token as `Authorization: Bearer`, as the `bearer`
//! scheme asks.

use std::collections::BTreeMap;

use utoipa::Modify;
use utoipa::openapi::security::{
    Flow, OAuth2, Password, Scopes, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, OpenApi};

use super::{BEARER_SCHEME, OAUTH2_SCHEME, operations, scheme_alternatives};
use crate::endpoints::{Endpoints, UserStore};
use crate::{PermissionEnum, RoleEnum, TokenClaims};

/// Adds the `oauth2` security scheme (the password flow of the token endpoint, with the role
/// and permission names as its scopes) and, beside every `bearer` requirement of an
/// operation, the same requirement naming `oauth2`.
///
/// Both schemes carry the same token the same way: `oauth2` only tells tools how to get one.
/// The scopes are there because the requirements of the guard attributes name roles and
/// permissions, and OpenAPI wants every scope of an `oauth2` requirement declared by its
/// flow. The token endpoint ignores `scope` in the password grant: the user's account
/// decides what the token holds, whatever is ticked in the dialog.
///
/// The flow takes the access token from the body of the token endpoint's answer. With the
/// [cookie transport](crate::transport::cookie) that body holds no token (unless
/// [`tokens_in_body`](crate::transport::cookie::CookieConfig::tokens_in_body)), so a tool
/// following the flow would have nothing to send: offer it to bearer clients only.
///
/// Apply it after [`SecurityAddon`](super::SecurityAddon) (which defines `bearer`), and after
/// [`TokenEndpointsAddon`](super::TokenEndpointsAddon) when that adds secured operations.
///
/// ```
/// use auth::openapi::{OAuth2PasswordAddon, SecurityAddon};
/// use auth::{Permission, Role, requires_permission, requires_role};
/// use serde_json::json;
/// use utoipa::{Modify, OpenApi};
///
/// #[derive(Permission)]
/// enum Permission { #[permission(rename = "reports:read")] ReportsRead }
///
/// #[derive(Role)]
/// enum Role { Admin, Viewer }
///
/// #[requires_role("admin")]
/// #[utoipa::path(get, path = "/admin/stats", responses((status = 200, description = "Stats")))]
/// async fn stats() {}
///
/// #[requires_permission("reports:read")]
/// #[utoipa::path(get, path = "/reports", responses((status = 200, description = "Reports")))]
/// async fn reports() {}
///
/// #[derive(OpenApi)]
/// #[openapi(paths(stats, reports), modifiers(&SecurityAddon))]
/// struct ApiDoc;
///
/// let mut doc = ApiDoc::openapi();
/// // The token endpoint's path: `/token` unless set; `OAuth2PasswordAddon::of(&endpoints)`
/// // takes it, and the role enum, from an `Endpoints` router.
/// OAuth2PasswordAddon::new::<Role>()
///     .permissions::<Permission>()
///     .modify(&mut doc);
///
/// let doc = serde_json::to_value(doc)?;
/// let flow = &doc["components"]["securitySchemes"]["oauth2"]["flows"]["password"];
/// assert_eq!(flow["tokenUrl"], "/token");
/// assert_eq!(flow["scopes"].as_object().unwrap().len(), 3); // admin, viewer, reports:read
/// assert_eq!(
///     doc["paths"]["/admin/stats"]["get"]["security"],
///     json!([{"bearer": ["admin"]}, {"oauth2": ["admin"]}])
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OAuth2PasswordAddon {
    token_url: String,
    /// Scope name → description, sorted as the document lists them.
    scopes: BTreeMap<String, String>,
}

impl OAuth2PasswordAddon {
    /// The password flow of a token endpoint at `/token`, with the names of `R` as its
    /// scopes.
    pub fn new<R: RoleEnum>() -> Self {
        let scopes = R::NAMES
            .iter()
            .map(|role| ((*role).to_owned(), format!("role {role}")))
            .collect();
        Self {
            token_url: "/token".to_owned(),
            scopes,
        }
    }

    /// The password flow of `endpoints`: its token path, and the roles of its claims type.
    pub fn of<U: UserStore>(endpoints: &Endpoints<U>) -> Self {
        let token_url = endpoints.outline().token.to_owned();
        Self::new::<<U::Claims as TokenClaims>::Role>().token_url(token_url)
    }

    /// Where the flow posts the credentials: a path on the same server (as Swagger UI
    /// resolves it against the document's URL) or an absolute URL.
    #[must_use]
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Adds the names of `P` to the scopes: needed as soon as a guard requires a permission,
    /// since its requirement names it.
    #[must_use]
    pub fn permissions<P: PermissionEnum>(mut self) -> Self {
        for permission in P::NAMES {
            self.scopes
                .insert((*permission).to_owned(), format!("permission {permission}"));
        }
        self
    }
}

impl Modify for OAuth2PasswordAddon {
    fn modify(&self, openapi: &mut OpenApi) {
        let flow = Password::new(
            self.token_url.clone(),
            self.scopes.iter().collect::<Scopes>(),
        );
        let components = openapi.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            OAUTH2_SCHEME,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::Password(flow)],
                "Log in with a username and a password (`grant_type=password` at the token \
                 endpoint); the access token is then sent as `Authorization: Bearer <token>`. \
                 The scopes name the roles and permissions the operations require: the \
                 account decides what the token grants, not the scopes asked for.",
            )),
        );
        for (_, operation) in operations(openapi) {
            let existing = scheme_alternatives(operation, OAUTH2_SCHEME);
            let missing: Vec<Vec<String>> = scheme_alternatives(operation, BEARER_SCHEME)
                .into_iter()
                .filter(|scopes| !existing.contains(scopes))
                .collect();
            // Whatever is missing pairs a `bearer` requirement, so the list exists.
            if let Some(security) = operation.security.as_mut() {
                security.extend(
                    missing
                        .into_iter()
                        .map(|scopes| SecurityRequirement::new(OAUTH2_SCHEME, scopes)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::{OpenApiBuilder, PathsBuilder, ResponsesBuilder};

    use super::*;
    use crate::claims::NoRole;
    use crate::endpoints::User;
    use crate::store::StoreError;

    #[derive(Clone, Copy)]
    enum Role {
        Admin,
        Editor,
    }

    impl RoleEnum for Role {
        const NAMES: &'static [&'static str] = &["admin", "editor"];
        fn index(&self) -> usize {
            *self as usize
        }
        fn from_index(index: usize) -> Option<Self> {
            [Self::Admin, Self::Editor].get(index).copied()
        }
    }

    #[derive(Clone, Copy)]
    enum Permission {
        ReportsRead,
    }

    impl PermissionEnum for Permission {
        const NAMES: &'static [&'static str] = &["reports:read"];
        fn index(&self) -> usize {
            *self as usize
        }
        fn from_index(index: usize) -> Option<Self> {
            [Self::ReportsRead].get(index).copied()
        }
    }

    /// A document with one `GET` per path, each with these requirements (`None`: public).
    fn document(operations: &[(&str, Option<Vec<SecurityRequirement>>)]) -> OpenApi {
        let mut paths = PathsBuilder::new();
        for (path, security) in operations {
            let mut operation = OperationBuilder::new().responses(ResponsesBuilder::new());
            if let Some(security) = security {
                operation = operation.securities(Some(security.clone()));
            }
            paths = paths.path(*path, PathItem::new(HttpMethod::Get, operation));
        }
        OpenApiBuilder::new().paths(paths).build()
    }

    fn bearer(scopes: &[&str]) -> SecurityRequirement {
        SecurityRequirement::new(BEARER_SCHEME, scopes.iter().copied())
    }

    fn modified(addon: &OAuth2PasswordAddon, mut doc: OpenApi) -> Value {
        addon.modify(&mut doc);
        serde_json::to_value(doc).unwrap()
    }

    #[test]
    fn the_scheme_is_the_password_flow_of_the_token_endpoint_with_the_names_as_scopes() {
        let addon = OAuth2PasswordAddon::new::<Role>().permissions::<Permission>();
        let doc = modified(&addon, document(&[]));
        let scheme = &doc["components"]["securitySchemes"]["oauth2"];
        assert_eq!(scheme["type"], "oauth2");
        let flows = scheme["flows"].as_object().unwrap();
        assert_eq!(flows.keys().collect::<Vec<_>>(), ["password"]);
        assert_eq!(
            flows["password"],
            json!({
                "tokenUrl": "/token",
                "scopes": {
                    "admin": "role admin",
                    "editor": "role editor",
                    "reports:read": "permission reports:read",
                },
            })
        );
        assert!(
            scheme["description"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer")
        );
    }

    #[test]
    fn the_token_url_can_be_set() {
        let addon = OAuth2PasswordAddon::new::<NoRole>().token_url("/auth/token");
        let doc = modified(&addon, document(&[]));
        let flow = &doc["components"]["securitySchemes"]["oauth2"]["flows"]["password"];
        assert_eq!(flow, &json!({"tokenUrl": "/auth/token", "scopes": {}}));
    }

    #[test]
    fn every_bearer_requirement_gets_its_oauth2_alternative() {
        let doc = document(&[
            ("/me", Some(vec![bearer(&[])])),
            (
                "/posts",
                Some(vec![bearer(&["editor"]), bearer(&["admin"])]),
            ),
            ("/both", Some(vec![bearer(&["admin", "reports:read"])])),
            // Optional authentication: the empty requirement stays, and stays first.
            (
                "/maybe",
                Some(vec![SecurityRequirement::default(), bearer(&[])]),
            ),
            // Another scheme only, and none at all: untouched.
            (
                "/key",
                Some(vec![SecurityRequirement::new("api_key", [""; 0])]),
            ),
            ("/health", None),
        ]);
        let doc = modified(&OAuth2PasswordAddon::new::<Role>(), doc);
        let security = |path: &str| doc["paths"][path]["get"]["security"].clone();
        assert_eq!(security("/me"), json!([{"bearer": []}, {"oauth2": []}]));
        assert_eq!(
            security("/posts"),
            json!([
                {"bearer": ["editor"]}, {"bearer": ["admin"]},
                {"oauth2": ["editor"]}, {"oauth2": ["admin"]},
            ])
        );
        assert_eq!(
            security("/both"),
            json!([{"bearer": ["admin", "reports:read"]}, {"oauth2": ["admin", "reports:read"]}])
        );
        assert_eq!(
            security("/maybe"),
            json!([{}, {"bearer": []}, {"oauth2": []}])
        );
        assert_eq!(security("/key"), json!([{"api_key": []}]));
        assert!(doc["paths"]["/health"]["get"].get("security").is_none());
    }

    #[test]
    fn applying_it_twice_adds_nothing_more() {
        let addon = OAuth2PasswordAddon::new::<Role>();
        let mut doc = document(&[(
            "/posts",
            Some(vec![bearer(&["editor"]), bearer(&["admin"])]),
        )]);
        addon.modify(&mut doc);
        let once = serde_json::to_value(&doc).unwrap();
        addon.modify(&mut doc);
        assert_eq!(serde_json::to_value(&doc).unwrap(), once);
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Claims {
        sub: String,
    }

    impl TokenClaims for Claims {
        type Role = Role;
        fn subject(&self) -> &str {
            &self.sub
        }
        fn roles(&self) -> crate::Roles<Role> {
            crate::Roles::empty()
        }
    }

    struct Users;

    impl UserStore for Users {
        type Claims = Claims;
        async fn find_by_username(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> {
            Ok(None)
        }
        async fn find_by_subject(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> {
            Ok(None)
        }
        async fn update_password_hash(&self, _: &str, _: &str) -> Result<(), StoreError> {
            Ok(())
        }
    }

    #[test]
    fn of_endpoints_takes_their_token_path_and_the_roles_of_their_claims() {
        let endpoints = Endpoints::builder(crate::testing::authenticator(), Users)
            .token_path("/auth/token")
            .build()
            .unwrap();
        let doc = modified(&OAuth2PasswordAddon::of(&endpoints), document(&[]));
        let flow = &doc["components"]["securitySchemes"]["oauth2"]["flows"]["password"];
        assert_eq!(flow["tokenUrl"], "/auth/token");
        assert_eq!(
            flow["scopes"],
            json!({"admin": "role admin", "editor": "role editor"})
        );
    }
}
