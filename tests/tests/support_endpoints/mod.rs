//! Fixtures for the endpoint tests: an in-memory user store the tests can change under the
//! running app, a configurable harness (store, revocation, throttling, clock), request
//! builders, and a real `redis-server` on a free loopback port.
#![allow(dead_code, unreachable_pub, missing_docs)] // each test binary uses a subset

use std::collections::HashMap;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth::Authenticator;
use auth::endpoints::{Endpoints, ThrottleConfig, User, UserStore};
use auth::password::{HashParams, PasswordConfig, Passwords};
use auth::store::{MemoryStore, RefreshStore, RevocationList, StoreError};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;

use crate::common::{self, AUDIENCE, ISSUER, Reply, Role, UserClaims, hs256_key, send};

pub const PASSWORD: &str = "correct horse battery staple";

/// Cheap Argon2id parameters, so that tests hash in about a millisecond.
pub const CHEAP: HashParams = HashParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

// ---- users ---------------------------------------------------------------------------------

#[derive(Clone)]
struct Row {
    claims: UserClaims,
    hash: String,
    disabled: bool,
}

/// Users by username, changeable while the app runs.
#[derive(Clone, Default)]
pub struct Users {
    rows: Arc<Mutex<HashMap<String, Row>>>,
    /// When set, every call fails (the database is down).
    pub down: Arc<AtomicBool>,
}

impl Users {
    pub fn add(&self, username: &str, roles: &[Role], hash: &str) {
        self.rows.lock().unwrap().insert(
            username.into(),
            Row {
                claims: common::user(&format!("id-{username}"), roles),
                hash: hash.into(),
                disabled: false,
            },
        );
    }

    pub fn set_disabled(&self, username: &str, disabled: bool) {
        self.rows
            .lock()
            .unwrap()
            .get_mut(username)
            .unwrap()
            .disabled = disabled;
    }

    pub fn set_roles(&self, username: &str, roles: &[Role]) {
        self.rows
            .lock()
            .unwrap()
            .get_mut(username)
            .unwrap()
            .claims
            .roles = roles.to_vec();
    }

    pub fn set_hash(&self, username: &str, hash: &str) {
        self.rows.lock().unwrap().get_mut(username).unwrap().hash = hash.into();
    }

    pub fn remove(&self, username: &str) {
        self.rows.lock().unwrap().remove(username);
    }

    pub fn hash_of(&self, username: &str) -> String {
        self.rows.lock().unwrap()[username].hash.clone()
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::new("users database down"))
        } else {
            Ok(())
        }
    }
}

fn to_user(row: &Row) -> User<UserClaims> {
    User::new(row.claims.clone(), row.hash.clone()).disabled(row.disabled)
}

impl UserStore for Users {
    type Claims = UserClaims;

    async fn find_by_username(
        &self,
        username: &str,
    ) -> Result<Option<User<UserClaims>>, StoreError> {
        self.check()?;
        Ok(self.rows.lock().unwrap().get(username).map(to_user))
    }

    async fn find_by_subject(&self, subject: &str) -> Result<Option<User<UserClaims>>, StoreError> {
        self.check()?;
        Ok(self
            .rows
            .lock()
            .unwrap()
            .values()
            .find(|row| row.claims.sub == subject)
            .map(to_user))
    }

    async fn update_password_hash(&self, subject: &str, hash: &str) -> Result<(), StoreError> {
        self.check()?;
        let mut rows = self.rows.lock().unwrap();
        if let Some(row) = rows.values_mut().find(|row| row.claims.sub == subject) {
            row.hash = hash.into();
        }
        Ok(())
    }
}

// ---- the harness ---------------------------------------------------------------------------

/// A clock that tests can move forward: the real time plus an offset.
#[derive(Clone, Default)]
pub struct Clock(Arc<AtomicU64>);

impl Clock {
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
    pub fn now(&self) -> u64 {
        common::now() + self.0.load(Ordering::SeqCst)
    }
}

pub struct Setup {
    store: Arc<dyn RefreshStore>,
    revocation: Option<Arc<dyn RevocationList>>,
    throttle: ThrottleConfig,
    passwords: PasswordConfig,
    configure: Vec<Box<dyn FnOnce(EndpointsBuilder) -> EndpointsBuilder>>,
}

pub type EndpointsBuilder = auth::endpoints::EndpointsBuilder<Users>;

impl Default for Setup {
    fn default() -> Self {
        let memory = MemoryStore::new();
        Self {
            store: Arc::new(memory.clone()),
            revocation: Some(Arc::new(memory)),
            throttle: ThrottleConfig::disabled(),
            passwords: PasswordConfig::default().params(CHEAP),
            configure: Vec::new(),
        }
    }
}

impl Setup {
    /// The refresh store, also used as the authenticator's revocation list.
    pub fn store<S: RefreshStore + RevocationList + Clone>(mut self, store: S) -> Self {
        self.store = Arc::new(store.clone());
        self.revocation = Some(Arc::new(store));
        self
    }

    pub fn no_revocation(mut self) -> Self {
        self.revocation = None;
        self
    }

    pub fn throttle(mut self, throttle: ThrottleConfig) -> Self {
        self.throttle = throttle;
        self
    }

    pub fn passwords(mut self, passwords: PasswordConfig) -> Self {
        self.passwords = passwords;
        self
    }

    pub fn configure(
        mut self,
        f: impl FnOnce(EndpointsBuilder) -> EndpointsBuilder + 'static,
    ) -> Self {
        self.configure.push(Box::new(f));
        self
    }

