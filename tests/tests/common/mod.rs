//! Shared fixtures: keys, token forging the way an attacker does it, a router of protected
//! handlers whose bodies count their runs, and response helpers.
#![allow(dead_code, unreachable_pub, missing_docs)] // each test binary uses a subset

pub mod captured_log;
pub mod challenge;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use auth::keys::{KeySet, SigningKey};
use auth::{
    Auth, Authenticated, Authenticator, RequireAllRoles, RequireRole, RoleEnum, Roles, TokenClaims,
};
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use http_body_util::BodyExt as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// 48 random base64url characters (`SigningKey` refuses patterned secrets, security manual TV-02).
pub const SECRET: &[u8] = b"eGmbt3PKmk6U7XLpewSHCTylDx4F_kV5A4yvQZCwMQEIQXZF";
pub const ISSUER: &str = "https://issuer.test";
pub const AUDIENCE: &str = "api";
pub const KID: &str = "k1";

pub fn key(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Editor,
    Viewer,
}

/// Written by hand: the runtime must not depend on the derive.
impl RoleEnum for Role {
    const NAMES: &'static [&'static str] = &["admin", "editor", "viewer"];
    // admin ⊃ editor ⊃ viewer
    const IMPLIES: &'static [u64] = &[0b111, 0b110, 0b100];
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Self> {
        [Self::Admin, Self::Editor, Self::Viewer]
            .get(index)
            .copied()
    }
}

pub const ADMIN: u64 = auth::claims::role_bit::<Role>("admin");
pub const EDITOR: u64 = auth::claims::role_bit::<Role>("editor");
pub const VIEWER: u64 = auth::claims::role_bit::<Role>("viewer");

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserClaims {
    pub sub: String,
    pub roles: Vec<Role>,
    pub email: String,
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Role::from_name(&name).ok_or_else(|| serde::de::Error::custom("unknown role"))
    }
}

impl TokenClaims for UserClaims {
    type Role = Role;
    fn subject(&self) -> &str {
        &self.sub
    }
    fn roles(&self) -> Roles<Role> {
        self.roles.iter().copied().collect()
    }
}

pub fn user(sub: &str, roles: &[Role]) -> UserClaims {
    UserClaims {
        sub: sub.into(),
        roles: roles.to_vec(),
        email: format!("{sub}@example.test"),
    }
}

pub fn hs256_key() -> SigningKey {
    SigningKey::hs256(SECRET).unwrap().with_kid(KID).unwrap()
}

pub fn authenticator_with(keys: KeySet) -> Authenticator {
    Authenticator::builder()
        .keys(keys)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap()
}

pub fn authenticator() -> Authenticator {
    authenticator_with(KeySet::new(hs256_key()))
}

pub fn issue(auth: &Authenticator, claims: &UserClaims) -> String {
    auth.issue(claims).unwrap().access_token
}

// ---- forging -------------------------------------------------------------------------------

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `base64url(header).base64url(payload).HMAC-SHA256(secret)`, byte for byte as given.
pub fn forge_hs256_raw(header: &str, payload: &str, secret: &[u8]) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

/// Signs any header and payload with the test secret.
pub fn forge(header: &Value, payload: &Value) -> String {
    forge_hs256_raw(&header.to_string(), &payload.to_string(), SECRET)
}

/// Signs with an asymmetric private key through `jsonwebtoken`'s own signer.
pub fn forge_asymmetric(
    header: &Value,
    payload: &Value,
    alg: jsonwebtoken::Algorithm,
    private_pem: &[u8],
) -> String {
    use jsonwebtoken::EncodingKey;
    let key = match alg {
        jsonwebtoken::Algorithm::ES256 | jsonwebtoken::Algorithm::ES384 => {
            EncodingKey::from_ec_pem(private_pem)
        }
        jsonwebtoken::Algorithm::EdDSA => EncodingKey::from_ed_pem(private_pem),
        _ => EncodingKey::from_rsa_pem(private_pem),
    }
    .unwrap();
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, alg).unwrap();
    format!("{input}.{signature}")
}

pub fn good_header() -> Value {
    json!({"alg": "HS256", "typ": "at+jwt", "kid": KID})
}

