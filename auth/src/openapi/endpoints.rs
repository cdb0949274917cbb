//! The token endpoints in the OpenAPI document: `POST /token`, `/refresh` and `/logout` as a
//! configured [`Endpoints`] router serves them (its paths, `client_credentials` when
//! [clients](crate::endpoints::EndpointsBuilder::clients) are set, the cookie answers when
//! cookies are on), with every status the endpoints answer.

use utoipa::Modify;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, Type};
use utoipa::openapi::{
    Components, Content, HeaderBuilder, OpenApi, Ref, RefOr, Required, Response, ResponseBuilder,
};

use super::ERROR_SCHEMA;
use crate::endpoints::{Endpoints, UserStore};

/// The name of the schema of the token answer.
pub const TOKEN_RESPONSE_SCHEMA: &str = "TokenResponse";

/// Adds the token endpoints of an [`Endpoints`] router to a document: paths, request bodies
/// (form and JSON) and every answer, from the configuration the router was built with.
///
/// ```
/// # use auth::endpoints::{Endpoints, User, UserStore};
/// # use auth::store::StoreError;
/// # #[derive(serde::Serialize, serde::Deserialize)]
/// # struct Claims { sub: String }
/// # impl auth::TokenClaims for Claims {
/// #     type Role = auth::claims::NoRole;
/// #     fn subject(&self) -> &str { &self.sub }
/// #     fn roles(&self) -> auth::Roles<auth::claims::NoRole> { auth::Roles::empty() }
/// # }
/// # struct Users;
/// # impl UserStore for Users {
/// #     type Claims = Claims;
/// #     async fn find_by_username(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> { Ok(None) }
/// #     async fn find_by_subject(&self, _: &str) -> Result<Option<User<Claims>>, StoreError> { Ok(None) }
/// #     async fn update_password_hash(&self, _: &str, _: &str) -> Result<(), StoreError> { Ok(()) }
/// # }
/// use auth::openapi::{SecurityAddon, TokenEndpointsAddon};
/// use utoipa::{Modify, OpenApi};
///
/// #[derive(OpenApi)]
/// #[openapi(modifiers(&SecurityAddon))]
/// struct ApiDoc;
///
/// let endpoints = Endpoints::builder(auth::testing::authenticator(), Users).build()?;
/// let mut doc = ApiDoc::openapi();
/// TokenEndpointsAddon::of(&endpoints).modify(&mut doc);
/// let doc = serde_json::to_value(doc)?;
/// assert!(doc["paths"]["/token"]["post"]["responses"]["429"].is_object());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenEndpointsAddon {
    token: String,
    refresh: String,
    logout: String,
    clients: bool,
    cookies: bool,
    password_max_len: usize,
}

impl TokenEndpointsAddon {
    /// The description of `endpoints` as configured.
    pub fn of<U: UserStore>(endpoints: &Endpoints<U>) -> Self {
        let outline = endpoints.outline();
        Self {
            token: outline.token.to_owned(),
            refresh: outline.refresh.to_owned(),
            logout: outline.logout.to_owned(),
            clients: outline.clients,
            cookies: outline.cookies,
            password_max_len: outline.password_max_len,
        }
    }
}

impl Modify for TokenEndpointsAddon {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::new);
        components
            .schemas
            .insert(TOKEN_RESPONSE_SCHEMA.to_owned(), token_response_schema());
        components
            .schemas
            .entry(ERROR_SCHEMA.to_owned())
            .or_insert_with(super::error_schema);
        let paths = &mut openapi.paths.paths;
        paths.insert(self.token.clone(), self.token_path());
        paths.insert(self.refresh.clone(), self.refresh_path());
        paths.insert(self.logout.clone(), self.logout_path());
    }
}