    /// The app: common's protected routes merged with the endpoints; users `alice` (admin),
    /// `bob` (viewer) and `carol` (viewer, disabled), all with [`PASSWORD`].
    pub async fn build(self) -> Harness {
        let clock = Clock::default();
        let mut builder = Authenticator::builder()
            .signing_key(hs256_key())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .clock({
                let clock = clock.clone();
                move || clock.now()
            });
        if let Some(list) = self.revocation {
            builder = builder.revocation_shared(list);
        }
        let auth = builder.build().unwrap();
        let passwords = Passwords::new(self.passwords).unwrap();
        let users = Users::default();
        let hash = passwords.hash(PASSWORD).await.unwrap();
        users.add("alice", &[Role::Admin], &hash);
        users.add("bob", &[Role::Viewer], &hash);
        users.add("carol", &[Role::Viewer], &hash);
        users.set_disabled("carol", true);
        let mut endpoints = Endpoints::builder(auth.clone(), users.clone())
            .store_shared(self.store.clone())
            .passwords(passwords)
            .throttle(self.throttle);
        for configure in self.configure {
            endpoints = configure(endpoints);
        }
        let endpoints = endpoints.build().unwrap();
        let app = common::app(auth.clone()).0.merge(endpoints.router());
        Harness {
            app,
            auth,
            users,
            endpoints,
            clock,
        }
    }
}

pub struct Harness {
    pub app: Router,
    pub auth: Authenticator,
    pub users: Users,
    pub endpoints: Endpoints<Users>,
    pub clock: Clock,
}

/// An access token and a refresh token.
#[derive(Debug, Clone)]
pub struct Pair {
    pub access: String,
    pub refresh: String,
}

impl Harness {
    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(&self.app, request).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Reply {
        self.send(form("/token", &login_body(username, password)))
            .await
    }

    /// Logs in and returns the pair, asserting success.
    pub async fn pair(&self, username: &str) -> Pair {
        pair_of(&self.login(username, PASSWORD).await)
    }

    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.send(form("/refresh", &format!("refresh_token={refresh_token}")))
            .await
    }

    pub async fn logout(&self, pair: &Pair) -> Reply {
        let mut request = form("/logout", &format!("refresh_token={}", pair.refresh));
        request.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {}", pair.access).parse().unwrap(),
        );
        self.send(request).await
    }

    /// POST /logout with the access token alone, in `Authorization: Bearer`, and no body.
    pub async fn logout_with_access_token(&self, access: &str) -> Reply {
        let request = Request::post("/logout")
            .header(header::AUTHORIZATION, format!("Bearer {access}"))
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// GET /protected with the access token.
    pub async fn protected(&self, access: &str) -> Reply {
        self.send(common::get_bearer("/protected", access)).await
    }
}

pub fn login_body(username: &str, password: &str) -> String {
    format!(
        "grant_type=password&username={}&password={}",
        encode(username),
        encode(password)
    )
}

/// `application/x-www-form-urlencoded` encoding.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn form(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

pub fn json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// The request as if it came from `ip` (what `into_make_service_with_connect_info` adds).
pub fn from_address(mut request: Request<Body>, ip: [u8; 4]) -> Request<Body> {
    let address = SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), 40000);
    request.extensions_mut().insert(ConnectInfo(address));
    request
}

#[track_caller]
pub fn pair_of(reply: &Reply) -> Pair {
    assert_token_response(reply);
    let body = reply.json();
    Pair {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// RFC 6749 §5.1: 200 JSON with the four members, never cached.
#[track_caller]
pub fn assert_token_response(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text());
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(reply.headers[header::PRAGMA], "no-cache");
    let body = reply.json();
    let members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(members.len(), 4, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
    assert_eq!(body["refresh_token"].as_str().unwrap().len(), 43);
}

/// An RFC 6749 §5.2 error: status, `error`, no challenge, JSON, never cached.
#[track_caller]
pub fn assert_oauth_error(reply: &Reply, status: StatusCode, error: &str) {
    reply.assert_rejected(status, None, error);
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(reply.headers[header::PRAGMA], "no-cache");
}

#[track_caller]
pub fn assert_invalid_grant(reply: &Reply) {
    assert_oauth_error(reply, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[track_caller]
pub fn assert_revoked(reply: &Reply) {
    reply.assert_invalid_token("The access token was revoked");
}

// ---- redis-server --------------------------------------------------------------------------

/// A `redis-server` of its own on a free loopback port, killed on drop.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    pub url: String,
}

impl RedisServer {
    /// Starts one, or returns `None` (after saying so loudly) when `redis-server` is not
    /// installed. Under `CI=true` a missing binary fails the test instead.
    pub fn start(test: &str) -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let child = match spawn_redis(port) {
            Ok(child) => child,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                assert!(
                    !std::env::var("CI").is_ok_and(|ci| ci == "true"),
                    "{test}: redis-server is not installed, and CI=true requires the Redis tests to run"
                );
                // Straight to the stderr handle: the test harness captures `eprintln!` of
                // passing tests, and a skip must be seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** {test}: SKIPPED: redis-server is not installed \
                     (apt-get install redis-server; scripts/test does it) ***\n"
                );
                return None;
            }
            Err(err) => panic!("cannot start redis-server: {err}"),
        };
        let server = Self {
            child: Some(child),
            port,
            url: format!("redis://127.0.0.1:{port}"),
        };
        server.wait_until_listening();
        Some(server)
    }

    /// Kills the server; without persistence, its data is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts an empty server again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.child = Some(spawn_redis(self.port).expect("redis-server starts again"));
        self.wait_until_listening();
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn spawn_redis(port: u16) -> std::io::Result<Child> {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
