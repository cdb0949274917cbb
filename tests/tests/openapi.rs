//! The OpenAPI document of a small annotated router (`auth::openapi`, feature `utoipa`): the
//! guard attributes above `#[utoipa::path]` are the only place the security is written, and
//! the document, parsed as JSON, has the right requirement and 401/403 responses per
//! operation; unprotected operations have none. The handlers still serve requests.

mod common;

use auth::openapi::{CookieSecurityAddon, SecurityAddon};
use auth::{Permission, protected, requires_permission, requires_role};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use common::Role;
use serde_json::{Value, json};
use utoipa::OpenApi;

#[protected]
#[utoipa::path(get, path = "/me", responses((status = 200, description = "The caller")))]
async fn me() -> &'static str {
    "me"
}

#[requires_role("admin")]
#[utoipa::path(
    delete,
    path = "/posts/{id}",
    params(("id" = u64, Path, description = "The post")),
    responses((status = 204, description = "Deleted"))
)]
async fn delete_post(Path(_id): Path<u64>) -> StatusCode {
    StatusCode::NO_CONTENT
}

#[requires_role(any("editor", "admin"), fresh)]
#[utoipa::path(post, path = "/posts", responses((status = 201, description = "Created")))]
async fn create_post(Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(body))
}

/// Stacked: viewer AND (editor AND admin).
#[requires_role("viewer")]
#[requires_role(all("editor", "admin"))]
#[utoipa::path(put, path = "/settings", responses((status = 200, description = "Saved")))]
async fn settings() -> &'static str {
    "saved"
}

/// What the user wrote is kept: its own security and 401.
#[protected]
#[utoipa::path(
    get,
    path = "/maybe",
    responses((status = 200, description = "Hello"), (status = 401, description = "Log in first")),
    security((), ("bearer" = []))
)]
async fn maybe() -> &'static str {
    "maybe"
}

#[derive(Permission, Clone, Copy)]
enum Permission {
    #[permission(rename = "reports:read")]
    ReportsRead,
    #[permission(rename = "reports:export")]
    ReportsExport,
}

#[requires_permission(any("reports:read", "reports:export"))]
#[utoipa::path(get, path = "/reports", responses((status = 200, description = "The reports")))]
async fn reports() -> &'static str {
    "reports"
}

/// A permission stacked on a role: both in one requirement.
#[requires_permission("reports:export")]
#[requires_role("admin")]
#[utoipa::path(post, path = "/reports/export", responses((status = 202, description = "Started")))]
async fn export_reports() -> StatusCode {
    StatusCode::ACCEPTED
}

#[utoipa::path(get, path = "/health", responses((status = 200, description = "Up")))]
async fn health() -> &'static str {
    "ok"
}

#[derive(OpenApi)]
#[openapi(
    paths(me, delete_post, create_post, settings, maybe, health, reports, export_reports),
    modifiers(&SecurityAddon)
)]
struct ApiDoc;

#[derive(OpenApi)]
#[openapi(paths(me, create_post, health), modifiers(&CookieSecurityAddon))]
struct CookieApiDoc;

fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap()
}