impl TokenEndpointsAddon {
    fn token_path(&self) -> PathItem {
        let mut grants = vec!["password", "refresh_token"];
        if self.clients {
            grants.push("client_credentials");
        }
        let mut body = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "grant_type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(grants.clone()))
                    .description(Some("`password` when left out")),
            )
            .property("username", string(None, Some(1)))
            .property(
                "password",
                string(Some(self.password_max_len), Some(1))
                    .description(Some(format!("At most {} bytes", self.password_max_len))),
            )
            .property("refresh_token", string(None, Some(1)));
        if self.clients {
            body = body
                .property(
                    "scope",
                    string(None, None).description(Some("Scopes asked for, separated by spaces")),
                )
                .property("client_id", string(None, Some(1)))
                .property("client_secret", string(None, Some(1)));
        }
        let mut operation = OperationBuilder::new()
            .operation_id(Some("token"))
            .tag("auth")
            .summary(Some(
                "Log in (password grant), refresh, or get a service token (client credentials)",
            ))
            .description(Some(format!(
                "The grants: {}. Parameters are a form (`application/x-www-form-urlencoded`) \
                 or a JSON object; each at most once.",
                grants.join(", ")
            )))
            .request_body(Some(form_or_json(body)))
            .response("200", self.token_answer())
            .response(
                "400",
                error(
                    "`invalid_request` (a missing, repeated or malformed parameter, a password \
                     too long), `invalid_grant` (wrong credentials, a bad refresh token), \
                     `unsupported_grant_type`, `invalid_scope`",
                ),
            );
        if self.clients {
            operation = operation.response(
                "401",
                error_with_header(
                    "`invalid_client`: unknown client, wrong secret, or no client credentials",
                    "WWW-Authenticate",
                    "`Basic realm=\"...\"`",
                ),
            );
        }
        let operation = self.common_errors(operation, true);
        PathItem::new(HttpMethod::Post, operation.build())
    }

    /// The body of `/refresh` and `/logout`: the refresh token, required unless cookies
    /// are on (the refresh cookie then stands in for it).
    fn refresh_token_body(&self) -> ObjectBuilder {
        let body = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("refresh_token", string(None, Some(1)));
        if self.cookies {
            body.description(Some(
                "With cookies on, the refresh cookie when the body has none",
            ))
        } else {
            body.required("refresh_token")
        }
    }

    fn refresh_path(&self) -> PathItem {
        let body = self.refresh_token_body();
        let operation = OperationBuilder::new()
            .operation_id(Some("refresh"))
            .tag("auth")
            .summary(Some("A new token pair for a refresh token, which is spent"))
            .request_body(Some(form_or_json(body)))
            .response("200", self.token_answer())
            .response(
                "400",
                error("`invalid_request` (no refresh token), `invalid_grant` (unknown, expired, spent or revoked)"),
            );
        let operation = self.common_errors(operation, true);
        PathItem::new(HttpMethod::Post, operation.build())
    }

    fn logout_path(&self) -> PathItem {
        // Never required: without a refresh token, the access token in `Authorization` is
        // what is logged out, with its session. An empty value counts as absent (RFC 6749
        // §3.2), so it is valid here too.
        let body = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("refresh_token", string(None, None))
            .description(Some(if self.cookies {
                "The refresh token (or its cookie when the body has none); without either, \
                 the access token in `Authorization: Bearer` and its session"
            } else {
                "The refresh token; without one, the access token in `Authorization: Bearer` \
                 and its session"
            }));
        let operation = OperationBuilder::new()
            .operation_id(Some("logout"))
            .tag("auth")
            .summary(Some(
                "Revoke a session: a refresh token's family, or the access token in \
                 `Authorization` with the family that issued it",
            ))
            .request_body(Some({
                let mut body = form_or_json(body);
                body.required = Some(Required::False);
                body
            }))
            .response(
                "204",
                Response::new(
                    "Logged out; also for an unknown or invalid refresh token (RFC 7009)",
                ),
            )
            .response(
                "400",
                error("`invalid_request`: neither a refresh token nor an access token, a malformed body or `Authorization` header"),
            )
            .response(
                "401",
                error_with_header(
                    "`invalid_token`: without a refresh token, an access token that is invalid, expired or revoked",
                    "WWW-Authenticate",
                    "The Bearer challenge (RFC 6750 §3)",
                ),
            );
        let operation = self.common_errors(operation, false);
        PathItem::new(HttpMethod::Post, operation.build())
    }

    /// 200 with the token answer (and its cookies when they are on).
    fn token_answer(&self) -> Response {
        let description = if self.cookies {
            "A new token pair; with cookies on, in `Set-Cookie` headers and `csrf_token`"
        } else {
            "A new token pair (client credentials: an access token and its scope only)"
        };
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name(TOKEN_RESPONSE_SCHEMA))),
            )
            .header(
                "Cache-Control",
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .description(Some("`no-store`"))
                    .build(),
            )
            .build()
    }

    /// The answers every endpoint shares: 403 (cookies on), 413, 415, 429 (`throttled`:
    /// only where a login or refresh can be throttled), 503.
    fn common_errors(&self, operation: OperationBuilder, throttled: bool) -> OperationBuilder {
        let mut operation = operation;
        if self.cookies {
            operation = operation.response(
                "403",
                error("`invalid_request`: from another site, or a refresh cookie without its CSRF header"),
            );
        }
        operation = operation
            .response(
                "413",
                error("`invalid_request`: the body is over the limit"),
            )
            .response("415", error("`invalid_request`: neither a form nor JSON"));
        if throttled {
            operation = operation.response(
                "429",
                error_with_header(
                    "`slow_down`: too many attempts",
                    "Retry-After",
                    "Seconds to wait before trying again",
                ),
            );
        }
        operation.response(
            "503",
            error("`temporarily_unavailable`: a store cannot be reached"),
        )
    }
}