/// A payload that verifies, as the issuer would write it.
pub fn good_payload() -> Value {
    let now = now();
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "alice",
        "iat": now, "nbf": now, "exp": now + 600,
        "jti": "jti-0123456789abcdef",
        "roles": ["admin"], "email": "alice@example.test",
    })
}

pub fn with(mut value: Value, key: &str, member: Value) -> Value {
    value[key] = member;
    value
}

pub fn without(mut value: Value, key: &str) -> Value {
    value.as_object_mut().unwrap().remove(key);
    value
}

// ---- the app -------------------------------------------------------------------------------

#[derive(Clone, FromRef)]
pub struct AppState {
    pub auth: Authenticator,
    pub runs: Runs,
}

/// Counts how many times handler bodies ran.
#[derive(Clone, Default)]
pub struct Runs(Arc<AtomicUsize>);

impl Runs {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
    fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn app(auth: Authenticator) -> (Router, Runs) {
    let runs = Runs::default();
    let router = Router::new()
        .route("/protected", get(protected))
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .route("/admin", get(admin))
        .route("/viewer", get(viewer))
        .route("/editor-or-admin", get(editor_or_admin))
        .route("/admin-and-viewer", get(admin_and_viewer))
        .route("/admin/echo", post(admin_echo))
        .with_state(AppState {
            auth,
            runs: runs.clone(),
        });
    (router, runs)
}

async fn protected(me: Authenticated, State(runs): State<Runs>) -> String {
    runs.hit();
    me.subject().to_owned()
}

async fn me(Auth(claims): Auth<UserClaims>, State(runs): State<Runs>) -> axum::Json<UserClaims> {
    runs.hit();
    axum::Json(claims)
}

async fn maybe(user: Option<Auth<UserClaims>>, State(runs): State<Runs>) -> String {
    runs.hit();
    user.map_or_else(|| "anonymous".to_owned(), |Auth(c)| c.sub)
}

async fn admin(_: RequireRole<Role, ADMIN>, State(runs): State<Runs>) -> &'static str {
    runs.hit();
    "admin"
}

async fn viewer(_: RequireRole<Role, VIEWER>, State(runs): State<Runs>) -> &'static str {
    runs.hit();
    "viewer"
}

async fn editor_or_admin(
    _: RequireRole<Role, { EDITOR | ADMIN }>,
    State(runs): State<Runs>,
) -> &'static str {
    runs.hit();
    "editor-or-admin"
}

async fn admin_and_viewer(
    _: RequireAllRoles<Role, { ADMIN | VIEWER }>,
    State(runs): State<Runs>,
) -> &'static str {
    runs.hit();
    "admin-and-viewer"
}

async fn admin_echo(
    _: RequireRole<Role, ADMIN>,
    State(runs): State<Runs>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    runs.hit();
    axum::Json(body)
}

// ---- requests and responses ----------------------------------------------------------------

pub fn get_with(path: &str, authorization: Option<&[u8]>) -> Request<Body> {
    let mut request = Request::get(path).body(Body::empty()).unwrap();
    if let Some(value) = authorization {
        request.headers_mut().append(
            header::AUTHORIZATION,
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    request
}

pub fn get_bearer(path: &str, token: &str) -> Request<Body> {
    get_with(path, Some(format!("Bearer {token}").as_bytes()))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `Retry-After` header, in seconds.
    #[track_caller]
    pub fn retry_after(&self) -> u64 {
        self.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub fn challenge(&self) -> Option<&str> {
        self.headers
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap())
    }

    /// The RFC 6750 contract: status, exact challenge, JSON `error`.
    #[track_caller]
    pub fn assert_rejected(&self, status: StatusCode, challenge: Option<&str>, error: &str) {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(self.challenge(), challenge);
        assert_eq!(self.json()["error"], error, "body: {}", self.text());
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/json");
    }

    #[track_caller]
    pub fn assert_invalid_token(&self, description: &str) {
        let challenge =
            format!(r#"Bearer error="invalid_token", error_description="{description}""#);
        self.assert_rejected(StatusCode::UNAUTHORIZED, Some(&challenge), "invalid_token");
        assert_eq!(self.json()["error_description"], description);
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub const INVALID: &str = "The access token is invalid";
pub const EXPIRED: &str = "The access token expired";
pub const NOT_YET_VALID: &str = "The access token is not valid yet";