fn statuses(operation: &Value) -> Vec<String> {
    operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn protected_operations_get_bearer_security_and_401() {
    let doc = document();
    let op = &doc["paths"]["/me"]["get"];
    assert_eq!(op["security"], json!([{"bearer": []}]));
    assert_eq!(statuses(op), ["200", "400", "401"]);
    let unauthorized = &op["responses"]["401"];
    assert_eq!(
        unauthorized["description"],
        "Missing, invalid, expired or revoked access token"
    );
    assert_eq!(
        unauthorized["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/AuthError"
    );
    assert!(unauthorized["headers"]["WWW-Authenticate"].is_object());
}

#[test]
fn role_operations_list_their_roles_and_get_403() {
    let doc = document();
    let op = &doc["paths"]["/posts/{id}"]["delete"];
    assert_eq!(op["security"], json!([{"bearer": ["admin"]}]));
    assert_eq!(statuses(op), ["204", "400", "401", "403"]);
    assert_eq!(
        op["responses"]["403"]["description"],
        "The access token does not grant the required role"
    );
    assert!(op["responses"]["403"]["headers"]["WWW-Authenticate"].is_object());
    // The path parameter written by the user is untouched; the guard is not a parameter.
    assert_eq!(op["parameters"].as_array().unwrap().len(), 1);
    assert_eq!(op["parameters"][0]["name"], "id");

    // any(..): one requirement per role; fresh shows in the 401.
    let op = &doc["paths"]["/posts"]["post"];
    assert_eq!(
        op["security"],
        json!([{"bearer": ["editor"]}, {"bearer": ["admin"]}])
    );
    assert_eq!(statuses(op), ["201", "400", "401", "403"]);
    assert!(
        op["responses"]["401"]["description"]
            .as_str()
            .unwrap()
            .contains("not fresh")
    );

    // Stacked attributes: AND.
    let op = &doc["paths"]["/settings"]["put"];
    assert_eq!(
        op["security"],
        json!([{"bearer": ["viewer", "editor", "admin"]}])
    );
}

#[test]
fn permission_operations_list_their_scopes_and_get_403() {
    let doc = document();
    let op = &doc["paths"]["/reports"]["get"];
    assert_eq!(
        op["security"],
        json!([{"bearer": ["reports:read"]}, {"bearer": ["reports:export"]}])
    );
    assert_eq!(statuses(op), ["200", "400", "401", "403"]);
    assert_eq!(
        op["responses"]["403"]["description"],
        "The access token does not grant the required permission"
    );
    let op = &doc["paths"]["/reports/export"]["post"];
    assert_eq!(
        op["security"],
        json!([{"bearer": ["reports:export", "admin"]}])
    );
    assert_eq!(
        op["responses"]["403"]["description"],
        "The access token does not grant the required role"
    );
}

#[test]
fn what_the_annotation_already_says_is_not_duplicated() {
    let doc = document();
    let op = &doc["paths"]["/maybe"]["get"];
    assert_eq!(op["security"], json!([{}, {"bearer": []}]));
    assert_eq!(statuses(op), ["200", "400", "401"]);
    assert_eq!(op["responses"]["401"]["description"], "Log in first");
}

#[test]
fn unprotected_operations_have_no_security() {
    let doc = document();
    let op = &doc["paths"]["/health"]["get"];
    assert!(op.get("security").is_none(), "{op}");
    assert_eq!(statuses(op), ["200"]);
    assert!(doc.get("security").is_none());
}

#[test]
fn the_addon_defines_the_scheme_and_the_error_schema() {
    let doc = document();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from the token endpoint, as `Authorization: Bearer <token>`"
        })
    );
    assert!(doc["components"]["securitySchemes"].get("cookie").is_none());
    let schema = &doc["components"]["schemas"]["AuthError"];
    assert_eq!(schema["required"], json!(["error"]));
    assert!(schema["properties"]["error_description"].is_object());
}

#[test]
fn the_cookie_addon_adds_the_cookie_alternative_and_the_csrf_header() {
    let doc = serde_json::to_value(CookieApiDoc::openapi()).unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["cookie"]["in"],
        "cookie"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["cookie"]["name"],
        "__Host-auth-access"
    );
    let me = &doc["paths"]["/me"]["get"];
    assert_eq!(me["security"], json!([{"bearer": []}, {"cookie": []}]));
    assert!(me.get("parameters").is_none(), "GET needs no CSRF header");
    let post = &doc["paths"]["/posts"]["post"];
    assert_eq!(
        post["security"],
        json!([
            {"bearer": ["editor"]}, {"bearer": ["admin"]},
            {"cookie": ["editor"]}, {"cookie": ["admin"]}
        ])
    );
    assert_eq!(post["parameters"][0]["name"], "X-CSRF-Token");
    assert_eq!(post["parameters"][0]["in"], "header");
    assert_eq!(post["parameters"][0]["required"], false);
    assert!(doc["paths"]["/health"]["get"].get("security").is_none());
}