/// A string property, with bounds.
fn string(max_length: Option<usize>, min_length: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(max_length)
        .min_length(min_length)
}

/// A request body that is either a form or a JSON object of the same parameters. Other
/// parameters are ignored (RFC 6749 §3.2): in a form they are strings like every field (sent
/// once: a repeated one is refused), in JSON any value.
fn form_or_json(parameters: ObjectBuilder) -> utoipa::openapi::request_body::RequestBody {
    let json = parameters.build();
    let mut form = json.clone();
    let string = ObjectBuilder::new().schema_type(Type::String).build();
    form.additional_properties = Some(Box::new(AdditionalProperties::RefOr(RefOr::T(
        Schema::Object(string),
    ))));
    RequestBodyBuilder::new()
        .content(
            "application/x-www-form-urlencoded",
            Content::new(Some(Schema::Object(form))),
        )
        .content("application/json", Content::new(Some(Schema::Object(json))))
        .required(Some(Required::True))
        .build()
}

/// An error answer with the `AuthError` body.
fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name(ERROR_SCHEMA))),
        )
        .build()
}

/// [`error`] with a documented header.
fn error_with_header(description: &str, header: &str, header_description: &str) -> Response {
    let mut response = error(description);
    response.headers.insert(
        header.to_owned(),
        HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .description(Some(header_description))
            .build()
            .into(),
    );
    response
}

/// The token answer (RFC 6749 §5.1).
fn token_response_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("A token answer (RFC 6749 §5.1)"))
        .property(
            "access_token",
            ObjectBuilder::new().schema_type(Type::String),
        )
        .property(
            "token_type",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["Bearer"])),
        )
        .property(
            "expires_in",
            ObjectBuilder::new().schema_type(Type::Integer),
        )
        .required("expires_in")
        .property(
            "refresh_token",
            ObjectBuilder::new().schema_type(Type::String),
        )
        .property(
            "scope",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The scopes granted (client credentials)")),
        )
        .property(
            "csrf_token",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "With cookies on: the value for the `X-CSRF-Token` header",
                )),
        )
        .into()
}
