//! Fixtures for the cookie, fresh-token and WebSocket tests: an app of common's protected
//! routes plus the endpoints, with an authenticator the test configures, and helpers to read
//! `Set-Cookie` answers and send cookie requests.
#![allow(dead_code, unreachable_pub, missing_docs)] // each test binary uses a subset

use std::sync::Arc;

use auth::endpoints::{Endpoints, ThrottleConfig};
use auth::password::{PasswordConfig, Passwords};
use auth::store::MemoryStore;
use auth::{Authenticator, AuthenticatorBuilder};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::Value;

use crate::common::{self, AUDIENCE, ISSUER, Reply, Role, Runs, hs256_key, send};
use crate::support_endpoints::{CHEAP, Clock, PASSWORD, Users, login_body};

pub const ACCESS: &str = auth::transport::cookie::ACCESS_COOKIE;
pub const REFRESH: &str = auth::transport::cookie::REFRESH_COOKIE;
pub const CSRF: &str = auth::transport::cookie::CSRF_COOKIE;
/// An origin the tests allow besides the request's own.
pub const APP_ORIGIN: &str = "https://app.example.test";

pub struct Fixture {
    pub app: Router,
    pub auth: Authenticator,
    pub users: Users,
    pub runs: Runs,
    pub clock: Clock,
    pub endpoints: Endpoints<Users>,
}

/// The app with an authenticator `configure` finishes (revocation on, a movable clock), the
/// routes of `common::app`, the endpoints, and the routes `extra` adds. Users `alice`
/// (admin) and `bob` (viewer), both with [`PASSWORD`].
pub async fn build(
    configure: impl FnOnce(AuthenticatorBuilder) -> AuthenticatorBuilder,
    extra: impl FnOnce(&Authenticator) -> Router,
) -> Fixture {
    let clock = Clock::default();
    let store = MemoryStore::new();
    let builder = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .revocation(store.clone())
        .clock({
            let clock = clock.clone();
            move || clock.now()
        });
    let auth = configure(builder).build().unwrap();
    let passwords = Passwords::new(PasswordConfig::default().params(CHEAP)).unwrap();
    let users = Users::default();
    let hash = passwords.hash(PASSWORD).await.unwrap();
    users.add("alice", &[Role::Admin], &hash);
    users.add("bob", &[Role::Viewer], &hash);
    let endpoints = Endpoints::builder(auth.clone(), users.clone())
        .store_shared(Arc::new(store))
        .passwords(passwords)
        .throttle(ThrottleConfig::disabled())
        .build()
        .unwrap();
    let (routes, runs) = common::app(auth.clone());
    let app = routes.merge(endpoints.router()).merge(extra(&auth));
    Fixture {
        app,
        auth,
        users,
        runs,
        clock,
        endpoints,
    }
}

/// Cookie transport with [`APP_ORIGIN`] allowed.
pub fn cookies() -> auth::transport::cookie::CookieConfig {
    auth::transport::cookie::CookieConfig::new().allowed_origin(APP_ORIGIN)
}

/// One `Set-Cookie` line, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    /// The attributes as sent (`HttpOnly`, `Path=/`, ...).
    pub attributes: Vec<String>,
}

impl SetCookie {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find_map(|attribute| {
            let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
            key.eq_ignore_ascii_case(name).then_some(value)
        })
    }

    pub fn has(&self, flag: &str) -> bool {
        self.attributes
            .iter()
            .any(|attribute| attribute.eq_ignore_ascii_case(flag))
    }
}

pub fn set_cookies(reply: &Reply) -> Vec<SetCookie> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| {
            let mut parts = value.to_str().unwrap().split("; ");
            let (name, value) = parts.next().unwrap().split_once('=').unwrap();
            SetCookie {
                name: name.into(),
                value: value.into(),
                attributes: parts.map(str::to_owned).collect(),
            }
        })
        .collect()
}

/// What a login or refresh answer set.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub csrf: String,
}

#[track_caller]
pub fn session_of(reply: &Reply) -> Session {
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.text());
    let cookies = set_cookies(reply);
    let value = |name: &str| {
        cookies
            .iter()
            .find(|cookie| cookie.name == name)
            .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
            .value
            .clone()
    };
    Session {
        access: value(ACCESS),
        refresh: value(REFRESH),
        csrf: value(CSRF),
    }
}

/// A request under construction.
pub struct Req {
    builder: axum::http::request::Builder,
    cookies: Vec<String>,
    body: Body,
}

impl Req {
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            builder: Request::builder().method(method).uri(path),
            cookies: Vec::new(),
            body: Body::empty(),
        }
    }

    pub fn get(path: &str) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: &str) -> Self {
        Self::new(Method::POST, path)
    }

    pub fn cookie(mut self, name: &str, value: &str) -> Self {
        self.cookies.push(format!("{name}={value}"));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    pub fn csrf(self, token: &str) -> Self {
        self.header("x-csrf-token", token)
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.builder = self
            .builder
            .header(header::CONTENT_TYPE, "application/json");
        self.body = Body::from(body.to_string());
        self
    }

    pub fn form(mut self, body: &str) -> Self {
        self.builder = self
            .builder
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.body = Body::from(body.to_owned());
        self
    }

    /// The access cookie, and the CSRF cookie and header, of `session`.
    pub fn session(self, session: &Session) -> Self {
        self.cookie(ACCESS, &session.access)
            .cookie(CSRF, &session.csrf)
            .csrf(&session.csrf)
    }

    pub fn build(self) -> Request<Body> {
        let mut builder = self.builder;
        if !self.cookies.is_empty() {
            builder = builder.header(header::COOKIE, self.cookies.join("; "));
        }
        builder.body(self.body).unwrap()
    }

    pub async fn send(self, app: &Router) -> Reply {
        send(app, self.build()).await
    }
}

/// Logs in as `username` with a form, as a same-origin page does.
pub async fn login(app: &Router, username: &str) -> Reply {
    Req::post("/token")
        .header("sec-fetch-site", "same-origin")
        .form(&login_body(username, PASSWORD))
        .send(app)
        .await
}

/// A 403 from the CSRF checks: `invalid_request`, no challenge, the fixed description.
#[track_caller]
pub fn assert_csrf_refused(reply: &Reply, description: &str) {
    reply.assert_rejected(axum::http::StatusCode::FORBIDDEN, None, "invalid_request");
    assert_eq!(reply.json()["error_description"], description);
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
}

pub const CSRF_MISMATCH: &str = "The CSRF token is missing or invalid";
pub const CROSS_SITE: &str = "Cross-site requests are not allowed";