#[tokio::test]
async fn the_documented_handlers_still_guard_their_routes() {
    let auth = auth::testing::authenticator();
    let app: Router = Router::new()
        .route("/me", get(me))
        .route("/posts/{id}", delete(delete_post))
        .route("/posts", post(create_post))
        .route("/settings", put(settings))
        .route("/maybe", get(maybe))
        .route("/reports", get(reports))
        .route("/reports/export", post(export_reports))
        .route("/health", get(health))
        .with_state(auth.clone());
    let reply = common::send(&app, common::get_with("/me", None)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let token = auth::testing::token(&auth, "ada", [Role::Viewer]);
    let reply = common::send(&app, common::get_bearer("/me", &token)).await;
    assert_eq!(reply.text(), "me");
    let request = axum::http::Request::delete("/posts/1")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = common::send(&app, request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = common::send(&app, common::get_with("/health", None)).await;
    assert_eq!(reply.text(), "ok");
    let reply = common::send(&app, common::get_bearer("/maybe", &token)).await;
    assert_eq!(reply.text(), "maybe");
    let reply = common::send(&app, common::get_bearer("/reports", &token)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reader = auth::testing::token_with_permissions(&auth, "svc", [Permission::ReportsRead]);
    let reply = common::send(&app, common::get_bearer("/reports", &reader)).await;
    assert_eq!(reply.text(), "reports");
}

#[test]
fn a_malformed_authorization_header_is_a_documented_400() {
    let doc = document();
    let bad_request = &doc["paths"]["/me"]["get"]["responses"]["400"];
    assert_eq!(
        bad_request["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/AuthError"
    );
    assert!(
        bad_request["headers"]["WWW-Authenticate"]["description"]
            .as_str()
            .unwrap()
            .contains("invalid_request")
    );
    // Unprotected operations have no such answer.
    assert!(doc["paths"]["/health"]["get"]["responses"]["400"].is_null());
}

mod token_endpoints {
    use auth::endpoints::{Client, Endpoints, User, UserStore};
    use auth::openapi::{SecurityAddon, TokenEndpointsAddon};
    use auth::store::StoreError;
    use serde_json::{Value, json};
    use utoipa::{Modify as _, OpenApi};

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Claims {
        sub: String,
    }

    impl auth::TokenClaims for Claims {
        type Role = auth::claims::NoRole;
        fn subject(&self) -> &str {
            &self.sub
        }
        fn roles(&self) -> auth::Roles<auth::claims::NoRole> {
            auth::Roles::empty()
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

    #[derive(OpenApi)]
    #[openapi(modifiers(&SecurityAddon))]
    struct Doc;

    fn describe(endpoints: &Endpoints<Users>) -> Value {
        let mut doc = Doc::openapi();
        TokenEndpointsAddon::of(endpoints).modify(&mut doc);
        serde_json::to_value(doc).unwrap()
    }

    fn statuses(operation: &Value) -> Vec<&str> {
        operation["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn the_token_endpoints_are_described_as_configured() {
        let plain = Endpoints::builder(auth::testing::authenticator(), Users)
            .token_path("/auth/token")
            .build()
            .unwrap();
        let doc = describe(&plain);
        let token = &doc["paths"]["/auth/token"]["post"];
        assert_eq!(statuses(token), ["200", "400", "413", "415", "429", "503"]);
        assert!(token["responses"]["429"]["headers"]["Retry-After"].is_object());
        let form = &token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
        assert_eq!(
            form["properties"]["grant_type"]["enum"],
            json!(["password", "refresh_token"])
        );
        assert!(form["properties"].get("client_id").is_none());
        assert_eq!(form["additionalProperties"]["type"], "string");
        assert!(token["requestBody"]["content"]["application/json"].is_object());
        let refresh = &doc["paths"]["/refresh"]["post"];
        assert_eq!(
            refresh["requestBody"]["content"]["application/json"]["schema"]["required"],
            json!(["refresh_token"])
        );
        // A logout may present the access token alone: no refresh token required, and 401
        // for an access token that does not verify.
        let logout = &doc["paths"]["/logout"]["post"];
        assert_eq!(statuses(logout), ["204", "400", "401", "413", "415", "503"]);
        assert!(logout["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
        assert_eq!(logout["requestBody"]["required"], false);
        assert!(
            logout["requestBody"]["content"]["application/json"]["schema"]
                .get("required")
                .is_none()
        );
        assert_eq!(
            doc["components"]["schemas"]["TokenResponse"]["required"],
            json!(["expires_in"])
        );

        let with_clients = Endpoints::builder(auth::testing::authenticator(), Users)
            .clients(Vec::<Client>::new())
            .build()
            .unwrap();
        let doc = describe(&with_clients);
        let token = &doc["paths"]["/token"]["post"];
        assert_eq!(
            statuses(token),
            ["200", "400", "401", "413", "415", "429", "503"]
        );
        assert!(token["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
        let form = &token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
        assert_eq!(
            form["properties"]["grant_type"]["enum"],
            json!(["password", "refresh_token", "client_credentials"])
        );
        assert!(form["properties"]["client_secret"].is_object());
    }
}
