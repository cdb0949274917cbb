//! JWKS: the published `/.well-known/jwks.json`, verifiers built from a JWKS document, and the
//! remote JWKS of resource-server mode against a JWKS server on loopback (rotation, unknown-kid
//! floods, an endpoint that goes away, removed keys and the verified-token cache), plus
//! Keycloak- and Auth0-shaped tokens.

mod common;

use common::captured_log::CapturedLog;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth::error::{ConfigError, ErrorKind};
use auth::jwks::RemoteJwks;
use auth::jwks::{JwksConfig, JwksError};
use auth::keys::{Algorithm, KeySet, SigningKey, VerifyingKey};
use auth::store::MemoryStore;
use auth::token::TokenError;
use auth::{Authenticated, Authenticator, requires_role};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::{get, post};
use common::*;
use serde_json::{Value, json};

// ---- the JWKS server on loopback ------------------------------------------------------------

/// Serves a JWKS document the test changes between requests, and counts the fetches.
struct JwksServer {
    addr: SocketAddr,
    document: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    async fn start(document: Value) -> Self {
        let document = Arc::new(Mutex::new(document));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (doc, count) = (document.clone(), fetches.clone());
        let app = Router::new().route(
            "/certs",
            get(move || {
                let (doc, count) = (doc.clone(), count.clone());
                async move {
                    count.fetch_add(1, Ordering::SeqCst);
                    let body = doc.lock().unwrap().to_string();
                    ([(header::CONTENT_TYPE, "application/json")], body)
                }
            }),
        );
        Self::serve(app, document, fetches).await
    }

    /// Serves any router (the issuer's own published JWKS, say), counting nothing.
    async fn serve(app: Router, document: Arc<Mutex<Value>>, fetches: Arc<AtomicUsize>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            document,
            fetches,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/certs", self.addr)
    }

    fn set(&self, document: Value) {
        *self.document.lock().unwrap() = document;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Stops serving: the listener is closed, later connections are refused.
    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

// ---- keys and tokens -----------------------------------------------------------------------

fn es256(file: &str, kid: &str) -> SigningKey {
    SigningKey::from_pem(Algorithm::ES256, key(file))
        .unwrap()
        .with_kid(kid)
        .unwrap()
}

/// The JWK of a signing key, as its issuer publishes it.
fn jwk(signing: &SigningKey) -> Value {
    serde_json::to_value(signing.verifying_key().jwk().unwrap()).unwrap()
}

fn jwks(keys: &[&SigningKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| jwk(k)).collect::<Vec<_>>() })
}

/// An issuer that signs with `signing` (the same issuer and audience as `common`).
fn issuer(signing: &SigningKey) -> Authenticator {
    authenticator_with(KeySet::new(signing.clone()))
}

fn token_of(signing: &SigningKey) -> String {
    issue(&issuer(signing), &user("alice", &[Role::Admin]))
}

/// A resource server verifying with `remote`.
fn resource_server(remote: RemoteJwks) -> Authenticator {
    Authenticator::builder()
        .remote_jwks(remote)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap()
}

/// A token of `signing`'s key, but naming another `kid`.
fn token_with_kid(kid: &str) -> String {
    forge_asymmetric(
        &json!({"alg": "ES256", "typ": "at+jwt", "kid": kid}),
        &good_payload(),
        jsonwebtoken::Algorithm::ES256,
        &key("p256.pem"),
    )
}

/// Waits (bounded) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---- publishing ----------------------------------------------------------------------------

fn published_issuer() -> Authenticator {
    let keys = KeySet::new(es256("p256.pem", "es-1"))
        .with_verifying_key(
            VerifyingKey::from_pem(Algorithm::EdDSA, key("ed25519.pub.pem"))
                .unwrap()
                .with_kid("ed-old")
                .unwrap(),
        )
        .unwrap()
        .with_verifying_key(hs256_key().verifying_key().clone())
        .unwrap();
    authenticator_with(keys)
}

#[tokio::test]
async fn the_published_jwks_lists_public_keys_only() {
    let app: Router = Router::new().merge(auth::jwks::router(published_issuer()));
    let reply = send(&app, get_with("/.well-known/jwks.json", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(reply.headers[header::CACHE_CONTROL], "public, max-age=300");
    let body = reply.json();
    let keys = body["keys"].as_array().unwrap();
    let listed: Vec<(&str, &str, &str)> = keys
        .iter()
        .map(|k| {
            assert_eq!(k["use"], "sig", "{k}");
            (
                k["kid"].as_str().unwrap(),
                k["alg"].as_str().unwrap(),
                k["kty"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("es-1", "ES256", "EC"), ("ed-old", "EdDSA", "OKP")],
        "the HMAC key is not published"
    );
    let text = reply.text();
    for secret in [r#""oct""#, r#""k""#, r#""d""#] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }

    // Any path, any router state; other methods are not served.
    let app: Router = Router::new()
        .merge(auth::jwks::router_at(published_issuer(), "/keys"))
        .with_state(());
    assert_eq!(
        send(&app, get_with("/keys", None)).await.json()["keys"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let post = Request::post("/keys").body(Body::empty()).unwrap();
    assert_eq!(
        send(&app, post).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn a_verifier_built_from_the_published_jwks_verifies_the_issuers_tokens() {
    let issuer = published_issuer();
    let token = issue(&issuer, &user("alice", &[Role::Editor]));
    let published: Router = auth::jwks::router(issuer.clone());
    let body = send(&published, get_with("/.well-known/jwks.json", None))
        .await
        .body;

    // From the document, statically.
    let from_document = authenticator_with(JwksConfig::default().key_set_from_json(&body).unwrap());
    assert!(from_document.keys().signing_key().is_none());
    let verified = from_document.verify_without_revocation(&token).unwrap();
    assert_eq!(verified.subject(), "alice");
    assert!(
        from_document.issue(&user("mallory", &[])).is_err(),
        "verify only"
    );

    // And from the URL, over HTTP: two authenticators, one issuing, one verifying.
    let server =
        JwksServer::serve(auth::jwks::router(issuer), Arc::default(), Arc::default()).await;
    let remote = RemoteJwks::builder(format!("http://{}/.well-known/jwks.json", server.addr))
        .load()
        .await
        .unwrap();
    assert_eq!(remote.keys().len(), 2);
    let (app, runs) = app(resource_server(remote));
    let reply = send(&app, get_bearer("/protected", &token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.text(), "alice");
    assert_eq!(runs.count(), 1);
    server.stop().await;
}

// ---- documents that yield no verifier -------------------------------------------------------

#[tokio::test]
async fn oct_keys_and_keys_without_alg_never_verify() {
    let es = es256("p256.pem", "es-1");
    let mut no_alg = jwk(&es);
    no_alg.as_object_mut().unwrap().remove("alg");
    no_alg["kid"] = "no-alg".into();
    let oct = json!({"kty": "oct", "alg": "HS256", "kid": KID, "k": b64(SECRET)});
    let only_unusable = json!({"keys": [oct, no_alg]});

    assert_eq!(
        JwksConfig::default()
            .key_set_from_json(only_unusable.to_string())
            .err(),
        Some(JwksError::NoUsableKey)
    );
    let server = JwksServer::start(only_unusable.clone()).await;
    assert_eq!(
        RemoteJwks::builder(server.url()).load().await.err(),
        Some(JwksError::NoUsableKey)
    );

    // Next to a usable key, they are skipped: tokens naming them are refused.
    let mut mixed = only_unusable;
    mixed["keys"].as_array_mut().unwrap().push(jwk(&es));
    server.set(mixed);
    let remote = RemoteJwks::builder(server.url()).load().await.unwrap();
    let kids: Vec<String> = remote
        .keys()
        .verifying_keys()
        .map(|k| k.kid().to_owned())
        .collect();
    assert_eq!(kids, ["es-1"]);
    let auth = resource_server(remote);
    // An HS256 token signed with the published secret, under its kid.
    let hs = forge(&good_header(), &good_payload());
    assert_eq!(
        auth.authenticate(&hs).await.unwrap_err().kind(),
        ErrorKind::InvalidToken(TokenError::UnknownKey)
    );
    assert!(
        auth.verify_without_revocation(&token_with_kid("no-alg"))
            .is_err()
    );
    assert!(
        auth.verify_without_revocation(&token_with_kid("es-1"))
            .is_ok()
    );

    // A default algorithm, configured by the application, makes the alg-less key usable.
    let mut config = JwksConfig::default();
    config.default_algorithm = Some(Algorithm::ES256);
    let remote = RemoteJwks::builder(server.url())
        .config(config)
        .load()
        .await
        .unwrap();
    assert_eq!(
        remote.keys().find("no-alg").unwrap().algorithm(),
        Algorithm::ES256
    );
    server.stop().await;
}

// ---- the remote JWKS -----------------------------------------------------------------------

#[tokio::test]
async fn a_new_issuer_key_is_picked_up_without_restart() {
    let (old, new) = (es256("p256.pem", "es-1"), es256("p256-b.pem", "es-2"));
    let server = JwksServer::start(jwks(&[&old])).await;
    let remote = RemoteJwks::builder(server.url())
        .min_refresh_interval(Duration::from_millis(200))
        .load()
        .await
        .unwrap();
    let auth = resource_server(remote.clone());
    assert!(auth.authenticate(&token_of(&old)).await.is_ok());
    assert_eq!(server.fetches(), 1);

    // The issuer rotates: publishes es-2 and signs with it. The first es-2 token makes the
    // verifier fetch again (once the minimum interval since the last fetch has passed).
    server.set(jwks(&[&old, &new]));
    tokio::time::sleep(Duration::from_millis(250)).await;
    let (app, _) = app(auth.clone());
    let reply = send(&app, get_bearer("/protected", &token_of(&new))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(server.fetches(), 2);
    assert!(auth.authenticate(&token_of(&old)).await.is_ok());

    // Within the minimum interval, an unknown kid is refused without a fetch.
    let reply = send(&app, get_bearer("/protected", &token_with_kid("es-3"))).await;
    reply.assert_invalid_token(INVALID);
    assert_eq!(server.fetches(), 2);
    server.stop().await;
}

#[tokio::test]
async fn the_background_refresh_picks_up_keys_without_any_token() {
    let (old, new) = (es256("p256.pem", "es-1"), es256("p256-b.pem", "es-2"));
    let server = JwksServer::start(jwks(&[&old])).await;
    let remote = RemoteJwks::builder(server.url())
        .refresh_interval(Duration::from_millis(150))
        .load()
        .await
        .unwrap();
    server.set(jwks(&[&old, &new]));
    eventually("the background refresh", || {
        remote.keys().find("es-2").is_some()
    })
    .await;
    let fetches = server.fetches();
    assert!((2..=4).contains(&fetches), "{fetches} fetches");
    // It stops with the last handle on the key source.
    drop(remote);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let after = server.fetches();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(server.fetches(), after, "the task ended");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kid_flood_fetches_at_most_once_per_interval() {
    let es = es256("p256.pem", "es-1");
    let server = JwksServer::start(jwks(&[&es])).await;
    // Long enough that two floods of 200 requests fit in it on a loaded 2-core machine.
    let interval = Duration::from_secs(3);
    let remote = RemoteJwks::builder(server.url())
        .min_refresh_interval(interval)
        .load()
        .await
        .unwrap();
    let auth = resource_server(remote);
    let (app, runs) = app(auth.clone());
    assert_eq!(server.fetches(), 1);
    tokio::time::sleep(interval + Duration::from_millis(100)).await;

    let flood = |round: usize| {
        let app = app.clone();
        async move {
            let requests: Vec<_> = (0..200)
                .map(|i| {
                    let app = app.clone();
                    tokio::spawn(async move {
                        let token = token_with_kid(&format!("random-{round}-{i}-{}", now()));
                        send(&app, get_bearer("/protected", &token)).await
                    })
                })
                .collect();
            for request in requests {
                request.await.unwrap().assert_invalid_token(INVALID);
            }
        }
    };
    let started = Instant::now();
    flood(1).await;
    assert_eq!(server.fetches(), 2, "one fetch for 200 unknown kids");
    flood(2).await;
    assert!(
        started.elapsed() < interval,
        "the floods outlasted the interval"
    );
    assert_eq!(server.fetches(), 2, "none within the interval");
    assert_eq!(runs.count(), 0);

    // Known keys are served from the cache all along, with no fetch.
    assert!(auth.authenticate(&token_of(&es)).await.is_ok());
    // Neither HMAC nor malformed key ids ever cause a fetch.
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    let hs = forge(
        &json!({"alg": "HS256", "typ": "at+jwt", "kid": "unknown-hmac"}),
        &good_payload(),
    );
    for token in [
        hs,
        token_with_kid("bad/kid"),
        token_with_kid(&"k".repeat(65)),
    ] {
        assert!(auth.authenticate(&token).await.is_err());
    }
    assert_eq!(server.fetches(), 2);
    // After the interval, the next unknown kid fetches again.
    assert!(auth.authenticate(&token_with_kid("later")).await.is_err());
    assert_eq!(server.fetches(), 3);
    server.stop().await;
}

#[tokio::test]
async fn tokens_never_name_where_keys_come_from() {
    let es = es256("p256.pem", "es-1");
    let server = JwksServer::start(jwks(&[&es])).await;
    let remote = RemoteJwks::builder(server.url())
        .min_refresh_interval(Duration::from_millis(1))
        .load()
        .await
        .unwrap();
    let auth = resource_server(remote);
    tokio::time::sleep(Duration::from_millis(5)).await;
    // TV-06: a token pointing at a key URL (even the right one) is refused before any lookup,
    // and causes no request.
    for member in ["jku", "x5u"] {
        let header =
            json!({"alg": "ES256", "typ": "at+jwt", "kid": "elsewhere", member: server.url()});
        let token = forge_asymmetric(
            &header,
            &good_payload(),
            jsonwebtoken::Algorithm::ES256,
            &key("p256.pem"),
        );
        assert_eq!(
            auth.authenticate(&token).await.unwrap_err().kind(),
            ErrorKind::InvalidToken(TokenError::UnsupportedHeader)
        );
    }
    assert_eq!(server.fetches(), 1);
    server.stop().await;
}

#[tokio::test]
async fn an_endpoint_that_goes_away_keeps_the_cached_keys() {
    let log = CapturedLog::default();
    let _guard = tracing::subscriber::set_default(log.subscriber(tracing::Level::DEBUG));
    let es = es256("p256.pem", "es-1");
    let server = JwksServer::start(jwks(&[&es])).await;
    let url = server.url();
    let remote = RemoteJwks::builder(&url)
        .min_refresh_interval(Duration::from_millis(50))
        .load()
        .await
        .unwrap();
    // No verified-token cache, so every request verifies with the key set.
    let auth = Authenticator::builder()
        .remote_jwks(remote.clone())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .token_cache(0)
        .build()
        .unwrap();
    let token = token_of(&es);
    server.stop().await;

    assert!(matches!(remote.refresh().await, Err(JwksError::Fetch(_))));
    let (app, _) = app(auth.clone());
    let reply = send(&app, get_bearer("/protected", &token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // An unknown kid tries the dead endpoint (once per interval), then is refused.
    tokio::time::sleep(Duration::from_millis(60)).await;
    let unknown = token_with_kid("es-2");
    send(&app, get_bearer("/protected", &unknown))
        .await
        .assert_invalid_token(INVALID);
    assert_eq!(remote.keys().len(), 1);
    assert!(auth.authenticate(&token).await.is_ok());

    let text = log.text();
    assert!(text.contains("JWKS fetch failed"), "{text}");
    assert!(text.contains(&url), "the log names the URL: {text}");
    assert!(text.contains("cached_keys=1"), "{text}");
    assert!(
        !text.contains(&token) && !text.contains(&unknown),
        "no token in logs"
    );
}

#[tokio::test]
async fn a_key_removed_from_the_jwks_stops_verifying_even_from_the_cache() {
    let (kept, removed) = (es256("p256.pem", "es-1"), es256("p256-b.pem", "es-2"));
    let server = JwksServer::start(jwks(&[&kept, &removed])).await;
    let remote = RemoteJwks::builder(server.url()).load().await.unwrap();
    let auth = resource_server(remote.clone());
    let (app, _) = app(auth.clone());
    let (doomed, fine) = (token_of(&removed), token_of(&kept));
    for token in [&doomed, &fine] {
        // Twice: the second answer comes from the verified-token cache.
        for _ in 0..2 {
            let reply = send(&app, get_bearer("/protected", token)).await;
            assert_eq!(reply.status, StatusCode::OK);
        }
    }

    server.set(jwks(&[&kept]));
    remote.refresh().await.unwrap();
    send(&app, get_bearer("/protected", &doomed))
        .await
        .assert_invalid_token(INVALID);
    assert_eq!(
        auth.authenticate(&doomed).await.unwrap_err().kind(),
        ErrorKind::InvalidToken(TokenError::UnknownKey)
    );
    let reply = send(&app, get_bearer("/protected", &fine)).await;
    assert_eq!(reply.status, StatusCode::OK, "the kept key still verifies");

    // A key replaced under the same kid is a removal too.
    let impostor = SigningKey::from_pem(Algorithm::ES256, key("p256-b.pem"))
        .unwrap()
        .with_kid("es-1")
        .unwrap();
    server.set(jwks(&[&impostor]));
    remote.refresh().await.unwrap();
    assert_eq!(
        auth.authenticate(&fine).await.unwrap_err().kind(),
        ErrorKind::InvalidToken(TokenError::BadSignature)
    );
    server.stop().await;
}

#[tokio::test]
async fn oversized_and_failed_answers_are_errors_that_keep_the_cache() {
    let es = es256("p256.pem", "es-1");
    let server = JwksServer::start(jwks(&[&es])).await;
    let mut small = JwksConfig::default();
    small.max_size = 64;
    assert_eq!(
        RemoteJwks::builder(server.url())
            .config(small)
            .load()
            .await
            .err(),
        Some(JwksError::TooLarge { limit: 64 })
    );
    let missing = format!("http://{}/missing", server.addr);
    assert_eq!(
        RemoteJwks::builder(missing).load().await.err(),
        Some(JwksError::Status(404))
    );
    let remote = RemoteJwks::builder(server.url()).load().await.unwrap();
    server.set(json!({"keys": "not a list"}));
    assert_eq!(remote.refresh().await.err(), Some(JwksError::Malformed));
    server.set(json!({"keys": vec![jwk(&es); 101]}));
    assert_eq!(
        remote.refresh().await.err(),
        Some(JwksError::TooManyKeys { limit: 100 })
    );
    assert!(remote.keys().find("es-1").is_some(), "the cached key stays");
    server.stop().await;
}

#[test]
fn remote_settings_and_urls_are_checked_at_build_time() {
    for url in [
        "http://sso.example.com/certs",
        "https://user:secret@sso.example.com/certs",
        "sso.example.com/certs",
    ] {
        assert!(
            matches!(
                RemoteJwks::builder(url).build(),
                Err(JwksError::InvalidUrl(_))
            ),
            "{url}"
        );
    }
    assert!(matches!(
        RemoteJwks::builder("https://sso.example.com/certs")
            .min_refresh_interval(Duration::ZERO)
            .build(),
        Err(JwksError::InvalidConfig(_))
    ));
    // Built outside a runtime: no task yet, no fetch; the keys are empty.
    let remote = RemoteJwks::builder("https://sso.example.com/certs")
        .build()
        .unwrap();
    assert!(remote.keys().is_empty());
    assert_eq!(remote.location(), "https://sso.example.com/certs");
    // One key source per authenticator.
    let both = Authenticator::builder()
        .signing_key(hs256_key())
        .remote_jwks(remote)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build();
    assert_eq!(both.err(), Some(ConfigError::ConflictingKeySources));
}

// ---- foreign issuers -----------------------------------------------------------------------

const REALM: &str = "https://sso.test/realms/demo";

fn rs256(kid: &str) -> SigningKey {
    SigningKey::from_pem(Algorithm::RS256, key("rsa2048.pem"))
        .unwrap()
        .with_kid(kid)
        .unwrap()
}

/// What Keycloak's `/protocol/openid-connect/certs` serves: a signature key and an
/// encryption key.
fn keycloak_jwks(rsa: &SigningKey) -> Value {
    let mut enc = jwk(rsa);
    enc["kid"] = "kc-enc".into();
    enc["use"] = "enc".into();
    enc["alg"] = "RSA-OAEP".into();
    let mut sig = jwk(rsa);
    sig["x5c"] = json!(["MIIC..."]);
    sig["x5t"] = "abc".into();
    json!({ "keys": [sig, enc] })
}

/// A Keycloak access token: `typ: JWT`, realm roles under `realm_access.roles`.
fn keycloak_token(roles: &[&str], typ: &str) -> String {
    let now = now();
    let payload = json!({
        "exp": now + 300, "iat": now, "auth_time": now,
        "jti": "onrtac:5b1f0c8e-8d2a-4c1e-9a55-2d8c4f2f6e11",
        "iss": REALM, "aud": ["orders-api", "account"],
        "sub": "f3a2c1d0-1111-2222-3333-444455556666", "typ": "Bearer", "azp": "frontend",
        "sid": "0c6f4a1e-aaaa-bbbb-cccc-ddddeeeeffff", "acr": "1",
        "allowed-origins": ["https://app.test"],
        "realm_access": {"roles": roles},
        "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
        "scope": "openid email profile", "email_verified": true,
        "preferred_username": "alice", "email": "alice@example.test",
    });
    forge_asymmetric(
        &json!({"alg": "RS256", "typ": typ, "kid": "kc-sig"}),
        &payload,
        jsonwebtoken::Algorithm::RS256,
        &key("rsa2048.pem"),
    )
}

fn keycloak_builder(remote: RemoteJwks) -> auth::AuthenticatorBuilder {
    Authenticator::builder()
        .remote_jwks(remote)
        .issuer(REALM)
        .audience("orders-api")
        .roles_claim("realm_access.roles")
}

#[tokio::test]
async fn keycloak_tokens_with_realm_roles() {
    let server = JwksServer::start(keycloak_jwks(&rs256("kc-sig"))).await;
    let remote = RemoteJwks::builder(server.url()).load().await.unwrap();
    assert_eq!(remote.keys().len(), 1, "the encryption key is skipped");
    let auth = keycloak_builder(remote.clone())
        .accept_token_type("JWT")
        .build()
        .unwrap();
    let (app, runs) = app(auth);

    let admin = keycloak_token(&["offline_access", "uma_authorization", "admin"], "JWT");
    let reply = send(&app, get_bearer("/admin", &admin)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = send(&app, get_bearer("/protected", &admin)).await;
    assert_eq!(reply.text(), "f3a2c1d0-1111-2222-3333-444455556666");

    let viewer = keycloak_token(&["viewer", "default-roles-demo"], "JWT");
    let reply = send(&app, get_bearer("/admin", &viewer)).await;
    reply.assert_rejected(
        StatusCode::FORBIDDEN,
        Some(r#"Bearer error="insufficient_scope""#),
        "insufficient_scope",
    );
    assert_eq!(
        send(&app, get_bearer("/viewer", &viewer)).await.status,
        StatusCode::OK
    );
    // Roles elsewhere in the token (`resource_access`, `scope`) grant nothing.
    let none = keycloak_token(&[], "JWT");
    assert_eq!(
        send(&app, get_bearer("/viewer", &none)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(runs.count(), 3);

    // The strict default refuses Keycloak's `typ: JWT`; `at+jwt` is always accepted.
    let strict = keycloak_builder(remote).build().unwrap();
    assert_eq!(
        strict.verify_without_revocation(&admin).err(),
        Some(TokenError::WrongType),
        "TV-07 by default"
    );
    assert!(
        strict
            .verify_without_revocation(&keycloak_token(&["admin"], "at+jwt"))
            .is_ok()
    );
    server.stop().await;
}

#[derive(auth::Role)]
enum Scope {
    #[role(rename = "posts:read")]
    PostsRead,
    #[role(rename = "posts:write")]
    PostsWrite,
}

#[requires_role("posts:write", role = Scope)]
async fn create_post(user: Authenticated) -> (StatusCode, String) {
    (StatusCode::CREATED, user.subject().to_owned())
}

#[requires_role(any("posts:read", "posts:write"), role = Scope)]
async fn list_posts() -> &'static str {
    "[]"
}

const TENANT: &str = "https://tenant.eu.auth0.test/";
const API: &str = "https://api.example.test";

/// An Auth0 access token: `typ: JWT`, no `jti` and no `nbf`, 24 hours, scopes as a string.
fn auth0_token(scope: &str) -> String {
    let now = now();
    let payload = json!({
        "iss": TENANT, "sub": "auth0|64b0c0ffee", "aud": [API, format!("{TENANT}userinfo")],
        "iat": now, "exp": now + 86_400, "azp": "client-123", "scope": scope,
        "permissions": ["posts:write"],
    });
    forge_asymmetric(
        &json!({"alg": "RS256", "typ": "JWT", "kid": "auth0-1"}),
        &payload,
        jsonwebtoken::Algorithm::RS256,
        &key("rsa2048.pem"),
    )
}

fn auth0_builder() -> auth::AuthenticatorBuilder {
    Authenticator::builder()
        .keys(
            JwksConfig::default()
                .key_set_from_json(jwks(&[&rs256("auth0-1")]).to_string())
                .unwrap(),
        )
        .issuer(TENANT)
        .audience(API)
        .roles_claim("scope")
}

#[tokio::test]
async fn auth0_tokens_with_scopes_as_roles() {
    let auth = auth0_builder()
        .accept_token_type("JWT")
        .require_jwt_id(false)
        .max_token_lifetime(Duration::from_secs(24 * 60 * 60))
        .revocation(MemoryStore::new())
        .build()
        .unwrap();
    let app: Router = Router::new()
        .route("/posts", post(create_post).get(list_posts))
        .with_state(auth.clone());

    let writer = auth0_token("openid profile posts:write");
    let reply = send(
        &app,
        Request::post("/posts")
            .header(header::AUTHORIZATION, format!("Bearer {writer}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.text(), "auth0|64b0c0ffee");

    let reader = auth0_token("openid posts:read");
    assert_eq!(
        send(&app, get_bearer("/posts", &reader)).await.status,
        StatusCode::OK
    );
    let reply = send(
        &app,
        Request::post("/posts")
            .header(header::AUTHORIZATION, format!("Bearer {reader}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // `permissions` is not the configured claim: it grants nothing.
    assert_eq!(
        send(&app, get_bearer("/posts", &auth0_token("openid")))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Without `jti`, the token cannot be revoked one by one: revoking is a no-op, and the
    // denylist is not asked about it.
    let verified = auth.authenticate(&writer).await.unwrap();
    assert_eq!(verified.jwt_id(), "");
    assert_eq!(verified.registered().not_before(), None);
    auth.revoke(&verified).await.unwrap();
    assert!(auth.authenticate(&writer).await.is_ok());
}

#[test]
#[allow(clippy::too_many_lines)] // one relaxation after the other, each checked both ways
fn foreign_token_relaxations_are_opt_in_one_by_one() {
    let token = auth0_token("posts:write");
    let lifetime = Duration::from_secs(24 * 60 * 60);
    // Each relaxation alone is not enough: typ, jti and lifetime are each checked.
    let strict = auth0_builder().build().unwrap();
    assert_eq!(
        strict.verify_without_revocation(&token).err(),
        Some(TokenError::WrongType)
    );
    let typ_only = auth0_builder().accept_token_type("JWT").build().unwrap();
    assert_eq!(
        typ_only.verify_without_revocation(&token).err(),
        Some(TokenError::InvalidClaims)
    );
    let no_lifetime = auth0_builder()
        .accept_token_type("JWT")
        .require_jwt_id(false)
        .build()
        .unwrap();
    assert_eq!(
        no_lifetime.verify_without_revocation(&token).err(),
        Some(TokenError::LifetimeTooLong)
    );
    let all = auth0_builder()
        .accept_token_type("JWT")
        .require_jwt_id(false)
        .max_token_lifetime(lifetime)
        .build()
        .unwrap();
    assert!(all.verify_without_revocation(&token).is_ok());

    // Token types match exactly; other kinds stay refused.
    let with_typ = |typ: Option<&str>| {
        let mut header = json!({"alg": "HS256", "kid": KID});
        if let Some(typ) = typ {
            header["typ"] = typ.into();
        }
        forge(&header, &good_payload())
    };
    let relaxed = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .accept_token_type("JWT")
        .build()
        .unwrap();
    assert!(
        relaxed
            .verify_without_revocation(&with_typ(Some("JWT")))
            .is_ok()
    );
    assert!(
        relaxed
            .verify_without_revocation(&with_typ(Some("at+jwt")))
            .is_ok()
    );
    for refused in [Some("jwt"), Some("refresh+jwt"), Some(""), None] {
        assert_eq!(
            relaxed.verify_without_revocation(&with_typ(refused)).err(),
            Some(TokenError::WrongType),
            "{refused:?}"
        );
    }
    let untyped = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .accept_untyped_tokens()
        .build()
        .unwrap();
    assert!(untyped.verify_without_revocation(&with_typ(None)).is_ok());
    assert_eq!(
        untyped
            .verify_without_revocation(&with_typ(Some("JWT")))
            .err(),
        Some(TokenError::WrongType)
    );
    // The strict defaults: at+jwt only, jti required and never empty.
    let strict = authenticator();
    assert_eq!(
        strict
            .verify_without_revocation(&with_typ(Some("JWT")))
            .err(),
        Some(TokenError::WrongType)
    );
    assert_eq!(
        strict.verify_without_revocation(&with_typ(None)).err(),
        Some(TokenError::WrongType)
    );
    let no_jti = forge(&good_header(), &without(good_payload(), "jti"));
    assert_eq!(
        strict.verify_without_revocation(&no_jti).err(),
        Some(TokenError::InvalidClaims)
    );
    let lenient = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .require_jwt_id(false)
        .build()
        .unwrap();
    assert!(lenient.verify_without_revocation(&no_jti).is_ok());
    let empty_jti = forge(&good_header(), &with(good_payload(), "jti", json!("")));
    assert_eq!(
        lenient.verify_without_revocation(&empty_jti).err(),
        Some(TokenError::InvalidClaims)
    );
    // A string in the crate's own `roles` claim is still a type error.
    let string_roles = forge(
        &good_header(),
        &with(good_payload(), "roles", json!("admin")),
    );
    assert_eq!(
        strict.verify_without_revocation(&string_roles).err(),
        Some(TokenError::InvalidClaims)
    );

    for bad in ["", "J WT", &"x".repeat(65), "é"] {
        assert_eq!(
            auth0_builder().accept_token_type(bad).build().err(),
            Some(ConfigError::InvalidTokenType),
            "{bad:?}"
        );
    }
}
